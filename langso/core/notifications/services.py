"""Every write of the notifications part: notify, send a delivery, mark read, preferences."""

import logging
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core.errors import DomainError
from langso.core.history import history_record
from langso.core.models import (
    Channel,
    Commune,
    Delivery,
    Notification,
    NotificationPreference,
    Person,
    User,
)
from langso.core.notifications.channels import DeliveryError, get_channel
from langso.core.notifications.rendering import render_message
from langso.core.tasks_runtime import TransientError, enqueue_on_commit
from langso.core.validators import is_mobile, normalize_phone

log = logging.getLogger(__name__)

CHANNEL_ORDER = (Channel.EMAIL, Channel.SMS, Channel.ZALO)
# Channels that buzz a phone; quiet hours hold them back. E-mail waits in the mailbox anyway.
NOISY_CHANNELS = frozenset({Channel.SMS, Channel.ZALO})
# A delivery left in "sending" this long lost its worker mid-send; whether the provider got
# it is unknown, and sending again could send twice, so it is closed as failed.
STUCK_AFTER = timedelta(minutes=30)


def _recipient(recipient: User | Person) -> tuple[User | None, Person | None]:
    if isinstance(recipient, User):
        return recipient, Person.objects.filter(user=recipient).first()
    if isinstance(recipient, Person):
        return recipient.user, recipient
    raise TypeError("recipient must be a User or a Person")


def preference_for(*, user: User | None = None,
                   person: Person | None = None) -> NotificationPreference:
    """The saved choices of the account (else of the person), or the defaults, unsaved."""
    if user is not None:
        found = NotificationPreference.objects.filter(user=user).first()
        if found:
            return found
    if person is not None:
        found = NotificationPreference.objects.filter(person=person).first()
        if found:
            return found
    return NotificationPreference(user=user, person=None if user else person)


def _address(channel: str, user: User | None, person: Person | None) -> str:
    if channel == Channel.EMAIL:
        return (user.email if user and user.email else "") or (person.email if person else "")
    for phone in ((user.phone if user else None), (person.phone if person else None)):
        if not phone:
            continue
        try:
            local = normalize_phone(phone)
        except Exception:  # noqa: S112 - a malformed stored number is skipped, not fatal
            continue
        if is_mobile(local):
            return local
    return ""


def _quiet_until(pref: NotificationPreference, now: datetime) -> datetime | None:
    """When quiet hours are on now, the moment they end; else None."""
    tz = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(tz)
    if pref.quiet_end is None or not pref.in_quiet_hours(local.time()):
        return None
    end = datetime.combine(local.date(), pref.quiet_end, tzinfo=tz)
    if end <= local:
        end += timedelta(days=1)
    return end


def _display_name(user: User | None, person: Person | None) -> str:
    if person is not None:
        return person.full_name
    return str(user) if user else ""


def _site_path(url: Any) -> str:
    """Only a path on this site may become a link: never another host or a javascript: URL."""
    text = str(url or "").strip()
    if not text.startswith("/") or text.startswith("//") or "\\" in text or len(text) > 300:
        return ""
    if any(ord(c) < 33 for c in text):
        return ""
    return text


def _scalar_params(context: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in context.items()
            if isinstance(k, str) and isinstance(v, str | int | float | bool)
            and len(str(v)) <= 400}


def notify(*, recipient: User | Person, template: str, context: dict[str, Any],
           commune: Commune, channels: list[str] | tuple[str, ...] | None = None,
           actor: User | None = None, now: datetime | None = None) -> Notification:
    """Tell one person something: an in-app notification plus one delivery per channel
    the person accepts and has an address for. Sending is enqueued after commit.

    ``channels`` narrows the channels (None: all the person accepts); ``context`` feeds the
    template and may carry ``url`` (a path on this site shown as the link).
    """
    now = now or timezone.now()
    user, person = _recipient(recipient)
    if user is None and person is None:  # pragma: no cover - _recipient guarantees one
        raise TypeError("no recipient")
    if person is not None and person.commune_id != commune.pk and user is None:
        raise DomainError(_("Người nhận không thuộc xã này."), code="wrong_commune")
    requested = set(CHANNEL_ORDER if channels is None else channels)
    unknown = requested - set(Channel.values)
    if unknown:
        raise ValueError(f"Unknown channels: {sorted(unknown)}")
    pref = preference_for(user=user, person=person)
    url = _site_path(context.get("url"))
    site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    full_context = {**context, "commune_name": commune.name,
                    "name": context.get("name") or _display_name(user, person),
                    # Messages leave the site: they carry the full address when it is known.
                    "url": f"{site}{url}" if url else ""}
    rendered = render_message(template, full_context, language=pref.language)

    with transaction.atomic():
        notification = Notification.objects.create(
            commune=commune, user=user, person=person, template=template,
            subject=rendered.subject, body=rendered.body, short_body=rendered.short[:700],
            params=_scalar_params(full_context), url=url, actor=actor, created_at=now)
        quiet_until = _quiet_until(pref, now)
        for channel in CHANNEL_ORDER:
            if channel not in requested or not pref.wants(channel):
                continue
            address = _address(channel, user, person)
            if not address:
                continue
            not_before = quiet_until if channel in NOISY_CHANNELS else None
            delivery = Delivery.objects.create(
                notification=notification, channel=channel, address=address,
                not_before=not_before, created_at=now, updated_at=now)
            from langso.core.notifications.tasks import delivery_send_task

            enqueue_on_commit(delivery_send_task, delivery.pk, run_after=not_before)
    return notification


