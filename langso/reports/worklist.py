"""Reads for the staff screens of field reports: the worklists (the chairman's triage queue,
answers waiting for approval, a department's reports, everything), one report with what
its screen shows, and the choices its forms offer.

The database filters, sorts and pages; the working time left is computed in Python for the
rows of the page shown only, with one clock per commune (``deadline_services.Deadlines``).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core import access
from langso.core.clock import display, local
from langso.core.models import Commune, Department, HistoryEvent, Membership, Role, User
from langso.core.selectors import history_for_object
from langso.reports.deadline_services import Deadlines, Standing, overdue_q
from langso.reports.models import Report, ReportMedia, ResponseTemplate
from langso.reports.selectors import may_see_identity, reports_for_staff
from langso.reports.workflow import (
    OPEN_STATES,
    TRANSITIONS,
    TRIAGE_STATES,
    TRIAGERS,
    WORKING_STATES,
    State,
)

PAGE_SIZE = 50
# Rows are counted exactly up to this many ("more than" beyond): a capped COUNT costs a
# millisecond where an exact one over a large commune's history costs far more.
COUNT_CAP = 1000
MAX_PAGE = 2000
EXCERPT = 140


class Queue:
    TRIAGE = "triage"
    APPROVAL = "approval"
    WORKING = "working"
    ALL = "all"
    LABELS = {TRIAGE: gettext_lazy("Cần tiếp nhận"), APPROVAL: gettext_lazy("Chờ duyệt trả lời"),
              WORKING: gettext_lazy("Đang xử lý"), ALL: gettext_lazy("Tất cả")}


# -- who sees what ---------------------------------------------------------------------------

def _moderated_commune_ids(user: Any) -> list[int]:
    return list(access.communes_for(user, "report.moderate").values_list("pk", flat=True))


def staff_reports(user: Any) -> QuerySet[Report]:
    """Reports the user may open on the staff screens: those they handle
    (``selectors.reports_for_staff``) and, for moderators, every report of their commune."""
    handled = reports_for_staff(user)
    moderated = _moderated_commune_ids(user)
    if not moderated:
        return handled
    return handled | Report.objects.filter(commune_id__in=moderated)


def may_use_worklist(user: Any) -> bool:
    return access.can(user, "report.view") or access.can(user, "report.moderate")


def is_triager(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        g.role in TRIAGERS for g in access.grants(user))


def queues_for(user: Any) -> list[str]:
    """The worklists a user has: leaders all four, a department's officers their reports
    and everything they may see, moderators everything."""
    if is_triager(user):
        return [Queue.TRIAGE, Queue.APPROVAL, Queue.WORKING, Queue.ALL]
    if access.can(user, "report.view"):
        return [Queue.WORKING, Queue.ALL]
    return [Queue.ALL]


def _queue_q(queue: str) -> Q:
    return {Queue.TRIAGE: Q(status__in=TRIAGE_STATES),
            Queue.APPROVAL: Q(status=State.ANSWER_DRAFTED),
            Queue.WORKING: Q(status__in=WORKING_STATES)}.get(queue, Q())


_ORDER: dict[str, tuple[Any, ...]] = {
    Queue.TRIAGE: (F("acknowledge_due_at").asc(nulls_last=True), "created_at", "pk"),
    Queue.APPROVAL: (F("answered_at").asc(nulls_last=True), "pk"),
    Queue.WORKING: (F("due_at").asc(nulls_last=True), "created_at", "pk"),
    Queue.ALL: ("-created_at", "-pk"),
}


def worklist_queryset(*, user: Any, queue: str, status: str = "",
                      category_id: int | None = None, village_id: int | None = None,
                      overdue: bool = False, mine: bool = False,
                      now: dt.datetime | None = None) -> QuerySet[Report]:
    now = now or timezone.now()
    if queue not in queues_for(user):
        queue = queues_for(user)[0]
    reports = staff_reports(user).filter(_queue_q(queue))
    if status:
        reports = reports.filter(status=status)
    if category_id:
        reports = reports.filter(category_id=category_id)
    if village_id:
        reports = reports.filter(village_id=village_id)
    if overdue:
        reports = reports.filter(overdue_q(now))
    if mine:
        reports = reports.filter(assignee_id=user.pk)
    return (reports.select_related("commune", "category", "village", "department", "assignee")
            .only("number", "status", "description", "address", "latitude", "longitude",
                  "created_at", "acknowledge_due_at", "due_at", "answered_at", "hidden",
                  "confidential", "severity", "commune__name", "commune__slug",
                  "category__name", "village__name", "village__kind", "department__name",
                  "assignee__full_name", "assignee__username")
            .order_by(*_ORDER[queue]))


def queue_counts(user: Any, queues: list[str], now: dt.datetime | None = None
                 ) -> dict[str, int]:
    """How many reports wait in each worklist, and how many are late: one query."""
    now = now or timezone.now()
    aggregates = {queue: Count("pk", filter=_queue_q(queue)) for queue in queues
                  if queue != Queue.ALL}
    aggregates["overdue"] = Count("pk", filter=overdue_q(now))
    # Every queue counted is of open reports: the answered past stays out of the scan.
    return (staff_reports(user).filter(status__in=OPEN_STATES).order_by()
            .aggregate(**aggregates))


@dataclass(frozen=True, slots=True)
class Row:
    """A report of a list with its deadline standing, its text worked out once in Python
    (a template reaching through relations and filters costs more than the query)."""

    report: Report
    standing: Standing
    url: str
    reference: str
    commune: str
    category: str
    excerpt: str
    place: str
    status_label: str
    created: str
    deadline: str
    deadline_iso: str
    handler: str
    hidden: bool
    confidential: bool


def place_of(report: Report) -> str:
    parts = []
    if report.village is not None:
        parts.append(str(report.village))
    if report.address:
        parts.append(report.address)
    if not parts and report.latitude is not None:
        parts.append(f"{report.latitude}, {report.longitude}")
    return ", ".join(parts) or "—"


def handler_of(report: Report) -> str:
    if report.assignee is not None:
        return report.assignee.full_name or report.assignee.username
    return report.department.name if report.department is not None else "—"


def rows_for(reports: list[Report], *, now: dt.datetime | None = None) -> list[Row]:
    deadlines = Deadlines(now)
    mark = 987654321
    pattern = reverse("reports:staff_report", args=[mark])
    rows = []
    for report in reports:
        standing = deadlines.standing(report)
        text = " ".join(report.description.split())
        rows.append(Row(
            report=report, standing=standing,
            url=pattern.replace(str(mark), str(report.pk)), reference=report.reference,
            commune=report.commune.name, category=report.category.name,
            excerpt=text if len(text) <= EXCERPT else text[:EXCERPT - 1] + "…",
            place=place_of(report), status_label=str(State(report.status).label),
            created=display(report.created_at),
            deadline=display(standing.deadline) if standing.deadline else "",
            deadline_iso=local(standing.deadline).isoformat() if standing.deadline else "",
            handler=handler_of(report), hidden=report.hidden,
            confidential=report.confidential))
    return rows


class CappedPaginator(Paginator):
    """Counts at most ``cap`` rows, or as many as the pages up to the one asked for and the
    next hold, so "next page" always works; ``more`` says the count stopped there."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, cap: int,
                 page_number: Any) -> None:
        super().__init__(object_list, per_page)
        self.rows = object_list
        try:
            wanted = min(max(int(page_number), 1), MAX_PAGE)
        except (TypeError, ValueError):
            wanted = 1
        self.counted = max(cap, (wanted + 1) * per_page)

    @cached_property
    def count(self) -> int:
        return self.rows.values("pk")[: self.counted + 1].count()

    @property
    def more(self) -> bool:
        return self.count > self.counted


