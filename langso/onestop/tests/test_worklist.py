"""The officers' worklist and the leaders' overview: who sees what, order by time left,
urgency, filters, pages, and a number of queries that does not grow with the rows."""

import datetime as dt

import pytest
from django.urls import reverse

from langso.core.clock import TZ, WorkingClock
from langso.core.models import Department, Role
from langso.onestop import worklist
from langso.onestop.deadline_services import Deadlines, Urgency
from langso.onestop.models import OfficeSettings
from langso.onestop.tests.staff_factories import HOUR, MONDAY_9, make_dossier
from langso.onestop.workflow import State

pytestmark = pytest.mark.django_db

NOW = MONDAY_9  # Monday 23/11/2026 09:00; office closes 17:00


@pytest.fixture
def clock(commune):
    return WorkingClock.for_commune(commune)


@pytest.fixture
def spread(commune, procedure, clock, justice):
    """One dossier of each kind of urgency, created in a shuffled order."""
    due = {
        "on_time": clock.add_working_days(NOW, 4),
        "late": NOW - 2 * HOUR,
        "due_today": clock.closing(NOW.date()),
        "due_soon": clock.add_working_days(NOW, 1),
        "very_late": NOW - dt.timedelta(days=3),
    }
    made = {}
    for name in ("on_time", "late", "due_today", "due_soon", "very_late"):
        made[name] = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                                  due_at=due[name], department=justice)
    made["paused"] = make_dossier(commune=commune, procedure=procedure,
                                  state=State.SUPPLEMENT, due_at=NOW - dt.timedelta(days=5))
    made["waiting"] = make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED)
    made["signed"] = make_dossier(commune=commune, procedure=procedure, state=State.SIGNED,
                                  due_at=clock.add_working_days(NOW, 2))
    # Closed dossiers never show.
    make_dossier(commune=commune, procedure=procedure, state=State.RETURNED)
    make_dossier(commune=commune, procedure=procedure, state=State.REFUSED)
    return made


def _codes(rows):
    return [r.dossier.code for r in rows]


def test_the_most_urgent_come_first_and_paused_dossiers_last(officers, spread):
    page, rows = worklist.worklist_page(user=officers["one_stop"], now=NOW)
    assert _codes(rows) == [spread[k].code for k in (
        "very_late", "late", "due_today", "due_soon", "signed", "on_time", "waiting",
        "paused")]
    assert page.paginator.count == 8


def test_each_row_says_how_urgent_it_is_in_words_and_colour(officers, spread):
    _page, rows = worklist.worklist_page(user=officers["one_stop"], now=NOW)
    by_code = {r.dossier.code: r.standing for r in rows}
    expected = {"very_late": (Urgency.LATE, "late"), "late": (Urgency.LATE, "late"),
                "due_today": (Urgency.DUE_TODAY, "soon"), "due_soon": (Urgency.DUE_SOON, "soon"),
                "on_time": (Urgency.ON_TIME, "ok"), "paused": (Urgency.PAUSED, "neutral"),
                "waiting": (Urgency.WAITING, "neutral"),
                "signed": (Urgency.RESOLVED, "neutral")}
    for name, (urgency, tone) in expected.items():
        standing = by_code[spread[name].code]
        assert (standing.urgency, standing.tone) == (urgency, tone), name
    # Working time, not calendar time: from Monday 09:00 to the 17:00 close is 6 office
    # hours (lunch 11:30-13:30 does not count); a working day is 7.5 hours.
    assert by_code[spread["due_today"].code].time_text == "còn 6 giờ"
    assert by_code[spread["due_soon"].code].time_text == "còn 1 ngày 6 giờ"
    # 16 hours kept at the pause: two 7.5-hour days and one hour.
    assert by_code[spread["paused"].code].time_text == "còn 2 ngày 1 giờ khi tiếp tục"
    very_late = by_code[spread["very_late"].code]
    assert very_late.label == "Quá hạn" and very_late.time_text.startswith("quá hạn ")


def test_the_warning_lead_time_of_the_commune_decides_what_is_due_soon(commune, officers,
                                                                      spread):
    OfficeSettings.objects.create(commune=commune, organ_code="X", office_name="X",
                                  warn_days_before=5)
    _page, rows = worklist.worklist_page(user=officers["one_stop"], now=NOW)
    by_code = {r.dossier.code: r.standing.urgency for r in rows}
    assert by_code[spread["on_time"].code] == Urgency.DUE_SOON


