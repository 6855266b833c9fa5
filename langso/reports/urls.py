"""Pages of field reports. Each block belongs to one module; keep them apart."""

from django.urls import path

from langso.reports import public_views
from langso.reports.open311 import key_views as open311_key_views

app_name = "reports"
urlpatterns: list = [
    # -- reporting, nearby reports, the offline app (submit_views, pwa_views) --
    # -- public list, map, report page, follow, the reporter's link (public_views) --
    path("xa/<slug:slug>/phan-anh/", public_views.report_list, name="public_list"),
    path("xa/<slug:slug>/phan-anh/ban-do/", public_views.report_map, name="public_map"),
    path("xa/<slug:slug>/phan-anh/ban-do.json", public_views.map_points,
         name="public_map_points"),
    path("xa/<slug:slug>/phan-anh/<int:number>/", public_views.report_detail,
         name="public_detail"),
    path("xa/<slug:slug>/phan-anh/<int:number>/danh-gia/", public_views.report_rate,
         name="public_rate"),
    path("xa/<slug:slug>/phan-anh/<int:number>/mo-lai/", public_views.report_reopen,
         name="public_reopen"),
    path("xa/<slug:slug>/phan-anh/<int:number>/theo-doi/", public_views.report_follow,
         name="public_follow"),
    path("xa/<slug:slug>/phan-anh/<int:number>/tep/<uuid:file>/", public_views.report_file,
         name="public_file"),
    path("phan-anh-cua-toi/", public_views.my_reports, name="my_reports"),
    # -- staff: worklists, triage, answer, approval, moderation, settings (staff_views) --
    # -- Open311 keys of a commune (open311/key_views) --
    path("can-bo/phan-anh/open311/", open311_key_views.key_list, name="open311_keys"),
    path("can-bo/phan-anh/open311/<uuid:key>/thu-hoi/", open311_key_views.key_revoke,
         name="open311_key_revoke"),
    # -- statistics and Excel (statistics_views) --
]
