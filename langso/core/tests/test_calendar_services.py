"""Services of the working calendar: who may change which days, what is refused, and that
every change is in the history."""

import datetime as dt

import pytest

from langso.core.clock import WorkingClock
from langso.core.errors import DomainError, PermissionDenied
from langso.core.models import CalendarOverride, HistoryEvent, OfficeHours, Role, User
from langso.core.services.calendar import (
    calendar_override_create,
    calendar_override_delete,
    calendar_override_update,
    office_hours_set,
)

MONDAY = dt.date(2026, 6, 15)


def snapshot():
    return (list(CalendarOverride.objects.values()), list(OfficeHours.objects.values()),
            HistoryEvent.objects.count())


@pytest.fixture
def admin(commune, make_staff):
    return make_staff(Role.COMMUNE_ADMIN, commune)


@pytest.fixture
def province_admin(commune, make_staff):
    return make_staff(Role.PROVINCE_ADMIN, commune)


def create(actor, commune, **overrides):
    values = {"date": MONDAY, "kind": "day_off", "reason": "Lễ hội truyền thống của xã",
              "legal_basis": "Quyết định 12/QĐ-UBND"}
    values.update(overrides)
    return calendar_override_create(actor=actor, commune=commune, **values)


def test_commune_admin_adds_a_commune_day_off_and_it_is_in_the_history(admin, commune):
    override = create(admin, commune)
    assert (override.commune, override.kind, override.reason) == (
        commune, "day_off", "Lễ hội truyền thống của xã")
    event = HistoryEvent.objects.get(action="calendar.override.create")
    assert (event.commune_id, event.actor, event.to_state) == (commune.pk, admin, "day_off")
    assert event.data["date"] == "2026-06-15"
    assert not WorkingClock(commune).is_working_day(MONDAY)


@pytest.mark.parametrize("role", [Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.COMMUNE_ADMIN])
def test_roles_with_calendar_manage_may_add(role, commune, make_staff):
    assert create(make_staff(role, commune), commune).pk


@pytest.mark.parametrize("role", [Role.ONE_STOP_OFFICER, Role.SPECIALIST, Role.CLERK,
                                  Role.VILLAGE_HEAD, Role.DIGITAL_TEAM])
def test_roles_without_calendar_manage_are_refused_and_nothing_is_written(role, commune,
                                                                         make_staff, village):
    user = make_staff(role, commune, village=village)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create(user, commune)
    with pytest.raises(PermissionDenied):
        office_hours_set(actor=user, commune=commune, morning_start=dt.time(7),
                         morning_end=dt.time(11), afternoon_start=dt.time(13),
                         afternoon_end=dt.time(17), cutoff=dt.time(15))
    assert snapshot() == before


def test_admin_of_another_commune_is_refused(admin, other_commune):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create(admin, other_commune)
    assert snapshot() == before


def test_only_province_admins_and_superusers_change_the_national_calendar(
        admin, province_admin):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        create(admin, None)
    assert snapshot() == before
    override = create(province_admin, None)
    assert override.is_national
    event = HistoryEvent.objects.get(action="calendar.override.create")
    assert event.commune_id is None
    root = User.objects.create_superuser("root", password="pw-Secret-123")
    assert create(root, None, date=dt.date(2026, 6, 16)).is_national


def test_a_national_day_off_applies_to_every_commune(province_admin, commune, other_commune):
    create(province_admin, None)
    assert not WorkingClock(commune).is_working_day(MONDAY)
    assert not WorkingClock(other_commune).is_working_day(MONDAY)


def test_the_same_date_twice_in_one_scope_is_refused(admin, commune):
    create(admin, commune)
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(admin, commune, reason="Lần hai")
    assert error.value.field_errors["date"] == [
        "Ngày 15/06/2026 đã có điều chỉnh trong phạm vi này."]
    assert snapshot() == before


def test_a_national_date_may_also_have_a_commune_row(admin, commune):
    # The national swap makes Friday 02/01/2026 a day off; a commune may still work it.
    override = create(admin, commune, date=dt.date(2026, 1, 2), kind="working_day",
                      reason="Trực tiếp nhận hồ sơ")
    assert WorkingClock(commune).is_working_day(dt.date(2026, 1, 2))
    assert CalendarOverride.objects.filter(date=override.date).count() == 2


@pytest.mark.parametrize(("day", "kind", "message"), [
    (MONDAY, "working_day", "Ngày 15/06/2026 vốn đã là ngày làm việc."),
    (dt.date(2026, 6, 14), "day_off", "Ngày 14/06/2026 vốn đã là ngày nghỉ (nghỉ hằng tuần)."),
    (dt.date(2027, 2, 8), "day_off",
     "Ngày 08/02/2027 vốn đã là ngày nghỉ (Mùng ba Tết Nguyên Đán)."),
    # The national swap already makes this Saturday a working day.
    (dt.date(2026, 1, 10), "working_day", "Ngày 10/01/2026 vốn đã là ngày làm việc."),
])
def test_an_override_must_change_the_day(admin, commune, day, kind, message):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(admin, commune, date=day, kind=kind)
    assert error.value.message == message
    assert snapshot() == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("reason", "", "Vui lòng nhập lý do."),
    ("reason", "   \n\t ", "Vui lòng nhập lý do."),
    ("reason", "x" * 201, "Không được dài quá 200 ký tự."),
    ("reason", "Nghỉ\x00lễ", "Nội dung có ký tự không hợp lệ."),
    ("reason", "Nghỉ \u202egnol", "Nội dung có ký tự không hợp lệ."),
    ("legal_basis", "y" * 5000, "Không được dài quá 200 ký tự."),
    ("legal_basis", "Số\x1b[31m", "Nội dung có ký tự không hợp lệ."),
    ("date", "2026-06-15", "Ngày không hợp lệ."),
    ("date", dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC), "Ngày không hợp lệ."),
    ("date", dt.date(1999, 6, 15), "Lịch làm việc chỉ tính cho các năm từ 2000 đến 2100."),
    ("date", dt.date(9999, 6, 15), "Lịch làm việc chỉ tính cho các năm từ 2000 đến 2100."),
    ("kind", "holiday", "Loại ngày không hợp lệ."),
    ("kind", None, "Loại ngày không hợp lệ."),
])
def test_bad_input_is_refused_with_a_field_error_and_nothing_written(admin, commune, field,
                                                                      value, message):
    before = snapshot()
    with pytest.raises(DomainError) as error:
        create(admin, commune, **{field: value})
    assert error.value.field_errors[field] == [message]
    assert snapshot() == before


