"""KPIs of field reports for a chosen period: share answered within the deadline, average
working time to acknowledge and to answer, reopen rate and average rating, by category,
department and month (docs/field-reports.md, "Handling, deadlines and KPIs").

The reports counted are those sent in the period (a cohort: each report once, under the
month it was sent). Counts come from one grouped aggregate query; working times need the
commune's clock, so one light query reads the timestamps of the acknowledged and answered
reports and the clock sums them in Python (it works each date's office time out once).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.clock import MAX_YEAR, MIN_YEAR, TZ, WorkingClock, local
from langso.core.errors import DomainError
from langso.core.models import Commune, Department
from langso.core.text import sort_key
from langso.reports.models import Category, Report
from langso.reports.workflow import State

# A period longer than this is a mistake or a denial of service, not a report.
MAX_DAYS = 3 * 366
ANSWERED = (State.RESOLVED, State.CLOSED)
HOUR = 3600


@dataclass(frozen=True)
class Period:
    """Local dates ``[first, end)`` in Vietnam's time."""

    first: dt.date
    end: dt.date

    @property
    def last(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.first, dt.time(0), tzinfo=TZ)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(0), tzinfo=TZ)

    @property
    def label(self) -> str:
        return _("Từ %(first)s đến %(last)s") % {"first": f"{self.first:%d/%m/%Y}",
                                                 "last": f"{self.last:%d/%m/%Y}"}


def period(first: dt.date, last: dt.date) -> Period:
    """From ``first`` to ``last``, both days included."""
    for name, day in (("first", first), ("last", last)):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            message = _("Năm phải từ %(min)d đến %(max)d.") % {"min": MIN_YEAR,
                                                                "max": MAX_YEAR}
            raise DomainError(message, field_errors={name: [message]})
    if last < first:
        message = _("Ngày kết thúc phải từ ngày bắt đầu trở đi.")
        raise DomainError(message, field_errors={"last": [message]})
    if (last - first).days >= MAX_DAYS:
        message = _("Khoảng thời gian tối đa %(n)d ngày.") % {"n": MAX_DAYS}
        raise DomainError(message, field_errors={"last": [message]})
    return Period(first, last + dt.timedelta(days=1))


def year_to_date(now: dt.datetime | None = None) -> Period:
    today = local(now or timezone.now()).date()
    return period(dt.date(today.year, 1, 1), today)


@dataclass
class Figures:
    """The KPI columns of one group (or the total)."""

    received: int = 0
    rejected: int = 0
    answered: int = 0  # resolved or closed: an answer with proof was published
    on_time: int = 0  # answered at or before the resolving deadline
    reopened: int = 0  # reopened at least once by the reporter
    answered_ever: int = 0  # answered now, or answered once and reopened since
    rated: int = 0
    rating_sum: int = 0
    acknowledged: int = 0  # timed: acknowledged in the first round (never reopened)
    acknowledge_seconds: float = 0.0
    resolved_timed: int = 0
    resolve_seconds: float = 0.0

    @property
    def on_time_percent(self) -> float | None:
        return round(100 * self.on_time / self.answered, 1) if self.answered else None

    @property
    def reopen_percent(self) -> float | None:
        return (round(100 * self.reopened / self.answered_ever, 1)
                if self.answered_ever else None)

    @property
    def average_rating(self) -> float | None:
        return round(self.rating_sum / self.rated, 2) if self.rated else None

    @property
    def acknowledge_hours(self) -> float | None:
        """Average working hours from sending to acknowledgement (triage)."""
        return (round(self.acknowledge_seconds / self.acknowledged / HOUR, 2)
                if self.acknowledged else None)

    @property
    def resolve_hours(self) -> float | None:
        """Average working hours from sending to the published answer."""
        return (round(self.resolve_seconds / self.resolved_timed / HOUR, 2)
                if self.resolved_timed else None)

    def add(self, other: "Figures") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Row:
    key: Any
    label: str
    figures: Figures = field(default_factory=Figures)


@dataclass
class Statistics:
    commune: Commune
    period: Period
    as_of: dt.datetime
    total: Figures
    by_category: list[Row]
    by_department: list[Row]
    by_month: list[Row]


Cell = tuple[dt.date, int, int | None]  # (month, category, department)


