"""Issued papers: each form is a real PDF whose text carries the dossier's facts, signed by the
commune; the signature survives storage and breaks on any change; the tracking book."""

import datetime as dt
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from langso.core.errors import Conflict, DomainError
from langso.core.models import Commune, Role, StoredFile, User
from langso.core.tests import upload_samples
from langso.core.uploads.services import storage, upload_store
from langso.onestop import documents, services
from langso.onestop.models import (
    Channel,
    DocumentForm,
    Dossier,
    DossierDocument,
    Payment,
    PaymentStatus,
    Procedure,
)
from langso.signing.pdf import verify_pdf
from langso.signing.render import html_to_pdf
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
    assert "VietQR" not in text  # the commune has no bank account: no payment code


def test_receipt_carries_a_vietqr_code_when_the_commune_has_a_bank_account(
        commune, make_procedure, officers, resident):
    from langso.onestop import vietqr

    office = services.office_settings(commune)
    office.bank_bin, office.bank_account = "970436", "0011004123456"
    office.save(update_fields=["bank_bin", "bank_account"])
    procedure = make_procedure(fee={"kind": "fixed", "amount": 20000}, documents=[])
    dossier = services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                      procedure=procedure, form_data=CHILD,
                                      channel=Channel.COUNTER, applicant=resident,
                                      now=MONDAY_9)
    text = _text(dossier.documents.get(form=DocumentForm.RECEIPT))
    assert "quét mã VietQR" in text and "20.000 đồng" in text
    payload = vietqr.dossier_payload(dossier)
    assert payload is not None and vietqr.parse_payload(payload).amount == 20000
    context = documents._context(dossier, DocumentForm.RECEIPT, officers["one_stop"], MONDAY_9)
    assert context["payment_qr"] == documents._qr(payload)


# -- the forms of the later steps -------------------------------------------------------------

def _move(dossier: Dossier, actor: User, action: str, minutes: int, **kw: Any) -> Dossier:
    return services.dossier_transition(actor=actor, dossier=dossier, action=action,
                                       now=MONDAY_9 + dt.timedelta(minutes=minutes), **kw)


def _latest(dossier: Dossier, form: str) -> DossierDocument:
    return DossierDocument.objects.filter(dossier=dossier, form=form).first()  # type: ignore[return-value]


def test_a_supplement_request_issues_form_02_with_what_is_missing(counter_dossier, officers,
                                                                  justice):
    one_stop, specialist = officers["one_stop"], officers["specialist"]
    dossier = _move(counter_dossier, one_stop, "assign", 10, department=justice)
    dossier = _move(dossier, specialist, "start", 20)
    dossier = _move(dossier, specialist, "request_supplement", 30,
                    reason="Bổ sung bản sao Giấy chứng nhận kết hôn của cha mẹ")
    document = _latest(dossier, DocumentForm.SUPPLEMENT)
    text = _text(document)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text.upper()
    assert dossier.code in text
    assert "Bổ sung bản sao Giấy chứng nhận kết hôn của cha mẹ" in text
    assert specialist.full_name in text
    result = verify_pdf(documents.document_bytes(document))
    assert result.valid and specialist.full_name in result.reason


def test_a_refusal_issues_form_03_with_the_reason(counter_dossier, officers):
    dossier = _move(counter_dossier, officers["one_stop"], "refuse", 5,
                    reason="Thủ tục không thuộc thẩm quyền giải quyết của xã")
    text = _text(_latest(dossier, DocumentForm.REFUSAL))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text.upper()
    assert dossier.code in text
    assert "Thủ tục không thuộc thẩm quyền giải quyết của xã" in text


def test_an_extension_issues_form_04_with_old_and_new_dates_and_the_reason(counter_dossier,
                                                                           officers):
    old_due = counter_dossier.due_at
    dossier = services.dossier_extend(
        actor=officers["chairman"], dossier=counter_dossier, new_due_date=dt.date(2026, 12, 3),
        reason="Cần xác minh thông tin tại nơi cư trú trước đây",
        now=MONDAY_9 + dt.timedelta(hours=1))
    text = _text(_latest(dossier, DocumentForm.APOLOGY))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT" in text.upper()
    assert documents.moment(old_due) == "17 giờ 00 phút, ngày 27 tháng 11 năm 2026"
    assert "Ngày hẹn trả kết quả: 17 giờ 00 phút, ngày 27 tháng 11 năm 2026" in text
    assert "ngày 03 tháng 12 năm 2026" in text.split("hẹn trả kết quả mới")[1]
    assert "Cần xác minh thông tin tại nơi cư trú trước đây" in text
    assert str(Role.CHAIRMAN.label).upper() in text  # the signer's position


