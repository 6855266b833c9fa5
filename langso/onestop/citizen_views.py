"""Citizens' pages: applying online (with a draft that survives a dropped connection),
"Hồ sơ của tôi", and what a citizen may do on their own dossier (withdraw, send the
requested documents, receive the result online). Thin over ``services`` and
``draft_services``."""

from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from langso.core import selectors as core_selectors
from langso.core.errors import DomainError
from langso.core.models import Commune, Person
from langso.core.uploads.serving import (
    stored_file_response,
    too_large_error,
    upload_refused,
    upload_view,
)
from langso.onestop import draft_services, prefill, selectors, services
from langso.onestop.catalogue import selectors as catalogue_selectors
from langso.onestop.forms import ApplicantForm, ApplicationForm, DocumentsForm, ReasonForm
from langso.onestop.models import (
    Channel,
    DocumentForm,
    Dossier,
    DossierDocument,
    OnlineLevel,
    PaymentStatus,
    Procedure,
    ProcedureVersion,
)
from langso.onestop.status_views import milestone_label
from langso.onestop.workflow import APPLICANT, FINAL_STATES, State
from langso.web.form_errors import add_domain_errors

# Papers the applicant receives; the process control sheet (06) is the office's own.
CITIZEN_FORMS = (DocumentForm.RECEIPT, DocumentForm.SUPPLEMENT, DocumentForm.REFUSAL,
                 DocumentForm.APOLOGY, DocumentForm.STOP, DocumentForm.RESULT,
                 DocumentForm.PAYMENT_RECEIPT)
OTHER_DOCUMENT = services.OTHER_DOCUMENT


# -- applying online --------------------------------------------------------------------------

def _procedure_in(slug: str, procedure_slug: str) -> tuple[Commune, Procedure, ProcedureVersion]:
    commune = core_selectors.commune_for_public(slug=slug)
    if commune is None:
        raise Http404
    procedure, version = catalogue_selectors.procedure_in_force(slug=procedure_slug)
    return commune, procedure, version


def _applicant(user: Any, commune: Commune) -> Person | None:
    """The resident the account belongs to in this commune (the same rule as
    ``dossier_submit``): what the registry knows about them is not asked again."""
    return (Person.objects.filter(user=user, commune=commune)
            .select_related("village", "commune").first())


def _registry_facts(person: Person | None) -> list[tuple[str, str]]:
    if person is None:
        return []
    known = prefill.person_values(person)
    facts = [(_("Họ và tên"), known.get("person.full_name", "")),
             (_("Ngày sinh"), f"{person.date_of_birth:%d/%m/%Y}" if person.date_of_birth
              else ""),
             (_("Số định danh cá nhân"), known.get("person.citizen_id", "")),
             (_("Địa chỉ"), known.get("person.address", ""))]
    return [(label, value) for label, value in facts if value]


