"""Counter intake (tiếp nhận trực tiếp): a one-stop officer files a dossier for the person at
the desk — found in the registry or typed in for a non-resident — with their papers scanned
or photographed. It is received at once: receipt (Mẫu 01) issued, clock started."""

from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from langso.core import access
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
from langso.onestop.forms import ApplicantForm, ApplicationForm, DocumentsForm
from langso.onestop.models import Channel, DocumentForm, Dossier, Procedure, ProcedureVersion
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

MAX_QUERY = 100
MAX_FOUND = 20


def _communes(request: HttpRequest) -> list[Commune]:
    communes = list(access.communes_for(request.user, "dossier.receive"))
    if not communes:
        raise Http404
    return communes


def _pick_commune(communes: list[Commune], raw: str | None) -> Commune:
    if raw:
        for commune in communes:
            if str(commune.pk) == raw:
                return commune
        raise Http404
    return communes[0]


def _procedure(raw: str | None) -> tuple[Procedure, ProcedureVersion] | None:
    if not raw:
        return None
    return catalogue_selectors.procedure_in_force(slug=raw)


def _person(request: HttpRequest, commune: Commune, raw: str | None) -> Person | None:
    """The resident chosen at the desk, among those the officer may see in this commune."""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return access.get_for_user(Person.objects.filter(commune=commune).select_related(
        "village", "commune"), request.user, "people.view", pk=int(raw))


def _found(request: HttpRequest, commune: Commune, query: str) -> list[Person]:
    if not query:
        return []
    people = access.scope(Person.objects.filter(commune=commune), request.user, "people.view")
    return list(people.search(query).select_related("village").order_by("sort_key")[:MAX_FOUND])


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    forms = [f for f in (context.get("applicant_form"), context.get("form"),
                         context.get("documents")) if f is not None]
    context.setdefault("problems", [])
    context["error_forms"] = forms
    context["has_errors"] = bool(context["problems"]) or any(
        f.errors for f in forms if f.is_bound)
    return render(request, "onestop/counter.html", context, status=status)


@staff_required
@upload_view
@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    communes = _communes(request)
    source = request.POST if request.method == "POST" else request.GET
    commune = _pick_commune(communes, source.get("xa"))
    chosen = _procedure(source.get("thu_tuc"))
    query = (request.GET.get("q") or "").strip()[:MAX_QUERY]
    person = _person(request, commune, source.get("cong_dan"))
    context: dict[str, Any] = {
        "communes": communes, "commune": commune, "q": query,
        "found": _found(request, commune, query) if person is None else [],
        "person": person, "procedures": catalogue_selectors.catalogue_in_force(),
        "members": [m for m in prefill.household_members(person)
                    if m.pk != getattr(person, "pk", None)],
    }
    if chosen is None:
        if request.method == "POST":
            context["problems"] = [_("Vui lòng chọn thủ tục.")]
            return _render(request, context, status=400)
        return _render(request, context)
    procedure, version = chosen
    refused = request.method == "POST" and upload_refused(request)
    bound = request.method == "POST" and not refused
    locked = prefill.locked_values(version.form_schema,
                                   prefill.values_for(person=person, commune=commune))
    form = ApplicationForm(request.POST if bound else None, schema=version.form_schema,
                           locked=locked)
    applicant_form = None if person else ApplicantForm(request.POST if bound else None)
    documents = DocumentsForm(request.POST if bound else None,
                              request.FILES if bound else None, documents=version.documents)
    key = (request.POST.get("idempotency_key") or "")[:64] if bound else uuid4().hex
    context.update({"procedure": procedure, "version": version, "form": form,
                    "applicant_form": applicant_form, "documents": documents,
                    "idempotency_key": key})
    if refused:
        context["problems"] = [too_large_error().message]
        return _render(request, context, status=413)
    if not bound:
        return _render(request, context)

    existing = (Dossier.objects.filter(submitted_by=request.user.pk, idempotency_key=key)
                .first() if key else None)
    if existing is not None and existing.commune_id == commune.pk:
        return redirect("onestop:counter_done", public_id=existing.public_id)
    valid = form.is_valid()
    valid = (applicant_form is None or applicant_form.is_valid()) and valid
    valid = documents.is_valid() and valid
    documents.require_complete()
    if not valid or documents.errors or form.errors:
        return _render(request, context, status=400)
    attachments = []
    for code, upload in documents.uploads().items():
        try:
            attachments.append(services.AttachmentInput(code, draft_services.attachment_store(
                actor=request.user, commune=commune, file=upload)))
        except DomainError as error:
            documents.add_error(code, error.message)
    if documents.errors:
        return _render(request, context, status=400)
    form_data = {**form.values, **(applicant_form.cleaned_data if applicant_form else {})}
    try:
        dossier = services.dossier_submit(
            actor=request.user, commune=commune, procedure=procedure, form_data=form_data,
            attachments=attachments, channel=Channel.COUNTER, applicant=person,
            idempotency_key=key)
    except DomainError as error:
        if error.code == "missing_documents":
            documents.add_service_error(error)
        elif set(error.field_errors) & set(form.fields):
            add_domain_errors(form, error)
        else:
            context["problems"] = [error.message]
        return _render(request, context, status=error.status)
    messages.success(request, _("Đã tiếp nhận hồ sơ %(code)s.") % {"code": dossier.code})
    return redirect("onestop:counter_done", public_id=dossier.public_id)


def _received(request: HttpRequest, public_id: UUID) -> Dossier:
    dossier = selectors.dossier_get_for_user(user=request.user, public_id=public_id)
    if not access.can(request.user, "dossier.receive", dossier):
        raise Http404
    return dossier


@staff_required
@require_safe
def done(request: HttpRequest, public_id: UUID) -> HttpResponse:
    dossier = _received(request, public_id)
    receipt = dossier.documents.filter(form=DocumentForm.RECEIPT).first()
    return render(request, "onestop/counter_done.html", {"dossier": dossier,
                                                         "receipt": receipt})


@staff_required
@require_safe
def receipt(request: HttpRequest, public_id: UUID) -> HttpResponseBase:
    dossier = _received(request, public_id)
    document = dossier.documents.filter(form=DocumentForm.RECEIPT).select_related("file").first()
    if document is None:
        raise Http404
    return stored_file_response(request, document.file)