def test_stopping_issues_form_05_with_the_reason(counter_dossier, officers):
    dossier = _move(counter_dossier, officers["chairman"], "stop", 15,
                    reason="Người nộp đề nghị dừng do đã giải quyết ở nơi khác")
    text = _text(_latest(dossier, DocumentForm.STOP))
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text.upper()
    assert "Người nộp đề nghị dừng do đã giải quyết ở nơi khác" in text


def _result_upload(officer: User, commune: Commune) -> StoredFile:
    html = ("<h1>GIẤY KHAI SINH</h1><p>Họ, chữ đệm, tên: Nguyễn Văn Bình</p>"
            "<p>Ngày sinh: 01/11/2026</p>")
    return _pdf_upload(officer, commune, html_to_pdf(html))


def _to_drafted(dossier: Dossier, officers: dict[str, User], justice: Any) -> Dossier:
    dossier = _move(dossier, officers["one_stop"], "assign", 10, department=justice)
    dossier = _move(dossier, officers["specialist"], "start", 20)
    return _move(dossier, officers["specialist"], "draft_result", 40,
                 result=_result_upload(officers["specialist"], dossier.commune))


def test_signing_the_result_signs_the_drafted_pdf_as_the_commune_with_the_leader(
        counter_dossier, officers, justice):
    dossier = _to_drafted(counter_dossier, officers, justice)
    drafted = storage().open(dossier.result_file.storage_name, "rb").read()
    dossier = _move(dossier, officers["chairman"], "sign", 60)
    document = _latest(dossier, DocumentForm.RESULT)
    signed = documents.document_bytes(document)
    assert signed.startswith(drafted)  # the approved bytes, unchanged, plus the signature
    assert "Nguyễn Văn Bình" in pdf_text(signed)
    result = verify_pdf(signed)
    assert result.valid, result.message
    assert result.organisation == "Ủy ban nhân dân xã Tam Đảo"
    assert result.signatures[0].name == (
        f"{Role.CHAIRMAN.label} {officers['chairman'].full_name}")
    assert document.file.original_name == f"{dossier.code}-ket-qua.pdf"


def test_a_drafted_result_that_is_not_a_real_pdf_cannot_be_signed_and_nothing_moves(
        counter_dossier, officers, justice, commune):
    dossier = _move(counter_dossier, officers["one_stop"], "assign", 10, department=justice)
    dossier = _move(dossier, officers["specialist"], "start", 20)
    stored = _pdf_upload(officers["specialist"], commune)
    # The file in storage is replaced behind the record's back (a broken disk, an operator).
    with storage().open(stored.storage_name, "wb") as handle:
        handle.write(b"%PDF-1.7\ngarbage")
    dossier = _move(dossier, officers["specialist"], "draft_result", 40, result=stored)
    with pytest.raises(DomainError) as caught:
        _move(dossier, officers["chairman"], "sign", 60)
    assert caught.value.message == "Tệp PDF không hợp lệ, không ký được."
    dossier.refresh_from_db()
    assert dossier.status == "result_drafted"
    assert not dossier.documents.filter(form=DocumentForm.RESULT).exists()


def test_the_control_sheet_lists_every_handover_with_due_and_timeliness(counter_dossier,
                                                                         officers, justice):
    dossier = _to_drafted(counter_dossier, officers, justice)
    document = documents.issue_document(dossier=dossier, form=DocumentForm.CONTROL_SHEET,
                                        actor=officers["one_stop"],
                                        now=MONDAY_9 + dt.timedelta(hours=2))
    text = _text(document)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text.upper()
    assert "Tư pháp – Hộ tịch" in text  # handed to the department
    assert officers["specialist"].full_name in text
    assert "23/11/2026 09:10" in text and "27/11/2026 17:00" in text
    assert text.count("Đúng hạn") >= 4
    rows = documents._control_rows(dossier)
    assert [r["action"] for r in rows] == ["submit", "receive", "assign", "start",
                                           "draft_result"]


def test_the_fee_receipt_shows_the_latest_payment(commune, make_procedure, officers,
                                                  resident):
    procedure = make_procedure(fee={"kind": "fixed", "amount": 20000}, documents=[])
    dossier = services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                      procedure=procedure, form_data=CHILD,
                                      channel=Channel.COUNTER, applicant=resident,
                                      now=MONDAY_9)
    with pytest.raises(Conflict):  # nothing paid yet: no receipt
        documents.issue_document(dossier=dossier, form=DocumentForm.PAYMENT_RECEIPT,
                                 actor=officers["one_stop"], now=MONDAY_9)
    Payment.objects.create(dossier=dossier, amount=20000, method=Payment.Method.CASH,
                           confirmed_by=officers["one_stop"], confirmed_at=MONDAY_9,
                           receipt_number="BL-2026-000123")
    document = documents.issue_document(dossier=dossier, form=DocumentForm.PAYMENT_RECEIPT,
                                        actor=officers["one_stop"], now=MONDAY_9)
    text = _text(document)
    assert "BIÊN LAI THU PHÍ, LỆ PHÍ" in text.upper()
    assert "BL-2026-000123" in text and "20.000 đồng" in text and "Tiền mặt" in text
    assert document.file.original_name == f"{dossier.code}-bien-lai.pdf"


