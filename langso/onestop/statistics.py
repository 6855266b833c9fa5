"""The monthly (quarterly, yearly) report on dossiers the province asks every commune for.

Counted by one grouped aggregate query over dossiers and one over payments, whatever the
number of dossiers; rows are rolled up in Python per field (lĩnh vực), procedure and
officer. Definitions of every figure: docs/one-stop.md, "Statistics".
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core.clock import MAX_YEAR, MIN_YEAR, TZ, local
from langso.core.errors import DomainError
from langso.core.models import Commune, User
from langso.core.text import sort_key
from langso.onestop.models import Channel, Dossier, Payment, Procedure
from langso.onestop.workflow import State

# A custom period longer than this is a mistake or a denial of service, not a report.
MAX_CUSTOM_DAYS = 3 * 366
ROMAN_QUARTERS = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodKind:
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"
    CHOICES = ((MONTH, gettext_lazy("Tháng")), (QUARTER, gettext_lazy("Quý")),
               (YEAR, gettext_lazy("Năm")), (CUSTOM, gettext_lazy("Khoảng thời gian")))


@dataclass(frozen=True)
class Period:
    """Local dates ``[first, end)`` in Vietnam's time: a report month runs from 00:00 on
    its first day to 00:00 on the first day of the next month."""

    kind: str
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
        if self.kind == PeriodKind.MONTH:
            return _("Tháng %(month)02d/%(year)d") % {"month": self.first.month,
                                                      "year": self.first.year}
        if self.kind == PeriodKind.QUARTER:
            return _("Quý %(quarter)s/%(year)d") % {
                "quarter": ROMAN_QUARTERS[(self.first.month - 1) // 3 + 1],
                "year": self.first.year}
        if self.kind == PeriodKind.YEAR:
            return _("Năm %(year)d") % {"year": self.first.year}
        return _("Từ %(first)s đến %(last)s") % {"first": f"{self.first:%d/%m/%Y}",
                                                 "last": f"{self.last:%d/%m/%Y}"}


def _check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(_("Năm phải từ %(min)d đến %(max)d.") % {"min": MIN_YEAR,
                                                                   "max": MAX_YEAR},
                          field_errors={"year": [_("Năm không hợp lệ.")]})
    return year


def month_period(year: int, month: int) -> Period:
    _check_year(year)
    if not 1 <= month <= 12:
        raise DomainError(_("Tháng phải từ 1 đến 12."),
                          field_errors={"month": [_("Tháng không hợp lệ.")]})
    end = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return Period(PeriodKind.MONTH, dt.date(year, month, 1), end)


def quarter_period(year: int, quarter: int) -> Period:
    _check_year(year)
    if not 1 <= quarter <= 4:
        raise DomainError(_("Quý phải từ 1 đến 4."),
                          field_errors={"quarter": [_("Quý không hợp lệ.")]})
    first = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + 1, 1, 1) if quarter == 4 else dt.date(year, 3 * quarter + 1, 1)
    return Period(PeriodKind.QUARTER, first, end)


def year_period(year: int) -> Period:
    _check_year(year)
    return Period(PeriodKind.YEAR, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def custom_period(first: dt.date, last: dt.date) -> Period:
    """From ``first`` to ``last``, both days included."""
    _check_year(first.year)
    _check_year(last.year)
    if last < first:
        raise DomainError(_("Ngày kết thúc phải từ ngày bắt đầu trở đi."),
                          field_errors={"last": [_("Không hợp lệ.")]})
    if (last - first).days >= MAX_CUSTOM_DAYS:
        raise DomainError(_("Khoảng thời gian tối đa %(n)d ngày.") % {"n": MAX_CUSTOM_DAYS},
                          field_errors={"last": [_("Quá dài.")]})
    return Period(PeriodKind.CUSTOM, first, last + dt.timedelta(days=1))


def previous_month(now: dt.datetime | None = None) -> Period:
    """The month a monthly report is usually about: the one before today's."""
    today = local(now or timezone.now()).date()
    first = today.replace(day=1) - dt.timedelta(days=1)
    return month_period(first.year, first.month)


def current_month(now: dt.datetime | None = None) -> Period:
    today = local(now or timezone.now()).date()
    return month_period(today.year, today.month)


