"""Writes of the field-report loop: submission, every state change, rating, following and
moderation. Each runs in one transaction and records what changed in the commune's history
(who, when, from, to, why) and, for public steps, a ReportUpdate the public can read.
"""

import base64
import datetime as dt
import hashlib
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.clock import WorkingClock
from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.history import history_record
from langso.core.models import Commune, Department, User, Village
from langso.reports.models import (
    Category,
    MediaKind,
    RejectReason,
    Report,
    ReportCounter,
    ReportFollower,
    ReportMedia,
    ReportSettings,
    ReportUpdate,
    Severity,
    Source,
)
from langso.reports.workflow import (
    REPORTER,
    SYSTEM,
    TRANSITIONS,
    State,
    Transition,
)

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION = 10
MAX_REASON = 2000
MAX_PHOTOS = 5
MAX_VIDEOS = 1
# Vietnam, with a margin: anything outside is a typing or GPS error, not a place.
VIETNAM_BOX = (Decimal("8.0"), Decimal("102.0"), Decimal("23.6"), Decimal("110.0"))


@dataclass(frozen=True)
class Reporter:
    """Who sends a report: an account, or a visitor who may leave a name and contact."""

    user: User | None = None
    name: str = ""
    phone: str = ""
    email: str = ""


def settings_for(commune: Commune) -> ReportSettings:
    found, _created = ReportSettings.objects.get_or_create(commune=commune)
    return found


# Control characters other than line breaks and tabs: never meaningful in a report, and a
# NUL breaks PostgreSQL.
_CONTROL = {c: None for c in range(32) if chr(c) not in "\n\t"} | {127: None}


def _clean_text(value: Any, *, field: str, required: bool, limit: int,
                minimum: int = 0) -> str:
    text = str(value or "").replace("\r\n", "\n").translate(_CONTROL).strip()
    if required and not text:
        raise DomainError(_("Vui lòng nhập nội dung."), field_errors={field: [_("Bắt buộc.")]})
    if len(text) > limit:
        raise DomainError(_("Nội dung tối đa %(n)d ký tự.") % {"n": limit},
                          field_errors={field: [_("Quá dài.")]})
    if text and len(text) < minimum:
        raise DomainError(_("Vui lòng mô tả rõ hơn (ít nhất %(n)d ký tự).") % {"n": minimum},
                          field_errors={field: [_("Quá ngắn.")]})
    return text