def test_a_specialist_sees_only_their_departments_and_their_own(
        commune, procedure, officers, make_staff, justice):
    land = Department.objects.get(commune=commune, kind=Department.Kind.LAND)
    mine = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                        department=justice)
    handed = make_dossier(commune=commune, procedure=procedure, state=State.ASSIGNED,
                          department=land, assignee=officers["specialist"])
    make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING, department=land)
    make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED)
    _page, rows = worklist.worklist_page(user=officers["specialist"], now=NOW)
    assert set(_codes(rows)) == {mine.code, handed.code}


@pytest.mark.parametrize("role", [Role.COMMUNE_ADMIN, Role.VILLAGE_HEAD, Role.DIGITAL_TEAM])
def test_roles_without_dossier_access_see_nothing(role, commune, procedure, make_staff,
                                                  village, spread):
    user = make_staff(role, commune, village=village)
    page, rows = worklist.worklist_page(user=user, now=NOW)
    assert rows == [] and page.paginator.count == 0


def test_nobody_sees_another_communes_dossiers(other_commune, make_staff, spread, citizen):
    for user in (make_staff(Role.CHAIRMAN, other_commune),
                 make_staff(Role.ONE_STOP_OFFICER, other_commune), citizen):
        _page, rows = worklist.worklist_page(user=user, now=NOW)
        assert rows == []


def test_filters_by_status_procedure_and_mine(commune, make_procedure, officers, justice):
    birth = make_procedure()
    death = make_procedure(name="Đăng ký khai tử")
    a = make_dossier(commune=commune, procedure=birth, state=State.PROCESSING,
                     assignee=officers["one_stop"])
    b = make_dossier(commune=commune, procedure=death, state=State.PROCESSING,
                     department=justice)
    c = make_dossier(commune=commune, procedure=birth, state=State.RECEIVED)
    user = officers["one_stop"]

    def codes(**filters):
        return set(_codes(worklist.worklist_page(user=user, now=NOW, **filters)[1]))

    assert codes(status=State.PROCESSING) == {a.code, b.code}
    assert codes(procedure_id=birth.pk) == {a.code, c.code}
    assert codes(mine=True) == {a.code}
    assert codes(status=State.RECEIVED, procedure_id=death.pk) == set()


def test_pages_follow_the_same_order(commune, procedure, officers, clock):
    made = [make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                         due_at=clock.add_working_days(NOW, n % 7) - dt.timedelta(minutes=n))
            for n in range(7)]
    expected = [d.code for d in sorted(made, key=lambda d: d.due_at)]
    first, rows1 = worklist.worklist_page(user=officers["chairman"], now=NOW, per_page=3)
    _second, rows2 = worklist.worklist_page(user=officers["chairman"], now=NOW, per_page=3,
                                            page=2)
    third, rows3 = worklist.worklist_page(user=officers["chairman"], now=NOW, per_page=3,
                                          page="x")  # a bad page number is the first page
    assert _codes(rows1) + _codes(rows2) == expected[:6]
    assert first.paginator.num_pages == 3 and third.number == 1 and rows3 == rows1


def test_the_count_stops_at_the_cap_and_the_pages_still_go_on(
        commune, procedure, officers, clock, monkeypatch):
    """Beyond the cap the worklist says "more than" instead of counting every open dossier;
    the next page is always reachable and the total becomes exact once it is in reach."""
    monkeypatch.setattr(worklist, "WORKLIST_COUNT_CAP", 5)
    made = [make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                         due_at=clock.add_working_days(NOW, 1) + dt.timedelta(minutes=n))
            for n in range(7)]
    expected = [d.code for d in made]
    user = officers["chairman"]
    pages = [worklist.worklist_page(user=user, now=NOW, per_page=2, page=n)
             for n in (1, 2, 3, 4)]
    first = pages[0][0]
    assert first.paginator.more and first.paginator.counted == 5 and first.has_next()
    assert pages[1][0].paginator.more and pages[1][0].has_next()  # counts up to page 3
    assert not pages[2][0].paginator.more and pages[2][0].paginator.count == 7
    assert pages[3][0].number == 4 and not pages[3][0].has_next()
    assert [c for _page, rows in pages for c in _codes(rows)] == expected
    # A page past the end is the last one; a huge one does not count the whole table.
    last, _rows = worklist.worklist_page(user=user, now=NOW, per_page=2, page=10**9)
    assert last.number == 4 and last.paginator.count == 7


