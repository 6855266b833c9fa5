"""Reads of Open311: which commune a call is about, its services and their attributes, and
what the public may see of reports and their public steps — never a reporter's name or
contact, never a hidden report or photo, never a draft answer's proof. Files are served by
the report's public page (``reports:public_file``), under the same rules."""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from langso.core.errors import DomainError, NotFound
from langso.core.models import Commune, Village
from langso.reports import selectors
from langso.reports.models import (
    Category,
    MediaKind,
    MediaStatus,
    RejectReason,
    Report,
    ReportMedia,
    ReportUpdate,
)
from langso.reports.workflow import State, open311_status

# FixMyStreet's extended statuses (its Open311 extension); we produce a subset of them
# (workflow.OPEN311_STATUS) and accept every one as a filter.
EXTENDED_STATUSES = (
    "fixed", "investigating", "action_scheduled", "in_progress", "planned",
    "no_further_action", "not_councils_responsibility", "duplicate", "internal_referral",
    "cancelled", "for_triage",
)
STATUSES = frozenset({"open", "closed", *EXTENDED_STATUSES})
MAX_SPAN = dt.timedelta(days=90)
LIMIT = 1000


def jurisdiction(value: str) -> Commune:
    """The commune named by ``jurisdiction_id`` (its slug). Without one: the installation's
    LANGSO_DEFAULT_COMMUNE, else its only active commune; with several, the client must say."""
    slug = (value or "").strip()
    communes = Commune.objects.active().select_related("province")
    if slug:
        found = communes.filter(slug=slug).first() if len(slug) <= 120 else None
        if found is None:
            raise NotFound(_("Không tìm thấy jurisdiction_id “%(id)s”.") % {"id": slug[:120]})
        return found
    if settings.LANGSO_DEFAULT_COMMUNE:
        found = communes.filter(slug=settings.LANGSO_DEFAULT_COMMUNE).first()
        if found is not None:
            return found
    active = list(communes.order_by("pk")[:2])
    if not active:
        raise NotFound(_("Hệ thống chưa có xã nào đang hoạt động."))
    if len(active) > 1:
        raise DomainError(_("Vui lòng cho biết jurisdiction_id (mã của xã, ví dụ "
                            "“%(slug)s”).") % {"slug": active[0].slug},
                          code="jurisdiction_required")
    return active[0]


# -- services and their attributes ---------------------------------------------------------

def services(commune: Commune) -> QuerySet[Category]:
    return Category.objects.filter(commune=commune, is_active=True).order_by("position",
                                                                              "name")


def service(commune: Commune, code: str) -> Category:
    found = services(commune).filter(code=code).first() if len(code) <= 50 else None
    if found is None:
        raise NotFound(_("Không tìm thấy service_code “%(code)s”.") % {"code": code[:50]})
    return found


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    order: int
    description: str
    datatype_description: str = ""
    values: list[tuple[str, str]] = field(default_factory=list)


VILLAGE = "village"
CONFIDENTIAL = "confidential"
YES_NO = ("true", "false")


def attributes(commune: Commune) -> list[Attribute]:
    """The same for every service of a commune: where (a village, when no point is given)
    and whether the reporter's identity is kept from the public and the departments."""
    found: list[Attribute] = []
    villages = list(Village.objects.filter(commune=commune).order_by("sort_key"))
    if villages:
        found.append(Attribute(
            code=VILLAGE, datatype="singlevaluelist", required=False, order=1,
            description=_("Thôn, tổ dân phố nơi xảy ra sự việc (nên chọn khi không gửi tọa "
                          "độ). Cũng nhận qua address_id."),
            values=[(str(v.pk), str(v)) for v in villages]))
    found.append(Attribute(
        code=CONFIDENTIAL, datatype="singlevaluelist", required=False, order=len(found) + 1,
        description=_("Giữ bí mật danh tính người phản ánh: chỉ Chủ tịch xã được biết."),
        datatype_description=_("true hoặc false (mặc định false)."),
        values=[("true", _("Có")), ("false", _("Không"))]))
    return found


def village(commune: Commune, key: str) -> Village:
    found = (Village.objects.filter(commune=commune, pk=int(key)).first()
             if key.isdigit() and len(key) < 10 else None)
    if found is None:
        raise DomainError(_("Không có thôn “%(key)s” trong xã này; xem danh sách ở "
                            "services/{service_code}.") % {"key": key[:20]},
                          field_errors={"village": [_("Không hợp lệ.")]})
    return found


# -- requests -------------------------------------------------------------------------------

