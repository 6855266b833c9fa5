"""Catalogue pages: public list and detail (no login, small, no JavaScript), the province
administrators' version editor and the commune's one-stop settings screen."""

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from langso.core.models import Commune, HistoryEvent, Role, User
from langso.onestop.catalogue.loader import catalogue_load
from langso.onestop.models import OfficeSettings, Procedure, ProcedureVersion
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

PAGE_LIMIT = 14 * 1024


@pytest.fixture
def loaded(db: Any) -> None:
    catalogue_load()


def _list(commune: Commune, **params: str) -> Any:
    return Client().get(reverse("onestop:catalogue", args=[commune.slug]), params)


def _detail(commune: Commune, slug: str) -> Any:
    return Client().get(reverse("onestop:procedure_detail", args=[commune.slug, slug]))


def _user_for(role: str, commune: Commune, make_staff: Any, citizen: User) -> User | None:
    if role == "anonymous":
        return None
    if role == "citizen":
        return citizen
    if role == Role.PROVINCE_ADMIN:
        return make_staff(role, province=commune.province)
    return make_staff(role, commune)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        login_verified(client, user)
    return client


# -- public pages -------------------------------------------------------------------------------

def test_anyone_sees_the_catalogue_grouped_by_sector(loaded, commune):
    response = _list(commune)
    html = response.content.decode()
    assert response.status_code == 200
    for sector in ("Hộ tịch", "Chứng thực", "Đăng ký, quản lý cư trú"):
        assert f">{sector}</h2>" in html
    assert html.count('href="/xa/') - 1 == Procedure.objects.count()  # + the breadcrumb
    assert "Chứng thực bản sao từ bản chính" in html and "2.000815" in html
    assert len(response.content) < PAGE_LIMIT
    assert "<script" not in html
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies


@pytest.mark.parametrize(("query", "found", "not_found"), [
    ("dang ky khai sinh", ["Đăng ký khai sinh", "Đăng ký lại khai sinh"],
     ["Đăng ký thường trú", "Đăng ký khai tử"]),
    ("TẠM TRÚ", ["Đăng ký tạm trú", "Gia hạn tạm trú"], ["Khai báo tạm vắng"]),
    ("tam tru", ["Đăng ký tạm trú"], ["Đăng ký thường trú"]),
    ("1.004222", ["Đăng ký thường trú"], ["Đăng ký tạm trú"]),
    ("chung thuc", ["Chứng thực chữ ký"], ["Đăng ký kết hôn"]),
    ("hôn nhân", ["Cấp Giấy xác nhận tình trạng hôn nhân"], ["Đăng ký kết hôn"]),
])
def test_search_ignores_diacritics_and_case(loaded, commune, query, found, not_found):
    html = _list(commune, q=query).content.decode()
    for name in found:
        assert name in html, name
    for name in not_found:
        assert f">{name}</a>" not in html, name


@pytest.mark.parametrize("query", ["<script>alert(1)</script>", "x" * 10_000, "a\x00b",
                                   "%' OR 1=1 --", "khai sinh\u200b"])
def test_hostile_search_is_escaped_and_harmless(loaded, commune, query):
    response = _list(commune, q=query)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "Không tìm thấy thủ tục phù hợp." in html or "Tìm thấy" in html
    assert len(response.content) < PAGE_LIMIT


def test_unknown_or_inactive_communes_and_procedures_are_404(loaded, commune):
    assert Client().get("/xa/khong-co-xa-nay/thu-tuc/").status_code == 404
    assert _detail(commune, "khong-co").status_code == 404
    Procedure.objects.filter(code="1.004222").update(is_active=False)
    assert _detail(commune, "dang-ky-thuong-tru").status_code == 404
    assert "Đăng ký thường trú" not in _list(commune).content.decode()
    Commune.objects.filter(pk=commune.pk).update(is_active=False)
    assert _list(commune).status_code == 404