class _Page:
    """The forms of one submission page, bound to a request or filled from the draft."""

    def __init__(self, request: HttpRequest, commune: Commune, procedure: Procedure,
                 version: ProcedureVersion, *, bound: bool | None = None) -> None:
        self.commune, self.procedure, self.version = commune, procedure, version
        # Messages for the top of the page (a refused body, a draft that cannot be kept).
        self.problems: list[str] = []
        user: Any = request.user  # signed in: the views are login_required
        self.person = _applicant(user, commune)
        known = prefill.values_for(person=self.person, commune=commune)
        self.locked = prefill.locked_values(version.form_schema, known)
        self.draft = draft_services.draft_get(user=request.user, commune=commune,
                                              procedure=procedure)
        self.kept = draft_services.draft_files(self.draft)
        bound = request.method == "POST" if bound is None else bound
        saved = self.draft.form_data if self.draft else {}
        data = request.POST if bound else None
        files = request.FILES if bound else None
        self.form = ApplicationForm(data, schema=version.form_schema, locked=self.locked,
                                    initial=None if bound else saved)
        # Without a resident record the office still needs to know who applies.
        self.applicant_form = None if self.person else ApplicantForm(
            data, initial=None if bound else {
                "applicant_name": saved.get("applicant_name") or user.full_name,
                "applicant_phone": saved.get("applicant_phone") or user.phone or "",
                **{k: v for k, v in saved.items() if k in draft_services.APPLICANT_KEYS
                   and k not in ("applicant_name", "applicant_phone")}})
        self.documents = DocumentsForm(data, files, documents=version.documents,
                                       kept=self.kept)
        self.key = (request.POST.get("idempotency_key") or "")[:64] if bound else uuid4().hex

    def raw_values(self) -> dict[str, Any]:
        values = self.form.raw_values()
        if self.applicant_form is not None:
            values.update(self.applicant_form.raw_values())
        return values

    def keep(self, request: HttpRequest, *, with_fields: bool = True) -> dict[str, Any]:
        """Store the files sent and save the draft, so nothing sent is lost whatever else
        is wrong (``with_fields=False``: a file sent on its own leaves the values as they
        are). Returns ``{document code: StoredFile}`` of the new files."""
        stored = {}
        for code, upload in self.documents.uploads().items():
            try:
                stored[code] = draft_services.attachment_store(
                    actor=request.user, commune=self.commune, file=upload)
            except DomainError as error:
                self.documents.add_error(code, error.message)
        self.kept.update(stored)
        self.documents.kept = self.kept
        for code, file in stored.items():
            self.documents.fields[code].kept = file  # type: ignore[attr-defined]
        try:
            self.draft = draft_services.draft_save(
                user=request.user, commune=self.commune, procedure=self.procedure,
                form_data=self.raw_values() if with_fields else None, files=stored)
        except DomainError as error:
            self.problems.append(error.message)
        return stored

    def upload_problems(self) -> list[str]:
        """Files that could not be kept, named by their document."""
        return [f"{self.documents.fields[code].label}: {message}"
                for code, messages_ in self.documents.errors.items()
                if code in self.documents.fields for message in messages_]

    def context(self, **extra: Any) -> dict[str, Any]:
        forms = [f for f in (self.applicant_form, self.form, self.documents) if f is not None]
        return {
            "commune": self.commune, "procedure": self.procedure, "version": self.version,
            "person": self.person, "facts": _registry_facts(self.person),
            "members": [m for m in prefill.household_members(self.person)
                        if m.pk != getattr(self.person, "pk", None)],
            "form": self.form, "applicant_form": self.applicant_form,
            "documents": self.documents, "idempotency_key": self.key, "draft": self.draft,
            "problems": self.problems,
            "has_errors": bool(self.problems) or any(f.errors for f in forms if f.is_bound),
            "error_forms": forms,
            "draft_url": reverse("onestop:draft", kwargs={
                "slug": self.commune.slug, "procedure": self.procedure.slug}),
            **extra,
        }


def _counter_only(request: HttpRequest, commune: Commune, procedure: Procedure,
                  version: ProcedureVersion) -> HttpResponse:
    return render(request, "onestop/submit_counter_only.html", {
        "commune": commune, "procedure": procedure, "version": version,
        "settings": services.office_settings(commune)},
        status=200 if request.method == "GET" else 409)


def _already_submitted(user: Any, key: str, commune: Commune,
                       procedure: Procedure) -> Dossier | None:
    """A second click on "Nộp hồ sơ" (same key): the dossier the first one created."""
    if not key:
        return None
    return Dossier.objects.filter(submitted_by=user, idempotency_key=key, commune=commune,
                                  procedure=procedure).first()


