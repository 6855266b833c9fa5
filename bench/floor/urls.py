"""One view returning a small HTML page, no templates, no database."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

PAGE = b"<!doctype html><html lang=vi><title>Floor</title><p>Xin ch\xc3\xa0o</p></html>"


def hello(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


urlpatterns = [path("", hello)]
