"""The province report: every figure for dossiers in every situation, and that they add up.

Dossiers are written directly with chosen timestamps: the report reads times, not history.
All times are Vietnam's local time (UTC+7).
"""

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest

from langso.core.clock import TZ
from langso.core.errors import DomainError
from langso.core.models import Commune, Role, User
from langso.onestop import statistics as st
from langso.onestop.models import Channel, Dossier, Payment, Procedure
from langso.onestop.workflow import State

NOVEMBER = st.month_period(2025, 11)
AFTER_NOVEMBER = dt.datetime(2025, 12, 5, 9, 0, tzinfo=TZ)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def make_dossier(commune: Commune, procedure: Procedure) -> Callable[..., Dossier]:
    numbers = itertools.count(1)

    def make(*, received: dt.datetime | None, due: dt.datetime | None = None,
             status: str = State.PROCESSING, channel: str = Channel.COUNTER,
             resolved: dt.datetime | None = None, closed: dt.datetime | None = None,
             paused: dt.datetime | None = None, assignee: User | None = None,
             procedure_: Procedure | None = None, commune_: Commune | None = None) -> Dossier:
        n = next(numbers)
        chosen = procedure_ or procedure
        return Dossier.objects.create(
            commune=commune_ or commune, procedure=chosen, version=chosen.versions.get(),
            code=f"TK-{n:06d}", lookup_code=f"S{n:05d}", channel=channel, status=status,
            applicant_name="Nguyễn Văn An", submitted_at=received or at(11, 1),
            received_at=received, due_at=due, original_due_at=due, resolved_at=resolved,
            closed_at=closed, paused_at=paused, assignee=assignee)

    return make


@pytest.fixture
def certification(make_procedure: Callable[..., Procedure]) -> Procedure:
    p = make_procedure(name="Chứng thực bản sao từ bản chính")
    Procedure.objects.filter(pk=p.pk).update(sector="Chứng thực")
    p.refresh_from_db()
    return p


@pytest.fixture
def staff(commune: Commune, make_staff: Callable[..., User]) -> dict[str, User]:
    a = make_staff(Role.SPECIALIST, commune)
    b = make_staff(Role.ONE_STOP_OFFICER, commune)
    User.objects.filter(pk=a.pk).update(full_name="Bùi Thị Hoa")
    User.objects.filter(pk=b.pk).update(full_name="Lê Văn Đức")
    a.refresh_from_db()
    b.refresh_from_db()
    return {"hoa": a, "duc": b}