@dataclass
class Figures:
    """The report's columns for one group (or the total)."""

    carried_over: int = 0
    received_online: int = 0
    received_direct: int = 0
    resolved_early: int = 0
    resolved_on_time: int = 0
    resolved_late: int = 0
    in_progress_on_time: int = 0
    in_progress_overdue: int = 0
    withdrawn: int = 0
    refused: int = 0
    stopped: int = 0
    payments: int = 0
    fees_paid: int = 0

    @property
    def received(self) -> int:
        return self.received_online + self.received_direct

    @property
    def handled(self) -> int:
        """Tổng số hồ sơ nhận giải quyết: carried over plus received."""
        return self.carried_over + self.received

    @property
    def resolved(self) -> int:
        return self.resolved_early + self.resolved_on_time + self.resolved_late

    @property
    def in_progress(self) -> int:
        return self.in_progress_on_time + self.in_progress_overdue

    @property
    def closed_otherwise(self) -> int:
        return self.withdrawn + self.refused + self.stopped

    @property
    def resolved_in_time_percent(self) -> float | None:
        """Share of results given early or on time, the province's headline figure."""
        if not self.resolved:
            return None
        return round(100 * (self.resolved_early + self.resolved_on_time) / self.resolved, 1)

    def add(self, other: "Figures") -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Row:
    """One line of a grouping: ``key`` is the sector name, procedure id or officer id
    (``None`` for dossiers nobody was assigned)."""

    key: Any
    label: str
    code: str = ""
    figures: Figures = field(default_factory=Figures)


@dataclass
class Statistics:
    commune: Commune
    period: Period
    as_of: dt.datetime
    total: Figures
    by_field: list[Row]
    by_procedure: list[Row]
    by_officer: list[Row]


# -- the queries ------------------------------------------------------------------------------

def _not_ended_before(moment: dt.datetime) -> Q:
    """Still with the office at ``moment``: no result yet and not closed otherwise.

    A result (``resolved_at``, set at signing) ends the office's work even if the citizen
    collects it later; refused, stopped and withdrawn dossiers end at ``closed_at``."""
    return (Q(resolved_at__gte=moment)
            | Q(resolved_at__isnull=True, closed_at__isnull=True)
            | Q(resolved_at__isnull=True, closed_at__gte=moment))


def _overdue_at(moment: dt.datetime) -> Q:
    """Past its due date at ``moment``. A dossier waiting for the citizen's supplement since
    before ``moment`` has a stopped clock: it is overdue only if it was paused when already
    late (``core.clock.Countdown.is_late``)."""
    paused = Q(paused_at__isnull=False, paused_at__lte=moment)
    running = Q(paused_at__isnull=True) | Q(paused_at__gt=moment)
    return ((paused & Q(paused_at__gt=F("due_at")))
            | (running & Q(due_at__isnull=False, due_at__lt=moment)))


def _closed(status: str, start: dt.datetime, end: dt.datetime) -> Q:
    return Q(resolved_at__isnull=True, closed_at__gte=start, closed_at__lt=end, status=status)


def _dossier_rows(commune: Commune, start: dt.datetime, end: dt.datetime,
                  as_of: dt.datetime) -> QuerySet[Any]:
    """One row per (procedure, assignee) with every count, in one aggregate query."""
    resolved = Q(resolved_at__gte=start, resolved_at__lt=end)
    received = Q(received_at__gte=start, received_at__lt=end)
    in_progress = Q(received_at__lt=end) & _not_ended_before(end)
    counts = {
        "carried_over": Q(received_at__lt=start) & _not_ended_before(start),
        "received_online": received & Q(channel=Channel.ONLINE),
        "received_direct": received & ~Q(channel=Channel.ONLINE),
        "resolved": resolved,
        "resolved_late": resolved & Q(resolved_at__gt=F("due_at")),
        # "Trước hạn": the result came on an earlier day than the day it was due.
        "resolved_early": resolved & Q(resolved_day__lt=F("due_day")),
        "in_progress": in_progress,
        "in_progress_overdue": in_progress & _overdue_at(min(end, as_of)),
        "withdrawn": _closed(State.WITHDRAWN, start, end),
        "refused": _closed(State.REFUSED, start, end),
        "stopped": _closed(State.STOPPED, start, end),
    }
    # A superset of the dossiers that count anywhere, shaped for the indexes of
    # ``Dossier.Meta`` (one per branch of the OR): received in the period, or with a result
    # or a closure since its start, or not closed at all.
    relevant = (Dossier.objects
                .filter(commune=commune, received_at__isnull=False, received_at__lt=end)
                .filter(Q(received_at__gte=start) | Q(resolved_at__gte=start)
                        | Q(closed_at__gte=start) | Q(closed_at__isnull=True)))
    return (relevant
            .alias(resolved_day=TruncDate("resolved_at", tzinfo=TZ),
                   due_day=TruncDate("due_at", tzinfo=TZ))
            .order_by()
            .values("procedure_id", "assignee_id")
            .annotate(**{name: Count("pk", filter=q) for name, q in counts.items()}))


