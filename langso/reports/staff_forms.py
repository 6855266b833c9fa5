"""Forms of the staff screens of field reports: worklist filters, one form per action on a
report, and moderation. They check the shape of what was sent; the rules (who, which
state, which department) are the services' and come back as a DomainError on the form.
"""

import re
from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from langso.core.models import Commune, Department, Membership, Village
from langso.reports.models import (
    Category,
    MediaKind,
    RejectReason,
    Report,
    ReportMedia,
    Severity,
)
from langso.reports.services import MAX_DESCRIPTION, MAX_REASON
from langso.reports.workflow import State
from langso.reports.worklist import Queue

# Django has no Vietnamese for its own message on NUL characters.
NO_NUL = ProhibitNullCharactersValidator(message=_("Nội dung có ký tự không hợp lệ."))
MAX_PROOFS = 5
# The actions a form can be posted for (resolve follows approval; reopen and close are the
# reporter's).
ACTIONS = ("triage", "reject", "reassign", "start", "draft_answer", "return_answer",
           "approve")
YES = [("", _("Không")), ("1", _("Có"))]


def _text(label: Any, *, required: bool, limit: int, rows: int = 3,
          help_text: Any = "") -> forms.CharField:
    field = forms.CharField(label=label, required=required, max_length=limit,
                            help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}))
    field.validators = [v for v in field.validators
                        if not isinstance(v, ProhibitNullCharactersValidator)] + [NO_NUL]
    return field


class WorklistFilterForm(forms.Form):
    queue = forms.ChoiceField(label=_("Danh sách"), required=False)
    status = forms.ChoiceField(label=_("Trạng thái"), required=False)
    category = forms.ModelChoiceField(label=_("Lĩnh vực"), required=False,
                                      queryset=Category.objects.none(),
                                      empty_label=_("Tất cả lĩnh vực"))
    village = forms.ModelChoiceField(label=_("Thôn"), required=False,
                                     queryset=Village.objects.none(),
                                     empty_label=_("Tất cả thôn"))
    overdue = forms.ChoiceField(label=_("Chỉ phản ánh quá hạn"), required=False, choices=YES)
    mine = forms.ChoiceField(label=_("Chỉ phản ánh giao cho tôi"), required=False,
                             choices=YES)

    def __init__(self, *args: Any, queues: list[str], communes: QuerySet[Commune],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].choices = [  # type: ignore[attr-defined]
            (q, Queue.LABELS[q]) for q in queues]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("Tất cả trạng thái")), *State.choices]
        self.fields["category"].queryset = (  # type: ignore[attr-defined]
            Category.objects.filter(commune__in=communes).order_by("position", "name"))
        self.fields["village"].queryset = (  # type: ignore[attr-defined]
            Village.objects.filter(commune__in=communes).order_by("name"))