def test_a_procedure_whose_rules_start_later_is_not_offered_yet(loaded, commune):
    ProcedureVersion.objects.filter(procedure__code="1.004873").update(
        effective_from="2099-01-01")
    assert _detail(commune, "xac-nhan-tinh-trang-hon-nhan").status_code == 404
    assert "tình trạng hôn nhân" not in _list(commune).content.decode()


def test_detail_shows_time_fees_documents_legal_basis_and_online_level(loaded, commune):
    response = _detail(commune, "chung-thuc-ban-sao-tu-ban-chinh")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Trong ngày" in html and "sau 15 giờ" in html
    assert ("2.000 đồng/trang với 2 trang đầu, 1.000 đồng/trang từ trang tiếp theo, tối đa "
            "200.000 đồng/bản") in html
    assert "Bản chính giấy tờ, văn bản cần chứng thực" in html
    assert "Nghị định 23/2015/NĐ-CP" in html and "Thông tư 226/2016/TT-BTC" in html
    assert "Một phần" in html and "Tư pháp – Hộ tịch" in html
    assert "Phiên bản 1, áp dụng từ 01/07/2025." in html
    assert len(response.content) < PAGE_LIMIT and "<script" not in html


def test_residence_detail_shows_counter_and_online_fees(loaded, commune):
    html = _detail(commune, "dang-ky-thuong-tru").content.decode()
    assert "20.000 đồng; nộp trực tuyến: 10.000 đồng" in html
    assert "07 ngày làm việc" in html and "Công an xã" in html


def _submit_route(commune: Commune, slug: str) -> str | None:
    try:
        return reverse("onestop:submit", kwargs={"slug": commune.slug, "procedure": slug})
    except NoReverseMatch:
        return None


def test_online_procedures_link_to_the_submission_page_counter_ones_do_not(loaded, commune):
    online = _detail(commune, "dang-ky-khai-sinh").content.decode()
    counter = _detail(commune, "chung-thuc-chu-ky").content.decode()
    route = _submit_route(commune, "dang-ky-khai-sinh")
    assert ("Nộp trực tuyến" in online) == (route is not None)
    if route is not None:
        assert f'href="{route}"' in online
    assert "Nộp trực tuyến" not in counter
    assert "Nộp hồ sơ trực tiếp tại Bộ phận Một cửa." in counter


def test_stored_markup_in_the_rules_is_escaped(loaded, commune):
    ProcedureVersion.objects.filter(procedure__code="1.003677").update(
        legal_basis="<script>alert(1)</script>", result_type="<img src=x onerror=alert(1)>")
    html = _detail(commune, "khai-bao-tam-vang").content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_commune_home_has_a_tile_for_the_catalogue(loaded, commune):
    html = Client().get(reverse("web:commune_home", args=[commune.slug])).content.decode()
    assert f'href="{reverse("onestop:catalogue", args=[commune.slug])}"' in html
    assert "Thủ tục hành chính" in html


def test_public_pages_refuse_writes(loaded, commune):
    url = reverse("onestop:catalogue", args=[commune.slug])
    assert Client().post(url, {"q": "x"}).status_code == 405


# -- the version editor -------------------------------------------------------------------------

def _version_url(slug: str = "xac-nhan-tinh-trang-hon-nhan") -> str:
    return reverse("onestop:procedure_version_new", args=[slug])


def _form(**changes: Any) -> dict[str, Any]:
    version = ProcedureVersion.objects.get(procedure__code="1.004873")
    return {"effective_from": "01/01/2030", "time_limit_kind": version.time_limit_kind,
            "time_limit_value": "4", "time_limit_note": "", "online_level": "full",
            "result_type": version.result_type, "legal_basis": version.legal_basis,
            "fee": json.dumps(version.fee), "documents": json.dumps(version.documents),
            "form_schema": json.dumps(version.form_schema, ensure_ascii=False),
            "reason": "Nghị quyết HĐND tỉnh", **changes}


@pytest.fixture
def province_admin_client(commune: Commune, make_staff: Any) -> Client:
    return _client(make_staff(Role.PROVINCE_ADMIN, province=commune.province))


