"""One-stop endpoints under /api/v1/. Each block belongs to one module; keep them apart."""

from django.urls import path

from langso.onestop import catalogue_api

app_name = "onestop_api"
urlpatterns: list = [
    # -- catalogue (catalogue_api) --
    path("procedures/", catalogue_api.ProcedureList.as_view(), name="procedure_list"),
    path("procedures/<str:code>/", catalogue_api.ProcedureDetail.as_view(),
         name="procedure_detail"),
    # -- dossiers (api) --
    # -- payments webhook (payment_views) --
]
