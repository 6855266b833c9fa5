"""Public catalogue API: list with search and sector filter, rules in force by code, and
both in the OpenAPI document."""

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from langso.core.models import Role
from langso.onestop import catalogue
from langso.onestop.catalogue.loader import catalogue_load
from langso.onestop.models import Procedure, ProcedureVersion
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db: Any) -> None:
    catalogue_load()


def test_anyone_lists_the_procedures_in_force(loaded):
    body = APIClient().get("/api/v1/procedures/").json()
    assert body["count"] == len(catalogue.entries())
    first = next(p for p in body["results"] if p["code"] == "1.004222")
    assert first == {"code": "1.004222", "name": "Đăng ký thường trú",
                     "sector": "Đăng ký, quản lý cư trú", "slug": "dang-ky-thuong-tru",
                     "department_kind": "cong_an", "online_level": "full",
                     "time_limit": "07 ngày làm việc",
                     "fee": "20.000 đồng; nộp trực tuyến: 10.000 đồng", "version": 1}


def test_signed_in_staff_gets_the_same_public_list(loaded, commune, make_staff):
    client = APIClient()
    login_verified(client, make_staff(Role.ONE_STOP_OFFICER, commune))
    assert client.get("/api/v1/procedures/").json()["count"] == len(catalogue.entries())


@pytest.mark.parametrize(("params", "codes"), [
    ({"q": "khai sinh"}, {"1.001193", "1.004884"}),
    ({"q": "KHAI TỬ"}, {"1.000656"}),
    ({"sector": "Chứng thực"}, {"2.000815", "2.000884"}),
    ({"sector": "Chứng thực", "q": "chu ky"}, {"2.000884"}),
    ({"sector": "Không có"}, set()),
    ({"q": "<script>" * 50}, set()),
    ({"sector": "Hộ\x00tịch"}, set()),
    ({"q": "khai\x00sinh"}, set()),
])
def test_search_and_sector_filter(loaded, params, codes):
    body = APIClient().get("/api/v1/procedures/", params).json()
    assert {p["code"] for p in body["results"]} == codes


def test_page_size_is_capped_and_a_bad_page_is_an_error(loaded):
    body = APIClient().get("/api/v1/procedures/", {"page_size": 5}).json()
    assert len(body["results"]) == 5 and body["next"]
    response = APIClient().get("/api/v1/procedures/", {"page": 999})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_detail_gives_the_rules_in_force(loaded):
    body = APIClient().get("/api/v1/procedures/2.000815/").json()
    assert body["version"] == 1 and body["effective_from"] == "2025-07-01"
    assert body["fee_rule"]["cap"] == 200000 and body["fee_rule"]["kind"] == "per_page"
    assert body["time_limit_kind"] == "same_day" and body["time_limit"] == "Trong ngày"
    assert body["department_kind"] == "tu_phap_ho_tich"
    assert {d["code"] for d in body["documents"]} == {"original", "copy"}
    fields = {f["name"]: f for f in body["form_schema"]}
    assert fields["applicant_id"]["prefill"] == "person.citizen_id"
    assert fields["pages"]["type"] == "number" and fields["pages"]["max"] == 1000
    assert "Nghị định 23/2015/NĐ-CP" in body["legal_basis"]


def test_detail_follows_a_newer_version(loaded):
    version = ProcedureVersion.objects.get(procedure__code="1.004194")
    ProcedureVersion.objects.create(
        procedure=version.procedure, number=2, effective_from="2025-08-01",
        legal_basis=version.legal_basis, time_limit_kind="working_days", time_limit_value=2,
        online_level="full", result_type=version.result_type, fee={"kind": "free"},
        documents=[], form_schema=version.form_schema)
    body = APIClient().get("/api/v1/procedures/1.004194/").json()
    assert (body["version"], body["time_limit"], body["fee"]) == (2, "02 ngày làm việc",
                                                                  "Miễn phí")


@pytest.mark.parametrize("code", ["9.999999", "1.004222%00", "1.004222'--", "x" * 300])
def test_unknown_codes_are_404_in_the_error_format(loaded, code):
    response = APIClient().get(f"/api/v1/procedures/{code}/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Không tìm thấy."}}


def test_inactive_or_not_yet_effective_procedures_are_not_served(loaded):
    Procedure.objects.filter(code="1.004222").update(is_active=False)
    ProcedureVersion.objects.filter(procedure__code="1.004873").update(
        effective_from="2099-01-01")
    client = APIClient()
    assert client.get("/api/v1/procedures/1.004222/").status_code == 404
    assert client.get("/api/v1/procedures/1.004873/").status_code == 404
    codes = {p["code"] for p in client.get("/api/v1/procedures/",
                                           {"page_size": 100}).json()["results"]}
    assert not codes & {"1.004222", "1.004873"}


def test_the_catalogue_is_read_only(loaded):
    client = APIClient()
    before = list(ProcedureVersion.objects.values_list("pk", "fee"))
    assert client.post("/api/v1/procedures/", {"code": "1.000001"}).status_code == 405
    assert client.delete("/api/v1/procedures/1.004222/").status_code == 405
    assert client.put("/api/v1/procedures/1.004222/", {}, format="json").status_code == 405
    assert list(ProcedureVersion.objects.values_list("pk", "fee")) == before


def test_catalogue_endpoints_are_in_the_openapi_document(db, client):
    schema = json.loads(client.get("/api/v1/openapi.json").content)
    assert "/api/v1/procedures/" in schema["paths"]
    detail = schema["paths"]["/api/v1/procedures/{code}/"]["get"]
    assert detail["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ProcedureDetailOutput")
    listed = schema["paths"]["/api/v1/procedures/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"q", "sector", "page"}
    component = schema["components"]["schemas"]["ProcedureDetailOutput"]
    assert {"form_schema", "documents", "fee_rule", "legal_basis"} <= set(
        component["properties"])