def parse_point(latitude: Any, longitude: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither, as decimals inside Vietnam; a clear message otherwise."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    lat: Decimal | None
    lng: Decimal | None
    try:
        lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
        lng = Decimal(str(longitude)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        lat = lng = None
    south, west, north, east = VIETNAM_BOX
    if lat is None or lng is None or not lat.is_finite() or not lng.is_finite() or not (
            south <= lat <= north and west <= lng <= east):
        raise DomainError(_("Vị trí không hợp lệ. Vui lòng chọn lại trên bản đồ hoặc chọn "
                            "thôn và nhập địa chỉ."), field_errors={"location": [
                                _("Tọa độ không nằm trong lãnh thổ Việt Nam.")]})
    return lat, lng


def is_inside(report_settings: ReportSettings, lat: Decimal, lng: Decimal) -> bool | None:
    """Is the point in the commune's box? None when the commune has not drawn one."""
    box = (report_settings.south, report_settings.west, report_settings.north,
           report_settings.east)
    if any(v is None for v in box):
        return None
    south, west, north, east = box
    return bool(south <= lat <= north and west <= lng <= east)  # type: ignore[operator]


def _next_number(commune: Commune) -> int:
    ReportCounter.objects.get_or_create(commune=commune)
    counter = ReportCounter.objects.select_for_update().get(commune=commune)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def reporter_secret(commune: Commune, client_token: uuid.UUID | None) -> str:
    """The secret of the reporter's link. With a client token it is derived from the token
    (HMAC with the SECRET_KEY): a phone whose first send went through but whose answer was
    lost on a weak connection sends again and gets the same link back. The token is only
    ever known to the phone (or page) that made the report."""
    if client_token is None:
        return secrets.token_urlsafe(24)
    digest = salted_hmac("langso.reports.reporter-key", f"{commune.pk}:{client_token}",
                         algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def report_for_client_token(commune: Commune, client_token: uuid.UUID | None
                            ) -> tuple[Report, str] | None:
    """The report a phone already sent with ``client_token`` and its link's secret (a retry:
    the form need not be checked, nor its files stored, again)."""
    if client_token is None:
        return None
    existing = Report.objects.filter(commune=commune, client_token=client_token).first()
    if existing is None:
        return None
    return existing, _secret_again(existing, client_token)


def _secret_again(report: Report, client_token: uuid.UUID) -> str:
    """A repeated send's link: the same secret, when it is still the one the report keeps
    (a changed SECRET_KEY or a report made another way gives "")."""
    secret = reporter_secret(report.commune, client_token)
    return secret if secrets.compare_digest(key_hash(secret), report.reporter_key_hash) else ""


def _actor_label(actor: Any) -> str:
    if isinstance(actor, User) and access.is_staff_user(actor):
        return (actor.full_name or actor.username)[:150]
    return ""  # a citizen is never named in public steps


def record(*, report: Report, actor: Any, action: str, from_status: str, to_status: str,
           reason: str = "", public_text: str = "", public: bool = True,
           now: dt.datetime, data: dict[str, Any] | None = None) -> ReportUpdate | None:
    """One change: always in the history (who, when, from, to, why); when public, also a
    ReportUpdate (Open311 servicerequestupdates, the public page's timeline)."""
    history_record(obj=report, action=f"report.{action}",
                   actor=actor if getattr(actor, "pk", None) else None,
                   from_state=from_status, to_state=to_status, reason=reason,
                   data={"report": report.reference, **(data or {})},
                   commune=report.commune, now=now)
    if not public:
        return None
    return ReportUpdate.objects.create(report=report, action=action, from_status=from_status,
                                       to_status=to_status, text=public_text,
                                       actor_label=_actor_label(actor), at=now)


def _tell(report: Report, update: ReportUpdate | None, actor: Any) -> None:
    if update is None:
        return
    from langso.reports import notifications

    notifications.tell_followers(report=report, update=update, actor=actor)


# -- submission -------------------------------------------------------------------------------

@transaction.atomic
def report_submit(*, commune: Commune, reporter: Reporter, category: Category,
                  description: str, latitude: Any = None, longitude: Any = None,
                  location_source: str = "", village: Village | None = None,
                  address: str = "", confidential: bool = False,
                  media: Iterable[ReportMedia] = (), client_token: uuid.UUID | None = None,
                  source: str = Source.WEB, suggested_category: Category | None = None,
                  now: dt.datetime | None = None) -> tuple[Report, str]:
    """Record a new report; returns it and the secret of the reporter's link. When the
    client token names a report already sent, the same report comes back with the same
    secret (``reporter_secret``) and nothing else happens.

    ``media``: ReportMedia rows already stored (``reports.media``) and not yet attached.
    """
    now = now or timezone.now()
    if not commune.is_active:
        raise NotFound(_("Không tìm thấy xã."))
    if client_token is not None:
        existing = Report.objects.filter(commune=commune, client_token=client_token).first()
        if existing is not None:
            return existing, _secret_again(existing, client_token)
    if category.commune_id != commune.pk or not category.is_active:
        raise DomainError(_("Vui lòng chọn lĩnh vực phản ánh."),
                          field_errors={"category": [_("Lĩnh vực không hợp lệ.")]})
    text = _clean_text(description, field="description", required=True,
                       limit=MAX_DESCRIPTION, minimum=MIN_DESCRIPTION)
    lat, lng = parse_point(latitude, longitude)
    if village is not None and village.commune_id != commune.pk:
        raise DomainError(_("Thôn không thuộc xã này."),
                          field_errors={"village": [_("Thôn không hợp lệ.")]})
    address_text = _clean_text(address, field="address", required=False, limit=255)
    if lat is None and village is None and not address_text:
        raise DomainError(_("Vui lòng cho biết vị trí: chọn trên bản đồ, dùng vị trí của máy, "
                            "hoặc chọn thôn và nhập địa chỉ."),
                          field_errors={"location": [_("Bắt buộc.")]})
    report_settings = settings_for(commune)
    outside = bool(lat is not None and lng is not None
                   and is_inside(report_settings, lat, lng) is False)
    items = list(media)
    photos = [m for m in items if m.kind == MediaKind.PHOTO]
    videos = [m for m in items if m.kind == MediaKind.VIDEO]
    if len(photos) > MAX_PHOTOS or len(videos) > MAX_VIDEOS or len(items) != len(
            photos) + len(videos):
        raise DomainError(_("Tối đa %(p)d ảnh và %(v)d video.") % {"p": MAX_PHOTOS,
                                                                   "v": MAX_VIDEOS},
                          field_errors={"photos": [_("Quá nhiều tệp.")]})
    if any(m.report_id is not None or m.commune_id != commune.pk for m in items):
        raise DomainError(_("Tệp đã thuộc phản ánh khác."), code="invalid")
    name = _clean_text(reporter.name, field="reporter_name", required=False, limit=150)
    user = reporter.user if getattr(reporter.user, "is_authenticated", False) else None
    secret = reporter_secret(commune, client_token)
    clock = WorkingClock.for_commune(commune)
    try:
        with transaction.atomic():
            report = Report.objects.create(
                commune=commune, number=_next_number(commune), client_token=client_token,
                category=category, suggested_category=suggested_category, description=text,
                latitude=lat, longitude=lng, location_source=location_source[:10],
                outside_commune=outside, village=village, address=address_text,
                status=State.NEW, reporter=user,
                reporter_name=name or (user.full_name if user else ""),
                reporter_phone=(reporter.phone or (user.phone if user else "") or "")[:15],
                reporter_email=(reporter.email or (user.email if user else ""))[:254],
                reporter_key_hash=key_hash(secret), confidential=bool(confidential),
                source=source, created_at=now,
                acknowledge_due_at=clock.add_working_hours(
                    now, report_settings.acknowledge_hours))
    except IntegrityError:
        # The same phone sent the same report twice at once: the first one wins.
        existing = Report.objects.filter(commune=commune, client_token=client_token).first()
        if existing is None or client_token is None:
            raise
        return existing, _secret_again(existing, client_token)
    for position, item in enumerate(items):
        item.report = report
        item.position = position
        item.save(update_fields=["report", "position"])
    if user is not None:
        ReportFollower.objects.get_or_create(report=report, user=user)
    update = record(report=report, actor=user, action="submit", from_status="",
                    to_status=State.NEW, now=now,
                    data={"category": category.code, "source": source,
                          "outside_commune": outside})
    _tell(report, update, user)
    return report, secret


# -- permissions --------------------------------------------------------------------------

def is_reporter(report: Report, actor: Any = None, secret: str = "") -> bool:
    if secret and report.reporter_key_hash and secrets.compare_digest(
            key_hash(secret), report.reporter_key_hash):
        return True
    return bool(getattr(actor, "is_authenticated", False) and report.reporter_id == actor.pk)


def may(actor: Any, report: Report, transition: Transition, *, secret: str = "") -> bool:
    if REPORTER in transition.roles and is_reporter(report, actor, secret):
        return True
    if not getattr(actor, "is_authenticated", False):
        return False
    grants = [g for g in access.grants(actor)
              if g.commune_id == report.commune_id and g.role in transition.roles]
    if not grants and not (actor.is_superuser and transition.roles - {REPORTER, SYSTEM}):
        return False
    if transition.department_only and not actor.is_superuser:
        return any((g.department_id is not None and g.department_id == report.department_id)
                   or report.assignee_id == actor.pk for g in grants)
    return True


def _check(actor: Any, report: Report, action: str, *, secret: str = "") -> Transition:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise DomainError(_("Thao tác không hợp lệ."), code="invalid")
    if not may(actor, report, transition, secret=secret):
        raise PermissionDenied(_("Bạn không có quyền thực hiện thao tác này với phản ánh."))
    if report.status not in transition.sources:
        raise DomainError(
            _("Phản ánh đang ở trạng thái “%(state)s”, không thể “%(action)s”.")
            % {"state": State(report.status).label, "action": transition.label},
            code="conflict")
    return transition


def _locked(report: Report) -> Report:
    return Report.objects.select_for_update().select_related("commune", "category").get(
        pk=report.pk)


def _move(report: Report, transition: Transition, actor: Any, now: dt.datetime, *,
          reason: str = "", public_text: str = "", data: dict[str, Any] | None = None
          ) -> ReportUpdate | None:
    from_status = report.status
    report.status = transition.target
    report.save()
    return record(report=report, actor=actor, action=transition.action,
                  from_status=from_status, to_status=transition.target, reason=reason,
                  public_text=public_text, public=transition.public, now=now, data=data)


def deadline(commune: Commune, severity: str, start: dt.datetime,
             report_settings: ReportSettings | None = None) -> dt.datetime:
    """When a report of ``severity`` accepted at ``start`` must be resolved."""
    rs = report_settings or settings_for(commune)
    clock = WorkingClock.for_commune(commune)
    if severity == Severity.URGENT:
        return clock.add_working_hours(start, rs.urgent_hours)
    days = rs.complex_days if severity == Severity.COMPLEX else rs.normal_days
    return clock.add_working_days(start, days)


# -- the chairman ---------------------------------------------------------------------------

@transaction.atomic
def report_triage(*, actor: Any, report: Report, severity: str, department: Department,
                  assignee: User | None = None, category: Category | None = None,
                  note: str = "", now: dt.datetime | None = None) -> Report:
    """Accept the report, set its severity (and so its deadline) and give it to a
    department (and, optionally, one of its officers); a wrong category may be fixed."""
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "triage")
    if severity not in Severity.values:
        raise DomainError(_("Vui lòng chọn mức độ."), field_errors={"severity": [
            _("Bắt buộc.")]})
    if department is None or department.commune_id != report.commune_id:
        raise DomainError(_("Vui lòng chọn bộ phận xử lý của xã."),
                          field_errors={"department": [_("Bộ phận không hợp lệ.")]})
    if assignee is not None and not any(
            g.commune_id == report.commune_id and g.department_id == department.pk
            for g in access.grants(assignee)):
        raise DomainError(_("Cán bộ được giao không thuộc bộ phận này."),
                          field_errors={"assignee": [_("Không hợp lệ.")]})
    if category is not None and category != report.category:
        if category.commune_id != report.commune_id:
            raise DomainError(_("Lĩnh vực không hợp lệ."),
                              field_errors={"category": [_("Không hợp lệ.")]})
        report.category = category
    text = _clean_text(note, field="note", required=False, limit=MAX_REASON)
    report.severity = severity
    report.department = department
    report.assignee = assignee
    if report.acknowledged_at is None:
        report.acknowledged_at = now
    report.due_at = deadline(report.commune, severity, now)
    report.escalated_at = None
    update = _move(report, transition, actor, now, reason=text, public_text=text, data={
        "severity": severity, "department": department.name,
        "due_at": report.due_at.isoformat()})
    _tell(report, update, actor)
    return report


@transaction.atomic
def report_reject(*, actor: Any, report: Report, reason: str, note: str = "",
                  duplicate_of: Report | None = None,
                  now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "reject")
    if reason not in RejectReason.values:
        raise DomainError(_("Vui lòng chọn lý do từ chối."),
                          field_errors={"reason": [_("Bắt buộc.")]})
    text = _clean_text(note, field="note", required=reason != RejectReason.DUPLICATE,
                       limit=MAX_REASON)
    if reason == RejectReason.DUPLICATE:
        if (duplicate_of is None or duplicate_of.commune_id != report.commune_id
                or duplicate_of.pk == report.pk):
            raise DomainError(_("Vui lòng nhập số phản ánh bị trùng."),
                              field_errors={"duplicate_of": [_("Không hợp lệ.")]})
        report.duplicate_of = duplicate_of
        # Whoever followed this one now follows the original.
        for follower in report.followers.all():
            ReportFollower.objects.get_or_create(
                report=duplicate_of, user=follower.user, email=follower.email,
                phone=follower.phone)
        if not text:
            text = _("Trùng với phản ánh %(ref)s.") % {"ref": duplicate_of.reference}
    report.reject_reason = reason
    report.status_note = text
    report.resolved_at = now
    update = _move(report, transition, actor, now, reason=f"{reason}: {text}",
                   public_text=text, data={"reject_reason": reason})
    _tell(report, update, actor)
    return report


@transaction.atomic
def report_reassign(*, actor: Any, report: Report, department: Department,
                    assignee: User | None = None, reason: str,
                    now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "reassign")
    text = _clean_text(reason, field="reason", required=True, limit=MAX_REASON)
    if department is None or department.commune_id != report.commune_id:
        raise DomainError(_("Vui lòng chọn bộ phận xử lý của xã."),
                          field_errors={"department": [_("Bộ phận không hợp lệ.")]})
    report.department = department
    report.assignee = assignee
    _move(report, transition, actor, now, reason=text, data={"department": department.name})
    return report


# -- the department -------------------------------------------------------------------------

@transaction.atomic
def report_start(*, actor: Any, report: Report, now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "start")
    if report.assignee_id is None:
        report.assignee = actor
    _tell(report, _move(report, transition, actor, now), actor)
    return report


@transaction.atomic
def report_draft_answer(*, actor: Any, report: Report, text: str,
                        proofs: Iterable[ReportMedia],
                        now: dt.datetime | None = None) -> Report:
    """The department's answer: a written response and at least one proof (a photo or a
    document). Where the commune does not require approval it is published at once."""
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "draft_answer")
    answer = _clean_text(text, field="answer_text", required=True, limit=MAX_DESCRIPTION,
                         minimum=MIN_DESCRIPTION)
    items = list(proofs)
    kept = list(report.media.filter(kind=MediaKind.PROOF, hidden=False))
    if not items and not kept:
        raise DomainError(_("Vui lòng đính kèm ảnh hoặc tài liệu chứng minh kết quả xử lý."),
                          field_errors={"proofs": [_("Bắt buộc.")]})
    for item in items:
        if item.kind != MediaKind.PROOF or item.report_id not in (None, report.pk) or (
                item.commune_id != report.commune_id):
            raise DomainError(_("Tệp chứng minh không hợp lệ."),
                              field_errors={"proofs": [_("Không hợp lệ.")]})
        item.report = report
        item.position = 100 + item.pk
        item.save(update_fields=["report", "position"])
    report.answer_text = answer
    report.answered_by = actor
    report.answered_at = now
    _move(report, transition, actor, now, data={"proofs": len(items) + len(kept)})
    if not settings_for(report.commune).approval_required:
        _publish(report, actor, now)
    return report


# -- leaders --------------------------------------------------------------------------------

@transaction.atomic
def report_return_answer(*, actor: Any, report: Report, reason: str,
                         now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "return_answer")
    text = _clean_text(reason, field="reason", required=True, limit=MAX_REASON)
    _move(report, transition, actor, now, reason=text)
    return report


@transaction.atomic
def report_approve(*, actor: Any, report: Report, text: str | None = None,
                   now: dt.datetime | None = None) -> Report:
    """The leader approves (and may edit) the answer; it is published at once."""
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "approve")
    if text is not None:
        report.answer_text = _clean_text(text, field="answer_text", required=True,
                                         limit=MAX_DESCRIPTION, minimum=MIN_DESCRIPTION)
    report.approved_by = actor
    report.approved_at = now
    _move(report, transition, actor, now)
    _publish(report, actor, now)
    return report


