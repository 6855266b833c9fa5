"""Staff screens of field reports: the worklists, one report with a form per action it
allows (triage, reject, reassign, start, answer with proof, return, approve) and
moderation, its files, and the answer-template fragment. Thin over ``worklist`` and
``services``."""

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from langso.core import access
from langso.core.errors import DomainError
from langso.core.models import Commune
from langso.core.uploads.services import upload_store
from langso.core.uploads.serving import (
    stored_file_response,
    too_large_error,
    upload_refused,
    upload_view,
)
from langso.reports import services, worklist
from langso.reports.deadline_services import Deadlines
from langso.reports.models import (
    Category,
    MediaKind,
    MediaStatus,
    Report,
    ReportMedia,
    ResponseTemplate,
)
from langso.reports.notifications import public_path
from langso.reports.staff_forms import (
    ACTIONS,
    DraftAnswerForm,
    ModerationForm,
    WorklistFilterForm,
    action_form,
)
from langso.reports.workflow import TRANSITIONS, State, available
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

STAFF_LINKS = [
    ("report.view", "reports:staff_worklist", gettext_lazy("Phản ánh hiện trường")),
    # Moderators who do not handle reports (the commune's IT administrator) reach the same
    # list, limited to moderation.
    ("report.moderate", "reports:staff_worklist", gettext_lazy("Phản ánh hiện trường")),
    ("report.statistics", "reports:statistics", gettext_lazy("Thống kê phản ánh")),
    ("report.settings", "reports:settings", gettext_lazy("Cấu hình phản ánh")),
]
# Actions that end or turn down a report, drawn apart on the page.
DANGER = frozenset({"reject", "return_answer"})
# Upload refusals that belong under the proof field rather than at the top of the form.
FILE_ERRORS = frozenset({"invalid_file", "too_large", "quota_exceeded", "storage_unavailable"})


def register() -> None:
    """Add the staff links (from ``ReportsConfig.ready``)."""
    from langso.web import context_processors

    for link in STAFF_LINKS:
        if link not in context_processors.STAFF_NAV:
            context_processors.STAFF_NAV.append(link)


def _staff_communes(user: Any) -> QuerySet[Commune]:
    ids = set(access.communes_for(user, "report.view").values_list("pk", flat=True))
    ids |= set(access.communes_for(user, "report.moderate").values_list("pk", flat=True))
    return Commune.objects.filter(pk__in=ids).order_by("name")


# -- worklists -----------------------------------------------------------------------------

@staff_required
@require_safe
def worklist_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not worklist.may_use_worklist(user):
        raise Http404
    queues = worklist.queues_for(user)
    form = WorklistFilterForm(request.GET or None, queues=queues,
                              communes=_staff_communes(user))
    queue, filters, status = queues[0], {}, 200
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            queue = data["queue"] or queues[0]
            filters = {"status": data["status"],
                       "category_id": data["category"].pk if data["category"] else None,
                       "village_id": data["village"].pk if data["village"] else None,
                       "overdue": data["overdue"] == "1", "mine": data["mine"] == "1"}
        else:
            status = 400
    now = timezone.now()
    page, rows = worklist.worklist_page(user=user, queue=queue, page=request.GET.get("page"),
                                        now=now, **filters)
    query = request.GET.copy()
    query.pop("page", None)
    counts = worklist.queue_counts(user, queues, now)
    template = ("reports/staff/partials/worklist_rows.html"
                if getattr(request, "htmx", False) else "reports/staff/worklist.html")
    return render(request, template, {
        "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "queue": queue, "tabs": [{"key": q, "label": worklist.Queue.LABELS[q],
                                  "count": counts.get(q)} for q in queues],
        "overdue_count": counts["overdue"],
    }, status=status)


# -- one report ----------------------------------------------------------------------------

def _allowed(user: Any, report: Report, can: worklist.StaffAccess) -> list[Any]:
    if not can.handles:
        return []
    return [t for t in available(report.status)
            if t.action in ACTIONS and services.may(user, report, t)]


def _chosen_template(request: HttpRequest, report: Report) -> ResponseTemplate | None:
    raw = request.GET.get("mau", "")
    if not raw.isdigit() or len(raw) > 12:
        return None
    return ResponseTemplate.objects.filter(pk=int(raw), category_id=report.category_id,
                                           is_active=True).first()


def _categories(report: Report) -> QuerySet[Category]:
    return Category.objects.filter(commune_id=report.commune_id, is_active=True).order_by(
        "position", "name")


