"""Forms of the catalogue screens: shape only (JSON parses, sizes); ``catalogue_services``
checks the rules."""

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from langso.onestop.catalogue_services import MAX_JSON_BYTES
from langso.onestop.models import OnlineLevel, TimeLimitKind

MAX_NESTING = 8


def _depth(value: Any, level: int = 1) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level)
    return level


class JSONTextField(forms.CharField):
    """A textarea holding JSON: refused when too large, malformed or nested too deep,
    before anything else looks at it."""

    widget = forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "code"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_JSON_BYTES)
        super().__init__(*args, strip=True, **kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        if len(text.encode()) > MAX_JSON_BYTES:
            raise forms.ValidationError(_("Nội dung quá lớn (tối đa %(n)d KB).")
                                        % {"n": MAX_JSON_BYTES // 1024})
        try:
            parsed = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("JSON không hợp lệ ở dòng %(line)d, cột %(col)d: %(msg)s")
                % {"line": error.lineno, "col": error.colno, "msg": error.msg}) from None
        except (RecursionError, ValueError):
            raise forms.ValidationError(_("JSON không hợp lệ hoặc lồng quá sâu.")) from None
        if _depth(parsed) > MAX_NESTING:
            raise forms.ValidationError(_("JSON lồng quá sâu (tối đa %(n)d cấp).")
                                        % {"n": MAX_NESTING})
        return parsed

    def validate(self, value: Any) -> None:
        if value is None and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False, indent=1)
        return value


def _reject_constant(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


class ProcedureVersionForm(forms.Form):
    effective_from = forms.DateField(label=_("Có hiệu lực từ ngày"), help_text=_("dd/mm/yyyy"))
    time_limit_kind = forms.ChoiceField(label=_("Cách tính thời hạn"),
                                        choices=TimeLimitKind.choices)
    time_limit_value = forms.DecimalField(label=_("Thời hạn giải quyết"), min_value=0,
                                          max_digits=6, decimal_places=2,
                                          help_text=_("Số ngày hoặc số giờ làm việc; 0 nếu "
                                                      "giải quyết trong ngày."))
    time_limit_note = forms.CharField(label=_("Ghi chú thời hạn"), max_length=300,
                                      required=False)
    online_level = forms.ChoiceField(label=_("Mức độ trực tuyến"), choices=OnlineLevel.choices)
    result_type = forms.CharField(label=_("Kết quả giải quyết"), max_length=300)
    legal_basis = forms.CharField(label=_("Căn cứ pháp lý"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    fee = JSONTextField(label=_("Phí, lệ phí (JSON)"),
                        help_text=_('Ví dụ: {"kind": "fixed", "amount": 20000, '
                                    '"online_amount": 10000}'))
    documents = JSONTextField(label=_("Thành phần hồ sơ (JSON)"),
                              help_text=_('Danh sách {"code", "name", "copy_kind", '
                                          '"quantity", "required"}.'))
    form_schema = JSONTextField(label=_("Mẫu đơn, tờ khai (JSON)"),
                                help_text=_('Danh sách trường {"name", "label", "type", '
                                            '"required", "prefill"…}.'))
    reason = forms.CharField(label=_("Lý do thay đổi"), max_length=500, required=False)


class OfficeSettingsForm(forms.Form):
    organ_code = forms.CharField(label=_("Mã cơ quan tiếp nhận"), max_length=20,
                                 help_text=_("Mã do hệ thống một cửa của tỉnh cấp, dùng trong "
                                             "mã hồ sơ, ví dụ 000.00.12.H56."))
    office_name = forms.CharField(label=_("Tên bộ phận tiếp nhận"), max_length=200)
    return_place = forms.CharField(label=_("Nơi trả kết quả"), max_length=300, required=False)
    bank_bin = forms.CharField(label=_("Mã BIN ngân hàng"), max_length=6, required=False,
                               help_text=_("6 chữ số theo NAPAS, ví dụ 970415 (VietinBank)."),
                               widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    bank_account = forms.CharField(label=_("Số tài khoản"), max_length=40, required=False,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    bank_account_name = forms.CharField(label=_("Tên tài khoản"), max_length=100,
                                        required=False,
                                        help_text=_("Chữ in hoa không dấu như ngân hàng in, "
                                                    "ví dụ UBND XA TAM DAO; có dấu sẽ được "
                                                    "tự chuyển."))
    warn_days_before = forms.IntegerField(label=_("Cảnh báo trước hạn (ngày làm việc)"),
                                          min_value=0, max_value=10)
