"""Forms of the staff area: they check shape only; services check the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from langso.core.models import Sex, Village


class PersonForm(forms.Form):
    full_name = forms.CharField(label=_("Họ và tên"), max_length=150)
    date_of_birth = forms.DateField(label=_("Ngày sinh"), required=False,
                                    help_text=_("dd/mm/yyyy"))
    sex = forms.ChoiceField(label=_("Giới tính"), choices=[("", "—"), *Sex.choices],
                            required=False)
    citizen_id = forms.CharField(label=_("Số định danh cá nhân"), max_length=20, required=False,
                                 help_text=_("12 chữ số"))
    phone = forms.CharField(label=_("Số điện thoại"), max_length=20, required=False)
    email = forms.EmailField(label=_("Thư điện tử"), required=False)
    village = forms.ModelChoiceField(label=_("Thôn"), queryset=Village.objects.none(),
                                     required=False)
    address = forms.CharField(label=_("Địa chỉ"), max_length=255, required=False)

    def __init__(self, *args, villages=None, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages


class VillageForm(forms.Form):
    name = forms.CharField(label=_("Tên thôn, tổ dân phố"), max_length=100)
    kind = forms.ChoiceField(label=_("Loại"), choices=Village.Kind.choices)
