"""The report form (Gửi phản ánh): what a resident or visitor types and picks. Shape only:
the rules (description length, location inside Vietnam, photo count) live in
``services.report_submit`` and the files are checked by ``media``; the file inputs are
read by the view, not by this form, because they are stored before the rest is valid."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from langso.core.models import Commune, Village
from langso.core.validators import normalize_phone
from langso.reports import services
from langso.reports.models import Category

LOCATION_SOURCES = ("map", "device", "photo", "address")
# Signed references to files already received (media.media_token): at most one per file.
MAX_KEPT = services.MAX_PHOTOS + services.MAX_VIDEOS


class KeptField(forms.Field):
    """Repeated hidden inputs, returned as a list of strings (checked by media)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        return [str(v)[:200] for v in values][:MAX_KEPT]


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Lĩnh vực"), queryset=Category.objects.none(),
        empty_label=_("— Chọn lĩnh vực —"),
        error_messages={"required": _("Vui lòng chọn lĩnh vực phản ánh."),
                        "invalid_choice": _("Lĩnh vực không hợp lệ."),
                        "invalid_pk_value": _("Lĩnh vực không hợp lệ.")})
    description = forms.CharField(
        label=_("Nội dung phản ánh"), max_length=services.MAX_DESCRIPTION, strip=False,
        help_text=_("Việc gì, ở đâu, từ khi nào. Ví dụ: “Đèn đường trước nhà văn hóa thôn "
                    "Đồng Bả tắt ba tối nay.”"),
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": services.MAX_DESCRIPTION}),
        error_messages={"required": _("Vui lòng nhập nội dung phản ánh."),
                        "max_length": _("Nội dung tối đa %(limit_value)d ký tự.")})
    latitude = forms.CharField(label=_("Vĩ độ"), required=False, max_length=20,
                               widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                             "autocomplete": "off"}))
    longitude = forms.CharField(label=_("Kinh độ"), required=False, max_length=20,
                                widget=forms.TextInput(attrs={"inputmode": "decimal",
                                                              "autocomplete": "off"}))
    location_source = forms.CharField(required=False, max_length=10,
                                      widget=forms.HiddenInput)
    village = forms.ModelChoiceField(
        label=_("Thôn, tổ dân phố"), queryset=Village.objects.none(), required=False,
        empty_label=_("— Chọn thôn —"),
        error_messages={"invalid_choice": _("Thôn không thuộc xã này."),
                        "invalid_pk_value": _("Thôn không hợp lệ.")})
    address = forms.CharField(
        label=_("Địa chỉ, vị trí cụ thể"), required=False, max_length=255,
        help_text=_("Ví dụ: ngõ 3, gần cổng trường tiểu học."),
        error_messages={"max_length": _("Địa chỉ tối đa %(limit_value)d ký tự.")})
    reporter_name = forms.CharField(label=_("Họ và tên"), required=False, max_length=150,
                                    widget=forms.TextInput(attrs={"autocomplete": "name"}),
                                    error_messages={"max_length": _(
                                        "Họ và tên tối đa %(limit_value)d ký tự.")})
    reporter_phone = forms.CharField(
        label=_("Số điện thoại"), required=False, max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel",
                                      "autocomplete": "tel"}))
    reporter_email = forms.EmailField(
        label=_("Thư điện tử"), required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": _("Địa chỉ thư điện tử không hợp lệ.")})
    confidential = forms.BooleanField(
        label=_("Giữ bí mật danh tính của tôi"), required=False,
        help_text=_("Tên và số điện thoại của bạn không hiện công khai và không chuyển cho "
                    "bộ phận xử lý; chỉ Chủ tịch UBND xã được xem."))
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput,
                                   error_messages={"invalid": _("Biểu mẫu không hợp lệ, "
                                                                "vui lòng tải lại trang.")})
    kept = KeptField(required=False)
    # The nearby open reports were shown (the confirmation step, or live with JavaScript).
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Sent anyway although the point is outside the commune's area (after the warning).
    outside_ok = forms.BooleanField(
        label=_("Vị trí này đúng, tôi vẫn muốn gửi"), required=False)
    # ... or the point is dropped and the village and address say where.
    drop_point = forms.BooleanField(
        label=_("Bỏ vị trí trên bản đồ, dùng thôn và địa chỉ"), required=False)

    def __init__(self, *args: Any, commune: Commune, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commune = commune
        category = self.fields["category"]
        village = self.fields["village"]
        assert isinstance(category, forms.ModelChoiceField)
        assert isinstance(village, forms.ModelChoiceField)
        categories = list(Category.objects.filter(commune=commune, is_active=True))
        category.queryset = Category.objects.filter(commune=commune, is_active=True)
        groups: dict[str, list[tuple[int, str]]] = {}
        for item in categories:
            groups.setdefault(item.group, []).append((item.pk, item.name))
        choices: list[Any] = [("", category.empty_label)]
        for group, items in groups.items():
            if group:
                choices.append((group, items))
            else:
                choices.extend(items)
        category.widget.choices = choices
        village.queryset = Village.objects.filter(commune=commune)
        self.fields["latitude"].widget.attrs["aria-describedby"] = "vi-tri-help"

    def clean_reporter_phone(self) -> str:
        value = self.cleaned_data.get("reporter_phone") or ""
        if not value.strip():
            return ""
        try:
            return normalize_phone(value)
        except ValidationError as error:
            raise ValidationError(error.messages[0]) from error

    def clean_location_source(self) -> str:
        value = self.cleaned_data.get("location_source") or ""
        return value if value in LOCATION_SOURCES else ""

    def has_point(self) -> bool:
        data = self.cleaned_data
        return bool(str(data.get("latitude") or "").strip()
                    and str(data.get("longitude") or "").strip())
