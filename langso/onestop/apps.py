from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OneStopConfig(AppConfig):
    name = "langso.onestop"
    label = "onestop"
    verbose_name = _("Một cửa điện tử")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from langso.onestop import catalogue_views

        catalogue_views.register()  # home-page tile and staff links
