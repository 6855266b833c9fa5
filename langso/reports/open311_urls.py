"""Open311 GeoReport v2 at /open311/v2/ (langso/reports/open311/). Every resource ends in
.json or .xml, which chooses the format of the answer (errors included)."""

from django.urls import path, register_converter

from langso.reports.open311 import views
from langso.reports.open311.formats import FormatConverter

register_converter(FormatConverter, "open311fmt")

app_name = "open311"
urlpatterns: list = [
    path("discovery.<open311fmt:fmt>", views.discovery, name="discovery"),
    path("services.<open311fmt:fmt>", views.service_list, name="services"),
    path("services/<str:service_code>.<open311fmt:fmt>", views.service_definition,
         name="service"),
    path("requests.<open311fmt:fmt>", views.request_collection, name="requests"),
    path("requests/<str:service_request_id>.<open311fmt:fmt>", views.request_detail,
         name="request"),
    path("tokens/<str:token>.<open311fmt:fmt>", views.token_detail, name="token"),
    path("servicerequestupdates.<open311fmt:fmt>", views.update_list, name="updates"),
]
