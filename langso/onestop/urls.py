"""Pages of the one-stop shop. Each block belongs to one module; keep them apart."""

from django.urls import path  # noqa: F401  (each block adds its paths)

app_name = "onestop"
urlpatterns: list = [
    # -- catalogue (catalogue_views) --
    # -- citizen submission and public status (citizen_views, status_views) --
    # -- counter intake (counter_views) --
    # -- staff processing (staff_views) --
    # -- payments (payment_views) --
    # -- statistics (statistics_views) --
    # -- signature verification (langso.signing) --
]