def _make_many(commune, procedure, clock, count, justice):
    for n in range(count):
        make_dossier(commune=commune, procedure=procedure,
                     state=(State.PROCESSING, State.SUPPLEMENT, State.ASSIGNED)[n % 3],
                     due_at=clock.add_working_days(NOW, n % 5) - dt.timedelta(hours=n % 9),
                     department=justice, assignee=None)


def test_the_worklist_costs_the_same_queries_for_3_or_40_rows(
        commune, procedure, officers, clock, justice, django_assert_num_queries):
    user = officers["one_stop"]
    _make_many(commune, procedure, clock, 3, justice)
    worklist.worklist_page(user=user, now=NOW)  # grants cached on the user
    # count, rows, office settings, office hours, calendar of the year
    with django_assert_num_queries(5):
        _page, rows = worklist.worklist_page(user=user, now=NOW)
        assert len(rows) == 3
    _make_many(commune, procedure, clock, 37, justice)
    with django_assert_num_queries(5):
        _page, rows = worklist.worklist_page(user=user, now=NOW)
        assert len(rows) == 40
        # Templates read these relations: they are already loaded.
        assert all(r.dossier.procedure.name and r.dossier.commune.name for r in rows)
        assert {r.dossier.department.name for r in rows} == {justice.name}


# -- the leaders' overview ---------------------------------------------------------------------

def test_the_overview_counts_per_officer_and_lists_who_is_late(
        commune, procedure, officers, justice, clock, make_staff, other_commune):
    specialist = officers["specialist"]
    for due in (NOW - HOUR, NOW - dt.timedelta(days=2), clock.add_working_days(NOW, 1),
                clock.add_working_days(NOW, 4)):
        make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                     department=justice, assignee=specialist, due_at=due)
    make_dossier(commune=commune, procedure=procedure, state=State.SUPPLEMENT,
                 department=justice, assignee=specialist)
    unassigned_late = make_dossier(commune=commune, procedure=procedure,
                                   state=State.RECEIVED, due_at=NOW - HOUR / 2)
    make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED)
    make_dossier(commune=commune, procedure=procedure, state=State.RETURNED)
    make_dossier(commune=other_commune, procedure=procedure, state=State.PROCESSING,
                 due_at=NOW - HOUR)

    [item] = worklist.overview_for(user=officers["vice_chairman"], now=NOW)

    assert item.commune == commune
    groups = {(g.department, g.assignee): g for g in item.groups}
    held = groups[(justice.name, specialist.full_name)]
    assert (held.late, held.due_soon, held.on_time, held.paused, held.total) == (2, 1, 1, 1, 5)
    desk = groups[("", "")]
    assert (desk.late, desk.waiting, desk.total) == (1, 1, 2)
    assert (item.totals.late, item.totals.total) == (3, 7)
    assert [r.dossier.assignee for r in item.late] == [specialist, specialist, None]
    assert item.late[2].dossier == unassigned_late


@pytest.mark.parametrize("role", [Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.CLERK,
                                  Role.COMMUNE_ADMIN])
def test_only_leaders_get_an_overview(role, commune, make_staff, spread):
    assert worklist.overview_for(user=make_staff(role, commune), now=NOW) == []


def test_the_overview_costs_the_same_queries_however_many_dossiers(
        commune, procedure, officers, clock, justice, django_assert_num_queries):
    user = officers["chairman"]
    _make_many(commune, procedure, clock, 4, justice)
    worklist.overview_for(user=user, now=NOW)
    # communes, office settings, office hours, calendar, counts, late list
    with django_assert_num_queries(6):
        worklist.overview_for(user=user, now=NOW)
    _make_many(commune, procedure, clock, 30, justice)
    with django_assert_num_queries(6):
        [item] = worklist.overview_for(user=user, now=NOW)
        assert item.totals.total == 34


