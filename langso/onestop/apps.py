from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OneStopConfig(AppConfig):
    name = "langso.onestop"
    label = "onestop"
    verbose_name = _("Một cửa điện tử")
    default_auto_field = "django.db.models.BigAutoField"
