"""Catalogue pages: the public list and detail of procedures (no login, no JavaScript), the
province administrators' version editor and a commune's one-stop settings."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from langso.core import access
from langso.core import selectors as core_selectors
from langso.core.calendar_selectors import commune_for_calendar
from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.models import Commune
from langso.onestop import catalogue_services, fees
from langso.onestop.catalogue import selectors
from langso.onestop.catalogue_forms import OfficeSettingsForm, ProcedureVersionForm
from langso.onestop.models import (
    AttachmentKind,
    OnlineLevel,
    Procedure,
    ProcedureVersion,
)
from langso.onestop.services import office_settings, version_in_force
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

PUBLIC_TILE = ("onestop:catalogue", gettext_lazy("Thủ tục hành chính"),
               gettext_lazy("Tra cứu thủ tục, giấy tờ, lệ phí và nộp hồ sơ trực tuyến"))
STAFF_LINKS = [
    ("procedure.manage", "onestop:catalogue_manage", gettext_lazy("Danh mục thủ tục")),
    ("onestop.settings", "onestop:office_settings", gettext_lazy("Cấu hình một cửa")),
]


def register() -> None:
    """Add the home-page tile and the staff links (from ``OneStopConfig.ready``)."""
    from langso.web import context_processors, views

    if PUBLIC_TILE not in views.PUBLIC_SERVICES:
        views.PUBLIC_SERVICES.append(PUBLIC_TILE)
    present = {name for _permission, name, _label in context_processors.STAFF_NAV}
    context_processors.STAFF_NAV.extend(link for link in STAFF_LINKS if link[1] not in present)


def submit_url(commune: Commune, procedure: Procedure) -> str | None:
    """The online application page, when the submission module is installed."""
    try:
        return reverse("onestop:submit", kwargs={"slug": commune.slug,
                                                 "procedure": procedure.slug})
    except NoReverseMatch:
        return None


# -- public ------------------------------------------------------------------------------------

def _public_commune(slug: str) -> Commune:
    commune = core_selectors.commune_for_public(slug=slug)
    if commune is None:
        raise Http404
    return commune


@require_GET
def catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    commune = _public_commune(slug)
    query = (request.GET.get("q") or "")[:selectors.MAX_QUERY]
    items = selectors.catalogue_in_force(query=query)
    return render(request, "onestop/catalogue_list.html", {
        "commune": commune, "q": query, "groups": selectors.by_sector(items),
        "count": len(items)})


def _documents(version: ProcedureVersion) -> list[dict[str, Any]]:
    labels = dict(AttachmentKind.choices)
    return [{**d, "copy_label": labels.get(d.get("copy_kind"), "")} for d in version.documents]


@require_GET
def procedure_detail(request: HttpRequest, slug: str, procedure: str) -> HttpResponse:
    commune = _public_commune(slug)
    found, version = selectors.procedure_in_force(slug=procedure)
    online = version.online_level != OnlineLevel.COUNTER
    return render(request, "onestop/catalogue_detail.html", {
        "commune": commune, "procedure": found, "version": version,
        "time_limit": selectors.time_limit_text(version), "fee": fees.describe(version.fee),
        "documents": _documents(version), "fields": version.form_schema,
        "online_level": OnlineLevel(version.online_level).label,
        "submit_url": submit_url(commune, found) if online else None,
        "settings": getattr(commune, "onestop_settings", None)})


# -- province administrators: the catalogue ------------------------------------------------

def _require(user: Any, permission: str) -> None:
    if not access.can(user, permission):
        raise Http404


@staff_required
@require_GET
def catalogue_manage(request: HttpRequest) -> HttpResponse:
    _require(request.user, "procedure.manage")
    return render(request, "onestop/catalogue_manage.html",
                  {"procedures": selectors.procedures_for_manager()})


@staff_required
@require_http_methods(["GET", "POST"])
def procedure_version_new(request: HttpRequest, procedure: str) -> HttpResponse:
    _require(request.user, "procedure.manage")
    found = get_object_or_404(Procedure, slug=procedure[:120])
    versions = selectors.versions_with_use(found)
    try:
        base: ProcedureVersion | None = version_in_force(found)
    except Conflict:
        base = versions[0] if versions else None
    initial: dict[str, Any] = catalogue_services.rules_of(base) if base else {}
    initial["effective_from"] = timezone.localdate()
    form = ProcedureVersionForm(request.POST if request.method == "POST" else None,
                                initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = catalogue_services.procedure_version_create(
                actor=request.user, procedure=found, **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã tạo phiên bản %(n)d, có hiệu lực từ %(date)s.")
                             % {"n": version.number,
                                "date": f"{version.effective_from:%d/%m/%Y}"})
            return redirect("onestop:catalogue_manage")
    return render(request, "onestop/catalogue_version_form.html",
                  {"procedure": found, "versions": versions, "form": form, "base": base},
                  status=400 if request.method == "POST" else 200)


# -- a commune's one-stop office -------------------------------------------------------------

@staff_required
@require_http_methods(["GET", "POST"])
def office_settings_edit(request: HttpRequest) -> HttpResponse:
    commune = commune_for_calendar(user=request.user, commune_id=request.GET.get("xa"),
                                   permission="onestop.settings")
    current = office_settings(commune)
    initial = {name: getattr(current, name) for name in catalogue_services.OFFICE_FIELDS}
    form = OfficeSettingsForm(request.POST if request.method == "POST" else None,
                              initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            catalogue_services.office_settings_update(actor=request.user, commune=commune,
                                                      **form.cleaned_data)
        except PermissionDenied as error:
            raise DjangoPermissionDenied from error
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu cấu hình một cửa."))
            return redirect(f"{reverse('onestop:office_settings')}?xa={commune.pk}")
    communes = access.communes_for(request.user, "onestop.settings").order_by("pk")
    return render(request, "onestop/catalogue_office_settings.html", {
        "form": form, "commune": commune, "communes": communes,
        "history": core_selectors.history_for_object(obj=current)},
        status=400 if request.method == "POST" else 200)
