"""Sending a field report: the form at /xa/<slug>/phan-anh/gui/ (account and contact
optional, works without JavaScript), the nearby open reports of the same category first
("Có phải cùng một vấn đề?"), and the page with the report's number and the reporter's
secret link. The offline app (pwa_views, static/reports/report-app.js) posts to the same
address and reads the answer as JSON.

Thin over ``media`` (files), ``selectors.nearby_open_reports`` and
``services.report_submit``. Files are stored as soon as they arrive, so a form sent back
for a missing field keeps them (signed references in the form) instead of asking a
reporter on 3G to send them again.
"""

import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from langso.core import ratelimit
from langso.core import selectors as core_selectors
from langso.core.errors import DomainError
from langso.core.middleware import client_address
from langso.core.models import Commune
from langso.reports import classifier, media, selectors, services
from langso.reports.forms import ReportForm
from langso.reports.models import Category, MediaKind, Report, ReportMedia, Source
from langso.reports.workflow import State
from langso.web.form_errors import add_domain_errors

logger = logging.getLogger(__name__)

# (reports, seconds) per client address; every send counts except a retry of a report
# already made. A village behind one carrier address (CGNAT) sends a few reports an hour,
# a script fifty a minute. Override with REPORTS_SUBMIT_RATES.
DEFAULT_SUBMIT_RATES = ((10, 60), (30, 3600))
# The nearby-reports endpoint answers as the reporter types: looser, but bounded.
NEARBY_RATE = (120, 60)
# What the nearby-reports step does not copy from the first send (it writes them itself).
NOT_CARRIED = frozenset({"csrfmiddlewaretoken", "kept", "client_token", "latitude",
                         "longitude", "location_source", "confirmed"})
# A service's field name → the form's.
SERVICE_FIELDS = {"location": "latitude", "reporter_name": "reporter_name"}


def _commune(slug: str) -> Commune:
    commune = core_selectors.commune_for_public(slug=slug)
    if commune is None:
        raise Http404
    return commune


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def submit_rates() -> list[tuple[int, int]]:
    rates = getattr(settings, "REPORTS_SUBMIT_RATES", DEFAULT_SUBMIT_RATES)
    return [(int(limit), int(window)) for limit, window in rates]


def submit_rate_limited(request: HttpRequest) -> int | None:
    """Count one send from the request's address in every window; the window (seconds)
    that is over its allowance, or None."""
    address = client_address(request) or "unknown"
    over = None
    for limit, window in submit_rates():
        if ratelimit.too_many(f"reports:submit:{address}", limit, window) and over is None:
            over = window
    return over


def reporter_link(request: HttpRequest, report: Report, secret: str) -> str:
    """The reporter's own page of the report (public_views): rate, reopen, follow."""
    path = reverse("reports:public_detail", kwargs={"slug": report.commune.slug,
                                                    "number": report.number})
    return request.build_absolute_uri(f"{path}?{urlencode({'k': secret})}" if secret
                                      else path)


def suggest_category(commune: Commune, text: str) -> Category | None:
    """The category the commune's classifier (``classifier.suggest``) guesses from
    ``text``: offered while the reporter types, chosen for them when they sent none, and
    recorded with the report for the chairman. A suggestion only, and never a reason for a
    report not to go through: a failing model is logged and ignored."""
    if not (text or "").strip():
        return None
    try:
        return classifier.suggest(commune, text)
    except Exception:  # a broken model file must not cost a resident their report
        logger.exception("reports.suggest_failed", extra={"commune": commune.pk})
        return None


def _private(response: HttpResponseBase, *, secret: bool = False) -> HttpResponseBase:
    """Never kept by a cache: the form sent back holds what the reporter typed (a name, a
    phone number). The page with the secret link also never names itself to another site;
    a page with a form must not say so, or browsers send its POST with ``Origin: null``
    and the CSRF check refuses it."""
    if secret:
        response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _json_error(message: str, *, status: int, code: str,
                fields: dict[str, list[str]] | None = None) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message,
                                   "fields": fields or {}}}, status=status)


