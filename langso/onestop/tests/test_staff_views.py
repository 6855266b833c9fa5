"""The officers' screens over HTTP: worklist, overview, the dossier screen, its action forms
and its files, for every role, for another commune's staff, citizens and anonymous users;
bad and hostile input gets a Vietnamese message and changes nothing."""

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from langso.core.clock import WorkingClock
from langso.core.models import Department, HistoryEvent, Role, StoredFile, User
from langso.core.tests import upload_samples
from langso.onestop.models import Dossier, DossierStep
from langso.onestop.staff_forms import WorklistFilterForm
from langso.onestop.tests.staff_factories import HOUR, make_dossier, pdf_file
from langso.onestop.workflow import State
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

WORKLIST = "/can-bo/mot-cua/"
OVERVIEW = "/can-bo/mot-cua/tong-quan/"
# Roles that open dossiers of their commune (specialist: of their department).
VIEWERS = ["chairman", "vice_chairman", "one_stop", "specialist", "clerk"]


def page_url(dossier: Dossier) -> str:
    return f"/can-bo/mot-cua/ho-so/{dossier.public_id}/"


def action_url(dossier: Dossier, action: str) -> str:
    return f"{page_url(dossier)}{action}/"


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def people(officers, citizen, make_staff, commune, other_commune, village):
    return {**officers,
            "specialist_land": make_staff(Role.SPECIALIST, commune,
                                          department_kind=Department.Kind.LAND),
            "village_head": make_staff(Role.VILLAGE_HEAD, commune, village=village),
            "outsider_one_stop": make_staff(Role.ONE_STOP_OFFICER, other_commune),
            "outsider_chairman": make_staff(Role.CHAIRMAN, other_commune),
            "citizen": citizen}


@pytest.fixture
def dossier(commune, procedure, people, justice, now):
    """A dossier of the citizen being processed by the justice office, with one scan."""
    scan = pdf_file(people["citizen"], commune, "giay-chung-sinh.pdf")
    return make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                        department=justice, applicant_user=people["citizen"], now=now,
                        due_at=now - HOUR, attachment=scan,
                        applicant_name="Trần Thị Mận")


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        login_verified(client, user)
    return client


def snapshot(dossier: Dossier) -> dict[str, Any]:
    return {"row": Dossier.objects.filter(pk=dossier.pk).values().get(),
            "steps": DossierStep.objects.filter(dossier=dossier).count(),
            "history": HistoryEvent.objects.count(),
            "files": StoredFile.objects.count()}


# -- who gets in -----------------------------------------------------------------------------

