"""Open311 GeoReport v2 at /open311/v2/ (open311.py)."""

app_name = "open311"
urlpatterns: list = []