def worklist_page(*, user: Any, queue: str, page: Any = 1, now: dt.datetime | None = None,
                  per_page: int = PAGE_SIZE, **filters: Any) -> tuple[Page[Any], list[Row]]:
    now = now or timezone.now()
    reports = worklist_queryset(user=user, queue=queue, now=now, **filters)
    current = CappedPaginator(reports, per_page, cap=COUNT_CAP, page_number=page).get_page(page)
    return current, rows_for(list(current.object_list), now=now)


# -- one report ------------------------------------------------------------------------------

@dataclass(frozen=True)
class StaffAccess:
    """What the user may do with one report on the staff screen."""

    handles: bool  # a leader of its commune, or its department's officer, or its assignee
    moderates: bool
    identity: bool  # may read the reporter's name and contact


def report_for_staff_screen(*, user: Any, pk: Any) -> tuple[Report, StaffAccess]:
    """A report the user may open as staff, with its relations; a 404 for anyone else."""
    try:
        report = (staff_reports(user)
                  .select_related("commune", "category", "village", "department", "assignee",
                                  "answered_by", "approved_by", "duplicate_of")
                  .get(pk=pk))
    except (Report.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    handles = reports_for_staff(user).filter(pk=report.pk).exists()
    return report, StaffAccess(
        handles=handles, moderates=access.can(user, "report.moderate", report.commune),
        identity=handles and may_see_identity(user, report))


def media_of(report: Report) -> list[ReportMedia]:
    """Every photo, video and proof, hidden or not (staff see what the public does not)."""
    return list(report.media.select_related("file", "poster").order_by("position", "pk"))


def response_templates(report: Report) -> list[ResponseTemplate]:
    return list(ResponseTemplate.objects.filter(category_id=report.category_id, is_active=True)
                .order_by("title"))


def report_by_number(commune: Commune | int, number: int) -> Report | None:
    commune_id = commune if isinstance(commune, int) else commune.pk
    return Report.objects.filter(commune_id=commune_id, number=number).first()


def assignment_choices(commune: Commune) -> tuple[QuerySet[Department], list[Membership]]:
    """The commune's departments and its department officers (with their department)."""
    departments = Department.objects.filter(commune=commune).order_by("name")
    officers = list(Membership.objects
                    .filter(commune=commune, role=Role.SPECIALIST, is_active=True,
                            user__is_active=True, department__isnull=False)
                    .select_related("user", "department")
                    .order_by("department__name", "user__full_name", "user__username"))
    return departments, officers


@dataclass(frozen=True)
class HistoryRow:
    """An event of the history as ``core/partials/_history.html`` shows it."""

    at: dt.datetime
    actor_label: str
    action: str
    from_state: str
    to_state: str
    reason: str


ACTION_LABELS = {
    "report.submit": gettext_lazy("Gửi phản ánh"),
    "report.moderate": gettext_lazy("Kiểm duyệt nội dung công khai"),
    "report.escalate": gettext_lazy("Báo quá hạn cho Chủ tịch"),
}


def _state_label(value: str) -> str:
    return str(State(value).label) if value in State.values else value


def _by_reporter(event: HistoryEvent, report: Report) -> bool:
    if event.actor_id is not None:
        return event.actor_id == report.reporter_id
    # Without an account the reporter acts through the secret link: no actor is recorded.
    return event.action in ("report.submit", "report.reopen") or (
        event.action == "report.close" and "rating" in (event.data or {}))


def history_rows(report: Report) -> list[HistoryRow]:
    """The report's history with readable actions and states. The reporter is named
    "Người phản ánh" whoever reads it: their identity has its own place on the screen."""
    rows = []
    for event in history_for_object(obj=report):
        transition = TRANSITIONS.get(event.action.removeprefix("report."))
        label = ACTION_LABELS.get(event.action) or (
            transition.label if transition is not None else event.action)
        rows.append(HistoryRow(
            at=event.at,
            actor_label=(_("Người phản ánh") if _by_reporter(event, report)
                         else event.actor_label),
            action=str(label), from_state=_state_label(event.from_state),
            to_state=_state_label(event.to_state), reason=event.reason))
    return rows


def officer_label(user: User) -> str:
    return user.full_name or user.username
