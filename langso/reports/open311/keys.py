"""Open311 API keys and the rate limits of writes.

A key lets one application POST reports to one commune. Only its SHA-256 is stored; the
key itself is shown once, when it is made (``manage.py open311_key`` or the settings
screen). Making and revoking a key are recorded in the commune's history.
"""

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from langso.core import access, ratelimit
from langso.core.errors import DomainError, PermissionDenied
from langso.core.history import history_record
from langso.core.models import Commune
from langso.reports.models import Open311Key
from langso.reports.open311.formats import TooManyRequests
from langso.reports.services import key_hash

KEY_PREFIX = "o311_"
MAX_KEY = 200
# (requests, seconds). Per key: what one application may send in all; per client (the
# device_id it sends, else the address): what one phone may send. Override with
# OPEN311_KEY_RATE / OPEN311_CLIENT_RATE.
DEFAULT_KEY_RATE = (600, 3600)
DEFAULT_CLIENT_RATE = (10, 600)


def _may_manage(actor: Any, commune: Commune) -> None:
    # ``actor`` None: the operator at the server's console (manage.py open311_key).
    if actor is not None and not access.can(actor, "report.settings", commune):
        raise PermissionDenied(_("Bạn không có quyền quản lý khóa Open311 của xã này."))


@transaction.atomic
def open311_key_create(*, actor: Any, commune: Commune, name: str,
                       now: dt.datetime | None = None) -> tuple[Open311Key, str]:
    """A new key for the application ``name``; returns the row and the key, which is not
    kept anywhere and cannot be shown again."""
    now = now or timezone.now()
    _may_manage(actor, commune)
    label = " ".join(str(name or "").split())
    if not label or len(label) > 120:
        raise DomainError(_("Vui lòng nhập tên ứng dụng (tối đa 120 ký tự)."),
                          field_errors={"name": [_("Không hợp lệ.")]})
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = Open311Key.objects.create(commune=commune, name=label, key_hash=key_hash(secret),
                                    created_at=now)
    history_record(obj=key, action="open311_key.create", actor=actor, commune=commune,
                   data={"key": str(key.public_id), "name": label}, now=now)
    return key, secret


@transaction.atomic
def open311_key_revoke(*, actor: Any, key: Open311Key, reason: str = "",
                       now: dt.datetime | None = None) -> Open311Key:
    now = now or timezone.now()
    key = Open311Key.objects.select_for_update().select_related("commune").get(pk=key.pk)
    _may_manage(actor, key.commune)
    if not key.is_active:
        return key
    key.is_active = False
    key.save(update_fields=["is_active"])
    history_record(obj=key, action="open311_key.revoke", actor=actor, commune=key.commune,
                   reason=str(reason or "")[:500], data={"key": str(key.public_id)}, now=now)
    return key


def open311_key_check(*, commune: Commune, secret: str,
                      now: dt.datetime | None = None) -> Open311Key:
    """The active key of this commune that ``secret`` is, else 403 (a key of another
    commune is as wrong as no key)."""
    value = str(secret or "").strip()
    if not value:
        raise PermissionDenied(_("Thiếu api_key: gửi phản ánh qua Open311 cần khóa do xã "
                                 "cấp."))
    key = (Open311Key.objects.filter(key_hash=key_hash(value), commune=commune,
                                     is_active=True).first()
           if len(value) <= MAX_KEY else None)
    if key is None:
        raise PermissionDenied(_("api_key không hợp lệ hoặc đã bị thu hồi."))
    now = now or timezone.now()
    # At most one write a minute per key for "last used", not one per request.
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        Open311Key.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


def _rate(name: str, default: tuple[int, int]) -> tuple[int, int]:
    value = getattr(settings, name, default)
    return int(value[0]), int(value[1])


def open311_rate_check(*, key: Open311Key, client: str) -> None:
    """Count one POST of ``key`` from ``client``; TooManyRequests once either passed its
    allowance in the current window (``core.ratelimit``: shared by every worker with
    Redis, per process without)."""
    for bucket, (limit, window) in (
            (f"key:{key.public_id}", _rate("OPEN311_KEY_RATE", DEFAULT_KEY_RATE)),
            (f"client:{key.public_id}:{key_hash(client)[:32]}",
             _rate("OPEN311_CLIENT_RATE", DEFAULT_CLIENT_RATE))):
        if ratelimit.too_many(f"open311:{bucket}", limit, window):
            raise TooManyRequests(_("Gửi quá nhiều phản ánh trong thời gian ngắn, vui lòng "
                                    "thử lại sau %(n)d phút.") % {"n": max(1, window // 60)},
                                  retry_after=window)
