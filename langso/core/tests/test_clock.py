"""The working clock: weekends, Tết and other holidays, the government's swaps, office hours,
the 15:00 rule, working hours, pause/resume and the properties every deadline relies on.

Dates are checked against the calendar announced for 2025–2026 and the statutory days that
``holidays`` computes for 2027 (Tết Đinh Mùi falls on Saturday 06/02/2027).
"""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from langso.core.clock import (
    MAX_WORKING_DAYS,
    TZ,
    Countdown,
    WorkingClock,
    display,
    statutory_holidays,
)
from langso.core.errors import Conflict, DomainError
from langso.core.models import CalendarOverride, OfficeHours


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, s, tzinfo=TZ)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


@pytest.fixture
def clock(commune) -> WorkingClock:
    return WorkingClock.for_commune(commune)


def national(date: str, kind: str, reason: str = "x") -> CalendarOverride:
    return CalendarOverride(date=dt.date.fromisoformat(date), kind=kind, reason=reason)


# The seeded national swaps, for the database-free clock the property tests use.
SEEDED = [national("2025-04-26", "working_day"), national("2026-01-02", "day_off"),
          national("2026-01-10", "working_day"), national("2026-08-22", "working_day")]
PURE = WorkingClock(None, hours=OfficeHours.default(), overrides=SEEDED)


# -- weekends ------------------------------------------------------------------------------

def test_saturday_and_sunday_are_days_off_and_weekdays_are_working_days(clock):
    assert [clock.is_working_day(dt.date(2026, 10, d)) for d in range(5, 12)] == [
        True, True, True, True, True, False, False]


def test_three_working_days_from_a_friday_skip_the_weekend(clock):
    deadline = clock.add_working_days(at(2026, 10, 9, 10), 3)
    assert deadline == at(2026, 10, 14, 17)


def test_next_working_day_of_a_friday_is_monday(clock):
    assert clock.next_working_day(dt.date(2026, 10, 9)) == dt.date(2026, 10, 12)


def test_working_days_between_counts_only_working_days(clock):
    assert clock.working_days_between(dt.date(2026, 10, 9), dt.date(2026, 10, 16)) == 5
    assert clock.working_days_between(dt.date(2026, 10, 16), dt.date(2026, 10, 9)) == 0


# -- holidays from the `holidays` package --------------------------------------------------

def test_tet_2027_days_off_follow_the_lunar_calendar(clock):
    assert statutory_holidays(2027)[dt.date(2027, 2, 6)] == "Tết Nguyên Đán"
    off = [d for d in range(3, 12) if not clock.is_working_day(dt.date(2027, 2, d))]
    # Tết falls on a Saturday: the days on the weekend move to Thursday 4 and Wednesday 10.
    assert off == [4, 5, 6, 7, 8, 9, 10]


def test_dossier_received_the_working_day_before_tet_2027_lands_after_the_holiday(clock):
    received = at(2027, 2, 3, 10)
    deadline = clock.add_working_days(clock.counting_start(received), 3)
    assert deadline == at(2027, 2, 15, 17)
    assert display(deadline) == "15/02/2027 17:00"


def test_hung_kings_day_on_a_sunday_gives_monday_off(clock):
    assert clock.day(dt.date(2026, 4, 26)).name == "Ngày Giỗ Tổ Hùng Vương"
    assert not clock.is_working_day(dt.date(2026, 4, 27))
    assert clock.add_working_days(at(2026, 4, 24, 10), 1) == at(2026, 4, 28, 17)


def test_hung_kings_day_2027_is_a_friday_off(clock):
    assert not clock.is_working_day(dt.date(2027, 4, 16))
    assert clock.add_working_days(at(2027, 4, 15, 9), 1) == at(2027, 4, 19, 17)


def test_vietnam_culture_day_is_a_day_off_from_2026(clock):
    assert not clock.is_working_day(dt.date(2026, 11, 24))
    assert clock.add_working_days(at(2026, 11, 20, 10), 3) == at(2026, 11, 26, 17)