def test_province_admin_sees_the_catalogue_and_adds_a_version(loaded, province_admin_client):
    listing = province_admin_client.get(reverse("onestop:catalogue_manage"))
    assert listing.status_code == 200 and "1.004873" in listing.content.decode()
    page = province_admin_client.get(_version_url())
    assert page.status_code == 200
    assert "person.full_name" in page.content.decode()  # the in-force schema, to edit
    response = province_admin_client.post(_version_url(), _form())
    assert response.status_code == 302
    versions = ProcedureVersion.objects.filter(procedure__code="1.004873").order_by("number")
    assert [str(v.time_limit_value) for v in versions] == ["3.00", "4.00"]
    assert str(versions[1].effective_from) == "2030-01-01"
    assert HistoryEvent.objects.filter(action="procedure.version_create",
                                       reason="Nghị quyết HĐND tỉnh").count() == 1


BAD_POSTS = [
    ({"fee": "{kind: free}"}, "JSON không hợp lệ ở dòng 1"),
    ({"fee": ""}, "Trường này là bắt buộc"),
    ({"documents": "[" * 5000 + "]" * 5000}, "JSON"),
    ({"documents": json.dumps([[[[[[[[[[1]]]]]]]]]])}, "lồng quá sâu"),
    ({"fee": '{"kind": "fixed", "amount": NaN}'}, "JSON không hợp lệ"),
    ({"form_schema": json.dumps([{"name": "x", "label": "X", "type": "x" * 70_000}])},
     "quá lớn"),
    ({"form_schema": json.dumps([{"name": "x", "label": "X", "type": "script"}])},
     "Kiểu trường không hợp lệ"),
    ({"fee": json.dumps({"kind": "fixed", "amount": -5})}, "Quy định phí, lệ phí không hợp lệ"),
    ({"documents": json.dumps([{"code": "a"}])}, "Giấy tờ a chưa có tên hợp lệ"),
    ({"effective_from": "31/02/2030"}, "Nhập một ngày hợp lệ"),
    ({"effective_from": "01/01/2020"}, "không được trước ngày"),
    ({"time_limit_value": "abc"}, "Nhập một số"),
    ({"time_limit_kind": "same_day", "time_limit_value": "2"}, "trong ngày có thời hạn 0"),
    ({"legal_basis": ""}, "Trường này là bắt buộc"),
    ({"legal_basis": "x" * 6000}, "5000"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_POSTS)
def test_bad_versions_are_shown_with_a_vietnamese_message_and_nothing_is_saved(
        loaded, province_admin_client, changes, message):
    before = ProcedureVersion.objects.count()
    response = province_admin_client.post(_version_url(), _form(**changes))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html, html[html.find("error-summary"):][:600]
    assert 'class="error-summary"' in html
    assert ProcedureVersion.objects.count() == before
    assert not HistoryEvent.objects.filter(action="procedure.version_create",
                                           actor__isnull=False).exists()


@pytest.mark.parametrize("role", [*[r for r in Role.values if r != Role.PROVINCE_ADMIN],
                                  "citizen"])
def test_nobody_else_reaches_the_version_editor(loaded, commune, make_staff, citizen, role):
    client = _client(_user_for(role, commune, make_staff, citizen))
    before = ProcedureVersion.objects.count()
    assert client.get(reverse("onestop:catalogue_manage")).status_code == 404
    assert client.get(_version_url()).status_code == 404
    assert client.post(_version_url(), _form()).status_code == 404
    assert ProcedureVersion.objects.count() == before


def test_anonymous_is_sent_to_sign_in_by_the_staff_pages(loaded):
    for url in (reverse("onestop:catalogue_manage"), _version_url(),
                reverse("onestop:office_settings")):
        response = Client().get(url)
        assert response.status_code == 302 and "/tai-khoan/" in response["Location"]
    assert Client().post(_version_url(), _form()).status_code == 302
    assert ProcedureVersion.objects.filter(number=2).count() == 0


def test_unknown_procedure_in_the_editor_is_404(loaded, province_admin_client):
    assert province_admin_client.get(_version_url("khong-co")).status_code == 404


# -- office settings ----------------------------------------------------------------------------

OFFICE_POST = {"organ_code": "000.00.12.H56", "office_name": "Bộ phận Một cửa xã Tam Đảo",
               "return_place": "Trụ sở UBND xã", "bank_bin": "970415",
               "bank_account": "113000891100", "bank_account_name": "UBND xã Tam Đảo",
               "warn_days_before": "1"}


@pytest.mark.parametrize("role", [Role.CHAIRMAN, Role.COMMUNE_ADMIN])
def test_chairman_and_commune_admin_edit_the_office_settings(commune, make_staff, role):
    user = make_staff(role, commune)
    client = _client(user)
    url = reverse("onestop:office_settings")
    page = client.get(url)
    assert page.status_code == 200 and str(commune.code) in page.content.decode()
    response = client.post(url, OFFICE_POST)
    assert response.status_code == 302
    settings = OfficeSettings.objects.get(commune=commune)
    assert (settings.bank_bin, settings.bank_account_name) == ("970415", "UBND XA TAM DAO")
    history = client.get(url).content.decode()
    assert "onestop.settings_update" in history


@pytest.mark.parametrize(("changes", "message"), [
    ({"bank_bin": "9704"}, "Mã BIN ngân hàng gồm đúng 6 chữ số."),
    ({"bank_account": "12ab34567"}, "Số tài khoản gồm từ 6 đến 19 chữ số."),
    ({"bank_account_name": "UBND <script>"}, "Tên tài khoản chỉ gồm chữ in hoa không dấu"),
    ({"organ_code": ""}, "Trường này là bắt buộc"),
    ({"office_name": "x" * 201}, "200"),
    ({"warn_days_before": "99"}, "10"),
    ({"bank_bin": ""}, "Nhập đủ mã BIN"),
])
def test_bad_office_settings_show_a_message_and_change_nothing(commune, make_staff, changes,
                                                               message):
    client = _client(make_staff(Role.CHAIRMAN, commune))
    response = client.post(reverse("onestop:office_settings"), {**OFFICE_POST, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OfficeSettings.objects.filter(bank_bin="970415").exists()
    assert not HistoryEvent.objects.filter(action="onestop.settings_update").exists()


@pytest.mark.parametrize("role", [*[r for r in Role.values
                                    if r not in (Role.CHAIRMAN, Role.COMMUNE_ADMIN)],
                                  "citizen"])
def test_other_roles_do_not_reach_the_office_settings(commune, make_staff, citizen, role):
    client = _client(_user_for(role, commune, make_staff, citizen))
    url = f"{reverse('onestop:office_settings')}?xa={commune.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, OFFICE_POST).status_code == 404
    assert not OfficeSettings.objects.filter(bank_bin="970415").exists()


def test_chairman_of_another_commune_cannot_edit_this_one(commune, other_commune, make_staff):
    client = _client(make_staff(Role.CHAIRMAN, other_commune))
    url = f"{reverse('onestop:office_settings')}?xa={commune.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, OFFICE_POST).status_code == 404
    assert not OfficeSettings.objects.filter(commune=commune).exists()
    # Without ?xa= the page is about their own commune, never this one.
    client.post(reverse("onestop:office_settings"), OFFICE_POST)
    assert OfficeSettings.objects.get(commune=other_commune).bank_bin == "970415"
    assert not OfficeSettings.objects.filter(commune=commune).exists()


def test_staff_navigation_links_the_settings_only_for_those_who_may_edit_them(
        commune, make_staff):
    url = reverse("onestop:office_settings")
    chairman = _client(make_staff(Role.CHAIRMAN, commune)).get(reverse("web:staff_home"))
    clerk = _client(make_staff(Role.CLERK, commune)).get(reverse("web:staff_home"))
    assert f'href="{url}"' in chairman.content.decode()
    assert f'href="{url}"' not in clerk.content.decode()
    assert chairman.content.decode().count(f'href="{reverse("onestop:catalogue_manage")}"') == 0
