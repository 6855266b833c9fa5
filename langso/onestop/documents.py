"""Papers the one-stop office issues for a dossier (TT 03/2025/TT-VPCP, Phụ lục I, mẫu 01–07),
the signed result and the fee receipt: rendered to PDF, signed with the commune's
organisation certificate, stored, and recorded as ``DossierDocument``.
"""

import datetime as dt
import importlib
import logging
from io import BytesIO
from typing import Any

import segno
from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core import access
from langso.core.clock import local
from langso.core.errors import Conflict, DomainError
from langso.core.models import Commune, Role
from langso.core.uploads.services import storage, store_generated
from langso.core.uploads.serving import stored_file_response
from langso.onestop.fees import money
from langso.onestop.models import (
    AttachmentKind,
    DocumentForm,
    Dossier,
    DossierDocument,
    DossierStep,
    Payment,
    TimeLimitKind,
)
from langso.signing import keys
from langso.signing.pdf import sign_pdf
from langso.signing.render import html_to_pdf, template_to_pdf

logger = logging.getLogger(__name__)

TEMPLATES = {
    DocumentForm.RECEIPT: "onestop/pdf/form_01_receipt.html",
    DocumentForm.SUPPLEMENT: "onestop/pdf/form_02_supplement.html",
    DocumentForm.REFUSAL: "onestop/pdf/form_03_refusal.html",
    DocumentForm.APOLOGY: "onestop/pdf/form_04_apology.html",
    DocumentForm.STOP: "onestop/pdf/form_05_stop.html",
    DocumentForm.CONTROL_SHEET: "onestop/pdf/form_06_control.html",
    DocumentForm.PAYMENT_RECEIPT: "onestop/pdf/payment_receipt.html",
}
# File names of issued papers: "<code>-mau-01.pdf", "<code>-ket-qua.pdf".
FILE_SUFFIX = {DocumentForm.RESULT: "ket-qua", DocumentForm.PAYMENT_RECEIPT: "bien-lai"}
MAX_RESULT_BYTES = 50 * 1024 * 1024


# -- small formatting helpers (shared with the tracking book) ------------------------------

def long_date(value: dt.date | dt.datetime) -> str:
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return _("ngày %(d)02d tháng %(m)02d năm %(y)d") % {"d": value.day, "m": value.month,
                                                       "y": value.year}


def moment(value: dt.datetime | None) -> str:
    """"14 giờ 05 phút, ngày 23 tháng 11 năm 2026" as the forms write it."""
    if value is None:
        return ""
    at = local(value)
    return _("%(h)02d giờ %(m)02d phút, %(date)s") % {"h": at.hour, "m": at.minute,
                                                        "date": long_date(at)}


def short(value: dt.datetime | None) -> str:
    return f"{local(value):%d/%m/%Y %H:%M}" if value else ""


def _place(commune: Commune) -> str:
    """The place name before the date line: "Tam Đảo, ngày …"."""
    kind = (commune.division_type or "").strip().lower()
    name = commune.name
    if kind and name.lower().startswith(kind + " "):
        return name[len(kind) + 1:]
    return name


def status_url(dossier: Dossier) -> str:
    return f"{str(settings.SITE_URL or '').rstrip('/')}/tra-cuu/{dossier.lookup_code}/"


def _qr(data: str) -> str:
    return segno.make(data, error="m").svg_data_uri(scale=3, border=2)


def _payment_qr(dossier: Dossier) -> str | None:
    """The VietQR payload from the payment module when it is installed (it may not be)."""
    try:
        vietqr = importlib.import_module("langso.onestop.vietqr")
    except ImportError:
        return None
    builder = getattr(vietqr, "dossier_payload", None)
    if builder is None:
        return None
    try:
        payload = builder(dossier)
    except DomainError:
        return None
    return str(payload) if payload else None


def signer_title(actor: Any, commune: Commune) -> str:
    """The position printed under a leader's name: "Chủ tịch", "Phó Chủ tịch", …"""
    if not getattr(actor, "pk", None):
        return ""
    roles = access.roles_in(actor, commune.pk)
    for role in (Role.CHAIRMAN, Role.VICE_CHAIRMAN, Role.ONE_STOP_OFFICER, Role.SPECIALIST):
        if role in roles:
            return str(role.label)
    return ""


def _actor_name(actor: Any) -> str:
    return (getattr(actor, "full_name", "") or getattr(actor, "username", "")
            or _("Hệ thống"))


