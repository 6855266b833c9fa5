from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "langso.reports"
    label = "reports"
    verbose_name = _("Phản ánh hiện trường")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from langso.reports import public_views, staff_views

        public_views.register()  # the commune home page's tile
        staff_views.register()  # the staff area's links
