"""Online submission pages and "Hồ sơ của tôi": prefill, uploads, idempotency, bad input,
who may see and act on a dossier."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from langso.core.models import Relation, Role, StoredFile, User
from langso.core.services import people as people_services
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop import services
from langso.onestop.models import (
    Channel,
    Dossier,
    DossierDraft,
    OnlineLevel,
    PaymentStatus,
)
from langso.onestop.tests.conftest import BIRTH_SCHEMA
from langso.onestop.workflow import State
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db

CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2025-11-01",
         "child_sex": "male"}


def _url(commune: Any, procedure: Any) -> str:
    return reverse("onestop:submit", kwargs={"slug": commune.slug, "procedure": procedure.slug})


def _pdf(name: str = "giay-chung-sinh.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, upload_samples.pdf(), content_type="application/pdf")


def _post(client: Client, commune: Any, procedure: Any, *, key: str = "key-1",
          files: dict[str, Any] | None = None, **data: Any) -> Any:
    payload: dict[str, Any] = {**CHILD, "idempotency_key": key, "action": "submit", **data}
    if files is None:
        files = {"doc-birth_certificate": _pdf()}
    payload.update(files)
    return client.post(_url(commune, procedure), payload)


@pytest.fixture
def signed_in(client: Client, citizen: User, resident: Any) -> Client:
    client.force_login(citizen)
    return client


# -- the page --------------------------------------------------------------------------------

def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, commune, procedure):
    url = _url(commune, procedure)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"] and "nop" in response["Location"]


def test_page_shows_what_the_registry_knows_and_does_not_ask_it_again(
        signed_in, commune, procedure, resident, make_person, make_village, make_staff):
    village = make_village(commune)
    admin = make_staff(Role.COMMUNE_ADMIN, commune)
    household = people_services.household_create(actor=admin, head=resident, village=village,
                                                 address="Số 5 Đồng Bả")
    child = make_person(commune, "Nguyễn Văn Cường", date_of_birth=dt.date(2015, 3, 2))
    people_services.household_member_add(actor=admin, household=household, person=child,
                                         relation=Relation.CHILD)
    response = signed_in.get(_url(commune, procedure))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nguyễn Thị Lan" in body and "17/05/1990" in body and "001190012345" in body
    assert "Số 5 Đồng Bả" in body and "Nguyễn Văn Cường" in body
    # Prefilled fields are shown as text, not as inputs the citizen would fill again.
    assert 'name="mother_name"' not in body and 'name="mother_id"' not in body
    assert 'name="child_name"' in body and 'type="date"' in body
    assert 'name="idempotency_key"' in body and 'name="doc-birth_certificate"' in body
    assert 'name="nguoi_nop-applicant_name"' not in body  # known: no applicant section
    assert 'aria-required="true"' in body


def test_unknown_commune_or_procedure_is_404(signed_in, commune, procedure):
    assert signed_in.get(reverse("onestop:submit", kwargs={
        "slug": "khong-co", "procedure": procedure.slug})).status_code == 404
    assert signed_in.get(reverse("onestop:submit", kwargs={
        "slug": commune.slug, "procedure": "khong-co"})).status_code == 404


def test_counter_only_procedure_says_why_and_refuses_a_post(signed_in, commune,
                                                            make_procedure):
    procedure = make_procedure(online_level=OnlineLevel.COUNTER)
    response = signed_in.get(_url(commune, procedure))
    assert response.status_code == 200
    assert "nộp trực tiếp tại bộ phận một cửa" in response.content.decode()
    assert 'name="idempotency_key"' not in response.content.decode()
    assert _post(signed_in, commune, procedure).status_code == 409
    assert not Dossier.objects.exists()


# -- submitting ------------------------------------------------------------------------------

def test_submission_stores_the_attachment_first_and_takes_registry_values(
        signed_in, commune, procedure, citizen):
    response = _post(signed_in, commune, procedure, mother_name="Người Khác",
                     mother_id="001190099999")
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("onestop:submitted",
                                           kwargs={"public_id": dossier.public_id})
    assert dossier.channel == Channel.ONLINE and dossier.status == State.SUBMITTED
    assert dossier.applicant_user == citizen
    assert dossier.form_data["mother_name"] == "Nguyễn Thị Lan"
    assert dossier.form_data["mother_id"] == "001190012345"
    attachment = dossier.attachments.get()
    assert attachment.document_code == "birth_certificate"
    assert attachment.file.kind == StoredFile.Kind.DOCUMENT
    assert attachment.file.uploaded_by == citizen
    assert not DossierDraft.objects.exists()

    page = signed_in.get(response["Location"]).content.decode()
    assert dossier.code in page and dossier.lookup_code in page
    assert reverse("onestop:status_detail", kwargs={"code": dossier.lookup_code}) in page


def test_a_photo_is_accepted_as_a_document_scan(signed_in, commune, procedure):
    photo = SimpleUploadedFile("anh.jpg", upload_samples.jpeg(), content_type="image/jpeg")
    response = _post(signed_in, commune, procedure, files={"doc-birth_certificate": photo})
    assert response.status_code == 302
    assert Dossier.objects.get().attachments.get().file.kind == StoredFile.Kind.PHOTO


def test_double_click_creates_one_dossier_and_both_answers_show_it(signed_in, commune,
                                                                   procedure):
    first = _post(signed_in, commune, procedure, key="same-key")
    second = _post(signed_in, commune, procedure, key="same-key")
    assert Dossier.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Dossier.objects.get().code in signed_in.get(second["Location"]).content.decode()


def test_each_render_carries_a_fresh_idempotency_key(signed_in, commune, procedure):
    keys = []
    for _attempt in range(2):
        body = signed_in.get(_url(commune, procedure)).content.decode()
        start = body.index('name="idempotency_key" value="') + len('name="idempotency_key" value="')
        keys.append(body[start:start + 32])
    assert keys[0] != keys[1]


@pytest.mark.parametrize(("data", "message"), [
    ({"child_birth_date": "2099-01-01"}, "Ngày này không được ở tương lai."),
    ({"child_birth_date": "31/02/2025"}, "Ngày không hợp lệ"),
    ({"child_name": ""}, "Vui lòng nhập thông tin này."),
    ({"child_name": "A" * 151}, "Tối đa 150 ký tự."),
    ({"child_sex": "robot"}, "Lựa chọn không hợp lệ."),
    ({"child_name": "An\x00"}, "ký tự không hợp lệ"),
])
def test_bad_form_values_are_refused_with_a_message_and_nothing_is_filed(
        signed_in, commune, procedure, data, message):
    response = _post(signed_in, commune, procedure, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    assert not Dossier.objects.exists()


def test_a_missing_required_document_is_named(signed_in, commune, procedure):
    response = _post(signed_in, commune, procedure, files={})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Giấy chứng sinh: Vui lòng đính kèm giấy tờ này." in body
    assert not Dossier.objects.exists()


def test_a_file_of_the_wrong_type_is_refused(signed_in, commune, procedure):
    fake = SimpleUploadedFile("giay.pdf", b"MZ\x90\x00 not a pdf at all",
                              content_type="application/pdf")
    response = _post(signed_in, commune, procedure, files={"doc-birth_certificate": fake})
    assert response.status_code == 400
    assert "Ảnh không hợp lệ" in response.content.decode() or \
        "không phải" in response.content.decode()
    assert not Dossier.objects.exists()
    assert not StoredFile.objects.exists()


def test_a_file_over_the_document_limit_is_refused(signed_in, commune, procedure, settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "document": 1024 * 1024}
    big = SimpleUploadedFile("to.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10),
                             content_type="application/pdf")
    response = _post(signed_in, commune, procedure, files={"doc-birth_certificate": big})
    assert response.status_code == 400
    assert "Tài liệu quá lớn, tối đa 1 MB." in response.content.decode()
    assert not Dossier.objects.exists() and not StoredFile.objects.exists()


def test_a_body_over_the_cap_is_not_read(signed_in, commune, procedure, settings):
    settings.UPLOAD_MAX_BYTES = {"photo": 100_000, "document": 100_000, "audio": 100_000}
    big = SimpleUploadedFile("to.pdf", b"%PDF-1.4\n" + b"0" * 600_000)
    response = _post(signed_in, commune, procedure, files={"doc-birth_certificate": big})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()
    assert not Dossier.objects.exists() and not StoredFile.objects.exists()


def test_script_in_a_text_field_is_shown_escaped(signed_in, commune, procedure):
    hostile = "<script>alert('x')</script>"
    response = _post(signed_in, commune, procedure, child_name=hostile, files={})
    body = response.content.decode()
    assert response.status_code == 400
    assert hostile not in body and "&lt;script&gt;" in body
    # Filed anyway (it is only text): every page that shows it escapes it.
    _post(signed_in, commune, procedure, child_name=hostile, key="k-2")
    dossier = Dossier.objects.get()
    page = signed_in.get(reverse("onestop:citizen_dossier",
                                 kwargs={"public_id": dossier.public_id})).content.decode()
    assert hostile not in page


def test_an_oversized_idempotency_key_is_refused(signed_in, commune, procedure):
    # The view keeps 64 characters: a longer key is cut, never stored whole.
    response = _post(signed_in, commune, procedure, key="k" * 500)
    assert response.status_code == 302
    assert Dossier.objects.get().idempotency_key == "k" * 64


def test_a_citizen_unknown_to_the_registry_gives_their_details_and_they_are_checked(
        client, commune, procedure, citizen):
    client.force_login(citizen)
    page = client.get(_url(commune, procedure)).content.decode()
    assert 'name="nguoi_nop-applicant_name"' in page and 'name="mother_name"' in page
    response = _post(client, commune, procedure, mother_name="Trần Thị Hoa",
                     **{"nguoi_nop-applicant_name": "Trần Thị Hoa",
                        "nguoi_nop-applicant_id_number": "12345"})
    assert response.status_code == 400
    assert "Số định danh cá nhân phải gồm đúng 12 chữ số." in response.content.decode()
    assert not Dossier.objects.exists()
    response = _post(client, commune, procedure, mother_name="Trần Thị Hoa", key="k-2",
                     **{"nguoi_nop-applicant_name": "Trần Thị Hoa",
                        "nguoi_nop-applicant_id_number": "001190012399",
                        "nguoi_nop-applicant_phone": "0912 345 679"})
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.applicant is None
    assert (dossier.applicant_name, dossier.applicant_id_number, dossier.applicant_phone) == (
        "Trần Thị Hoa", "001190012399", "0912345679")


def test_a_citizen_id_field_of_the_schema_is_checked(signed_in, commune, make_procedure):
    procedure = make_procedure(form_schema=[*BIRTH_SCHEMA, {
        "name": "father_id", "label": "Số định danh của cha", "type": "citizen_id"}])
    response = _post(signed_in, commune, procedure, father_id="99919001234")
    assert response.status_code == 400
    assert "12 chữ số" in response.content.decode()
    assert not Dossier.objects.exists()


# -- drafts through the page -----------------------------------------------------------------

def test_save_draft_button_keeps_values_and_files_and_the_page_restores_them(
        signed_in, commune, procedure):
    response = signed_in.post(_url(commune, procedure), {
        "action": "draft", "child_name": "Bé Na", "idempotency_key": "k",
        "doc-birth_certificate": _pdf("chung-sinh-be-na.pdf")})
    assert response.status_code == 302
    draft = DossierDraft.objects.get()
    assert draft.form_data["child_name"] == "Bé Na"
    assert draft.attachments[0]["document_code"] == "birth_certificate"
    assert not Dossier.objects.exists()

    page = signed_in.get(_url(commune, procedure)).content.decode()
    assert 'value="Bé Na"' in page and "chung-sinh-be-na.pdf" in page
    # The kept file counts: the citizen does not send it again.
    response = _post(signed_in, commune, procedure, files={})
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.attachments.get().file.public_id.hex == \
        draft.attachments[0]["file"].replace("-", "")
    assert not DossierDraft.objects.exists()


def test_a_refused_submission_keeps_what_was_sent_in_the_draft(signed_in, commune, procedure):
    response = _post(signed_in, commune, procedure, child_birth_date="2099-01-01")
    assert response.status_code == 400
    draft = DossierDraft.objects.get()
    assert draft.form_data["child_birth_date"] == "2099-01-01"
    assert len(draft.attachments) == 1
    assert "giay-chung-sinh.pdf" in response.content.decode()


# -- "Hồ sơ của tôi" -------------------------------------------------------------------------

def _file(user: User, commune: Any) -> Any:
    return upload_store(actor=user, commune=commune, kind="document", file=_pdf())


def _dossier(user: User, commune: Any, procedure: Any, **kw: Any) -> Dossier:
    return services.dossier_submit(
        actor=user, commune=commune, procedure=procedure,
        form_data={**CHILD, "mother_name": "Lê Thị Mẹ"},
        attachments=[services.AttachmentInput("birth_certificate", _file(user, commune))], **kw)


@pytest.fixture
def neighbour(db: Any) -> User:
    return User.objects.create_user(username="0987654321", phone="0987654321",
                                    password="pw-Secret-123", kind=User.Kind.CITIZEN,
                                    full_name="Lê Văn Hàng Xóm")


def test_my_dossiers_lists_only_mine(signed_in, commune, procedure, citizen, neighbour):
    mine = _dossier(citizen, commune, procedure)
    theirs = _dossier(neighbour, commune, procedure)
    body = signed_in.get(reverse("onestop:my_dossiers")).content.decode()
    assert mine.code in body and theirs.code not in body
    assert "Chờ tiếp nhận" in body


def test_my_dossiers_needs_sign_in(client):
    response = client.get(reverse("onestop:my_dossiers"))
    assert response.status_code == 302 and "next=" in response["Location"]


@pytest.mark.parametrize("who", ["neighbour", "staff_of_commune", "staff_of_other_commune",
                                 "anonymous"])
def test_nobody_else_opens_a_citizens_dossier_page(client, commune, other_commune, procedure,
                                                   citizen, resident, neighbour, make_staff,
                                                   who):
    dossier = _dossier(citizen, commune, procedure)
    user = {"neighbour": neighbour,
            "staff_of_commune": make_staff(Role.ONE_STOP_OFFICER, commune),
            "staff_of_other_commune": make_staff(Role.ONE_STOP_OFFICER, other_commune),
            "anonymous": None}[who]
    if user is not None:
        login_verified(client, user)
    urls = [reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id}),
            reverse("onestop:submitted", kwargs={"public_id": dossier.public_id}),
            reverse("onestop:citizen_document", kwargs={"public_id": dossier.public_id,
                                                         "form": "01"})]
    for url in urls:
        response = client.get(url)
        assert response.status_code == (302 if user is None else 404), (url, who)
    response = client.post(urls[0], {"action": "withdraw", "reason": "không cần nữa"})
    assert response.status_code in (302, 404) and (user is None) == (response.status_code == 302)
    dossier.refresh_from_db()
    assert dossier.status == State.SUBMITTED


def test_the_applicant_withdraws_with_a_reason(signed_in, commune, procedure, citizen):
    dossier = _dossier(citizen, commune, procedure)
    url = reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id})
    page = signed_in.get(url).content.decode()
    assert 'value="withdraw"' in page and 'value="supplement"' not in page
    response = signed_in.post(url, {"action": "withdraw", "reason": ""})
    assert response.status_code == 400
    dossier.refresh_from_db()
    assert dossier.status == State.SUBMITTED
    response = signed_in.post(url, {"action": "withdraw", "reason": "Đã nộp nhầm thủ tục"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == State.WITHDRAWN
    assert dossier.steps.last().reason == "Đã nộp nhầm thủ tục"


def test_an_action_not_open_to_the_citizen_is_refused(signed_in, commune, procedure, citizen):
    dossier = _dossier(citizen, commune, procedure)
    url = reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id})
    for action in ("receive", "supplement", "return", "sign", "nonsense"):
        response = signed_in.post(url, {"action": action})
        assert response.status_code == 409, action
    dossier.refresh_from_db()
    assert dossier.status == State.SUBMITTED and dossier.steps.count() == 1


def test_supplement_documents_resume_the_dossier_and_the_papers_download(
        signed_in, commune, procedure, citizen, neighbour, officers):
    dossier = _dossier(citizen, commune, procedure)
    services.dossier_transition(actor=officers["one_stop"], dossier=dossier, action="receive")
    services.dossier_transition(actor=officers["one_stop"], dossier=dossier,
                                action="request_supplement",
                                reason="Thiếu bản sao giấy đăng ký kết hôn của cha mẹ")
    url = reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id})
    page = signed_in.get(url).content.decode()
    assert "Thiếu bản sao giấy đăng ký kết hôn" in page and 'value="supplement"' in page
    receipt = reverse("onestop:citizen_document", kwargs={"public_id": dossier.public_id,
                                                          "form": "01"})
    request_paper = reverse("onestop:citizen_document", kwargs={
        "public_id": dossier.public_id, "form": "02"})
    assert receipt in page and request_paper in page
    response = signed_in.get(receipt)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert signed_in.get(reverse("onestop:citizen_document", kwargs={
        "public_id": dossier.public_id, "form": "06"})).status_code == 404

    # Nothing attached: refused, still waiting.
    response = signed_in.post(url, {"action": "supplement"})
    assert response.status_code == 400
    assert "Vui lòng đính kèm giấy tờ bổ sung." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == State.SUPPLEMENT

    response = signed_in.post(url, {"action": "supplement",
                                    "doc-supplement": _pdf("dang-ky-ket-hon.pdf")})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == State.PROCESSING and dossier.paused_at is None
    assert dossier.attachments.filter(round=1, document_code="supplement").count() == 1


def test_the_result_is_received_online_then_downloaded(signed_in, commune, procedure, citizen,
                                                       officers):
    dossier = _dossier(citizen, commune, procedure)
    for actor, action in (("one_stop", "receive"),):
        services.dossier_transition(actor=officers[actor], dossier=dossier, action=action)
    services.dossier_transition(actor=officers["one_stop"], dossier=dossier, action="assign",
                                assignee=officers["specialist"])
    services.dossier_transition(actor=officers["specialist"], dossier=dossier, action="start")
    result = upload_store(actor=officers["specialist"], commune=commune, kind="document",
                          file=_pdf("ket-qua.pdf"))
    services.dossier_transition(actor=officers["specialist"], dossier=dossier,
                                action="draft_result", result=result)
    services.dossier_transition(actor=officers["chairman"], dossier=dossier, action="sign")
    services.dossier_transition(actor=officers["one_stop"], dossier=dossier, action="release")
    result_url = reverse("onestop:citizen_document", kwargs={"public_id": dossier.public_id,
                                                             "form": "result"})
    assert signed_in.get(result_url).status_code == 404  # not theirs until received
    url = reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id})
    assert 'value="return"' in signed_in.get(url).content.decode()
    assert signed_in.post(url, {"action": "return"}).status_code == 302
    dossier.refresh_from_db()
    assert dossier.status == State.RETURNED
    response = signed_in.get(result_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_an_unpaid_result_is_not_handed_over_online(signed_in, commune, make_procedure,
                                                    citizen, officers):
    procedure = make_procedure(fee={"kind": "fixed", "amount": 8000})
    dossier = _dossier(citizen, commune, procedure)
    assert dossier.payment_status == PaymentStatus.UNPAID
    Dossier.objects.filter(pk=dossier.pk).update(status=State.RESULT_READY)
    url = reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id})
    response = signed_in.post(url, {"action": "return"})
    assert response.status_code == 409
    assert "chưa nộp phí" in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.status == State.RESULT_READY


def test_a_partial_online_procedure_hands_the_result_over_at_the_desk(
        signed_in, commune, make_procedure, citizen):
    procedure = make_procedure(online_level=OnlineLevel.PARTIAL)
    dossier = _dossier(citizen, commune, procedure)
    Dossier.objects.filter(pk=dossier.pk).update(status=State.RESULT_READY)
    url = reverse("onestop:citizen_dossier", kwargs={"public_id": dossier.public_id})
    assert 'value="return"' not in signed_in.get(url).content.decode()
    assert signed_in.post(url, {"action": "return"}).status_code == 409
