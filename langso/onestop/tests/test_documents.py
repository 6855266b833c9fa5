"""Issued papers: each form is a real PDF whose text carries the dossier's facts, signed by the
commune; the signature survives storage and breaks on any change; the tracking book."""

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from langso.core.models import Commune, StoredFile, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import upload_store
from langso.onestop import documents, services
from langso.onestop.models import (
    Channel,
    DocumentForm,
    Dossier,
    DossierDocument,
    PaymentStatus,
    Procedure,
)
from langso.signing.pdf import verify_pdf
from langso.signing.tests.pdftext import pdf_text

pytestmark = pytest.mark.django_db

# Monday 23/11/2026, 09:00 in Hà Nội (UTC+7).
MONDAY_9 = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
CHILD = {"child_name": "Nguyễn Văn Bình", "child_birth_date": "2026-11-01",
         "child_sex": "male"}


@pytest.fixture(autouse=True)
def signing_dir(settings: Any, tmp_path_factory: Any) -> Any:
    """One development CA for the module's tests, outside the working tree."""
    settings.SIGNING_KEY_BACKEND = "dev"
    settings.SIGNING_DEV_DIR = tmp_path_factory.getbasetemp() / "signing-dev"
    settings.SITE_URL = "https://langso.example.vn"
    return settings.SIGNING_DEV_DIR


def _pdf_upload(user: User, commune: Commune, content: bytes | None = None) -> StoredFile:
    return upload_store(actor=user, commune=commune, kind="document",
                        file=SimpleUploadedFile("giay.pdf", content or upload_samples.pdf()))


def _text(document: DossierDocument) -> str:
    return pdf_text(documents.document_bytes(document))


@pytest.fixture
def counter_dossier(commune: Commune, procedure: Procedure, officers: dict[str, User],
                    resident: Any) -> Dossier:
    """Filed at the counter by the one-stop officer: received at once, receipt issued."""
    officer = officers["one_stop"]
    attachment = services.AttachmentInput("birth_certificate", _pdf_upload(officer, commune),
                                          copy_kind="original")
    return services.dossier_submit(actor=officer, commune=commune, procedure=procedure,
                                   form_data=CHILD, attachments=[attachment],
                                   channel=Channel.COUNTER, applicant=resident, now=MONDAY_9)


def test_receiving_a_dossier_issues_a_signed_receipt_with_its_facts(counter_dossier, commune,
                                                                     officers):
    document = counter_dossier.documents.get()
    assert document.form == DocumentForm.RECEIPT
    assert document.issued_by == officers["one_stop"]
    assert document.file.kind == StoredFile.Kind.DOCUMENT
    assert document.file.commune == commune
    assert document.file.original_name == f"{counter_dossier.code}-mau-01.pdf"
    data = documents.document_bytes(document)
    assert len(data) == document.file.size

    text = pdf_text(data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text.upper()
    assert counter_dossier.code in text
    assert "Nguyễn Thị Lan" in text
    assert "Đăng ký khai sinh" in text
    assert "Giấy chứng sinh" in text and "Bản chính" in text
    # Received Monday 09:00, three working days: due Thursday at closing time.
    assert "09 giờ 00 phút, ngày 23 tháng 11 năm 2026" in text
    assert "17 giờ 00 phút, ngày 27 tháng 11 năm 2026" in text
    assert f"Quyển số: 2026, Số thứ tự: {counter_dossier.book_number}" in text
    assert f"https://langso.example.vn/tra-cuu/{counter_dossier.lookup_code}/" in text
    assert text.endswith("1/1")  # one page
    assert "phí" not in text.split("Vào Sổ")[0].split("6.")[1]  # free procedure: no fee line

    result = verify_pdf(data)
    assert result.valid, result.message
    assert result.organisation == "Ủy ban nhân dân xã Tam Đảo"
    assert counter_dossier.code in result.reason
    assert officers["one_stop"].full_name in result.reason


def test_receipt_of_a_paying_dossier_shows_the_fee(commune, make_procedure, officers,
                                                   resident):
    procedure = make_procedure(fee={"kind": "fixed", "amount": 20000}, documents=[])
    dossier = services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                      procedure=procedure, form_data=CHILD,
                                      channel=Channel.COUNTER, applicant=resident,
                                      now=MONDAY_9)
    assert dossier.fee_amount == 20000 and dossier.payment_status == PaymentStatus.UNPAID
    text = _text(dossier.documents.get(form=DocumentForm.RECEIPT))
    assert "20.000 đồng" in text and "chưa nộp" in text
