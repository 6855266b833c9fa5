"""VietQR payment codes: the NAPAS merchant-presented QR (EMVCo TLV payload) that any
Vietnamese banking app reads, built for a dossier's fee and decoded again for checks.

Layout (NAPAS VietQR on EMVCo MPM; docs/one-stop.md "Payment"): 00 format, 01 static/dynamic,
38 {00 NAPAS GUID, 01 {00 BIN, 01 account}, 02 QRIBFTTA}, 53 currency, 54 amount, 58 country,
62 {08 purpose}, 63 CRC-16/CCITT-FALSE over everything before it including "6304".
"""

import html
import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import segno
from django.utils.translation import gettext as _

from langso.core.errors import DomainError

if TYPE_CHECKING:
    from langso.onestop.models import Dossier

logger = logging.getLogger(__name__)

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"  # ISO 4217
COUNTRY = "VN"
STATIC = "11"
DYNAMIC = "12"  # carries an amount: the app fills it in and does not let the payer edit it
# One README of the NAPAS spec gives 25 characters for the purpose (62.08); some banks cut
# longer ones, so the dossier code must fit in it.
MAX_PURPOSE = 25
# EMVCo: tag 54 is at most 13 characters.
MAX_AMOUNT = 9_999_999_999_999
MAX_PAYLOAD = 512

# Names of the banks most communes bank with, shown next to the BIN for people who type the
# transfer by hand (NAPAS acquirer BINs; the code itself carries only the BIN).
BANK_NAMES = {
    "970405": "Agribank", "970415": "VietinBank", "970418": "BIDV",
    "970436": "Vietcombank", "970422": "MB", "970407": "Techcombank", "970416": "ACB",
    "970432": "VPBank", "970423": "TPBank", "970403": "Sacombank", "970441": "VIB",
    "970443": "SHB", "970437": "HDBank",
}

_BIN = re.compile(r"\d{6}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")
_PURPOSE_ALLOWED = re.compile(r"[^A-Za-z0-9 .\-]")
_TLV_TAG = re.compile(r"\d{2}")


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _bit in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    # Lengths count characters; every value here is ASCII, so characters are bytes.
    if len(value) > 99:
        raise DomainError(_("Nội dung mã QR quá dài."))
    return f"{tag}{len(value):02d}{value}"