def _states_for(value: str) -> Q:
    """Our states (and reject reasons) whose Open311 status or extended status is ``value``."""
    condition = Q(pk__in=[])
    for state in State:
        if state == State.REJECTED:
            for reason in [*RejectReason.values, ""]:
                if value in open311_status(state, reason):
                    condition |= Q(status=state, reject_reason=reason)
        elif value in open311_status(state):
            condition |= Q(status=state)
    return condition


def requests_for_public(commune: Commune) -> QuerySet[Report]:
    """Public reports with what a request shows: the latest public note and step time."""
    steps = ReportUpdate.objects.filter(report=OuterRef("pk")).order_by("-at", "-pk")
    return (selectors.public_reports(commune)
            .select_related("category", "department", "village", "commune__province")
            .annotate(public_note=Subquery(steps.exclude(text="").values("text")[:1]),
                      last_step=Subquery(steps.values("at")[:1])))


def request_list(commune: Commune, *, numbers: list[int] | None = None,
                 codes: list[str] | None = None, statuses: list[str] | None = None,
                 start: dt.datetime, end: dt.datetime) -> list[Report]:
    """GET requests: the listed numbers (which override every other filter), else those
    sent between ``start`` and ``end`` of the given services and statuses; newest first,
    at most LIMIT."""
    found = requests_for_public(commune)
    if numbers is not None:
        found = found.filter(number__in=numbers)
    else:
        found = found.filter(created_at__gte=start, created_at__lte=end)
        if codes:
            found = found.filter(category__code__in=codes)
        if statuses:
            condition = Q(pk__in=[])
            for value in statuses:
                condition |= _states_for(value)
            found = found.filter(condition)
    return list(found.order_by("-created_at", "-pk")[:LIMIT])


def request_one(commune: Commune, number: str) -> Report:
    found = (requests_for_public(commune).filter(number=int(number)).first()
             if number.isdigit() and len(number) < 10 else None)
    if found is None:
        raise NotFound(_("Không tìm thấy phản ánh số “%(id)s”.") % {"id": number[:20]})
    return found


def request_by_token(commune: Commune, token: str) -> Report:
    try:
        value = uuid.UUID(token) if len(token) <= 40 else None
    except ValueError:
        value = None
    found = (selectors.public_reports(commune).filter(client_token=value).first()
             if value is not None else None)
    if found is None:
        raise NotFound(_("Không tìm thấy mã token “%(token)s”.") % {"token": token[:40]})
    return found


def first_photos(reports: list[Report]) -> dict[int, uuid.UUID]:
    """Each report's first public photo (its cleaned copy's public id); one query for the
    whole page."""
    found: dict[int, uuid.UUID] = {}
    rows = (ReportMedia.objects.filter(report_id__in=[r.pk for r in reports],
                                       kind=MediaKind.PHOTO, status=MediaStatus.READY,
                                       hidden=False, file__isnull=False)
            .order_by("report_id", "position", "pk").values_list("report_id",
                                                                 "file__public_id"))
    for report_id, public_id in rows:
        found.setdefault(report_id, public_id)
    return found


def answer_proofs(updates: list[ReportUpdate]) -> dict[int, uuid.UUID]:
    """For each published answer (a "resolve" step), the first proof sent with it, as the
    report's page shows it: a proof is public once an answer at or after it is published."""
    answers = [u for u in updates if u.action == "resolve"]
    if not answers:
        return {}
    proofs: dict[int, list[tuple[dt.datetime, uuid.UUID]]] = {}
    rows = (ReportMedia.objects.filter(report_id__in={u.report_id for u in answers},
                                       kind=MediaKind.PROOF, status=MediaStatus.READY,
                                       hidden=False, file__isnull=False)
            .order_by("report_id", "position", "pk")
            .values_list("report_id", "created_at", "file__public_id"))
    for report_id, created_at, public_id in rows:
        proofs.setdefault(report_id, []).append((created_at, public_id))
    found: dict[int, uuid.UUID] = {}
    for update in answers:
        sent = [p for at, p in proofs.get(update.report_id, []) if at <= update.at]
        if sent:
            found[update.pk] = sent[0]
    return found


def updates_for_public(commune: Commune, *, start: dt.datetime,
                       end: dt.datetime) -> list[ReportUpdate]:
    """servicerequestupdates: public steps of public reports in the period, oldest first."""
    return list(ReportUpdate.objects
                .filter(report__in=selectors.public_reports(commune).values("pk"),
                        at__gte=start, at__lte=end)
                .select_related("report__commune").order_by("at", "pk")[:LIMIT])
