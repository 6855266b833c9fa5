"""The staff screens of field reports over HTTP: worklists, the report screen, every action
form, moderation, files and the commune's setup, for every role, for another commune's
staff, citizens and anonymous users. Bad and hostile input gets a Vietnamese message and
changes nothing."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from langso.core.clock import TZ
from langso.core.models import Department, HistoryEvent, Role, StoredFile, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.reports import services
from langso.reports.models import (
    Category,
    MediaKind,
    Report,
    ReportMedia,
    ReportSettings,
    ReportUpdate,
    ResponseTemplate,
    Severity,
)
from langso.reports.workflow import State
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

WORKLIST = "/can-bo/phan-anh/"
# A Monday long past: a report sent then is late for acknowledgement by now.
LONG_AGO = dt.datetime(2026, 10, 5, 8, 0, tzinfo=TZ)


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(staff, citizen, make_staff, commune, other_commune, village):
    return {**staff, "citizen": citizen,
            "village_head": make_staff(Role.VILLAGE_HEAD, commune, village=village),
            "clerk": make_staff(Role.CLERK, commune),
            "outsider_chairman": make_staff(Role.CHAIRMAN, other_commune),
            "outsider_admin": make_staff(Role.COMMUNE_ADMIN, other_commune)}


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        login_verified(client, user)
    return client


def page(report: Report) -> str:
    return f"/can-bo/phan-anh/{report.pk}/"


def action(report: Report, name: str) -> str:
    return f"{page(report)}{name}/"


def snapshot(report: Report) -> dict[str, Any]:
    return {"row": Report.objects.filter(pk=report.pk).values().get(),
            "history": HistoryEvent.objects.count(),
            "updates": ReportUpdate.objects.count(),
            "media": ReportMedia.objects.count(), "files": StoredFile.objects.count()}


def jpeg_upload(name: str = "ket-qua.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, upload_samples.jpeg(), content_type="image/jpeg")


@pytest.fixture
def photo(commune: Any, people: Any) -> Callable[[Report], ReportMedia]:
    """A processed photo attached to a report (as reports.media would leave it)."""
    def make(report: Report) -> ReportMedia:
        stored = upload_store(actor=people["chairman"], commune=commune, kind="photo",
                              file=jpeg_upload("duong.jpg"))
        return ReportMedia.objects.create(commune=commune, report=report,
                                          kind=MediaKind.PHOTO, file=stored, status="ready")
    return make


# -- who gets in ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["chairman", "vice_chairman"])
def test_leaders_find_a_new_report_in_their_triage_queue(role, people, make_report):
    report = make_report()
    response = client_for(people[role]).get(WORKLIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert f'href="{page(report)}"' in body and "PA-1" in body
    assert 'aria-current="page">Cần tiếp nhận' in body
    assert 'class="badge tone-soon">Chờ tiếp nhận</span>' in body


def test_an_officer_sees_only_the_reports_of_their_department(people, triaged, make_report,
                                                              staff, culture):
    noise = services.report_triage(actor=staff["chairman"], report=make_report(category="noise"),
                                   severity=Severity.NORMAL, department=culture)
    land = client_for(people["land_officer"])
    body = land.get(WORKLIST).content.decode()
    assert page(triaged) in body and page(noise) not in body
    assert land.get(page(noise)).status_code == 404
    assert land.get(page(triaged)).status_code == 200
    culture_body = client_for(people["culture_officer"]).get(WORKLIST).content.decode()
    assert page(noise) in culture_body and page(triaged) not in culture_body


@pytest.mark.parametrize("role", ["one_stop", "clerk", "village_head", "citizen"])
def test_who_does_not_handle_reports_gets_404_everywhere(role, people, make_report, photo):
    report = make_report()
    item = photo(report)
    client = client_for(people[role])
    for url in (WORKLIST, page(report), f"{page(report)}tep/{item.pk}/",
                f"{page(report)}mau-tra-loi/"):
        assert client.get(url).status_code == 404, url
    before = snapshot(report)
    assert client.post(action(report, "triage"), {
        "triage-severity": "normal", "triage-department": report.category.department_id,
    }).status_code == 404
    assert client.post(f"{page(report)}kiem-duyet/", {
        "moderate-what": "report", "moderate-reason": "x"}).status_code == 404
    assert snapshot(report) == before


def test_anonymous_visitors_are_sent_to_sign_in(make_report):
    report = make_report()
    client = Client()
    for url in (WORKLIST, page(report), "/can-bo/phan-anh/thong-ke/",
                "/can-bo/phan-anh/cau-hinh/"):
        response = client.get(url)
        assert response.status_code == 302 and "/tai-khoan/" in response["Location"], url
    before = snapshot(report)
    assert client.post(action(report, "reject"), {"reject-reason": "spam",
                                                  "reject-note": "x"}).status_code == 302
    assert snapshot(report) == before


@pytest.mark.parametrize("role", ["outsider_chairman", "outsider_admin"])
def test_a_user_of_another_commune_gets_404_and_changes_nothing(role, people, make_report,
                                                                photo, land):
    report = make_report()
    item = photo(report)
    client = client_for(people[role])
    listing = client.get(WORKLIST)
    assert listing.status_code == 200 and page(report) not in listing.content.decode()
    for url in (page(report), f"{page(report)}tep/{item.pk}/", f"{page(report)}mau-tra-loi/"):
        assert client.get(url).status_code == 404, url
    before = snapshot(report)
    for name, data in (("triage", {"triage-severity": "normal", "triage-department": land.pk}),
                       ("reject", {"reject-reason": "spam", "reject-note": "Quảng cáo"})):
        assert client.post(action(report, name), data).status_code == 404
    assert client.post(f"{page(report)}kiem-duyet/", {
        "moderate-what": "report", "moderate-reason": "x"}).status_code == 404
    assert snapshot(report) == before


def test_the_commune_administrator_moderates_without_seeing_who_reported(people, make_report):
    report = make_report()
    client = client_for(people["commune_admin"])
    body = client.get(WORKLIST).content.decode()
    assert page(report) in body and "Cần tiếp nhận" not in body
    screen = client.get(page(report)).content.decode()
    assert "Trần Văn Nam" not in screen and "0987654321" not in screen
    assert "Chỉ lãnh đạo và cán bộ xử lý được xem thông tin người phản ánh." in screen
    assert 'id="action-triage"' not in screen and 'id="action-moderate"' in screen
    # Actions of the loop are not theirs.
    before = snapshot(report)
    assert client.post(action(report, "reject"), {"reject-reason": "spam",
                                                  "reject-note": "Quảng cáo"}).status_code == 404
    assert snapshot(report) == before


# -- worklists --------------------------------------------------------------------------------

def test_late_rows_are_red_with_the_working_time_they_are_late(people, make_report):
    late = make_report(now=LONG_AGO)
    fresh = make_report()
    body = client_for(people["chairman"]).get(WORKLIST).content.decode()
    rows = {m.group(2): m.group(1) for m in re.finditer(
        r'<tr( class="row-late")?>\s*<td>.*?href="(/can-bo/phan-anh/\d+/)"', body, re.S)}
    assert rows[page(late)] == ' class="row-late"' and rows[page(fresh)] is None
    assert 'class="badge tone-late">Quá hạn tiếp nhận</span><br><small>quá hạn ' in body
    assert "còn " in body  # the fresh one: working time left
    # The late one comes first: the queue is sorted by its deadline.
    assert body.index(page(late)) < body.index(page(fresh))


def test_a_late_report_in_a_department_is_red_for_its_officer(people, make_report, staff,
                                                              land):
    report = services.report_triage(actor=staff["chairman"], report=make_report(now=LONG_AGO),
                                    severity=Severity.URGENT, department=land, now=LONG_AGO)
    body = client_for(people["land_officer"]).get(WORKLIST).content.decode()
    assert page(report) in body and 'class="row-late"' in body
    assert "Quá hạn xử lý" in body


def test_the_worklist_filters(people, make_report, village, categories):
    in_village = make_report(village=village, category="light")
    late = make_report(now=LONG_AGO)
    client = client_for(people["chairman"])

    def shown(**query: Any) -> str:
        response = client.get(WORKLIST, query)
        assert response.status_code == 200, query
        return response.content.decode()

    body = shown(queue="all", village=village.pk)
    assert page(in_village) in body and page(late) not in body
    body = shown(queue="all", category=categories["light"].pk)
    assert page(in_village) in body and page(late) not in body
    body = shown(queue="all", overdue="1")
    assert page(late) in body and page(in_village) not in body
    body = shown(queue="all", status=State.REJECTED)
    assert page(late) not in body and "Không có phản ánh nào." in body
    assert page(late) not in shown(queue="approval")


@pytest.mark.parametrize("query", [{"status": "deleted"}, {"category": "abc"},
                                   {"category": "999999"}, {"village": "-1"},
                                   {"queue": "<script>alert(1)</script>"},
                                   {"overdue": "<script>"}])
def test_bad_filters_are_refused_with_a_message(query, people, make_report):
    report = make_report()
    response = client_for(people["chairman"]).get(WORKLIST, query)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Bộ lọc không hợp lệ" in body and "<script>" not in body
    assert page(report) in body  # the whole list instead


def test_a_category_of_another_commune_is_not_a_filter(people, make_report, other_commune):
    foreign = Category.objects.create(commune=other_commune, code="x", name="Của xã khác")
    response = client_for(people["chairman"]).get(WORKLIST, {"category": foreign.pk})
    assert response.status_code == 400 and "Của xã khác" not in response.content.decode()


def test_a_specialist_has_no_triage_queue(people, triaged):
    client = client_for(people["land_officer"])
    body = client.get(WORKLIST).content.decode()
    assert "Cần tiếp nhận" not in body and 'aria-current="page">Đang xử lý' in body
    assert client.get(WORKLIST, {"queue": "triage"}).status_code == 400


def test_the_worklist_answers_htmx_with_rows_only(people, make_report):
    report = make_report()
    response = client_for(people["chairman"]).get(WORKLIST, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and page(report) in body and "<html" not in body


def test_the_worklist_costs_the_same_queries_for_3_or_30_reports(people, make_report):
    client = client_for(people["chairman"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(WORKLIST).status_code == 200
        return len(captured)

    for _i in range(3):
        make_report()
    few = queries()
    for _i in range(27):
        make_report()
    assert queries() == few


def test_the_worklist_pages_by_50(people, make_report):
    for _i in range(51):
        make_report()
    client = client_for(people["chairman"])
    first = client.get(WORKLIST).content.decode()
    assert first.count('<td><span class="badge tone-') == 50
    assert "page=2" in first and "Trang 1/2" in first
    second = client.get(WORKLIST, {"page": "2"}).content.decode()
    assert second.count('<td><span class="badge tone-') == 1
    assert client.get(WORKLIST, {"page": "abc"}).status_code == 200


# -- the report screen ----------------------------------------------------------------------------

def test_the_chairman_sees_a_confidential_reporter_and_nobody_else_does(
        people, make_report, staff, land, citizen):
    report = make_report(confidential=True, reporter=citizen)
    report = services.report_triage(actor=staff["chairman"], report=report,
                                    severity=Severity.NORMAL, department=land)
    chairman = client_for(people["chairman"]).get(page(report)).content.decode()
    assert "Trần Văn Nam" in chairman and "0987654321" in chairman
    for role in ("vice_chairman", "land_officer"):
        body = client_for(people[role]).get(page(report)).content.decode()
        assert "Người phản ánh đề nghị giữ bí mật" in body, role
        assert "Trần Văn Nam" not in body and "0987654321" not in body, role
        # Nor through the history: the reporter's account is not named there.
        assert f"Công dân #{citizen.pk}" not in body and "Người phản ánh" in body, role


def test_a_reporter_who_did_not_ask_for_secrecy_is_shown_to_the_department(people, triaged):
    body = client_for(people["land_officer"]).get(page(triaged)).content.decode()
    assert "Trần Văn Nam" in body and "0987654321" in body
    assert "Người phản ánh đề nghị giữ bí mật" not in body


def test_the_screen_shows_the_report_and_the_forms_of_its_state(people, make_report, photo):
    report = make_report(description="Đèn đường ngõ 5 <b>tắt</b> cả tuần, rất tối.")
    photo(report)
    body = client_for(people["chairman"]).get(page(report)).content.decode()
    assert "&lt;b&gt;tắt&lt;/b&gt;" in body and "<b>tắt</b>" not in body
    assert f'src="{page(report)}tep/' in body
    assert 'id="history-title"' in body and "Gửi phản ánh" in body
    for name in ("triage", "reject"):
        assert f'action="{action(report, name)}"' in body
    for name in ("start", "draft_answer", "approve"):
        assert f'action="{action(report, name)}"' not in body


def test_the_triage_form_offers_only_this_communes_departments_and_officers(
        people, make_report, commune):
    body = client_for(people["chairman"]).get(page(make_report())).content.decode()
    departments = body.split('name="triage-department"')[1].split("</select>")[0]
    officers = body.split('name="triage-assignee"')[1].split("</select>")[0]
    assert sorted(int(v) for v in re.findall(r'value="(\d+)"', departments)) == sorted(
        Department.objects.filter(commune=commune).values_list("pk", flat=True))
    assert sorted(int(v) for v in re.findall(r'value="(\d+)"', officers)) == sorted(
        [people["land_officer"].pk, people["culture_officer"].pk])


def test_files_are_served_only_through_their_report(people, make_report, photo):
    report, other = make_report(), make_report()
    item, foreign = photo(report), photo(other)
    client = client_for(people["chairman"])
    response = client.get(f"{page(report)}tep/{item.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(f"{page(report)}tep/{foreign.pk}/").status_code == 404
    assert client.get(f"{page(report)}tep/{item.pk}/anh-bia/").status_code == 404


# -- triage -------------------------------------------------------------------------------------

def test_the_vice_chairman_triages_to_an_officer_and_recategorises(people, make_report, land,
                                                                   categories):
    report = make_report(category="noise")
    response = client_for(people["vice_chairman"]).post(action(report, "triage"), {
        "triage-severity": "urgent", "triage-department": land.pk,
        "triage-assignee": people["land_officer"].pk,
        "triage-category": categories["road"].pk, "triage-note": "Giao địa chính xử lý"})
    assert response.status_code == 303 and response["Location"] == page(report)
    report.refresh_from_db()
    assert (report.status, report.severity, report.department, report.assignee,
            report.category) == (State.TRIAGED, "urgent", land, people["land_officer"],
                                 categories["road"])
    assert report.due_at is not None and report.acknowledged_at is not None
    event = HistoryEvent.objects.get(action="report.triage")
    assert event.actor == people["vice_chairman"] and event.reason == "Giao địa chính xử lý"


def _bad_post(client: Client, report: Report, name: str, data: dict[str, Any],
              message: str, status: int = 400) -> None:
    before = snapshot(report)
    response = client.post(action(report, name), data)
    body = response.content.decode()
    assert response.status_code == status, (data, body[:300])
    assert message in body, (data, message)
    assert 'role="alert"' in body
    assert snapshot(report) == before


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"triage-severity": "normal"}, "Trường này là bắt buộc."),
    ({"triage-severity": "<script>", "triage-department": "LAND"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"triage-severity": "normal", "triage-department": "999999"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"triage-severity": "normal", "triage-department": "LAND", "triage-note": "x" * 2001},
     "2000"),
    ({"triage-severity": "normal", "triage-department": "LAND", "triage-note": "a\x00b"},
     "Nội dung có ký tự không hợp lệ."),
    ({"triage-severity": "normal", "triage-department": "LAND", "triage-assignee": "CULTURE"},
     "Cán bộ được giao không thuộc bộ phận này."),
    ({"triage-severity": "normal", "triage-department": "LAND", "triage-assignee": "abc"},
     "Hãy chọn một lựa chọn hợp lệ"),
])
def test_bad_triage_is_refused_and_changes_nothing(data, message, people, make_report, land):
    values = {k: {"LAND": str(land.pk), "CULTURE": str(people["culture_officer"].pk)}.get(v, v)
              for k, v in data.items()}
    _bad_post(client_for(people["chairman"]), make_report(), "triage", values, message)


def test_a_department_of_another_commune_cannot_be_chosen(people, make_report, other_commune):
    foreign = Department.objects.filter(commune=other_commune).first()
    _bad_post(client_for(people["chairman"]), make_report(), "triage",
              {"triage-severity": "normal", "triage-department": foreign.pk},
              "Hãy chọn một lựa chọn hợp lệ")


def test_a_note_with_markup_is_shown_as_text(people, make_report, land):
    report = make_report()
    client = client_for(people["chairman"])
    assert client.post(action(report, "triage"), {
        "triage-severity": "normal", "triage-department": land.pk,
        "triage-note": "<script>alert(1)</script> xử lý ngay"}).status_code == 303
    body = client.get(page(report)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; xử lý ngay" in body


def test_an_officer_cannot_triage(people, triaged, make_report, land):
    report = make_report()  # a new report: the officer does not even see it
    _bad_post(client_for(people["land_officer"]), triaged, "triage",
              {"triage-severity": "normal", "triage-department": land.pk},
              "Bạn không có quyền thực hiện thao tác này với phản ánh.", status=403)
    assert client_for(people["land_officer"]).post(action(report, "triage"), {
        "triage-severity": "normal", "triage-department": land.pk}).status_code == 404


# -- reject -----------------------------------------------------------------------------------

def test_rejecting_as_a_duplicate_by_number(people, make_report):
    original = make_report()
    copy = make_report()
    response = client_for(people["chairman"]).post(action(copy, "reject"), {
        "reject-reason": "duplicate", "reject-duplicate_of": f" pa-{original.number} "})
    assert response.status_code == 303
    copy.refresh_from_db()
    assert copy.status == State.REJECTED and copy.duplicate_of == original


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"reject-reason": "spam"}, "Vui lòng nhập nội dung."),
    ({"reject-reason": "bogus", "reject-note": "x"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"reject-reason": "duplicate"}, "Vui lòng nhập số phản ánh bị trùng."),
    ({"reject-reason": "duplicate", "reject-duplicate_of": "abc"},
     "Nhập số phản ánh, ví dụ PA-12."),
    ({"reject-reason": "duplicate", "reject-duplicate_of": "PA-999"},
     "Không tìm thấy phản ánh số 999 của xã."),
    ({"reject-reason": "duplicate", "reject-duplicate_of": "SELF"},
     "Vui lòng nhập số phản ánh bị trùng."),
    ({"reject-reason": "spam", "reject-note": "y" * 2001}, "2000"),
    ({"reject-reason": "spam", "reject-duplicate_of": "1" * 21}, "20"),
])
def test_bad_rejections_are_refused_and_change_nothing(data, message, people, make_report):
    report = make_report()
    values = {k: str(report.number) if v == "SELF" else v for k, v in data.items()}
    _bad_post(client_for(people["chairman"]), report, "reject", values, message)


def test_a_report_of_another_commune_is_not_a_duplicate_target(people, make_report,
                                                               other_commune, categories):
    foreign_category = Category.objects.create(commune=other_commune, code="x", name="X")
    services.report_submit(commune=other_commune, reporter=services.Reporter(),
                           category=foreign_category,
                           description="Một phản ánh ở xã khác, số 2.", address="Thôn A")
    services.report_submit(commune=other_commune, reporter=services.Reporter(),
                           category=foreign_category,
                           description="Một phản ánh ở xã khác, số 2.", address="Thôn A")
    _bad_post(client_for(people["chairman"]), make_report(), "reject",
              {"reject-reason": "duplicate", "reject-duplicate_of": "PA-2"},
              "Không tìm thấy phản ánh số 2 của xã.")


# -- reassign, start --------------------------------------------------------------------------

def test_reassigning_needs_a_reason(people, triaged, culture):
    client = client_for(people["chairman"])
    _bad_post(client, triaged, "reassign", {"reassign-department": culture.pk},
              "Trường này là bắt buộc.")
    assert client.post(action(triaged, "reassign"), {
        "reassign-department": culture.pk, "reassign-reason": "Thuộc văn hóa"}
    ).status_code == 303
    triaged.refresh_from_db()
    assert triaged.department == culture and triaged.status == State.TRIAGED


def test_the_departments_officer_starts_and_another_gets_404(people, triaged):
    before = snapshot(triaged)
    assert client_for(people["culture_officer"]).post(
        action(triaged, "start"), {}).status_code == 404
    assert snapshot(triaged) == before
    assert client_for(people["land_officer"]).post(
        action(triaged, "start"), {}).status_code == 303
    triaged.refresh_from_db()
    assert triaged.status == State.IN_PROGRESS and triaged.assignee == people["land_officer"]


def test_unknown_actions_are_404_and_actions_are_post_only(people, make_report):
    report = make_report()
    client = client_for(people["chairman"])
    assert client.post(action(report, "delete"), {}).status_code == 404
    assert client.post(action(report, "resolve"), {}).status_code == 404
    assert client.get(action(report, "triage")).status_code == 405


# -- the answer -------------------------------------------------------------------------------

def test_the_officer_answers_with_a_photo_and_a_pdf(people, triaged):
    client = client_for(people["land_officer"])
    response = client.post(action(triaged, "draft_answer"), {
        "draft_answer-text": "Đã san lấp, trải đá dăm đoạn sụt lún ngõ 3.",
        "draft_answer-proofs": [jpeg_upload(), SimpleUploadedFile(
            "bien-ban.pdf", upload_samples.pdf(), content_type="application/pdf")]})
    assert response.status_code == 303
    triaged.refresh_from_db()
    assert triaged.status == State.ANSWER_DRAFTED
    assert triaged.answer_text == "Đã san lấp, trải đá dăm đoạn sụt lún ngõ 3."
    proofs = list(triaged.media.filter(kind=MediaKind.PROOF).select_related("file"))
    assert sorted(p.file.content_type for p in proofs) == ["application/pdf", "image/jpeg"]
    assert all(p.status == "ready" for p in proofs)
    body = client.get(page(triaged)).content.decode()
    assert "Ảnh, tài liệu kết quả xử lý" in body and "bien-ban.pdf" in body


@pytest.mark.parametrize(("data", "message"), [
    ({"draft_answer-text": "Đã sửa xong đoạn đường."}, "chứng minh"),
    ({"draft_answer-proofs": "FILE"}, "Trường này là bắt buộc."),
    ({"draft_answer-text": "Xong.", "draft_answer-proofs": "FILE"}, "ít nhất 10 ký tự"),
    ({"draft_answer-text": "x" * 4001, "draft_answer-proofs": "FILE"}, "4000"),
    ({"draft_answer-text": "Đã sửa\x00 xong đường.", "draft_answer-proofs": "FILE"},
     "Nội dung có ký tự không hợp lệ."),
    ({"draft_answer-text": "Đã sửa xong đoạn đường.", "draft_answer-proofs": "FAKE"},
     "Tệp không phải là ảnh"),
    ({"draft_answer-text": "Đã sửa xong đoạn đường.", "draft_answer-proofs": "FAKEPDF"},
     "Tệp không phải là tài liệu PDF hợp lệ."),
    ({"draft_answer-text": "Đã sửa xong đoạn đường.", "draft_answer-proofs": "SIX"},
     "Tối đa 5 tệp."),
])
def test_bad_answers_are_refused_and_store_nothing(data, message, people, triaged):
    files = {"FILE": [jpeg_upload()],
             "FAKE": [SimpleUploadedFile("anh.jpg", b"<?php echo 1; ?>" * 20,
                                         content_type="image/jpeg")],
             "FAKEPDF": [SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4 not really",
                                            content_type="application/pdf")],
             "SIX": [jpeg_upload(f"a{i}.jpg") for i in range(6)]}
    values = {k: files.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
    _bad_post(client_for(people["land_officer"]), triaged, "draft_answer", values, message)


def test_an_oversized_upload_is_refused_before_it_is_read(people, triaged, settings):
    settings.UPLOAD_MAX_BYTES = dict.fromkeys(settings.UPLOAD_MAX_BYTES, 1024)
    big = SimpleUploadedFile("to.jpg", b"\xff\xd8" + b"0" * (400 * 1024),
                             content_type="image/jpeg")
    _bad_post(client_for(people["land_officer"]), triaged, "draft_answer",
              {"draft_answer-text": "Đã sửa xong đoạn đường.", "draft_answer-proofs": [big]},
              "Tệp quá lớn", status=413)


def test_an_officer_of_another_department_cannot_answer(people, triaged):
    before = snapshot(triaged)
    response = client_for(people["culture_officer"]).post(action(triaged, "draft_answer"), {
        "draft_answer-text": "Đã sửa xong đoạn đường.",
        "draft_answer-proofs": [jpeg_upload()]})
    assert response.status_code == 404
    assert snapshot(triaged) == before


def test_a_response_template_fills_the_answer_with_and_without_javascript(people, triaged,
                                                                          categories):
    template = ResponseTemplate.objects.create(
        category=categories["road"], title="Đã sửa đường",
        text="UBND xã đã chỉ đạo sửa chữa đoạn đường. Cảm ơn ông/bà đã phản ánh.")
    other = ResponseTemplate.objects.create(category=categories["noise"], title="Ồn",
                                            text="Mẫu của lĩnh vực khác.")
    client = client_for(people["land_officer"])
    plain = client.get(page(triaged), {"mau": template.pk}).content.decode()
    assert 'name="mau"' in plain and "Đã sửa đường" in plain and "Ồn</option>" not in plain
    assert ">\nUBND xã đã chỉ đạo sửa chữa đoạn đường." in plain.split(
        'name="draft_answer-text"')[1]
    fragment = client.get(f"{page(triaged)}mau-tra-loi/", {"mau": template.pk},
                          HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    text = fragment.content.decode()
    assert text.startswith("<textarea") and 'name="draft_answer-text"' in text
    assert "UBND xã đã chỉ đạo" in text
    for bad in (other.pk, "abc", "9" * 30):
        assert "Mẫu của lĩnh vực khác" not in client.get(
            f"{page(triaged)}mau-tra-loi/", {"mau": bad}).content.decode()
    # The chairman does not draft answers: no template box for him.
    assert client_for(people["chairman"]).get(
        f"{page(triaged)}mau-tra-loi/", {"mau": template.pk}).status_code == 404


def _drafted(triaged: Report, people: dict[str, User], proof: Callable[[], ReportMedia]
             ) -> Report:
    services.report_start(actor=people["land_officer"], report=triaged)
    return services.report_draft_answer(actor=people["land_officer"], report=triaged,
                                        text="Đã sửa xong đoạn đường.", proofs=[proof()])


def test_a_leader_returns_a_draft_with_a_reason(people, triaged, proof_media):
    report = _drafted(triaged, people, proof_media)
    client = client_for(people["chairman"])
    _bad_post(client, report, "return_answer", {"return_answer-reason": "  "},
              "Trường này là bắt buộc.")
    assert client.post(action(report, "return_answer"), {
        "return_answer-reason": "Thiếu ảnh sau khi sửa"}).status_code == 303
    report.refresh_from_db()
    assert report.status == State.IN_PROGRESS


def test_a_leader_approves_an_edited_answer_and_it_is_published(people, triaged, proof_media):
    report = _drafted(triaged, people, proof_media)
    client = client_for(people["vice_chairman"])
    body = client.get(page(report)).content.decode()
    assert ">\nĐã sửa xong đoạn đường.</textarea>" in body
    _bad_post(client, report, "approve", {"approve-text": ""}, "Trường này là bắt buộc.")
    assert client.post(action(report, "approve"), {
        "approve-text": "UBND xã đã sửa xong đoạn đường ngõ 3."}).status_code == 303
    report.refresh_from_db()
    assert report.status == State.RESOLVED
    assert report.answer_text == "UBND xã đã sửa xong đoạn đường ngõ 3."
    assert report.approved_by == people["vice_chairman"]


def test_an_officer_cannot_approve_their_own_answer(people, triaged, proof_media):
    report = _drafted(triaged, people, proof_media)
    client = client_for(people["land_officer"])
    assert f'action="{action(report, "approve")}"' not in client.get(page(report)).content.decode()
    _bad_post(client, report, "approve", {"approve-text": "Tự duyệt cho nhanh nhé."},
              "Bạn không có quyền", status=403)


# -- moderation -------------------------------------------------------------------------------

def test_moderators_hide_a_photo_and_the_text_and_the_original_stays(people, make_report,
                                                                      photo):
    report = make_report()
    item = photo(report)
    for role, what in (("chairman", f"media:{item.pk}"), ("commune_admin", "description")):
        response = client_for(people[role]).post(f"{page(report)}kiem-duyet/", {
            "moderate-what": what, "moderate-reason": "Lộ biển số xe"})
        assert response.status_code == 303, role
    item.refresh_from_db()
    report.refresh_from_db()
    assert item.hidden and report.description_hidden and report.description
    assert HistoryEvent.objects.filter(action="report.moderate").count() == 2
    body = client_for(people["chairman"]).get(page(report)).content.decode()
    assert "Hiện lại ảnh 1" in body and "Hiện lại nội dung mô tả" in body


@pytest.mark.parametrize(("data", "message"), [
    ({"moderate-what": "report"}, "Trường này là bắt buộc."),
    ({"moderate-what": "media:999999", "moderate-reason": "x"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"moderate-what": "<script>", "moderate-reason": "x"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"moderate-what": "report", "moderate-reason": "z" * 2001}, "2000"),
])
def test_bad_moderation_is_refused(data, message, people, make_report):
    report = make_report()
    before = snapshot(report)
    response = client_for(people["chairman"]).post(f"{page(report)}kiem-duyet/", data)
    assert response.status_code == 400 and message in response.content.decode()
    assert snapshot(report) == before


def test_an_officer_does_not_moderate(people, triaged, photo):
    item = photo(triaged)
    before = snapshot(triaged)
    assert client_for(people["land_officer"]).post(f"{page(triaged)}kiem-duyet/", {
        "moderate-what": f"media:{item.pk}", "moderate-reason": "x"}).status_code == 404
    assert snapshot(triaged) == before


# -- the commune's setup ----------------------------------------------------------------------

SETTINGS = "/can-bo/phan-anh/cau-hinh/"
VALID_SETTINGS = {"acknowledge_hours": "6", "urgent_hours": "3", "normal_days": "4",
                  "complex_days": "12", "reopen_days": "10", "approval_required": "on",
                  "nearby_radius_m": "200", "south": "21.40", "west": "105.60",
                  "north": "21.50", "east": "105.70"}


def test_the_chairman_sets_the_communes_deadlines_and_box(people, commune):
    client = client_for(people["chairman"])
    assert client.get(SETTINGS).status_code == 200
    response = client.post(SETTINGS, VALID_SETTINGS)
    assert response.status_code == 302
    saved = ReportSettings.objects.get(commune=commune)
    assert (saved.acknowledge_hours, saved.urgent_hours, saved.normal_days, saved.complex_days,
            saved.reopen_days, saved.nearby_radius_m) == (6, 3, 4, 12, 10, 200)
    assert str(saved.south) == "21.400000" and str(saved.east) == "105.700000"
    event = HistoryEvent.objects.get(action="report.settings_update")
    assert event.data["before"]["acknowledge_hours"] == 8
    assert event.data["after"]["acknowledge_hours"] == 6


@pytest.mark.parametrize(("changes", "message"), [
    ({"acknowledge_hours": "0"}, "lớn hơn hoặc bằng với 1"),
    ({"normal_days": "abc"}, "Nhập một số tổng thể."),
    ({"complex_days": "1000000000000"}, "nhỏ hơn hoặc bằng với 90"),
    ({"north": ""}, "Nhập đủ bốn cạnh"),
    ({"south": "21.60"}, "cạnh nam phải nhỏ hơn cạnh bắc"),
    ({"west": "48.85"}, "lớn hơn hoặc bằng với 102"),
    ({"east": "<script>"}, "Nhập một số."),
])
def test_bad_settings_are_refused_and_change_nothing(changes, message, people, commune):
    services.settings_for(commune)
    before = list(ReportSettings.objects.filter(commune=commune).values())
    response = client_for(people["commune_admin"]).post(SETTINGS,
                                                         {**VALID_SETTINGS, **changes})
    body = response.content.decode()
    assert response.status_code == 400 and message in body, body[body.find("error-summary"):][:600]
    assert "<script>" not in body
    assert list(ReportSettings.objects.filter(commune=commune).values()) == before


@pytest.mark.parametrize("role", ["vice_chairman", "land_officer", "outsider_chairman"])
def test_only_settings_holders_of_the_commune_change_them(role, people, commune):
    client = client_for(people[role])
    url = f"{SETTINGS}?xa={commune.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, VALID_SETTINGS).status_code == 404
    assert not ReportSettings.objects.filter(commune=commune, acknowledge_hours=6).exists()


def test_categories_and_their_response_templates_are_managed(people, commune, land):
    client = client_for(people["commune_admin"])
    response = client.post("/can-bo/phan-anh/linh-vuc/", {
        "name": "Rác thải, vệ sinh môi trường", "code": "rac-thai", "group": "Môi trường",
        "department": land.pk, "position": "3", "is_active": "on"})
    assert response.status_code == 302
    category = Category.objects.get(commune=commune, code="rac-thai")
    assert category.department == land and category.is_active
    url = f"/can-bo/phan-anh/linh-vuc/{category.pk}/"
    assert client.post(url, {"name": "Rác thải", "code": "rac-thai", "position": "3"}
                       ).status_code == 302
    category.refresh_from_db()
    assert category.name == "Rác thải" and not category.is_active
    assert client.post(f"{url}mau-tra-loi/", {
        "template-title": "Đã thu gom", "template-text": "Tổ vệ sinh đã thu gom rác.",
        "template-is_active": "on"}).status_code == 302
    template = ResponseTemplate.objects.get(category=category)
    assert client.post(f"/can-bo/phan-anh/mau-tra-loi/{template.pk}/", {
        "title": "Đã thu gom xong", "text": "Đã thu gom.", "is_active": "on"}
    ).status_code == 302
    template.refresh_from_db()
    assert template.title == "Đã thu gom xong"
    assert HistoryEvent.objects.filter(action__startswith="report.category_").count() == 2
    assert HistoryEvent.objects.filter(action__startswith="report.template_").count() == 2


@pytest.mark.parametrize(("data", "message"), [
    ({"code": "duong-giao-thong"}, "Mã lĩnh vực này đã có."),
    ({"code": "mã có dấu"}, "slug"),
    ({"name": ""}, "Trường này là bắt buộc."),
    ({"name": "n" * 121}, "120"),
    ({"department": "OTHER"}, "Hãy chọn một lựa chọn hợp lệ"),
    ({"name": "a\x00b"}, "Nội dung có ký tự không hợp lệ."),
])
def test_bad_categories_are_refused(data, message, people, commune, categories, other_commune):
    foreign = Department.objects.filter(commune=other_commune).first()
    values = {"name": "Cây xanh", "code": "cay-xanh", "position": "0", **data}
    values = {k: str(foreign.pk) if v == "OTHER" else v for k, v in values.items()}
    before = Category.objects.count()
    response = client_for(people["chairman"]).post("/can-bo/phan-anh/linh-vuc/", values)
    assert response.status_code == 400 and message in response.content.decode()
    assert Category.objects.count() == before


def test_another_communes_category_and_template_are_404(people, other_commune):
    foreign = Category.objects.create(commune=other_commune, code="x", name="X")
    template = ResponseTemplate.objects.create(category=foreign, title="T", text="Nội dung")
    client = client_for(people["chairman"])
    for url in (f"/can-bo/phan-anh/linh-vuc/{foreign.pk}/",
                f"/can-bo/phan-anh/mau-tra-loi/{template.pk}/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "Đổi", "code": "x", "position": "0",
                                 "title": "Đổi", "text": "Đổi"}).status_code == 404
    assert client.post(f"/can-bo/phan-anh/linh-vuc/{foreign.pk}/mau-tra-loi/", {
        "template-title": "T2", "template-text": "x"}).status_code == 404
    foreign.refresh_from_db()
    template.refresh_from_db()
    assert foreign.name == "X" and template.title == "T"
    assert ResponseTemplate.objects.count() == 1


def test_staff_links_follow_permissions(people):
    chairman = client_for(people["chairman"]).get("/can-bo/").content.decode()
    for link in (WORKLIST, "/can-bo/phan-anh/thong-ke/", "/can-bo/phan-anh/cau-hinh/"):
        assert f'href="{link}"' in chairman, link
    officer = client_for(people["land_officer"]).get("/can-bo/").content.decode()
    assert f'href="{WORKLIST}"' in officer
    assert 'href="/can-bo/phan-anh/thong-ke/"' not in officer
    assert 'href="/can-bo/phan-anh/cau-hinh/"' not in officer
    admin = client_for(people["commune_admin"]).get("/can-bo/").content.decode()
    assert admin.count(f'href="{WORKLIST}"') == 1


@pytest.mark.parametrize(("name", "field", "limit"), [
    ("reassign", "reassign-reason", 2000), ("return_answer", "return_answer-reason", 2000),
    ("approve", "approve-text", 4000)])
@pytest.mark.parametrize("bad", ["missing", "blank", "oversized", "nul"])
def test_every_text_of_the_leaders_forms_refuses_bad_input(name, field, limit, bad, people,
                                                          triaged, proof_media, culture):
    report = triaged if name == "reassign" else _drafted(triaged, people, proof_media)
    value = {"missing": None, "blank": " \n ", "oversized": "x" * (limit + 1),
             "nul": "Lý do\x00 ẩn"}[bad]
    data = {"reassign-department": culture.pk} if name == "reassign" else {}
    if value is not None:
        data[field] = value
    message = {"oversized": str(limit),
               "nul": "Nội dung có ký tự không hợp lệ."}.get(bad, "Trường này là bắt buộc.")
    _bad_post(client_for(people["chairman"]), report, name, data, message)