@pytest.mark.parametrize("role", VIEWERS)
def test_office_staff_see_the_dossier_in_their_worklist(role, people, dossier):
    response = client_for(people[role]).get(WORKLIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert dossier.code in body
    # Colour and words: the overdue dossier is red and says so.
    assert 'class="badge tone-late">Quá hạn</span>' in body


@pytest.mark.parametrize("role", ["commune_admin", "village_head", "citizen"])
def test_who_may_not_handle_dossiers_gets_404_on_every_screen(role, people, dossier):
    client = client_for(people[role])
    for url in (WORKLIST, OVERVIEW, page_url(dossier),
                f"{page_url(dossier)}tep/{dossier.attachments.get().file.public_id}/"):
        assert client.get(url).status_code == 404, url
    before = snapshot(dossier)
    assert client.post(action_url(dossier, "stop"),
                       {"stop-reason": "Dừng"}).status_code == 404
    assert snapshot(dossier) == before


def test_anonymous_users_are_sent_to_sign_in(dossier):
    client = Client()
    for url in (WORKLIST, OVERVIEW, page_url(dossier)):
        response = client.get(url)
        assert response.status_code == 302 and "/tai-khoan/" in response["Location"]
    before = snapshot(dossier)
    assert client.post(action_url(dossier, "stop"), {"stop-reason": "x"}).status_code == 302
    assert snapshot(dossier) == before


@pytest.mark.parametrize("role", ["outsider_one_stop", "outsider_chairman"])
def test_another_communes_staff_get_404_and_an_empty_worklist(role, people, dossier):
    client = client_for(people[role])
    worklist = client.get(WORKLIST)
    assert worklist.status_code == 200 and dossier.code not in worklist.content.decode()
    assert client.get(page_url(dossier)).status_code == 404
    file_id = dossier.attachments.get().file.public_id
    assert client.get(f"{page_url(dossier)}tep/{file_id}/").status_code == 404
    before = snapshot(dossier)
    for action, data in (("stop", {"stop-reason": "Dừng"}), ("sign", {}),
                         ("extend", {"extend-new_due_date": "2099-01-05",
                                     "extend-reason": "x"})):
        assert client.post(action_url(dossier, action), data).status_code == 404
    assert snapshot(dossier) == before
    if role == "outsider_chairman":
        overview = client.get(OVERVIEW)
        assert overview.status_code == 200 and dossier.code not in overview.content.decode()


def test_a_specialist_of_another_department_gets_404(people, dossier):
    client = client_for(people["specialist_land"])
    assert dossier.code not in client.get(WORKLIST).content.decode()
    assert client.get(page_url(dossier)).status_code == 404


def test_the_applicant_has_no_staff_screen_of_their_dossier(people, dossier):
    assert client_for(people["citizen"]).get(page_url(dossier)).status_code == 404


# -- worklist --------------------------------------------------------------------------------

def test_the_worklist_filters_and_refuses_bad_filters(people, dossier, commune, procedure):
    received = make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED)
    client = client_for(people["one_stop"])
    body = client.get(WORKLIST, {"status": State.RECEIVED}).content.decode()
    assert received.code in body and dossier.code not in body
    for bad in ({"status": "deleted"}, {"procedure": "abc"}, {"procedure": "999999"},
                {"mine": "<script>"}):
        response = client.get(WORKLIST, bad)
        assert response.status_code == 400, bad
        text = response.content.decode()
        assert "Bộ lọc không hợp lệ" in text and "<script>" not in text
        assert dossier.code in text and received.code in text


def test_the_worklist_answers_htmx_with_rows_only(people, dossier):
    response = client_for(people["one_stop"]).get(WORKLIST, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and dossier.code in body and "<html" not in body


def test_the_worklist_page_costs_the_same_queries_for_3_or_30_dossiers(
        people, commune, procedure, justice, now):
    client = client_for(people["one_stop"])

    def make(n):
        for i in range(n):
            make_dossier(commune=commune, procedure=procedure, state=State.PROCESSING,
                         department=justice, due_at=now + dt.timedelta(hours=i), now=now)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(WORKLIST).status_code == 200
        return len(captured)

    make(3)
    few = queries()
    make(27)
    assert queries() == few


def test_the_worklist_filters_are_djangos_select_html_from_one_plain_query(procedure):
    # Given a filter with a procedure and a state chosen
    form = WorklistFilterForm({"status": State.PROCESSING, "procedure": str(procedure.pk),
                               "mine": "1"})
    assert form.is_valid()
    # When its fields are drawn
    with CaptureQueriesContext(connection) as captured:
        drawn = "".join(str(field) for field in form)
    # Then the procedures come from one query (no server-side cursor), and the HTML is
    # what Django's own select template makes of the same fields
    assert len(captured) == 1 and "DECLARE" not in captured[0]["sql"]
    assert f'<option value="{procedure.pk}" selected>{procedure}</option>' in drawn
    assert f'<option value="{State.PROCESSING.value}" selected>' in drawn
    for field in form.fields.values():
        field.widget.template_name = "django/forms/widgets/select.html"
    assert drawn == "".join(str(field) for field in form)


def test_the_overview_shows_leaders_who_is_late(people, dossier, commune, procedure):
    dossier.assignee = people["specialist"]
    dossier.save(update_fields=["assignee"])
    for role in ("chairman", "vice_chairman"):
        response = client_for(people[role]).get(OVERVIEW)
        body = response.content.decode()
        assert response.status_code == 200
        assert dossier.code in body and people["specialist"].full_name in body
    for role in ("one_stop", "specialist", "clerk"):
        assert client_for(people[role]).get(OVERVIEW).status_code == 404


# -- the dossier screen -------------------------------------------------------------------------

def test_the_dossier_screen_shows_the_application_files_and_history(people, dossier):
    response = client_for(people["specialist"]).get(page_url(dossier))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Trần Thị Mận" in body and "001190012345" in body
    # Form data under the labels of its version, choices by their label.
    assert "Họ, chữ đệm, tên của trẻ" in body and "Nguyễn Văn Bình" in body
    assert "01/11/2026" in body and "<dd>Nam</dd>" in body
    file_id = dossier.attachments.get().file.public_id
    assert f"{page_url(dossier)}tep/{file_id}/" in body and "Giấy chứng sinh" in body
    assert 'id="history-title"' in body and "Quá trình giải quyết (Mẫu 06)" in body
    # The handler's actions on a dossier being processed, each its own form.
    for action in ("request_supplement", "draft_result", "stop", "extend"):
        assert f'action="{action_url(dossier, action)}"' in body, action
    for action in ("sign", "assign", "receive"):
        assert f'action="{action_url(dossier, action)}"' not in body, action


def test_the_assign_form_offers_only_the_communes_departments_and_staff(
        people, commune, procedure, other_commune):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED)
    body = client_for(people["one_stop"]).get(page_url(dossier)).content.decode()
    departments = body.split('name="assign-department"')[1].split("</select>")[0]
    assignees = body.split('name="assign-assignee"')[1].split("</select>")[0]
    assert sorted(int(v) for v in re.findall(r'value="(\d+)"', departments)) == sorted(
        Department.objects.filter(commune=commune).values_list("pk", flat=True))
    # Specialists, the one-stop officer and leaders of this commune; not the clerk, the IT
    # administrator or anybody of another commune.
    assert sorted(int(v) for v in re.findall(r'value="(\d+)"', assignees)) == sorted(
        people[k].pk for k in ("chairman", "vice_chairman", "one_stop", "specialist",
                               "specialist_land"))


