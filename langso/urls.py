"""Top-level URLs: public pages, staff area, accounts, API, admin, health."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from langso.web import accounts, health

urlpatterns = [
    path("", include("langso.web.urls")),
    path("tai-khoan/", include("langso.web.accounts_urls")),
    path("api/v1/", include("langso.api.urls")),
    path("api/v1/", include("langso.onestop.api_urls")),
    path("", include("langso.onestop.urls")),
    path("", include("langso.reports.urls")),
    path("open311/v2/", include("langso.reports.open311_urls")),
    path("thong-bao/", include("langso.core.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The admin signs in through the accounts page (and its staff TOTP step).
    path("quan-tri/login/", accounts.admin_login),
    path("quan-tri/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
if settings.OIDC_ENABLED:  # province SSO / VNeID (docs/accounts.md)
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
