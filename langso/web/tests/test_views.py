"""Public home page and the staff screens for residents and villages."""

import pytest
from django.test import Client

from langso.core.models import HistoryEvent, Person, Role, Village
from langso.testing.auth import login_verified


@pytest.fixture
def officer_client(commune, make_staff):
    client = Client()
    login_verified(client, make_staff(Role.ONE_STOP_OFFICER, commune))
    return client


def test_home_page_is_vietnamese_and_shows_the_commune_without_javascript(client, commune,
                                                                          village):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in html
    assert commune.name in html and "Đồng Bả" in html
    assert "Liên hệ" in html
    assert "<script" not in html


def test_home_page_in_english_on_request(client, commune):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()


def test_unknown_commune_page_is_404(client, commune):
    assert client.get("/xa/khong-ton-tai-1/").status_code == 404


def test_staff_area_requires_login_and_a_role(client, citizen):
    assert client.get("/can-bo/").status_code == 302
    login_verified(client, citizen)
    assert client.get("/can-bo/").status_code == 404


def test_officer_adds_a_resident_through_the_form(officer_client, commune, village):
    response = officer_client.post("/can-bo/cong-dan/them/", {
        "full_name": "Phạm Văn Đức", "date_of_birth": "01/02/1985", "sex": "male",
        "citizen_id": "026085000123", "phone": "0912 000 111", "village": village.pk,
        "address": "Số 3"})
    person = Person.objects.get()
    assert response.status_code == 302
    assert (person.full_name, person.phone, person.village) == ("Phạm Văn Đức", "0912000111",
                                                                village)
    detail = officer_client.get(f"/can-bo/cong-dan/{person.pk}/").content.decode()
    assert "Phạm Văn Đức" in detail and "person.create" in detail


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"full_name": "A B", "citizen_id": "123"}, "Số định danh cá nhân phải gồm đúng 12 chữ số."),
    ({"full_name": "A B", "date_of_birth": "31/02/2000"}, "Nhập một ngày hợp lệ."),
    ({"full_name": "A B", "phone": "không có"}, "Số điện thoại không hợp lệ"),
    ({"full_name": "x" * 5000}, "tối đa 150 kí tự"),
    ({"full_name": "<img src=x onerror=alert(1)>"}, "Họ và tên không hợp lệ."),
])
def test_bad_resident_form_shows_vietnamese_error_and_writes_nothing(officer_client, commune,
                                                                     data, message):
    response = officer_client.post("/can-bo/cong-dan/them/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "<img src=x" not in response.content.decode()
    assert not Person.objects.exists() and not HistoryEvent.objects.exists()


def test_search_box_finds_without_diacritics_and_serves_htmx_fragment(officer_client, commune,
                                                                      make_person):
    make_person(commune, "Nguyễn Văn A")
    make_person(commune, "Trần Thị Bích")
    page = officer_client.get("/can-bo/cong-dan/", {"q": "nguyen van a"}).content.decode()
    assert "Nguyễn Văn A" in page and "Trần Thị Bích" not in page
    fragment = officer_client.get("/can-bo/cong-dan/", {"q": "bich"}, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "Trần Thị Bích" in fragment.content.decode()


def test_officer_cannot_open_a_resident_of_another_commune(officer_client, other_commune,
                                                           make_person):
    stranger = make_person(other_commune, "Lê Văn Cường")
    assert officer_client.get(f"/can-bo/cong-dan/{stranger.pk}/").status_code == 404
    assert officer_client.post(f"/can-bo/cong-dan/{stranger.pk}/sua/",
                               {"full_name": "Đổi"}).status_code == 404
    stranger.refresh_from_db()
    assert stranger.full_name == "Lê Văn Cường"


def test_chairman_adds_and_renames_a_village_with_history(commune, make_staff):
    client = Client()
    login_verified(client, make_staff(Role.CHAIRMAN, commune))
    assert client.post("/can-bo/thon/", {"name": "Làng Hà", "kind": "thon"}).status_code == 302
    village = Village.objects.get()
    assert client.post("/can-bo/thon/", {"name": "làng  hà", "kind": "thon"}).status_code == 400
    response = client.post(f"/can-bo/thon/{village.pk}/", {"name": "Làng Hà Mới",
                                                           "kind": "thon"})
    assert response.status_code == 302
    assert [e.action for e in HistoryEvent.objects.order_by("seq")] == ["village.create",
                                                                        "village.rename"]


def test_officer_may_not_manage_villages(officer_client, village):
    assert officer_client.post("/can-bo/thon/", {"name": "X", "kind": "thon"}).status_code == 404
    assert officer_client.get(f"/can-bo/thon/{village.pk}/").status_code == 404
    assert Village.objects.count() == 1


def test_staff_navigation_follows_the_role(commune, make_staff, village):
    clerk, chairman = Client(), Client()
    login_verified(clerk, make_staff(Role.CLERK, commune))
    login_verified(chairman, make_staff(Role.CHAIRMAN, commune))
    clerk_page = clerk.get("/can-bo/").content.decode()
    chairman_page = chairman.get("/can-bo/").content.decode()
    assert "/can-bo/cong-dan/" not in clerk_page and "/can-bo/nhat-ky/" not in clerk_page
    assert "/can-bo/cong-dan/" in chairman_page and "/can-bo/nhat-ky/" in chairman_page


def test_public_pages_set_no_cookie_and_language_switches_by_link(client, commune):
    response = client.get("/")
    assert "csrftoken" not in response.cookies and "sessionid" not in response.cookies
    switched = client.get("/ngon-ngu/en/", {"next": "/xa/c-8911/"})
    assert switched.status_code == 302 and switched["Location"] == "/xa/c-8911/"
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "javascript:x"])
def test_language_switch_never_redirects_off_site(client, db, target):
    assert client.get("/ngon-ngu/vi/", {"next": target})["Location"] == "/"


def test_unknown_language_is_404(client, db):
    assert client.get("/ngon-ngu/xx/").status_code == 404


def test_home_page_is_served_from_memory_and_refreshed_after_a_village_change(
        client, commune, make_staff, django_assert_num_queries,
        django_capture_on_commit_callbacks):
    from langso.core.services import geography

    client.get("/")
    with django_assert_num_queries(0):
        client.get("/")
    chairman = make_staff(Role.CHAIRMAN, commune)
    with django_capture_on_commit_callbacks(execute=True):
        geography.village_create(actor=chairman, commune=commune, name="Làng Mới")
    assert "Làng Mới" in client.get("/").content.decode()
