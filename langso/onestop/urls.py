"""Pages of the one-stop shop. Each block belongs to one module; keep them apart."""

from django.urls import path

from langso.onestop import (
    catalogue_views,
    citizen_views,
    counter_views,
    payment_views,
    staff_views,
    statistics_views,
    status_views,
)
from langso.signing import views as signing_views

app_name = "onestop"
urlpatterns: list = [
    # -- catalogue (catalogue_views) --
    path("xa/<slug:slug>/thu-tuc/", catalogue_views.catalogue, name="catalogue"),
    path("xa/<slug:slug>/thu-tuc/<slug:procedure>/", catalogue_views.procedure_detail,
         name="procedure_detail"),
    path("can-bo/thu-tuc/", catalogue_views.catalogue_manage, name="catalogue_manage"),
    path("can-bo/thu-tuc/<slug:procedure>/phien-ban-moi/",
         catalogue_views.procedure_version_new, name="procedure_version_new"),
    path("can-bo/cau-hinh-mot-cua/", catalogue_views.office_settings_edit,
         name="office_settings"),
    # -- citizen submission and public status (citizen_views, status_views) --
    path("xa/<slug:slug>/dich-vu-cong/<slug:procedure>/nop/", citizen_views.submit,
         name="submit"),
    path("xa/<slug:slug>/dich-vu-cong/<slug:procedure>/nhap/", citizen_views.draft_save,
         name="draft"),
    path("ho-so-cua-toi/", citizen_views.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/<uuid:public_id>/", citizen_views.dossier_detail,
         name="citizen_dossier"),
    path("ho-so-cua-toi/<uuid:public_id>/da-nop/", citizen_views.submitted, name="submitted"),
    path("ho-so-cua-toi/<uuid:public_id>/giay-to/<str:form>/", citizen_views.dossier_document,
         name="citizen_document"),
    path("tra-cuu/", status_views.lookup, name="status"),
    path("tra-cuu/<str:code>/", status_views.detail, name="status_detail"),
    # -- counter intake (counter_views) --
    path("can-bo/mot-cua/tiep-nhan/", counter_views.intake, name="counter"),
    path("can-bo/mot-cua/tiep-nhan/<uuid:public_id>/", counter_views.done,
         name="counter_done"),
    path("can-bo/mot-cua/tiep-nhan/<uuid:public_id>/bien-nhan/", counter_views.receipt,
         name="counter_receipt"),
    # -- payments (payment_views); before staff processing, whose "<str:action>/" would
    # take "thanh-toan/" --
    path("can-bo/mot-cua/ho-so/<uuid:public_id>/thanh-toan/", payment_views.payment_confirm,
         name="payment_confirm"),
    # -- staff processing (staff_views) --
    path("can-bo/mot-cua/", staff_views.worklist_view, name="staff_worklist"),
    path("can-bo/mot-cua/tong-quan/", staff_views.overview_view, name="staff_overview"),
    path("can-bo/mot-cua/ho-so/<uuid:public_id>/", staff_views.dossier_view,
         name="staff_dossier"),
    path("can-bo/mot-cua/ho-so/<uuid:public_id>/tep/<uuid:file_id>/",
         staff_views.dossier_file, name="staff_dossier_file"),
    path("can-bo/mot-cua/ho-so/<uuid:public_id>/<str:action>/", staff_views.dossier_action,
         name="staff_action"),
    # -- statistics (statistics_views) --
    path("can-bo/mot-cua/thong-ke/", statistics_views.statistics_view, name="statistics"),
    path("can-bo/mot-cua/thong-ke/excel/", statistics_views.statistics_excel,
         name="statistics_excel"),
    # -- signature verification (langso.signing) --
    path("xac-minh-van-ban/", signing_views.verify_document, name="verify_document"),
]
