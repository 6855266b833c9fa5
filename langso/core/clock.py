"""The working-time clock: every deadline in Làng Số is counted here, in working time.

A working day is Monday to Friday, minus the statutory holidays (``holidays`` VN, Bộ luật
Lao động 2019 Art. 112; Tết follows the lunar calendar), with the government's yearly
swaps and a commune's own days applied on top (``CalendarOverride``: a commune row beats a
national row, which beats the statutory calendar). Working time is the office sessions of
working days (``OfficeHours``). Time limits of administrative procedures are counted in
working days and a dossier received after 15:00 counts from the next working day
(NĐ 118/2025/NĐ-CP on the one-stop shop). See docs/clock.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from django.db.models import Q
from django.utils.translation import gettext as _

from langso.core.errors import Conflict, DomainError
from langso.core.models import CalendarOverride, Commune, OfficeHours

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MIN_YEAR, MAX_YEAR = 2000, 2100
# Far above any statutory time limit (the longest are a few months) and low enough that a
# hostile input cannot keep a worker looping.
MAX_WORKING_DAYS = 1000
MAX_WORKING_HOURS = 8000
ONE_DAY = dt.timedelta(days=1)
ZERO = dt.timedelta(0)
# An office session of one date: its start and end, in Vietnam's time.
Session = tuple[dt.datetime, dt.datetime]


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """Vietnam's public holidays of one year with their Vietnamese names (pure, cached)."""
    return MappingProxyType(dict(holidays.VN(years=year, language="vi")))


def local(value: dt.datetime) -> dt.datetime:
    """The same instant in Vietnam's time zone; naive datetimes are a programming error."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("The working clock needs aware datetimes.")
    try:
        return value.astimezone(TZ)
    except OverflowError as exc:  # 31/12/9999 23:00 UTC is already year 10000 in Vietnam
        raise DomainError(_("Lịch làm việc chỉ tính cho các năm từ %(min)s đến %(max)s.")
                          % {"min": MIN_YEAR, "max": MAX_YEAR}, code="invalid") from exc


def display(value: dt.datetime) -> str:
    """dd/mm/yyyy HH:MM in Vietnam's time, as every screen and slip shows a deadline."""
    return local(value).strftime("%d/%m/%Y %H:%M")


