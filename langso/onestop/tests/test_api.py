"""The dossier API: list, submission with idempotency, detail, actions, extension letters,
files and the public status, for every role, another commune, citizens and anonymous
callers; bad input gets the API's error shape and changes nothing."""

import datetime as dt
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from langso.core.clock import WorkingClock, local
from langso.core.models import Department, HistoryEvent, Role, StoredFile, User
from langso.onestop import services
from langso.onestop.models import (
    Dossier,
    DossierAttachment,
    DossierDocument,
    DossierStep,
    OnlineLevel,
    ProcedureVersion,
)
from langso.onestop.tests.staff_factories import HOUR, make_dossier, pdf_file
from langso.onestop.workflow import State
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

LIST = "/api/v1/dossiers/"
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2025-11-01",
         "child_sex": "male"}
# Roles that open the dossiers of their commune (the specialist: of their department).
VIEWERS = ["chairman", "vice_chairman", "one_stop", "specialist", "clerk"]
BLIND = ["commune_admin", "specialist_land", "village_head", "outsider_one_stop",
         "outsider_chairman", "other_citizen"]


def detail_url(dossier: Dossier) -> str:
    return f"{LIST}{dossier.public_id}/"


def action_url(dossier: Dossier, action: str) -> str:
    return f"{detail_url(dossier)}actions/{action}/"


@pytest.fixture(autouse=True)
def _empty_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def people(officers, citizen, make_staff, commune, other_commune, village):
    other_citizen = User.objects.create_user(username="0987654321", phone="0987654321",
                                             password="pw-Secret-123",
                                             kind=User.Kind.CITIZEN, full_name="Lê Văn Tư")
    return {**officers,
            "specialist_land": make_staff(Role.SPECIALIST, commune,
                                          department_kind=Department.Kind.LAND),
            "village_head": make_staff(Role.VILLAGE_HEAD, commune, village=village),
            "outsider_one_stop": make_staff(Role.ONE_STOP_OFFICER, other_commune),
            "outsider_chairman": make_staff(Role.CHAIRMAN, other_commune),
            "citizen": citizen, "other_citizen": other_citizen}


def api(user: Any = None) -> APIClient:
    client = APIClient()
    if user is not None:
        login_verified(client, user)
    return client


@pytest.fixture
def dossier(commune, procedure, people, justice):
    """The citizen's dossier, being processed by the justice office, with one scan."""
    now = timezone.now()
    scan = pdf_file(people["citizen"], commune, "giay-chung-sinh.pdf")
    return make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                        department=justice, applicant_user=people["citizen"], now=now,
                        due_at=now + 24 * HOUR, attachment=scan, applicant_name="Trần Thị Mận")


def snapshot(dossier: Dossier | None = None) -> dict[str, Any]:
    return {"dossiers": list(Dossier.objects.order_by("pk").values()),
            "steps": DossierStep.objects.count(),
            "attachments": DossierAttachment.objects.count(),
            "history": HistoryEvent.objects.count()}


def error(response: Any) -> dict[str, Any]:
    return response.json()["error"]


# -- list ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [*VIEWERS, "citizen", *BLIND])
def test_each_role_lists_what_it_may_see(role, people, dossier):
    body = api(people[role]).get(LIST).json()
    expected = 1 if role in (*VIEWERS, "citizen") else 0
    assert body["count"] == expected
    if expected:
        row = body["results"][0]
        assert row["id"] == str(dossier.public_id) and row["status"] == "processing"
        assert row["status_label"] == "Đang xử lý" and row["procedure"]["code"]


def test_anonymous_cannot_list(dossier):
    response = api().get(LIST)
    assert response.status_code in (401, 403)
    assert error(response)["code"] == "not_authenticated"