# -- context of each form -----------------------------------------------------------------

def _latest_step(dossier: Dossier, action: str) -> DossierStep | None:
    return dossier.steps.filter(action=action).order_by("-at", "-pk").first()


def _documents_table(dossier: Dossier) -> list[dict[str, Any]]:
    """Mẫu 01 (1): each required paper, the kind of copy handed in and how many."""
    received: dict[str, list[Any]] = {}
    for attachment in dossier.attachments.all():
        received.setdefault(attachment.document_code, []).append(attachment)
    rows = []
    for item in dossier.version.documents:
        given = received.get(item.get("code"), [])
        kind = given[0].copy_kind if given else item.get("copy_kind", "")
        rows.append({
            "name": item.get("name", ""),
            "copy_kind": AttachmentKind(kind).label if kind in AttachmentKind.values else "",
            "quantity": len(given) or item.get("quantity", 1),
        })
    return rows


def _time_limit(dossier: Dossier) -> str:
    version = dossier.version
    if version.time_limit_kind == TimeLimitKind.SAME_DAY:
        text = str(TimeLimitKind.SAME_DAY.label)
    else:
        value = version.time_limit_value.normalize()
        text = f"{value:f}".replace(".", ",") + " " + str(
            TimeLimitKind(version.time_limit_kind).label).lower()
    if version.time_limit_note:
        text = f"{text} ({version.time_limit_note})"
    return text


def _control_rows(dossier: Dossier) -> list[dict[str, Any]]:
    """Mẫu 06: who handed the dossier to whom, when, by which due date, on time or not."""
    steps = list(dossier.steps.all().order_by("at", "pk"))
    rows = []
    for index, step in enumerate(steps):
        following = steps[index + 1] if index + 1 < len(steps) else None
        receiver = step.handed_to_label or (following.actor_label if following else "")
        on_time = None if step.due_at is None else step.at <= step.due_at
        rows.append({
            "giver": step.actor_label, "receiver": receiver, "at": short(step.at),
            "due": short(step.due_at), "on_time": on_time,
            "action": step.action, "reason": step.reason,
        })
    return rows


def _context(dossier: Dossier, form: str, actor: Any, now: dt.datetime) -> dict[str, Any]:
    from langso.onestop.services import office_settings

    office = office_settings(dossier.commune)
    context: dict[str, Any] = {
        "dossier": dossier, "form": form, "title": DocumentForm(form).label,
        "organisation": keys.organisation_name(dossier.commune),
        "office": office, "place": _place(dossier.commune),
        "issued_on": long_date(now), "issued_at": moment(now),
        "actor_name": _actor_name(actor), "actor_title": signer_title(actor, dossier.commune),
        "received_at": moment(dossier.received_at), "due_at": moment(dossier.due_at),
        "status_url": status_url(dossier), "status_qr": _qr(status_url(dossier)),
        "verify_url": f"{str(settings.SITE_URL or '').rstrip('/')}/xac-minh-van-ban/",
    }
    if form == DocumentForm.RECEIPT:
        context["documents"] = _documents_table(dossier)
        context["time_limit"] = _time_limit(dossier)
        if dossier.fee_amount > 0 and dossier.payment_status != "paid":
            context["fee"] = money(dossier.fee_amount)
            payload = _payment_qr(dossier)
            if payload:
                context["payment_qr"] = _qr(payload)
    elif form == DocumentForm.SUPPLEMENT:
        step = _latest_step(dossier, "request_supplement")
        context["request"] = dossier.supplement_request or (step.reason if step else "")
    elif form in (DocumentForm.REFUSAL, DocumentForm.STOP):
        step = _latest_step(dossier, "refuse" if form == DocumentForm.REFUSAL else "stop")
        context["reason"] = step.reason if step else ""
    elif form == DocumentForm.APOLOGY:
        step = _latest_step(dossier, "extend")
        earlier = (dossier.steps.filter(at__lte=step.at).exclude(pk=step.pk)
                   .order_by("-at", "-pk").first() if step else None)
        old_due = (earlier.due_at if earlier and earlier.due_at else dossier.original_due_at)
        context.update(reason=step.reason if step else "", old_due=moment(old_due),
                       new_due=moment(dossier.due_at))
    elif form == DocumentForm.CONTROL_SHEET:
        context["rows"] = _control_rows(dossier)
    elif form == DocumentForm.PAYMENT_RECEIPT:
        payment = Payment.objects.filter(dossier=dossier).order_by("-confirmed_at", "-pk").first()
        if payment is None:
            raise Conflict(_("Hồ sơ chưa có khoản thu nào để lập biên lai."))
        context.update(payment=payment, amount=money(payment.amount),
                       method=Payment.Method(payment.method).label,
                       paid_at=moment(payment.confirmed_at),
                       collector=_actor_name(payment.confirmed_by)
                       if payment.confirmed_by else _("Hệ thống"))
    return context


