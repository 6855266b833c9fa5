"""Writes of the procedure catalogue and a commune's one-stop settings.

A procedure's rules live in ``ProcedureVersion`` rows that are immutable once a dossier
refers to one: changing a rule adds a version (``procedure_version_create``); only a version
nobody has used yet may be corrected (``procedure_version_correct``). Every change is checked
here (shape of fees, documents and form schema, with Vietnamese messages) and recorded in
the audited history.
"""

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.history import history_record
from langso.core.models import Commune, Department
from langso.core.text import fold
from langso.onestop import fees, formschema
from langso.onestop.models import (
    AttachmentKind,
    OfficeSettings,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
    TimeLimitKind,
)
from langso.onestop.services import office_settings

# What a rule set is made of: two versions with equal values here are the same rules.
RULE_FIELDS = ("effective_from", "legal_basis", "time_limit_kind", "time_limit_value",
               "time_limit_note", "online_level", "result_type", "fee", "documents",
               "form_schema")
MAX_JSON_BYTES = 64 * 1024
MAX_DOCUMENTS = 30
MAX_AMOUNT = 100_000_000  # đồng; no commune procedure comes near it
MAX_WORKING_DAYS = 365
MAX_WORKING_HOURS = 2000
# The registry values ``prefill.values_for`` knows (formschema.py lists them).
PREFILL_KEYS = frozenset({
    "person.full_name", "person.date_of_birth", "person.citizen_id", "person.address",
    "person.phone", "person.email", "person.sex", "household.head", "household.address",
    "commune.name"})
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_PROCEDURE_CODE = re.compile(r"^[0-9]{1,2}\.[0-9]{6}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELD_KEYS = frozenset({"name", "label", "type", "required", "prefill", "choices",
                         "max_length", "help", "min", "max"})
_DOCUMENT_KEYS = frozenset({"code", "name", "copy_kind", "quantity", "required"})
_FEE_KEYS = {
    "free": frozenset({"kind", "note"}),
    "fixed": frozenset({"kind", "amount", "online_amount", "per_field", "free_when", "note"}),
    "per_page": frozenset({"kind", "pages_field", "copies_field", "first_pages",
                           "first_page_price", "next_page_price", "cap", "free_when",
                           "note"}),
}


# -- checks (shared by the loader, the staff form and the API) --------------------------------

def _invalid(field: str, message: str) -> DomainError:
    return DomainError(message, field_errors={field: [message]})


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: Any, *, field: str, label: str, limit: int, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str) or "\x00" in value:
        raise _invalid(field, _("%(label)s không hợp lệ.") % {"label": label})
    value = value.strip()
    if required and not value:
        raise _invalid(field, _("Vui lòng nhập %(label)s.") % {"label": label.lower()})
    if len(value) > limit:
        raise _invalid(field, _("%(label)s tối đa %(n)d ký tự.") % {"label": label, "n": limit})
    return value