def _month(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date().replace(day=1)


def _counts(reports: QuerySet[Report]) -> QuerySet[Any]:
    answered = Q(status__in=ANSWERED)
    return (reports.annotate(month=TruncMonth("created_at", tzinfo=TZ)).order_by()
            .values("month", "category_id", "department_id")
            .annotate(received=Count("pk"),
                      rejected=Count("pk", filter=Q(status=State.REJECTED)),
                      answered=Count("pk", filter=answered),
                      on_time=Count("pk", filter=answered & Q(resolved_at__lte=F("due_at"))),
                      reopened=Count("pk", filter=Q(reopen_count__gt=0)),
                      answered_ever=Count("pk", filter=answered | Q(reopen_count__gt=0)),
                      rated=Count("rating"), rating_sum=Sum("rating")))


def _timings(reports: QuerySet[Report]) -> QuerySet[Any]:
    return (reports.filter(Q(acknowledged_at__isnull=False, reopen_count=0)
                           | Q(status__in=ANSWERED, resolved_at__isnull=False))
            .order_by().values_list("created_at", "category_id", "department_id",
                                    "acknowledged_at", "resolved_at", "status",
                                    "reopen_count"))


def report_statistics(*, commune: Commune, period: Period,
                      now: dt.datetime | None = None) -> Statistics:
    """The KPIs of ``commune`` for reports sent in ``period``. The caller checks
    ``report.statistics``."""
    as_of = now or timezone.now()
    reports = Report.objects.filter(commune=commune, created_at__gte=period.start_at,
                                    created_at__lt=period.end_at)
    cells: dict[Cell, Figures] = defaultdict(Figures)
    for row in _counts(reports):
        cells[(_month(row["month"]), row["category_id"], row["department_id"])].add(Figures(
            received=row["received"], rejected=row["rejected"], answered=row["answered"],
            on_time=row["on_time"], reopened=row["reopened"],
            answered_ever=row["answered_ever"], rated=row["rated"],
            rating_sum=row["rating_sum"] or 0))
    clock = WorkingClock.for_commune(commune)
    for (created, category_id, department_id, acknowledged, resolved, status,
         reopens) in _timings(reports):
        cell = cells[(_month(created), category_id, department_id)]
        if acknowledged is not None and reopens == 0:
            cell.acknowledged += 1
            cell.acknowledge_seconds += clock.working_time_between(
                created, acknowledged).total_seconds()
        if status in ANSWERED and resolved is not None:
            cell.resolved_timed += 1
            cell.resolve_seconds += clock.working_time_between(created,
                                                               resolved).total_seconds()
    return _rolled_up(commune, period, as_of, cells)


def _rolled_up(commune: Commune, period: Period, as_of: dt.datetime,
               cells: dict[Cell, Figures]) -> Statistics:
    categories = Category.objects.only("name").in_bulk({c for _m, c, _d in cells})
    departments = Department.objects.only("name").in_bulk(
        {d for _m, _c, d in cells if d is not None})
    total = Figures()
    by_category: dict[Any, Row] = {}
    by_department: dict[Any, Row] = {}
    by_month: dict[Any, Row] = {}
    for (month, category_id, department_id), figures in cells.items():
        total.add(figures)
        category = categories.get(category_id)
        department = departments.get(department_id) if department_id is not None else None
        for rows, key, label in (
                (by_category, category_id, category.name if category else str(category_id)),
                (by_department, department_id,
                 department.name if department else _("Chưa giao bộ phận")),
                (by_month, month, _("Tháng %(m)02d/%(y)d") % {"m": month.month,
                                                              "y": month.year})):
            if key not in rows:
                rows[key] = Row(key=key, label=label)
            rows[key].figures.add(figures)
    return Statistics(
        commune=commune, period=period, as_of=as_of, total=total,
        by_category=sorted(by_category.values(), key=lambda r: sort_key(r.label)),
        by_department=sorted(by_department.values(),
                             key=lambda r: (r.key is None, sort_key(r.label))),
        by_month=sorted(by_month.values(), key=lambda r: r.key))


def statistics_communes(user: Any) -> QuerySet[Commune]:
    """Communes whose KPIs ``user`` may read (a province administrator: every commune of
    the province)."""
    return (access.communes_for(user, "report.statistics").select_related("province")
            .order_by("name", "pk"))
