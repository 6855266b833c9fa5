"""Counter intake: the one-stop officer finds the citizen (or types a non-resident's
details), fills the form, attaches scans; the dossier is received at once with its receipt."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from langso.core.models import Role, StoredFile
from langso.core.tests import upload_samples
from langso.onestop.models import Channel, DocumentForm, Dossier
from langso.onestop.workflow import State
from langso.testing.auth import login_verified

pytestmark = pytest.mark.django_db
URL = "/can-bo/mot-cua/tiep-nhan/"
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2025-11-01",
         "child_sex": "male"}


def _scan() -> SimpleUploadedFile:
    return SimpleUploadedFile("scan.pdf", upload_samples.pdf(), content_type="application/pdf")


@pytest.fixture
def desk(client: Client, officers: dict[str, Any]) -> Client:
    login_verified(client, officers["one_stop"])
    return client


def _post(client: Client, commune: Any, procedure: Any, *, person: Any = None,
          key: str = "desk-1", files: dict[str, Any] | None = None, **data: Any) -> Any:
    payload: dict[str, Any] = {"xa": commune.pk, "thu_tuc": procedure.slug,
                               "idempotency_key": key, **CHILD, **data}
    if person is not None:
        payload["cong_dan"] = person.pk
    payload.update({"doc-birth_certificate": _scan()} if files is None else files)
    return client.post(URL, payload)


def test_url_name_resolves():
    assert reverse("onestop:counter") == URL


def test_the_officer_picks_a_procedure_and_finds_the_citizen(desk, commune, procedure,
                                                             resident):
    page = desk.get(URL).content.decode()
    assert procedure.name in page and 'name="thu_tuc"' in page
    for query in ("001190012345", "nguyen thi lan", "Lan"):
        found = desk.get(URL, {"xa": commune.pk, "thu_tuc": procedure.slug, "q": query})
        assert "Nguyễn Thị Lan" in found.content.decode(), query
    chosen = desk.get(URL, {"xa": commune.pk, "thu_tuc": procedure.slug,
                            "cong_dan": resident.pk}).content.decode()
    assert "17/05/1990" in chosen
    assert 'name="mother_name"' not in chosen  # prefilled from the registry
    assert 'name="nguoi_nop-applicant_name"' not in chosen
    assert 'name="doc-birth_certificate"' in chosen


def test_a_resident_of_another_commune_is_not_found(desk, commune, other_commune, procedure,
                                                   make_person):
    stranger = make_person(other_commune, "Lê Văn Xa Lạ", citizen_id="038090000002")
    found = desk.get(URL, {"xa": commune.pk, "thu_tuc": procedure.slug, "q": "038090000002"})
    assert "Xa Lạ" not in found.content.decode()
    assert desk.get(URL, {"xa": commune.pk, "thu_tuc": procedure.slug,
                          "cong_dan": stranger.pk}).status_code == 404
    assert desk.get(URL, {"xa": other_commune.pk}).status_code == 404
    assert _post(desk, commune, procedure, person=stranger).status_code == 404
    assert not Dossier.objects.exists()


def test_intake_for_a_resident_is_received_at_once_with_its_receipt(desk, commune, procedure,
                                                                    resident, officers):
    response = _post(desk, commune, procedure, person=resident, mother_name="Tên Khác")
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("onestop:counter_done",
                                           kwargs={"public_id": dossier.public_id})
    assert dossier.channel == Channel.COUNTER and dossier.status == State.RECEIVED
    assert dossier.applicant == resident and dossier.received_by == officers["one_stop"]
    assert dossier.form_data["mother_name"] == "Nguyễn Thị Lan"
    assert dossier.due_at is not None
    assert dossier.attachments.get().file.uploaded_by == officers["one_stop"]
    assert dossier.documents.filter(form=DocumentForm.RECEIPT).exists()

    done = desk.get(response["Location"]).content.decode()
    receipt_url = reverse("onestop:counter_receipt", kwargs={"public_id": dossier.public_id})
    assert dossier.code in done and dossier.lookup_code in done and receipt_url in done
    receipt = desk.get(receipt_url)
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")


def test_intake_for_a_non_resident_takes_the_typed_details(desk, commune, procedure):
    response = _post(desk, commune, procedure, mother_name="Phạm Thị Khách",
                     **{"nguoi_nop-applicant_name": "Phạm Thị Khách",
                        "nguoi_nop-applicant_id_number": "038190000123",
                        "nguoi_nop-applicant_phone": "0977000111",
                        "nguoi_nop-applicant_address": "Thanh Hóa"})
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.applicant is None and dossier.applicant_user is None
    assert (dossier.applicant_name, dossier.applicant_id_number) == ("Phạm Thị Khách",
                                                                     "038190000123")
    assert dossier.status == State.RECEIVED


def test_a_photographed_document_is_accepted(desk, commune, procedure, resident):
    photo = SimpleUploadedFile("anh.png", upload_samples.png(), content_type="image/png")
    assert _post(desk, commune, procedure, person=resident,
                 files={"doc-birth_certificate": photo}).status_code == 302
    assert Dossier.objects.get().attachments.get().file.kind == StoredFile.Kind.PHOTO


def test_a_double_click_receives_one_dossier(desk, commune, procedure, resident):
    first = _post(desk, commune, procedure, person=resident, key="same")
    second = _post(desk, commune, procedure, person=resident, key="same")
    assert Dossier.objects.count() == 1
    assert first["Location"] == second["Location"]


@pytest.mark.parametrize(("data", "files", "message"), [
    ({"nguoi_nop-applicant_name": "Khách", "nguoi_nop-applicant_id_number": "12-34"},
     None, "12 chữ số"),
    ({"nguoi_nop-applicant_name": "Khách", "nguoi_nop-applicant_phone": "12345"},
     None, "Số điện thoại không hợp lệ"),
    ({"nguoi_nop-applicant_name": ""}, None, "nguoi_nop-applicant_name"),
    ({"nguoi_nop-applicant_name": "Khách", "child_birth_date": "2999-12-31"}, None,
     "Ngày này không được ở tương lai."),
    ({"nguoi_nop-applicant_name": "Khách"}, {}, "Vui lòng đính kèm giấy tờ này."),
    ({"nguoi_nop-applicant_name": "Khách"},
     {"doc-birth_certificate": SimpleUploadedFile("x.pdf", b"GIF89a not really")},
     "birth_certificate"),
    ({"nguoi_nop-applicant_name": "<img src=x onerror=alert(1)>",
      "nguoi_nop-applicant_id_number": "1"}, None, "&lt;img src=x"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_is_received(desk, commune,
                                                                     procedure, data, files,
                                                                     message):
    response = _post(desk, commune, procedure, mother_name="Khách", files=files, **data)
    body = response.content.decode()
    assert response.status_code == 400
    assert message in body
    assert "<img src=x" not in body
    assert not Dossier.objects.exists()


def test_a_post_without_a_procedure_is_refused(desk, commune):
    response = desk.post(URL, {"xa": commune.pk})
    assert response.status_code == 400
    assert "Vui lòng chọn thủ tục." in response.content.decode()
    assert desk.post(URL, {"xa": commune.pk, "thu_tuc": "khong-co"}).status_code == 404
    assert desk.get(URL, {"cong_dan": "1 or 1=1"}).status_code == 404
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("role", ["chairman", "vice_chairman"])
def test_leaders_may_receive_too(client, commune, procedure, resident, officers, role):
    login_verified(client, officers[role])
    assert _post(client, commune, procedure, person=resident).status_code == 302
    assert Dossier.objects.get().status == State.RECEIVED


@pytest.mark.parametrize("who", ["specialist", "clerk", "commune_admin", "other_one_stop",
                                 "citizen"])
def test_others_get_404_and_nothing_is_received(client, commune, other_commune, procedure,
                                               resident, officers, make_staff, citizen, who):
    user = {"other_one_stop": make_staff(Role.ONE_STOP_OFFICER, other_commune),
            "citizen": citizen}.get(who) or officers[who]
    login_verified(client, user)
    # The other commune's officer has an intake page, for their own commune only.
    assert client.get(URL).status_code == (200 if who == "other_one_stop" else 404)
    assert client.get(URL, {"xa": commune.pk}).status_code == 404
    assert _post(client, commune, procedure, person=resident).status_code == 404
    assert _post(client, commune, procedure, key="k2",
                 **{"nguoi_nop-applicant_name": "Khách"}).status_code == 404
    assert not Dossier.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, commune, procedure):
    response = client.get(URL)
    assert response.status_code == 302 and "next=" in response["Location"]
    assert _post(client, commune, procedure).status_code == 302
    assert not Dossier.objects.exists()


def test_the_receipt_is_only_for_the_office_that_received_it(client, desk, commune,
                                                             other_commune, procedure,
                                                             resident, officers, make_staff,
                                                             citizen):
    _post(desk, commune, procedure, person=resident)
    dossier = Dossier.objects.get()
    urls = [reverse("onestop:counter_done", kwargs={"public_id": dossier.public_id}),
            reverse("onestop:counter_receipt", kwargs={"public_id": dossier.public_id})]
    for user in (make_staff(Role.ONE_STOP_OFFICER, other_commune), officers["specialist"],
                 citizen):
        other = Client()
        login_verified(other, user)
        for url in urls:
            assert other.get(url).status_code == 404, (user, url)