def ascii_purpose(text: str) -> str:
    """The transfer purpose as banks carry it: no diacritics (đ → d), letters, digits,
    spaces, dots and hyphens only, at most 25 characters."""
    decomposed = unicodedata.normalize("NFD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("đ", "d").replace("Đ", "D")
    plain = " ".join(_PURPOSE_ALLOWED.sub(" ", plain).split())
    if len(plain) > MAX_PURPOSE:
        raise DomainError(_("Nội dung chuyển khoản tối đa %(n)d ký tự.") % {"n": MAX_PURPOSE},
                          field_errors={"purpose": [_("Quá dài.")]})
    return plain


def build_payload(*, bin: str, account: str, amount: int | None = None,
                  purpose: str = "") -> str:
    """The payload of a transfer to ``account`` at the bank ``bin``; with ``amount`` a
    dynamic code (01 = 12), without it a static one."""
    bin = str(bin or "").strip()
    account = str(account or "").strip()
    if not _BIN.fullmatch(bin):
        raise DomainError(_("Mã BIN ngân hàng phải gồm đúng 6 chữ số."),
                          field_errors={"bank_bin": [_("Không hợp lệ.")]})
    if not _ACCOUNT.fullmatch(account):
        raise DomainError(_("Số tài khoản chỉ gồm chữ và số, tối đa 19 ký tự."),
                          field_errors={"bank_account": [_("Không hợp lệ.")]})
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                               or not 0 < amount <= MAX_AMOUNT):
        raise DomainError(_("Số tiền phải là số nguyên đồng lớn hơn 0."),
                          field_errors={"amount": [_("Không hợp lệ.")]})
    text = ascii_purpose(purpose)
    beneficiary = _tlv("00", bin) + _tlv("01", account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    body = (_tlv("00", "01") + _tlv("01", STATIC if amount is None else DYNAMIC)
            + _tlv("38", merchant) + _tlv("53", CURRENCY_VND)
            + (_tlv("54", str(amount)) if amount is not None else "")
            + _tlv("58", COUNTRY)
            + (_tlv("62", _tlv("08", text)) if text else "")
            + "6304")
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


# -- decoding ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class VietQR:
    """What a payload says, as a banking app would read it."""

    bin: str
    account: str
    service: str
    amount: int | None
    purpose: str
    dynamic: bool
    currency: str
    country: str


def decode_tlv(text: str) -> dict[str, str]:
    """One level of tag-length-value fields; a repeated tag or a short field is an error."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(text):
        head = text[position:position + 4]
        if len(head) < 4 or not _TLV_TAG.fullmatch(head[:2]) or not head[2:].isdigit():
            raise DomainError(_("Mã VietQR không đúng cấu trúc."))
        tag, length = head[:2], int(head[2:])
        value = text[position + 4:position + 4 + length]
        if len(value) != length or tag in fields:
            raise DomainError(_("Mã VietQR không đúng cấu trúc."))
        fields[tag] = value
        position += 4 + length
    return fields


def parse_payload(payload: str) -> VietQR:
    """Decode a VietQR payload, checking its structure and CRC."""
    if not isinstance(payload, str) or not payload.isascii() or not (
            8 < len(payload) <= MAX_PAYLOAD):
        raise DomainError(_("Mã VietQR không đúng cấu trúc."))
    if payload[-8:-4] != "6304":
        raise DomainError(_("Mã VietQR thiếu mã kiểm tra."))
    expected = f"{crc16_ccitt_false(payload[:-4].encode('ascii')):04X}"
    if payload[-4:].upper() != expected:
        raise DomainError(_("Mã kiểm tra (CRC) của mã VietQR không đúng."))
    fields = decode_tlv(payload)
    merchant = decode_tlv(fields.get("38", ""))
    if fields.get("00") != "01" or merchant.get("00") != NAPAS_GUID:
        raise DomainError(_("Đây không phải mã VietQR của NAPAS."))
    beneficiary = decode_tlv(merchant.get("01", ""))
    additional = decode_tlv(fields.get("62", ""))
    amount = fields.get("54")
    if amount is not None and not amount.isdigit():
        raise DomainError(_("Số tiền trong mã VietQR không hợp lệ."))
    return VietQR(bin=beneficiary.get("00", ""), account=beneficiary.get("01", ""),
                  service=merchant.get("02", ""),
                  amount=int(amount) if amount is not None else None,
                  purpose=additional.get("08", ""), dynamic=fields.get("01") == DYNAMIC,
                  currency=fields.get("53", ""), country=fields.get("58", ""))


# -- for a dossier ----------------------------------------------------------------------------

def dossier_purpose(dossier: "Dossier") -> str | None:
    """"HS <dossier code>" when it fits in 25 characters, else the bare code; None when even
    that does not fit (the bank could not carry it back to us)."""
    code = ascii_purpose(dossier.code[:MAX_PURPOSE])
    if code != dossier.code:
        return None
    prefixed = f"HS {code}"
    return prefixed if len(prefixed) <= MAX_PURPOSE else code


def dossier_payload(dossier: "Dossier") -> str | None:
    """The VietQR payload for what ``dossier`` still owes; None when there is nothing to
    pay (free, paid, or refused, withdrawn or stopped) or the commune has not set a bank
    account."""
    from langso.onestop.models import OfficeSettings, PaymentStatus
    from langso.onestop.payments import NO_PAYMENT_STATES

    if dossier.payment_status != PaymentStatus.UNPAID or dossier.fee_amount <= 0:
        return None
    if dossier.status in NO_PAYMENT_STATES:  # closed without a result: nothing to pay for
        return None
    office = OfficeSettings.objects.filter(commune_id=dossier.commune_id).first()
    if office is None or not office.bank_bin or not office.bank_account:
        return None
    purpose = dossier_purpose(dossier)
    if purpose is None:
        logger.warning("vietqr.code_too_long", extra={"dossier": dossier.pk})
        return None
    try:
        return build_payload(bin=office.bank_bin, account=office.bank_account,
                             amount=dossier.fee_amount, purpose=purpose)
    except DomainError:
        # A malformed account in the settings must not break the dossier's pages.
        logger.warning("vietqr.bad_office_settings", extra={"commune": dossier.commune_id})
        return None


def qr_svg(payload: str, *, label: str = "") -> str:
    """The code as an inline SVG element (about 4 KB), with an accessible name."""
    title = label or _("Mã VietQR để chuyển khoản")
    svg: str = segno.make(payload, error="m").svg_inline(scale=4, border=4, svgclass="vietqr",
                                                         title=title)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(title)}" ', 1)
