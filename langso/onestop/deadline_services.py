"""Deadlines of open dossiers: how urgent each one is, and the warnings and escalations
sent before and after its due date (run by ``tasks.dossier_deadlines_sweep``).

Everything is counted in working time by the commune's ``WorkingClock``; a dossier waiting
for the citizen's supplement has its clock paused and is neither warned nor escalated.
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core.clock import WorkingClock, local
from langso.core.history import history_record
from langso.core.models import Commune, Membership, Role, User
from langso.core.notifications import notify
from langso.onestop.models import Dossier, OfficeSettings
from langso.onestop.workflow import COUNTING_STATES, LEADERS, RESOLVED_STATES, State

logger = logging.getLogger(__name__)


class Urgency(models.TextChoices):
    """How a dossier stands against its due date; every colour comes with this label."""

    LATE = "late", gettext_lazy("Quá hạn")
    DUE_TODAY = "due_today", gettext_lazy("Đến hạn hôm nay")
    DUE_SOON = "due_soon", gettext_lazy("Sắp đến hạn")
    ON_TIME = "on_time", gettext_lazy("Trong hạn")
    PAUSED = "paused", gettext_lazy("Chờ bổ sung")
    WAITING = "waiting", gettext_lazy("Chờ tiếp nhận")
    RESOLVED = "resolved", gettext_lazy("Đã có kết quả")


# The CSS class of each urgency: red, amber, green, and neutral for clocks that do not run.
URGENCY_TONE = {
    Urgency.LATE: "late", Urgency.DUE_TODAY: "soon", Urgency.DUE_SOON: "soon",
    Urgency.ON_TIME: "ok", Urgency.PAUSED: "neutral", Urgency.WAITING: "neutral",
    Urgency.RESOLVED: "neutral",
}


@dataclass(frozen=True)
class Standing:
    """A dossier's deadline as a screen shows it."""

    urgency: Urgency
    # Working time left (negative: overdue); None when no clock runs.
    time_left: dt.timedelta | None
    time_text: str

    @property
    def label(self) -> str:
        return str(self.urgency.label)

    @property
    def tone(self) -> str:
        return URGENCY_TONE[self.urgency]


