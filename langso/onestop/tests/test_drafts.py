"""Drafts: autosaved by htmx, kept files, restored on reopening, only ever the owner's, and
bounded against hostile input."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from langso.core.errors import DomainError, NotFound, PermissionDenied
from langso.core.models import StoredFile, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop import draft_services
from langso.onestop.models import DossierDraft, OnlineLevel

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def _draft_url(commune: Any, procedure: Any) -> str:
    return reverse("onestop:draft", kwargs={"slug": commune.slug, "procedure": procedure.slug})


def _submit_url(commune: Any, procedure: Any) -> str:
    return reverse("onestop:submit", kwargs={"slug": commune.slug, "procedure": procedure.slug})


def _pdf(name: str = "giay.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, upload_samples.pdf(), content_type="application/pdf")


@pytest.fixture
def neighbour(db: Any) -> User:
    return User.objects.create_user(username="0987654321", phone="0987654321",
                                    password="pw-Secret-123", kind=User.Kind.CITIZEN)


def test_autosave_keeps_the_fields_and_says_when(client, commune, procedure, citizen,
                                                 resident):
    client.force_login(citizen)
    response = client.post(_draft_url(commune, procedure),
                           {"child_name": "Bé Na", "child_sex": "female",
                            "mother_name": "Kẻ Giả Mạo", "is_admin": "1"}, **HTMX)
    assert response.status_code == 200
    assert "Đã lưu nháp lúc" in response.content.decode()
    draft = DossierDraft.objects.get(user=citizen)
    # Registry fields and unknown keys are never kept from the browser.
    assert draft.form_data == {"child_name": "Bé Na", "child_sex": "female"}


def test_a_file_picked_is_kept_at_once_and_its_block_comes_back(client, commune, procedure,
                                                                citizen, resident):
    client.force_login(citizen)
    response = client.post(_draft_url(commune, procedure),
                           {"part": "birth_certificate",
                            "doc-birth_certificate": _pdf("chung-sinh.pdf")}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="tai-lieu-birth_certificate"' in body and "chung-sinh.pdf" in body
    draft = DossierDraft.objects.get()
    stored = StoredFile.objects.get()
    assert draft.attachments == [{"document_code": "birth_certificate",
                                  "file": str(stored.public_id)}]
    # Reopening the page (after a dropped connection) shows the kept file.
    page = client.get(_submit_url(commune, procedure)).content.decode()
    assert "chung-sinh.pdf" in page and "Đã mở lại hồ sơ nháp" in page


def test_a_file_sent_on_its_own_leaves_the_typed_values(client, commune, procedure, citizen,
                                                        resident):
    client.force_login(citizen)
    client.post(_draft_url(commune, procedure), {"child_name": "Bé Na"}, **HTMX)
    client.post(_draft_url(commune, procedure),
                {"part": "birth_certificate", "doc-birth_certificate": _pdf()}, **HTMX)
    draft = DossierDraft.objects.get()
    assert draft.form_data == {"child_name": "Bé Na"} and len(draft.attachments) == 1


def test_a_new_file_replaces_the_kept_one_of_the_same_document(client, commune, procedure,
                                                              citizen, resident):
    client.force_login(citizen)
    for name in ("mot.pdf", "hai.pdf"):
        client.post(_draft_url(commune, procedure),
                    {"part": "birth_certificate", "doc-birth_certificate": _pdf(name)}, **HTMX)
    draft = DossierDraft.objects.get()
    assert len(draft.attachments) == 1
    kept = draft_services.draft_files(draft)["birth_certificate"]
    assert kept.original_name == "hai.pdf"


def test_without_javascript_the_endpoint_saves_and_returns_to_the_form(
        client, commune, procedure, citizen, resident):
    client.force_login(citizen)
    response = client.post(_draft_url(commune, procedure), {"child_name": "Bé Na"})
    assert response.status_code == 302
    assert response["Location"] == _submit_url(commune, procedure)
    assert DossierDraft.objects.get().form_data == {"child_name": "Bé Na"}


def test_only_the_owner_reads_and_writes_a_draft(client, commune, procedure, citizen,
                                                 resident, neighbour):
    client.force_login(citizen)
    client.post(_draft_url(commune, procedure), {"child_name": "Bí mật của Lan"}, **HTMX)
    other = type(client)()
    other.force_login(neighbour)
    other.post(_draft_url(commune, procedure), {"child_name": "Của hàng xóm"}, **HTMX)
    assert DossierDraft.objects.get(user=citizen).form_data == {"child_name": "Bí mật của Lan"}
    assert DossierDraft.objects.get(user=neighbour).form_data == {"child_name": "Của hàng xóm"}
    page = other.get(_submit_url(commune, procedure)).content.decode()
    assert "Bí mật của Lan" not in page and "Của hàng xóm" in page


def test_anonymous_cannot_save_a_draft(client, commune, procedure):
    response = client.post(_draft_url(commune, procedure), {"child_name": "x"}, **HTMX)
    assert response.status_code == 302 and "next=" in response["Location"]
    assert not DossierDraft.objects.exists()


def test_get_is_not_allowed(client, commune, procedure, citizen):
    client.force_login(citizen)
    assert client.get(_draft_url(commune, procedure)).status_code == 405


def test_a_counter_only_procedure_has_no_draft(client, commune, make_procedure, citizen):
    procedure = make_procedure(online_level=OnlineLevel.COUNTER)
    client.force_login(citizen)
    assert client.post(_draft_url(commune, procedure), {"child_name": "x"},
                       **HTMX).status_code == 409
    assert not DossierDraft.objects.exists()


@pytest.mark.parametrize(("data", "message"), [
    ({"child_name": "A" * 2001}, "Mỗi ô tối đa 2000 ký tự."),
    ({"child_name": "An\x00"}, "Nội dung có ký tự không hợp lệ."),
])
def test_hostile_values_are_refused_and_the_draft_is_unchanged(client, commune, procedure,
                                                               citizen, resident, data,
                                                               message):
    client.force_login(citizen)
    client.post(_draft_url(commune, procedure), {"child_name": "Bé Na"}, **HTMX)
    response = client.post(_draft_url(commune, procedure), data, **HTMX)
    assert message in response.content.decode()
    assert DossierDraft.objects.get().form_data == {"child_name": "Bé Na"}
    response = client.post(_draft_url(commune, procedure), data)
    assert response.status_code == 400
    assert DossierDraft.objects.get().form_data == {"child_name": "Bé Na"}


def test_a_file_of_the_wrong_type_is_not_kept(client, commune, procedure, citizen, resident):
    client.force_login(citizen)
    response = client.post(_draft_url(commune, procedure), {
        "part": "birth_certificate",
        "doc-birth_certificate": SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>")},
        **HTMX)
    assert response.status_code == 200
    assert 'class="errorlist"' in response.content.decode()
    assert not StoredFile.objects.exists()
    assert DossierDraft.objects.get().attachments == []


def test_a_body_over_the_cap_is_refused_unread(client, commune, procedure, citizen, resident,
                                              settings):
    settings.UPLOAD_MAX_BYTES = {"photo": 50_000, "document": 50_000, "audio": 50_000}
    client.force_login(citizen)
    response = client.post(_draft_url(commune, procedure), {
        "doc-birth_certificate": SimpleUploadedFile("to.pdf", b"%PDF-" + b"0" * 400_000)})
    assert response.status_code == 413
    assert "Tệp quá lớn" in response.content.decode()
    assert not StoredFile.objects.exists() and not DossierDraft.objects.exists()


# -- the service -----------------------------------------------------------------------------

def test_the_service_refuses_a_file_that_is_not_the_owners(commune, other_commune, procedure,
                                                           citizen, neighbour):
    theirs = upload_store(actor=neighbour, commune=commune, kind="document", file=_pdf())
    elsewhere = upload_store(actor=citizen, commune=other_commune, kind="document",
                             file=_pdf())
    for file in (theirs, elsewhere):
        with pytest.raises(NotFound):
            draft_services.draft_save(user=citizen, commune=commune, procedure=procedure,
                                      form_data={}, files={"birth_certificate": file})
    assert not DossierDraft.objects.exists()


def test_the_service_refuses_an_unknown_document_and_non_text_values(commune, procedure,
                                                                     citizen):
    mine = upload_store(actor=citizen, commune=commune, kind="document", file=_pdf())
    with pytest.raises(DomainError):
        draft_services.draft_save(user=citizen, commune=commune, procedure=procedure,
                                  form_data={}, files={"../../etc": mine})
    with pytest.raises(DomainError):
        draft_services.draft_save(user=citizen, commune=commune, procedure=procedure,
                                  form_data={"child_name": {"$gt": ""}})
    with pytest.raises(DomainError):
        draft_services.draft_save(user=citizen, commune=commune, procedure=procedure,
                                  form_data=["child_name"])  # type: ignore[arg-type]
    assert not DossierDraft.objects.exists()


def test_the_service_needs_a_signed_in_user(commune, procedure):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        draft_services.draft_save(user=AnonymousUser(), commune=commune, procedure=procedure,
                                  form_data={})


def test_a_tampered_draft_row_never_hands_over_someone_elses_file(commune, procedure, citizen,
                                                                  neighbour):
    theirs = upload_store(actor=neighbour, commune=commune, kind="document", file=_pdf())
    draft = DossierDraft.objects.create(user=citizen, commune=commune, procedure=procedure,
                                        attachments=[{"document_code": "birth_certificate",
                                                      "file": str(theirs.public_id)},
                                                     {"document_code": "x", "file": "nope"},
                                                     "garbage"])
    assert draft_services.draft_files(draft) == {}


def test_draft_forget_file_drops_one_document(commune, procedure, citizen):
    mine = upload_store(actor=citizen, commune=commune, kind="document", file=_pdf())
    draft_services.draft_save(user=citizen, commune=commune, procedure=procedure,
                              form_data={"child_name": "Na"}, files={"birth_certificate": mine})
    draft = draft_services.draft_forget_file(user=citizen, commune=commune, procedure=procedure,
                                             document_code="birth_certificate")
    assert draft is not None and draft.attachments == []
    assert draft.form_data == {"child_name": "Na"}