def officer_choices(officers: list[Membership]) -> list[Any]:
    """Department officers grouped by department, so the chairman picks one of the
    department chosen (the service refuses any other)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for membership in officers:
        assert membership.department is not None  # the query asks for one
        label = membership.user.full_name or membership.user.username
        groups.setdefault(membership.department.name, []).append(
            (str(membership.user_id), label))
    return [("", _("— Không chỉ định cán bộ —")), *groups.items()]


class _RouteForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Bộ phận xử lý"),
                                        queryset=Department.objects.none(),
                                        empty_label=_("— Chọn bộ phận —"))
    assignee = forms.ChoiceField(label=_("Cán bộ xử lý (không bắt buộc)"), required=False)

    def __init__(self, *args: Any, departments: QuerySet[Department],
                 officers: list[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["assignee"].choices = officer_choices(officers)  # type: ignore[attr-defined]
        self._officers = {str(m.user_id): m.user for m in officers}

    def clean_assignee(self) -> Any:
        value = self.cleaned_data.get("assignee") or ""
        return self._officers.get(value) if value else None


class TriageForm(_RouteForm):
    severity = forms.ChoiceField(label=_("Mức độ"), choices=Severity.choices,
                                 widget=forms.RadioSelect)
    category = forms.ModelChoiceField(label=_("Đổi lĩnh vực (nếu người dân chọn sai)"),
                                      required=False, queryset=Category.objects.none(),
                                      empty_label=_("— Giữ lĩnh vực hiện tại —"))
    field_order = ["severity", "department", "assignee", "category", "note"]

    def __init__(self, *args: Any, categories: QuerySet[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["note"] = _text(_("Ghi chú công khai (không bắt buộc)"), required=False,
                                    limit=MAX_REASON)


class ReassignForm(_RouteForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _text(_("Lý do giao lại"), required=True, limit=MAX_REASON)


DUPLICATE_NUMBER = re.compile(r"^\s*(?:PA-?)?\s*(\d{1,9})\s*$", re.IGNORECASE)


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Lý do"), choices=RejectReason.choices,
                               widget=forms.RadioSelect)
    duplicate_of = forms.CharField(
        label=_("Trùng với phản ánh số"), required=False, max_length=20,
        help_text=_("Khi trùng: nhập số phản ánh gốc, ví dụ PA-12. Người theo dõi sẽ được "
                    "chuyển sang phản ánh gốc."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"] = _text(
            _("Giải thích công khai cho người phản ánh"), required=False, limit=MAX_REASON,
            help_text=_("Bắt buộc, trừ khi phản ánh bị trùng."))

    def clean_duplicate_of(self) -> int | None:
        value = self.cleaned_data.get("duplicate_of") or ""
        if not value.strip():
            return None
        match = DUPLICATE_NUMBER.match(value)
        if match is None:
            raise forms.ValidationError(_("Nhập số phản ánh, ví dụ PA-12."))
        return int(match.group(1))


class StartForm(forms.Form):
    pass


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one ``<input type=file multiple>``; a list, maybe empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={
            "multiple": True, "accept": "image/jpeg,image/png,image/webp,application/pdf"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class DraftAnswerForm(forms.Form):
    proofs = MultipleFileField(label=_("Ảnh hoặc tài liệu chứng minh kết quả"),
                               required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["proofs"].help_text = gettext(
            "Ảnh JPEG, PNG, WebP hoặc tệp PDF, tối đa %(n)d tệp. Bắt buộc có ít nhất một, "
            "trừ khi đã gửi trước đó.") % {"n": MAX_PROOFS}
        self.fields["text"] = _text(_("Nội dung trả lời"), required=True,
                                    limit=MAX_DESCRIPTION, rows=8)
        self.order_fields(["text", "proofs"])

    def clean_proofs(self) -> list[Any]:
        files = self.cleaned_data.get("proofs") or []
        if len(files) > MAX_PROOFS:
            raise forms.ValidationError(_("Tối đa %(n)d tệp.") % {"n": MAX_PROOFS})
        return list(files)


class ReasonForm(forms.Form):
    def __init__(self, *args: Any, label: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"] = _text(label or _("Lý do"), required=True, limit=MAX_REASON)


class ApproveForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["text"] = _text(_("Nội dung trả lời (có thể sửa trước khi duyệt)"),
                                    required=True, limit=MAX_DESCRIPTION, rows=8)


def action_form(action: str, report: Report, *, data: Any = None, files: Any = None,
                departments: QuerySet[Department] | None = None,
                officers: list[Membership] | None = None,
                categories: QuerySet[Category] | None = None,
                answer_text: str = "") -> forms.Form:
    """The form for ``action`` on ``report``, bound when ``data`` is given."""
    kwargs: dict[str, Any] = {"prefix": action}
    route = {"departments": departments if departments is not None
             else Department.objects.none(), "officers": officers or []}
    if action == "triage":
        return TriageForm(data, categories=categories if categories is not None
                          else Category.objects.none(),
                          initial={"department": report.category.department_id,
                                   "severity": Severity.NORMAL}, **route, **kwargs)
    if action == "reassign":
        return ReassignForm(data, initial={"department": report.department_id}, **route,
                            **kwargs)
    if action == "reject":
        return RejectForm(data, **kwargs)
    if action == "start":
        return StartForm(data, **kwargs)
    if action == "draft_answer":
        return DraftAnswerForm(data, files, initial={"text": answer_text or report.answer_text},
                               **kwargs)
    if action == "return_answer":
        return ReasonForm(data, label=_("Nội dung cần sửa"), **kwargs)
    if action == "approve":
        return ApproveForm(data, initial={"text": report.answer_text}, **kwargs)
    raise LookupError(action)


# -- moderation -----------------------------------------------------------------------------

def moderation_choices(report: Report, media: list[ReportMedia]) -> list[tuple[str, Any]]:
    """What can be hidden or shown again, worded for the current state of each."""
    choices: list[tuple[str, Any]] = [
        ("report", _("Hiện lại phản ánh trên trang công khai") if report.hidden
         else _("Ẩn cả phản ánh khỏi trang công khai")),
        ("description", _("Hiện lại nội dung mô tả") if report.description_hidden
         else _("Ẩn nội dung mô tả")),
    ]
    numbers = {MediaKind.PHOTO: 0, MediaKind.VIDEO: 0, MediaKind.PROOF: 0}
    for item in media:
        numbers[MediaKind(item.kind)] += 1
        n = numbers[MediaKind(item.kind)]
        what = {MediaKind.PHOTO: _("ảnh %(n)d"), MediaKind.VIDEO: _("video %(n)d"),
                MediaKind.PROOF: _("tệp kết quả %(n)d")}[MediaKind(item.kind)] % {"n": n}
        choices.append((f"media:{item.pk}", (_("Hiện lại %(what)s") if item.hidden
                                            else _("Ẩn %(what)s")) % {"what": what}))
    return choices


class ModerationForm(forms.Form):
    what = forms.ChoiceField(label=_("Nội dung"))

    def __init__(self, *args: Any, report: Report, media: list[ReportMedia],
                 **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "moderate")
        super().__init__(*args, **kwargs)
        self.fields["what"].choices = moderation_choices(report, media)  # type: ignore[attr-defined]
        self.fields["reason"] = _text(_("Lý do (ghi vào nhật ký)"), required=True,
                                      limit=MAX_REASON)
        self._media = {f"media:{m.pk}": m for m in media}
        self.report = report

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of ``services.report_moderate`` for the choice made:
        each choice flips what it names."""
        what = self.cleaned_data["what"]
        if what == "report":
            return {"hide_report": not self.report.hidden}
        if what == "description":
            return {"hide_description": not self.report.description_hidden}
        item = self._media[what]
        return {"media": item, "hide_media": not item.hidden}
