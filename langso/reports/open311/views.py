"""The Open311 endpoints. Each reads its parameters, calls one read or service, and answers
in the format of its suffix; every error is the specification's error array in that
format. Nothing here names a reporter or shows their contact."""

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from langso.core.clock import TZ
from langso.core.errors import DomainError
from langso.core.middleware import client_address
from langso.core.models import Commune
from langso.reports import services
from langso.reports.models import Report, ReportUpdate
from langso.reports.open311 import keys, reads, submit
from langso.reports.open311.formats import (
    domain_error_response,
    error_response,
    parse_w3c,
    respond,
)
from langso.reports.workflow import State, open311_status

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# When the shape of our services or their attributes last changed (Service Discovery's
# "changeset"); the services themselves are the commune's and change any day.
CHANGESET = "2026-11-23T00:00:00+07:00"

View = Callable[..., HttpResponse]


def endpoint(*methods: str) -> Callable[[View], View]:
    """An Open311 resource: only ``methods`` (GET also answers HEAD), errors in the
    specification's format, public reads open to other sites' scripts. No CSRF token: a
    write is authorised by its api_key, never by a cookie."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in allowed:
                response = error_response(fmt, 405, [
                    _("Phương thức %(method)s không dùng được ở địa chỉ này.")
                    % {"method": str(request.method)[:10]}])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                response = view(request, *args, fmt=fmt, **kwargs)
            except DomainError as error:
                response = domain_error_response(fmt, error)
            except (RequestDataTooBig, TooManyFieldsSent):
                response = error_response(fmt, 400, [_("Yêu cầu quá lớn.")])
            if request.method in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return csrf_exempt(wrapped)

    return decorate


def _param(request: HttpRequest, name: str) -> str:
    """A parameter of the body (POST) or the query string; the specification treats an
    empty parameter as an absent one."""
    value = request.POST.get(name, "") if request.method == "POST" else ""
    return str(value or request.GET.get(name, "")).strip()


def _commune(request: HttpRequest) -> Commune:
    return reads.jurisdiction(_param(request, "jurisdiction_id"))


def _period(request: HttpRequest) -> tuple[dt.datetime, dt.datetime]:
    """start_date/end_date: at most 90 days apart; one alone reaches 90 days from it; none
    is the last 90 days."""
    start_text, end_text = _param(request, "start_date"), _param(request, "end_date")
    start = parse_w3c(start_text, name="start_date") if start_text else None
    end = parse_w3c(end_text, name="end_date") if end_text else None
    if start is not None and end is not None:
        if end < start:
            raise DomainError(_("end_date phải sau start_date."), code="bad_period")
        if end - start > reads.MAX_SPAN:
            raise DomainError(_("Khoảng từ start_date đến end_date tối đa 90 ngày."),
                              code="bad_period")
        return start, end
    if start is not None:
        return start, start + reads.MAX_SPAN
    if end is not None:
        return end - reads.MAX_SPAN, end
    now = timezone.now()
    return now - reads.MAX_SPAN, now


def _list(request: HttpRequest, name: str) -> list[str]:
    return [v.strip() for v in _param(request, name).split(",") if v.strip()]


def _media_url(request: HttpRequest, report: Report, public_id: uuid.UUID | None
               ) -> str | None:
    """The cleaned file, served by the report's public page (which checks it is public)."""
    if public_id is None:
        return None
    return request.build_absolute_uri(reverse("reports:public_file", kwargs={
        "slug": report.commune.slug, "number": report.number, "file": public_id}))


def _address(report: Report) -> str:
    """From the most specific place to the most general, as the specification asks."""
    parts = [report.address, str(report.village) if report.village else "",
             report.commune.name, report.commune.province.name]
    return ", ".join(p for p in parts if p)


def _request(request: HttpRequest, report: Report, photos: dict[int, uuid.UUID]
             ) -> dict[str, Any]:
    status, _extended = open311_status(report.status, report.reject_reason)
    last_step = getattr(report, "last_step", None)
    return {
        "service_request_id": str(report.number),
        "status": status,
        "status_notes": getattr(report, "public_note", None) or None,
        "service_name": report.category.name,
        "service_code": report.category.code,
        "description": None if report.description_hidden else report.description,
        "agency_responsible": report.department.name if report.department else None,
        "service_notice": None,
        "requested_datetime": report.created_at,
        "updated_datetime": last_step or report.created_at,
        "expected_datetime": report.due_at,
        "address": _address(report),
        "address_id": str(report.village_id) if report.village_id else None,
        "zipcode": None,
        "lat": float(report.latitude) if report.latitude is not None else None,
        "long": float(report.longitude) if report.longitude is not None else None,
        "media_url": _media_url(request, report, photos.get(report.pk)),
    }


