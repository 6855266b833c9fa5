"""Forms of the officers' screens: worklist filters and one form per dossier action.

They check the shape of what was sent; the rules (who, which state, which department)
are the services' and come back as a DomainError shown on the same form.
"""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from langso.core.models import Department, User
from langso.onestop.models import Dossier, Procedure
from langso.onestop.services import MAX_REASON, OTHER_DOCUMENT
from langso.onestop.workflow import OPEN_STATES, TRANSITIONS, State

# Django has no Vietnamese for its own message on NUL characters.
NO_NUL = ProhibitNullCharactersValidator(message=_("Nội dung có ký tự không hợp lệ."))

EXTEND = "extend"
# Every action a form can be posted for: the workflow's plus the extension letter.
ACTIONS = (*TRANSITIONS, EXTEND)


class FilterSelect(forms.Select):
    """A select whose options are written in its own template rather than included one by
    one: the same HTML, without two template includes per option on every worklist page."""

    template_name = "onestop/widgets/select.html"


class _FetchedChoices(ModelChoiceIterator):
    """The choices in one plain query: ``ModelChoiceIterator`` uses ``iterator()``, which on
    PostgreSQL opens a server-side cursor (DECLARE, FETCH, CLOSE: three round trips) for a
    few dozen rows, on every worklist page."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class FetchedModelChoiceField(forms.ModelChoiceField):
    iterator = _FetchedChoices


class WorklistFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Trạng thái"), required=False, widget=FilterSelect)
    procedure = FetchedModelChoiceField(label=_("Thủ tục"), required=False,
                                        queryset=Procedure.objects.none(),
                                        empty_label=_("Tất cả thủ tục"), widget=FilterSelect)
    mine = forms.ChoiceField(label=_("Hồ sơ"), required=False, widget=FilterSelect,
                             choices=[("", _("Tất cả hồ sơ tôi được xem")),
                                      ("1", _("Hồ sơ giao cho tôi"))])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Tất cả trạng thái"))] + [  # type: ignore[attr-defined]
            (s.value, s.label) for s in State if s.value in OPEN_STATES]
        self.fields["procedure"].queryset = (  # type: ignore[attr-defined]
            Procedure.objects.filter(is_active=True).order_by("name"))


def _reason_field(label: Any, *, required: bool) -> forms.CharField:
    field = forms.CharField(label=label, required=required, max_length=MAX_REASON,
                            widget=forms.Textarea(attrs={"rows": 3}))
    field.validators = [v for v in field.validators
                        if not isinstance(v, ProhibitNullCharactersValidator)] + [NO_NUL]
    return field


class ReasonForm(forms.Form):
    def __init__(self, *args: Any, required_reason: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _reason_field(_("Lý do, ý kiến"), required=required_reason)


class AssignForm(ReasonForm):
    department = forms.ModelChoiceField(label=_("Bộ phận xử lý"), required=False,
                                        queryset=Department.objects.none(),
                                        empty_label=_("— Chọn bộ phận —"))
    assignee = forms.ModelChoiceField(label=_("Người xử lý"), required=False,
                                      queryset=User.objects.none(),
                                      empty_label=_("— Chọn người xử lý —"))

    def __init__(self, *args: Any, departments: QuerySet[Department],
                 staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        assignee: Any = self.fields["assignee"]
        assignee.queryset = staff
        assignee.label_from_instance = lambda u: u.full_name or u.username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("department") and not data.get("assignee") and not self.errors:
            raise forms.ValidationError(_("Chọn bộ phận hoặc người xử lý."))
        return data


class DraftResultForm(ReasonForm):
    result = forms.FileField(label=_("Dự thảo kết quả (tệp PDF)"),
                             widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}))


class SupplementForm(ReasonForm):
    document_code = forms.ChoiceField(label=_("Giấy tờ bổ sung"))
    file = forms.FileField(label=_("Tệp (PDF hoặc ảnh chụp)"),
                           widget=forms.ClearableFileInput(
                               attrs={"accept": "application/pdf,image/*"}))

    def __init__(self, *args: Any, dossier: Dossier, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        documents = [(d["code"], d["name"]) for d in dossier.version.documents or []]
        self.fields["document_code"].choices = [  # type: ignore[attr-defined]
            *documents, (OTHER_DOCUMENT, _("Giấy tờ khác theo yêu cầu bổ sung"))]


class ExtendForm(forms.Form):
    new_due_date = forms.DateField(label=_("Ngày hẹn trả mới"),
                                   input_formats=["%d/%m/%Y", "%Y-%m-%d"],
                                   widget=forms.DateInput(attrs={"type": "date"},
                                                          format="%Y-%m-%d"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _reason_field(_("Lý do chậm và lời xin lỗi"), required=True)


def action_form(action: str, dossier: Dossier, *, data: Any = None, files: Any = None,
                departments: QuerySet[Department] | None = None,
                staff: QuerySet[User] | None = None) -> forms.Form:
    """The form for ``action`` on ``dossier``, bound when ``data`` is given."""
    prefix = action
    if action == EXTEND:
        return ExtendForm(data, prefix=prefix)
    transition = TRANSITIONS[action]
    kwargs: dict[str, Any] = {"prefix": prefix, "required_reason": transition.needs_reason}
    if action == "assign":
        return AssignForm(data, departments=departments if departments is not None
                          else Department.objects.none(),
                          staff=staff if staff is not None else User.objects.none(), **kwargs)
    if action == "draft_result":
        return DraftResultForm(data, files, **kwargs)
    if action == "supplement":
        return SupplementForm(data, files, dossier=dossier, **kwargs)
    return ReasonForm(data, **kwargs)
