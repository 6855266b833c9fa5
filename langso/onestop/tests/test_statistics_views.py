"""The staff statistics page and its Excel export: figures, periods, permissions, bad input."""

import datetime as dt
from collections.abc import Callable
from io import BytesIO
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from langso.core import access
from langso.core.models import Commune, Role, User
from langso.onestop.models import Channel, Dossier, Payment, Procedure
from langso.onestop.statistics import previous_month
from langso.onestop.tests.test_statistics import at, make_dossier  # noqa: F401 (fixture)
from langso.onestop.workflow import State
from langso.testing.auth import login_verified

PAGE = "/can-bo/mot-cua/thong-ke/"
EXCEL = "/can-bo/mot-cua/thong-ke/excel/"
NOVEMBER = {"ky": "thang", "thang": "11", "nam": "2025"}
ALLOWED = sorted(access.PERMISSIONS["onestop.statistics"])


@pytest.fixture
def data(make_dossier: Callable[..., Dossier], procedure: Procedure,  # noqa: F811
         make_staff: Callable[..., User], commune: Commune) -> dict[str, Any]:
    hoa = make_staff(Role.SPECIALIST, commune)
    User.objects.filter(pk=hoa.pk).update(full_name="Bùi Thị Hoa")
    early = make_dossier(received=at(11, 3), due=at(11, 6, 17), status=State.SIGNED,
                         resolved=at(11, 4), channel=Channel.ONLINE, assignee=hoa)
    make_dossier(received=at(11, 3), due=at(11, 6, 17), status=State.SIGNED,
                 resolved=at(11, 7))  # late, nobody assigned
    make_dossier(received=at(10, 20), due=at(11, 20, 17), assignee=hoa)  # carried, overdue
    Payment.objects.create(dossier=early, amount=1_250_000, method=Payment.Method.CASH,
                           confirmed_at=at(11, 4), receipt_number="BL-9")
    return {"hoa": hoa}


def handled(response: Any) -> int:
    """The report's total of dossiers handled, from the page or from the workbook."""
    if response.get("Content-Type", "").startswith("text/html"):
        return response.context["report"].total.handled
    sheet = load_workbook(BytesIO(response.content))["Theo lĩnh vực"]
    total_row = next(r for r in range(7, sheet.max_row + 1)
                     if sheet.cell(r, 2).value == "Tổng cộng")
    return sheet.cell(total_row, 3).value


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        login_verified(client, user)
    return client


@pytest.fixture
def chairman(commune: Commune, make_staff: Callable[..., User]) -> User:
    return make_staff(Role.CHAIRMAN, commune)


def test_chairman_reads_the_report_by_field_procedure_and_officer(chairman, data, procedure):
    response = client_for(chairman).get(PAGE, NOVEMBER)

    assert response.status_code == 200
    report = response.context["report"]
    assert report.period.label == "Tháng 11/2025"
    assert (report.total.handled, report.total.resolved_early, report.total.resolved_late,
            report.total.in_progress_overdue, report.total.fees_paid) == (3, 1, 1, 1, 1_250_000)
    html = response.content.decode()
    assert "Tháng 11/2025" in html and "Hộ tịch" in html and procedure.code in html
    assert "Bùi Thị Hoa" in html and "Chưa phân công" in html
    assert "1.250.000" in html  # Vietnamese thousands separator
    assert 'href="/can-bo/mot-cua/thong-ke/excel/?' in html


def test_without_a_period_the_report_is_last_month(chairman, db):
    response = client_for(chairman).get(PAGE)
    assert response.status_code == 200
    assert response.context["report"].period == previous_month()