def _publish(report: Report, actor: Any, now: dt.datetime) -> None:
    transition = TRANSITIONS["resolve"]
    report.resolved_at = now
    update = _move(report, transition, actor, now, public_text=report.answer_text)
    _tell(report, update, actor)


# -- the reporter ---------------------------------------------------------------------------

def reopen_until(report: Report) -> dt.datetime | None:
    if report.resolved_at is None:
        return None
    return report.resolved_at + dt.timedelta(days=settings_for(report.commune).reopen_days)


@transaction.atomic
def report_reopen(*, report: Report, reason: str, actor: Any = None, secret: str = "",
                  now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "reopen", secret=secret)
    until = reopen_until(report)
    if until is None or now > until:
        raise DomainError(_("Đã quá thời hạn mở lại phản ánh (%(n)d ngày sau khi có kết quả).")
                          % {"n": settings_for(report.commune).reopen_days}, code="conflict")
    text = _clean_text(reason, field="reason", required=True, limit=MAX_REASON,
                       minimum=MIN_DESCRIPTION)
    report.reopen_count += 1
    report.resolved_at = None
    report.due_at = None
    report.acknowledge_due_at = WorkingClock.for_commune(report.commune).add_working_hours(
        now, settings_for(report.commune).acknowledge_hours)
    report.acknowledged_at = None
    update = _move(report, transition, actor, now, reason=text, public_text=text)
    _tell(report, update, actor)
    return report


