"""Deadlines of field reports: how each report stands against its working-time deadline (the
worklists' colours), escalation of a breach to the chairman, the leaders' daily digest, and
closing answered reports once the reopen window has passed (run by ``tasks``).

Two deadlines run one after the other on the commune's ``WorkingClock``: acknowledging
(``acknowledge_due_at``, while the report waits for the chairman: new or reopened) and
resolving (``due_at``, set at triage, while a department works on it).
"""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from langso.core.clock import TZ, WorkingClock, display, local
from langso.core.history import history_record
from langso.core.models import Commune, Membership, Notification, Role, User
from langso.core.notifications import notify
from langso.reports import services
from langso.reports.models import Report, ReportSettings
from langso.reports.workflow import (
    OPEN_STATES,
    TRIAGE_STATES,
    WORKING_STATES,
    State,
)

logger = logging.getLogger(__name__)

# Where a staff member opens a report, and the worklist of late ones (staff_views' URLs;
# kept here as paths so a message can be written without a request).
STAFF_REPORT_PATH = "/can-bo/phan-anh/{pk}/"
OVERDUE_WORKLIST_PATH = "/can-bo/phan-anh/?queue=all&overdue=1"
DIGEST_TEMPLATE = "report_digest"
ESCALATION_TEMPLATE = "report_overdue"


class Urgency(models.TextChoices):
    """How a report stands against its deadline; every colour comes with one of these."""

    ACK_LATE = "ack_late", gettext_lazy("Quá hạn tiếp nhận")
    WAITING = "waiting", gettext_lazy("Chờ tiếp nhận")
    LATE = "late", gettext_lazy("Quá hạn xử lý")
    DUE_TODAY = "due_today", gettext_lazy("Đến hạn hôm nay")
    ON_TIME = "on_time", gettext_lazy("Trong hạn")
    FINISHED = "finished", gettext_lazy("Đã kết thúc")


URGENCY_TONE = {Urgency.ACK_LATE: "late", Urgency.LATE: "late", Urgency.DUE_TODAY: "soon",
                Urgency.WAITING: "soon", Urgency.ON_TIME: "ok", Urgency.FINISHED: "neutral"}


@dataclass(frozen=True, slots=True)
class Standing:
    urgency: Urgency
    # Working time left (negative: late); None when no deadline runs.
    time_left: dt.timedelta | None
    time_text: str
    deadline: dt.datetime | None

    @property
    def label(self) -> str:
        return str(self.urgency.label)

    @property
    def tone(self) -> str:
        return URGENCY_TONE[self.urgency]

    @property
    def late(self) -> bool:
        return self.urgency in (Urgency.ACK_LATE, Urgency.LATE)


def duration_text(amount: dt.timedelta, day_length: dt.timedelta) -> str:
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


def running_deadline(report: Report) -> dt.datetime | None:
    """The deadline in force: acknowledging while the chairman has it, resolving while a
    department works on it, none once finished."""
    if report.status in TRIAGE_STATES:
        return report.acknowledge_due_at
    if report.status in WORKING_STATES:
        return report.due_at
    return None


def overdue_q(now: dt.datetime) -> Q:
    """Reports past the deadline in force at ``now``."""
    return (Q(status__in=TRIAGE_STATES, acknowledge_due_at__lt=now)
            | Q(status__in=WORKING_STATES, due_at__lt=now))


def _unescalated_breach_q(now: dt.datetime) -> Q:
    """Past the deadline in force and not yet escalated for it. ``escalated_at`` earlier than
    the deadline belongs to an earlier one (a reopened report has a new acknowledging
    deadline; triage sets a new resolving one), so every deadline escalates once."""
    return ((Q(status__in=TRIAGE_STATES, acknowledge_due_at__lt=now)
             & (Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("acknowledge_due_at"))))
            | (Q(status__in=WORKING_STATES, due_at__lt=now)
               & (Q(escalated_at__isnull=True) | Q(escalated_at__lt=F("due_at")))))


