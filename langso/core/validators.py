"""Checks for Vietnamese identifiers: 12-digit citizen-ID numbers and phone numbers."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Birth-registration codes of the 63 provinces before 2025 (TT 59/2021/TT-BCA, annex);
# IDs issued before the 2025 merger keep them.
CITIZEN_ID_PROVINCE_CODES = frozenset({
    "001", "002", "004", "006", "008", "010", "011", "012", "014", "015", "017", "019",
    "020", "022", "024", "025", "026", "027", "030", "031", "033", "034", "035", "036",
    "037", "038", "040", "042", "044", "045", "046", "048", "049", "051", "052", "054",
    "056", "058", "060", "062", "064", "066", "067", "068", "070", "072", "074", "075",
    "077", "079", "080", "082", "083", "084", "086", "087", "089", "091", "092", "093",
    "094", "095", "096",
})
_MOBILE = re.compile(r"^0(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}$")
_LANDLINE = re.compile(r"^02[0-9]{8,9}$")


def validate_citizen_id(value: str, *, date_of_birth: date | None = None,
                        sex: str | None = None) -> str:
    """Return the normalised number or raise ValidationError with a Vietnamese message.

    Structure PPP G YY RRRRRR: birth-place code, century-and-sex digit, year of birth.
    There is no check digit (NĐ 70/2024/NĐ-CP), so the structure is all we can check.
    """
    number = re.sub(r"[\s.\-]", "", value or "")
    if not re.fullmatch(r"[0-9]{12}", number):
        raise ValidationError(_("Số định danh cá nhân phải gồm đúng 12 chữ số."),
                              code="citizen_id_format")
    if number[:3] not in CITIZEN_ID_PROVINCE_CODES:
        raise ValidationError(_("Ba chữ số đầu của số định danh không phải mã tỉnh hợp lệ."),
                              code="citizen_id_province")
    gender_century = int(number[3])
    century = 1900 + (gender_century // 2) * 100
    if date_of_birth is not None and century + int(number[4:6]) != date_of_birth.year:
        raise ValidationError(_("Số định danh không khớp với năm sinh."),
                              code="citizen_id_birth_year")
    if sex in ("male", "female") and (gender_century % 2 == 1) != (sex == "female"):
        raise ValidationError(_("Số định danh không khớp với giới tính."),
                              code="citizen_id_sex")
    return number


def normalize_phone(value: str) -> str:
    """Return a Vietnamese phone number as 0xxxxxxxxx or raise ValidationError."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise ValidationError(
            _("Số điện thoại không hợp lệ. Nhập 10 chữ số, ví dụ 0912345678."),
            code="phone_format",
        )
    return digits


def is_mobile(phone: str) -> bool:
    return bool(_MOBILE.match(phone))