def _content(delivery: Delivery) -> dict[str, Any]:
    n = delivery.notification
    if delivery.channel == Channel.EMAIL:
        return {"subject": n.subject, "body": n.body, "template": n.template, "data": None}
    data = {**(n.params or {}), "title": n.subject, "content": n.short_body or n.subject,
            "tracking_id": f"langso-{delivery.pk}"}
    return {"subject": n.subject, "body": n.short_body or n.subject, "template": n.template,
            "data": data}


def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one delivery at most once. Returns what happened: sent, failed, or skipped:…

    The row moves pending → sending under ``select_for_update`` and is committed before
    the provider is called, so a second run of the same task finds it no longer pending.
    A transient provider error puts it back to pending and raises ``TransientError`` for
    the retry machinery; a permanent one closes it as failed.
    """
    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update().filter(pk=delivery_id).first())
        if delivery is None:
            return "skipped:missing"
        if delivery.status != Delivery.Status.PENDING:
            return f"skipped:{delivery.status}"
        delivery.status = Delivery.Status.SENDING
        delivery.attempts += 1
        delivery.updated_at = now or timezone.now()
        delivery.save(update_fields=["status", "attempts", "updated_at"])
    delivery = Delivery.objects.select_related("notification").get(pk=delivery_id)
    content = _content(delivery)
    try:
        message_id = get_channel(delivery.channel).send(address=delivery.address, **content)
    except DeliveryError as exc:
        status = Delivery.Status.PENDING if exc.transient else Delivery.Status.FAILED
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
            status=status, last_error=str(exc)[:500], updated_at=timezone.now())
        if exc.transient:
            raise TransientError(str(exc)) from exc
        log.warning("Delivery %s failed for good: %s", delivery_id, exc)
        return "failed"
    except Exception as exc:
        # A bug, not the provider: close it rather than risk sending twice on a rerun.
        Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:500],
            updated_at=timezone.now())
        raise
    sent_at = timezone.now()
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.SENT, sent_at=sent_at, provider_message_id=message_id[:100],
        last_error="", updated_at=sent_at)
    return "sent"


def delivery_give_up(*, delivery_id: int, error: BaseException, attempts: int) -> None:
    """After the last retry: the delivery is failed, with the last error kept."""
    Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.FAILED,
        last_error=f"gave up after {attempts} attempts: {error}"[:500],
        updated_at=timezone.now())


def notification_mark_read(*, actor: User, ids: list[int] | None = None,
                           now: datetime | None = None) -> int:
    """Mark the actor's own notifications read (all unread when ``ids`` is None).

    Ids of other people's notifications are ignored, never an error that would confirm
    they exist. Returns how many changed.
    """
    queryset = Notification.objects.filter(user=actor, read_at__isnull=True)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    return queryset.update(read_at=now or timezone.now())


PREFERENCE_FIELDS = ("email", "sms", "zalo", "quiet_start", "quiet_end", "language")


def preference_update(*, actor: User, email: bool, sms: bool, zalo: bool,
                      quiet_start: time | None, quiet_end: time | None,
                      language: str) -> NotificationPreference:
    """Save the signed-in user's channel choices."""
    if (quiet_start is None) != (quiet_end is None):
        field = "quiet_end" if quiet_end is None else "quiet_start"
        raise DomainError(_("Nhập cả giờ bắt đầu và giờ kết thúc, hoặc để trống cả hai."),
                          field_errors={field: [_("Nhập cả giờ bắt đầu và giờ kết thúc, "
                                                  "hoặc để trống cả hai.")]})
    if quiet_start is not None and quiet_start == quiet_end:
        raise DomainError(_("Giờ bắt đầu và giờ kết thúc phải khác nhau."),
                          field_errors={"quiet_end": [
                              _("Giờ bắt đầu và giờ kết thúc phải khác nhau.")]})
    if language not in dict(settings.LANGUAGES):
        raise DomainError(_("Ngôn ngữ không được hỗ trợ."),
                          field_errors={"language": [_("Ngôn ngữ không được hỗ trợ.")]})
    values = {"email": email, "sms": sms, "zalo": zalo, "quiet_start": quiet_start,
              "quiet_end": quiet_end, "language": language}
    with transaction.atomic():
        pref, _created = NotificationPreference.objects.select_for_update().get_or_create(
            user=actor)
        before = {f: _plain(getattr(pref, f)) for f in PREFERENCE_FIELDS}
        for field, value in values.items():
            setattr(pref, field, value)
        pref.updated_at = timezone.now()
        pref.save(update_fields=[*PREFERENCE_FIELDS, "updated_at"])
        after = {f: _plain(getattr(pref, f)) for f in PREFERENCE_FIELDS}
        if before != after or _created:
            history_record(obj=pref, action="notification_preference.update", actor=actor,
                           data={"before": before, "after": after})
    return pref


def _plain(value: Any) -> Any:
    return value.isoformat(timespec="minutes") if isinstance(value, time) else value


def notifications_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Delete notifications past their retention and close deliveries stuck in sending."""
    now = now or timezone.now()
    days = int(getattr(settings, "NOTIFICATION_RETENTION_DAYS", 365))
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING,
                                    updated_at__lt=now - STUCK_AFTER).update(
        status=Delivery.Status.FAILED,
        last_error="worker stopped while sending; outcome unknown, not resent",
        updated_at=now)
    deleted, _detail = Notification.objects.filter(
        created_at__lt=now - timedelta(days=days)).delete()
    return {"notifications_deleted": deleted, "deliveries_closed": stuck}
