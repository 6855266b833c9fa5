"""Forms of the public report pages: the list's and map's filters, and what the reporter
(rate, reopen) and anyone (follow) may send. Shape only; the rules are in services."""

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from langso.core.models import Commune, Village
from langso.core.validators import normalize_phone
from langso.reports import services
from langso.reports.models import Category
from langso.reports.selectors import PUBLIC_STATUS_GROUPS, PublicFilters

# Reports are from this century; a year 1 or 9999 would only overflow the time zone maths.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # <input type=date>, and typed by hand
# The reporter's secret (services.report_submit: token_urlsafe(24) is 32 characters).
MAX_SECRET = 100


class ReportFilterForm(forms.Form):
    village = forms.ModelChoiceField(
        label=_("Thôn, tổ dân phố"), queryset=Village.objects.none(), required=False,
        empty_label=_("Tất cả"),
        error_messages={"invalid_choice": _("Thôn không thuộc xã này."),
                        "invalid_pk_value": _("Thôn không hợp lệ.")})
    category = forms.ModelChoiceField(
        label=_("Lĩnh vực"), queryset=Category.objects.none(), required=False,
        to_field_name="code", empty_label=_("Tất cả"),
        error_messages={"invalid_choice": _("Lĩnh vực không hợp lệ.")})
    status = forms.ChoiceField(
        label=_("Tình trạng"), required=False,
        choices=[("", _("Tất cả")), *((k, label) for k, (label, _s) in
                                      PUBLIC_STATUS_GROUPS.items())],
        error_messages={"invalid_choice": _("Tình trạng không hợp lệ.")})
    since = forms.DateField(label=_("Từ ngày"), required=False, input_formats=DATE_FORMATS,
                            widget=forms.DateInput(attrs={"type": "date"},
                                                   format="%Y-%m-%d"),
                            error_messages={"invalid": _("Ngày không hợp lệ.")})
    until = forms.DateField(label=_("Đến ngày"), required=False, input_formats=DATE_FORMATS,
                            widget=forms.DateInput(attrs={"type": "date"},
                                                   format="%Y-%m-%d"),
                            error_messages={"invalid": _("Ngày không hợp lệ.")})

    def __init__(self, data: Any, *, commune: Commune) -> None:
        super().__init__(data)
        village = self.fields["village"]
        category = self.fields["category"]
        assert isinstance(village, forms.ModelChoiceField)
        assert isinstance(category, forms.ModelChoiceField)
        village.queryset = Village.objects.filter(commune=commune)
        # Inactive categories stay: their old reports are still public.
        category.queryset = Category.objects.filter(commune=commune)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("since", "until"):
            day = data.get(name)
            if day is not None and not FIRST_DAY <= day <= LAST_DAY:
                self.add_error(name, _("Ngày phải trong khoảng 01/01/2000 – 31/12/2100."))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until and not self.errors:
            self.add_error("until", _("“Đến ngày” phải sau “Từ ngày”."))
        return data

    def filters(self) -> PublicFilters:
        """The validated filters (call after is_valid())."""
        data = self.cleaned_data
        return PublicFilters(village=data.get("village"), category=data.get("category"),
                             status=data.get("status") or "", since=data.get("since"),
                             until=data.get("until"))

    def query(self) -> str:
        """The valid filters as a query string (links to other pages, the map's requests)."""
        data = getattr(self, "cleaned_data", {})
        pairs = []
        if data.get("village"):
            pairs.append(("village", data["village"].pk))
        if data.get("category"):
            pairs.append(("category", data["category"].code))
        if data.get("status"):
            pairs.append(("status", data["status"]))
        for name in ("since", "until"):
            if data.get(name):
                pairs.append((name, data[name].isoformat()))
        return urlencode(pairs)


class SecretField(forms.CharField):
    """The link's secret, checked by the view (services.is_reporter): a wrong one of any
    length is "not the reporter" (403), not a malformed form."""

    def __init__(self) -> None:
        super().__init__(required=False, widget=forms.HiddenInput, strip=True)


class RateForm(forms.Form):
    """Shown on the page beside ReopenForm: each has its own element ids."""

    k = SecretField()
    rating = forms.TypedChoiceField(
        label=_("Mức độ hài lòng"), coerce=int, widget=forms.RadioSelect,
        choices=[(n, _("%(n)d sao") % {"n": n}) for n in range(5, 0, -1)],
        error_messages={"required": _("Vui lòng chọn từ 1 đến 5 sao."),
                        "invalid_choice": _("Vui lòng chọn từ 1 đến 5 sao.")})
    comment = forms.CharField(
        label=_("Nhận xét (không bắt buộc)"), required=False, max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("Nhận xét tối đa 1000 ký tự.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "rate-%s")
        super().__init__(*args, **kwargs)


class ReopenForm(forms.Form):
    k = SecretField()
    reason = forms.CharField(
        label=_("Vì sao vấn đề chưa được giải quyết?"), max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Vui lòng cho biết lý do mở lại."),
                        "max_length": _("Lý do tối đa %(limit_value)d ký tự.")})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reopen-%s")
        super().__init__(*args, **kwargs)


class FollowForm(forms.Form):
    """Signed in: the account follows. Otherwise an e-mail address or a phone number."""

    email = forms.EmailField(label=_("Thư điện tử"), required=False, max_length=254,
                             error_messages={"invalid": _("Thư điện tử không hợp lệ.")})
    phone = forms.CharField(label=_("hoặc số điện thoại"), required=False, max_length=20)

    def __init__(self, data: Any = None, *, signed_in: bool) -> None:
        super().__init__(data)
        self.signed_in = signed_in

    def clean_phone(self) -> str:
        value = self.cleaned_data.get("phone") or ""
        return normalize_phone(value) if value else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.signed_in and not self.errors and not (
                data.get("email") or data.get("phone")):
            raise ValidationError(_("Vui lòng để lại thư điện tử hoặc số điện thoại."))
        return data