@transaction.atomic
def report_rate(*, report: Report, rating: Any, comment: str = "", actor: Any = None,
                secret: str = "", now: dt.datetime | None = None) -> Report:
    """The reporter rates the answer (1–5 stars); the report is then closed."""
    now = now or timezone.now()
    report = _locked(report)
    transition = _check(actor, report, "close", secret=secret)
    try:
        stars = int(rating)
    except (TypeError, ValueError):
        stars = 0
    if not 1 <= stars <= 5:
        raise DomainError(_("Vui lòng chọn từ 1 đến 5 sao."),
                          field_errors={"rating": [_("Không hợp lệ.")]})
    report.rating = stars
    report.rating_comment = _clean_text(comment, field="comment", required=False, limit=1000)
    report.rated_at = now
    report.closed_at = now
    update = _move(report, transition, actor, now, reason=report.rating_comment,
                   data={"rating": stars})
    _tell(report, update, actor)
    return report


@transaction.atomic
def report_close_expired(*, report: Report, now: dt.datetime | None = None) -> bool:
    """The reopen window has passed without a rating: close it (periodic task)."""
    now = now or timezone.now()
    report = _locked(report)
    until = reopen_until(report)
    if report.status != State.RESOLVED or until is None or now <= until:
        return False
    report.closed_at = now
    _move(report, TRANSITIONS["close"], None, now,
          reason=_("Hết thời hạn mở lại, phản ánh được đóng tự động."))
    return True


