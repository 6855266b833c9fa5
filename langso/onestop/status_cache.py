"""The public status page's short path: a page already rendered for an anonymous visitor is
served again, byte for byte, without the rest of the middleware stack, the URL resolver,
the database or the template engine.

Why: a receipt's QR code and the SMS "hồ sơ đã có kết quả" send many people to the same few
pages at once, on the cheapest server the commune owns. The page holds nothing that changes
with time alone (dates, no countdown) and nothing about the visitor, so it can be kept until
its dossier changes. docs/decisions/0003-status-page-cache.md says what was weighed.

Rules that keep it correct:
* only GET, only without a session cookie (a signed-in visitor's page shows their name),
  only pages the view marked as cacheable (a found dossier, 200, no cookie set);
* one entry per (code as asked, language, gzip or not): the bytes differ by those only;
* every lookup still counts against the visitor's rate limit, hit or not;
* a saved Dossier or DossierStep removes its entries, and again once the transaction
  commits (``forget_dossier``); with Redis (REDIS_URL) every process sees that at once, without it
  each process keeps its own copy and another process may show the old page for up to
  ONESTOP_STATUS_CACHE_SECONDS (30 s by default, as the public home page).
"""

import re
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language_from_request

CACHE_ALIAS = "status_pages"
DEFAULT_SECONDS = 30
# The route of status_views.detail (onestop/urls.py); a code as status_views.CODE_SHAPE.
PATH = re.compile(r"^/tra-cuu/([A-Za-z0-9-]{1,40})/$")
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as django.middleware.gzip decides
# Headers made per request (or by the outer middleware again): never replayed.
NOT_REPLAYED = frozenset({"x-request-id", "date", "set-cookie"})
MARK = "_langso_status_cache"  # attribute the view sets on a response it allows to keep
LIMITED = "_langso_status_limited"  # the verdict of the count made here, for the view


def seconds() -> int:
    return int(getattr(settings, "ONESTOP_STATUS_CACHE_SECONDS", DEFAULT_SECONDS))


def _key(code: str, language: str, gzip: bool) -> str:
    return f"onestop:status-page:{code.upper()}:{language}:{'gz' if gzip else 'id'}"


def mark_cacheable(response: HttpResponse, *codes: str) -> HttpResponse:
    """The view's consent: this response may be kept for ``codes`` (the dossier's code and
    lookup code, so that a change of the dossier can find every entry)."""
    setattr(response, MARK, tuple(c for c in codes if c))
    return response


def forget_dossier(code: str, lookup_code: str) -> None:
    """Drop the kept pages of a dossier now and again once the surrounding transaction
    commits: a visitor may have kept a page rendered from the old rows in between."""
    keys = [_key(c, language, gzip) for c in (code, lookup_code) if c
            for language, _name in settings.LANGUAGES for gzip in (False, True)]
    if keys:
        cache = caches[CACHE_ALIAS]
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def dossier_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """post_save/post_delete of Dossier and DossierStep (connected in apps.ready)."""
    dossier = getattr(instance, "dossier", instance)
    forget_dossier(dossier.code, dossier.lookup_code)


def forget_all() -> None:
    """Tests: start with no kept pages."""
    caches[CACHE_ALIAS].clear()


class StatusPageCacheMiddleware:
    """Sits right after SecurityMiddleware (HTTPS redirect and security headers still apply
    to a kept page); everything else is skipped on a hit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        from langso.onestop.status_views import status_rate_limited

        self.get_response = get_response
        self.rate_limited = status_rate_limited

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or seconds() <= 0:
            return self.get_response(request)
        match = PATH.match(request.path_info)
        if match is None or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return self.get_response(request)
        key = _key(match.group(1), get_language_from_request(request),
                   bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))))
        limited = self.rate_limited(request, "all")
        setattr(request, LIMITED, limited)  # the view answers 429, or renders, uncounted
        if limited:
            return self.get_response(request)
        cache = caches[CACHE_ALIAS]
        kept = cache.get(key)
        if kept is not None:
            return _replay(kept)
        response = self.get_response(request)
        if _keepable(response):
            cache.set(key, _entry(response), seconds())
        return response


def _keepable(response: HttpResponse) -> bool:
    return (getattr(response, MARK, None) is not None and response.status_code == 200
            and not response.streaming and not response.cookies)


def _entry(response: HttpResponse) -> dict[str, Any]:
    headers = [(k, v) for k, v in response.items() if k.lower() not in NOT_REPLAYED]
    return {"headers": headers, "content": response.content}


def _replay(kept: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(kept["content"])
    for name, value in kept["headers"]:
        response[name] = value
    response["X-Request-ID"] = uuid.uuid4().hex
    return response