def _map_config(commune: Commune) -> dict[str, Any]:
    rs = services.settings_for(commune)
    box = None
    if None not in (rs.south, rs.west, rs.north, rs.east):
        box = [str(rs.south), str(rs.west), str(rs.north), str(rs.east)]
    return {"tiles": getattr(settings, "MAP_TILE_URL", ""),
            "attribution": getattr(settings, "MAP_TILE_ATTRIBUTION", ""), "box": box,
            "radius": rs.nearby_radius_m}


class _Page:
    """The form and what the view learnt about it on this send."""

    def __init__(self, request: HttpRequest, commune: Commune, form: ReportForm) -> None:
        self.request, self.commune, self.form = request, commune, form
        self.problems: list[str] = []  # for the top of the page
        self.items: list[ReportMedia] = []  # files received, on this send or before
        self.client_token = uuid.uuid4()
        self.outside = False  # the point is outside the commune: warn, offer the village
        self.nearby: list[Report] = []

    def context(self, **extra: Any) -> dict[str, Any]:
        form = self.form
        return {
            "commune": self.commune, "form": form, "problems": self.problems,
            "has_errors": bool(self.problems) or (form.is_bound and bool(form.errors)),
            "kept": [{"token": media.media_token(m, self.client_token),
                      **media.public_fields(m)} for m in self.items],
            "client_token": self.client_token, "outside": self.outside,
            "nearby": self.nearby, "map": _map_config(self.commune),
            "max_photos": services.MAX_PHOTOS,
            "photo_mb": media.limit(MediaKind.PHOTO) // (1024 * 1024),
            "video_mb": media.limit(MediaKind.VIDEO) // (1024 * 1024),
            "video_seconds": media.max_seconds(),
            **extra}

    def render(self, status: int = 200, template: str = "reports/submit.html",
               **extra: Any) -> HttpResponseBase:
        if _wants_json(self.request):
            fields = {name: [str(e) for e in errors]
                      for name, errors in self.form.errors.items()} if self.form.is_bound \
                else {}
            message = (self.problems or [e for errors in fields.values() for e in errors]
                       or [_("Phản ánh chưa gửi được.")])[0]
            return _json_error(message, status=status, code=extra.get("code", "invalid"),
                               fields=fields)
        return _private(render(self.request, template, self.context(**extra),
                               status=status))

    def receive_files(self) -> None:
        """Files named by the form's kept references, then the ones just sent: each stored
        as it arrived (checked cheaply), or a message naming it."""
        tokens = self.form.data.getlist("kept") if hasattr(self.form.data, "getlist") else []
        self.items = media.media_from_tokens(commune=self.commune, tokens=tokens,
                                             client_token=self.client_token)
        actor = self.request.user if self.request.user.is_authenticated else None
        for field, (kind, most) in media.FILE_FIELDS.items():
            have = sum(1 for m in self.items if m.kind == kind)
            for upload in self.request.FILES.getlist(field):
                if have >= most:
                    self._add(media.too_many_message())
                    continue
                try:
                    self.items.append(media.media_receive(
                        commune=self.commune, upload=upload, kind=kind, actor=actor))
                    have += 1
                except DomainError as error:
                    self._add(f"{upload.name}: {error.message}")

    def _add(self, message: str) -> None:
        if message not in self.problems:
            self.problems.append(message)


@media.report_upload_view
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, slug: str) -> HttpResponseBase:
    commune = _commune(slug)
    if request.method == "GET":
        page = _Page(request, commune, ReportForm(commune=commune))
        return page.render()

    cap = media.upload_cap(request)
    if cap.refused:
        page = _Page(request, commune, ReportForm(commune=commune))
        page.problems.append(media.body_too_large_message())
        return page.render(413, code="too_large")
    form = ReportForm(request.POST, commune=commune)
    page = _Page(request, commune, form)
    token = _client_token(request)
    if token is not None:
        page.client_token = token
        already = services.report_for_client_token(commune, token)
        if already is not None:  # a retry (or a page sent twice): the same report
            return _done(request, *already, created=False)
    over = submit_rate_limited(request)
    if over is not None:
        page.problems.append(_("Bạn đã gửi quá nhiều phản ánh trong thời gian ngắn. Vui lòng "
                               "thử lại sau ít phút."))
        response = page.render(429, code="rate_limited")
        response["Retry-After"] = str(over)
        return response
    if cap.problems:  # a file cut off while it streamed in: nothing is stored
        form.is_valid()
        page.problems += cap.problems
        too_large = any(p != media.too_many_message() for p in cap.problems)
        return page.render(413 if too_large else 400, code="too_large" if too_large
                           else "invalid")
    # One transaction for the files and the report: one commit (an fsync) per send, not
    # one per file. Files received for a form sent back stay (the form keeps them).
    with transaction.atomic():
        page.receive_files()
        if not form.is_valid() or page.problems:
            _offer_category(page)
            return page.render(400)
        return _check_and_send(page)


