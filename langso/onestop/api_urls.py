"""One-stop endpoints under /api/v1/. Each block belongs to one module; keep them apart."""

from django.urls import path  # noqa: F401  (each block adds its paths)

app_name = "onestop_api"
urlpatterns: list = [
    # -- catalogue (catalogue_api) --
    # -- dossiers (api) --
    # -- payments webhook (payment_views) --
]