def test_an_unknown_form_is_refused_and_nothing_is_stored(counter_dossier, officers):
    before = StoredFile.objects.count()
    with pytest.raises(DomainError):
        documents.issue_document(dossier=counter_dossier, form="99",
                                 actor=officers["one_stop"], now=MONDAY_9)
    assert StoredFile.objects.count() == before


def test_hostile_text_in_a_dossier_is_printed_not_interpreted(commune, procedure, officers,
                                                              resident):
    resident.full_name = '<img src="file:///etc/passwd"> Nguyễn <b>Lan</b>'
    resident.save(update_fields=["full_name"])
    attachment = services.AttachmentInput(
        "birth_certificate", _pdf_upload(officers["one_stop"], commune))
    dossier = services.dossier_submit(actor=officers["one_stop"], commune=commune,
                                      procedure=procedure, form_data=CHILD,
                                      attachments=[attachment], channel=Channel.COUNTER,
                                      applicant=resident, now=MONDAY_9)
    text = _text(dossier.documents.get())
    assert '<img src="file:///etc/passwd"> Nguyễn <b>Lan</b>' in text


# -- Mẫu 07 ----------------------------------------------------------------------------------

def test_the_tracking_book_lists_received_dossiers_in_book_order(counter_dossier, officers,
                                                                 justice, commune,
                                                                 other_commune):
    _move(counter_dossier, officers["one_stop"], "assign", 10, department=justice)
    rows = documents.tracking_book_rows(commune, 2026)
    assert rows == [[str(counter_dossier.book_number), counter_dossier.code,
                     "Đăng ký khai sinh", "Nguyễn Thị Lan", "23/11/2026 09:00",
                     "27/11/2026 17:00", "Tư pháp – Hộ tịch", "", "", ""]]
    assert documents.tracking_book_rows(commune, 2025) == []
    assert documents.tracking_book_rows(commune, 2026, 10) == []
    assert documents.tracking_book_rows(other_commune, 2026) == []

    pdf = documents.tracking_book_pdf(commune, 2026, 11, now=MONDAY_9)
    text = pdf_text(pdf)
    assert "SỔ THEO DÕI HỒ SƠ" in text and "Tháng 11/2026" in text
    assert counter_dossier.code in text and "Tư pháp – Hộ tịch" in text
    assert verify_pdf(pdf).valid

    workbook = openpyxl.load_workbook(BytesIO(documents.tracking_book_xlsx(commune, "2026")))
    sheet = workbook.active
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert values[0][:3] == ["Số thứ tự", "Mã hồ sơ", "Tên thủ tục hành chính"]
    assert values[1][1] == counter_dossier.code and values[1][6] == "Tư pháp – Hộ tịch"


def test_a_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet(
        commune, procedure, officers, make_person):
    person = make_person(commune, '=HYPERLINK("http://evil.example","x")')
    attachment = services.AttachmentInput(
        "birth_certificate", _pdf_upload(officers["one_stop"], commune))
    services.dossier_submit(actor=officers["one_stop"], commune=commune, procedure=procedure,
                            form_data=CHILD, attachments=[attachment],
                            channel=Channel.COUNTER, applicant=person, now=MONDAY_9)
    workbook = openpyxl.load_workbook(BytesIO(documents.tracking_book_xlsx(commune, 2026)))
    cell = workbook.active["D4"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


@pytest.mark.parametrize("year,month", [("abc", None), (1999, None), (2026, 13), (2026, 0),
                                        (None, None), ("2026", "x")])
def test_a_bad_period_gets_a_clear_message(commune, year, month):
    with pytest.raises(DomainError) as caught:
        documents.tracking_book_xlsx(commune, year, month)
    assert caught.value.message == "Kỳ báo cáo không hợp lệ."


def test_papers_are_in_vietnamese_even_for_an_officer_reading_english(counter_dossier,
                                                                      officers):
    from django.utils import translation

    with translation.override("en"):
        document = documents.issue_document(dossier=counter_dossier, form=DocumentForm.RECEIPT,
                                            actor=officers["one_stop"], now=MONDAY_9)
        book = documents.tracking_book_pdf(counter_dossier.commune, 2026, now=MONDAY_9)
    text = _text(document)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "SOCIALIST" not in text
    assert "SỔ THEO DÕI HỒ SƠ" in pdf_text(book)