@pytest.fixture
def november(make_dossier: Callable[..., Dossier], certification: Procedure,
             staff: dict[str, User], other_commune: Commune,
             make_procedure: Callable[..., Procedure]) -> dict[str, Dossier]:
    """A dossier in every situation the report distinguishes, named by what it should be."""
    hoa, duc = staff["hoa"], staff["duc"]
    d = make_dossier
    made = {
        # carried over from October
        "carried_resolved_early": d(received=at(10, 20), due=at(11, 5, 17), status=State.SIGNED,
                                    resolved=at(11, 3, 10), assignee=hoa),
        "carried_open_overdue": d(received=at(10, 25), due=at(11, 10, 17), assignee=hoa),
        "carried_stopped_after": d(received=at(10, 27), due=at(12, 20, 17),
                                   status=State.STOPPED, closed=at(12, 3), assignee=duc,
                                   procedure_=certification),
        # finished before November: nowhere in its report
        "resolved_before": d(received=at(10, 1), due=at(10, 10, 17), status=State.RETURNED,
                             resolved=at(10, 28), closed=at(11, 2), assignee=hoa),
        "refused_before": d(received=at(10, 2), due=at(10, 10, 17), status=State.REFUSED,
                            closed=at(10, 3)),
        # received in November
        "online_on_time": d(received=at(11, 3), due=at(11, 6, 17), channel=Channel.ONLINE,
                            status=State.RETURNED, resolved=at(11, 6, 10),
                            closed=at(11, 7), assignee=hoa),
        "counter_late": d(received=at(11, 3), due=at(11, 10, 17), status=State.RESULT_READY,
                          resolved=at(11, 12), assignee=duc),
        "late_same_day": d(received=at(11, 4), due=at(11, 6, 17), status=State.SIGNED,
                           resolved=at(11, 6, 17, 30), assignee=duc,
                           procedure_=certification),
        # 23:30 on the 5th is the day before the due day; 00:30 on the 6th is the due day
        # (but still the 5th in UTC, which must not count as early).
        "early_late_evening": d(received=at(11, 4), due=at(11, 6, 17), status=State.SIGNED,
                                resolved=at(11, 5, 23, 30), channel=Channel.ONLINE),
        "on_time_after_midnight": d(received=at(11, 4), due=at(11, 6, 17),
                                    status=State.SIGNED, resolved=at(11, 6, 0, 30),
                                    channel=Channel.ONLINE),
        "post_open_on_time": d(received=at(11, 27), due=at(12, 3, 17), channel=Channel.POST,
                               status=State.ASSIGNED, assignee=duc, procedure_=certification),
        "paused_in_time": d(received=at(11, 17), due=at(11, 25, 17), status=State.SUPPLEMENT,
                            paused=at(11, 20), channel=Channel.ONLINE, assignee=hoa),
        "paused_when_late": d(received=at(11, 17), due=at(11, 25, 17),
                              status=State.SUPPLEMENT, paused=at(11, 26), assignee=hoa),
        "paused_after_end": d(received=at(11, 18), due=at(11, 28, 17),
                              status=State.SUPPLEMENT, paused=at(12, 2), assignee=hoa),
        "withdrawn": d(received=at(11, 10), due=at(11, 13, 17), status=State.WITHDRAWN,
                       closed=at(11, 11), channel=Channel.ONLINE),
        "refused": d(received=at(11, 10), due=at(11, 13, 17), status=State.REFUSED,
                     closed=at(11, 10, 10), assignee=duc),
        "stopped": d(received=at(11, 12), due=at(11, 19, 17), status=State.STOPPED,
                     closed=at(11, 14), assignee=hoa, procedure_=certification),
        "resolved_after_end_overdue": d(received=at(11, 21), due=at(11, 28, 17),
                                        status=State.SIGNED, resolved=at(12, 2), assignee=hoa),
        # not in November's report
        "received_after": d(received=at(12, 2), due=at(12, 5, 17)),
        "never_received": d(received=None, status=State.SUBMITTED, channel=Channel.ONLINE),
        "other_commune": d(received=at(11, 3), due=at(11, 6, 17), commune_=other_commune,
                           procedure_=make_procedure()),
    }
    for dossier, amount, confirmed, receipt in (
            (made["online_on_time"], 50_000, at(11, 3, 10), "BL-1"),
            (made["counter_late"], 8_000, at(11, 30, 23, 59), "BL-2"),
            (made["counter_late"], 2_000, at(12, 1, 0, 0), "BL-3"),
            (made["carried_open_overdue"], 30_000, at(10, 31, 23, 59), "BL-4"),
            (made["other_commune"], 70_000, at(11, 5), "BL-5")):
        Payment.objects.create(dossier=dossier, amount=amount, method=Payment.Method.CASH,
                               confirmed_at=confirmed, receipt_number=receipt)
    return made


def as_dict(figures: st.Figures) -> dict[str, int]:
    names = ("carried_over", "received_online", "received_direct", "resolved_early",
             "resolved_on_time", "resolved_late", "in_progress_on_time", "in_progress_overdue",
             "withdrawn", "refused", "stopped", "payments", "fees_paid")
    return {n: getattr(figures, n) for n in names if getattr(figures, n)}