def test_national_day_2025_takes_monday_and_tuesday(clock):
    assert [clock.is_working_day(dt.date(2025, 9, d)) for d in (1, 2, 3)] == [False, False, True]


# -- the government's swaps (seeded national overrides) ------------------------------------

def test_swapped_saturday_is_a_working_day_and_the_friday_a_day_off(clock):
    assert not clock.is_working_day(dt.date(2026, 1, 2))
    assert clock.is_working_day(dt.date(2026, 1, 10))
    assert clock.day(dt.date(2026, 1, 10)).source == "national"
    # Received the day before New Year: Thu 1 (holiday), Fri 2 (swapped), weekend → Tue 6.
    assert clock.add_working_days(at(2025, 12, 31, 14), 2) == at(2026, 1, 6, 17)
    # Received on Friday 9 with one day: due on the Saturday that is worked.
    assert clock.add_working_days(at(2026, 1, 9, 10), 1) == at(2026, 1, 10, 17)


@pytest.mark.parametrize("day", ["2025-04-26", "2026-08-22"])
def test_other_seeded_saturdays_are_worked(clock, day):
    assert clock.is_working_day(dt.date.fromisoformat(day))


def test_seeded_swaps_never_repeat_what_the_holidays_package_already_says(db):
    bare = WorkingClock(None, hours=OfficeHours.default(), overrides=[])
    for row in CalendarOverride.objects.filter(commune__isnull=True):
        assert bare.is_working_day(row.date) == (row.kind == "day_off"), row


def test_a_commune_row_beats_the_national_row(clock, commune, other_commune):
    CalendarOverride.objects.create(commune=commune, date=dt.date(2026, 8, 22),
                                    kind="day_off", reason="Lễ hội làng")
    assert not WorkingClock(commune).is_working_day(dt.date(2026, 8, 22))
    assert WorkingClock(other_commune).is_working_day(dt.date(2026, 8, 22))


def test_a_commune_day_off_only_applies_to_that_commune(commune, other_commune):
    CalendarOverride.objects.create(commune=commune, date=dt.date(2026, 6, 15),
                                    kind="day_off", reason="Lễ hội truyền thống")
    assert not WorkingClock(commune).is_working_day(dt.date(2026, 6, 15))
    assert WorkingClock(other_commune).is_working_day(dt.date(2026, 6, 15))
    assert WorkingClock(None).is_working_day(dt.date(2026, 6, 15))


def test_a_year_is_loaded_in_one_query_not_one_per_day(commune, django_assert_num_queries):
    clock = WorkingClock(commune, hours=OfficeHours.default(commune))
    with django_assert_num_queries(1):
        working = sum(clock.is_working_day(d.date) for d in clock.days(2026))
        clock.add_working_days(at(2026, 3, 2, 9), 40)
    with django_assert_num_queries(0):
        assert working == sum(d.working for d in clock.days(2026))
    # 365 days − 104 weekend days − 14 weekdays off (1–2/1, 16–20/2, 27/4, 30/4, 1/5,
    # 31/8, 1–2/9, 24/11) + 2 Saturdays worked (10/1, 22/8).
    assert working == 365 - 104 - 14 + 2


def test_office_hours_are_loaded_once(commune, django_assert_num_queries):
    OfficeHours.objects.create(commune=commune, afternoon_end=dt.time(16, 30))
    clock = WorkingClock(commune)
    with django_assert_num_queries(2):
        assert clock.add_working_days(at(2026, 10, 12, 9), 2) == at(2026, 10, 14, 16, 30)
        clock.add_working_days(at(2026, 10, 12, 9), 3)


# -- office hours and the 15:00 rule -------------------------------------------------------

def test_dossier_received_at_1459_counts_the_same_day(clock):
    received = at(2026, 11, 16, 14, 59)
    assert clock.counting_start(received) == received
    assert clock.add_working_days(clock.counting_start(received), 0) == at(2026, 11, 16, 17)


def test_dossier_received_at_1501_counts_from_the_next_working_day(clock):
    start = clock.counting_start(at(2026, 11, 16, 15, 1))
    assert start == at(2026, 11, 17, 7, 30)
    assert clock.add_working_days(start, 0) == at(2026, 11, 17, 17)