def _date_of(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return local(value).date()
    return value


def check_working_days(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n <= MAX_WORKING_DAYS:
        raise DomainError(_("Số ngày làm việc phải là số nguyên từ 0 đến %(max)s.")
                          % {"max": MAX_WORKING_DAYS}, code="invalid",
                          field_errors={"days": [_("Số ngày không hợp lệ.")]})
    return n


def check_working_hours(hours: Any) -> dt.timedelta:
    if isinstance(hours, dt.timedelta):
        value = hours.total_seconds() / 3600
    elif isinstance(hours, int | float | Decimal) and not isinstance(hours, bool):
        value = float(hours)
    else:
        value = math.nan
    if not math.isfinite(value) or not 0 <= value <= MAX_WORKING_HOURS:
        raise DomainError(_("Số giờ làm việc phải từ 0 đến %(max)s.")
                          % {"max": MAX_WORKING_HOURS}, code="invalid",
                          field_errors={"hours": [_("Số giờ không hợp lệ.")]})
    return hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=value)


@dataclass(frozen=True)
class Day:
    """What the clock knows about one date (for the calendar screen and the API)."""

    date: dt.date
    working: bool
    # "normal", "weekend", "statutory", "national" or "commune": what decided it.
    source: str
    name: str = ""
    override: CalendarOverride | None = None


class WorkingClock:
    """Working time of one commune (or, without one, of the national calendar).

    Loads the overrides of a year in one query the first time that year is needed and the
    office hours once, and works out each date's sessions once; a clock is cheap, make one
    per request or task (it does not see calendar changes made after it read them).
    """

    def __init__(self, commune: Commune | None = None, *, hours: OfficeHours | None = None,
                 overrides: Iterable[CalendarOverride] | None = None) -> None:
        self.commune = commune
        self._hours = hours
        self._given = None if overrides is None else list(overrides)
        self._years: dict[int, dict[dt.date, CalendarOverride]] = {}
        self._sessions: dict[dt.date, tuple[Session, ...]] = {}
        # Working time from the start of the first date in ``_before`` to the start of each
        # date, for a run of consecutive dates grown as questions need it (``_elapsed``).
        self._before: dict[dt.date, dt.timedelta] = {}
        self._first = self._last = dt.date.min

    @classmethod
    def for_commune(cls, commune: Commune | None) -> WorkingClock:
        return cls(commune)

    # -- data ----------------------------------------------------------------------------

    @property
    def hours(self) -> OfficeHours:
        if self._hours is None:
            found = None
            if self.commune is not None:
                found = OfficeHours.objects.filter(commune=self.commune).first()
            self._hours = found or OfficeHours.default(self.commune)
        return self._hours

    @staticmethod
    def check_year(year: int) -> int:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise DomainError(_("Lịch làm việc chỉ tính cho các năm từ %(min)s đến %(max)s.")
                              % {"min": MIN_YEAR, "max": MAX_YEAR}, code="invalid")
        return year

    def _belongs(self, override: CalendarOverride) -> bool:
        return override.commune_id is None or (
            self.commune is not None and override.commune_id == self.commune.pk)

    def overrides(self, year: int) -> dict[dt.date, CalendarOverride]:
        """The override in force on each date of ``year`` (a commune row beats a national one)."""
        self.check_year(year)
        if year not in self._years:
            if self._given is not None:
                rows = [o for o in self._given if o.date.year == year and self._belongs(o)]
            else:
                scope = Q(commune__isnull=True)
                if self.commune is not None:
                    scope |= Q(commune=self.commune)
                rows = list(CalendarOverride.objects.filter(
                    scope, date__range=(dt.date(year, 1, 1), dt.date(year, 12, 31))))
            effective: dict[dt.date, CalendarOverride] = {}
            for row in sorted(rows, key=lambda o: o.commune_id is not None):
                effective[row.date] = row
            self._years[year] = effective
        return self._years[year]

    # -- days ----------------------------------------------------------------------------

    def day(self, value: dt.date | dt.datetime) -> Day:
        d = _date_of(value)
        override = self.overrides(d.year).get(d)
        if override is not None:
            return Day(d, override.kind == CalendarOverride.Kind.WORKING_DAY,
                       "national" if override.commune_id is None else "commune",
                       override.reason, override)
        name = statutory_holidays(d.year).get(d)
        if name is not None:
            return Day(d, False, "statutory", name)
        if d.weekday() >= 5:
            return Day(d, False, "weekend")
        return Day(d, True, "normal")

    def is_working_day(self, value: dt.date | dt.datetime) -> bool:
        return self.day(value).working

    def days(self, year: int) -> Iterator[Day]:
        d = dt.date(self.check_year(year), 1, 1)
        while d.year == year:
            yield self.day(d)
            d += ONE_DAY

    def next_working_day(self, value: dt.date | dt.datetime) -> dt.date:
        """The first working day strictly after ``value``'s date."""
        d = _date_of(value) + ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def sessions(self, value: dt.date) -> tuple[Session, ...]:
        """The office sessions of a date that count as working time (none on a day off)."""
        found = self._sessions.get(value)
        if found is None:
            found = () if not self.is_working_day(value) else tuple(
                (dt.datetime.combine(value, start, tzinfo=TZ),
                 dt.datetime.combine(value, end, tzinfo=TZ))
                for start, end in self.hours.sessions)
            self._sessions[value] = found
        return found

    def opening(self, value: dt.date) -> dt.datetime:
        return dt.datetime.combine(value, self.hours.morning_start, tzinfo=TZ)

    def closing(self, value: dt.date) -> dt.datetime:
        return dt.datetime.combine(value, self.hours.afternoon_end, tzinfo=TZ)

    def is_open(self, at: dt.datetime) -> bool:
        """Is the one-stop desk open at ``at``? Includes Saturday-morning service, which
        receives and returns dossiers but is not working time for any deadline."""
        moment = local(at)
        d = moment.date()
        sessions = self.sessions(d)
        if not sessions and self._saturday_service(d):
            morning = self.hours.sessions[0]
            sessions = ((dt.datetime.combine(d, morning[0], tzinfo=TZ),
                         dt.datetime.combine(d, morning[1], tzinfo=TZ)),)
        return any(start <= moment < end for start, end in sessions)

    def _saturday_service(self, d: dt.date) -> bool:
        info = self.day(d)
        return bool(self.hours.saturday_morning and d.weekday() == 5 and info.source == "weekend")

    # -- counting ------------------------------------------------------------------------

    def counting_start(self, received_at: dt.datetime) -> dt.datetime:
        """When the time limit of a dossier received at ``received_at`` starts running.

        NĐ 118/2025/NĐ-CP: a dossier received after 15:00 (the commune's cut-off) is handled
        from the next working day; so is one received on a day off, a Saturday-morning
        service included. One received before the office opens counts from the opening.
        """
        moment = local(received_at)
        d = moment.date()
        if self.is_working_day(d) and moment.time() <= self.hours.cutoff:
            return max(moment, self.opening(d))
        return self.opening(self.next_working_day(d))

    def _day_zero(self, start: dt.date | dt.datetime) -> dt.date:
        """The working day a count of working days starts from: ``start``'s own day when it
        is a working day not yet closed, else the next working day."""
        d = _date_of(start)
        if self.is_working_day(d) and (not isinstance(start, dt.datetime)
                                       or local(start) <= self.closing(d)):
            return d
        return self.next_working_day(d)

    def add_working_days(self, start: dt.date | dt.datetime, n: int) -> dt.datetime:
        """The deadline ``n`` working days after ``start``: the close of that office day.

        The first day is not counted (Bộ luật Dân sự 2015 Art. 147), so a dossier received on
        Monday with 3 working days is due at the close of Thursday; with 0 it is due at the
        close of the day it is counted from (same-day procedures). Pass the result of
        ``counting_start`` to apply the 15:00 rule.
        """
        n = check_working_days(n)
        d = self._day_zero(start)
        for _i in range(n):
            d = self.next_working_day(d)
        return self.closing(d)

    def working_days_between(self, start: dt.date | dt.datetime,
                             end: dt.date | dt.datetime) -> int:
        """How many working days after ``start``'s day zero, up to and including ``end``'s
        date (0 when ``end`` is not later): the inverse of ``add_working_days``."""
        d = self._day_zero(start)
        last = _date_of(end)
        self.check_year(last.year)
        count = 0
        while d < last:
            d += ONE_DAY
            if self.is_working_day(d):
                count += 1
        return count

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The moment when ``amount`` of office time has passed after ``start``; time outside
        the sessions (nights, lunch, days off) does not count."""
        remaining = check_working_hours(amount)
        cursor = local(start)
        if remaining == ZERO:
            return cursor
        d = cursor.date()
        while True:
            for begin, end in self.sessions(d):
                if cursor >= end:
                    continue
                begin = max(begin, cursor)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
                cursor = end
            d += ONE_DAY
            cursor = dt.datetime.combine(d, dt.time(0), tzinfo=TZ)

    def add_working_hours(self, start: dt.datetime, hours: float | int | Decimal) -> dt.datetime:
        return self.add_working_time(start, check_working_hours(hours))

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Office time from ``start`` to ``end``; negative when ``end`` comes first.

        Two lookups in the working time before each date, summed once per clock: a page of
        dossiers each late by weeks does not walk the same weeks again for every row.
        """
        a, b = local(start), local(end)
        self.check_year(a.year)
        self.check_year(b.year)
        return self._elapsed(b) - self._elapsed(a)

    def _elapsed(self, moment: dt.datetime) -> dt.timedelta:
        """Office time from the start of the first date this clock summed up to ``moment``
        (a local time); negative before that date."""
        d = moment.date()
        total = self._before_date(d)
        for begin, end in self.sessions(d):
            if moment >= end:
                total += end - begin
            elif moment > begin:
                total += moment - begin
        return total

    def _before_date(self, d: dt.date) -> dt.timedelta:
        """Office time from the start of the first date summed to the start of ``d``,
        extending the run of summed dates to ``d`` first."""
        if not self._before:
            self._before[d] = ZERO
            self._first = self._last = d
        while self._last < d:
            self._before[self._last + ONE_DAY] = (self._before[self._last]
                                                  + self._office_time(self._last))
            self._last += ONE_DAY
        while d < self._first:
            self._first -= ONE_DAY
            self._before[self._first] = (self._before[self._first + ONE_DAY]
                                         - self._office_time(self._first))
        return self._before[d]

    def _office_time(self, d: dt.date) -> dt.timedelta:
        return sum((end - begin for begin, end in self.sessions(d)), ZERO)

    def remaining(self, deadline: dt.datetime, now: dt.datetime) -> dt.timedelta:
        """Working time left until ``deadline``; negative (working time overdue) when late."""
        return self.working_time_between(now, deadline)

    def is_late(self, deadline: dt.datetime, now: dt.datetime) -> bool:
        return local(now) > local(deadline)


@dataclass(frozen=True)
class Countdown:
    """A deadline that stops while the citizen supplements a dossier.

    Paused, it keeps the working time that was left; resumed, the deadline moves to that
    much working time after the moment of resumption. A dossier paused when already late
    stays late: resuming does not move its deadline.
    """

    deadline: dt.datetime
    paused_at: dt.datetime | None = None
    remaining_at_pause: dt.timedelta | None = None

    @classmethod
    def start(cls, clock: WorkingClock, received_at: dt.datetime, *, days: int | None = None,
              hours: float | int | Decimal | None = None) -> Countdown:
        if (days is None) == (hours is None):
            raise ValueError("Give exactly one of days or hours.")
        begin = clock.counting_start(received_at)
        if days is not None:
            return cls(deadline=clock.add_working_days(begin, days))
        return cls(deadline=clock.add_working_hours(begin, hours))  # type: ignore[arg-type]

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def pause(self, clock: WorkingClock, at: dt.datetime) -> Countdown:
        if self.is_paused:
            raise Conflict(_("Thời hạn đang tạm dừng."))
        return replace(self, paused_at=local(at),
                       remaining_at_pause=clock.remaining(self.deadline, at))

    def resume(self, clock: WorkingClock, at: dt.datetime) -> Countdown:
        if self.paused_at is None or self.remaining_at_pause is None:
            raise Conflict(_("Thời hạn không ở trạng thái tạm dừng."))
        if local(at) < self.paused_at:
            raise DomainError(_("Thời điểm tiếp tục không được trước thời điểm tạm dừng."))
        if self.paused_at > local(self.deadline):
            return Countdown(deadline=self.deadline)
        return Countdown(deadline=clock.add_working_time(at, self.remaining_at_pause))

    def remaining(self, clock: WorkingClock, now: dt.datetime) -> dt.timedelta:
        if self.remaining_at_pause is not None:
            return self.remaining_at_pause
        return clock.remaining(self.deadline, now)

    def is_late(self, clock: WorkingClock, now: dt.datetime) -> bool:
        if self.paused_at is not None:
            return self.paused_at > local(self.deadline)
        return clock.is_late(self.deadline, now)