def _offer_category(page: _Page) -> None:
    """Without JavaScript: a report sent without a category comes back with the one the
    classifier suggests already chosen, for the reporter to check and send."""
    form = page.form
    description = str(form.data.get("description") or "")
    if "category" not in form.errors or form.data.get("category"):
        return
    suggested = suggest_category(page.commune, description)
    if suggested is None:
        return
    data = page.request.POST.copy()
    data["category"] = str(suggested.pk)
    page.form = ReportForm(data, commune=page.commune)
    page.form.is_valid()
    page.problems.insert(0, _("Gợi ý lĩnh vực: %(name)s. Vui lòng kiểm tra lại rồi bấm “Gửi "
                              "phản ánh”.") % {"name": suggested.name})


def _client_token(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(request.POST.get("client_token") or "")[:40])
    except ValueError:
        return None


def _check_and_send(page: _Page) -> HttpResponseBase:
    """The place (given, from a photo, or the village), the outside-the-commune warning and
    the nearby reports; then the report."""
    data = page.form.cleaned_data
    commune = page.commune
    latitude, longitude = data["latitude"], data["longitude"]
    source = data["location_source"]
    if data["drop_point"]:
        latitude = longitude = ""
    elif not page.form.has_point():
        found = media.media_location(page.items)
        if found is not None:
            latitude, longitude = str(found[0]), str(found[1])
            source = "photo"
    point = None
    if latitude or longitude:
        try:
            point = services.parse_point(latitude, longitude)
        except DomainError as error:
            _service_error(page, error)
            return page.render(400)
        source = source or "map"
        rs = services.settings_for(commune)
        lat, lng = point
        if (lat is not None and lng is not None and services.is_inside(rs, lat, lng) is False
                and not data["outside_ok"]):
            page.outside = True
            page.problems.append(_("Vị trí bạn chọn nằm ngoài địa bàn %(commune)s. Nếu vị trí "
                                   "đúng, đánh dấu “Vị trí này đúng” rồi gửi lại; nếu không, "
                                   "chọn “Bỏ vị trí trên bản đồ” và chọn thôn, nhập địa chỉ.")
                                 % {"commune": commune.name})
            return page.render(400, code="outside_commune")
        if not data["confirmed"] and not _wants_json(page.request) and lat is not None \
                and lng is not None:
            page.nearby = _labelled(selectors.nearby_open_reports(
                commune, data["category"], lat, lng, rs.nearby_radius_m))
            if page.nearby:
                carry = [(name, value) for name in page.request.POST
                         if name not in NOT_CARRIED
                         for value in page.request.POST.getlist(name)]
                return page.render(200, template="reports/submit_confirm.html",
                                   latitude=latitude, longitude=longitude, source=source,
                                   carry=carry)
    elif data["village"] is not None or data["address"].strip():
        source = "address"
    user: Any = page.request.user
    try:
        report, secret = services.report_submit(
            commune=commune,
            reporter=services.Reporter(user=user if user.is_authenticated else None,
                                       name=data["reporter_name"],
                                       phone=data["reporter_phone"],
                                       email=data["reporter_email"]),
            category=data["category"], description=data["description"],
            latitude=latitude, longitude=longitude, location_source=source,
            village=data["village"], address=data["address"],
            confidential=data["confidential"], media=page.items,
            client_token=page.client_token,
            source=Source.APP if page.request.POST.get("app") == "1" else Source.WEB,
            suggested_category=suggest_category(commune, data["description"]))
    except DomainError as error:
        _service_error(page, error)
        return page.render(error.status, code=error.code)
    return _done(page.request, report, secret, created=True)


