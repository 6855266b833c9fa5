"""The working-calendar API: a commune's year, overrides, office hours and the deadline
calculator, with permissions, other communes and bad input."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from langso.core.models import CalendarOverride, HistoryEvent, OfficeHours, Role
from langso.testing.auth import login_verified


def api_for(user) -> APIClient:
    client = APIClient()
    login_verified(client, user)
    return client


def snapshot():
    return (list(CalendarOverride.objects.values()), list(OfficeHours.objects.values()),
            HistoryEvent.objects.count())


@pytest.fixture
def admin_api(commune, make_staff):
    return api_for(make_staff(Role.COMMUNE_ADMIN, commune))


@pytest.fixture
def officer_api(commune, make_staff):
    return api_for(make_staff(Role.ONE_STOP_OFFICER, commune))


def payload(commune, **changes):
    return {"commune": commune.pk if commune else None, "date": "2026-06-15",
            "kind": "day_off", "reason": "Lễ hội truyền thống", "legal_basis": "QĐ 12/QĐ-UBND",
            **changes}


HOURS = {"morning_start": "07:00", "morning_end": "11:30", "afternoon_start": "13:00",
         "afternoon_end": "17:00", "cutoff": "15:00", "saturday_morning": True}


# -- reading -------------------------------------------------------------------------------

def test_working_calendar_of_2027_lists_tet_and_counts_working_days(officer_api, commune):
    body = officer_api.get(f"/api/v1/calendar/{commune.pk}/", {"year": 2027}).json()
    assert (body["commune"], body["year"]) == (commune.pk, 2027)
    tet = {d["date"]: d for d in body["days"]}
    assert tet["2027-02-06"]["name"] == "Tết Nguyên Đán"
    assert tet["2027-02-10"] == {"date": "2027-02-10", "weekday": "Thứ Tư", "working": False,
                                 "origin": "statutory", "name": "Mùng năm Tết Nguyên Đán",
                                 "legal_basis": "", "override": None}
    assert body["office_hours"]["cutoff"] == "15:00:00"
    assert 240 < body["working_days"] < 255


def test_working_calendar_shows_the_seeded_swaps(officer_api, commune):
    days = {d["date"]: d for d in officer_api.get(f"/api/v1/calendar/{commune.pk}/",
                                                  {"year": 2026}).json()["days"]}
    saturday = days["2026-01-10"]
    assert saturday["working"] and saturday["origin"] == "national"
    assert saturday["legal_basis"] == "Công văn 12729/VPCP-KGVX ngày 25/12/2025"


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "99999999999999999999"])
def test_a_bad_year_is_400(officer_api, commune, year):
    response = officer_api.get(f"/api/v1/calendar/{commune.pk}/", {"year": year})
    assert response.status_code == 400
    assert "year" in response.json()["error"]["fields"]


def test_another_communes_calendar_is_404(officer_api, other_commune):
    assert officer_api.get(f"/api/v1/calendar/{other_commune.pk}/").status_code == 404
    assert officer_api.get(f"/api/v1/calendar/{other_commune.pk}/deadline/",
                           {"received_at": "2026-11-16T10:00", "days": 1}).status_code == 404
    assert officer_api.get(f"/api/v1/calendar/{other_commune.pk}/office-hours/"
                           ).status_code == 404
    assert officer_api.get("/api/v1/calendar/999999/").status_code == 404


def test_anonymous_and_citizens_are_kept_out(client, citizen, commune):
    assert client.get(f"/api/v1/calendar/{commune.pk}/").status_code in (401, 403)
    login_verified(client, citizen)
    assert client.get(f"/api/v1/calendar/{commune.pk}/").status_code == 404
    response = client.post("/api/v1/calendar/overrides/", payload(None),
                           content_type="application/json")
    assert response.status_code == 403
    assert not CalendarOverride.objects.filter(date=dt.date(2026, 6, 15)).exists()


# -- overrides -----------------------------------------------------------------------------

def test_commune_admin_creates_reads_updates_and_deletes_an_override(admin_api, commune):
    response = admin_api.post("/api/v1/calendar/overrides/", payload(commune), format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["scope"], created["kind_display"]) == ("commune", "Ngày nghỉ")
    url = f"/api/v1/calendar/overrides/{created['id']}/"
    assert admin_api.get(url).json()["reason"] == "Lễ hội truyền thống"
    patched = admin_api.patch(url, {"reason": "Lễ hội đình làng", "why": "Ghi rõ"},
                              format="json")
    assert patched.status_code == 200 and patched.json()["reason"] == "Lễ hội đình làng"
    assert admin_api.delete(url, {"reason": "Hủy"}, format="json").status_code == 204
    assert not CalendarOverride.objects.filter(pk=created["id"]).exists()
    assert list(HistoryEvent.objects.filter(commune=commune).order_by("seq")
                .values_list("action", flat=True)) == [
        "calendar.override.create", "calendar.override.update", "calendar.override.delete"]


def test_national_override_needs_the_national_permission(admin_api, commune, make_staff):
    before = snapshot()
    response = admin_api.post("/api/v1/calendar/overrides/", payload(None), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert snapshot() == before
    province = api_for(make_staff(Role.PROVINCE_ADMIN, commune))
    response = province.post("/api/v1/calendar/overrides/", payload(None), format="json")
    assert response.status_code == 201 and response.json()["scope"] == "national"


def test_commune_staff_cannot_delete_a_national_row(admin_api):
    seeded = CalendarOverride.objects.get(commune__isnull=True, date=dt.date(2026, 1, 10))
    before = snapshot()
    response = admin_api.delete(f"/api/v1/calendar/overrides/{seeded.pk}/")
    assert response.status_code == 403
    assert admin_api.patch(f"/api/v1/calendar/overrides/{seeded.pk}/", {"reason": "x"},
                           format="json").status_code == 403
    assert snapshot() == before


def test_officer_without_calendar_manage_is_refused(officer_api, commune):
    before = snapshot()
    response = officer_api.post("/api/v1/calendar/overrides/", payload(commune), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Bạn không có quyền thực hiện thao tác này."
    assert officer_api.put(f"/api/v1/calendar/{commune.pk}/office-hours/", HOURS,
                           format="json").status_code == 403
    assert snapshot() == before


def test_another_communes_overrides_are_404(admin_api, other_commune):
    theirs = CalendarOverride.objects.create(commune=other_commune, date=dt.date(2026, 6, 15),
                                             kind="day_off", reason="Lễ hội")
    before = snapshot()
    response = admin_api.post("/api/v1/calendar/overrides/", payload(other_commune),
                              format="json")
    assert response.status_code == 404
    url = f"/api/v1/calendar/overrides/{theirs.pk}/"
    assert admin_api.get(url).status_code == 404
    assert admin_api.patch(url, {"reason": "x"}, format="json").status_code == 404
    assert admin_api.delete(url).status_code == 404
    assert admin_api.put(f"/api/v1/calendar/{other_commune.pk}/office-hours/", HOURS,
                         format="json").status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("changes", "field"), [
    ({"date": None}, "date"),
    ({"date": "15/06/2026"}, "date"),
    ({"date": "2026-02-30"}, "date"),
    ({"date": "1999-06-15"}, "date"),
    ({"date": "2026-06-14"}, "kind"),  # already a Sunday off
    ({"kind": "holiday"}, "kind"),
    ({"reason": ""}, "reason"),
    ({"reason": "x" * 100_000}, "reason"),
    ({"reason": "Nghỉ\x00lễ"}, "reason"),
    ({"reason": "Nghỉ\u202elễ"}, "reason"),
    ({"legal_basis": "y" * 201}, "legal_basis"),
])
def test_bad_override_input_is_refused_and_nothing_written(admin_api, commune, changes,
                                                           field):
    before = snapshot()
    response = admin_api.post("/api/v1/calendar/overrides/", payload(commune, **changes),
                              format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


def test_a_commune_that_is_not_a_number_is_refused(admin_api, commune):
    before = snapshot()
    response = admin_api.post("/api/v1/calendar/overrides/",
                              {**payload(commune), "commune": "một"}, format="json")
    assert response.status_code == 400 and "commune" in response.json()["error"]["fields"]
    assert snapshot() == before


def test_missing_commune_is_not_taken_as_national(admin_api, commune):
    body = payload(commune)
    del body["commune"]
    before = snapshot()
    response = admin_api.post("/api/v1/calendar/overrides/", body, format="json")
    assert response.status_code == 400 and "commune" in response.json()["error"]["fields"]
    assert snapshot() == before


def test_malformed_json_is_a_clear_error(admin_api):
    response = admin_api.post("/api/v1/calendar/overrides/", "{not json",
                              content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_a_duplicate_is_a_conflict_with_the_date_field(admin_api, commune):
    admin_api.post("/api/v1/calendar/overrides/", payload(commune), format="json")
    response = admin_api.post("/api/v1/calendar/overrides/", payload(commune), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["date"] == [
        "Ngày 15/06/2026 đã có điều chỉnh trong phạm vi này."]


# -- office hours --------------------------------------------------------------------------

def test_office_hours_default_then_set(admin_api, commune):
    url = f"/api/v1/calendar/{commune.pk}/office-hours/"
    assert admin_api.get(url).json() == {
        "morning_start": "07:30:00", "morning_end": "11:30:00", "afternoon_start": "13:30:00",
        "afternoon_end": "17:00:00", "cutoff": "15:00:00", "saturday_morning": False}
    response = admin_api.put(url, HOURS, format="json")
    assert response.status_code == 200
    assert response.json()["morning_start"] == "07:00:00"
    assert OfficeHours.objects.get(commune=commune).saturday_morning


@pytest.mark.parametrize(("changes", "field"), [
    ({"morning_start": "7h"}, "morning_start"),
    ({"morning_start": "12:00"}, "morning_end"),
    ({"cutoff": "06:00"}, "cutoff"),
    ({"cutoff": None}, "cutoff"),
])
def test_bad_office_hours_are_refused(admin_api, commune, changes, field):
    before = snapshot()
    response = admin_api.put(f"/api/v1/calendar/{commune.pk}/office-hours/",
                             {**HOURS, **changes}, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert snapshot() == before


# -- deadline calculator -------------------------------------------------------------------

def deadline(api, commune, **params):
    return api.get(f"/api/v1/calendar/{commune.pk}/deadline/", params)


def test_deadline_before_tet_2027_lands_after_the_holiday(officer_api, commune):
    body = deadline(officer_api, commune, received_at="2027-02-03T10:00:00+07:00",
                    days=3).json()
    assert body["counting_start"] == "2027-02-03T10:00:00+07:00"
    assert body["deadline"] == "2027-02-15T17:00:00+07:00"
    assert body["deadline_display"] == "15/02/2027 17:00"


def test_deadline_applies_the_1500_rule_unless_asked_not_to(officer_api, commune):
    late = deadline(officer_api, commune, received_at="2026-11-16T15:01", days=0).json()
    assert late["deadline"] == "2026-11-17T17:00:00+07:00"
    raw = deadline(officer_api, commune, received_at="2026-11-16T15:01", days=0,
                   apply_cutoff="false").json()
    assert raw["deadline"] == "2026-11-16T17:00:00+07:00"


def test_deadline_in_working_hours(officer_api, commune):
    # Received Friday 16:00, after the cut-off: counted from Monday 07:30.
    body = deadline(officer_api, commune, received_at="2026-11-20T16:00:00+07:00",
                    hours="3").json()
    assert body["deadline"] == "2026-11-23T10:30:00+07:00"
    assert body["hours"] == "3.00" and body["days"] is None
    # Without the cut-off, Friday's last hour counts.
    body = deadline(officer_api, commune, received_at="2026-11-20T16:00:00+07:00",
                    hours="3", apply_cutoff="false").json()
    assert body["deadline"] == "2026-11-23T09:30:00+07:00"


def test_deadline_received_in_utc(officer_api, commune):
    body = deadline(officer_api, commune, received_at="2026-11-16T08:01:00Z", days=0).json()
    assert body["counting_start"] == "2026-11-17T07:30:00+07:00"


@pytest.mark.parametrize("params", [
    {},
    {"received_at": "2026-11-16T10:00"},
    {"received_at": "2026-11-16T10:00", "days": 1, "hours": 2},
    {"received_at": "hôm qua", "days": 1},
    {"received_at": "2026-11-16T10:00", "days": 10**9},
    {"received_at": "2026-11-16T10:00", "days": -1},
    {"received_at": "2026-11-16T10:00", "days": "ba"},
    {"received_at": "2026-11-16T10:00", "hours": "nan"},
    {"received_at": "2026-11-16T10:00", "hours": "1e9"},
    {"received_at": "1990-11-16T10:00", "days": 1},
    {"received_at": "9999-12-31T23:59:00Z", "days": 1},
    {"received_at": "2100-12-30T10:00", "days": 1000},
])
def test_deadline_bad_input_is_400_in_vietnamese(officer_api, commune, params):
    response = deadline(officer_api, commune, **params)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"]
