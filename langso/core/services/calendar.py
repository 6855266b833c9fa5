"""Writes to the working calendar: swapped days and days off, and a commune's office hours.

National rows (the government's announcements) need ``calendar.national``; a commune's own
rows and its office hours need ``calendar.manage`` in that commune.
"""

import datetime as dt
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from langso.core import access
from langso.core.clock import WorkingClock
from langso.core.errors import DomainError
from langso.core.history import history_record
from langso.core.models import CalendarOverride, Commune, OfficeHours
from langso.core.text import normalize_spaces

TEXT_MAX = 200


def _require_manage(actor: Any, commune: Commune | None) -> None:
    if commune is None:
        access.require(actor, "calendar.national")
    else:
        access.require(actor, "calendar.manage", commune)


def _clean_text(value: Any, *, field: str, required: bool) -> str:
    text = normalize_spaces(unicodedata.normalize("NFC", str(value or "")))
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in text):
        raise DomainError(_("Nội dung có ký tự không hợp lệ."),
                          field_errors={field: [_("Nội dung có ký tự không hợp lệ.")]})
    if required and not text:
        raise DomainError(_("Vui lòng nhập lý do."),
                          field_errors={field: [_("Vui lòng nhập lý do.")]})
    if len(text) > TEXT_MAX:
        message = _("Không được dài quá %(max)s ký tự.") % {"max": TEXT_MAX}
        raise DomainError(message, field_errors={field: [message]})
    return text


def _clean_date(value: Any) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise DomainError(_("Ngày không hợp lệ."), field_errors={"date": [_("Ngày không hợp lệ.")]})
    try:
        WorkingClock.check_year(value.year)
    except DomainError as error:
        raise DomainError(error.message, field_errors={"date": [error.message]}) from error
    return value


def _clean_kind(value: Any) -> str:
    if value not in CalendarOverride.Kind.values:
        raise DomainError(_("Loại ngày không hợp lệ."),
                          field_errors={"kind": [_("Loại ngày không hợp lệ.")]})
    return str(value)


def _check_changes_the_day(*, day: dt.date, kind: str, commune: Commune | None) -> None:
    """Refuse an override that repeats what the calendar already says: a weekday off that
    ``holidays`` already has would be counted twice in the screen and hide a mistake."""
    national = []
    if commune is not None:
        national = list(CalendarOverride.objects.filter(commune__isnull=True, date=day))
    baseline = WorkingClock(None, hours=OfficeHours.default(), overrides=national).day(day)
    if kind == CalendarOverride.Kind.WORKING_DAY and baseline.working:
        message = _("Ngày %(date)s vốn đã là ngày làm việc.") % {"date": f"{day:%d/%m/%Y}"}
        raise DomainError(message, field_errors={"kind": [message]})
    if kind == CalendarOverride.Kind.DAY_OFF and not baseline.working:
        message = _("Ngày %(date)s vốn đã là ngày nghỉ (%(name)s).") % {
            "date": f"{day:%d/%m/%Y}", "name": baseline.name or _("nghỉ hằng tuần")}
        raise DomainError(message, field_errors={"kind": [message]})


def _duplicate(day: dt.date) -> DomainError:
    message = _("Ngày %(date)s đã có điều chỉnh trong phạm vi này.") % {
        "date": f"{day:%d/%m/%Y}"}
    return DomainError(message, code="conflict", field_errors={"date": [message]})


def _data(override: CalendarOverride) -> dict[str, Any]:
    return {"date": override.date.isoformat(), "kind": override.kind,
            "reason": override.reason, "legal_basis": override.legal_basis,
            "commune": override.commune_id}


@transaction.atomic
def calendar_override_create(*, actor: Any, commune: Commune | None, date: dt.date, kind: str,
                             reason: str, legal_basis: str = "") -> CalendarOverride:
    """Record a swapped working day or a day off, for the whole country or one commune."""
    _require_manage(actor, commune)
    override = CalendarOverride(
        commune=commune, date=_clean_date(date), kind=_clean_kind(kind),
        reason=_clean_text(reason, field="reason", required=True),
        legal_basis=_clean_text(legal_basis, field="legal_basis", required=False))
    scope = CalendarOverride.objects.filter(date=override.date, commune=commune)
    if scope.exists():
        raise _duplicate(override.date)
    _check_changes_the_day(day=override.date, kind=override.kind, commune=commune)
    try:
        with transaction.atomic():
            override.save()
    except IntegrityError as exc:
        raise _duplicate(override.date) from exc
    history_record(obj=override, action="calendar.override.create", actor=actor,
                   to_state=override.kind, commune=commune, data=_data(override))
    return override


