"""The client address behind our reverse proxy, and no forging it from outside."""

from typing import Any

import pytest
from django.test import RequestFactory, override_settings

from langso.core import request_context
from langso.core.middleware import (
    RequestContextMiddleware,
    TrustedProxyMiddleware,
    _trusted_networks,
)


@pytest.fixture(autouse=True)
def _fresh_networks():
    _trusted_networks.cache_clear()
    yield
    _trusted_networks.cache_clear()


def seen_address(remote: str, forwarded: str | None) -> str | None:
    seen = {}

    def view(request):
        seen["meta"] = request.META["REMOTE_ADDR"]
        seen["ctx"] = request_context.current().client_address
        from django.http import HttpResponse

        return HttpResponse()

    headers: dict[str, Any] = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    TrustedProxyMiddleware(RequestContextMiddleware(view))(request)
    assert seen["meta"] == seen["ctx"]
    return seen["ctx"]


@override_settings(TRUSTED_PROXIES=["10.0.0.0/8"])
@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("10.0.0.5", "203.0.113.7", "203.0.113.7"),                # through our proxy
    ("10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),       # client tried to forge
    ("10.0.0.5", "203.0.113.7, 10.0.0.9", "203.0.113.7"),      # two of our proxies
    ("198.51.100.1", "203.0.113.7", "198.51.100.1"),           # not from our proxy
    ("10.0.0.5", "not-an-ip", "10.0.0.5"),                     # garbled header
    ("10.0.0.5", None, "10.0.0.5"),
])
def test_client_address_is_taken_only_across_trusted_hops(remote, forwarded, expected):
    assert seen_address(remote, forwarded) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    assert seen_address("10.0.0.5", "203.0.113.7") == "10.0.0.5"
