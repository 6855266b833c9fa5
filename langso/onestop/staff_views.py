"""Officers' processing screens: the worklist, the leaders' overview, one dossier with a
form per action it allows, and its files. Thin over ``worklist`` and ``services``."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from langso.core import access, selectors
from langso.core.errors import DomainError
from langso.core.uploads.services import upload_store
from langso.core.uploads.serving import (
    stored_file_response,
    too_large_error,
    upload_refused,
    upload_view,
)
from langso.onestop import services, worklist
from langso.onestop.deadline_services import Deadlines
from langso.onestop.models import Dossier
from langso.onestop.staff_forms import (
    ACTIONS,
    EXTEND,
    WorklistFilterForm,
    action_form,
)
from langso.onestop.workflow import (
    EXTEND_ROLES,
    EXTEND_STATES,
    TRANSITIONS,
    State,
    Transition,
)
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

# The extension letter is not a state change, but who may write it follows the same rule
# as a handler's transition (services.dossier_extend): ``may_take`` judges it.
EXTEND_ACTION = Transition(
    EXTEND,
    gettext_lazy("Lập văn bản xin lỗi và hẹn lại (Mẫu 04)"),
    EXTEND_STATES, "", EXTEND_ROLES, needs_reason=True, handler_only=True)
# Actions that end or turn down a dossier: drawn apart on the page.
DANGER = frozenset({"refuse", "stop", "withdraw", "send_back"})


@staff_required
@require_safe
def worklist_view(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "dossier.view"):
        raise Http404
    form = WorklistFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    status = 200
    if form.is_bound:
        if form.is_valid():
            procedure = form.cleaned_data["procedure"]
            filters = {"status": form.cleaned_data["status"],
                       "procedure_id": procedure.pk if procedure else None,
                       "mine": form.cleaned_data["mine"] == "1"}
        else:
            status = 400
    page, rows = worklist.worklist_page(user=request.user, page=request.GET.get("page"),
                                        **filters)
    query = request.GET.copy()
    query.pop("page", None)
    template = ("onestop/partials/staff_worklist_rows.html"
                if getattr(request, "htmx", False) else "onestop/staff_worklist.html")
    return render(request, template, {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "can_overview": access.can(request.user, "dossier.overview"),
    }, status=status)


@staff_required
@require_safe
def overview_view(request: HttpRequest) -> HttpResponse:
    if not access.can(request.user, "dossier.overview"):
        raise Http404
    return render(request, "onestop/staff_overview.html",
                  {"communes": worklist.overview_for(user=request.user)})


def _may_extend(user: Any, dossier: Dossier) -> bool:
    return (dossier.status in EXTEND_STATES and dossier.due_at is not None
            and services.may_take(user, dossier, EXTEND_ACTION))


def dossier_screen(request: HttpRequest, dossier: Dossier, *,
                   failed: tuple[str, Any] | None = None, status: int = 200,
                   error: str = "") -> HttpResponse:
    """The dossier screen; ``failed`` is the (action, bound form) that was refused, shown
    with its errors in place of the blank one."""
    allowed = list(services.actions_for(request.user, dossier))
    if _may_extend(request.user, dossier):
        allowed.append(EXTEND_ACTION)
    departments, staff = worklist.assignment_choices(dossier.commune)
    forms = []
    for transition in allowed:
        if failed and failed[0] == transition.action:
            form = failed[1]
        else:
            form = action_form(transition.action, dossier, departments=departments,
                               staff=staff)
        forms.append({"action": transition.action, "label": transition.label, "form": form,
                      "danger": transition.action in DANGER,
                      "url": reverse("onestop:staff_action",
                                     args=[dossier.public_id, transition.action]),
                      "multipart": transition.action in ("draft_result", "supplement")})
    standing = Deadlines().standing(dossier)
    return render(request, "onestop/staff_dossier.html", {
        "dossier": dossier, "standing": standing, "state_label": State(dossier.status).label,
        "form_rows": worklist.form_rows(dossier),
        "attachments": worklist.attachment_rows(dossier),
        "documents": list(dossier.documents.all()),
        "steps": worklist.step_rows(dossier),
        "history": selectors.history_for_object(obj=dossier),
        "action_forms": forms, "error": error, "is_late": services.is_late(dossier),
    }, status=status)


@staff_required
@require_safe
def dossier_view(request: HttpRequest, public_id: UUID) -> HttpResponse:
    dossier = worklist.dossier_for_staff(user=request.user, public_id=public_id)
    return dossier_screen(request, dossier)


def _kind_of(upload: Any) -> str:
    """PDF or photo, by what the browser said; the upload pipeline checks the bytes."""
    name = str(getattr(upload, "name", "")).lower()
    if name.endswith(".pdf") or getattr(upload, "content_type", "") == "application/pdf":
        return "document"
    return "photo"


def _perform(request: HttpRequest, dossier: Dossier, action: str, data: dict[str, Any]) -> None:
    """Run the service for ``action``; the upload and the transition commit together."""
    user = request.user
    if action == EXTEND:
        services.dossier_extend(actor=user, dossier=dossier, new_due_date=data["new_due_date"],
                                reason=data["reason"])
        return
    kwargs: dict[str, Any] = {"reason": data.get("reason", "")}
    with transaction.atomic():
        if action == "assign":
            kwargs.update(department=data.get("department"), assignee=data.get("assignee"))
        elif action == "draft_result":
            kwargs["result"] = upload_store(actor=user, commune=dossier.commune,
                                            file=data["result"], kind="document")
        elif action == "supplement":
            stored = upload_store(actor=user, commune=dossier.commune, file=data["file"],
                                  kind=_kind_of(data["file"]))
            kwargs["attachments"] = [services.AttachmentInput(data["document_code"], stored)]
        services.dossier_transition(actor=user, dossier=dossier, action=action, **kwargs)


@staff_required
@upload_view
@require_POST
def dossier_action(request: HttpRequest, public_id: UUID, action: str) -> HttpResponse:
    dossier = worklist.dossier_for_staff(user=request.user, public_id=public_id)
    if action not in ACTIONS:
        raise Http404
    departments, staff = worklist.assignment_choices(dossier.commune)
    if upload_refused(request):
        form = action_form(action, dossier, departments=departments, staff=staff)
        too_large = too_large_error()
        return dossier_screen(request, dossier, failed=(action, form), status=too_large.status,
                              error=too_large.message)
    form = action_form(action, dossier, data=request.POST, files=request.FILES,
                       departments=departments, staff=staff)
    if not form.is_valid():
        return dossier_screen(request, dossier, failed=(action, form), status=400,
                              error=_("Vui lòng kiểm tra lại thông tin đã nhập."))
    try:
        _perform(request, dossier, action, form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc, rename={"new_due_date": "new_due_date",
                                             "documents": "file", "file": "file"})
        # The screen shows the dossier as it is now: the failed action changed nothing.
        dossier = worklist.dossier_for_staff(user=request.user, public_id=public_id)
        return dossier_screen(request, dossier, failed=(action, form), status=exc.status,
                              error=exc.message)
    label = EXTEND_ACTION.label if action == EXTEND else TRANSITIONS[action].label
    messages.success(request, _("Đã thực hiện: %(action)s.") % {"action": label})
    # 303: the browser (and htmx) follows with a GET of the dossier as it is now.
    response = HttpResponseRedirect(reverse("onestop:staff_dossier", args=[public_id]))
    response.status_code = 303
    return response


@staff_required
@require_safe
def dossier_file(request: HttpRequest, public_id: UUID, file_id: UUID) -> HttpResponseBase:
    """An attachment, an issued document or the drafted result of a dossier the user
    handles; any other file id is a 404 here."""
    dossier = worklist.dossier_for_staff(user=request.user, public_id=public_id)
    candidates = [a.file for a in dossier.attachments.all()]
    candidates += [d.file for d in dossier.documents.all()]
    if dossier.result_file is not None:
        candidates.append(dossier.result_file)
    for stored in candidates:
        if stored.public_id == file_id:
            return stored_file_response(request, stored)
    raise Http404
