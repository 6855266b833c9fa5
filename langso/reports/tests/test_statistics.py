"""KPIs of field reports against hand-computed values (office hours 7:30–11:30 and
13:30–17:00), their page and Excel export, and who may read them."""

import datetime as dt
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from langso.core.clock import TZ
from langso.core.models import Role
from langso.reports import services
from langso.reports import statistics as st
from langso.reports.models import Category, Severity
from langso.reports.tests.conftest import POINT
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

URL = "/can-bo/phan-anh/thong-ke/"
PERIOD = {"tu": "2026-11-01", "den": "2026-12-31"}


def t(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def history(make_report, staff, land, culture, proof_media, commune, other_commune):
    """Five reports sent in November and December 2026 (and two that must not count).

    R1 road: sent Mon 02/11 08:00, acknowledged 10:00 (2 h), answered Tue 03/11 10:00
       (9.5 working hours after sending), due Mon 09/11 17:00: on time; rated 5.
    R2 road, urgent: sent Wed 04/11 08:00, acknowledged 09:00 (1 h), due 15:00, answered
       Thu 05/11 08:30 (8 working hours): late; rated 2.
    R3 noise: sent Thu 05/11 14:00, acknowledged 15:00, answered Fri 06/11 09:00, then
       reopened by the reporter: not answered now, reopened once.
    R4 road: sent Mon 09/11 08:00, rejected as spam.
    R5 road: sent Tue 01/12 08:00, acknowledged 08:30 (0.5 h), still being handled.
    """
    chairman, land_officer = staff["chairman"], staff["land_officer"]

    def answered(report, officer, *, at):
        services.report_start(actor=officer, report=report, now=at)
        services.report_draft_answer(actor=officer, report=report, proofs=[proof_media()],
                                     text="Đã xử lý xong, có ảnh kèm theo.", now=at)
        return services.report_approve(actor=chairman, report=report, now=at)

    keys: list[str] = []
    r1 = make_report(now=t(2, 8), secret=keys)
    services.report_triage(actor=chairman, report=r1, severity=Severity.NORMAL,
                           department=land, now=t(2, 10))
    answered(r1, land_officer, at=t(3, 10))
    services.report_rate(report=r1, secret=keys[0], rating=5, now=t(3, 11))

    r2 = make_report(now=t(4, 8), secret=keys)
    services.report_triage(actor=chairman, report=r2, severity=Severity.URGENT,
                           department=land, now=t(4, 9))
    answered(r2, land_officer, at=t(5, 8, 30))
    services.report_rate(report=r2, secret=keys[1], rating=2, now=t(5, 9))

    r3 = make_report(category="noise", now=t(5, 14), secret=keys)
    services.report_triage(actor=chairman, report=r3, severity=Severity.NORMAL,
                           department=culture, now=t(5, 15))
    answered(r3, staff["culture_officer"], at=t(6, 9))
    services.report_reopen(report=r3, secret=keys[2], reason="Vẫn còn ồn vào ban đêm.",
                           now=t(6, 10))

    r4 = make_report(now=t(9, 8))
    services.report_reject(actor=chairman, report=r4, reason="spam", note="Quảng cáo",
                           now=t(9, 9))

    r5 = make_report(now=t(1, 8, month=12))
    services.report_triage(actor=chairman, report=r5, severity=Severity.NORMAL,
                           department=land, now=t(1, 8, 30, month=12))

    make_report(now=t(30, 9, month=10))  # October: outside the period
    foreign = Category.objects.create(commune=other_commune, code="x", name="X")
    services.report_submit(commune=other_commune, reporter=services.Reporter(),
                           category=foreign, description="Ở xã khác, không tính vào đây.",
                           latitude=POINT[0], longitude=POINT[1], now=t(10, 9))
    return [r1, r2, r3, r4, r5]


def figures(f: st.Figures) -> dict[str, Any]:
    return {"received": f.received, "rejected": f.rejected, "answered": f.answered,
            "on_time": f.on_time, "on_time_percent": f.on_time_percent,
            "reopened": f.reopened, "reopen_percent": f.reopen_percent, "rated": f.rated,
            "average_rating": f.average_rating, "acknowledge_hours": f.acknowledge_hours,
            "resolve_hours": f.resolve_hours}


def compute(commune: Any) -> st.Statistics:
    return st.report_statistics(commune=commune, period=st.period(
        dt.date(2026, 11, 1), dt.date(2026, 12, 31)), now=t(15, 12, month=12))


def test_the_totals_match_the_hand_computed_values(history, commune):
    report = compute(commune)
    assert figures(report.total) == {
        "received": 5, "rejected": 1, "answered": 2, "on_time": 1, "on_time_percent": 50.0,
        "reopened": 1, "reopen_percent": 33.3,  # R3 of R1, R2, R3 answered once
        "rated": 2, "average_rating": 3.5,
        "acknowledge_hours": 1.17,  # (2 + 1 + 0.5) / 3; R3 was reopened, R4 rejected
        "resolve_hours": 8.75,  # (9.5 + 8) / 2
    }


def test_by_category_department_and_month(history, commune, land, culture):
    report = compute(commune)
    by_category = {r.label: figures(r.figures) for r in report.by_category}
    assert list(by_category) == ["Đường giao thông, cầu cống", "Tiếng ồn, trật tự"]
    road = by_category["Đường giao thông, cầu cống"]
    assert (road["received"], road["rejected"], road["answered"], road["on_time"],
            road["reopen_percent"], road["average_rating"], road["acknowledge_hours"],
            road["resolve_hours"]) == (4, 1, 2, 1, 0.0, 3.5, 1.17, 8.75)
    noise = by_category["Tiếng ồn, trật tự"]
    assert (noise["received"], noise["answered"], noise["reopened"], noise["reopen_percent"],
            noise["on_time_percent"], noise["acknowledge_hours"]) == (1, 0, 1, 100.0, None,
                                                                      None)
    by_department = {r.key: r.figures for r in report.by_department}
    assert [r.label for r in report.by_department][-1] == "Chưa giao bộ phận"
    assert (by_department[land.pk].received, by_department[land.pk].answered,
            by_department[culture.pk].received, by_department[None].rejected) == (3, 2, 1, 1)
    by_month = [(r.label, r.figures.received, r.figures.acknowledge_hours)
                for r in report.by_month]
    assert by_month == [("Tháng 11/2026", 4, 1.5), ("Tháng 12/2026", 1, 0.5)]


def test_an_empty_period_has_no_rates(history, commune):
    report = st.report_statistics(commune=commune, period=st.period(dt.date(2025, 1, 1),
                                                                    dt.date(2025, 1, 31)))
    assert report.by_category == [] and figures(report.total)["on_time_percent"] is None
    assert report.total.average_rating is None and report.total.resolve_hours is None


@pytest.mark.parametrize(("first", "last", "message"), [
    (dt.date(2026, 2, 1), dt.date(2026, 1, 1), "Ngày kết thúc phải từ ngày bắt đầu trở đi."),
    (dt.date(2020, 1, 1), dt.date(2026, 1, 1), "tối đa"),
    (dt.date(1999, 1, 1), dt.date(1999, 2, 1), "Năm phải từ 2000"),
])
def test_bad_periods_are_refused(first, last, message):
    from langso.core.errors import DomainError

    with pytest.raises(DomainError, match=message):
        st.period(first, last)


# -- the page and the export --------------------------------------------------------------------

def client_for(user: Any) -> Client:
    client = Client()
    login_verified(client, user)
    return client


def test_the_page_shows_the_kpis(history, staff):
    response = client_for(staff["vice_chairman"]).get(URL, PERIOD)
    body = response.content.decode()
    assert response.status_code == 200
    assert "phản ánh gửi từ 01/11/2026 đến 31/12/2026" in body
    assert "<td><strong>50,0</strong></td>" in body  # on time, total
    assert "<td><strong>3,50</strong></td>" in body  # average rating, total
    assert "<td><strong>8,8</strong></td>" in body  # hours to answer, total (8.75)
    assert "<td><strong>1,2</strong></td>" in body  # hours to acknowledge, total (1.17)
    assert "Tháng 12/2026" in body and "Chưa giao bộ phận" in body


def test_the_excel_export_has_numbers_as_numbers(history, staff, commune):
    response = client_for(staff["chairman"]).get(f"{URL}excel/", PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert f"chi-so-phan-anh-{commune.code}-20261101-20261231.xlsx" in \
        response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Theo lĩnh vực", "Theo bộ phận xử lý", "Theo tháng gửi"]
    sheet = book["Theo lĩnh vực"]
    header = [c.value for c in sheet[5]]
    assert header[:4] == ["STT", "Lĩnh vực", "Số phản ánh nhận", "Từ chối"]
    total = [c.value for c in sheet[sheet.max_row]]
    assert total[1] == "Tổng cộng"
    assert total[2:] == [5, 1, 2, 1, 50.0, 1.17, 8.75, 1, 33.3, 2, 3.5]
    road = [c.value for c in sheet[6]]
    assert road[:4] == [1, "Đường giao thông, cầu cống", 4, 1]


@pytest.mark.parametrize(("query", "message"), [
    ({"tu": "2026-12-31", "den": "2026-11-01"}, "Ngày kết thúc phải từ ngày bắt đầu trở đi."),
    ({"tu": "abc"}, "Nhập một ngày hợp lệ."),
    ({"tu": "2020-01-01", "den": "2026-01-01"}, "tối đa"),
    ({"den": "<script>"}, "Nhập một ngày hợp lệ."),
])
def test_a_bad_period_gets_a_message_and_no_file(query, message, staff):
    client = client_for(staff["chairman"])
    for url in (URL, f"{URL}excel/"):
        response = client.get(url, query)
        body = response.content.decode()
        assert response.status_code == 400 and message in body, (url, body[:200])
        assert "<script>" not in body


@pytest.mark.parametrize("role", ["land_officer", "one_stop"])
def test_who_may_not_read_kpis_gets_404(role, staff, history):
    client = client_for(staff[role])
    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}excel/").status_code == 404


def test_another_communes_kpis_are_404_and_a_province_admin_reads_them(
        history, commune, other_commune, make_staff):
    outsider = make_staff(Role.CHAIRMAN, other_commune)
    client = client_for(outsider)
    assert client.get(URL, {"xa": commune.pk, **PERIOD}).status_code == 404
    assert client.get(f"{URL}excel/", {"xa": commune.pk, **PERIOD}).status_code == 404
    own = client.get(URL, PERIOD).content.decode()  # their own commune: one report
    assert "Xã Yên Định" in own and "Tổng cộng</th><td><strong>1</strong>" in own
    assert "Đường giao thông" not in own
    province = make_staff(Role.PROVINCE_ADMIN, province=commune.province)
    body = client_for(province).get(URL, {"xa": commune.pk, **PERIOD}).content.decode()
    assert "<td><strong>50,0</strong></td>" in body
