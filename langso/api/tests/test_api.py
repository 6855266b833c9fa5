"""The core API: schema, error format, pagination, permissions and bad input."""

import json

import pytest
from rest_framework.test import APIClient

from langso.core.models import HistoryEvent, Person, Role
from langso.testing.auth import login_verified


@pytest.fixture
def officer_api(commune, make_staff):
    client = APIClient()
    login_verified(client, make_staff(Role.ONE_STOP_OFFICER, commune))
    return client


def test_openapi_document_and_docs_are_served(client, db):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert "/api/v1/people/" in json.loads(schema.content)["paths"]
    assert client.get("/api/v1/docs/").status_code == 200


def test_public_commune_list_needs_no_login(client, commune, other_commune):
    body = client.get("/api/v1/communes/").json()
    assert body["count"] == 2
    assert {c["name"] for c in body["results"]} == {"Xã Tam Đảo", "Xã Yên Định"}


def test_anonymous_gets_the_error_format_in_vietnamese(client, db):
    response = client.get("/api/v1/people/")
    assert response.status_code in (401, 403)
    assert response.json() == {"error": {"code": "not_authenticated",
                                         "message": "Vui lòng đăng nhập."}}


def test_officer_creates_and_reads_a_resident(officer_api, commune, village):
    response = officer_api.post("/api/v1/people/", {
        "commune": commune.pk, "full_name": "Nguyễn Văn An", "citizen_id": "026090123456",
        "date_of_birth": "1990-05-01", "sex": "male", "village": village.pk}, format="json")
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert officer_api.get(f"/api/v1/people/{pk}/").json()["full_name"] == "Nguyễn Văn An"
    listed = officer_api.get("/api/v1/people/", {"q": "nguyen van an"}).json()
    assert [p["id"] for p in listed["results"]] == [pk]
    history = officer_api.get(f"/api/v1/people/{pk}/history/").json()
    assert [e["action"] for e in history["results"]] == ["person.create"]


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "full_name"),
    ({"full_name": "A B", "citizen_id": "12ab"}, "citizen_id"),
    ({"full_name": "A B", "phone": "123"}, "phone"),
    ({"full_name": "A B", "date_of_birth": "31/02/2000"}, "date_of_birth"),
    ({"full_name": "x" * 10_000}, "full_name"),
    ({"full_name": "A B", "email": "không phải email"}, "email"),
    ({"full_name": "A B", "village": 999_999}, "village"),
])
def test_bad_input_is_refused_with_field_errors_and_nothing_written(officer_api, commune,
                                                                    payload, field):
    response = officer_api.post("/api/v1/people/", {"commune": commune.pk, **payload},
                                format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"]
    assert not Person.objects.exists() and not HistoryEvent.objects.exists()


def test_malformed_json_is_a_clear_error(officer_api):
    response = officer_api.post("/api/v1/people/", "{not json",
                                content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "parse_error",
                                        "message": "Dữ liệu gửi lên không đúng định dạng."}


def test_officer_cannot_create_or_read_in_another_commune(officer_api, other_commune,
                                                          make_person):
    response = officer_api.post("/api/v1/people/", {"commune": other_commune.pk,
                                                    "full_name": "A B"}, format="json")
    assert response.status_code == 404
    stranger = make_person(other_commune, "Lê Văn Cường")
    assert officer_api.get(f"/api/v1/people/{stranger.pk}/").status_code == 404
    assert officer_api.patch(f"/api/v1/people/{stranger.pk}/", {"phone": "0912345678"},
                             format="json").status_code == 404
    assert Person.objects.filter(commune=other_commune).count() == 1


def test_clerk_cannot_list_residents(commune, make_staff, make_person):
    make_person(commune, "Nguyễn Văn An")
    client = APIClient()
    login_verified(client, make_staff(Role.CLERK, commune))
    assert client.get("/api/v1/people/").json()["count"] == 0


def test_pagination_is_capped(officer_api, commune, make_person):
    for i in range(3):
        make_person(commune, f"Người Số {i}")
    body = officer_api.get("/api/v1/people/", {"page_size": 100_000}).json()
    assert body["count"] == 3 and len(body["results"]) == 3
    assert officer_api.get("/api/v1/people/", {"page": 99}).status_code == 404


def test_token_authentication(commune, make_staff):
    from rest_framework.authtoken.models import Token

    user = make_staff(Role.CHAIRMAN, commune)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert client.get("/api/v1/me/communes/").json()["results"][0]["id"] == commune.pk


def test_errors_follow_the_requested_language(client, db):
    response = client.get("/api/v1/people/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["error"]["message"] == "Please sign in."