def _contact(commune: Commune | None) -> str:
    if commune is None:
        return _("Liên hệ Ủy ban nhân dân xã nơi bạn muốn gửi phản ánh.")
    parts = [commune.address, commune.phone, commune.email]
    return ", ".join([f"{commune.name}, {commune.province.name}", *[p for p in parts if p]])


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service Discovery: where the API is, in which formats, whom to ask for a key."""
    commune: Commune | None
    try:
        commune = _commune(request)
    except DomainError:
        if _param(request, "jurisdiction_id"):
            raise
        commune = None  # several communes and none named: the installation speaks
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": fmt}))
    return respond(fmt, "discovery", {
        "changeset": CHANGESET,
        "contact": _contact(commune),
        "key_service": _("Khóa api_key do Ủy ban nhân dân xã cấp cho từng ứng dụng (Chủ "
                         "tịch hoặc quản trị viên hệ thống của xã). Đọc dữ liệu không cần "
                         "khóa."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": base.rsplit("/", 1)[0],
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    })


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    commune = _commune(request)
    metadata = bool(reads.attributes(commune))
    return respond(fmt, "services", [{
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": metadata,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    } for category in reads.services(commune)])


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    commune = _commune(request)
    category = reads.service(commune, service_code)
    return respond(fmt, "service_definition", {
        "service_code": category.code,
        "attributes": [{
            "variable": True,
            "code": attribute.code,
            "datatype": attribute.datatype,
            "required": attribute.required,
            "datatype_description": attribute.datatype_description,
            "order": attribute.order,
            "description": attribute.description,
            "values": [{"key": key, "name": name} for key, name in attribute.values],
        } for attribute in reads.attributes(commune)],
    })


@endpoint("GET", "POST")
def request_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, fmt)
    commune = _commune(request)
    numbers: list[int] | None = None
    codes: list[str] = []
    statuses: list[str] = []
    start = end = timezone.now()
    ids = _list(request, "service_request_id")
    if ids:  # "This overrides all other arguments."
        if len(ids) > reads.LIMIT:
            raise DomainError(_("Tối đa %(n)d service_request_id mỗi lần.")
                              % {"n": reads.LIMIT}, code="too_many")
        numbers = [int(i) for i in ids if i.isdigit() and len(i) < 10]
    else:
        start, end = _period(request)
        codes = _list(request, "service_code")
        statuses = [s.lower() for s in _list(request, "status")]
        unknown = [s for s in statuses if s not in reads.STATUSES]
        if unknown:
            raise DomainError(_("status không hợp lệ: %(values)s. Dùng open hoặc closed.")
                              % {"values": ", ".join(unknown)[:100]}, code="bad_status")
    reports = reads.request_list(commune, numbers=numbers, codes=codes, statuses=statuses,
                                 start=start, end=end)
    photos = reads.first_photos(reports)
    return respond(fmt, "service_requests", [_request(request, r, photos) for r in reports])


def _notice(request: HttpRequest, report: Report, secret: str) -> str:
    """What happens next and, for the reporter alone, the link of their report (to follow,
    rate or reopen it): it is only in this answer to the application that sent it, never in
    a GET."""
    if report.acknowledged_at is not None or report.acknowledge_due_at is None:
        notice = _("Phản ánh %(ref)s đã được Ủy ban nhân dân xã tiếp nhận.") % {
            "ref": report.reference}
    else:
        notice = _("Đã nhận phản ánh %(ref)s. Ủy ban nhân dân xã sẽ tiếp nhận và giao xử lý "
                   "trước %(due)s.") % {"ref": report.reference,
                                         "due": report.acknowledge_due_at.astimezone(TZ)
                                         .strftime("%H:%M %d/%m/%Y")}
    if not secret:
        return notice
    link = request.build_absolute_uri(reverse("reports:public_detail", kwargs={
        "slug": report.commune.slug, "number": report.number})) + "?" + urlencode(
            {"k": secret})
    return notice + " " + _("Theo dõi, đánh giá hoặc mở lại phản ánh tại: %(url)s") % {
        "url": link}


def _submit(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST requests: the jurisdiction, then the key (403), then the rate limit, then the
    parameters (400; an unknown service_code is 404)."""
    commune = _commune(request)
    key = keys.open311_key_check(commune=commune, secret=_param(request, "api_key"))
    form = submit.RequestForm(request.POST)
    device_id = str(form.data.get("device_id") or "").strip()[:100]
    keys.open311_rate_check(key=key, client=device_id or client_address(request) or "")
    if not form.is_valid():
        raise form.domain_error()
    data = form.cleaned_data
    category = reads.service(commune, data["service_code"])
    village = reads.village(commune, data["village_key"]) if data["village_key"] else None
    token = submit.client_token(key, data["device_id"],
                                request.headers.get("Idempotency-Key", "").strip())
    name = " ".join(p for p in (data["first_name"].strip(), data["last_name"].strip()) if p)
    report, secret, _created = submit.open311_request_submit(
        key=key, commune=commune, category=category, description=data["description"],
        latitude=data["lat"], longitude=data["long"], village=village,
        address=data["address_string"], confidential=data["confidential"],
        reporter=services.Reporter(name=name, phone=data["phone"], email=data["email"]),
        media_url=data["media_url"], token=token)
    return respond(fmt, "service_requests", [{
        "service_request_id": str(report.number),
        "service_notice": _notice(request, report, secret),
    }])


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    report = reads.request_one(_commune(request), service_request_id)
    photos = reads.first_photos([report])
    return respond(fmt, "service_requests", [_request(request, report, photos)])


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    report = reads.request_by_token(_commune(request), token)
    return respond(fmt, "service_requests", [{"service_request_id": str(report.number),
                                              "token": token}])


def _update_status(update: ReportUpdate) -> str:
    state = update.to_status if update.to_status in State.values else update.report.status
    return open311_status(state, update.report.reject_reason)[1]


@endpoint("GET")
def update_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's servicerequestupdates: each public step, with its extended status."""
    commune = _commune(request)
    start, end = _period(request)
    updates = reads.updates_for_public(commune, start=start, end=end)
    proofs = reads.answer_proofs(updates)
    return respond(fmt, "service_request_updates", [{
        "update_id": str(update.pk),
        "service_request_id": str(update.report.number),
        "status": _update_status(update),
        "updated_datetime": update.at,
        "description": update.text,
        "media_url": _media_url(request, update.report, proofs.get(update.pk)) or "",
    } for update in updates])
