"""The public side of field reports: the list and the map of a commune's reports (no login,
no JavaScript needed), a report's page with its public steps, answer and photos, what the
reporter may do from their link (rate, reopen), following a report, and "Phản ánh của tôi".

Personal data never appears here: not the reporter's name, phone or e-mail (whether or not
they asked for confidentiality), not the rating's comment, not the followers. Text typed by
citizens is shown escaped.
"""

import logging
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from langso.core import ratelimit
from langso.core import selectors as core_selectors
from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.middleware import client_address
from langso.core.models import Commune
from langso.core.uploads.serving import stored_file_response
from langso.reports import selectors, services
from langso.reports.models import Category, MediaKind, RejectReason, Report
from langso.reports.public_forms import (
    MAX_SECRET,
    FollowForm,
    RateForm,
    ReopenForm,
    ReportFilterForm,
)
from langso.reports.workflow import TRANSITIONS, State
from langso.web.form_errors import add_domain_errors

logger = logging.getLogger(__name__)

PUBLIC_TILE = ("reports:public_list", gettext_lazy("Phản ánh hiện trường"),
               gettext_lazy("Báo đường hỏng, đèn tắt, rác thải…; xem kết quả xử lý"))
PER_PAGE = 20
# The list shows the start of each description; the report's page shows all of it.
SNIPPET = 160
# A bigger box is a map zoomed out past any commune: the visitor is asked to zoom in.
MAP_MAX_SPAN = Decimal(1)
# Follow requests per client address and hour: an e-mail address or phone typed by a
# stranger gets messages, so one address may not sign up a whole phone book.
FOLLOW_RATE = (20, 3600)
OTHER_STEPS = {"submit": gettext_lazy("Gửi phản ánh")}


def register() -> None:
    """Add the home-page tile (from ``ReportsConfig.ready``)."""
    from langso.web import views

    if PUBLIC_TILE not in views.PUBLIC_SERVICES:
        views.PUBLIC_SERVICES.append(PUBLIC_TILE)


def _commune(slug: str) -> Commune:
    commune = core_selectors.commune_for_public(slug=slug)
    if commune is None:
        raise Http404
    return commune


def _report(commune: Commune, number: int) -> Report:
    try:
        return selectors.public_report_get(commune, number)
    except NotFound as error:
        raise Http404 from error


def submit_url(commune: Commune) -> str | None:
    """The report form, when the reporting module is installed."""
    try:
        return reverse("reports:submit", kwargs={"slug": commune.slug})
    except NoReverseMatch:
        return None


def step_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(OTHER_STEPS.get(action, action))


def _status(report: Report) -> dict[str, Any]:
    group = selectors.STATUS_GROUP.get(report.status, "")
    label = State(report.status).label
    if report.status == State.REJECTED and report.reject_reason:
        label = RejectReason(report.reject_reason).label
    return {"label": label, "group": group}


# -- the list ------------------------------------------------------------------------------

def _filter_form(request: HttpRequest, commune: Commune) -> ReportFilterForm:
    # Only the filter keys: a stray parameter (bbox, page) is no filter.
    data = {k: request.GET.get(k, "")[:40] for k in
            ("village", "category", "status", "since", "until")}
    return ReportFilterForm(data, commune=commune)