@login_required
@upload_view
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, slug: str, procedure: str) -> HttpResponse:
    commune, found, version = _procedure_in(slug, procedure)
    if version.online_level == OnlineLevel.COUNTER:
        return _counter_only(request, commune, found, version)
    if request.method == "POST" and upload_refused(request):
        page = _Page(request, commune, found, version, bound=False)
        page.problems.append(too_large_error().message)
        return render(request, "onestop/submit.html", page.context(), status=413)
    page = _Page(request, commune, found, version)
    if request.method == "GET":
        return render(request, "onestop/submit.html", page.context())

    if request.POST.get("action") == "draft":
        page.keep(request)
        if page.problems or page.upload_problems():
            page.problems += page.upload_problems()
            return render(request, "onestop/submit.html", page.context(), status=400)
        messages.success(request, _("Đã lưu nháp. Bạn có thể quay lại nộp tiếp bất cứ lúc nào."))
        return redirect("onestop:submit", slug=commune.slug, procedure=found.slug)

    existing = _already_submitted(request.user, page.key, commune, found)
    if existing is not None:
        return redirect("onestop:submitted", public_id=existing.public_id)
    valid = page.form.is_valid()
    valid = (page.applicant_form is None or page.applicant_form.is_valid()) and valid
    valid = page.documents.is_valid() and valid
    page.keep(request)
    page.documents.require_complete()
    if not valid or page.documents.errors or page.form.errors:
        return render(request, "onestop/submit.html", page.context(), status=400)

    form_data = {**page.form.values}
    if page.applicant_form is not None:
        form_data.update(page.applicant_form.cleaned_data)
    attachments = [services.AttachmentInput(code, file) for code, file in page.kept.items()]
    try:
        dossier = services.dossier_submit(
            actor=request.user, commune=commune, procedure=found, form_data=form_data,
            attachments=attachments, channel=Channel.ONLINE, idempotency_key=page.key)
    except DomainError as error:
        if error.field_errors.get("documents") or error.code == "missing_documents":
            page.documents.add_service_error(error)
        elif set(error.field_errors) & set(page.form.fields):
            add_domain_errors(page.form, error)
        else:
            page.problems.append(error.message)
        return render(request, "onestop/submit.html", page.context(), status=error.status)
    return redirect("onestop:submitted", public_id=dossier.public_id)


@login_required
@upload_view
@require_POST
def draft_save(request: HttpRequest, slug: str, procedure: str) -> HttpResponse:
    """htmx autosave (fields on change, one file as soon as it is picked); without
    JavaScript it saves and returns to the form."""
    commune, found, version = _procedure_in(slug, procedure)
    htmx = bool(getattr(request, "htmx", False))
    if version.online_level == OnlineLevel.COUNTER:
        return _counter_only(request, commune, found, version)
    if upload_refused(request):
        return render(request, "onestop/partials/_draft_status.html",
                      {"error": too_large_error().message}, status=200 if htmx else 413)
    page = _Page(request, commune, found, version)
    part = request.POST.get("part", "")
    page.keep(request, with_fields=part not in page.documents.fields)
    errors = page.problems + page.upload_problems()
    if htmx and part in page.documents.fields:
        return render(request, "onestop/partials/_document_field.html", {
            "field": page.documents[part], "draft_url": page.context()["draft_url"]})
    if not htmx and not errors:
        messages.success(request, _("Đã lưu nháp. Bạn có thể quay lại nộp tiếp bất cứ lúc nào."))
        return redirect("onestop:submit", slug=commune.slug, procedure=found.slug)
    # htmx swaps only 2xx answers; the message says what went wrong.
    return render(request, "onestop/partials/_draft_status.html", {
        "error": "; ".join(errors), "saved_at": timezone.localtime() if not errors else None},
        status=200 if htmx else 400)


@login_required
@require_safe
def submitted(request: HttpRequest, public_id: UUID) -> HttpResponse:
    dossier = _own_dossier(request, public_id)
    return render(request, "onestop/submit_done.html", {
        "dossier": dossier,
        "status_url": reverse("onestop:status_detail", kwargs={"code": dossier.lookup_code})})


# -- "Hồ sơ của tôi" --------------------------------------------------------------------------

def _own_dossier(request: HttpRequest, public_id: UUID) -> Dossier:
    """The user's own application; a dossier they see only as staff is not on these pages."""
    dossier = selectors.dossier_get_for_user(user=request.user, public_id=public_id)
    if dossier.applicant_user_id != request.user.pk:
        raise Http404
    return dossier


@login_required
@require_safe
def my_dossiers(request: HttpRequest) -> HttpResponse:
    dossiers = (selectors.dossiers_for(request.user).filter(applicant_user=request.user)
                .order_by("-submitted_at")[:200])
    return render(request, "onestop/my_dossiers.html", {
        "dossiers": [(d, State(d.status).label) for d in dossiers]})


def _documents(dossier: Dossier) -> list[DossierDocument]:
    """The newest paper of each kind the applicant may download (the result only once it
    is theirs: returned, and paid for where a fee is due)."""
    newest: dict[str, DossierDocument] = {}
    for document in dossier.documents.filter(form__in=CITIZEN_FORMS).select_related("file"):
        newest.setdefault(document.form, document)
    if not _result_is_theirs(dossier):
        newest.pop(DocumentForm.RESULT, None)
    return [newest[f] for f in CITIZEN_FORMS if f in newest]