@pytest.mark.parametrize(("params", "field"), [
    ({"thang": "13"}, "thang"),
    ({"thang": "abc"}, "thang"),
    ({"nam": "1999"}, "nam"),
    ({"nam": "9" * 40}, "nam"),
    ({"ky": "tuan"}, "ky"),
    ({"ky": "quy", "quy": "5"}, "quy"),
    ({"ky": "khoang"}, "tu"),
    ({"ky": "khoang", "tu": "31/02/2025", "den": "01/03/2025"}, "tu"),
    ({"ky": "khoang", "tu": "09/11/2025", "den": "08/11/2025"}, "den"),
    ({"ky": "khoang", "tu": "01/01/2020", "den": "01/01/2025"}, "den"),
])
def test_a_wrong_period_is_explained_and_nothing_is_counted(chairman, db, params, field):
    for url in (PAGE, EXCEL):
        response = client_for(chairman).get(url, params)
        assert response.status_code == 400
        assert response.context["report"] is None
        assert response.context["form"].errors[field]
        assert 'role="alert"' in response.content.decode()


def test_other_periods(chairman, data):
    client = client_for(chairman)
    quarter = client.get(PAGE, {"ky": "quy", "quy": "4", "nam": "2025"}).context["report"]
    year = client.get(PAGE, {"ky": "nam", "nam": "2025"}).context["report"]
    custom = client.get(PAGE, {"ky": "khoang", "tu": "04/11/2025",
                               "den": "04/11/2025"}).context["report"]
    october = client.get(PAGE, {"ky": "thang", "thang": "10", "nam": "2025"}).context["report"]
    assert quarter.period.label == "Quý IV/2025" and quarter.total.handled == 3
    assert year.total.received == 3
    assert (custom.total.carried_over, custom.total.received, custom.total.resolved) == (3, 0, 1)
    assert (october.total.received, october.total.in_progress) == (1, 1)


def test_the_excel_export_has_a_sheet_per_grouping_with_numbers_as_numbers(chairman, data,
                                                                           commune, procedure):
    response = client_for(chairman).get(EXCEL, NOVEMBER)

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert response["Content-Disposition"] == (
        'attachment; filename="thong-ke-mot-cua-8911-20251101-20251130.xlsx"')
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["Theo lĩnh vực", "Theo thủ tục", "Theo cán bộ xử lý"]

    fields = book["Theo lĩnh vực"]
    assert fields["A1"].value == "Báo cáo tình hình, kết quả giải quyết thủ tục hành chính"
    assert fields["A2"].value == f"{commune.name}, {commune.province.name}"
    assert fields["A3"].value == "Kỳ báo cáo: Tháng 11/2025"
    assert [fields.cell(5, c).value for c in (1, 2, 3, 7, 11, 14, 17)] == [
        "STT", "Lĩnh vực", "Số hồ sơ nhận giải quyết", "Số hồ sơ đã giải quyết",
        "Số hồ sơ đang giải quyết", "Số hồ sơ rút, từ chối, dừng", "Phí, lệ phí đã thu"]
    assert [fields.cell(6, c).value for c in range(3, 19)] == [
        "Tổng số", "Kỳ trước chuyển qua", "Mới tiếp nhận trực tuyến",
        "Mới tiếp nhận trực tiếp, bưu chính", "Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn",
        "Tổng số", "Trong hạn", "Quá hạn", "Công dân rút", "Từ chối", "Dừng giải quyết",
        "Số lượt nộp", "Số tiền (đồng)"]
    row = [fields.cell(7, c).value for c in range(1, 19)]
    assert row == [1, "Hộ tịch", 3, 1, 1, 1, 2, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1_250_000]
    total = [fields.cell(8, c).value for c in range(2, 19)]
    assert total == ["Tổng cộng", 3, 1, 1, 1, 2, 1, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1_250_000]
    assert isinstance(fields["R7"].value, int)

    procedures = book["Theo thủ tục"]
    assert [procedures.cell(7, c).value for c in (1, 2, 3, 4)] == [
        1, procedure.code, "Đăng ký khai sinh", 3]
    officers = book["Theo cán bộ xử lý"]
    assert [(officers.cell(r, 2).value, officers.cell(r, 3).value) for r in (7, 8, 9)] == [
        ("Bùi Thị Hoa", 2), ("Chưa phân công", 1), ("Tổng cộng", 3)]


