"""Staff screens of the working calendar: a year's days off and swapped days, the form to
add or remove one, the commune's office hours and a deadline calculator."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from langso.core import access, selectors
from langso.core.calendar_selectors import (
    calendar_year,
    commune_for_calendar,
    default_year,
    override_get_for_user,
)
from langso.core.clock import MAX_YEAR, MIN_YEAR, WorkingClock, display
from langso.core.errors import DomainError, PermissionDenied
from langso.core.services import calendar as calendar_services
from langso.web.calendar_forms import DeadlineForm, OfficeHoursForm, OverrideForm
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required


def _year(raw: str | None) -> int:
    if raw in (None, ""):
        return default_year(timezone.now())
    if not raw.isdigit() or len(raw) != 4 or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        raise Http404
    return int(raw)


def _calendar_url(commune_id: int, year: int) -> str:
    return f"{reverse('web:calendar')}?{urlencode({'xa': commune_id, 'nam': year})}"


def _deadline(form: DeadlineForm, clock: WorkingClock) -> dict[str, Any] | None:
    if not form.is_bound or not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        start = clock.counting_start(data["received_at"])
        if data["days"] is not None:
            deadline = clock.add_working_days(start, data["days"])
        else:
            deadline = clock.add_working_hours(start, data["hours"])
    except DomainError as error:
        add_domain_errors(form, error)
        return None
    return {"start": display(start), "deadline": display(deadline)}


@staff_required
@require_http_methods(["GET", "POST"])
def calendar_view(request: HttpRequest) -> HttpResponse:
    commune = commune_for_calendar(user=request.user, commune_id=request.GET.get("xa"))
    year = _year(request.GET.get("nam"))
    can_manage = access.can(request.user, "calendar.manage", commune)
    can_national = access.can(request.user, "calendar.national")
    form = OverrideForm(request.POST if request.method == "POST" else None,
                        allow_national=can_national)
    status = 200
    if request.method == "POST":
        if not (can_manage or can_national):
            raise DjangoPermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            target = None if data.pop("scope", "commune") == "national" else commune
            try:
                override = calendar_services.calendar_override_create(
                    actor=request.user, commune=target, **data)
            except PermissionDenied as error:
                raise DjangoPermissionDenied from error
            except DomainError as error:
                add_domain_errors(form, error)
                status = 400
            else:
                messages.success(request, _("Đã lưu ngày %(date)s.")
                                 % {"date": f"{override.date:%d/%m/%Y}"})
                return redirect(_calendar_url(commune.pk, override.date.year))
        else:
            status = 400
    clock = WorkingClock.for_commune(commune)
    calculator = DeadlineForm(request.GET if "received_at" in request.GET else None)
    result = _deadline(calculator, clock)
    communes = access.communes_for(request.user).select_related("province").order_by("pk")
    return render(request, "web/calendar.html", {
        "calendar": calendar_year(commune=commune, year=year, user=request.user),
        "commune": commune, "year": year, "communes": communes,
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
        "form": form, "can_add": can_manage or can_national,
        "can_manage": can_manage, "calculator": calculator, "result": result,
    }, status=status)


@staff_required
@require_POST
def override_delete(request: HttpRequest, pk: int) -> HttpResponse:
    override = override_get_for_user(user=request.user, pk=pk)
    commune_id = override.commune_id or commune_for_calendar(
        user=request.user, commune_id=request.GET.get("xa")).pk
    year = override.date.year
    try:
        calendar_services.calendar_override_delete(
            actor=request.user, override=override,
            reason=request.POST.get("reason", "")[:200])
    except PermissionDenied as error:
        raise DjangoPermissionDenied from error
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Đã xóa điều chỉnh ngày %(date)s.")
                         % {"date": f"{override.date:%d/%m/%Y}"})
    return redirect(_calendar_url(commune_id, year))


@staff_required
@require_http_methods(["GET", "POST"])
def office_hours_edit(request: HttpRequest) -> HttpResponse:
    commune = commune_for_calendar(user=request.user, commune_id=request.GET.get("xa"),
                                   permission="calendar.manage")
    hours = WorkingClock.for_commune(commune).hours
    initial = {name: getattr(hours, name) for name in (*calendar_services.HOURS_FIELDS,
                                                       "saturday_morning")}
    form = OfficeHoursForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            calendar_services.office_hours_set(actor=request.user, commune=commune,
                                               **form.cleaned_data)
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Đã lưu giờ làm việc."))
            return redirect(_calendar_url(commune.pk, default_year(timezone.now())))
    history = selectors.history_for_object(obj=hours) if hours.pk else []
    return render(request, "web/calendar_hours.html",
                  {"form": form, "commune": commune, "history": history},
                  status=400 if request.method == "POST" else 200)