def report_screen(request: HttpRequest, report: Report, can: worklist.StaffAccess, *,
                  failed: tuple[str, Any] | None = None, status: int = 200,
                  error: str = "") -> HttpResponse:
    """The report screen; ``failed`` is the (action, bound form) that was refused, shown
    with its errors in place of the blank one."""
    user = request.user
    media = worklist.media_of(report)
    departments, officers = worklist.assignment_choices(report.commune)
    template = _chosen_template(request, report)
    forms = []
    for transition in _allowed(user, report, can):
        if failed and failed[0] == transition.action:
            form = failed[1]
        else:
            form = action_form(transition.action, report, departments=departments,
                               officers=officers, categories=_categories(report),
                               answer_text=template.text if template else "")
        forms.append({"action": transition.action, "label": transition.label, "form": form,
                      "danger": transition.action in DANGER,
                      "url": reverse("reports:staff_action", args=[report.pk,
                                                                   transition.action]),
                      "multipart": transition.action == "draft_answer"})
    moderation = None
    if can.moderates:
        moderation = (failed[1] if failed and failed[0] == "moderate"
                      else ModerationForm(report=report, media=media))
    media_rows: list[dict[str, Any]] = [
        {"item": m, "url": reverse("reports:staff_media", args=[report.pk, m.pk]),
         "poster": (reverse("reports:staff_media_poster", args=[report.pk, m.pk])
                    if m.poster_id else ""),
         "is_image": bool(m.file and m.file.content_type.startswith("image/"))}
        for m in media]
    return render(request, "reports/staff/report.html", {
        "report": report, "can": can, "standing": Deadlines().standing(report),
        "state_label": State(report.status).label, "place": worklist.place_of(report),
        "handler": worklist.handler_of(report),
        "photos": [r for r in media_rows if r["item"].kind != MediaKind.PROOF],
        "proofs": [r for r in media_rows if r["item"].kind == MediaKind.PROOF],
        "action_forms": forms, "moderation": moderation, "error": error,
        "templates": worklist.response_templates(report)
        if any(f["action"] == "draft_answer" for f in forms) else [],
        "chosen_template": template, "history": worklist.history_rows(report),
        "updates": [{"at": u.at, "actor_label": u.actor_label, "text": u.text,
                     "label": State(u.to_status).label if u.to_status in State.values
                     else u.action} for u in report.updates.order_by("at", "pk")],
        "public_url": public_path(report), "ready": MediaStatus.READY,
    }, status=status)


@staff_required
@require_safe
def report_view(request: HttpRequest, pk: int) -> HttpResponse:
    report, can = worklist.report_for_staff_screen(user=request.user, pk=pk)
    return report_screen(request, report, can)


def _kind_of(upload: Any) -> str:
    """PDF or photo, by what the browser said; the upload pipeline checks the bytes."""
    name = str(getattr(upload, "name", "")).lower()
    if name.endswith(".pdf") or getattr(upload, "content_type", "") == "application/pdf":
        return "document"
    return "photo"


def _duplicate(report: Report, number: int | None) -> Report | None:
    if number is None:
        return None
    found = worklist.report_by_number(report.commune_id, number)
    if found is None:
        raise DomainError(_("Không tìm thấy phản ánh số %(n)d của xã.") % {"n": number},
                          field_errors={"duplicate_of": [_("Không tìm thấy.")]})
    return found


def _perform(request: HttpRequest, report: Report, action: str, data: dict[str, Any]) -> None:
    """Run the service for ``action``; proof files and the step commit together (a file
    whose row was rolled back is removed by the upload sweep)."""
    user = request.user
    with transaction.atomic():
        if action == "triage":
            services.report_triage(actor=user, report=report, severity=data["severity"],
                                   department=data["department"], assignee=data["assignee"],
                                   category=data["category"], note=data["note"])
        elif action == "reject":
            services.report_reject(actor=user, report=report, reason=data["reason"],
                                   note=data["note"],
                                   duplicate_of=_duplicate(report, data["duplicate_of"]))
        elif action == "reassign":
            services.report_reassign(actor=user, report=report,
                                     department=data["department"],
                                     assignee=data["assignee"], reason=data["reason"])
        elif action == "start":
            services.report_start(actor=user, report=report)
        elif action == "draft_answer":
            now = timezone.now()
            proofs = [ReportMedia.objects.create(
                commune=report.commune, kind=MediaKind.PROOF, status=MediaStatus.READY,
                file=upload_store(actor=user, commune=report.commune, file=upload,
                                  kind=_kind_of(upload), now=now), created_at=now)
                for upload in data["proofs"]]
            services.report_draft_answer(actor=user, report=report, text=data["text"],
                                         proofs=proofs)
        elif action == "return_answer":
            services.report_return_answer(actor=user, report=report, reason=data["reason"])
        elif action == "approve":
            text = data["text"]
            services.report_approve(actor=user, report=report,
                                    text=None if text == report.answer_text else text)
        else:  # pragma: no cover - ACTIONS is checked by the view
            raise Http404


