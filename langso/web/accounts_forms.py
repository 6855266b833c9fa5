"""Forms of the account pages: they check shape only; langso.core.services.accounts
checks the rules (phone, e-mail, password strength, codes)."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from langso.core.models import User
from langso.core.services.accounts import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH

IDENTIFIER_LABEL = _("Số điện thoại hoặc thư điện tử")


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Số điện thoại, thư điện tử hoặc mật khẩu không đúng. Lưu ý: "
                           "nhập sai nhiều lần, đăng nhập sẽ tạm thời bị khóa."),
        "inactive": _("Tài khoản này đã bị khóa."),
    }

    password = forms.CharField(
        label=_("Mật khẩu"), strip=False, max_length=MAX_PASSWORD_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Số điện thoại, thư điện tử hoặc tên đăng nhập")


class SignupForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại tài khoản"), widget=forms.RadioSelect, initial=User.Kind.CITIZEN,
        choices=[(User.Kind.CITIZEN, _("Công dân")),
                 (User.Kind.BUSINESS, _("Tổ chức, doanh nghiệp, hộ kinh doanh"))])
    full_name = forms.CharField(label=_("Họ và tên (hoặc tên tổ chức, doanh nghiệp)"),
                                max_length=150)
    identifier = forms.CharField(label=IDENTIFIER_LABEL, max_length=MAX_EMAIL_LENGTH,
                                 help_text=_("Mã xác nhận sẽ được gửi tới đây."))
    password1 = forms.CharField(label=_("Mật khẩu"), max_length=MAX_PASSWORD_LENGTH,
                                strip=False, widget=forms.PasswordInput,
                                help_text=_("Ít nhất 8 ký tự, không toàn chữ số, không quá "
                                            "phổ biến."))
    password2 = forms.CharField(label=_("Nhập lại mật khẩu"), max_length=MAX_PASSWORD_LENGTH,
                                strip=False, widget=forms.PasswordInput)
    citizen_id = forms.CharField(label=_("Số định danh cá nhân (không bắt buộc)"),
                                 max_length=20, required=False,
                                 help_text=_("12 chữ số trên căn cước. Nhập cùng ngày sinh để "
                                             "xã nhận ra bạn trong danh sách công dân."))
    date_of_birth = forms.DateField(label=_("Ngày sinh (không bắt buộc)"), required=False,
                                    help_text=_("dd/mm/yyyy"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") \
                and data["password1"] != data["password2"]:
            self.add_error("password2", _("Hai mật khẩu không khớp."))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Mã xác nhận (6 chữ số)"), max_length=12)


class IdentifierForm(forms.Form):
    identifier = forms.CharField(label=IDENTIFIER_LABEL, max_length=MAX_EMAIL_LENGTH)


class ResetFinishForm(forms.Form):
    code = forms.CharField(label=_("Mã xác nhận (6 chữ số)"), max_length=12)
    new_password1 = forms.CharField(label=_("Mật khẩu mới"), max_length=MAX_PASSWORD_LENGTH,
                                    strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("Nhập lại mật khẩu mới"),
                                    max_length=MAX_PASSWORD_LENGTH, strip=False,
                                    widget=forms.PasswordInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password2") \
                and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("Hai mật khẩu không khớp."))
        return data


class OtpForm(forms.Form):
    otp = forms.CharField(label=_("Mã xác thực (6 chữ số)"), max_length=12,
                          widget=forms.TextInput(attrs={"inputmode": "numeric",
                                                        "autocomplete": "one-time-code"}))
