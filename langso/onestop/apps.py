from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OneStopConfig(AppConfig):
    name = "langso.onestop"
    label = "onestop"
    verbose_name = _("Một cửa điện tử")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from langso.onestop import catalogue_views, status_cache
        from langso.onestop.models import Dossier, DossierStep

        catalogue_views.register()  # home-page tile and staff links
        for model in (Dossier, DossierStep):  # a kept status page goes with any change
            post_save.connect(status_cache.dossier_changed, sender=model,
                              dispatch_uid=f"status-page-{model.__name__}")
            post_delete.connect(status_cache.dossier_changed, sender=model,
                                dispatch_uid=f"status-page-delete-{model.__name__}")