def test_received_at_exactly_1500_is_not_after_the_cutoff(clock):
    assert clock.counting_start(at(2026, 11, 16, 15)) == at(2026, 11, 16, 15)
    assert clock.counting_start(at(2026, 11, 16, 15, 0, 1)) == at(2026, 11, 17, 7, 30)


def test_received_after_15_on_a_friday_counts_from_monday(clock):
    assert clock.counting_start(at(2026, 10, 9, 16)) == at(2026, 10, 12, 7, 30)


def test_received_on_sunday_counts_from_monday_opening(clock):
    start = clock.counting_start(at(2026, 11, 15, 10))
    assert start == at(2026, 11, 16, 7, 30)
    assert clock.add_working_days(start, 3) == at(2026, 11, 19, 17)


def test_received_on_a_holiday_counts_from_the_next_working_day(clock):
    assert clock.counting_start(at(2026, 11, 24, 9)) == at(2026, 11, 25, 7, 30)


def test_received_online_before_opening_counts_from_opening(clock):
    assert clock.counting_start(at(2026, 11, 16, 6, 5)) == at(2026, 11, 16, 7, 30)


def test_received_in_utc_is_judged_in_vietnam_time(clock):
    # 08:01 UTC is 15:01 in Hà Nội.
    received = dt.datetime(2026, 11, 16, 8, 1, tzinfo=dt.UTC)
    assert clock.counting_start(received) == at(2026, 11, 17, 7, 30)


def test_a_commune_can_set_its_own_hours_and_cutoff(commune):
    OfficeHours.objects.create(commune=commune, morning_start=dt.time(8), cutoff=dt.time(16),
                               afternoon_start=dt.time(13), afternoon_end=dt.time(17, 30))
    clock = WorkingClock(commune)
    assert clock.counting_start(at(2026, 11, 16, 15, 30)) == at(2026, 11, 16, 15, 30)
    assert clock.counting_start(at(2026, 11, 16, 16, 1)) == at(2026, 11, 17, 8)
    assert clock.add_working_days(at(2026, 11, 16, 9), 1) == at(2026, 11, 17, 17, 30)


def test_saturday_morning_service_opens_the_desk_but_does_not_count(commune, other_commune):
    OfficeHours.objects.create(commune=commune, saturday_morning=True)
    served, plain = WorkingClock(commune), WorkingClock(other_commune)
    saturday = at(2026, 11, 21, 9)
    assert served.is_open(saturday) and not plain.is_open(saturday)
    assert not served.is_open(at(2026, 11, 21, 14))
    assert served.counting_start(saturday) == at(2026, 11, 23, 7, 30)
    # Friday 16:00 + 2 working hours: 1 hour on Friday, 1 on Monday (Saturday skipped).
    assert served.add_working_hours(at(2026, 11, 20, 16), 2) == at(2026, 11, 23, 8, 30)
    assert not served.is_open(at(2027, 5, 1, 9))  # a statutory holiday on a Saturday


def test_is_open_follows_the_sessions(clock):
    assert clock.is_open(at(2026, 11, 16, 7, 30))
    assert not clock.is_open(at(2026, 11, 16, 12))
    assert not clock.is_open(at(2026, 11, 16, 17))
    assert clock.is_open(at(2026, 1, 10, 9))  # the swapped Saturday


# -- working hours -------------------------------------------------------------------------

def test_working_hours_skip_lunch(clock):
    assert clock.add_working_hours(at(2026, 11, 16, 10), 4) == at(2026, 11, 16, 16)


def test_working_hours_skip_the_weekend(clock):
    assert clock.add_working_hours(at(2026, 11, 20, 16), 3) == at(2026, 11, 23, 9, 30)


def test_working_hours_skip_a_holiday(clock):
    assert clock.add_working_hours(at(2026, 11, 23, 16), 2) == at(2026, 11, 25, 8, 30)


def test_working_hours_that_end_at_closing_time_end_at_closing_time(clock):
    assert clock.add_working_hours(at(2026, 11, 16, 13, 30), 3.5) == at(2026, 11, 16, 17)


