"""Telling the reporter and the followers of a report about each public step.

Followers with an account (the signed-in reporter follows their own report) get a core
notification (inbox, and e-mail/SMS/Zalo as they chose). Those without one (a follower who
left an e-mail address or a phone number, a reporter who sent without signing in but left a
contact) get a ``ReportMessage``: written in the step's transaction, sent after commit by a
retrying task through the core channels, never while the request waits.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation

from langso.core import access
from langso.core.clock import TZ, local
from langso.core.models import Channel, User
from langso.core.notifications import DeliveryError, deliver_direct, notify
from langso.core.notifications.rendering import render_message
from langso.core.tasks_runtime import TransientError, enqueue_on_commit
from langso.core.validators import is_mobile, normalize_phone
from langso.reports.models import Report, ReportFollower, ReportMessage, ReportUpdate
from langso.reports.workflow import State

log = logging.getLogger(__name__)

TEMPLATE = "report_status"
# Steps the reporter takes themselves: they are not told of their own step.
REPORTER_ACTIONS = frozenset({"submit", "reopen", "close"})
# Text messages buzz a phone: one written at night waits for the morning (local time).
SMS_QUIET_FROM = dt.time(21, 0)
SMS_QUIET_UNTIL = dt.time(7, 0)
# Messages to people without an account are kept this long, then deleted (they hold an
# address): long enough to answer "was I told?".
MESSAGE_RETENTION = dt.timedelta(days=365)


def public_path(report: Report) -> str:
    return f"/xa/{report.commune.slug}/phan-anh/{report.number}/"


def tell_followers(*, report: Report, update: ReportUpdate, actor: Any) -> None:
    """Every follower with an account, except whoever made the change; then every
    address of a follower or reporter without one."""
    users = User.objects.filter(followed_reports__report=report, is_active=True).distinct()
    if getattr(actor, "pk", None) is not None:
        users = users.exclude(pk=actor.pk)
    context = {"reference": report.reference, "category": report.category.name,
               "status": str(State(update.to_status).label), "note": update.text[:300],
               "url": public_path(report)}
    for user in users:
        notify(recipient=user, template=TEMPLATE, commune=report.commune,
               actor=actor if isinstance(actor, User) else None, now=update.at,
               context={**context, "reporter": user.pk == report.reporter_id})
    tell_contacts(report=report, update=update, actor=actor)


# -- people without an account -----------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    channel: str
    address: str
    to_reporter: bool


def _phone(value: str) -> str:
    try:
        phone = normalize_phone(value)
    except ValidationError:
        return ""
    return phone if is_mobile(phone) else ""


def _email(value: str) -> str:
    text = (value or "").strip()
    try:
        validate_email(text)
    except ValidationError:
        return ""
    return text.lower()


def _contact_of(email: str, phone: str, *, to_reporter: bool) -> Contact | None:
    """One message per person: by e-mail when they left a valid address (free, and room
    for the whole answer), else by SMS to a valid mobile number."""
    address = _email(email)
    if address:
        return Contact(Channel.EMAIL, address, to_reporter)
    number = _phone(phone)
    if number:
        return Contact(Channel.SMS, number, to_reporter)
    return None


def contacts_for(*, report: Report, update: ReportUpdate, actor: Any) -> list[Contact]:
    """Whom to tell of ``update`` outside the accounts: the anonymous reporter's contact
    (not for the reporter's own steps) and every follower's, each address once."""
    found: dict[tuple[str, str], Contact] = {}
    reporter_acted = (update.action in REPORTER_ACTIONS
                      and not access.is_staff_user(actor))
    if report.reporter_id is None and not reporter_acted:
        contact = _contact_of(report.reporter_email, report.reporter_phone, to_reporter=True)
        if contact is not None:
            found[(contact.channel, contact.address)] = contact
    for email, phone in (ReportFollower.objects.filter(report=report, user__isnull=True)
                         .order_by("pk").values_list("email", "phone")):
        contact = _contact_of(email, phone, to_reporter=False)
        if contact is not None:
            found.setdefault((contact.channel, contact.address), contact)
    return list(found.values())


def _sms_not_before(now: dt.datetime) -> dt.datetime | None:
    moment = local(now)
    clock_time = moment.time()
    if SMS_QUIET_UNTIL <= clock_time < SMS_QUIET_FROM:
        return None
    day = moment.date() if clock_time < SMS_QUIET_UNTIL else moment.date() + dt.timedelta(1)
    return dt.datetime.combine(day, SMS_QUIET_UNTIL, tzinfo=TZ)


def tell_contacts(*, report: Report, update: ReportUpdate, actor: Any) -> list[ReportMessage]:
    """Write a message per contact of ``update`` and enqueue its sending after commit.
    Messages are written in Vietnamese: nobody without an account chose a language."""
    contacts = contacts_for(report=report, update=update, actor=actor)
    if not contacts:
        return []
    from langso.reports.tasks import report_message_send_task

    site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    with translation.override("vi"):
        status = str(State(update.to_status).label)
    base = {"reference": report.reference, "category": report.category.name,
            "status": status, "note": update.text[:300], "commune_name": report.commune.name,
            "name": "", "url": f"{site}{public_path(report)}"}
    rendered = {flag: render_message(TEMPLATE, {**base, "reporter": flag}, language="vi")
                for flag in {c.to_reporter for c in contacts}}
    messages = []
    for contact in contacts:
        text = rendered[contact.to_reporter]
        not_before = _sms_not_before(update.at) if contact.channel == Channel.SMS else None
        message, created = ReportMessage.objects.get_or_create(
            update=update, channel=contact.channel, address=contact.address,
            defaults={"report": report, "to_reporter": contact.to_reporter,
                      "subject": text.subject,
                      "body": text.body if contact.channel == Channel.EMAIL else text.short,
                      "not_before": not_before, "created_at": update.at})
        if created:
            enqueue_on_commit(report_message_send_task, message.pk, run_after=not_before)
            messages.append(message)
    return messages


def report_message_send(*, message_id: int, now: dt.datetime | None = None) -> str:
    """Send one message at most once; what happened: sent, failed or skipped:….

    The row moves pending → sending under a lock and is committed before the provider is
    called, so a second run finds it no longer pending. A transient error puts it back to
    pending and raises ``TransientError`` for the task's retries; a permanent one (a
    refused address) closes it as failed.
    """
    with transaction.atomic():
        message = ReportMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "skipped:missing"
        if message.status != ReportMessage.Status.PENDING:
            return f"skipped:{message.status}"
        message.status = ReportMessage.Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts"])
    try:
        provider_id = deliver_direct(channel=message.channel, address=message.address,
                                     subject=message.subject, body=message.body,
                                     template=TEMPLATE)
    except DeliveryError as exc:
        status = (ReportMessage.Status.PENDING if exc.transient
                  else ReportMessage.Status.FAILED)
        ReportMessage.objects.filter(pk=message_id, status=ReportMessage.Status.SENDING).update(
            status=status, last_error=str(exc)[:500])
        if exc.transient:
            raise TransientError(str(exc)) from exc
        log.warning("report.message_failed", extra={"message": message_id, "error": str(exc)})
        return "failed"
    except Exception as exc:
        # A bug, not the provider: closed rather than risk sending twice on a rerun.
        ReportMessage.objects.filter(pk=message_id, status=ReportMessage.Status.SENDING).update(
            status=ReportMessage.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:500])
        raise
    ReportMessage.objects.filter(pk=message_id, status=ReportMessage.Status.SENDING).update(
        status=ReportMessage.Status.SENT, sent_at=now or timezone.now(),
        provider_message_id=provider_id[:100], last_error="")
    return "sent"


def report_message_give_up(*, message_id: int, error: BaseException, attempts: int) -> None:
    """After the last retry the message is failed, with the last error kept."""
    ReportMessage.objects.filter(pk=message_id, status=ReportMessage.Status.PENDING).update(
        status=ReportMessage.Status.FAILED,
        last_error=f"gave up after {attempts} attempts: {error}"[:500])


def report_messages_prune(*, now: dt.datetime | None = None) -> int:
    """Delete sent and failed messages past their retention (they hold an address)."""
    cutoff = (now or timezone.now()) - MESSAGE_RETENTION
    deleted, _detail = (ReportMessage.objects
                        .filter(created_at__lt=cutoff,
                                status__in=[ReportMessage.Status.SENT,
                                            ReportMessage.Status.FAILED])
                        .delete())
    return deleted
