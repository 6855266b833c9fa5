"""Middleware that records the request's id and client address for history and logs."""

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from langso.core import request_context


def client_address(request: HttpRequest) -> str | None:
    # Behind a proxy the deployment sets REMOTE_ADDR correctly (gunicorn
    # --forwarded-allow-ips); trusting X-Forwarded-For here would let anyone forge it.
    return request.META.get("REMOTE_ADDR") or None


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