def test_hostile_markup_is_kept_as_plain_text(admin, commune):
    override = create(admin, commune, reason="<script>alert('x')</script> Nghỉ   bù")
    assert override.reason == "<script>alert('x')</script> Nghỉ bù"


def test_update_corrects_an_override_and_records_before_and_after(admin, commune):
    override = create(admin, commune)
    updated = calendar_override_update(actor=admin, override=override,
                                       date=dt.date(2026, 6, 16), reason="Đổi ngày lễ hội",
                                       why="Sai ngày")
    assert (updated.date, updated.reason) == (dt.date(2026, 6, 16), "Đổi ngày lễ hội")
    event = HistoryEvent.objects.get(action="calendar.override.update")
    assert event.reason == "Sai ngày"
    assert event.data["before"]["date"] == "2026-06-15"
    assert event.data["after"]["date"] == "2026-06-16"
    assert WorkingClock(commune).is_working_day(MONDAY)


def test_update_onto_a_date_already_taken_is_refused(admin, commune):
    first = create(admin, commune)
    second = create(admin, commune, date=dt.date(2026, 6, 16))
    before = snapshot()
    with pytest.raises(DomainError):
        calendar_override_update(actor=admin, override=second, date=first.date)
    assert snapshot() == before


def test_update_by_another_commune_is_refused(admin, commune, other_commune, make_staff):
    override = create(admin, commune)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        calendar_override_update(actor=make_staff(Role.COMMUNE_ADMIN, other_commune),
                                 override=override, reason="Chiếm quyền")
    assert snapshot() == before


def test_delete_restores_the_statutory_day_and_keeps_a_history_event(admin, commune):
    override = create(admin, commune)
    calendar_override_delete(actor=admin, override=override, reason="Hủy lễ hội")
    assert not CalendarOverride.objects.filter(pk=override.pk).exists()
    event = HistoryEvent.objects.get(action="calendar.override.delete")
    assert (event.from_state, event.reason, event.commune_id) == ("day_off", "Hủy lễ hội",
                                                                  commune.pk)
    assert WorkingClock(commune).is_working_day(MONDAY)


def test_deleting_a_national_row_needs_the_national_permission(admin, province_admin):
    seeded = CalendarOverride.objects.get(commune__isnull=True, date=dt.date(2026, 1, 10))
    before = snapshot()
    with pytest.raises(PermissionDenied):
        calendar_override_delete(actor=admin, override=seeded)
    assert snapshot() == before
    calendar_override_delete(actor=province_admin, override=seeded)
    assert not WorkingClock(None).is_working_day(dt.date(2026, 1, 10))


def test_office_hours_are_set_and_used_by_the_clock(admin, commune):
    hours = office_hours_set(actor=admin, commune=commune, morning_start=dt.time(7),
                             morning_end=dt.time(11, 30), afternoon_start=dt.time(13),
                             afternoon_end=dt.time(16, 30), cutoff=dt.time(15, 30),
                             saturday_morning=True)
    assert OfficeHours.objects.get(commune=commune) == hours
    event = HistoryEvent.objects.get(action="calendar.hours.set")
    assert event.from_state == "07:30–11:30, 13:30–17:00"
    assert event.to_state == "07:00–11:30, 13:00–16:30"
    assert event.data["after"]["saturday_morning"] is True
    clock = WorkingClock(commune)
    assert clock.add_working_days(dt.date(2026, 6, 15), 0).time() == dt.time(16, 30)
    assert clock.hours.saturday_morning


@pytest.mark.parametrize(("values", "field"), [
    ({"morning_start": dt.time(12)}, "morning_end"),
    ({"morning_end": dt.time(14)}, "morning_end"),
    ({"afternoon_end": dt.time(13)}, "morning_end"),
    ({"cutoff": dt.time(18)}, "cutoff"),
    ({"cutoff": dt.time(6)}, "cutoff"),
    ({"cutoff": "15:00"}, "cutoff"),
    ({"morning_start": None}, "morning_start"),
])
def test_office_hours_out_of_order_are_refused(admin, commune, values, field):
    data = {"morning_start": dt.time(7, 30), "morning_end": dt.time(11, 30),
            "afternoon_start": dt.time(13, 30), "afternoon_end": dt.time(17),
            "cutoff": dt.time(15), **values}
    before = snapshot()
    with pytest.raises(DomainError) as error:
        office_hours_set(actor=admin, commune=commune, **data)
    assert field in error.value.field_errors
    assert snapshot() == before