def _json_size(value: Any, field: str) -> None:
    if len(json.dumps(value, ensure_ascii=False).encode()) > MAX_JSON_BYTES:
        raise _invalid(field, _("Nội dung quá lớn (tối đa %(n)d KB).")
                       % {"n": MAX_JSON_BYTES // 1024})


def check_form_schema(schema: Any) -> list[dict[str, Any]]:
    """``formschema.check_schema`` plus what the catalogue needs to store a schema safely."""
    try:
        formschema.check_schema(schema)
    except DomainError as error:
        raise _invalid("form_schema", error.message) from None
    _json_size(schema, "form_schema")
    for spec in schema:
        name = spec["name"]

        def bad(message: str, name: str = name) -> DomainError:
            return _invalid("form_schema", _("Trường %(name)s: %(problem)s")
                            % {"name": name, "problem": message})

        unknown = set(spec) - _FIELD_KEYS
        if unknown:
            raise bad(_("thuộc tính không được hỗ trợ: %(keys)s")
                      % {"keys": ", ".join(sorted(map(str, unknown)))})
        if len(spec["label"]) > 300 or "\x00" in spec["label"]:
            raise bad(_("nhãn quá dài hoặc có ký tự không hợp lệ."))
        if "help" in spec and (not isinstance(spec["help"], str) or len(spec["help"]) > 500):
            raise bad(_("phần hướng dẫn không hợp lệ (tối đa 500 ký tự)."))
        if not isinstance(spec.get("required", False), bool):
            raise bad(_("“required” phải là true hoặc false."))
        if "prefill" in spec and spec["prefill"] not in PREFILL_KEYS:
            raise bad(_("nguồn điền sẵn không được hỗ trợ: %(key)s") % {"key": spec["prefill"]})
        if "max_length" in spec and not (_is_int(spec["max_length"])
                                         and 1 <= spec["max_length"] <= 5000):
            raise bad(_("độ dài tối đa phải là số nguyên từ 1 đến 5000."))
        for bound in ("min", "max"):
            if bound in spec and not (_is_int(spec[bound]) and 0 <= spec[bound] <= 10**9):
                raise bad(_("giới hạn số không hợp lệ."))
        if spec["type"] == "choice":
            choices = spec["choices"]
            if len(choices) > 100 or not all(
                    isinstance(v, str) and isinstance(label, str) and 0 < len(v) <= 100
                    and 0 < len(label) <= 200 for v, label in choices):
                raise bad(_("danh sách lựa chọn không hợp lệ."))
    return schema


def check_documents(documents: Any) -> list[dict[str, Any]]:
    if not isinstance(documents, list) or len(documents) > MAX_DOCUMENTS:
        raise _invalid("documents", _("Thành phần hồ sơ phải là danh sách tối đa %(n)d giấy "
                                      "tờ.") % {"n": MAX_DOCUMENTS})
    seen: set[str] = set()
    for item in documents:
        if not isinstance(item, dict) or set(item) - _DOCUMENT_KEYS:
            raise _invalid("documents", _("Mỗi giấy tờ gồm: code, name, copy_kind, quantity, "
                                          "required."))
        code = item.get("code")
        if not isinstance(code, str) or not _CODE.match(code) or code in seen:
            raise _invalid("documents", _("Mã giấy tờ không hợp lệ hoặc bị trùng: %(code)s")
                           % {"code": str(code)[:40]})
        seen.add(code)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 300 or "\x00" in name:
            raise _invalid("documents", _("Giấy tờ %(code)s chưa có tên hợp lệ (tối đa 300 ký "
                                          "tự).") % {"code": code})
        if item.get("copy_kind") not in AttachmentKind.values:
            raise _invalid("documents", _("Giấy tờ %(code)s: loại bản phải là một trong "
                                          "%(kinds)s.")
                           % {"code": code, "kinds": ", ".join(AttachmentKind.values)})
        if not (_is_int(item.get("quantity")) and 1 <= item["quantity"] <= 20):
            raise _invalid("documents", _("Giấy tờ %(code)s: số lượng từ 1 đến 20.")
                           % {"code": code})
        if not isinstance(item.get("required"), bool):
            raise _invalid("documents", _("Giấy tờ %(code)s: “required” phải là true hoặc "
                                          "false.") % {"code": code})
    _json_size(documents, "documents")
    return documents


def check_fee(rule: Any, schema: list[dict[str, Any]]) -> dict[str, Any]:
    """``fees.check_rule`` plus: known keys only, sane amounts, and the counted fields
    (pages, copies) exist in the form as numbers."""
    try:
        fees.check_rule(rule)
    except DomainError as error:
        raise _invalid("fee", error.message) from None
    kind = rule["kind"]
    unknown = set(rule) - _FEE_KEYS[kind]
    if unknown:
        raise _invalid("fee", _("Quy định phí có thuộc tính không dùng cho loại “%(kind)s”: "
                                "%(keys)s") % {"kind": kind,
                                               "keys": ", ".join(sorted(map(str, unknown)))})
    for key in ("amount", "online_amount", "first_page_price", "next_page_price", "cap",
                "first_pages"):
        if key in rule and (not _is_int(rule[key]) or rule[key] > MAX_AMOUNT):
            raise _invalid("fee", _("Số tiền không hợp lệ: %(key)s") % {"key": key})
    if kind == "fixed" and "amount" not in rule:
        raise _invalid("fee", _("Phí cố định cần có “amount” (đồng)."))
    if kind == "per_page" and not {"first_page_price", "next_page_price"} <= set(rule):
        raise _invalid("fee", _("Phí theo trang cần “first_page_price” và "
                                "“next_page_price”."))
    if "note" in rule:
        _text(rule["note"], field="fee", label=_("Ghi chú phí"), limit=300, required=False)
    numbers = {s["name"] for s in schema if s["type"] == "number"}
    for key in ("per_field", "pages_field", "copies_field"):
        if key in rule and rule[key] not in numbers:
            raise _invalid("fee", _("“%(key)s” phải là tên một trường kiểu số của mẫu đơn.")
                           % {"key": key})
    if "free_when" in rule:
        condition = rule["free_when"]
        names = {s["name"] for s in schema}
        if not (isinstance(condition, dict) and set(condition) == {"field", "equals"}
                and condition["field"] in names
                and isinstance(condition["equals"], str | bool | int)):
            raise _invalid("fee", _("“free_when” cần dạng {\"field\": tên trường, \"equals\": "
                                    "giá trị}."))
    return rule


def check_time_limit(kind: Any, value: Any, note: Any) -> tuple[str, Decimal, str]:
    if kind not in TimeLimitKind.values:
        raise _invalid("time_limit_kind", _("Cách tính thời hạn không hợp lệ."))
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _invalid("time_limit_value", _("Thời hạn phải là một số.")) from None
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise _invalid("time_limit_value", _("Thời hạn phải là số không âm, tối đa hai chữ số "
                                             "thập phân."))
    limit = MAX_WORKING_HOURS if kind == TimeLimitKind.WORKING_HOURS else MAX_WORKING_DAYS
    if amount > limit:
        raise _invalid("time_limit_value", _("Thời hạn tối đa %(n)d.") % {"n": limit})
    if kind == TimeLimitKind.SAME_DAY and amount != 0:
        raise _invalid("time_limit_value", _("Thủ tục giải quyết trong ngày có thời hạn 0."))
    if kind != TimeLimitKind.SAME_DAY and amount == 0:
        raise _invalid("time_limit_value", _("Thời hạn phải lớn hơn 0."))
    text = _text(note, field="time_limit_note", label=_("Ghi chú thời hạn"), limit=300,
                 required=False)
    return str(kind), amount, text


def check_rules(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a whole rule set; return it normalised (the fields of ``RULE_FIELDS``)."""
    effective_from = values.get("effective_from")
    if isinstance(effective_from, str):
        try:
            effective_from = dt.date.fromisoformat(effective_from)
        except ValueError:
            effective_from = None
    if not isinstance(effective_from, dt.date) or not 2000 <= effective_from.year <= 2100:
        raise _invalid("effective_from", _("Ngày có hiệu lực không hợp lệ."))
    kind, amount, note = check_time_limit(values.get("time_limit_kind"),
                                          values.get("time_limit_value"),
                                          values.get("time_limit_note"))
    if values.get("online_level") not in OnlineLevel.values:
        raise _invalid("online_level", _("Mức độ trực tuyến không hợp lệ."))
    schema = check_form_schema(values.get("form_schema"))
    return {
        "effective_from": effective_from,
        "legal_basis": _text(values.get("legal_basis"), field="legal_basis",
                             label=_("Căn cứ pháp lý"), limit=5000),
        "time_limit_kind": kind, "time_limit_value": amount, "time_limit_note": note,
        "online_level": values["online_level"],
        "result_type": _text(values.get("result_type"), field="result_type",
                             label=_("Kết quả giải quyết"), limit=300),
        "fee": check_fee(values.get("fee"), schema),
        "documents": check_documents(values.get("documents")),
        "form_schema": schema,
    }


def rules_of(version: ProcedureVersion) -> dict[str, Any]:
    return {name: getattr(version, name) for name in RULE_FIELDS}


def _canonical(value: Any) -> Any:
    # JSON values compared with sorted keys: the database may reorder object keys.
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _same_rules(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return all(_canonical(a[name]) == _canonical(b[name]) for name in RULE_FIELDS)


def version_is_used(version: ProcedureVersion) -> bool:
    """A version a dossier refers to is frozen: dossiers keep the rules they were filed
    under, and the receipt, fee and deadline they got must stay explainable."""
    return version.dossiers.exists()


# -- procedures and versions -------------------------------------------------------------------

def _require_manager(actor: Any) -> None:
    if not access.can(actor, "procedure.manage"):
        raise PermissionDenied(_("Bạn không có quyền sửa danh mục thủ tục."))


def _add_version(*, procedure: Procedure, rules: dict[str, Any], actor: Any, reason: str,
                 now: dt.datetime) -> ProcedureVersion:
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    last = locked.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = ProcedureVersion.objects.create(procedure=locked, number=last + 1,
                                              created_at=now, **rules)
    history_record(obj=version, action="procedure.version_create", actor=actor,
                   to_state=str(version.number), reason=reason, commune=None, now=now,
                   data={"code": procedure.code,
                         "effective_from": rules["effective_from"].isoformat()})
    return version


@transaction.atomic
def procedure_version_create(*, actor: Any, procedure: Procedure, reason: str = "",
                             now: dt.datetime | None = None,
                             **values: Any) -> ProcedureVersion:
    """A province administrator changes a procedure: the new rules become the next version,
    in force from ``effective_from``; earlier dossiers keep theirs."""
    now = now or timezone.now()
    _require_manager(actor)
    rules = check_rules(values)
    reason = _text(reason, field="reason", label=_("Lý do"), limit=500, required=False)
    current = (procedure.versions.filter(effective_from__lte=timezone.localdate(now))
               .order_by("-effective_from", "-number").first())
    if current is not None and rules["effective_from"] < current.effective_from:
        raise _invalid("effective_from", _("Ngày có hiệu lực không được trước ngày của phiên "
                                           "bản đang áp dụng (%(date)s).")
                       % {"date": f"{current.effective_from:%d/%m/%Y}"})
    if current is not None and _same_rules(rules, rules_of(current)):
        raise Conflict(_("Không có thay đổi nào so với phiên bản đang áp dụng."))
    return _add_version(procedure=procedure, rules=rules, actor=actor, reason=reason, now=now)


@transaction.atomic
def procedure_version_correct(*, actor: Any, version: ProcedureVersion, reason: str,
                              now: dt.datetime | None = None,
                              **changes: Any) -> ProcedureVersion:
    """Fix a mistake in a version no dossier has used yet (typically one that takes effect
    later). A version in use is refused: add a new version instead."""
    now = now or timezone.now()
    _require_manager(actor)
    version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
    if version_is_used(version):
        raise Conflict(_("Phiên bản %(n)d đã được dùng cho hồ sơ nên không thể sửa; hãy tạo "
                         "phiên bản mới.") % {"n": version.number}, code="version_in_use")
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise DomainError(_("Không thể sửa: %(keys)s") % {"keys": ", ".join(sorted(unknown))})
    reason = _text(reason, field="reason", label=_("Lý do"), limit=500)
    rules = check_rules({**rules_of(version), **changes})
    changed = [name for name in RULE_FIELDS
               if _canonical(rules[name]) != _canonical(getattr(version, name))]
    for name in changed:
        setattr(version, name, rules[name])
    if changed:
        version.save(update_fields=changed)
        history_record(obj=version, action="procedure.version_correct", actor=actor,
                       reason=reason, commune=None, now=now,
                       data={"code": version.procedure.code, "fields": changed})
    return version


def _procedure_values(entry: Mapping[str, Any]) -> dict[str, Any]:
    code = entry.get("code")
    if not isinstance(code, str) or not _PROCEDURE_CODE.match(code):
        raise DomainError(_("Mã thủ tục không hợp lệ: %(code)s") % {"code": str(code)[:20]})
    slug = entry.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 120:
        raise DomainError(_("Đường dẫn (slug) của thủ tục không hợp lệ: %(code)s")
                          % {"code": code})
    if entry.get("department_kind") not in Department.Kind.values:
        raise DomainError(_("Bộ phận giải quyết không hợp lệ: %(code)s") % {"code": code})
    return {"code": code, "slug": slug,
            "name": _text(entry.get("name"), field="name", label=_("Tên thủ tục"), limit=300),
            "sector": _text(entry.get("sector"), field="sector", label=_("Lĩnh vực"),
                            limit=120),
            "department_kind": entry["department_kind"]}


@dataclass
class SyncResult:
    procedure: Procedure
    created: bool = False
    updated: bool = False
    new_versions: int = 0


@transaction.atomic
def procedure_sync(*, entry: Mapping[str, Any], now: dt.datetime | None = None) -> SyncResult:
    """Bring one catalogue entry into the database (the ``load_procedures`` command).

    A rule set already stored (equal in every rule, whatever its number) is left alone, so
    running the loader again changes nothing and a version added by an administrator stays;
    a rule set that differs from all stored ones becomes a new version."""
    now = now or timezone.now()
    values = _procedure_values(entry)
    rule_sets = [check_rules({**data, "time_limit_kind": data.get("time_limit", {}).get("kind"),
                              "time_limit_value": data.get("time_limit", {}).get("value"),
                              "time_limit_note": data.get("time_limit", {}).get("note", "")})
                 for data in entry.get("versions") or []]
    if not rule_sets:
        raise DomainError(_("Thủ tục %(code)s chưa có phiên bản nào.") % {"code": values["code"]})
    found = Procedure.objects.select_for_update().filter(code=values["code"]).first()
    if found is None:
        procedure = Procedure.objects.create(**values)
        history_record(obj=procedure, action="procedure.create", commune=None, now=now,
                       data={"code": procedure.code})
        result = SyncResult(procedure=procedure, created=True)
    else:
        procedure = found
        result = SyncResult(procedure=procedure)
        changed = [k for k, v in values.items() if getattr(procedure, k) != v]
        if changed:
            before = {k: getattr(procedure, k) for k in changed}
            for key in changed:
                setattr(procedure, key, values[key])
            procedure.save(update_fields=changed)
            history_record(obj=procedure, action="procedure.update", commune=None, now=now,
                           data={"code": procedure.code, "before": before,
                                 "after": {k: values[k] for k in changed}})
            result.updated = True
    stored = [rules_of(v) for v in procedure.versions.all()]
    for rules in rule_sets:
        if not any(_same_rules(rules, old) for old in stored):
            _add_version(procedure=procedure, rules=rules, actor=None,
                         reason=_("Nạp danh mục thủ tục"), now=now)
            stored.append(rules)
            result.new_versions += 1
    return result


# -- a commune's one-stop office ------------------------------------------------------------

OFFICE_FIELDS = ("organ_code", "office_name", "return_place", "bank_bin", "bank_account",
                 "bank_account_name", "warn_days_before")
_ORGAN_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,19}$")
_ACCOUNT_NAME = re.compile(r"^[A-Z0-9 .,()&/\-]{1,100}$")


def bank_account_name(value: str) -> str:
    """Banks print the beneficiary in upper-case ASCII: "Ủy ban nhân dân xã Tam Đảo" →
    "UY BAN NHAN DAN XA TAM DAO"."""
    return fold(value).upper()


def _office_values(data: Mapping[str, Any]) -> dict[str, Any]:
    organ = _text(data.get("organ_code"), field="organ_code", label=_("Mã cơ quan"), limit=20)
    if not _ORGAN_CODE.match(organ):
        raise _invalid("organ_code", _("Mã cơ quan chỉ gồm chữ, số, dấu chấm và gạch ngang "
                                       "(tối đa 20 ký tự)."))
    bin_ = _text(data.get("bank_bin"), field="bank_bin", label=_("Mã BIN"), limit=6,
                 required=False)
    if bin_ and not re.fullmatch(r"[0-9]{6}", bin_):
        raise _invalid("bank_bin", _("Mã BIN ngân hàng gồm đúng 6 chữ số."))
    account = re.sub(r"[\s.\-]", "", _text(data.get("bank_account"), field="bank_account",
                                           label=_("Số tài khoản"), limit=40, required=False))
    if account and not re.fullmatch(r"[0-9]{6,19}", account):
        raise _invalid("bank_account", _("Số tài khoản gồm từ 6 đến 19 chữ số."))
    name = bank_account_name(_text(data.get("bank_account_name"), field="bank_account_name",
                                   label=_("Tên tài khoản"), limit=100, required=False))
    if name and not _ACCOUNT_NAME.match(name):
        raise _invalid("bank_account_name", _("Tên tài khoản chỉ gồm chữ in hoa không dấu, "
                                              "chữ số và dấu cách."))
    if any((bin_, account, name)) and not all((bin_, account, name)):
        message = _("Nhập đủ mã BIN, số tài khoản và tên tài khoản (hoặc bỏ trống cả ba nếu "
                    "chưa thu phí qua ngân hàng).")
        raise DomainError(message, field_errors={
            f: [message] for f, v in (("bank_bin", bin_), ("bank_account", account),
                                      ("bank_account_name", name)) if not v})
    warn = data.get("warn_days_before")
    if not isinstance(warn, int) or isinstance(warn, bool) or not 0 <= warn <= 10:
        raise _invalid("warn_days_before", _("Số ngày cảnh báo từ 0 đến 10."))
    return {
        "organ_code": organ,
        "office_name": _text(data.get("office_name"), field="office_name",
                             label=_("Tên bộ phận tiếp nhận"), limit=200),
        "return_place": _text(data.get("return_place"), field="return_place",
                              label=_("Nơi trả kết quả"), limit=300, required=False),
        "bank_bin": bin_, "bank_account": account, "bank_account_name": name,
        "warn_days_before": warn,
    }


@transaction.atomic
def office_settings_update(*, actor: Any, commune: Commune, now: dt.datetime | None = None,
                           **data: Any) -> OfficeSettings:
    """The chairman or the commune's administrator sets how its one-stop office works."""
    now = now or timezone.now()
    if not access.can(actor, "onestop.settings", commune):
        raise PermissionDenied(_("Bạn không có quyền sửa cấu hình một cửa của xã này."))
    values = _office_values(data)
    settings = OfficeSettings.objects.select_for_update().get(pk=office_settings(commune).pk)
    changed = [k for k in OFFICE_FIELDS if getattr(settings, k) != values[k]]
    if not changed:
        return settings
    before = {k: getattr(settings, k) for k in changed}
    for key in changed:
        setattr(settings, key, values[key])
    settings.save(update_fields=changed)
    history_record(obj=settings, action="onestop.settings_update", actor=actor,
                   commune=commune, now=now,
                   data={"before": before, "after": {k: values[k] for k in changed}})
    return settings