def test_the_list_filters_by_status_and_procedure(people, dossier, procedure):
    client = api(people["one_stop"])
    assert client.get(LIST, {"status": "processing"}).json()["count"] == 1
    assert client.get(LIST, {"status": "returned"}).json()["count"] == 0
    assert client.get(LIST, {"procedure": procedure.code}).json()["count"] == 1
    assert client.get(LIST, {"procedure": "9.999999"}).json()["count"] == 0
    bad = client.get(LIST, {"status": "bay-len"})
    assert bad.status_code == 400 and "status" in error(bad)["fields"]
    assert client.get(LIST, {"procedure": "x" * 500}).status_code == 400
    assert client.get(LIST, {"page": 99}).status_code == 404


# -- submission ------------------------------------------------------------------------------

def submission(commune, procedure, scan: StoredFile | None) -> dict[str, Any]:
    return {
        "commune": commune.pk, "procedure": procedure.code, "form_data": CHILD,
        "attachments": [] if scan is None else [
            {"document_code": "birth_certificate", "file": str(scan.public_id),
             "copy_kind": "original"}]}


def test_a_citizen_submits_online_with_the_registry_prefilled(people, commune, procedure,
                                                              resident):
    scan = pdf_file(people["citizen"], commune)
    response = api(people["citizen"]).post(LIST, submission(commune, procedure, scan),
                                           format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    dossier = Dossier.objects.get()
    assert body["id"] == str(dossier.public_id) and body["status"] == "submitted"
    assert body["code"] == dossier.code and body["lookup_code"] == dossier.lookup_code
    assert body["form_data"]["mother_name"] == "Nguyễn Thị Lan"  # from the registry
    assert [a["document_code"] for a in body["attachments"]] == ["birth_certificate"]
    assert body["attachments"][0]["copy_kind"] == "original"
    assert [a["action"] for a in body["actions"]] == ["withdraw"]
    assert body["status_url"] == f"/api/v1/status/{dossier.lookup_code}/"
    assert dossier.applicant == resident and dossier.channel == "online"


def test_the_same_idempotency_key_returns_the_same_dossier_with_200(people, commune,
                                                                    procedure, resident,
                                                                    make_procedure):
    scan = pdf_file(people["citizen"], commune)
    client = api(people["citizen"])
    body = submission(commune, procedure, scan)
    first = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    again = client.post(LIST, body, format="json", HTTP_IDEMPOTENCY_KEY="k-123")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Dossier.objects.count() == 1

    # The same key for another procedure is a client bug, not a second dossier.
    other = make_procedure(documents=[])
    clash = client.post(LIST, submission(commune, other, None), format="json",
                        HTTP_IDEMPOTENCY_KEY="k-123")
    assert clash.status_code == 409 and error(clash)["code"] == "conflict"
    # Without a key, each request is a new application.
    assert client.post(LIST, body, format="json").status_code == 201
    assert Dossier.objects.count() == 2


@pytest.mark.parametrize(("changes", "field"), [
    ({"commune": None}, "commune"),
    ({"commune": "abc"}, "commune"),
    ({"commune": 999_999}, "commune"),
    ({"commune": 10**30}, "commune"),
    ({"procedure": "9.999999"}, "procedure"),
    ({"procedure": ["1.001193"]}, "procedure"),
    ({"procedure": 1.001193}, "procedure"),
    ({"form_data": ["không", "phải", "đối tượng"]}, "form_data"),
    ({"form_data": {**CHILD, "child_birth_date": "2999-01-01"}}, "child_birth_date"),
    ({"form_data": {**CHILD, "child_sex": "khác"}}, "child_sex"),
    ({"form_data": {"child_sex": "male"}}, "child_name"),
    ({"attachments": "tệp"}, "attachments"),
    ({"attachments": [{"document_code": "birth_certificate", "file": "khong-phai-uuid"}]},
     "attachments"),
    ({"attachments": [{"document_code": "birth_certificate",
                       "file": "00000000-0000-0000-0000-000000000000"}]}, "attachments"),
    ({"attachments": [{"document_code": "birth_certificate", "file": "SCAN",
                       "copy_kind": "giả"}]}, "attachments"),
    ({"attachments": [{"document_code": "x" * 41, "file": "SCAN"}]}, "attachments"),
    ({"attachments": [{"document_code": "birth_certificate", "file": "SCAN"}] * 31},
     "attachments"),
    ({"attachments": []}, "documents"),  # the birth certificate is required
    ({"sets": 0}, "sets"),
    ({"sets": "nhiều"}, "sets"),
])
def test_bad_submissions_are_refused_with_field_errors_and_nothing_written(
        people, commune, procedure, resident, changes, field):
    scan = pdf_file(people["citizen"], commune)
    if "attachments" in changes and isinstance(changes["attachments"], list):
        changes = {"attachments": [{**a, "file": str(scan.public_id)} if a["file"] == "SCAN"
                                   else a for a in changes["attachments"]]}
    before = snapshot()
    body = {**submission(commune, procedure, scan), **changes}
    response = api(people["citizen"]).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    assert field in error(response)["fields"], error(response)
    assert error(response)["message"]
    assert snapshot() == before


def test_someone_elses_upload_cannot_be_attached(people, commune, procedure, resident):
    theirs = pdf_file(people["other_citizen"], commune)
    response = api(people["citizen"]).post(LIST, submission(commune, procedure, theirs),
                                           format="json")
    assert response.status_code == 400 and "attachments" in error(response)["fields"]
    assert not Dossier.objects.exists()


def test_a_counter_only_procedure_cannot_be_filed_online(people, commune, procedure,
                                                        resident):
    ProcedureVersion.objects.filter(procedure=procedure).update(
        online_level=OnlineLevel.COUNTER)
    scan = pdf_file(people["citizen"], commune)
    response = api(people["citizen"]).post(LIST, submission(commune, procedure, scan),
                                           format="json")
    assert response.status_code == 409 and not Dossier.objects.exists()


@pytest.mark.parametrize("key", ["k" * 65, "dòng\nmới"])
def test_a_bad_idempotency_key_is_refused(people, commune, procedure, resident, key):
    scan = pdf_file(people["citizen"], commune)
    response = api(people["citizen"]).post(LIST, submission(commune, procedure, scan),
                                           format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and not Dossier.objects.exists()


def test_malformed_oversized_and_non_json_bodies_are_refused(people, commune, procedure,
                                                             resident):
    client = api(people["citizen"])
    malformed = client.post(LIST, "{không phải json", content_type="application/json")
    assert malformed.status_code == 400
    assert error(malformed) == {"code": "parse_error",
                                "message": "Dữ liệu gửi lên không đúng định dạng."}
    huge = json.dumps({"commune": commune.pk, "procedure": procedure.code,
                       "form_data": {**CHILD, "child_name": "A" * 300_000}})
    too_large = client.post(LIST, huge, content_type="application/json")
    assert too_large.status_code == 413 and error(too_large)["code"] == "too_large"
    form = client.post(LIST, {"commune": commune.pk, "procedure": procedure.code})
    assert form.status_code == 415
    assert not Dossier.objects.exists()


def test_anonymous_cannot_submit(commune, procedure):
    response = api().post(LIST, submission(commune, procedure, None), format="json")
    assert response.status_code in (401, 403) and not Dossier.objects.exists()


# -- detail ---------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [*VIEWERS, "citizen", *BLIND])
def test_each_role_opens_only_the_dossiers_it_may(role, people, dossier):
    response = api(people[role]).get(detail_url(dossier))
    if role in BLIND:
        assert response.status_code == 404 and error(response)["code"] == "not_found"
        assert "Trần Thị Mận" not in response.content.decode()
        return
    assert response.status_code == 200
    body = response.json()
    assert body["applicant_name"] == "Trần Thị Mận"
    assert body["form_data"]["child_name"] == "Nguyễn Văn Bình"
    assert [a["name"] for a in body["attachments"]] == ["giay-chung-sinh.pdf"]
    expected = [t.action for t in services.actions_for(people[role], dossier)]
    offered = [a["action"] for a in body["actions"]]
    assert [a for a in offered if a != "extend"] == (
        ["withdraw"] if role == "citizen" else expected)


def test_the_applicant_sees_milestones_but_not_officers_or_internal_reasons(people, dossier):
    DossierStep.objects.create(dossier=dossier, action="send_back", from_state="x",
                               to_state="y", actor_label="Cán bộ Qxz", reason="nội bộ Qxz")
    citizen_body = api(people["citizen"]).get(detail_url(dossier)).json()
    staff_body = api(people["chairman"]).get(detail_url(dossier)).json()
    assert citizen_body["steps"][-1]["label"] == "Trả lại để xử lý lại"
    assert citizen_body["steps"][-1]["actor"] is None
    assert citizen_body["steps"][-1]["reason"] is None
    assert "Qxz" not in json.dumps(citizen_body)
    assert staff_body["steps"][-1]["actor"] == "Cán bộ Qxz"
    assert staff_body["steps"][-1]["reason"] == "nội bộ Qxz"


def test_a_handler_is_offered_the_extension_letter(people, dossier):
    specialist = api(people["specialist"]).get(detail_url(dossier)).json()
    clerk = api(people["clerk"]).get(detail_url(dossier)).json()
    assert "extend" in [a["action"] for a in specialist["actions"]]
    assert "extend" not in [a["action"] for a in clerk["actions"]]


def test_anonymous_and_malformed_ids(people, dossier):
    assert api().get(detail_url(dossier)).status_code in (401, 403)
    assert api(people["chairman"]).get(f"{LIST}khong-phai-uuid/").status_code == 404


# -- actions --------------------------------------------------------------------------------

@pytest.fixture
def received(commune, procedure, people):
    return make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED,
                        applicant_user=people["citizen"], now=timezone.now())


@pytest.mark.parametrize(("role", "status"), [
    ("one_stop", 200), ("chairman", 200), ("vice_chairman", 200),
    ("clerk", 403), ("citizen", 403),
    ("specialist", 404), ("specialist_land", 404), ("commune_admin", 404),
    ("village_head", 404), ("outsider_one_stop", 404), ("outsider_chairman", 404),
    ("other_citizen", 404), ("anonymous", 401),
])
def test_who_may_assign(role, status, people, received, justice):
    before = snapshot()
    response = api(people.get(role)).post(action_url(received, "assign"), {
        "department": justice.pk, "assignee": people["specialist"].pk}, format="json")
    if status == 401:
        assert response.status_code in (401, 403)
    else:
        assert response.status_code == status, response.content
    if status == 200:
        body = response.json()
        assert body["status"] == "assigned" and body["department"] == justice.name
        received.refresh_from_db()
        assert received.assignee == people["specialist"]
        assert DossierStep.objects.filter(dossier=received, action="assign").exists()
        assert HistoryEvent.objects.filter(action="dossier.assign").exists()
    else:
        assert snapshot() == before


def test_an_unknown_action_is_404_and_changes_nothing(people, received):
    before = snapshot()
    response = api(people["one_stop"]).post(action_url(received, "bay-len"), {},
                                            format="json")
    assert response.status_code == 404 and snapshot() == before


def test_an_action_from_the_wrong_state_is_409(people, dossier):
    before = snapshot()
    response = api(people["chairman"]).post(action_url(dossier, "sign"), {}, format="json")
    assert response.status_code == 409
    assert error(response)["code"] == "conflict" and "Đang xử lý" in error(response)["message"]
    assert snapshot() == before


@pytest.mark.parametrize(("action", "payload", "field"), [
    ("stop", {}, "reason"),
    ("stop", {"reason": "   "}, "reason"),
    ("stop", {"reason": "x" * 2001}, "reason"),
    ("stop", {"reason": ["danh", "sách"]}, "reason"),
    ("stop", {"reason": "có ký tự \x00"}, None),
    ("request_supplement", {"reason": 12}, "reason"),
])
def test_bad_reasons_are_refused_and_change_nothing(people, dossier, action, payload, field):
    before = snapshot()
    response = api(people["specialist"]).post(action_url(dossier, action), payload,
                                              format="json")
    assert response.status_code == 400, response.content
    if field:
        assert field in error(response)["fields"]
    assert snapshot() == before


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "department"),
    ({"department": "abc"}, "department"),
    ({"department": 999_999}, "department"),
    ({"department": "OTHER"}, "department"),
    ({"assignee": 999_999}, "assignee"),
    ({"assignee": "OUTSIDER"}, "assignee"),
    ({"assignee": "CITIZEN"}, "assignee"),
])
def test_bad_assignments_are_refused(people, received, other_commune, payload, field):
    replace = {"OTHER": Department.objects.filter(commune=other_commune).first().pk,
               "OUTSIDER": people["outsider_one_stop"].pk, "CITIZEN": people["citizen"].pk}
    payload = {k: replace.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    before = snapshot()
    response = api(people["one_stop"]).post(action_url(received, "assign"), payload,
                                            format="json")
    assert response.status_code == 400, response.content
    assert field in error(response)["fields"]
    assert snapshot() == before


def test_action_bodies_malformed_or_oversized(people, dossier):
    client = api(people["specialist"])
    before = snapshot()
    assert client.post(action_url(dossier, "stop"), "{x",
                       content_type="application/json").status_code == 400
    huge = json.dumps({"reason": "x" * 300_000})
    assert client.post(action_url(dossier, "stop"), huge,
                       content_type="application/json").status_code == 413
    assert snapshot() == before


def test_the_applicant_withdraws_online(people, dossier):
    response = api(people["citizen"]).post(action_url(dossier, "withdraw"),
                                           {"reason": "Nộp nhầm thủ tục"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "withdrawn"
    assert response.json()["steps"][-1]["reason"] == "Nộp nhầm thủ tục"


def test_the_applicant_supplements_with_an_upload(people, commune, procedure, justice):
    waiting = make_dossier(commune=commune, procedure=procedure, state=State.SUPPLEMENT,
                           department=justice, applicant_user=people["citizen"],
                           now=timezone.now())
    scan = pdf_file(people["citizen"], commune, "ban-chinh.pdf")
    response = api(people["citizen"]).post(action_url(waiting, "supplement"), {
        "attachments": [{"document_code": "birth_certificate", "file": str(scan.public_id),
                         "copy_kind": "original"}]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "processing"
    assert [(a["name"], a["round"]) for a in body["attachments"]] == [("ban-chinh.pdf", 1)]
    waiting.refresh_from_db()
    assert waiting.paused_at is None and waiting.due_at > timezone.now()


def test_a_supplement_without_files_is_refused(people, commune, procedure, justice):
    waiting = make_dossier(commune=commune, procedure=procedure, state=State.SUPPLEMENT,
                           department=justice, applicant_user=people["citizen"],
                           now=timezone.now())
    before = snapshot()
    response = api(people["citizen"]).post(action_url(waiting, "supplement"), {},
                                           format="json")
    assert response.status_code == 400 and snapshot() == before


def test_results_of_partly_online_procedures_are_taken_at_the_desk(people, commune,
                                                                   procedure):
    ProcedureVersion.objects.filter(procedure=procedure).update(
        online_level=OnlineLevel.PARTIAL)
    ready = make_dossier(commune=commune, procedure=procedure, state=State.RESULT_READY,
                         applicant_user=people["citizen"], now=timezone.now())
    before = snapshot()
    assert "return" not in [a["action"] for a in
                            api(people["citizen"]).get(detail_url(ready)).json()["actions"]]
    response = api(people["citizen"]).post(action_url(ready, "return"), {}, format="json")
    assert response.status_code == 403 and snapshot() == before
    # The one-stop officer hands it over at the desk.
    assert api(people["one_stop"]).post(action_url(ready, "return"), {},
                                        format="json").status_code == 200


def test_a_handler_starts_and_drafts_the_result(people, commune, procedure, justice):
    assigned = make_dossier(commune=commune, procedure=procedure, state=State.ASSIGNED,
                            department=justice, now=timezone.now())
    client = api(people["specialist"])
    assert api(people["specialist_land"]).post(action_url(assigned, "start"), {},
                                               format="json").status_code == 404
    assert client.post(action_url(assigned, "start"), {}, format="json").status_code == 200
    draft = pdf_file(people["specialist"], commune, "du-thao.pdf")
    photo_of_other_commune = pdf_file(people["outsider_one_stop"], commune_of(people))
    refused = client.post(action_url(assigned, "draft_result"),
                          {"result": str(photo_of_other_commune.public_id)}, format="json")
    assert refused.status_code == 400 and "result" in error(refused)["fields"]
    response = client.post(action_url(assigned, "draft_result"),
                           {"result": str(draft.public_id)}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "result_drafted"


def commune_of(people: dict[str, Any]) -> Any:
    return people["outsider_one_stop"].memberships.get().commune


def test_receiving_issues_the_receipt(people, commune, procedure):
    waiting = make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED,
                           applicant_user=people["citizen"], now=timezone.now())
    response = api(people["one_stop"]).post(action_url(waiting, "receive"), {},
                                            format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "received" and body["due_at"]
    receipt = [d for d in body["documents"] if d["form"] == "01"]
    assert receipt and receipt[0]["form_label"] == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    pdf = api(people["citizen"]).get(receipt[0]["content_url"])
    assert pdf.status_code == 200
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")


# -- extension letter -----------------------------------------------------------------------

def next_working_day_after(moment: dt.datetime, commune: Any) -> dt.date:
    return WorkingClock.for_commune(commune).next_working_day(local(moment).date())


def test_a_handler_extends_the_due_date(people, dossier, commune):
    new_date = next_working_day_after(dossier.due_at, commune)
    response = api(people["specialist"]).post(f"{detail_url(dossier)}extend/", {
        "new_due_date": new_date.isoformat(), "reason": "Cần xác minh thêm"}, format="json")
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert local(dossier.due_at).date() == new_date
    assert "04" in [d["form"] for d in response.json()["documents"]]


@pytest.mark.parametrize(("role", "payload", "status"), [
    ("specialist", {"new_due_date": "2000-01-03", "reason": "x"}, 400),
    ("specialist", {"new_due_date": "không phải ngày", "reason": "x"}, 400),
    ("specialist", {"new_due_date": "NEXT"}, 400),
    ("specialist", {"new_due_date": "NEXT", "reason": ""}, 400),
    ("clerk", {"new_due_date": "NEXT", "reason": "x"}, 403),
    ("citizen", {"new_due_date": "NEXT", "reason": "x"}, 403),
    ("specialist_land", {"new_due_date": "NEXT", "reason": "x"}, 404),
    ("outsider_chairman", {"new_due_date": "NEXT", "reason": "x"}, 404),
])
def test_bad_or_forbidden_extensions_change_nothing(people, dossier, commune, role, payload,
                                                    status):
    new_date = next_working_day_after(dossier.due_at, commune)
    payload = {k: new_date.isoformat() if v == "NEXT" else v for k, v in payload.items()}
    before = snapshot()
    response = api(people[role]).post(f"{detail_url(dossier)}extend/", payload,
                                      format="json")
    assert response.status_code == status, response.content
    assert snapshot() == before


def test_a_closed_dossier_cannot_be_extended(people, commune, procedure, justice):
    closed = make_dossier(commune=commune, procedure=procedure, state=State.STOPPED,
                          department=justice, now=timezone.now())
    response = api(people["chairman"]).post(f"{detail_url(closed)}extend/", {
        "new_due_date": "2030-01-07", "reason": "x"}, format="json")
    assert response.status_code == 409


# -- files ----------------------------------------------------------------------------------

def test_files_download_only_through_their_dossier_and_to_who_may_see_them(
        people, dossier, commune, procedure):
    scan = dossier.attachments.get().file
    sheet = pdf_file(people["one_stop"], commune, "phieu-kiem-soat.pdf")
    DossierDocument.objects.create(dossier=dossier, form="06", file=sheet)
    url = f"{detail_url(dossier)}files/{scan.public_id}/"
    sheet_url = f"{detail_url(dossier)}files/{sheet.public_id}/"
    assert api(people["chairman"]).get(url).status_code == 200
    assert api(people["citizen"]).get(url).status_code == 200
    # The process control sheet is the office's; the applicant does not get it.
    assert api(people["chairman"]).get(sheet_url).status_code == 200
    assert api(people["citizen"]).get(sheet_url).status_code == 404
    for role in ("outsider_chairman", "commune_admin", "other_citizen"):
        assert api(people[role]).get(url).status_code == 404
    assert api().get(url).status_code in (401, 403)
    # Another dossier's file through this one's address: 404.
    other = make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                         attachment=pdf_file(people["one_stop"], commune))
    other_file = other.attachments.get().file
    assert api(people["chairman"]).get(
        f"{detail_url(dossier)}files/{other_file.public_id}/").status_code == 404


# -- public status --------------------------------------------------------------------------

def test_the_public_status_shows_masked_data_only(people, dossier):
    DossierStep.objects.create(dossier=dossier, action="assign", from_state="received",
                               to_state="assigned", actor_label="Cán bộ Qxz",
                               reason="lý do Qxz")
    for code in (dossier.lookup_code, dossier.code, dossier.lookup_code.lower()):
        response = APIClient().get(f"/api/v1/status/{code}/")
        assert response.status_code == 200
        body = response.json()
        assert body["applicant"] == "T*** T*** Mận"
        assert body["status"] == "processing" and body["status_label"] == "Đang xử lý"
        assert body["milestones"][-1]["label"] == "Chuyển xử lý"
        text = response.content.decode()
        for secret in ("Trần Thị Mận", "001190012345", "0912345678", "Qxz", "Nguyễn Văn Bình"):
            assert secret not in text
        assert response["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize("code", ["KHONGCO", "..", "<script>", "x" * 41, "A B", "Ｑ０１"])
def test_unknown_or_malformed_codes_are_404(db, code):
    response = APIClient().get(f"/api/v1/status/{code}/")
    assert response.status_code == 404 and error(response)["code"] == "not_found"


def test_status_lookups_are_throttled_per_address_together_with_the_page(settings, dossier):
    settings.ONESTOP_STATUS_RATE = (3, 600)
    client = APIClient()
    assert client.get(f"/tra-cuu/{dossier.lookup_code}/").status_code == 200
    for _i in range(2):
        assert client.get(f"/api/v1/status/{dossier.lookup_code}/").status_code == 200
    limited = client.get(f"/api/v1/status/{dossier.lookup_code}/")
    assert limited.status_code == 429 and error(limited)["code"] == "throttled"
    assert limited["Retry-After"] == "600"


def test_misses_are_throttled_sooner(settings, db):
    settings.ONESTOP_STATUS_MISS_RATE = (2, 600)
    client = APIClient()
    assert [client.get(f"/api/v1/status/KHONG{i}/").status_code for i in range(3)] == [
        404, 404, 429]


# -- schema ---------------------------------------------------------------------------------

def test_the_openapi_document_validates_and_lists_the_dossier_endpoints(tmp_path, client):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file",
                 str(tmp_path / "schema.yaml"))
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/dossiers/", "/api/v1/dossiers/{public_id}/",
                 "/api/v1/dossiers/{public_id}/actions/{action}/",
                 "/api/v1/dossiers/{public_id}/extend/",
                 "/api/v1/dossiers/{public_id}/files/{file_id}/", "/api/v1/status/{code}/"):
        assert path in paths
