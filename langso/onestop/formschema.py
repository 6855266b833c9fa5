"""Application forms declared as data and checked on the server.

A schema is a list of fields, each a dict:
``name`` (identifier), ``label`` (Vietnamese), ``type`` (below), ``required`` (bool),
``max_length``, ``choices`` ([[value, label], ...]), ``help``, and ``prefill``: where the
platform already knows the value (``person.full_name``, ``person.date_of_birth``,
``person.citizen_id``, ``person.address``, ``person.phone``, ``person.email``,
``person.sex``, ``household.head``, ``household.address``, ``commune.name``) so the citizen
is not asked again.
"""

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core.errors import DomainError
from langso.core.validators import normalize_phone, validate_citizen_id

FIELD_TYPES = {
    "text": gettext_lazy("Chữ"),
    "textarea": gettext_lazy("Đoạn văn"),
    "date": gettext_lazy("Ngày"),
    "past_date": gettext_lazy("Ngày đã qua"),
    "number": gettext_lazy("Số"),
    "choice": gettext_lazy("Lựa chọn"),
    "citizen_id": gettext_lazy("Số định danh cá nhân"),
    "phone": gettext_lazy("Số điện thoại"),
    "email": gettext_lazy("Thư điện tử"),
    "checkbox": gettext_lazy("Ô đánh dấu"),
}
DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 2000}
MAX_FIELDS = 60
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def check_schema(schema: Any) -> list[dict[str, Any]]:
    """Refuse a malformed schema before it is stored (the catalogue editor and seed data)."""
    if not isinstance(schema, list) or len(schema) > MAX_FIELDS:
        raise DomainError(_("Mẫu đơn phải là danh sách tối đa %(n)d trường.") % {"n": MAX_FIELDS})
    seen: set[str] = set()
    for spec in schema:
        if not isinstance(spec, dict):
            raise DomainError(_("Mỗi trường của mẫu đơn phải là một đối tượng."))
        name = spec.get("name")
        if not isinstance(name, str) or not _NAME.match(name) or name in seen:
            raise DomainError(_("Tên trường không hợp lệ hoặc bị trùng: %(name)s")
                              % {"name": name})
        seen.add(name)
        if spec.get("type") not in FIELD_TYPES:
            raise DomainError(_("Kiểu trường không hợp lệ: %(type)s") % {"type": spec.get("type")})
        if not isinstance(spec.get("label"), str) or not spec["label"].strip():
            raise DomainError(_("Trường %(name)s chưa có nhãn.") % {"name": name})
        if spec["type"] == "choice":
            choices = spec.get("choices")
            if not isinstance(choices, list) or not choices or not all(
                    isinstance(c, list | tuple) and len(c) == 2 for c in choices):
                raise DomainError(_("Trường %(name)s cần danh sách lựa chọn.") % {"name": name})
    return schema


def _clean_one(spec: Mapping[str, Any], raw: Any, today: dt.date) -> Any:
    kind = spec["type"]
    if kind == "checkbox":
        ticked = raw in (True, "on", "true", "1", 1)
        # A required box is a declaration ("tôi cam đoan ..."): it must be ticked.
        if spec.get("required") and not ticked:
            raise ValueError(_("Vui lòng đánh dấu ô này."))
        return ticked
    text = "" if raw is None else str(raw).strip()
    if "\x00" in text:
        raise ValueError(_("Nội dung có ký tự không hợp lệ."))
    if not text:
        if spec.get("required"):
            raise ValueError(_("Vui lòng nhập thông tin này."))
        return ""
    limit = int(spec.get("max_length") or DEFAULT_MAX_LENGTH.get(kind, 200))
    if len(text) > limit:
        raise ValueError(_("Tối đa %(n)d ký tự.") % {"n": limit})
    if kind in ("date", "past_date"):
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            try:
                value = dt.datetime.strptime(text, "%d/%m/%Y").date()
            except ValueError:
                raise ValueError(_("Ngày không hợp lệ (dd/mm/yyyy).")) from None
        if value.year < 1900:
            raise ValueError(_("Ngày không hợp lệ (dd/mm/yyyy)."))
        if kind == "past_date" and value > today:
            raise ValueError(_("Ngày này không được ở tương lai."))
        return value.isoformat()
    if kind == "number":
        if not re.fullmatch(r"[0-9]{1,9}", text):
            raise ValueError(_("Nhập một số nguyên không âm."))
        number = int(text)
        if "max" in spec and number > int(spec["max"]):
            raise ValueError(_("Tối đa %(n)d.") % {"n": int(spec["max"])})
        if "min" in spec and number < int(spec["min"]):
            raise ValueError(_("Tối thiểu %(n)d.") % {"n": int(spec["min"])})
        return number
    if kind == "choice":
        values = [str(c[0]) for c in spec["choices"]]
        if text not in values:
            raise ValueError(_("Lựa chọn không hợp lệ."))
        return text
    if kind == "citizen_id":
        try:
            validate_citizen_id(text)
        except ValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from None
        return text
    if kind == "phone":
        try:
            return normalize_phone(text)
        except ValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from None
    if kind == "email":
        if not _EMAIL.match(text):
            raise ValueError(_("Địa chỉ thư điện tử không hợp lệ."))
        return text.lower()
    return text


def clean_form(schema: list[dict[str, Any]], data: Mapping[str, Any], *,
               today: dt.date | None = None) -> dict[str, Any]:
    """Return the cleaned values of every schema field; unknown keys are dropped.

    Raises ``DomainError`` with one message per bad field (``field_errors``)."""
    today = today or timezone.localdate()
    if not isinstance(data, Mapping):
        raise DomainError(_("Nội dung tờ khai không hợp lệ."))
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for spec in schema:
        try:
            cleaned[spec["name"]] = _clean_one(spec, data.get(spec["name"]), today)
        except ValueError as exc:
            errors[spec["name"]] = [str(exc)]
    if errors:
        raise DomainError(_("Tờ khai còn thông tin chưa đúng, vui lòng kiểm tra lại."),
                          field_errors=errors)
    return cleaned