def test_the_excel_headers_stay_vietnamese_for_an_english_session(chairman, data):
    client = client_for(chairman)
    response = client.get(EXCEL, NOVEMBER, HTTP_ACCEPT_LANGUAGE="en")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames[0] == "Theo lĩnh vực"
    assert book["Theo lĩnh vực"]["B5"].value == "Lĩnh vực"


# -- permissions -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("url", [PAGE, EXCEL])
def test_every_role_of_the_commune(role, url, commune, village, make_staff, data):
    user = make_staff(role, commune, village=village if role in access.VILLAGE_SCOPED_ROLES
                      else None)
    response = client_for(user).get(url, NOVEMBER)
    if role in ALLOWED:
        assert response.status_code == 200
        assert handled(response) == 3
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("url", [PAGE, EXCEL])
def test_citizen_gets_404_and_anonymous_is_sent_to_sign_in(url, citizen, data):
    assert client_for(citizen).get(url, NOVEMBER).status_code == 404
    response = client_for(None).get(url, NOVEMBER)
    assert response.status_code == 302 and "/tai-khoan/" in response["Location"]


@pytest.mark.parametrize("role", [Role.COMMUNE_ADMIN, Role.CHAIRMAN, Role.PROVINCE_ADMIN])
@pytest.mark.parametrize("url", [PAGE, EXCEL])
def test_staff_of_another_commune_get_404(role, url, commune, other_commune, make_staff, data):
    outsider = make_staff(role, other_commune)
    response = client_for(outsider).get(url, {**NOVEMBER, "xa": commune.pk})
    assert response.status_code == 404
    # Without a commune they see their own, never commune A's figures.
    own = client_for(outsider).get(url, NOVEMBER)
    assert own.status_code == 200
    assert handled(own) == 0


@pytest.mark.parametrize("xa", ["abc", "999999", "1 OR 1=1", "-1", "9" * 30])
def test_a_malformed_commune_is_404(chairman, db, xa):
    assert client_for(chairman).get(PAGE, {"xa": xa}).status_code == 404


def test_province_admin_picks_among_the_communes_of_the_province(commune, make_commune,
                                                                 make_staff, data,
                                                                 other_commune):
    neighbour = make_commune(code=8920, name="Xã Đại Đình")  # same province as commune
    admin = make_staff(Role.PROVINCE_ADMIN, province=commune.province)
    client = client_for(admin)

    page = client.get(PAGE, NOVEMBER)
    assert {c.pk for c in page.context["communes"]} == {commune.pk, neighbour.pk}
    assert 'name="xa"' in page.content.decode() and "Xã Đại Đình" in page.content.decode()
    chosen = client.get(PAGE, {**NOVEMBER, "xa": neighbour.pk})
    assert chosen.context["commune"] == neighbour
    assert chosen.context["report"].total.handled == 0
    assert client.get(PAGE, {**NOVEMBER, "xa": commune.pk}).context["report"].total.handled == 3
    assert client.get(PAGE, {**NOVEMBER, "xa": other_commune.pk}).status_code == 404


def test_posting_is_not_allowed(chairman, db):
    assert client_for(chairman).post(PAGE, NOVEMBER).status_code == 405
    assert client_for(chairman).post(EXCEL, NOVEMBER).status_code == 405


def test_a_future_period_shows_only_what_is_still_open_judged_now(chairman, data):
    next_year = dt.date.today().year + 1
    response = client_for(chairman).get(PAGE, {"ky": "nam", "nam": next_year})
    assert response.status_code == 200
    total = response.context["report"].total
    assert (total.carried_over, total.received, total.resolved) == (1, 0, 0)
    assert total.in_progress_overdue == 1  # due 20/11/2025, judged at today's date
