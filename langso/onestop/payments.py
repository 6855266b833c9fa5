"""Fees of a dossier: an officer confirms money received at the desk or by VietQR, or the
bank's notice confirms it; either way one ``Payment`` with its receipt number, a step in
the control sheet, the audited history, the signed fee receipt and a word to the applicant.
"""

import datetime as dt
import enum
import logging
import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.clock import local
from langso.core.errors import Conflict, DomainError
from langso.core.text import fold
from langso.onestop import services
from langso.onestop.banks import BankNotification
from langso.onestop.fees import money
from langso.onestop.models import (
    DocumentForm,
    Dossier,
    Payment,
    PaymentStatus,
)
from langso.onestop.workflow import State

logger = logging.getLogger(__name__)

# What an officer may record by hand; "bank" is only ever the bank's own notice.
DESK_METHODS = frozenset({Payment.Method.CASH, Payment.Method.VIETQR})
# Closed without a result: taking money now would only mean a refund.
NO_PAYMENT_STATES = frozenset({State.REFUSED, State.WITHDRAWN, State.STOPPED})
_REFERENCE = re.compile(r"[A-Za-z0-9._:/-]{1,64}")
# Dossier codes are "<organ>-<yymmdd>-<nnnn[n]>"; banks keep, drop or space the hyphens.
_TOKENS = (re.compile(r"[A-Z0-9.]+"), re.compile(r"[A-Z0-9]+"))
MAX_DESCRIPTION = 500


def receipt_number(dossier: Dossier, now: dt.datetime) -> str:
    """``BL-<commune code>-<year>-<nnnnnn>``: a sequence per commune and year (receipt
    numbers are unique across the installation, so the commune is part of them)."""
    year = local(now).year
    number = services.next_number(dossier.commune, f"pay:{year}")
    return f"BL-{dossier.commune.code}-{year}-{number:06d}"


def _clean_reference(reference: Any) -> str | None:
    text = str(reference or "").strip()
    if not text:
        return None
    if not _REFERENCE.fullmatch(text):
        raise DomainError(_("Mã giao dịch chỉ gồm chữ, số và . _ : / -, tối đa 64 ký tự."),
                          field_errors={"reference": [_("Không hợp lệ.")]})
    return text


def _clean_amount(amount: Any) -> int:
    value = -1
    if isinstance(amount, int) and not isinstance(amount, bool):
        value = amount
    elif isinstance(amount, str) and amount.strip().isdigit() and len(amount.strip()) <= 13:
        value = int(amount.strip())
    if value <= 0:
        raise DomainError(_("Số tiền phải là số nguyên đồng lớn hơn 0."),
                          field_errors={"amount": [_("Không hợp lệ.")]})
    return value


def _existing(reference: str | None, dossier: Dossier) -> Payment | None:
    """The payment already recorded under this bank reference: the same one again is
    the answer; another dossier's is a conflict."""
    if reference is None:
        return None
    payment = Payment.objects.filter(reference=reference).first()
    if payment is not None and payment.dossier_id != dossier.pk:
        raise Conflict(_("Mã giao dịch này đã được ghi cho một khoản thu khác."),
                       code="reference_used")
    return payment


@transaction.atomic
def _confirm(*, actor: Any, dossier: Dossier, method: str, amount: int,
             reference: str | None, now: dt.datetime,
             paid_at: dt.datetime | None = None) -> tuple[Payment, bool]:
    """Record the payment; ``(payment, False)`` when this bank reference is already in."""
    dossier = (Dossier.objects.select_for_update(of=("self",))
               .select_related("commune", "procedure", "version", "applicant_user", "applicant")
               .get(pk=dossier.pk))
    # After the lock: a concurrent delivery of the same notice has committed by now.
    existing = _existing(reference, dossier)
    if existing is not None:
        return existing, False
    if dossier.payment_status == PaymentStatus.NOT_REQUIRED or dossier.fee_amount <= 0:
        raise Conflict(_("Thủ tục này không thu phí, lệ phí."), code="not_required")
    if dossier.payment_status == PaymentStatus.PAID:
        raise Conflict(_("Hồ sơ đã nộp phí, lệ phí; không thu lần nữa."), code="already_paid")
    if dossier.status in NO_PAYMENT_STATES:
        raise Conflict(_("Hồ sơ đang ở trạng thái “%(state)s”, không thu phí, lệ phí.")
                       % {"state": State(dossier.status).label}, code="closed")
    if amount != dossier.fee_amount:
        raise DomainError(_("Số tiền phải đúng bằng phí, lệ phí của hồ sơ: %(fee)s.")
                          % {"fee": money(dossier.fee_amount)}, code="wrong_amount",
                          field_errors={"amount": [_("Không khớp với phí, lệ phí.")]})
    payment = Payment(dossier=dossier, amount=amount, method=method, reference=reference,
                      confirmed_by=actor if getattr(actor, "pk", None) else None,
                      confirmed_at=paid_at if paid_at is not None and paid_at <= now else now,
                      receipt_number=receipt_number(dossier, now))
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError:
        # The same bank reference committed for another dossier between our check and
        # the insert (the unique constraint is the last word).
        raise Conflict(_("Mã giao dịch này đã được ghi cho một khoản thu khác."),
                       code="reference_used") from None
    dossier.payment_status = PaymentStatus.PAID
    dossier.save(update_fields=["payment_status", "updated_at"])
    method_label = str(Payment.Method(method).label)
    why = _("Đã thu %(amount)s (%(method)s), biên lai số %(number)s.") % {
        "amount": money(amount), "method": method_label, "number": payment.receipt_number}
    if reference:
        why += " " + _("Mã giao dịch: %(ref)s.") % {"ref": reference}
    services.dossier_record(
        dossier=dossier, actor=actor, action="pay", from_state=dossier.status,
        to_state=dossier.status, reason=why, now=now,
        history_change=(PaymentStatus.UNPAID, PaymentStatus.PAID),
        data={"receipt": payment.receipt_number, "amount": amount, "method": method,
              "reference": reference or ""})
    from langso.onestop.documents import issue_document

    issue_document(dossier=dossier, form=DocumentForm.PAYMENT_RECEIPT, actor=actor, now=now)
    services.tell_applicant(dossier, note=why, actor=actor, now=now)
    logger.info("payment.confirmed", extra={"commune": dossier.commune_id,
                                            "dossier": dossier.pk, "method": method})
    return payment, True


