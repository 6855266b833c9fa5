"""Reads of the working calendar: a commune's year for the staff screen and the API."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from langso.core import access
from langso.core.clock import Day, WorkingClock, local
from langso.core.models import CalendarOverride, Commune, OfficeHours

WEEKDAYS = (_("Thứ Hai"), _("Thứ Ba"), _("Thứ Tư"), _("Thứ Năm"), _("Thứ Sáu"), _("Thứ Bảy"),
            _("Chủ nhật"))
SOURCES = {"statutory": _("Nghỉ lễ, Tết"), "national": _("Toàn quốc"), "commune": _("Của xã"),
           "weekend": _("Nghỉ hằng tuần"), "normal": _("Ngày làm việc")}


@dataclass(frozen=True)
class CalendarRow:
    """A date that differs from a plain week: a weekday off or a weekend day worked."""

    day: Day
    weekday: Any
    source_label: Any
    can_delete: bool

    @property
    def override(self) -> CalendarOverride | None:
        return self.day.override


@dataclass
class CalendarYear:
    commune: Commune
    year: int
    hours: OfficeHours
    working_days: int
    rows: list[CalendarRow] = field(default_factory=list)


def calendar_year(*, commune: Commune, year: int, user: Any = None) -> CalendarYear:
    """Every notable date of ``year`` in ``commune``: statutory holidays (weekends included,
    their nghỉ bù follows), days off and Saturdays worked, with who may remove each row."""
    clock = WorkingClock.for_commune(commune)
    can_national = user is not None and access.can(user, "calendar.national")
    can_commune = user is not None and access.can(user, "calendar.manage", commune)
    rows, working = [], 0
    for day in clock.days(year):
        working += day.working
        if day.source in ("normal", "weekend"):
            continue
        can_delete = day.override is not None and (
            can_national if day.override.commune_id is None else can_commune)
        rows.append(CalendarRow(day=day, weekday=WEEKDAYS[day.date.weekday()],
                                source_label=SOURCES[day.source], can_delete=can_delete))
    return CalendarYear(commune=commune, year=year, hours=clock.hours, working_days=working,
                        rows=rows)


def override_get_for_user(*, user: Any, pk: Any) -> CalendarOverride:
    """An override the user may see: national rows for every staff member, a commune's rows
    for its own staff; anything else is a 404."""
    visible = access.scope_q(CalendarOverride, user, "commune.view")
    if access.is_staff_user(user):
        visible |= Q(commune__isnull=True)
    try:
        return CalendarOverride.objects.select_related("commune").filter(visible).get(pk=pk)
    except (CalendarOverride.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def commune_for_calendar(*, user: Any, commune_id: Any = None,
                         permission: str = "commune.view") -> Commune:
    """The commune a calendar screen is about: the one asked for if the user works there,
    else the first the user works in; 404 when there is none."""
    communes = access.communes_for(user, permission).select_related("province").order_by("pk")
    return access.commune_chosen(communes, user, permission, commune_id)


def default_year(now: dt.datetime) -> int:
    return local(now).year