def test_working_hours_started_at_night_begin_at_the_next_opening(clock):
    assert clock.add_working_hours(at(2026, 11, 16, 22), 0.5) == at(2026, 11, 17, 8)
    assert clock.add_working_hours(at(2026, 11, 16, 12), 1) == at(2026, 11, 16, 14, 30)


def test_eight_working_hours_is_more_than_one_office_day(clock):
    # 7.5 hours a day by default: 8 hours from Monday's opening end Tuesday at 08:00.
    assert clock.add_working_hours(at(2026, 11, 16, 7, 30), 8) == at(2026, 11, 17, 8)


def test_working_time_between_counts_only_sessions(clock):
    assert clock.working_time_between(at(2026, 11, 20, 16), at(2026, 11, 23, 9, 30)) == hours(3)
    assert clock.working_time_between(at(2026, 11, 23, 9, 30), at(2026, 11, 20, 16)) == hours(-3)


# -- working time from dates summed once ---------------------------------------------------

def walked(clock: WorkingClock, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
    """Working time as it was counted before the clock summed dates: a walk over every date
    from ``start`` to ``end``, adding each office session's overlap."""
    a, b = start.astimezone(TZ), end.astimezone(TZ)
    if b < a:
        return -walked(clock, b, a)
    total, d = dt.timedelta(0), a.date()
    while d <= b.date():
        if clock.is_working_day(d):
            for opens, closes in clock.hours.sessions:
                overlap = (min(dt.datetime.combine(d, closes, tzinfo=TZ), b)
                           - max(dt.datetime.combine(d, opens, tzinfo=TZ), a))
                total += max(overlap, dt.timedelta(0))
        d += dt.timedelta(days=1)
    return total


def test_one_clock_asked_about_a_page_of_deadlines_counts_as_a_walk_per_row(commune):
    # Given a commune's own day off, Tết 2027 (04–10/02) and 2/9 in the span
    CalendarOverride.objects.create(commune=commune, date=dt.date(2027, 1, 27),
                                    kind=CalendarOverride.Kind.DAY_OFF, reason="Lễ hội")
    clock = WorkingClock.for_commune(commune)
    now = at(2027, 2, 12, 10, 15)
    # received after 15:00 two days before Tết: counted from the next working day
    after_cutoff = Countdown.start(clock, at(2027, 2, 2, 15, 1), days=3).deadline
    assert after_cutoff == at(2027, 2, 15, 17)
    deadlines = [after_cutoff, at(2027, 2, 12, 16), at(2027, 1, 5, 17), at(2027, 3, 1, 7),
                 at(2026, 8, 28, 12), at(2027, 2, 6, 9), at(2027, 2, 12, 10, 15),
                 at(2026, 12, 31, 23, 59), at(2027, 2, 11, 7, 30), at(2027, 2, 12, 11, 30),
                 at(2027, 2, 12, 12, 30), at(2027, 1, 27, 10), at(2027, 9, 3, 17)]
    # When one clock answers for all of them, in an order that grows its sums both ways,
    answers = [clock.remaining(deadline, now) for deadline in deadlines]
    # Then each answer is the day-by-day walk of a clock that never summed anything
    fresh = WorkingClock.for_commune(commune)
    assert answers == [walked(fresh, now, deadline) for deadline in deadlines]
    assert answers[0] == hours(1.25 + 3.5 + 7.5)  # 12/02 10:15 to the close of 15/02
    assert answers[11] == walked(fresh, now, at(2027, 1, 26, 17))  # the day off counts 0
    assert clock.working_time_between(deadlines[3], deadlines[4]) == -walked(
        fresh, deadlines[4], deadlines[3])


moments = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                       timezones=st.just(TZ)).map(lambda d: d.replace(second=0, microsecond=0))


@settings(deadline=None)
@given(pairs=st.lists(st.tuples(moments, moments), min_size=1, max_size=12))
def test_working_time_between_is_a_walk_over_the_days_whatever_was_asked_before(pairs):
    clock = WorkingClock(None, hours=OfficeHours.default(), overrides=SEEDED)
    for start, end in pairs:
        assert clock.working_time_between(start, end) == walked(PURE, start, end)