def test_standing_of_a_dossier_without_due_date_is_waiting(commune, procedure):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED)
    assert Deadlines(NOW).standing(dossier).urgency == Urgency.WAITING


def test_time_left_is_the_clocks_working_time(commune, clock):
    deadlines = Deadlines(NOW)
    for hours in (-700, -30, -1, 0, 2, 9, 50, 400):
        deadline = NOW + dt.timedelta(hours=hours, minutes=17)
        assert deadlines.remaining(commune, deadline) == clock.remaining(deadline, NOW), hours


def test_a_page_judged_with_one_clock_stands_as_each_row_judged_alone(
        commune, procedure, officers, clock, justice, spread):
    # Given, besides one dossier of each urgency, dossiers late by weeks across 2/9 and due
    # across 24/11 (Ngày Văn hóa Việt Nam), one due in the lunch break and one at night
    for due in (dt.datetime(2026, 8, 28, 10, tzinfo=TZ), dt.datetime(2026, 9, 3, 15, tzinfo=TZ),
                dt.datetime(2026, 11, 25, 8, 30, tzinfo=TZ),
                dt.datetime(2026, 11, 23, 12, 15, tzinfo=TZ),
                dt.datetime(2026, 12, 2, 23, tzinfo=TZ)):
        make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                     due_at=due, department=justice)
    # When the page is judged with one clock for all its rows
    _page, rows = worklist.worklist_page(user=officers["one_stop"], now=NOW)
    # Then every row stands as a dossier judged on its own, by a clock of its own
    assert len(rows) == 13
    for row in rows:
        alone = Deadlines(NOW).standing(row.dossier)
        assert row.standing == alone, row.dossier.code
        if row.dossier.due_at and row.dossier.status != State.SUPPLEMENT \
                and row.standing.urgency != Urgency.RESOLVED:
            assert alone.time_left == WorkingClock.for_commune(commune).working_time_between(
                NOW, row.dossier.due_at)


def test_a_row_carries_the_text_its_line_shows(commune, procedure, officers, justice,
                                               make_staff):
    # Given dossiers held by a named officer, an officer without a name, a department only,
    # and nobody yet
    named, unnamed = officers["specialist"], make_staff(Role.SPECIALIST, commune)
    unnamed.full_name = ""
    unnamed.save(update_fields=["full_name"])
    due = dt.datetime(2026, 11, 25, 8, 30, tzinfo=TZ)
    held = {
        "named": make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                              due_at=due, department=justice, assignee=named),
        "unnamed": make_dossier(commune=commune, procedure=procedure, state=State.ASSIGNED,
                                due_at=due, department=justice, assignee=unnamed),
        "department": make_dossier(commune=commune, procedure=procedure,
                                   state=State.PROCESSING, due_at=due, department=justice),
        "nobody": make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED),
    }
    # When the worklist is read
    _page, rows = worklist.worklist_page(user=officers["one_stop"], now=NOW)
    by_code = {r.dossier.code: r for r in rows}
    # Then each row holds what the template shows, as the screens show it elsewhere
    assert {k: by_code[d.code].handler for k, d in held.items()} == {
        "named": named.full_name, "unnamed": unnamed.username, "department": justice.name,
        "nobody": "—"}
    row = by_code[held["named"].code]
    assert (row.due, row.due_iso) == ("25/11/2026 08:30", "2026-11-25T08:30:00+07:00")
    assert row.url == reverse("onestop:staff_dossier", args=[held["named"].public_id])
    assert (row.code, row.procedure, row.applicant) == (
        held["named"].code, procedure.name, "Nguyễn Thị Lan")
    assert row.status_label == str(State.PROCESSING.label)
    assert (row.tone, row.label, row.time_text) == (
        row.standing.tone, row.standing.label, row.standing.time_text)
    waiting = by_code[held["nobody"].code]
    assert (waiting.due, waiting.due_iso, waiting.status_label) == (
        "", "", str(State.SUBMITTED.label))


def test_the_worklist_order_is_the_partial_index_order():
    from langso.onestop.models import WORKLIST_STATES
    from langso.onestop.workflow import OPEN_STATES

    assert set(WORKLIST_STATES) == set(OPEN_STATES)
