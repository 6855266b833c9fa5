"""Top-level URLs: public pages, staff area, accounts, API, admin, health."""

from django.contrib import admin
from django.urls import include, path

from langso.web import accounts, health

accounts_patterns = (
    [
        path("dang-nhap/", accounts.LoginView.as_view(), name="login"),
        path("dang-xuat/", accounts.LogoutView.as_view(), name="logout"),
        path("tai-khoan/", accounts.profile, name="profile"),
    ],
    "accounts",
)

urlpatterns = [
    path("", include("langso.web.urls")),
    path("tai-khoan/", include(accounts_patterns)),
    path("api/v1/", include("langso.api.urls")),
    path("thong-bao/", include("langso.core.notifications.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("quan-tri/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
]