@transaction.atomic
def report_follow(*, report: Report, user: User | None = None, email: str = "",
                  phone: str = "", now: dt.datetime | None = None) -> ReportFollower:
    """"Is this the same problem? Follow it instead": told of each public step."""
    if user is None and not email and not phone:
        raise DomainError(_("Vui lòng đăng nhập hoặc để lại thư điện tử/số điện thoại."),
                          field_errors={"contact": [_("Bắt buộc.")]})
    if report.hidden:
        raise NotFound(_("Không tìm thấy phản ánh."))
    if user is not None:
        follower, _created = ReportFollower.objects.get_or_create(report=report, user=user)
        return follower
    follower, _created = ReportFollower.objects.get_or_create(
        report=report, user=None, email=email[:254], phone=phone[:15])
    return follower


# -- moderation -----------------------------------------------------------------------------

@transaction.atomic
def report_moderate(*, actor: Any, report: Report, hide_report: bool | None = None,
                    hide_description: bool | None = None, media: ReportMedia | None = None,
                    hide_media: bool | None = None, reason: str,
                    now: dt.datetime | None = None) -> Report:
    """Hide (or show again) the report, its text or one photo from the public. Nothing is
    deleted; the history keeps what was hidden and why."""
    now = now or timezone.now()
    report = _locked(report)
    if not access.can(actor, "report.moderate", report.commune):
        raise PermissionDenied(_("Bạn không có quyền kiểm duyệt phản ánh."))
    text = _clean_text(reason, field="reason", required=True, limit=MAX_REASON)
    changes: dict[str, Any] = {}
    if hide_report is not None and hide_report != report.hidden:
        changes["hidden"] = report.hidden = hide_report
    if hide_description is not None and hide_description != report.description_hidden:
        changes["description_hidden"] = report.description_hidden = hide_description
        if hide_description:
            changes["description"] = report.description
    if media is not None and hide_media is not None:
        if media.report_id != report.pk:
            raise DomainError(_("Ảnh không thuộc phản ánh này."), code="invalid")
        if media.hidden != hide_media:
            media.hidden = hide_media
            media.save(update_fields=["hidden"])
            changes["media"] = media.pk
            changes["media_hidden"] = hide_media
    if not changes:
        return report
    report.save()
    history_record(obj=report, action="report.moderate", actor=actor, reason=text,
                   data={"report": report.reference, **changes}, commune=report.commune,
                   now=now)
    return report