class Deadlines:
    """One clock per commune for any number of reports of it: a worklist page costs the
    clock's queries once, not once a row."""

    def __init__(self, now: dt.datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.today = local(self.now).date()
        self._clocks: dict[int, WorkingClock] = {}
        self._day_lengths: dict[int, dt.timedelta] = {}

    def clock(self, commune: Commune) -> WorkingClock:
        if commune.pk not in self._clocks:
            self._clocks[commune.pk] = WorkingClock.for_commune(commune)
        return self._clocks[commune.pk]

    def day_length(self, commune: Commune) -> dt.timedelta:
        if commune.pk not in self._day_lengths:
            day = dt.date(2000, 1, 1)
            self._day_lengths[commune.pk] = sum(
                (dt.datetime.combine(day, end) - dt.datetime.combine(day, start)
                 for start, end in self.clock(commune).hours.sessions), dt.timedelta(0))
        return self._day_lengths[commune.pk]

    def standing(self, report: Report) -> Standing:
        deadline = running_deadline(report)
        if report.status not in OPEN_STATES:
            return Standing(Urgency.FINISHED, None, "", None)
        acknowledging = report.status in TRIAGE_STATES
        if deadline is None:
            return Standing(Urgency.WAITING if acknowledging else Urgency.ON_TIME, None, "",
                            None)
        commune = report.commune
        left = self.clock(commune).remaining(deadline, self.now)
        text = duration_text(left, self.day_length(commune))
        if self.now > deadline:
            return Standing(Urgency.ACK_LATE if acknowledging else Urgency.LATE, left,
                            _("quá hạn %(t)s") % {"t": text}, deadline)
        left_text = _("còn %(t)s") % {"t": text}
        if acknowledging:
            return Standing(Urgency.WAITING, left, left_text, deadline)
        if local(deadline).date() == self.today:
            return Standing(Urgency.DUE_TODAY, left, left_text, deadline)
        return Standing(Urgency.ON_TIME, left, left_text, deadline)


# -- escalation ------------------------------------------------------------------------------

def _users_with(commune_id: int, roles: Iterable[str]) -> list[User]:
    seen: dict[int, User] = {}
    for membership in (Membership.objects
                       .filter(commune_id=commune_id, role__in=list(roles), is_active=True,
                               user__is_active=True)
                       .select_related("user").order_by("user_id")):
        seen.setdefault(membership.user_id, membership.user)
    return list(seen.values())


def chairmen_of(commune_id: int) -> list[User]:
    """Who a breach goes to: the chairman; while the post is vacant, the vice-chairmen."""
    return (_users_with(commune_id, [Role.CHAIRMAN])
            or _users_with(commune_id, [Role.VICE_CHAIRMAN]))


def report_escalate(*, report_id: int, now: dt.datetime | None = None) -> bool:
    """Tell the chairman that a report is past its deadline in force, once per deadline:
    the report is locked and stamped (``escalated_at``) in the same transaction as the
    history event and the notifications, so a second sweep finds nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        report = (Report.objects.select_for_update(of=("self",))
                  .select_related("commune", "category", "department", "assignee")
                  .filter(_unescalated_breach_q(now), pk=report_id).first())
        if report is None:
            return False
        acknowledging = report.status in TRIAGE_STATES
        deadline = running_deadline(report)
        assert deadline is not None  # the filter needs one
        report.escalated_at = now
        report.save(update_fields=["escalated_at"])
        recipients = chairmen_of(report.commune_id)
        reason = (_("Quá hạn tiếp nhận phản ánh") if acknowledging
                  else _("Quá hạn xử lý phản ánh"))
        history_record(obj=report, action="report.escalate", actor=None, reason=reason,
                       commune=report.commune, now=now,
                       data={"report": report.reference,
                             "deadline": "acknowledge" if acknowledging else "resolve",
                             "due_at": deadline.isoformat(),
                             "recipients": [u.pk for u in recipients]})
        handler = (report.assignee.full_name or report.assignee.username
                   if report.assignee is not None
                   else report.department.name if report.department is not None else "")
        context = {"reference": report.reference, "category": report.category.name,
                   "status": str(State(report.status).label), "due": display(deadline),
                   "acknowledging": acknowledging, "handler": handler,
                   "url": STAFF_REPORT_PATH.format(pk=report.pk)}
        for user in recipients:
            notify(recipient=user, template=ESCALATION_TEMPLATE, commune=report.commune,
                   context=context, now=now)
    logger.info("report.escalated", extra={"report": report_id, "recipients": len(recipients)})
    return True


def report_deadlines_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Escalate every report newly past its deadline, in every commune. Idempotent."""
    now = now or timezone.now()
    ids = list(Report.objects.filter(_unescalated_breach_q(now)).order_by("pk")
               .values_list("pk", flat=True))
    return {"escalated": sum(report_escalate(report_id=pk, now=now) for pk in ids)}


# -- closing after the reopen window ---------------------------------------------------------

def report_close_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Close every answered report whose reopen window (``ReportSettings.reopen_days``
    after the answer) has passed without a rating. Idempotent: a closed report is no
    longer resolved, and ``services.report_close_expired`` checks again under a lock."""
    now = now or timezone.now()
    resolved = Report.objects.filter(status=State.RESOLVED)
    commune_ids = set(resolved.values_list("commune_id", flat=True).distinct())
    default = ReportSettings._meta.get_field("reopen_days").get_default()
    days = dict(ReportSettings.objects.filter(commune_id__in=commune_ids)
                .values_list("commune_id", "reopen_days"))
    closed = 0
    for commune_id in sorted(commune_ids):
        cutoff = now - dt.timedelta(days=days.get(commune_id, default))
        for report in (resolved.filter(commune_id=commune_id, resolved_at__lt=cutoff)
                       .only("pk").order_by("resolved_at", "pk")):
            closed += services.report_close_expired(report=report, now=now)
    return {"closed": closed}


# -- the leaders' daily digest ------------------------------------------------------------

@dataclass(frozen=True)
class Digest:
    """What the leaders of one commune read in the morning."""

    commune: Commune
    day: dt.date
    since: dt.date  # the window of "new" and "resolved": since..day-1, both included
    open: int
    waiting: int
    awaiting_approval: int
    overdue_acknowledge: int
    overdue_resolve: int
    new: int
    resolved: int

    @property
    def overdue(self) -> int:
        return self.overdue_acknowledge + self.overdue_resolve

    @property
    def empty(self) -> bool:
        return not (self.open or self.new or self.resolved)


def _previous_working_day(clock: WorkingClock, day: dt.date) -> dt.date:
    d = day - dt.timedelta(days=1)
    for _i in range(60):  # never more than a Tết break; bounded all the same
        if clock.is_working_day(d):
            return d
        d -= dt.timedelta(days=1)
    return day - dt.timedelta(days=1)


def digest_for(commune: Commune, *, now: dt.datetime,
               clock: WorkingClock | None = None) -> Digest:
    """The counts of one commune at ``now``, in one aggregate query. "New" and "resolved"
    cover the days since the previous working day began, so Monday's digest covers
    Friday, Saturday and Sunday."""
    clock = clock or WorkingClock.for_commune(commune)
    day = local(now).date()
    since = _previous_working_day(clock, day)
    start = dt.datetime.combine(since, dt.time(0), tzinfo=TZ)
    end = dt.datetime.combine(day, dt.time(0), tzinfo=TZ)
    answered = Q(status__in=[State.RESOLVED, State.CLOSED], resolved_at__gte=start,
                 resolved_at__lt=end)
    counts = Report.objects.filter(commune=commune).aggregate(
        open=Count("pk", filter=Q(status__in=OPEN_STATES)),
        waiting=Count("pk", filter=Q(status__in=TRIAGE_STATES)),
        awaiting_approval=Count("pk", filter=Q(status=State.ANSWER_DRAFTED)),
        overdue_acknowledge=Count("pk", filter=Q(status__in=TRIAGE_STATES,
                                                 acknowledge_due_at__lt=now)),
        overdue_resolve=Count("pk", filter=Q(status__in=WORKING_STATES, due_at__lt=now)),
        new=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        resolved=Count("pk", filter=answered))
    return Digest(commune=commune, day=day, since=since, **counts)


def _digest_sent(commune: Commune, day: dt.date) -> bool:
    return Notification.objects.filter(template=DIGEST_TEMPLATE, commune=commune,
                                       params__day=day.isoformat()).exists()


def report_digest_send(*, commune: Commune, now: dt.datetime | None = None) -> int:
    """Send one commune's digest to its chairman and vice-chairmen; how many were told.
    Nothing on a day off, nothing when there is nothing to say, and once a day: the
    commune's settings row is locked while the day's notifications are looked up."""
    now = now or timezone.now()
    clock = WorkingClock.for_commune(commune)
    if not clock.is_working_day(local(now)):
        return 0
    with transaction.atomic():
        services.settings_for(commune)
        ReportSettings.objects.select_for_update().get(commune=commune)
        digest = digest_for(commune, now=now, clock=clock)
        if digest.empty or _digest_sent(commune, digest.day):
            return 0
        leaders = _users_with(commune.pk, [Role.CHAIRMAN, Role.VICE_CHAIRMAN])
        context = {"day": digest.day.isoformat(), "date": f"{digest.day:%d/%m/%Y}",
                   "since": f"{digest.since:%d/%m/%Y}",
                   "yesterday": f"{digest.day - dt.timedelta(days=1):%d/%m/%Y}",
                   "one_day": digest.since == digest.day - dt.timedelta(days=1),
                   "open": digest.open, "waiting": digest.waiting,
                   "awaiting_approval": digest.awaiting_approval,
                   "overdue": digest.overdue, "overdue_acknowledge": digest.overdue_acknowledge,
                   "overdue_resolve": digest.overdue_resolve, "new": digest.new,
                   "resolved": digest.resolved, "url": OVERDUE_WORKLIST_PATH}
        for user in leaders:
            notify(recipient=user, template=DIGEST_TEMPLATE, commune=commune,
                   context=context, now=now)
    return len(leaders)


def report_digest_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The digest of every active commune that has reports."""
    now = now or timezone.now()
    communes = Commune.objects.filter(is_active=True, pk__in=Report.objects.values(
        "commune_id")).order_by("pk")
    told = sent = 0
    for commune in communes:
        count = report_digest_send(commune=commune, now=now)
        told += count
        sent += bool(count)
    return {"communes": sent, "leaders": told}