def test_files_download_only_through_their_dossier(people, dossier, commune, procedure):
    client = client_for(people["one_stop"])
    stored = dossier.attachments.get().file
    response = client.get(f"{page_url(dossier)}tep/{stored.public_id}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # A file of another dossier of the same commune is not served through this one.
    other = make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED,
                         attachment=pdf_file(people["one_stop"], commune, "khac.pdf"))
    other_file = other.attachments.get().file.public_id
    assert client.get(f"{page_url(dossier)}tep/{other_file}/").status_code == 404
    assert client.get(f"{page_url(dossier)}tep/not-a-uuid/").status_code == 404


def test_issued_documents_are_listed_and_download(people, commune, procedure):
    online = make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED)
    client = client_for(people["one_stop"])
    assert client.post(action_url(online, "receive"), {}).status_code == 303
    receipt = online.documents.get(form="01")
    body = client.get(page_url(online)).content.decode()
    link = f"{page_url(online)}tep/{receipt.file.public_id}/"
    assert link in body and "Giấy tiếp nhận hồ sơ và hẹn trả kết quả" in body
    assert client.get(link)["Content-Type"] == "application/pdf"


# -- actions over HTTP -------------------------------------------------------------------------

def test_assigning_hands_the_dossier_over_and_redirects(people, commune, procedure, justice):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED)
    response = client_for(people["one_stop"]).post(action_url(dossier, "assign"), {
        "assign-department": justice.pk, "assign-assignee": people["specialist"].pk,
        "assign-reason": "Chuyển bộ phận tư pháp"})
    assert response.status_code == 303 and response["Location"] == page_url(dossier)
    dossier.refresh_from_db()
    assert (dossier.status, dossier.department, dossier.assignee) == (
        State.ASSIGNED, justice, people["specialist"])
    step = dossier.steps.get(action="assign")
    assert (step.actor, step.reason) == (people["one_stop"], "Chuyển bộ phận tư pháp")
    assert justice.name in step.handed_to_label