@transaction.atomic
def calendar_override_update(*, actor: Any, override: CalendarOverride,
                             date: dt.date | None = None, kind: str | None = None,
                             reason: str | None = None, legal_basis: str | None = None,
                             why: str = "") -> CalendarOverride:
    """Correct an override (its scope never changes: delete and add again for that)."""
    override = CalendarOverride.objects.select_for_update().get(pk=override.pk)
    commune = override.commune
    _require_manage(actor, commune)
    before = _data(override)
    old_date, old_kind = override.date, override.kind
    if date is not None:
        override.date = _clean_date(date)
    if kind is not None:
        override.kind = _clean_kind(kind)
    if reason is not None:
        override.reason = _clean_text(reason, field="reason", required=True)
    if legal_basis is not None:
        override.legal_basis = _clean_text(legal_basis, field="legal_basis", required=False)
    if (override.date != old_date
            and CalendarOverride.objects.filter(date=override.date, commune=commune)
            .exclude(pk=override.pk).exists()):
        raise _duplicate(override.date)
    _check_changes_the_day(day=override.date, kind=override.kind, commune=commune)
    try:
        with transaction.atomic():
            override.save(update_fields=["date", "kind", "reason", "legal_basis", "updated_at"])
    except IntegrityError as exc:
        raise _duplicate(override.date) from exc
    history_record(obj=override, action="calendar.override.update", actor=actor,
                   from_state=old_kind, to_state=override.kind, commune=commune,
                   reason=_clean_text(why, field="why", required=False),
                   data={"before": before, "after": _data(override)})
    return override


@transaction.atomic
def calendar_override_delete(*, actor: Any, override: CalendarOverride,
                             reason: str = "") -> None:
    """Remove an override; the day goes back to what the statutory calendar says."""
    override = CalendarOverride.objects.select_for_update().get(pk=override.pk)
    commune = override.commune
    _require_manage(actor, commune)
    history_record(obj=override, action="calendar.override.delete", actor=actor,
                   from_state=override.kind, commune=commune,
                   reason=_clean_text(reason, field="reason", required=False),
                   data=_data(override))
    override.delete()


HOURS_FIELDS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end", "cutoff")


@transaction.atomic
def office_hours_set(*, actor: Any, commune: Commune, morning_start: dt.time,
                     morning_end: dt.time, afternoon_start: dt.time, afternoon_end: dt.time,
                     cutoff: dt.time, saturday_morning: bool = False) -> OfficeHours:
    """Set when a commune's offices work and the daily cut-off for receiving dossiers."""
    access.require(actor, "calendar.manage", commune)
    values = {"morning_start": morning_start, "morning_end": morning_end,
              "afternoon_start": afternoon_start, "afternoon_end": afternoon_end,
              "cutoff": cutoff}
    for name, value in values.items():
        if not isinstance(value, dt.time) or value.tzinfo is not None:
            raise DomainError(_("Giờ không hợp lệ."), field_errors={name: [_("Giờ không hợp lệ.")]})
    if not morning_start < morning_end <= afternoon_start < afternoon_end:
        message = _("Giờ làm việc phải theo thứ tự: sáng bắt đầu < sáng kết thúc ≤ chiều bắt "
                    "đầu < chiều kết thúc.")
        raise DomainError(message, field_errors={"morning_end": [message]})
    if not morning_start < cutoff <= afternoon_end:
        message = _("Giờ chốt nhận hồ sơ phải nằm trong giờ làm việc.")
        raise DomainError(message, field_errors={"cutoff": [message]})
    OfficeHours.objects.get_or_create(commune=commune)
    hours = OfficeHours.objects.select_for_update().get(commune=commune)
    before_hours = str(hours)
    before = {**{k: f"{getattr(hours, k):%H:%M}" for k in HOURS_FIELDS},
              "saturday_morning": hours.saturday_morning}
    for name, value in values.items():
        setattr(hours, name, value)
    hours.saturday_morning = bool(saturday_morning)
    hours.save(update_fields=[*HOURS_FIELDS, "saturday_morning", "updated_at"])
    after = {**{k: f"{getattr(hours, k):%H:%M}" for k in HOURS_FIELDS},
             "saturday_morning": hours.saturday_morning}
    history_record(obj=hours, action="calendar.hours.set", actor=actor, commune=commune,
                   from_state=str(before_hours), to_state=str(hours),
                   data={"before": before, "after": after})
    return hours
