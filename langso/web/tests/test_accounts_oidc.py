"""Province SSO / VNeID slot: the whole OpenID Connect code flow against a local provider
(authorization redirect, token endpoint with an RS256 id_token and JWKS, userinfo)."""

import importlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.test import Client, override_settings
from django.urls import clear_url_caches, reverse

from langso.core.models import Membership, Role, User
from langso.testing.accounts import OidcProvider

BACKENDS = ["axes.backends.AxesStandaloneBackend",
            "langso.core.auth_backends.PhoneOrEmailBackend",
            "langso.core.auth_backends.OidcBackend"]


def _reload_urls() -> None:
    import langso.urls

    importlib.reload(langso.urls)
    clear_url_caches()


@pytest.fixture
def sso(oidc_provider: OidcProvider, db: Any) -> Iterator[OidcProvider]:
    """OIDC_ENABLED=1 as a deployment would set it: settings, backend and URLs."""
    try:
        with override_settings(AUTHENTICATION_BACKENDS=BACKENDS, **oidc_provider.settings()):
            _reload_urls()
            yield oidc_provider
    finally:
        _reload_urls()  # with the settings back, /oidc/ is gone again


def sign_in_with_provider(client: Client) -> Any:
    """Browser: our /oidc/authenticate/ → provider /authorize → back to our callback."""
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302
    # A redirect (HttpResponseRedirect.url); the test client's stubs type it as HttpResponse.
    authorize = requests.get(start.url, allow_redirects=False,  # type: ignore[attr-defined]
                             timeout=5)
    assert authorize.status_code == 302, authorize.text
    back = urlparse(authorize.headers["Location"])
    assert back.path == reverse("oidc_authentication_callback")
    assert set(parse_qs(back.query)) == {"code", "state"}
    return client.get(f"{back.path}?{back.query}")


def test_the_sso_button_shows_only_when_oidc_is_enabled(client, sso):
    page = client.get(reverse("accounts:login")).content.decode()

    assert "Đăng nhập bằng tài khoản định danh / SSO tỉnh" in page
    assert reverse("oidc_authentication_init") in page


def test_without_oidc_there_is_no_button_and_no_route(client, db):
    page = client.get(reverse("accounts:login")).content.decode()

    assert "SSO tỉnh" not in page
    assert client.get("/oidc/authenticate/").status_code == 404


def test_a_new_resident_signs_in_with_the_provider_and_becomes_a_citizen(client, sso):
    sso.claims = {"sub": "vneid-7781", "name": "Lê Thị Hoa", "email": "hoa@example.vn",
                  "email_verified": True, "phone_number": "+84981234567",
                  "phone_number_verified": True, "roles": ["chairman"]}

    response = sign_in_with_provider(client)

    assert response.status_code == 302 and response.url == reverse("web:home")
    user = User.objects.get(username="oidc-vneid-7781")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert user.kind == User.Kind.CITIZEN and user.full_name == "Lê Thị Hoa"
    assert user.phone == "0981234567" and user.email == "hoa@example.vn"
    assert not user.is_staff and not Membership.objects.filter(user=user).exists()
    assert ("POST", "/token") in sso.requests and ("GET", "/userinfo") in sso.requests
    assert ("GET", "/jwks") in sso.requests

    # The second time the same account is used, not a new one.
    client.logout()
    sign_in_with_provider(client)
    assert User.objects.filter(username__startswith="oidc-").count() == 1


def test_an_existing_staff_account_is_neither_signed_in_nor_escalated(client, sso,
                                                                      make_staff, commune):
    staff = make_staff(Role.CHAIRMAN, commune)
    staff.email = "chutich@example.vn"
    staff.save(update_fields=["email"])
    before = (User.objects.count(), list(Membership.objects.values_list("pk", "role")))
    sso.claims = {"sub": "sso-42", "email": "ChuTich@example.vn", "email_verified": True,
                  "name": "Chủ tịch", "roles": ["province_admin"], "is_superuser": True}

    response = sign_in_with_provider(client)

    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    page = client.get(response.url).content.decode()
    assert "Tài khoản cán bộ không đăng nhập bằng tài khoản định danh" in page
    assert (User.objects.count(), list(Membership.objects.values_list("pk", "role"))) == before
    staff.refresh_from_db()
    assert not staff.is_superuser and staff.username.startswith("chairman")


def test_a_provider_answer_with_another_subject_in_userinfo_is_refused(client, sso):
    sso.claims = {"sub": "b", "email": "b@example.vn", "email_verified": True}
    sso.id_token_subject = "a"

    response = sign_in_with_provider(client)

    assert response.url == reverse("accounts:login")
    assert not User.objects.filter(username__startswith="oidc-").exists()


def test_a_forged_callback_without_our_state_creates_nothing(client, sso):
    sso.claims = {"sub": "x"}

    response = client.get(reverse("oidc_authentication_callback"),
                          {"code": "forged", "state": "forged"})

    assert response.status_code in (302, 400)
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username__startswith="oidc-").exists()
