"""Pages of field reports. Each block belongs to one module; keep them apart."""

from django.urls import path

from langso.reports import (
    public_views,
    pwa_views,
    settings_views,
    staff_views,
    statistics_views,
    submit_views,
)
from langso.reports.open311 import key_views as open311_key_views

app_name = "reports"
urlpatterns: list = [
    # -- reporting, nearby reports, the offline app (submit_views, pwa_views) --
    path("xa/<slug:slug>/phan-anh/gui/", submit_views.submit, name="submit"),
    path("xa/<slug:slug>/phan-anh/gan-day/", submit_views.nearby, name="nearby"),
    path("xa/<slug:slug>/phan-anh/goi-y-linh-vuc/", submit_views.suggest, name="suggest"),
    path("xa/<slug:slug>/phan-anh/gui/ma-bao-mat/", pwa_views.csrf_token, name="csrf_token"),
    path("xa/<slug:slug>/sw.js", pwa_views.service_worker, name="service_worker"),
    path("xa/<slug:slug>/manifest.webmanifest", pwa_views.manifest, name="manifest"),
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
    path("can-bo/phan-anh/", staff_views.worklist_view, name="staff_worklist"),
    path("can-bo/phan-anh/<int:pk>/", staff_views.report_view, name="staff_report"),
    path("can-bo/phan-anh/<int:pk>/kiem-duyet/", staff_views.report_moderate,
         name="staff_moderate"),
    path("can-bo/phan-anh/<int:pk>/mau-tra-loi/", staff_views.answer_template,
         name="staff_answer_template"),
    path("can-bo/phan-anh/<int:pk>/tep/<int:media_id>/", staff_views.report_media,
         name="staff_media"),
    path("can-bo/phan-anh/<int:pk>/tep/<int:media_id>/anh-bia/",
         staff_views.report_media_poster, name="staff_media_poster"),
    path("can-bo/phan-anh/<int:pk>/<str:action>/", staff_views.report_action,
         name="staff_action"),
    path("can-bo/phan-anh/cau-hinh/", settings_views.settings_edit, name="settings"),
    path("can-bo/phan-anh/linh-vuc/", settings_views.category_list, name="categories"),
    path("can-bo/phan-anh/linh-vuc/<int:pk>/", settings_views.category_edit,
         name="category_edit"),
    path("can-bo/phan-anh/linh-vuc/<int:pk>/mau-tra-loi/", settings_views.template_new,
         name="template_new"),
    path("can-bo/phan-anh/mau-tra-loi/<int:pk>/", settings_views.template_edit,
         name="template_edit"),
    # -- Open311 keys of a commune (open311/key_views) --
    path("can-bo/phan-anh/open311/", open311_key_views.key_list, name="open311_keys"),
    path("can-bo/phan-anh/open311/<uuid:key>/thu-hoi/", open311_key_views.key_revoke,
         name="open311_key_revoke"),
    # -- statistics and Excel (statistics_views) --
    path("can-bo/phan-anh/thong-ke/", statistics_views.statistics_view, name="statistics"),
    path("can-bo/phan-anh/thong-ke/excel/", statistics_views.statistics_excel,
         name="statistics_excel"),
]
