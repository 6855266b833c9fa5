"""Pages of field reports. Each block belongs to one module; keep them apart."""

from django.urls import path

app_name = "reports"
urlpatterns: list = [
    # -- reporting, nearby reports, the offline app (submit_views, pwa_views) --
    # -- public list, map, report page, follow, the reporter's link (public_views) --
    # -- staff: worklists, triage, answer, approval, moderation, settings (staff_views) --
    # -- statistics and Excel (statistics_views) --
]