def test_every_figure_of_the_commune_total(commune, november):
    report = st.dossier_statistics(commune=commune, period=NOVEMBER, now=AFTER_NOVEMBER)

    assert as_dict(report.total) == {
        "carried_over": 3,            # carried_resolved_early, carried_open_overdue, stopped_after
        "received_online": 5,         # online_on_time, early/on-time pair, paused, withdrawn
        "received_direct": 8,
        "resolved_early": 2,          # carried_resolved_early, early_late_evening
        "resolved_on_time": 2,        # online_on_time, on_time_after_midnight
        "resolved_late": 2,           # counter_late, late_same_day
        "in_progress_on_time": 3,     # carried_stopped_after, post_open_on_time, paused_in_time
        "in_progress_overdue": 4,     # carried_open_overdue, paused_when_late, paused_after_end,
                                      # resolved_after_end_overdue
        "withdrawn": 1, "refused": 1, "stopped": 1,
        "payments": 2, "fees_paid": 58_000,
    }
    assert report.total.handled == 16 and report.total.resolved == 6
    assert report.total.resolved_in_time_percent == pytest.approx(66.7)


def test_figures_by_field_by_procedure_and_by_officer(commune, november, certification, staff,
                                                      procedure):
    report = st.dossier_statistics(commune=commune, period=NOVEMBER, now=AFTER_NOVEMBER)

    fields = {row.label: as_dict(row.figures) for row in report.by_field}
    assert list(fields) == ["Chứng thực", "Hộ tịch"]  # Vietnamese order
    assert fields["Chứng thực"] == {"carried_over": 1, "received_direct": 3,
                                    "resolved_late": 1, "in_progress_on_time": 2,
                                    "stopped": 1}
    assert fields["Hộ tịch"]["received_online"] == 5
    assert fields["Hộ tịch"]["fees_paid"] == 58_000
    procedures = {row.code: row for row in report.by_procedure}
    assert set(procedures) == {procedure.code, certification.code}
    assert procedures[certification.code].label == "Chứng thực bản sao từ bản chính"
    assert procedures[certification.code].figures == report.by_field[0].figures

    officers = {row.label: as_dict(row.figures) for row in report.by_officer}
    assert list(officers) == ["Bùi Thị Hoa", "Lê Văn Đức", "Chưa phân công"]
    assert officers["Bùi Thị Hoa"] == {
        "carried_over": 2, "received_online": 2, "received_direct": 4, "resolved_early": 1,
        "resolved_on_time": 1, "in_progress_on_time": 1, "in_progress_overdue": 4,
        "stopped": 1, "payments": 1, "fees_paid": 50_000}
    assert officers["Lê Văn Đức"] == {
        "carried_over": 1, "received_direct": 4, "resolved_late": 2, "in_progress_on_time": 2,
        "refused": 1, "payments": 1, "fees_paid": 8_000}
    assert officers["Chưa phân công"] == {
        "received_online": 3, "resolved_early": 1, "resolved_on_time": 1, "withdrawn": 1}
    assert report.by_officer[0].key == staff["hoa"].pk and report.by_officer[-1].key is None


def reconciles(figures: st.Figures) -> bool:
    return figures.handled == figures.resolved + figures.in_progress + figures.closed_otherwise


@pytest.mark.parametrize("period", [
    st.month_period(2025, 10), NOVEMBER, st.month_period(2025, 12), st.quarter_period(2025, 4),
    st.year_period(2025), st.custom_period(dt.date(2025, 11, 6), dt.date(2025, 11, 6)),
])
def test_totals_reconcile_for_every_row_and_period(commune, november, period):
    report = st.dossier_statistics(commune=commune, period=period, now=AFTER_NOVEMBER)

    assert report.total.handled > 0
    for _name, rows in st.grouping_rows(report):
        assert all(reconciles(row.figures) for row in rows)
        summed = st.Figures()
        for row in rows:
            summed.add(row.figures)
        assert summed == report.total
    assert reconciles(report.total)


def test_what_is_open_at_the_end_of_a_month_is_carried_into_the_next(commune, november):
    october = st.dossier_statistics(commune=commune, period=st.month_period(2025, 10),
                                    now=AFTER_NOVEMBER)
    nov = st.dossier_statistics(commune=commune, period=NOVEMBER, now=AFTER_NOVEMBER)
    december = st.dossier_statistics(commune=commune, period=st.month_period(2025, 12),
                                     now=AFTER_NOVEMBER)

    assert october.total.in_progress == nov.total.carried_over == 3
    assert nov.total.in_progress == december.total.carried_over == 7


