"""Forms of the inbox: marking read and the channel choices. Shape only; rules in services."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

MAX_IDS = 200


class IdListField(forms.Field):
    """A list of positive integer ids (repeated ``ids`` parameters)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if value in (None, "", [], ()):
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        if len(value) > MAX_IDS:
            raise forms.ValidationError(
                _("Chỉ có thể đánh dấu tối đa %(n)s thông báo một lần.") % {"n": MAX_IDS})
        ids = []
        for item in value:
            text = str(item).strip()
            if not text.isdigit() or len(text) > 18 or int(text) == 0:
                raise forms.ValidationError(_("Mã thông báo không hợp lệ."))
            ids.append(int(text))
        return ids


class MarkReadForm(forms.Form):
    """Either ``all`` or up to MAX_IDS notification ids."""

    ids = IdListField(required=False)
    # Strictly "1": a checkbox-style field would read "no" or "off" as yes.
    all = forms.ChoiceField(choices=[("", ""), ("1", "1")], required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["all"] = data.get("all") == "1"
        if not data.get("ids") and not data["all"] and not self.errors:
            raise forms.ValidationError(_("Chọn ít nhất một thông báo."))
        return data


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=_("Nhận qua thư điện tử"), required=False)
    sms = forms.BooleanField(label=_("Nhận qua tin nhắn SMS"), required=False)
    zalo = forms.BooleanField(label=_("Nhận qua Zalo"), required=False)
    quiet_start = forms.TimeField(
        label=_("Giờ yên lặng từ"), required=False, input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        help_text=_("Trong giờ yên lặng, tin nhắn SMS và Zalo được giữ lại đến hết giờ."))
    quiet_end = forms.TimeField(
        label=_("Giờ yên lặng đến"), required=False, input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}))
    language = forms.ChoiceField(label=_("Ngôn ngữ"), choices=settings.LANGUAGES)