def payment_confirm(*, actor: Any, dossier: Dossier, method: str, amount: Any,
                    reference: str | None = None, now: dt.datetime | None = None) -> Payment:
    """An officer records the fee of ``dossier`` as received (cash at the desk, or a VietQR
    transfer they saw arrive). The same ``reference`` twice records one payment."""
    now = now or timezone.now()
    access.require(actor, "payment.confirm", dossier)
    if method not in DESK_METHODS:
        raise DomainError(_("Hình thức nộp phí không hợp lệ."),
                          field_errors={"method": [_("Không hợp lệ.")]})
    payment, _created = _confirm(actor=actor, dossier=dossier, method=method,
                                 amount=_clean_amount(amount),
                                 reference=_clean_reference(reference), now=now)
    return payment


# -- the bank's notice ------------------------------------------------------------------------

class BankOutcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    DUPLICATE = "duplicate"
    UNMATCHED = "unmatched"


def _codes_in(run: str) -> set[str]:
    """Split a run of characters with its hyphens lost into "<organ>-<yymmdd>-<nnnn[n]>"."""
    found = set()
    for digits in (4, 5):
        organ, day, number = run[:-(6 + digits)], run[-(6 + digits):-digits], run[-digits:]
        if organ and day.isdigit() and number.isdigit():
            found.add(f"{organ}-{day}-{number}")
    return found


def candidate_codes(description: str) -> set[str]:
    """Dossier codes the transfer purpose may carry, however the bank wrote the hyphens:
    "HS 8911-261123-0001", "HS 8911 261123 0001" and "HS89112611230001" all give
    "8911-261123-0001" among the candidates."""
    text = fold(description[:MAX_DESCRIPTION]).upper()
    found: set[str] = set()
    # Organ codes may hold dots ("000.00.38.H56"), but banks also use dots as separators
    # ("MBVCB.1234.HS 8911-261123-0001.CT"): read the text both ways.
    for pattern in _TOKENS:
        tokens = pattern.findall(text)
        for start in range(len(tokens)):
            for width in (1, 2, 3):
                if start + width > len(tokens):
                    break
                run = "".join(tokens[start:start + width])
                if len(run) > 45:
                    break
                found |= _codes_in(run)
                if run.startswith("HS"):  # the "HS" prefix glued to the code
                    found |= _codes_in(run[2:])
    return found


def _unmatched(notification: BankNotification, reason: str, **extra: Any) -> BankOutcome:
    # The bank's description may hold a payer's name: the log keeps the facts only.
    logger.warning("payment.bank_unmatched", extra={
        "reason": reason, "reference": notification.reference, "amount": notification.amount,
        "account_tail": notification.account[-4:], **extra})
    return BankOutcome.UNMATCHED


def payment_from_bank(*, notification: BankNotification,
                      now: dt.datetime | None = None) -> tuple[BankOutcome, Payment | None]:
    """Confirm the fee a bank notice pays: the dossier named in the purpose, of the commune
    that owns the credited account, for exactly the fee. Anything else is left for an
    officer to reconcile (logged, nothing written)."""
    now = now or timezone.now()
    previous = Payment.objects.filter(reference=notification.reference).first()
    if previous is not None:
        return BankOutcome.DUPLICATE, previous
    if notification.amount <= 0:
        return _unmatched(notification, "not_a_credit"), None
    codes = candidate_codes(notification.description)
    if not codes:
        return _unmatched(notification, "no_code"), None
    dossiers = list(Dossier.objects.filter(
        code__in=sorted(codes), commune__onestop_settings__bank_account=notification.account)
        [:2])
    if len(dossiers) != 1:
        return _unmatched(notification, "ambiguous" if dossiers else "no_dossier"), None
    dossier = dossiers[0]
    if notification.amount != dossier.fee_amount:
        return _unmatched(notification, "wrong_amount", dossier=dossier.pk), None
    try:
        payment, created = _confirm(actor=None, dossier=dossier,
                                    method=Payment.Method.BANK_NOTICE,
                                    amount=notification.amount,
                                    reference=notification.reference, now=now,
                                    paid_at=notification.paid_at)
    except DomainError as exc:
        return _unmatched(notification, exc.code, dossier=dossier.pk), None
    return (BankOutcome.CONFIRMED if created else BankOutcome.DUPLICATE), payment
