"""The staff screen of the working calendar: the year's days, adding and removing an
override, office hours and the deadline calculator."""

import datetime as dt

import pytest
from django.test import Client

from langso.core.models import CalendarOverride, HistoryEvent, OfficeHours, Role
from langso.testing.auth import login_verified

URL = "/can-bo/lich-lam-viec/"
HOURS_URL = "/can-bo/lich-lam-viec/gio-lam-viec/"


def snapshot():
    return (list(CalendarOverride.objects.values()), list(OfficeHours.objects.values()),
            HistoryEvent.objects.count())


def client_for(user) -> Client:
    client = Client()
    login_verified(client, user)
    return client


@pytest.fixture
def chairman(commune, make_staff):
    return client_for(make_staff(Role.CHAIRMAN, commune))


@pytest.fixture
def officer(commune, make_staff):
    return client_for(make_staff(Role.ONE_STOP_OFFICER, commune))


VALID = {"date": "15/06/2026", "kind": "day_off", "reason": "Lễ hội truyền thống của xã",
         "legal_basis": "Quyết định 12/QĐ-UBND"}


def test_chairman_sees_tet_2027_and_the_menu_entry(chairman, commune):
    response = chairman.get(URL, {"nam": "2027"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Lịch làm việc năm 2027" in html
    assert "06/02/2027" in html and "Tết Nguyên Đán" in html
    assert "Mùng năm Tết Nguyên Đán" in html
    assert f'href="{URL}"' in html  # the staff navigation
    assert "nam=2026" in html and "nam=2028" in html  # years are not written "2.026"


def test_seeded_swaps_show_with_their_legal_basis(chairman):
    html = chairman.get(URL, {"nam": "2026"}).content.decode()
    assert "10/01/2026" in html and "Công văn 12729/VPCP-KGVX ngày 25/12/2025" in html
    assert "Thứ Bảy" in html and "Làm việc" in html


def test_chairman_adds_a_commune_day_off_through_the_form(chairman, commune):
    response = chairman.post(f"{URL}?xa={commune.pk}&nam=2026", VALID)
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?xa={commune.pk}&nam=2026"
    override = CalendarOverride.objects.get(commune=commune)
    assert (override.date, override.kind) == (dt.date(2026, 6, 15), "day_off")
    page = chairman.get(response["Location"]).content.decode()
    assert "Lễ hội truyền thống của xã" in page and "Đã lưu ngày 15/06/2026." in page


def test_commune_staff_cannot_choose_the_national_scope(chairman, commune):
    html = chairman.get(URL).content.decode()
    assert 'name="scope"' not in html
    chairman.post(URL, {**VALID, "scope": "national"})
    assert CalendarOverride.objects.get(date=dt.date(2026, 6, 15)).commune == commune


def test_province_admin_adds_a_national_day(commune, make_staff):
    client = client_for(make_staff(Role.PROVINCE_ADMIN, commune))
    assert 'name="scope"' in client.get(URL).content.decode()
    response = client.post(URL, {**VALID, "scope": "national"})
    assert response.status_code == 302
    assert CalendarOverride.objects.get(date=dt.date(2026, 6, 15)).commune is None


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({**VALID, "date": "31/02/2026"}, "Nhập một ngày hợp lệ."),
    ({**VALID, "date": "2026-13-45"}, "Nhập một ngày hợp lệ."),
    ({**VALID, "date": "15/06/1999"}, "Lịch làm việc chỉ tính cho các năm từ 2000 đến 2100."),
    ({**VALID, "kind": "holiday"}, "Hãy chọn một lựa chọn hợp lệ."),
    ({**VALID, "reason": "x" * 10_000}, "Giá trị này chỉ có tối đa 200 kí tự"),
    ({**VALID, "reason": "Nghỉ\u202e lễ"}, "Nội dung có ký tự không hợp lệ."),
    ({**VALID, "date": "14/06/2026"}, "vốn đã là ngày nghỉ"),
])
def test_bad_input_is_shown_and_nothing_is_written(chairman, data, message):
    before = snapshot()
    response = chairman.post(URL, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_a_nul_byte_is_refused(chairman):
    before = snapshot()
    assert chairman.post(URL, {**VALID, "reason": "Nghỉ\x00lễ"}).status_code == 400
    assert snapshot() == before


def test_hostile_text_is_escaped_on_the_page(chairman, commune):
    chairman.post(URL, {**VALID, "reason": "<script>alert(1)</script>"})
    html = chairman.get(URL, {"nam": "2026"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("year", ["abcd", "1999", "2101", "20266", "-1"])
def test_a_malformed_year_is_404(chairman, year):
    assert chairman.get(URL, {"nam": year}).status_code == 404


def test_officer_sees_the_calendar_but_cannot_change_it(officer, commune):
    html = officer.get(URL).content.decode()
    assert "Thêm ngày nghỉ hoặc ngày làm bù" not in html
    before = snapshot()
    assert officer.post(URL, VALID).status_code == 403
    assert officer.get(HOURS_URL).status_code == 404
    assert snapshot() == before


def test_the_menu_entry_needs_calendar_manage(officer):
    assert f'href="{URL}"' not in officer.get("/can-bo/").content.decode()


def test_staff_of_another_commune_gets_404(chairman, other_commune):
    before = snapshot()
    assert chairman.get(URL, {"xa": other_commune.pk}).status_code == 404
    assert chairman.post(f"{URL}?xa={other_commune.pk}", VALID).status_code == 404
    assert chairman.get(HOURS_URL, {"xa": other_commune.pk}).status_code == 404
    assert chairman.get(URL, {"xa": "không-phải-số"}).status_code == 404
    assert snapshot() == before


def test_anonymous_and_citizens_are_kept_out(client, citizen, db):
    assert client.get(URL).status_code == 302
    login_verified(client, citizen)
    assert client.get(URL).status_code == 404
    assert client.post(URL, VALID).status_code == 404


def test_deleting_an_override(chairman, commune):
    chairman.post(URL, VALID)
    override = CalendarOverride.objects.get(commune=commune)
    response = chairman.post(f"{URL}dieu-chinh/{override.pk}/xoa/", {"reason": "Hủy"})
    assert response.status_code == 302
    assert not CalendarOverride.objects.filter(pk=override.pk).exists()
    assert HistoryEvent.objects.filter(action="calendar.override.delete").count() == 1


def test_deleting_another_communes_override_is_404(chairman, other_commune):
    theirs = CalendarOverride.objects.create(commune=other_commune, date=dt.date(2026, 6, 15),
                                             kind="day_off", reason="Lễ hội")
    before = snapshot()
    assert chairman.post(f"{URL}dieu-chinh/{theirs.pk}/xoa/").status_code == 404
    assert chairman.get(f"{URL}dieu-chinh/{theirs.pk}/xoa/").status_code == 405
    assert snapshot() == before


def test_commune_staff_cannot_delete_a_national_row(chairman):
    seeded = CalendarOverride.objects.get(commune__isnull=True, date=dt.date(2026, 1, 10))
    before = snapshot()
    assert chairman.post(f"{URL}dieu-chinh/{seeded.pk}/xoa/").status_code == 403
    assert snapshot() == before


def test_office_hours_form_sets_the_hours(chairman, commune):
    page = chairman.get(HOURS_URL)
    assert page.status_code == 200 and 'value="07:30"' in page.content.decode()
    response = chairman.post(HOURS_URL, {
        "morning_start": "07:00", "morning_end": "11:30", "afternoon_start": "13:00",
        "afternoon_end": "17:00", "cutoff": "15:00", "saturday_morning": "on"})
    assert response.status_code == 302
    hours = OfficeHours.objects.get(commune=commune)
    assert (hours.morning_start, hours.saturday_morning) == (dt.time(7), True)


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"morning_start": "25:00"}, "Nhập một thời gian hợp lệ."),
    ({"morning_start": "12:00"}, "Giờ làm việc phải theo thứ tự"),
    ({"cutoff": "18:00"}, "Giờ chốt nhận hồ sơ phải nằm trong giờ làm việc."),
])
def test_office_hours_bad_input_is_refused(chairman, data, message):
    full = {"morning_start": "07:30", "morning_end": "11:30", "afternoon_start": "13:30",
            "afternoon_end": "17:00", "cutoff": "15:00"}
    before = snapshot()
    response = chairman.post(HOURS_URL, {**full, **data} if data else {})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot() == before


def test_deadline_calculator_on_the_page(chairman):
    html = chairman.get(URL, {"nam": "2027", "received_at": "03/02/2027 10:00",
                              "days": "3"}).content.decode()
    assert "15/02/2027 17:00" in html


def test_deadline_calculator_applies_the_1500_rule(chairman):
    html = chairman.get(URL, {"received_at": "16/11/2026 15:01", "days": "0"}).content.decode()
    assert "17/11/2026 07:30" in html and "17/11/2026 17:00" in html


@pytest.mark.parametrize(("params", "message"), [
    ({"received_at": "hôm qua", "days": "3"}, "Nhập một ngày/thời gian hợp lệ."),
    ({"received_at": "03/02/2027 10:00", "days": str(10**9)}, "1000"),
    ({"received_at": "03/02/2027 10:00"}, "một trong hai"),
    ({"received_at": "03/02/2027 10:00", "days": "1", "hours": "2"}, "một trong hai"),
    ({"received_at": "03/02/1990 10:00", "days": "1"}, "từ 2000 đến 2100"),
])
def test_deadline_calculator_bad_input(chairman, params, message):
    response = chairman.get(URL, params)
    assert response.status_code == 200
    assert message in response.content.decode()