@require_safe
def report_list(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(slug)
    form = _filter_form(request, commune)
    if not form.is_valid():
        return render(request, "reports/public/list.html", {
            "commune": commune, "form": form, "rows": [], "invalid": True,
            "submit_url": submit_url(commune)}, status=400)
    found = selectors.public_report_list(commune, form.filters())
    page = Paginator(found, PER_PAGE).get_page(request.GET.get("page", "")[:10])
    photos = selectors.public_photo_counts([r.pk for r in page.object_list])
    rows = [{"report": r, "status": _status(r), "photos": photos.get(r.pk, 0)}
            for r in page.object_list]
    query = form.query()
    return render(request, "reports/public/list.html", {
        "commune": commune, "form": form, "rows": rows, "page": page,
        "query": query, "page_query": f"{query}&" if query else "",
        "filtered": bool(query), "submit_url": submit_url(commune)})


# -- the map -------------------------------------------------------------------------------

def _initial_view(request: HttpRequest, commune: Commune) -> dict[str, Any]:
    """Where the map opens: a point asked for (from a report's page), else the commune's
    box, else around its latest located reports, else all of Vietnam."""
    try:
        lat, lng = services.parse_point(request.GET.get("lat", "")[:20],
                                        request.GET.get("lng", "")[:20])
    except DomainError:
        lat = lng = None
    if lat is not None and lng is not None:
        return {"center": [float(lat), float(lng)], "zoom": 17}
    rs = services.settings_for(commune)
    if (rs.south is not None and rs.west is not None and rs.north is not None
            and rs.east is not None):
        return {"bounds": [[float(rs.south), float(rs.west)],
                           [float(rs.north), float(rs.east)]]}
    points = [(float(lat), float(lng)) for lat, lng in
              selectors.public_reports(commune).filter(latitude__isnull=False)
              .order_by("-created_at").values_list("latitude", "longitude")[:200]
              if lat is not None and lng is not None]
    if points:
        lats = [p[0] for p in points]
        lngs = [p[1] for p in points]
        return {"bounds": [[min(lats), min(lngs)], [max(lats), max(lngs)]], "max_zoom": 16}
    return {"center": [16.0, 106.0], "zoom": 6}


@require_safe
def report_map(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _commune(slug)
    form = _filter_form(request, commune)
    valid = form.is_valid()
    categories = Category.objects.filter(commune=commune).values_list("code", "name")
    config = {
        "points": reverse("reports:public_map_points", kwargs={"slug": slug}),
        "report": reverse("reports:public_detail", kwargs={"slug": slug, "number": 0}),
        "filters": form.query() if valid else "",
        "tiles": settings.MAP_TILE_URL, "attribution": settings.MAP_TILE_ATTRIBUTION,
        "categories": dict(categories),
        "states": {s.value: str(s.label) for s in State},
        "groups": selectors.STATUS_GROUP,
        "max_span": float(MAP_MAX_SPAN),
        "messages": {"zoom_in": _("Có nhiều phản ánh trong vùng này, chỉ hiện %(n)d. Hãy "
                                  "phóng to bản đồ để xem hết.") % {"n": selectors.MAP_LIMIT},
                     "too_wide": _("Hãy phóng to bản đồ để xem các phản ánh."),
                     "failed": _("Không tải được dữ liệu bản đồ. Vui lòng thử lại."),
                     "none": _("Không có phản ánh nào trong vùng này.")},
        **_initial_view(request, commune),
    }
    return render(request, "reports/public/map.html", {
        "commune": commune, "form": form, "config": config,
        "query": form.query() if valid else ""}, status=200 if valid else 400)


def _json_error(message: str, field: str = "") -> JsonResponse:
    fields = {field: [message]} if field else {}
    return JsonResponse({"error": {"code": "invalid", "message": message, "fields": fields}},
                        status=400, json_dumps_params={"ensure_ascii": False})


def parse_bbox(value: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """"west,south,east,north" (Leaflet's toBBoxString) in degrees, or DomainError."""
    parts = value.split(",") if value else []
    message = _("Tham số bbox phải có dạng tây,nam,đông,bắc (độ thập phân).")
    if len(parts) != 4 or len(value) > 100:
        raise DomainError(message, field_errors={"bbox": [message]})
    try:
        west, south, east, north = (Decimal(p.strip()) for p in parts)
    except (InvalidOperation, ValueError) as error:
        raise DomainError(message, field_errors={"bbox": [message]}) from error
    if not all(n.is_finite() for n in (west, south, east, north)) or not (
            -180 <= west <= 180 and -180 <= east <= 180
            and -90 <= south <= 90 and -90 <= north <= 90):
        out = _("Tọa độ của bbox nằm ngoài phạm vi (kinh độ ±180, vĩ độ ±90).")
        raise DomainError(out, field_errors={"bbox": [out]})
    if west >= east or south >= north:
        reversed_ = _("bbox bị đảo: tây phải nhỏ hơn đông, nam phải nhỏ hơn bắc.")
        raise DomainError(reversed_, field_errors={"bbox": [reversed_]})
    return west, south, east, north


@require_safe
def map_points(request: HttpRequest, slug: str) -> JsonResponse:
    """The public reports inside a box, compact: {"fields": [...], "points": [[...]],
    "zoom_in": bool}. ``zoom_in`` means not every report in the box is there."""
    commune = _commune(slug)
    try:
        box = parse_bbox(request.GET.get("bbox", ""))
    except DomainError as error:
        return _json_error(error.message, "bbox")
    form = _filter_form(request, commune)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        return _json_error(str(errors[0]), "" if field == "__all__" else field)
    west, south, east, north = box
    body: dict[str, Any] = {"fields": ["id", "lat", "lng", "status", "category"],
                            "limit": selectors.MAP_LIMIT}
    if east - west > MAP_MAX_SPAN or north - south > MAP_MAX_SPAN:
        body.update(points=[], zoom_in=True)
    else:
        rows, more = selectors.public_map_points(commune, form.filters(), box=box,
                                                   limit=selectors.MAP_LIMIT)
        body.update(points=[[n, float(lat), float(lng), status, code]
                            for n, lat, lng, status, code in rows], zoom_in=more)
    response = JsonResponse(body, json_dumps_params={"separators": (",", ":")})
    # Public data: a proxy may keep it a minute (a report hidden by a moderator disappears
    # from the map within that minute).
    patch_cache_control(response, public=True, max_age=60)
    return response


# -- a report's page and the reporter's link ------------------------------------------------

def _secret(request: HttpRequest) -> str:
    source = request.POST if request.method == "POST" else request.GET
    return (source.get("k") or "").strip()[:MAX_SECRET]


def _detail_url(report: Report, secret: str = "") -> str:
    url = reverse("reports:public_detail", kwargs={"slug": report.commune.slug,
                                                    "number": report.number})
    return f"{url}?{urlencode({'k': secret})}" if secret else url


def _private(response: HttpResponse) -> HttpResponse:
    # The reporter's secret is in the address: never sent on as a referrer (only the
    # site's origin is), never kept by a shared cache, never indexed. Not "no-referrer":
    # the page holds the rate and reopen forms, and under "no-referrer" browsers post
    # them with "Origin: null", which the CSRF check refuses (the browser test caught it).
    response["Referrer-Policy"] = "strict-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _is_following(request: HttpRequest, report: Report) -> bool:
    user = request.user
    return bool(user.is_authenticated and report.followers.filter(user=user).exists())


def _render_detail(request: HttpRequest, report: Report, *, secret: str, status: int = 200,
                   rate_form: RateForm | None = None, reopen_form: ReopenForm | None = None,
                   follow_form: FollowForm | None = None, error: str = "") -> HttpResponse:
    updates = selectors.public_updates(report)
    media = selectors.public_media(report, updates)
    reporter = services.is_reporter(report, request.user, secret)
    reopen_until = services.reopen_until(report)
    may_rate = reporter and report.status in TRANSITIONS["close"].sources
    may_reopen = (reporter and report.status in TRANSITIONS["reopen"].sources
                  and reopen_until is not None and timezone.now() <= reopen_until)
    initial = {"k": secret} if secret else {}
    answered = bool(report.status in (State.RESOLVED, State.CLOSED) and report.answer_text)
    context = {
        "commune": report.commune, "report": report, "status": _status(report),
        "updates": [{"update": u, "label": step_label(u.action),
                     "state": State(u.to_status).label if u.to_status else "",
                     # The answer in force is shown once, in its own section.
                     "text": "" if answered and u.action == "resolve"
                     and u.text == report.answer_text else u.text}
                    for u in updates],
        "photos": [m for m in media if m.kind == MediaKind.PHOTO],
        "videos": [m for m in media if m.kind == MediaKind.VIDEO],
        "proofs": [m for m in media if m.kind == MediaKind.PROOF],
        "answered": answered,
        "original": selectors.public_original(report),
        "is_reporter": reporter, "secret": secret if reporter else "",
        "wrong_secret": bool(secret) and not reporter,
        "may_rate": may_rate, "may_reopen": may_reopen, "reopen_until": reopen_until,
        "rate_form": rate_form or RateForm(initial=initial),
        "reopen_form": reopen_form or ReopenForm(initial=initial),
        "follow_form": follow_form or FollowForm(signed_in=request.user.is_authenticated),
        "following": _is_following(request, report),
        "late": bool(report.due_at and report.status not in (State.RESOLVED, State.CLOSED,
                                                             State.REJECTED)
                     and report.due_at < timezone.now()),
        "error": error,
    }
    response = render(request, "reports/public/detail.html", context, status=status)
    return _private(response) if secret else response


@require_safe
def report_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    report = _report(_commune(slug), number)
    return _render_detail(request, report, secret=_secret(request))


def _reporter_action(request: HttpRequest, slug: str, number: int, *, form_class: Any,
                     form_name: str, act: Any, done: str) -> HttpResponse:
    """Rate or reopen: a plain form posted by the reporter (their link's secret, or their
    account); on success back to the page, else the page with the message."""
    report = _report(_commune(slug), number)
    form = form_class(request.POST)
    secret = _secret(request)
    if not form.is_valid():
        return _render_detail(request, report, secret=secret, status=400,
                              **{form_name: form})
    try:
        act(report, form.cleaned_data, secret)
    except PermissionDenied:
        return _render_detail(request, report, secret=secret, status=403, error=_(
            "Chỉ người gửi phản ánh (đăng nhập, hoặc mở đúng liên kết nhận được khi gửi) "
            "mới thực hiện được thao tác này."))
    except DomainError as error:
        add_domain_errors(form, error)
        return _render_detail(request, report, secret=secret,
                              status=409 if error.code == "conflict" else 400,
                              error=error.message, **{form_name: form})
    messages.success(request, done)
    return redirect(_detail_url(report, secret))


@require_POST
def report_rate(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _reporter_action(
        request, slug, number, form_class=RateForm, form_name="rate_form",
        act=lambda report, data, secret: services.report_rate(
            report=report, rating=data["rating"], comment=data["comment"],
            actor=request.user, secret=secret),
        done=_("Cảm ơn bạn đã đánh giá kết quả xử lý."))


@require_POST
def report_reopen(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _reporter_action(
        request, slug, number, form_class=ReopenForm, form_name="reopen_form",
        act=lambda report, data, secret: services.report_reopen(
            report=report, reason=data["reason"], actor=request.user, secret=secret),
        done=_("Phản ánh đã được mở lại và chuyển tới lãnh đạo xã."))


def follow_rate_limited(request: HttpRequest) -> bool:
    limit, window = FOLLOW_RATE
    return ratelimit.too_many(f"reports:follow:{client_address(request) or 'unknown'}",
                              limit, window)


@require_POST
def report_follow(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    report = _report(_commune(slug), number)
    secret = _secret(request)
    signed_in = request.user.is_authenticated
    form = FollowForm(request.POST, signed_in=signed_in)
    if not form.is_valid():
        return _render_detail(request, report, secret=secret, status=400, follow_form=form)
    if follow_rate_limited(request):
        response = _render_detail(request, report, secret=secret, status=429, error=_(
            "Bạn đăng ký theo dõi quá nhiều lần. Vui lòng thử lại sau."))
        response["Retry-After"] = str(FOLLOW_RATE[1])
        return response
    try:
        if signed_in:
            services.report_follow(report=report, user=request.user)  # type: ignore[arg-type]
        else:
            services.report_follow(report=report, email=form.cleaned_data["email"],
                                   phone=form.cleaned_data["phone"])
    except DomainError as error:
        add_domain_errors(form, error)
        return _render_detail(request, report, secret=secret, status=400, follow_form=form,
                              error=error.message)
    messages.success(request, _("Bạn sẽ nhận thông báo mỗi khi phản ánh có bước xử lý mới."))
    return redirect(_detail_url(report, secret))


@require_safe
def report_file(request: HttpRequest, slug: str, number: int, file: UUID) -> HttpResponseBase:
    """A photo, video, still frame or proof the report's page shows; anything else (hidden,
    not processed yet, the file as it arrived, a draft's proof) is 404."""
    report = _report(_commune(slug), number)
    for item in selectors.public_media(report, selectors.public_updates(report)):
        for stored in (item.file, item.poster):
            if stored is not None and stored.public_id == file:
                return stored_file_response(request, stored)
    raise Http404


# -- "Phản ánh của tôi" ---------------------------------------------------------------------

@login_required
@require_safe
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = selectors.reports_of_reporter(request.user)[:200]
    return render(request, "reports/public/mine.html", {
        "rows": [{"report": r, "status": _status(r),
                  "public": not r.hidden and not (r.status == State.REJECTED
                                                  and r.reject_reason == RejectReason.SPAM)}
                 for r in reports]})

