"""Forms of a commune's field-report setup: deadlines and rules, categories, response
templates. Shape only; ``settings_services`` holds the rules."""

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from langso.core.models import Department
from langso.reports.models import ReportSettings

NO_NUL = ProhibitNullCharactersValidator(message=_("Nội dung có ký tự không hợp lệ."))


def _coordinate(label: Any, low: int, high: int) -> forms.DecimalField:
    return forms.DecimalField(label=label, required=False, max_digits=9, decimal_places=6,
                              min_value=low, max_value=high, localize=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal"}))


def _hours(name: str, low: int, high: int) -> forms.IntegerField:
    field = ReportSettings._meta.get_field(name)
    assert isinstance(field, models.Field)
    return forms.IntegerField(label=capfirst(field.verbose_name), min_value=low,
                              max_value=high)


class ReportSettingsForm(forms.Form):
    acknowledge_hours = _hours("acknowledge_hours", 1, 80)
    urgent_hours = _hours("urgent_hours", 1, 80)
    normal_days = _hours("normal_days", 1, 60)
    complex_days = _hours("complex_days", 1, 90)
    reopen_days = _hours("reopen_days", 1, 90)
    approval_required = forms.BooleanField(
        label=_("Trả lời phải được lãnh đạo duyệt trước khi công bố"), required=False)
    nearby_radius_m = _hours("nearby_radius_m", 10, 2000)
    south = _coordinate(_("Vĩ độ cạnh nam"), 8, 24)
    north = _coordinate(_("Vĩ độ cạnh bắc"), 8, 24)
    west = _coordinate(_("Kinh độ cạnh tây"), 102, 110)
    east = _coordinate(_("Kinh độ cạnh đông"), 102, 110)

    DEADLINES = ("acknowledge_hours", "urgent_hours", "normal_days", "complex_days")
    RULES = ("reopen_days", "approval_required", "nearby_radius_m")
    BOX = ("south", "west", "north", "east")


def _line(label: Any, limit: int, *, required: bool = True, help_text: Any = "") -> Any:
    field = forms.CharField(label=label, max_length=limit, required=required,
                            help_text=help_text)
    field.validators = [v for v in field.validators
                        if not isinstance(v, ProhibitNullCharactersValidator)] + [NO_NUL]
    return field


class CategoryForm(forms.Form):
    name = _line(_("Tên lĩnh vực"), 120)
    code = forms.SlugField(label=_("Mã (Open311 service_code)"), max_length=50,
                           help_text=_("Chữ không dấu, số và dấu gạch ngang, ví dụ "
                                       "duong-giao-thong."))
    group = _line(_("Nhóm"), 80, required=False)
    description = _line(_("Mô tả"), 500, required=False)
    keywords = _line(_("Từ khóa"), 300, required=False,
                     help_text=_("Giúp gợi ý lĩnh vực khi người dân gõ nội dung."))
    department = forms.ModelChoiceField(label=_("Bộ phận xử lý mặc định"), required=False,
                                        queryset=Department.objects.none(),
                                        empty_label=_("— Chưa chọn —"))
    position = forms.IntegerField(label=_("Thứ tự hiển thị"), min_value=0, max_value=999,
                                  initial=0)
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class ResponseTemplateForm(forms.Form):
    title = _line(_("Tiêu đề mẫu"), 120)
    is_active = forms.BooleanField(label=_("Đang dùng"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = forms.CharField(label=_("Nội dung mẫu trả lời"), max_length=4000,
                                widget=forms.Textarea(attrs={"rows": 8}))
        field.validators = [v for v in field.validators
                            if not isinstance(v, ProhibitNullCharactersValidator)] + [NO_NUL]
        self.fields["text"] = field
        self.order_fields(["title", "text", "is_active"])