def test_a_running_period_judges_open_dossiers_now_not_at_its_end(commune, make_dossier):
    make_dossier(received=at(11, 3), due=at(11, 20, 17))

    before_due = st.dossier_statistics(commune=commune, period=NOVEMBER, now=at(11, 14))
    after_due = st.dossier_statistics(commune=commune, period=NOVEMBER, now=at(11, 24))

    assert (before_due.total.in_progress_on_time, before_due.total.in_progress_overdue) == (1, 0)
    assert (after_due.total.in_progress_on_time, after_due.total.in_progress_overdue) == (0, 1)


def test_an_empty_commune_reports_zeros(commune, db):
    report = st.dossier_statistics(commune=commune, period=NOVEMBER, now=AFTER_NOVEMBER)
    assert report.total == st.Figures()
    assert report.by_field == report.by_procedure == report.by_officer == []
    assert report.total.resolved_in_time_percent is None


def test_cost_does_not_grow_with_the_number_of_dossiers(commune, make_dossier, staff,
                                                        django_assert_max_num_queries):
    for i in range(60):
        make_dossier(received=at(11, 1 + i % 28), due=at(11, 28, 17),
                     assignee=staff["hoa"] if i % 2 else staff["duc"],
                     resolved=at(11, 29) if i % 3 else None,
                     status=State.SIGNED if i % 3 else State.PROCESSING)
    # dossiers, payments, procedures, officers
    with django_assert_max_num_queries(4):
        report = st.dossier_statistics(commune=commune, period=NOVEMBER, now=AFTER_NOVEMBER)
    assert report.total.received == 60 and report.total.resolved_late == 40


# -- periods -------------------------------------------------------------------------------

def test_periods_run_from_local_midnight_to_local_midnight():
    assert NOVEMBER.start_at == dt.datetime(2025, 11, 1, tzinfo=TZ)
    assert NOVEMBER.end_at == dt.datetime(2025, 12, 1, tzinfo=TZ)
    assert NOVEMBER.start_at.astimezone(dt.UTC) == dt.datetime(2025, 10, 31, 17, tzinfo=dt.UTC)
    assert st.month_period(2025, 12).end == dt.date(2026, 1, 1)
    assert (st.quarter_period(2025, 4).first, st.quarter_period(2025, 4).end) == (
        dt.date(2025, 10, 1), dt.date(2026, 1, 1))
    assert st.quarter_period(2026, 1).end == dt.date(2026, 4, 1)
    assert st.year_period(2025).end == dt.date(2026, 1, 1)
    custom = st.custom_period(dt.date(2025, 11, 6), dt.date(2025, 11, 6))
    assert (custom.first, custom.last, custom.end) == (
        dt.date(2025, 11, 6), dt.date(2025, 11, 6), dt.date(2025, 11, 7))


def test_period_labels_are_vietnamese():
    assert NOVEMBER.label == "Tháng 11/2025"
    assert st.quarter_period(2025, 4).label == "Quý IV/2025"
    assert st.year_period(2025).label == "Năm 2025"
    assert st.custom_period(dt.date(2025, 11, 6), dt.date(2025, 11, 9)).label == (
        "Từ 06/11/2025 đến 09/11/2025")


def test_the_default_report_is_last_month_in_vietnams_time():
    # 17:30 UTC on 31 Dec is already 1 January in Vietnam.
    now = dt.datetime(2025, 12, 31, 17, 30, tzinfo=dt.UTC)
    assert st.previous_month(now) == st.month_period(2025, 12)
    assert st.current_month(now) == st.month_period(2026, 1)


@pytest.mark.parametrize("make", [
    lambda: st.month_period(2025, 13), lambda: st.month_period(2025, 0),
    lambda: st.month_period(1999, 5), lambda: st.quarter_period(2025, 5),
    lambda: st.year_period(2101),
    lambda: st.custom_period(dt.date(2025, 11, 9), dt.date(2025, 11, 8)),
    lambda: st.custom_period(dt.date(2020, 1, 1), dt.date(2025, 1, 1)),
])
def test_impossible_periods_are_refused_with_a_message(make: Any):
    with pytest.raises(DomainError) as error:
        make()
    assert error.value.message and error.value.field_errors