# -- issuing ------------------------------------------------------------------------------

def render_form(*, dossier: Dossier, form: str, actor: Any, now: dt.datetime) -> bytes:
    """The unsigned PDF of ``form`` for ``dossier`` (forms 01–06 and the fee receipt)."""
    template = TEMPLATES.get(form)  # type: ignore[call-overload]
    if template is None:
        raise DomainError(_("Mẫu văn bản không hợp lệ."))
    return template_to_pdf(template, _context(dossier, form, actor, now))


def _result_bytes(dossier: Dossier) -> bytes:
    stored = dossier.result_file
    if stored is None:
        raise Conflict(_("Hồ sơ chưa có dự thảo kết quả để ký."))
    if stored.size > MAX_RESULT_BYTES:
        raise DomainError(_("Tệp kết quả quá lớn để ký số."))
    with storage().open(stored.storage_name, "rb") as handle:
        return bytes(handle.read())


def _reason(dossier: Dossier, form: str) -> str:
    return _("%(title)s – hồ sơ %(code)s") % {"title": DocumentForm(form).label,
                                               "code": dossier.code}


def issue_document(*, dossier: Dossier, form: str, actor: Any,
                   now: dt.datetime) -> DossierDocument:
    """Render (or, for the result, take the drafted PDF), sign as the commune, store and
    record ``form`` for ``dossier``. Called by the services inside their transaction: if
    it fails the state change fails with it, so no dossier moves without its paper.
    Official papers are in Vietnamese whatever language the officer's screen is in."""
    with translation.override("vi"):
        return _issue(dossier=dossier, form=form, actor=actor, now=now)


def _issue(*, dossier: Dossier, form: str, actor: Any, now: dt.datetime) -> DossierDocument:
    if form not in DocumentForm.values:
        raise DomainError(_("Mẫu văn bản không hợp lệ."))
    commune = dossier.commune
    if form == DocumentForm.RESULT:
        unsigned = _result_bytes(dossier)
        title = signer_title(actor, commune)
        name = _actor_name(actor)
        signer_name = f"{title} {name}".strip() if title else name
    else:
        unsigned = render_form(dossier=dossier, form=form, actor=actor, now=now)
        signer_name = _actor_name(actor)
    signed = sign_pdf(unsigned, commune=commune, reason=_reason(dossier, form),
                      signer_name=signer_name)
    suffix = FILE_SUFFIX.get(form, f"mau-{form}")  # type: ignore[call-overload]
    stored = store_generated(commune=commune, name=f"{dossier.code}-{suffix}.pdf",
                             data=signed, actor=actor, now=now)
    document = DossierDocument.objects.create(
        dossier=dossier, form=form, file=stored, issued_at=now,
        issued_by=actor if getattr(actor, "pk", None) else None)
    logger.info("dossier.document_issued", extra={"commune": commune.pk,
                                                   "dossier": dossier.pk, "form": form})
    return document


def document_bytes(document: DossierDocument) -> bytes:
    with storage().open(document.file.storage_name, "rb") as handle:
        return bytes(handle.read())


def document_response(request: HttpRequest, document: DossierDocument) -> HttpResponseBase:
    """Serve an issued PDF; the caller has ALREADY checked the user may see the dossier."""
    return stored_file_response(request, document.file)


def latest_document(dossier: Dossier, form: str) -> DossierDocument | None:
    return dossier.documents.filter(form=form).select_related("file").first()



# -- Mẫu 07: the tracking book -----------------------------------------------------------

BOOK_COLUMNS = [
    gettext_lazy("Số thứ tự"), gettext_lazy("Mã hồ sơ"),
    gettext_lazy("Tên thủ tục hành chính"), gettext_lazy("Người nộp"),
    gettext_lazy("Ngày nhận hồ sơ"), gettext_lazy("Ngày hẹn trả kết quả"),
    gettext_lazy("Chuyển hồ sơ đến"), gettext_lazy("Ngày có kết quả"),
    gettext_lazy("Ngày trả kết quả"), gettext_lazy("Ghi chú"),
]