def _service_error(page: _Page, error: DomainError) -> None:
    """The service's message at the top (it says what to do), its field notes by the
    fields."""
    if error.field_errors:
        page.problems.append(error.message)
    add_domain_errors(page.form, error, SERVICE_FIELDS)


def _done(request: HttpRequest, report: Report, secret: str, *,
          created: bool) -> HttpResponseBase:
    link = reporter_link(request, report, secret) if secret else ""
    if _wants_json(request):
        return _private(JsonResponse({"reference": report.reference, "number": report.number,
                                      "url": link, "created": created},
                                     status=201 if created else 200), secret=True)
    return _private(render(request, "reports/submit_done.html", {
        "commune": report.commune, "report": report, "link": link, "created": created,
        "photos": report.media.filter(kind=MediaKind.PHOTO).count(),
        "videos": report.media.filter(kind=MediaKind.VIDEO).count()}), secret=True)


# -- a category for the words typed (classifier) ------------------------------------------

@require_POST
def suggest(request: HttpRequest, slug: str) -> HttpResponse:
    """The classifier's category for the description being typed: an htmx fragment (a
    button that picks it), or JSON. POST: a description is too long for an address."""
    commune = _commune(slug)
    limit, window = NEARBY_RATE
    address = client_address(request) or "unknown"
    if ratelimit.too_many(f"reports:suggest:{address}", limit, window):
        return HttpResponse(_("Quá nhiều yêu cầu, vui lòng thử lại sau ít phút."), status=429,
                            content_type="text/plain; charset=utf-8")
    found = suggest_category(commune, str(request.POST.get("description") or "")[
        :services.MAX_DESCRIPTION])
    if _wants_json(request):
        return JsonResponse({"category": None if found is None else {
            "id": found.pk, "code": found.code, "name": found.name}})
    return render(request, "reports/submit_suggest.html", {"category": found})


# -- nearby open reports, as the reporter picks the place --------------------------------

@require_safe
def nearby(request: HttpRequest, slug: str) -> HttpResponse:
    """Open reports of a category near a point: an htmx fragment for the form, or JSON
    (``Accept: application/json``) for the offline app. Public data only."""
    commune = _commune(slug)
    limit, window = NEARBY_RATE
    address = client_address(request) or "unknown"
    wants_json = _wants_json(request)
    if ratelimit.too_many(f"reports:nearby:{address}", limit, window):
        message = _("Quá nhiều yêu cầu, vui lòng thử lại sau ít phút.")
        if wants_json:
            return _json_error(message, status=429, code="rate_limited")
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    category_id = _int(request.GET.get("category"))
    category = (Category.objects.filter(commune=commune, is_active=True, pk=category_id)
                .first() if category_id is not None else None)
    try:
        lat, lng = services.parse_point(request.GET.get("latitude", "")[:20],
                                        request.GET.get("longitude", "")[:20])
    except DomainError as error:
        if wants_json:
            return _json_error(error.message, status=400, code="invalid")
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    found: list[Report] = []
    if category is not None and lat is not None and lng is not None:
        found = _labelled(selectors.nearby_open_reports(
            commune, category, lat, lng, services.settings_for(commune).nearby_radius_m))
    if wants_json:
        return JsonResponse({"reports": [_nearby_json(request, commune, r) for r in found]})
    return render(request, "reports/submit_nearby.html", {"commune": commune,
                                                          "nearby": found})


def _labelled(found: list[Report]) -> list[Report]:
    for report in found:
        report.status_label = State(report.status).label  # type: ignore[attr-defined]
    return found


def _int(value: Any) -> int | None:
    try:
        return int(str(value)[:12])
    except (TypeError, ValueError):
        return None


def _nearby_json(request: HttpRequest, commune: Commune, report: Report) -> dict[str, Any]:
    return {"reference": report.reference, "number": report.number,
            "category": report.category.name, "status": report.status,
            "status_label": str(report.status_label),  # type: ignore[attr-defined]
            "description": "" if report.description_hidden else report.description[:200],
            "distance_m": report.distance_m,  # type: ignore[attr-defined]
            "created_at": report.created_at.isoformat(),
            "url": request.build_absolute_uri(reverse(
                "reports:public_detail", kwargs={"slug": commune.slug,
                                                 "number": report.number}))}
