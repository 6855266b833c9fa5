"""Forms of the one-stop shop built from a procedure version's data: the application form
(its ``form_schema``), one file input per document, the applicant's own details when the
registry does not know them, and the citizen's actions on a dossier.

The schema is checked in one place, ``formschema.clean_form``: these forms only collect the
raw values and put its messages next to the right field.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core.errors import DomainError
from langso.core.models import StoredFile
from langso.core.validators import normalize_phone, validate_citizen_id
from langso.onestop import formschema
from langso.web.form_errors import add_domain_errors

# Up to this many choices are shown as radio buttons (all visible, one tap); more as a list.
RADIO_MAX = 5
# What the file inputs offer: a PDF scan or a phone photo (upload_store checks the bytes).
ACCEPT = "application/pdf,image/jpeg,image/png,image/webp"
DOCUMENT_PREFIX = "doc"
APPLICANT_PREFIX = "nguoi_nop"


def _choices(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [(str(value), str(label)) for value, label in spec.get("choices") or []]


def _widget(spec: Mapping[str, Any], today: dt.date) -> forms.Widget:
    kind = spec["type"]
    limit = int(spec.get("max_length") or formschema.DEFAULT_MAX_LENGTH.get(kind, 200))
    if kind == "textarea":
        return forms.Textarea(attrs={"rows": 4, "maxlength": limit})
    if kind in ("date", "past_date"):
        attrs: dict[str, Any] = {"type": "date", "min": "1900-01-01"}
        if kind == "past_date":
            attrs["max"] = today.isoformat()
        return forms.TextInput(attrs=attrs)
    if kind == "number":
        return forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*",
                                      "maxlength": 9})
    if kind == "choice":
        choices = _choices(spec)
        if len(choices) <= RADIO_MAX:
            return forms.RadioSelect(choices=choices)
        return forms.Select(choices=[("", _("— Chọn —")), *choices])
    if kind == "citizen_id":
        return forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 12,
                                      "autocomplete": "off"})
    if kind == "phone":
        return forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "maxlength": 15,
                                      "autocomplete": "tel"})
    if kind == "email":
        return forms.TextInput(attrs={"type": "email", "maxlength": 254,
                                      "autocomplete": "email"})
    if kind == "checkbox":
        return forms.CheckboxInput()
    return forms.TextInput(attrs={"maxlength": limit})


def _display(spec: Mapping[str, Any], value: Any) -> str:
    """A registry value as the citizen reads it (dd/mm/yyyy, a choice's label)."""
    if spec["type"] in ("date", "past_date") and value:
        try:
            return dt.date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if spec["type"] == "choice":
        return dict(_choices(spec)).get(str(value), str(value))
    if spec["type"] == "checkbox":
        return _("Có") if value else _("Không")
    return str(value)


class ApplicationForm(forms.Form):
    """The procedure's own form (tờ khai). Fields the registry knows (``locked``) are shown
    as text and never read from the request."""

    def __init__(self, *args: Any, schema: list[dict[str, Any]],
                 locked: Mapping[str, Any] | None = None, today: dt.date | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schema = schema
        self.locked = dict(locked or {})
        self.today = today or timezone.localdate()
        self.values: dict[str, Any] = {}
        self.known: list[tuple[str, str]] = []
        for spec in schema:
            name = spec["name"]
            # Any: the templates read two attributes of our own off the field.
            field: Any
            if spec["type"] == "checkbox":
                field = forms.BooleanField(required=False)
            else:
                # Not ``required`` for Django: the schema's rule (and message) decides.
                field = forms.CharField(required=False, strip=False)
            field.label = spec["label"]
            field.help_text = spec.get("help", "")
            field.widget = _widget(spec, self.today)
            field.schema_required = bool(spec.get("required"))
            if field.schema_required:
                field.widget.attrs["aria-required"] = "true"
            if name in self.locked:
                field.disabled = True
                field.initial = self.locked[name]
                self.known.append((spec["label"], _display(spec, self.locked[name])))
            self.fields[name] = field

    def editable_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name not in self.locked]

    def raw_values(self) -> dict[str, Any]:
        """What the person typed in the editable fields, as sent (for a draft)."""
        if not self.is_bound:
            return {}
        values: dict[str, Any] = {}
        for spec in self.schema:
            name = spec["name"]
            if name in self.locked:
                continue
            if spec["type"] == "checkbox":
                values[name] = self.add_prefix(name) in self.data
            else:
                raw = self.data.get(self.add_prefix(name))
                if raw is not None:
                    values[name] = raw
        return values

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        raw = {spec["name"]: cleaned.get(spec["name"]) for spec in self.schema}
        raw.update(self.locked)
        try:
            self.values = formschema.clean_form(self.schema, raw, today=self.today)
        except DomainError as error:
            # A registry value the schema refuses has no input to sit next to: say which.
            labels = {spec["name"]: spec["label"] for spec in self.schema}
            for name in [n for n in error.field_errors if n in self.locked]:
                for message in error.field_errors.pop(name):
                    self.add_error(None, f"{labels[name]}: {message}")
            if error.field_errors or not self.errors:
                add_domain_errors(self, error)
        return cleaned


class ApplicantForm(forms.Form):
    """Who applies, when the registry does not know them (a non-resident at the counter, a
    citizen whose account is not linked to a resident yet)."""

    applicant_name = forms.CharField(label=gettext_lazy("Họ, chữ đệm và tên người nộp"),
                                     max_length=150)
    applicant_id_number = forms.CharField(label=gettext_lazy("Số định danh cá nhân"),
                                          max_length=20, required=False,
                                          widget=forms.TextInput(attrs={
                                              "inputmode": "numeric", "autocomplete": "off"}))
    applicant_phone = forms.CharField(label=gettext_lazy("Số điện thoại"), max_length=20,
                                      required=False,
                                      widget=forms.TextInput(attrs={"type": "tel"}))
    applicant_email = forms.EmailField(label=gettext_lazy("Thư điện tử"), required=False,
                                       max_length=254)
    applicant_address = forms.CharField(label=gettext_lazy("Địa chỉ"), max_length=255,
                                        required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", APPLICANT_PREFIX)
        super().__init__(*args, **kwargs)

    def clean_applicant_name(self) -> str:
        name = self.cleaned_data["applicant_name"].strip()
        if "\x00" in name:
            raise ValidationError(_("Nội dung có ký tự không hợp lệ."))
        return name

    def clean_applicant_id_number(self) -> str:
        value = self.cleaned_data["applicant_id_number"].strip()
        return validate_citizen_id(value) if value else ""

    def clean_applicant_phone(self) -> str:
        value = self.cleaned_data["applicant_phone"].strip()
        return normalize_phone(value) if value else ""

    def clean_applicant_address(self) -> str:
        value = self.cleaned_data["applicant_address"].strip()
        if "\x00" in value:
            raise ValidationError(_("Nội dung có ký tự không hợp lệ."))
        return value

    def raw_values(self) -> dict[str, Any]:
        if not self.is_bound:
            return {}
        return {name: str(self.data.get(self.add_prefix(name)))[:255]
                for name in self.fields if self.data.get(self.add_prefix(name)) is not None}


class DocumentsForm(forms.Form):
    """One file input per document the procedure lists. A document already kept (in the
    draft) need not be sent again."""

    def __init__(self, *args: Any, documents: list[dict[str, Any]],
                 kept: Mapping[str, StoredFile] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", DOCUMENT_PREFIX)
        super().__init__(*args, **kwargs)
        self.documents = documents
        self.kept = dict(kept or {})
        for document in documents:
            code = str(document["code"])
            field: Any = forms.FileField(
                label=document["name"], required=False,
                widget=forms.FileInput(attrs={"accept": ACCEPT}),
                help_text=_("Tệp PDF hoặc ảnh chụp (JPEG, PNG, WebP)."))
            field.schema_required = bool(document.get("required"))
            field.document = document
            field.kept = self.kept.get(code)
            self.fields[code] = field

    def uploads(self) -> dict[str, Any]:
        """``{document code: uploaded file}`` for the files sent with this request."""
        if not self.is_bound:
            return {}
        return {code: self.files[self.add_prefix(code)] for code in self.fields
                if self.add_prefix(code) in self.files}

    def require_complete(self) -> None:
        """A required document that is neither sent now nor kept gets its own message."""
        for document in self.documents:
            code = str(document["code"])
            if (document.get("required") and code not in self.kept
                    and code not in self.uploads()):
                self.add_error(code, _("Vui lòng đính kèm giấy tờ này."))

    def add_service_error(self, error: DomainError) -> None:
        """A service's document message (missing, unknown) next to the documents."""
        if error.code == "missing_documents":
            names = set(error.field_errors.get("documents", []))
            for document in self.documents:
                if document["name"] in names:
                    self.add_error(str(document["code"]), _("Vui lòng đính kèm giấy tờ này."))
            return
        self.add_error(None, error.message)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Lý do"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}))