def _duration_text(amount: dt.timedelta, day_length: dt.timedelta) -> str:
    """'2 ngày 3 giờ' of working time, a working day being the office's day length."""
    minutes = int(abs(amount).total_seconds() // 60)
    day_minutes = max(int(day_length.total_seconds() // 60), 1)
    days, rest = divmod(minutes, day_minutes)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(_("%(n)d ngày") % {"n": days})
    if hours:
        parts.append(_("%(n)d giờ") % {"n": hours})
    if not days and (mins or not hours):
        parts.append(_("%(n)d phút") % {"n": mins})
    return " ".join(parts)


class Deadlines:
    """Reads the clock of each commune once (office hours, calendar, warning lead time) and
    judges any number of that commune's dossiers without further queries."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self._clocks: dict[int, WorkingClock] = {}
        self._warn_days: dict[int, int] = {}
        self._cutoffs: dict[int, dt.datetime] = {}
        self._day_lengths: dict[int, dt.timedelta] = {}

    def prime(self, commune_ids: Iterable[int]) -> None:
        """Load the warning lead time of these communes in one query."""
        wanted = set(commune_ids) - set(self._warn_days)
        if not wanted:
            return
        found = dict(OfficeSettings.objects.filter(commune_id__in=wanted)
                     .values_list("commune_id", "warn_days_before"))
        default = OfficeSettings._meta.get_field("warn_days_before").default
        for commune_id in wanted:
            self._warn_days[commune_id] = int(found.get(commune_id, default))  # type: ignore[arg-type]

    def remaining(self, commune: Commune, deadline: dt.datetime) -> dt.timedelta:
        """Working time left until ``deadline`` (negative when late). The commune's clock
        sums each date's office time once, so a page of dossiers late by weeks costs two
        lookups a row, not a walk over the same weeks for each."""
        return self.clock(commune).remaining(deadline, self.now)

    def clock(self, commune: Commune) -> WorkingClock:
        if commune.pk not in self._clocks:
            self._clocks[commune.pk] = WorkingClock.for_commune(commune)
        return self._clocks[commune.pk]

    def warn_days(self, commune: Commune) -> int:
        self.prime([commune.pk])
        return self._warn_days[commune.pk]

    def soon_cutoff(self, commune: Commune) -> dt.datetime:
        """A dossier due at or before this moment is "due soon": the close of the office
        day ``warn_days_before`` working days from now (0: the close of today)."""
        if commune.pk not in self._cutoffs:
            self._cutoffs[commune.pk] = self.clock(commune).add_working_days(
                self.now, self.warn_days(commune))
        return self._cutoffs[commune.pk]

    @cached_property
    def _today(self) -> dt.date:
        return local(self.now).date()

    def day_length(self, commune: Commune) -> dt.timedelta:
        if commune.pk not in self._day_lengths:
            today = dt.date(2000, 1, 1)
            self._day_lengths[commune.pk] = sum(
                (dt.datetime.combine(today, end) - dt.datetime.combine(today, start)
                 for start, end in self.clock(commune).hours.sessions), dt.timedelta(0))
        return self._day_lengths[commune.pk]

    def standing(self, dossier: Dossier) -> Standing:
        commune = dossier.commune
        if dossier.status in RESOLVED_STATES:
            return Standing(Urgency.RESOLVED, None, "")
        if dossier.paused_at is not None or dossier.status == State.SUPPLEMENT:
            left = dossier.remaining_at_pause
            text = (_("còn %(t)s khi tiếp tục") % {
                "t": _duration_text(left, self.day_length(commune))}
                if left is not None and left > dt.timedelta(0) else "")
            return Standing(Urgency.PAUSED, left, text)
        if dossier.due_at is None:
            return Standing(Urgency.WAITING, None, "")
        left = self.remaining(commune, dossier.due_at)
        length = self.day_length(commune)
        if self.now > dossier.due_at:
            return Standing(Urgency.LATE, left,
                            _("quá hạn %(t)s") % {"t": _duration_text(left, length)})
        text = _("còn %(t)s") % {"t": _duration_text(left, length)}
        if local(dossier.due_at).date() == self._today:
            return Standing(Urgency.DUE_TODAY, left, text)
        if dossier.due_at <= self.soon_cutoff(commune):
            return Standing(Urgency.DUE_SOON, left, text)
        return Standing(Urgency.ON_TIME, left, text)


# -- warnings and escalation -------------------------------------------------------------------

def _running(now: dt.datetime) -> models.Q:
    """Dossiers whose clock runs against the office now (not paused, not resolved)."""
    return models.Q(status__in=COUNTING_STATES, paused_at__isnull=True, due_at__isnull=False)


def _staff_of(commune: Commune, roles: Iterable[str]) -> list[User]:
    return [m.user for m in Membership.objects.filter(
        commune=commune, role__in=list(roles), is_active=True, user__is_active=True)
        .select_related("user").order_by("user_id")]


def _department_specialists(dossier: Dossier) -> list[User]:
    if dossier.department_id is None:
        return []
    return [m.user for m in Membership.objects.filter(
        commune_id=dossier.commune_id, role=Role.SPECIALIST, department_id=dossier.department_id,
        is_active=True, user__is_active=True).select_related("user").order_by("user_id")]


def _unique(users: Iterable[User | None]) -> list[User]:
    seen: dict[int, User] = {}
    for user in users:
        if user is not None and user.is_active and user.pk not in seen:
            seen[user.pk] = user
    return list(seen.values())


def _tell_staff(dossier: Dossier, recipients: list[User], *, template: str,
                now: dt.datetime) -> None:
    context = {"code": dossier.code, "procedure": dossier.procedure.name,
               "due": local(dossier.due_at).strftime("%d/%m/%Y %H:%M") if dossier.due_at else "",
               "assignee": (dossier.assignee.full_name or dossier.assignee.username)
               if dossier.assignee else "",
               "url": f"/can-bo/mot-cua/ho-so/{dossier.public_id}/"}
    for user in recipients:
        notify(recipient=user, template=template, commune=dossier.commune, context=context,
               now=now)


def _claim(pk: int, stamp: str, condition: models.Q, now: dt.datetime) -> Dossier | None:
    """Lock one dossier and stamp it, if it still qualifies: a second sweep (or a second
    worker running the same slot) finds the stamp and does nothing."""
    dossier = (Dossier.objects.select_for_update(of=("self",))
               .select_related("commune", "procedure", "assignee")
               .filter(condition, pk=pk, **{f"{stamp}__isnull": True}).first())
    if dossier is None:
        return None
    setattr(dossier, stamp, now)
    dossier.save(update_fields=[stamp])
    return dossier


def dossier_warn(*, dossier_id: int, now: dt.datetime | None = None,
                 deadlines: Deadlines | None = None) -> bool:
    """Warn the assignee (or, with none, the department's specialists) and the leaders that
    a dossier is due within the commune's lead time. Once per due date."""
    now = now or timezone.now()
    with transaction.atomic():
        dossier = _claim(dossier_id, "warned_at", _running(now) & models.Q(due_at__gt=now), now)
        if dossier is None:
            return False
        deadlines = deadlines or Deadlines(now)
        if dossier.due_at is None or dossier.due_at > deadlines.soon_cutoff(dossier.commune):
            transaction.set_rollback(True)
            return False
        handlers = [dossier.assignee] if dossier.assignee_id else _department_specialists(dossier)
        recipients = _unique([*handlers, *_staff_of(dossier.commune, LEADERS)])
        _tell_staff(dossier, recipients, template="dossier_due_soon", now=now)
        history_record(obj=dossier, action="dossier.warn", actor=None,
                       reason=_("Sắp đến hạn trả kết quả"), commune=dossier.commune, now=now,
                       data={"code": dossier.code, "recipients": [u.pk for u in recipients]})
    logger.info("dossier.warned", extra={"dossier": dossier_id, "recipients": len(recipients)})
    return True


def dossier_escalate(*, dossier_id: int, now: dt.datetime | None = None) -> bool:
    """Tell the leaders, the one-stop officers and the assignee that a dossier is past its
    due date. Once per due date (an extension letter sets a new one and re-arms it)."""
    now = now or timezone.now()
    with transaction.atomic():
        dossier = _claim(dossier_id, "escalated_at", _running(now) & models.Q(due_at__lt=now),
                         now)
        if dossier is None:
            return False
        recipients = _unique([dossier.assignee,
                              *_staff_of(dossier.commune, LEADERS | {Role.ONE_STOP_OFFICER})])
        _tell_staff(dossier, recipients, template="dossier_overdue", now=now)
        history_record(obj=dossier, action="dossier.escalate", actor=None,
                       reason=_("Quá hạn trả kết quả"), commune=dossier.commune, now=now,
                       data={"code": dossier.code, "recipients": [u.pk for u in recipients]})
    logger.info("dossier.escalated", extra={"dossier": dossier_id,
                                            "recipients": len(recipients)})
    return True


def dossier_deadlines_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Warn every dossier newly due soon and escalate every one newly overdue, in every
    commune. Idempotent: stamps (``warned_at``, ``escalated_at``) make a rerun send nothing."""
    now = now or timezone.now()
    running = Dossier.objects.filter(_running(now))
    deadlines = Deadlines(now)
    warned = escalated = 0
    to_warn = running.filter(warned_at__isnull=True, due_at__gt=now)
    commune_ids = sorted(set(to_warn.values_list("commune_id", flat=True).distinct()))
    deadlines.prime(commune_ids)
    for commune in Commune.objects.filter(pk__in=commune_ids):
        cutoff = deadlines.soon_cutoff(commune)
        for pk in to_warn.filter(commune=commune, due_at__lte=cutoff).order_by("due_at") \
                .values_list("pk", flat=True):
            warned += dossier_warn(dossier_id=pk, now=now, deadlines=deadlines)
    for pk in running.filter(escalated_at__isnull=True, due_at__lt=now).order_by("due_at") \
            .values_list("pk", flat=True):
        escalated += dossier_escalate(dossier_id=pk, now=now)
    return {"warned": warned, "escalated": escalated}