def _payment_rows(commune: Commune, start: dt.datetime, end: dt.datetime) -> QuerySet[Any]:
    return (Payment.objects
            .filter(dossier__commune=commune, confirmed_at__gte=start, confirmed_at__lt=end)
            .order_by()
            .values(procedure_id=F("dossier__procedure_id"),
                    assignee_id=F("dossier__assignee_id"))
            .annotate(payments=Count("pk"), fees_paid=Sum("amount")))


def _figures(row: dict[str, Any]) -> Figures:
    resolved = row["resolved"]
    in_progress = row["in_progress"]
    return Figures(
        carried_over=row["carried_over"], received_online=row["received_online"],
        received_direct=row["received_direct"], resolved_early=row["resolved_early"],
        resolved_on_time=resolved - row["resolved_early"] - row["resolved_late"],
        resolved_late=row["resolved_late"],
        in_progress_on_time=in_progress - row["in_progress_overdue"],
        in_progress_overdue=row["in_progress_overdue"], withdrawn=row["withdrawn"],
        refused=row["refused"], stopped=row["stopped"])


def _sum_into(rows: dict[Any, Row], key: Any, figures: Figures, label: str,
              code: str = "") -> None:
    if key not in rows:
        rows[key] = Row(key=key, label=label, code=code)
    rows[key].figures.add(figures)


def dossier_statistics(*, commune: Commune, period: Period,
                       now: dt.datetime | None = None) -> Statistics:
    """The report of ``commune`` for ``period``. The caller checks ``onestop.statistics``.

    Dossiers still open are judged overdue at the end of the period, or now when the period
    has not ended yet."""
    as_of = now or timezone.now()
    start, end = period.start_at, period.end_at
    cells: dict[tuple[int, int | None], Figures] = defaultdict(Figures)
    for row in _dossier_rows(commune, start, end, as_of):
        cells[(row["procedure_id"], row["assignee_id"])].add(_figures(row))
    for row in _payment_rows(commune, start, end):
        cell = cells[(row["procedure_id"], row["assignee_id"])]
        cell.payments += row["payments"]
        cell.fees_paid += row["fees_paid"] or 0

    procedures = Procedure.objects.in_bulk({p for p, _a in cells})
    officer_ids = {a for _p, a in cells if a is not None}
    officers = User.objects.only("full_name", "username").in_bulk(officer_ids)
    total = Figures()
    by_field: dict[Any, Row] = {}
    by_procedure: dict[Any, Row] = {}
    by_officer: dict[Any, Row] = {}
    for (procedure_id, assignee_id), figures in cells.items():
        procedure = procedures[procedure_id]
        total.add(figures)
        _sum_into(by_field, procedure.sector, figures, procedure.sector)
        _sum_into(by_procedure, procedure_id, figures, procedure.name, procedure.code)
        officer = officers.get(assignee_id) if assignee_id is not None else None
        _sum_into(by_officer, assignee_id, figures,
                  str(officer) if officer is not None else _("Chưa phân công"))
    return Statistics(
        commune=commune, period=period, as_of=as_of, total=total,
        by_field=sorted(by_field.values(), key=lambda r: sort_key(r.label)),
        by_procedure=sorted(by_procedure.values(),
                            key=lambda r: (sort_key(procedures[r.key].sector), r.code)),
        by_officer=sorted(by_officer.values(),
                          key=lambda r: (r.key is None, sort_key(r.label))))


def statistics_communes(user: Any) -> QuerySet[Commune]:
    """Communes whose report ``user`` may read (a province administrator: every commune of
    the province)."""
    from langso.core import access

    return (access.communes_for(user, "onestop.statistics").select_related("province")
            .order_by("name", "pk"))


def grouping_rows(statistics: Statistics) -> Iterable[tuple[str, list[Row]]]:
    return (("field", statistics.by_field), ("procedure", statistics.by_procedure),
            ("officer", statistics.by_officer))