def test_working_time_outside_the_calendar_years_is_refused():
    with pytest.raises(DomainError):
        PURE.working_time_between(at(2026, 11, 16, 10), at(2101, 1, 2, 10))
    with pytest.raises(DomainError):
        PURE.working_time_between(at(1999, 12, 30, 10), at(2026, 11, 16, 10))


# -- remaining and late --------------------------------------------------------------------

def test_remaining_is_working_time_until_the_deadline(clock):
    deadline = at(2026, 11, 19, 17)
    assert clock.remaining(deadline, at(2026, 11, 18, 9)) == hours(13.5)
    assert clock.remaining(deadline, deadline) == dt.timedelta(0)
    assert not clock.is_late(deadline, deadline)


def test_past_the_deadline_remaining_is_negative_and_late(clock):
    deadline = at(2026, 11, 19, 17)
    now = at(2026, 11, 20, 8)
    assert clock.remaining(deadline, now) == -dt.timedelta(minutes=30)
    assert clock.is_late(deadline, now)


def test_the_evening_after_the_deadline_is_late_with_no_working_time_overdue(clock):
    deadline = at(2026, 11, 19, 17)
    assert clock.is_late(deadline, at(2026, 11, 19, 18))
    assert clock.remaining(deadline, at(2026, 11, 19, 18)) == dt.timedelta(0)


# -- pause and resume ----------------------------------------------------------------------

def test_pause_while_the_citizen_supplements_and_resume_with_the_time_left(clock):
    countdown = Countdown.start(clock, at(2026, 11, 16, 10), days=3)
    assert countdown.deadline == at(2026, 11, 19, 17)
    paused = countdown.pause(clock, at(2026, 11, 17, 10))
    assert paused.is_paused and paused.remaining_at_pause == hours(20)
    # Paused for two weeks: never late while paused, the time left does not run.
    assert not paused.is_late(clock, at(2026, 11, 27, 10))
    assert paused.remaining(clock, at(2026, 11, 27, 10)) == hours(20)
    resumed = paused.resume(clock, at(2026, 11, 30, 9))
    assert not resumed.is_paused
    assert resumed.deadline == at(2026, 12, 2, 16)
    assert resumed.remaining(clock, at(2026, 11, 30, 9)) == hours(20)


def test_resuming_at_once_gives_back_the_same_deadline(clock):
    countdown = Countdown.start(clock, at(2026, 11, 16, 10), days=3)
    moment = at(2026, 11, 18, 14, 15)
    assert countdown.pause(clock, moment).resume(clock, moment).deadline == countdown.deadline


def test_a_countdown_paused_when_already_late_stays_late(clock):
    countdown = Countdown.start(clock, at(2026, 11, 16, 10), days=1)
    paused = countdown.pause(clock, at(2026, 11, 18, 9))
    assert paused.is_late(clock, at(2026, 11, 18, 9))
    resumed = paused.resume(clock, at(2026, 11, 25, 9))
    assert resumed.deadline == countdown.deadline
    assert resumed.is_late(clock, at(2026, 11, 25, 9))


def test_a_countdown_in_hours(clock):
    countdown = Countdown.start(clock, at(2026, 11, 16, 15, 30), hours=8)
    assert countdown.deadline == at(2026, 11, 18, 8)


def test_pausing_twice_or_resuming_a_running_countdown_is_refused(clock):
    countdown = Countdown.start(clock, at(2026, 11, 16, 10), days=3)
    paused = countdown.pause(clock, at(2026, 11, 17, 10))
    with pytest.raises(Conflict):
        paused.pause(clock, at(2026, 11, 17, 11))
    with pytest.raises(Conflict):
        countdown.resume(clock, at(2026, 11, 17, 11))
    with pytest.raises(DomainError):
        paused.resume(clock, at(2026, 11, 17, 9))


def test_a_countdown_needs_days_or_hours_not_both(clock):
    with pytest.raises(ValueError):
        Countdown.start(clock, at(2026, 11, 16, 10))
    with pytest.raises(ValueError):
        Countdown.start(clock, at(2026, 11, 16, 10), days=1, hours=1)