def _book_note(dossier: Dossier) -> str:
    from langso.onestop.services import is_late
    from langso.onestop.workflow import State

    notes = []
    if dossier.status in (State.REFUSED, State.STOPPED, State.WITHDRAWN):
        notes.append(str(State(dossier.status).label))
    if is_late(dossier):
        notes.append(_("Trễ hạn"))
    return "; ".join(notes)


def tracking_book_rows(commune: Commune, year: int,
                       month: int | None = None) -> list[list[str]]:
    """The rows of the commune's "Sổ theo dõi hồ sơ" for ``year`` (or one month of it), in
    book order: every dossier the office received."""
    assignments = Prefetch("steps", queryset=DossierStep.objects.filter(action="assign")
                           .order_by("at", "pk"), to_attr="assignments")
    dossiers = (Dossier.objects.filter(commune=commune, book_year=year, book_number__gt=0)
                .select_related("procedure").prefetch_related(assignments)
                .order_by("book_number"))
    rows = []
    for dossier in dossiers:
        if month is not None and (dossier.received_at is None
                                  or local(dossier.received_at).month != month):
            continue
        handed = "; ".join(s.handed_to_label for s in dossier.assignments  # type: ignore[attr-defined]
                           if s.handed_to_label)
        applicant = dossier.applicant_name
        if dossier.applicant_address:
            applicant = f"{applicant}, {dossier.applicant_address}"
        rows.append([
            str(dossier.book_number), dossier.code, dossier.procedure.name, applicant,
            short(dossier.received_at), short(dossier.due_at), handed,
            short(dossier.resolved_at), short(dossier.returned_at), _book_note(dossier),
        ])
    return rows


def _check_period(year: Any, month: Any) -> tuple[int, int | None]:
    try:
        year = int(year)
        month = int(month) if month not in (None, "") else None
    except (TypeError, ValueError):
        raise DomainError(_("Kỳ báo cáo không hợp lệ.")) from None
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise DomainError(_("Kỳ báo cáo không hợp lệ."))
    return year, month


def _period_label(year: int, month: int | None) -> str:
    if month is None:
        return _("Năm %(year)d") % {"year": year}
    return _("Tháng %(month)02d/%(year)d") % {"month": month, "year": year}


def tracking_book_pdf(commune: Commune, year: Any, month: Any = None, *,
                      now: dt.datetime | None = None) -> bytes:
    """Mẫu 07 as a signed, landscape PDF."""
    from django.utils import timezone

    year, month = _check_period(year, month)
    now = now or timezone.now()
    with translation.override("vi"):
        return _book_pdf(commune, year, month, now)


def _book_pdf(commune: Commune, year: int, month: int | None, now: dt.datetime) -> bytes:
    from langso.onestop.services import office_settings

    html = render_to_string("onestop/pdf/form_07_book.html", {
        "organisation": keys.organisation_name(commune), "office": office_settings(commune),
        "place": _place(commune), "issued_on": long_date(now), "columns": BOOK_COLUMNS,
        "rows": tracking_book_rows(commune, year, month), "period": _period_label(year, month),
        "year": str(year),
    })
    return sign_pdf(html_to_pdf(html), commune=commune,
                    reason=_("Sổ theo dõi hồ sơ – %(period)s")
                    % {"period": _period_label(year, month)})


def tracking_book_xlsx(commune: Commune, year: Any, month: Any = None) -> bytes:
    """Mẫu 07 as a spreadsheet (offices keep and print the book in Excel)."""
    year, month = _check_period(year, month)
    with translation.override("vi"):
        return _book_xlsx(commune, year, month)


def _book_xlsx(commune: Commune, year: int, month: int | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = f"So theo doi {year}" + (f"-{month:02d}" if month else "")
    sheet.append([_("SỔ THEO DÕI HỒ SƠ")])
    sheet.append([f"{keys.organisation_name(commune)} – {_period_label(year, month)}"])
    sheet.append([str(c) for c in BOOK_COLUMNS])
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet["A1"].font = Font(bold=True, size=14)
    for row in tracking_book_rows(commune, year, month):
        sheet.append(row)
        # A name typed as "=HYPERLINK(…)" stays text, never a formula (spreadsheet injection).
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    for letter, width in zip("ABCDEFGHIJ", (8, 20, 40, 32, 16, 16, 28, 16, 16, 24),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()