def _result_is_theirs(dossier: Dossier) -> bool:
    return dossier.status == State.RETURNED and dossier.payment_status != PaymentStatus.UNPAID


def _citizen_actions(user: Any, dossier: Dossier) -> list[str]:
    return [t.action for t in services.actions_for(user, dossier) if APPLICANT in t.roles]


def _supplement_documents(dossier: Dossier) -> list[dict[str, Any]]:
    return [{**d, "required": False} for d in dossier.version.documents] + [
        {"code": OTHER_DOCUMENT, "name": _("Giấy tờ khác theo yêu cầu"), "required": False}]


def _detail(request: HttpRequest, dossier: Dossier, *, status: int = 200,
            reason_form: ReasonForm | None = None,
            supplement_form: DocumentsForm | None = None,
            error: str = "") -> HttpResponse:
    actions = _citizen_actions(request.user, dossier)
    return render(request, "onestop/citizen_dossier.html", {
        "dossier": dossier, "state": State(dossier.status),
        "steps": [(step, milestone_label(step.action)) for step in dossier.steps.all()],
        "documents": _documents(dossier),
        "attachments": dossier.attachments.select_related("file"),
        "actions": actions, "error": error,
        "reason_form": reason_form or ReasonForm(),
        "supplement_form": supplement_form or DocumentsForm(
            documents=_supplement_documents(dossier)),
        "is_final": dossier.status in FINAL_STATES,
        "status_url": reverse("onestop:status_detail", kwargs={"code": dossier.lookup_code}),
    }, status=status)


@login_required
@upload_view
@require_http_methods(["GET", "POST"])
def dossier_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    dossier = _own_dossier(request, public_id)
    if request.method == "GET":
        return _detail(request, dossier)
    if upload_refused(request):
        return _detail(request, dossier, status=413, error=too_large_error().message)
    action = request.POST.get("action", "")
    if action not in _citizen_actions(request.user, dossier):
        return _detail(request, dossier, status=409,
                       error=_("Thao tác này không thực hiện được với hồ sơ ở trạng thái "
                               "hiện tại."))
    reason_form = ReasonForm(request.POST) if action == "withdraw" else None
    supplement_form = (DocumentsForm(request.POST, request.FILES,
                                     documents=_supplement_documents(dossier))
                       if action == "supplement" else None)
    try:
        if action == "withdraw":
            assert reason_form is not None
            if not reason_form.is_valid():
                return _detail(request, dossier, status=400, reason_form=reason_form)
            services.dossier_transition(actor=request.user, dossier=dossier, action=action,
                                        reason=reason_form.cleaned_data["reason"])
            messages.success(request, _("Đã rút hồ sơ."))
        elif action == "supplement":
            assert supplement_form is not None
            supplement_form.is_valid()
            uploads = supplement_form.uploads()
            if not uploads:
                supplement_form.add_error(None, _("Vui lòng đính kèm giấy tờ bổ sung."))
            stored = []
            for code, upload in uploads.items():
                try:
                    stored.append(services.AttachmentInput(code, draft_services.attachment_store(
                        actor=request.user, commune=dossier.commune, file=upload)))
                except DomainError as upload_error:
                    supplement_form.add_error(code, upload_error.message)
            if supplement_form.errors:
                return _detail(request, dossier, status=400, supplement_form=supplement_form)
            services.dossier_transition(actor=request.user, dossier=dossier, action=action,
                                        attachments=stored)
            messages.success(request, _("Đã nộp bổ sung hồ sơ. Thời hạn giải quyết được tính "
                                        "tiếp."))
        else:  # "return": the citizen takes the result online
            services.dossier_transition(actor=request.user, dossier=dossier, action=action)
            messages.success(request, _("Đã nhận kết quả trực tuyến."))
    except DomainError as error:
        dossier.refresh_from_db()
        return _detail(request, dossier, status=error.status, error=error.message,
                       reason_form=reason_form, supplement_form=supplement_form)
    return redirect("onestop:citizen_dossier", public_id=dossier.public_id)


@login_required
@require_safe
def dossier_document(request: HttpRequest, public_id: UUID, form: str) -> HttpResponseBase:
    dossier = _own_dossier(request, public_id)
    for document in _documents(dossier):
        if document.form == form:
            return stored_file_response(request, document.file)
    raise Http404