# -- bad input -----------------------------------------------------------------------------

@pytest.mark.parametrize("n", [-1, MAX_WORKING_DAYS + 1, 10**9, 1.5, "3", True, None])
def test_absurd_numbers_of_working_days_are_refused(n):
    with pytest.raises(DomainError) as error:
        PURE.add_working_days(at(2026, 11, 16, 10), n)
    assert "Số ngày làm việc" in error.value.message


@pytest.mark.parametrize("value", [-1, 10**9, float("nan"), float("inf"), "2", None])
def test_absurd_numbers_of_working_hours_are_refused(value):
    with pytest.raises(DomainError):
        PURE.add_working_hours(at(2026, 11, 16, 10), value)


def test_the_largest_allowed_count_finishes():
    deadline = PURE.add_working_days(at(2026, 11, 16, 10), MAX_WORKING_DAYS)
    assert deadline.year == 2030


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        PURE.counting_start(dt.datetime(2026, 11, 16, 10))


@pytest.mark.parametrize("when", [dt.date(1999, 12, 31), dt.date(2101, 1, 1)])
def test_years_outside_the_calendar_are_refused(when):
    with pytest.raises(DomainError):
        PURE.is_working_day(when)


def test_the_last_instant_of_year_9999_is_refused_not_crashed():
    with pytest.raises(DomainError):
        PURE.counting_start(dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC))


def test_counting_past_2100_stops_with_an_error():
    with pytest.raises(DomainError):
        PURE.add_working_days(at(2100, 6, 1), MAX_WORKING_DAYS)


# -- properties ----------------------------------------------------------------------------

starts = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 10, 1),
                      timezones=st.just(TZ)).map(lambda d: d.replace(second=0, microsecond=0))
counts = st.integers(min_value=0, max_value=60)


@settings(deadline=None)
@given(start=starts, n=counts)
def test_add_working_days_always_lands_on_the_close_of_a_working_day(start, n):
    deadline = PURE.add_working_days(start, n)
    assert PURE.is_working_day(deadline)
    assert deadline.timetz() == dt.time(17, tzinfo=TZ)
    assert deadline >= start


@settings(deadline=None)
@given(start=starts, n=counts)
def test_add_working_days_is_strictly_increasing_in_n(start, n):
    assert PURE.add_working_days(start, n) < PURE.add_working_days(start, n + 1)


@settings(deadline=None)
@given(start=starts, a=counts, b=counts)
def test_adding_working_days_in_two_steps_is_adding_them_at_once(start, a, b):
    in_two = PURE.add_working_days(PURE.add_working_days(start, a), b)
    assert in_two.date() == PURE.add_working_days(start, a + b).date()


@settings(deadline=None)
@given(start=starts, n=counts)
def test_working_days_between_inverts_add_working_days(start, n):
    assert PURE.working_days_between(start, PURE.add_working_days(start, n)) == n


@settings(deadline=None)
@given(received=starts)
def test_counting_starts_inside_a_working_day_and_never_before_receipt(received):
    start = PURE.counting_start(received)
    assert PURE.is_working_day(start) and start >= received
    assert dt.time(7, 30) <= start.time() <= dt.time(15)


@settings(deadline=None)
@given(start=starts, minutes=st.integers(min_value=0, max_value=60 * 200))
def test_add_working_hours_adds_exactly_that_much_working_time(start, minutes):
    amount = dt.timedelta(minutes=minutes)
    end = PURE.add_working_time(start, amount)
    assert PURE.working_time_between(start, end) == amount


@settings(deadline=None)
@given(received=starts, n=counts, pause=st.integers(min_value=0, max_value=60 * 24 * 30))
def test_pausing_and_resuming_at_once_never_moves_the_deadline(received, n, pause):
    countdown = Countdown.start(PURE, received, days=n)
    moment = received + dt.timedelta(minutes=pause)
    if moment <= countdown.deadline:
        assert countdown.pause(PURE, moment).resume(PURE, moment).deadline == countdown.deadline