def _redirect(report: Report) -> HttpResponse:
    # 303: the browser (and htmx) follows with a GET of the report as it is now.
    response = HttpResponseRedirect(reverse("reports:staff_report", args=[report.pk]))
    response.status_code = 303
    return response


@staff_required
@upload_view
@require_POST
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    report, can = worklist.report_for_staff_screen(user=request.user, pk=pk)
    if action not in ACTIONS or not can.handles:
        raise Http404
    departments, officers = worklist.assignment_choices(report.commune)
    options: dict[str, Any] = {"departments": departments, "officers": officers,
               "categories": _categories(report)}
    if upload_refused(request):
        too_large = too_large_error()
        form = action_form(action, report, **options)
        return report_screen(request, report, can, failed=(action, form),
                             status=too_large.status, error=too_large.message)
    form = action_form(action, report, data=request.POST, files=request.FILES, **options)
    if not form.is_valid():
        return report_screen(request, report, can, failed=(action, form), status=400,
                             error=_("Vui lòng kiểm tra lại thông tin đã nhập."))
    try:
        _perform(request, report, action, form.cleaned_data)
    except DomainError as exc:
        if action == "draft_answer" and exc.code in FILE_ERRORS and not exc.field_errors:
            form.add_error("proofs", exc.message)
        else:
            add_domain_errors(form, exc, rename={"answer_text": "text", "comment": "note"})
        # The screen shows the report as it is now: the refused action changed nothing.
        report, can = worklist.report_for_staff_screen(user=request.user, pk=pk)
        return report_screen(request, report, can, failed=(action, form), status=exc.status,
                             error=exc.message)
    messages.success(request, _("Đã thực hiện: %(action)s.")
                     % {"action": TRANSITIONS[action].label})
    return _redirect(report)


@staff_required
@require_POST
def report_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    report, can = worklist.report_for_staff_screen(user=request.user, pk=pk)
    if not can.moderates:
        raise Http404
    form = ModerationForm(request.POST, report=report, media=worklist.media_of(report))
    if not form.is_valid():
        return report_screen(request, report, can, failed=("moderate", form), status=400,
                             error=_("Vui lòng kiểm tra lại thông tin đã nhập."))
    try:
        services.report_moderate(actor=request.user, report=report,
                                 reason=form.cleaned_data["reason"],
                                 **form.service_arguments())
    except DomainError as exc:
        add_domain_errors(form, exc)
        report, can = worklist.report_for_staff_screen(user=request.user, pk=pk)
        return report_screen(request, report, can, failed=("moderate", form),
                             status=exc.status, error=exc.message)
    messages.success(request, _("Đã lưu kiểm duyệt. Nội dung gốc được giữ trong nhật ký."))
    return _redirect(report)


@staff_required
@require_safe
def answer_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer box filled from a response template (htmx swaps it in place); without
    JavaScript the same choice reloads the report screen with ``?mau=``."""
    report, can = worklist.report_for_staff_screen(user=request.user, pk=pk)
    if not any(t.action == "draft_answer" for t in _allowed(request.user, report, can)):
        raise Http404
    template = _chosen_template(request, report)
    form = DraftAnswerForm(prefix="draft_answer",
                           initial={"text": template.text if template else report.answer_text})
    return HttpResponse(str(form["text"]))


def _media(request: HttpRequest, pk: int, media_id: int) -> ReportMedia:
    report, _can = worklist.report_for_staff_screen(user=request.user, pk=pk)
    found = (ReportMedia.objects.select_related("file", "poster")
             .filter(report=report, pk=media_id).first())
    if found is None:
        raise Http404
    return found


@staff_required
@require_safe
def report_media(request: HttpRequest, pk: int, media_id: int) -> HttpResponseBase:
    """A photo, video or proof of a report the user may open (hidden ones included: staff
    moderate them); the processed copy only, never the file as it arrived."""
    item = _media(request, pk, media_id)
    if item.file is None:
        raise Http404
    return stored_file_response(request, item.file)


@staff_required
@require_safe
def report_media_poster(request: HttpRequest, pk: int, media_id: int) -> HttpResponseBase:
    item = _media(request, pk, media_id)
    if item.poster is None:
        raise Http404
    return stored_file_response(request, item.poster)