@pytest.mark.parametrize("data, message", [
    ({}, "Chọn bộ phận hoặc người xử lý."),
    ({"assign-department": "abc"}, "Hãy chọn một lựa chọn hợp lệ."),
    ({"assign-assignee": "999999"}, "Hãy chọn một lựa chọn hợp lệ."),
])
def test_a_bad_assignment_is_refused_with_a_message(data, message, people, commune,
                                                   procedure):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED)
    before = snapshot(dossier)
    response = client_for(people["one_stop"]).post(action_url(dossier, "assign"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(dossier) == before


def test_an_assignment_to_another_communes_department_or_officer_is_refused(
        people, commune, procedure, other_commune):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.RECEIVED)
    foreign = Department.objects.filter(commune=other_commune).first()
    client = client_for(people["one_stop"])
    before = snapshot(dossier)
    for data in ({"assign-department": foreign.pk},
                 {"assign-assignee": people["outsider_one_stop"].pk}):
        response = client.post(action_url(dossier, "assign"), data)
        assert response.status_code == 400
    assert snapshot(dossier) == before


@pytest.mark.parametrize("reason, message", [
    ("", "Trường này là bắt buộc."),
    ("   ", "Trường này là bắt buộc."),
    ("x" * 2001, "2000"),
    ("Lý do\x00ẩn", "Nội dung có ký tự không hợp lệ."),
])
def test_missing_oversized_or_hostile_reasons_change_nothing(reason, message, people,
                                                             dossier):
    before = snapshot(dossier)
    response = client_for(people["specialist"]).post(action_url(dossier, "stop"),
                                                     {"stop-reason": reason})
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body and 'role="alert"' in body
    assert snapshot(dossier) == before


def test_markup_in_a_reason_is_shown_as_text(people, dossier, commune, procedure):
    response = client_for(people["one_stop"]).post(
        action_url(dossier, "request_supplement"),
        {"request_supplement-reason": "<script>alert(1)</script> thiếu giấy"})
    assert response.status_code == 303
    body = client_for(people["one_stop"]).get(page_url(dossier)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; thiếu giấy" in body


def test_an_action_the_role_may_not_take_is_403_and_changes_nothing(people, dossier):
    before = snapshot(dossier)
    response = client_for(people["clerk"]).post(action_url(dossier, "stop"),
                                                {"stop-reason": "Dừng"})
    assert response.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này." in response.content.decode()
    assert snapshot(dossier) == before


def test_an_action_from_the_wrong_state_is_409_and_changes_nothing(people, dossier):
    before = snapshot(dossier)
    response = client_for(people["one_stop"]).post(action_url(dossier, "start"), {})
    assert response.status_code == 409
    assert "Hồ sơ đang ở trạng thái “Đang xử lý”" in response.content.decode()
    assert snapshot(dossier) == before


def test_a_double_submit_moves_the_dossier_once(people, commune, procedure):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.SUBMITTED)
    client = client_for(people["one_stop"])
    assert client.post(action_url(dossier, "receive"), {}).status_code == 303
    assert client.post(action_url(dossier, "receive"), {}).status_code == 409
    assert dossier.steps.filter(action="receive").count() == 1


def test_unknown_actions_and_get_requests_are_refused(people, dossier):
    client = client_for(people["chairman"])
    assert client.post(action_url(dossier, "delete"), {}).status_code == 404
    assert client.get(action_url(dossier, "stop")).status_code == 405


def test_htmx_gets_the_page_with_the_error_to_swap_in(people, dossier):
    response = client_for(people["one_stop"]).post(action_url(dossier, "start"), {},
                                                   HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    body = response.content.decode()
    assert 'id="main"' in body and 'id="error-summary"' in body


def test_a_drafted_result_is_uploaded_as_pdf(people, dossier):
    response = client_for(people["specialist"]).post(action_url(dossier, "draft_result"), {
        "draft_result-result": SimpleUploadedFile("ket-qua.pdf", upload_samples.pdf(),
                                                  content_type="application/pdf")})
    assert response.status_code == 303
    dossier.refresh_from_db()
    assert dossier.status == State.RESULT_DRAFTED
    assert dossier.result_file.kind == "document"
    assert dossier.result_file.uploaded_by == people["specialist"]


@pytest.mark.parametrize("upload, message", [
    (None, "Trường này là bắt buộc."),
    (SimpleUploadedFile("ket-qua.pdf", b"not a pdf at all", content_type="application/pdf"),
     "PDF"),
    (SimpleUploadedFile("anh.jpg", upload_samples.jpeg(), content_type="image/jpeg"), "PDF"),
])
def test_a_missing_or_fake_result_file_changes_nothing(upload, message, people, dossier):
    before = snapshot(dossier)
    data = {"draft_result-result": upload} if upload else {}
    response = client_for(people["specialist"]).post(action_url(dossier, "draft_result"),
                                                     data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert snapshot(dossier) == before


def test_an_oversized_upload_is_refused_before_it_is_read(people, dossier, settings):
    settings.UPLOAD_MAX_BYTES = {"photo": 1024, "document": 1024, "audio": 1024}
    before = snapshot(dossier)
    big = SimpleUploadedFile("ket-qua.pdf", b"%PDF-1.4\n" + b"0" * (400 * 1024),
                             content_type="application/pdf")
    response = client_for(people["specialist"]).post(action_url(dossier, "draft_result"),
                                                     {"draft_result-result": big})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()
    assert snapshot(dossier) == before


def test_the_one_stop_officer_files_a_supplement_for_the_citizen(people, commune, procedure,
                                                                 justice):
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.SUPPLEMENT,
                           department=justice, applicant_user=people["citizen"])
    response = client_for(people["one_stop"]).post(action_url(dossier, "supplement"), {
        "supplement-document_code": "birth_certificate",
        "supplement-file": SimpleUploadedFile("ban-chinh.jpg", upload_samples.jpeg(),
                                              content_type="image/jpeg")})
    assert response.status_code == 303
    dossier.refresh_from_db()
    assert dossier.status == State.PROCESSING and dossier.paused_at is None
    attachment = dossier.attachments.get(round=1)
    assert attachment.file.kind == "photo"


def test_the_extension_letter_moves_the_due_date(people, dossier, commune):
    clock = WorkingClock.for_commune(commune)
    new_day = clock.next_working_day(clock.next_working_day(timezone.localdate()))
    response = client_for(people["specialist"]).post(action_url(dossier, "extend"), {
        "extend-new_due_date": new_day.strftime("%d/%m/%Y"),
        "extend-reason": "Chờ xác minh của công an"})
    assert response.status_code == 303
    dossier.refresh_from_db()
    assert dossier.due_at == clock.closing(new_day)
    assert dossier.documents.filter(form="04").count() == 1


@pytest.mark.parametrize("date", ["31/02/2026", "", "2026-13-01", "ngày mai", "9" * 300])
def test_a_bad_extension_date_changes_nothing(date, people, dossier):
    before = snapshot(dossier)
    response = client_for(people["specialist"]).post(action_url(dossier, "extend"), {
        "extend-new_due_date": date, "extend-reason": "Chờ xác minh"})
    assert response.status_code == 400
    assert snapshot(dossier) == before


def test_an_extension_to_a_day_off_is_refused_with_the_services_message(people, dossier,
                                                                       commune):
    clock = WorkingClock.for_commune(commune)
    day = timezone.localdate() + dt.timedelta(days=7)
    while clock.is_working_day(day):
        day += dt.timedelta(days=1)
    before = snapshot(dossier)
    response = client_for(people["specialist"]).post(action_url(dossier, "extend"), {
        "extend-new_due_date": day.isoformat(), "extend-reason": "Chờ xác minh"})
    assert response.status_code == 400
    assert "Không phải ngày làm việc." in response.content.decode()
    assert snapshot(dossier) == before


def test_the_leader_signs_after_the_extension_only(people, commune, procedure, justice, now):
    result = pdf_file(people["specialist"], commune, "ket-qua.pdf")
    dossier = make_dossier(commune=commune, procedure=procedure, state=State.RESULT_DRAFTED,
                           department=justice, due_at=now - HOUR, result_file=result, now=now)
    client = client_for(people["chairman"])
    before = snapshot(dossier)
    response = client.post(action_url(dossier, "sign"), {})
    assert response.status_code == 409
    assert "Mẫu 04" in response.content.decode()
    assert snapshot(dossier) == before


def test_a_user_without_a_verified_second_factor_is_sent_to_it(people, dossier):
    client = Client()
    client.force_login(people["one_stop"])
    response = client.get(page_url(dossier))
    assert response.status_code == 302


def test_users_are_users(people):
    assert all(isinstance(u, User) for u in people.values())
