"""Middleware that records the request's id and client address for history and logs."""

import contextlib
import ipaddress
import uuid
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from langso.core import request_context


def client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@cache
def _trusted_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(n, strict=False) for n in settings.TRUSTED_PROXIES)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks())


class TrustedProxyMiddleware:
    """Put the real client address in REMOTE_ADDR when the request came through one of
    our own reverse proxies (settings.TRUSTED_PROXIES).

    gunicorn leaves REMOTE_ADDR as the proxy's address, which would make every history
    entry and every login lockout about the proxy. X-Forwarded-For is read from the right
    and only across trusted hops, so a client cannot forge its address by sending the
    header itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        remote = request.META.get("REMOTE_ADDR", "")
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded and settings.TRUSTED_PROXIES and _is_trusted(remote):
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            while hops and _is_trusted(hops[-1]):
                hops.pop()
            # A garbled header keeps the proxy's address.
            with contextlib.suppress(ValueError, IndexError):
                request.META["REMOTE_ADDR"] = str(ipaddress.ip_address(hops[-1]))
        return self.get_response(request)


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        token = request_context.set_current(
            request_context.RequestContext(request_id=request_id,
                                           client_address=client_address(request))
        )
        try:
            response = self.get_response(request)
        finally:
            request_context.reset(token)
        response["X-Request-ID"] = request_id
        return response
