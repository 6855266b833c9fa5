from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SigningConfig(AppConfig):
    """An app only for its templates and the ``verify_pdf`` command; it has no models."""

    name = "langso.signing"
    verbose_name = _("Ký số văn bản")
