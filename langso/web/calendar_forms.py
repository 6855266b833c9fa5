"""Forms of the working-calendar screens: shape only; the calendar services check the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from langso.core.clock import MAX_WORKING_DAYS, MAX_WORKING_HOURS
from langso.core.models import CalendarOverride


class OverrideForm(forms.Form):
    date = forms.DateField(label=_("Ngày"), help_text=_("dd/mm/yyyy"))
    kind = forms.ChoiceField(label=_("Loại"), choices=CalendarOverride.Kind.choices)
    reason = forms.CharField(label=_("Lý do"), max_length=200,
                             help_text=_("Ví dụ: Làm bù cho ngày nghỉ thứ Sáu 02/01/2026."))
    legal_basis = forms.CharField(label=_("Căn cứ"), max_length=200, required=False,
                                  help_text=_("Số, ký hiệu văn bản. Ví dụ: Công văn "
                                              "12729/VPCP-KGVX."))
    scope = forms.ChoiceField(label=_("Áp dụng cho"), initial="commune",
                              choices=[("commune", _("Riêng xã này")), ("national", _("Cả nước"))])

    def __init__(self, *args: Any, allow_national: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not allow_national:
            del self.fields["scope"]


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(format="%H:%M", attrs={"inputmode": "numeric", "maxlength": 8})


class OfficeHoursForm(forms.Form):
    morning_start = forms.TimeField(label=_("Buổi sáng từ"), help_text=_("HH:MM"),
                                    widget=_time_input())
    morning_end = forms.TimeField(label=_("Buổi sáng đến"), widget=_time_input())
    afternoon_start = forms.TimeField(label=_("Buổi chiều từ"), widget=_time_input())
    afternoon_end = forms.TimeField(label=_("Buổi chiều đến"), widget=_time_input())
    cutoff = forms.TimeField(label=_("Giờ chốt nhận hồ sơ trong ngày"), widget=_time_input(),
                             help_text=_("Hồ sơ nhận sau giờ này được tính từ ngày làm việc "
                                         "tiếp theo (thường là 15:00)."))
    saturday_morning = forms.BooleanField(label=_("Tiếp nhận, trả kết quả sáng thứ Bảy"),
                                          required=False)


class DeadlineForm(forms.Form):
    received_at = forms.DateTimeField(label=_("Thời điểm tiếp nhận"),
                                      help_text=_("dd/mm/yyyy HH:MM"))
    days = forms.IntegerField(label=_("Số ngày làm việc"), required=False, min_value=0,
                              max_value=MAX_WORKING_DAYS)
    hours = forms.DecimalField(label=_("hoặc số giờ làm việc"), required=False, min_value=0,
                               max_value=MAX_WORKING_HOURS, max_digits=7, decimal_places=2)

    def clean(self) -> dict[str, Any]:  # shape only: exactly one of the two amounts
        data = super().clean() or {}
        if (data.get("days") is None) == (data.get("hours") is None) and not self.errors:
            raise forms.ValidationError(_("Nhập số ngày làm việc hoặc số giờ làm việc "
                                          "(một trong hai)."))
        return data
