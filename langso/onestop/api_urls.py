"""One-stop endpoints under /api/v1/. Each block belongs to one module; keep them apart."""

from django.urls import path

from langso.onestop import api as dossier_api
from langso.onestop import catalogue_api, payment_views

app_name = "onestop_api"
urlpatterns: list = [
    # -- catalogue (catalogue_api) --
    path("procedures/", catalogue_api.ProcedureList.as_view(), name="procedure_list"),
    path("procedures/<str:code>/", catalogue_api.ProcedureDetail.as_view(),
         name="procedure_detail"),
    # -- dossiers (api) --
    path("dossiers/", dossier_api.DossierListCreate.as_view(), name="dossier_list"),
    path("dossiers/<uuid:public_id>/", dossier_api.DossierDetail.as_view(),
         name="dossier_detail"),
    path("dossiers/<uuid:public_id>/actions/<str:action>/", dossier_api.DossierAction.as_view(),
         name="dossier_action"),
    path("dossiers/<uuid:public_id>/extend/", dossier_api.DossierExtend.as_view(),
         name="dossier_extend"),
    path("dossiers/<uuid:public_id>/files/<uuid:file_id>/", dossier_api.DossierFile.as_view(),
         name="dossier_file"),
    path("status/<str:code>/", dossier_api.DossierStatus.as_view(), name="dossier_status"),
    # -- payments webhook (payment_views) --
    path("payments/webhook/", payment_views.PaymentWebhook.as_view(), name="payment_webhook"),
]
