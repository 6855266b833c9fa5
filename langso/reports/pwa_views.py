"""The offline app: a web app manifest and a service worker per commune, so the commune's
public pages install like an app and a report written without a connection is kept on the
phone and sent when the connection returns (static/reports/outbox.js).

The worker is served from /xa/<slug>/sw.js: its scope is the commune's public pages
(/xa/<slug>/…) and nothing else, so it never sees the staff area, accounts or another
commune, and every commune is its own installable app. docs/field-reports.md, "Reporting
and the offline app".
"""

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from langso.core import selectors as core_selectors
from langso.core.models import Commune

THEME_COLOR = "#a4161a"  # --brand in web/site.css
# Kept on the phone when the worker installs: the report form works offline with these.
PRECACHE_STATIC = ["web/site.css", "web/htmx.min.js", "reports/outbox.js", "reports/pwa.js",
                   "reports/report-form.js", "reports/icons/icon-192.png"]
ICONS = [("reports/icons/icon-192.png", "192x192", "any"),
         ("reports/icons/icon-512.png", "512x512", "any"),
         ("reports/icons/maskable-512.png", "512x512", "maskable")]


def _commune(slug: str) -> Commune:
    commune = core_selectors.commune_for_public(slug=slug)
    if commune is None:
        raise Http404
    return commune


def scope(commune: Commune) -> str:
    return reverse("web:commune_home", kwargs={"slug": commune.slug})


@require_safe
def manifest(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(slug)
    start = reverse("reports:submit", kwargs={"slug": commune.slug})
    body = {
        "id": start,
        "name": _("Phản ánh hiện trường – %(commune)s") % {"commune": commune.name},
        "short_name": _("Phản ánh"),
        "description": _("Báo cho UBND xã việc cần xử lý, kể cả khi mất mạng."),
        "lang": "vi",
        "start_url": start,
        "scope": scope(commune),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [{"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
                  for path, sizes, purpose in ICONS],
        "shortcuts": [{"name": _("Xem các phản ánh"), "url": reverse(
            "reports:public_list", kwargs={"slug": commune.slug})}],
    }
    response = HttpResponse(json.dumps(body, ensure_ascii=False),
                            content_type="application/manifest+json; charset=utf-8")
    patch_cache_control(response, public=True, max_age=3600)
    return response


@cache
def _file_digest(path: str) -> str:
    found = finders.find(path)
    if not found:
        return ""
    return hashlib.sha256(Path(str(found)).read_bytes()).hexdigest()[:16]


def worker_version(urls: list[str]) -> str:
    """Changes when anything the worker keeps changes, so phones drop the old copies: the
    hashed static names in production; the files' contents while developing (unhashed
    names)."""
    source = get_template("reports/pwa_sw.js").template.source  # type: ignore[attr-defined]
    parts = [source, *urls]
    if settings.DEBUG:
        parts += [_file_digest(path) for path in PRECACHE_STATIC]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]


@require_safe
def service_worker(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(slug)
    static_urls = [static(path) for path in PRECACHE_STATIC]
    context: dict[str, Any] = {
        "scope": scope(commune),
        "form_url": reverse("reports:submit", kwargs={"slug": commune.slug}),
        "cached_pages": [scope(commune), reverse("reports:public_list",
                                                 kwargs={"slug": commune.slug})],
        "static_urls": static_urls,
        "static_prefix": settings.STATIC_URL if settings.STATIC_URL.startswith("/")
        else f"/{settings.STATIC_URL}",
        "outbox_url": static("reports/outbox.js"),
        "version": worker_version(static_urls),
        "offline_text": _("Bạn đang ngoại tuyến. Trang này chưa được lưu trên máy; bạn vẫn "
                          "gửi được phản ánh, phản ánh sẽ tự gửi khi có mạng."),
        "offline_link": _("Gửi phản ánh"),
    }
    response = HttpResponse(render_to_string("reports/pwa_sw.js", context),
                            content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker at least daily; no-cache makes every check real.
    patch_cache_control(response, no_cache=True, max_age=0)
    response["Service-Worker-Allowed"] = context["scope"]
    return response


@require_safe
def csrf_token(request: HttpRequest, slug: str) -> JsonResponse:
    """A fresh CSRF token for the outbox (a page kept offline may hold a stale one). Read
    by this origin's scripts only: another site cannot read the answer."""
    _commune(slug)
    response = JsonResponse({"csrf": get_token(request)})
    patch_cache_control(response, private=True, no_store=True)
    return response
