"""Incoming-transfer notices from a bank (or a bank-feed service) behind one interface: an
adapter turns a signed HTTP request into a ``BankNotification``; ``payments`` does the rest.

The adapter is chosen by ``BANK_WEBHOOK_ADAPTER`` (a name below or a dotted path) and
verifies the request with ``BANK_WEBHOOK_SECRET``. docs/one-stop.md "Payment" has the wire
format of the built-in one.
"""

import datetime as dt
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from langso.core.clock import TZ
from langso.core.errors import DomainError

# A notice is a few hundred bytes; anything much bigger is not one.
MAX_BODY_BYTES = 16 * 1024
MAX_DESCRIPTION = 500
MIN_SECRET_LENGTH = 16
# A signed request older (or newer) than this is refused: a captured request cannot be
# replayed later. Replays inside the window meet the unique bank reference instead.
TIMESTAMP_TOLERANCE = dt.timedelta(minutes=5)
_REFERENCE = re.compile(r"[A-Za-z0-9._:/-]{1,64}")
_ACCOUNT = re.compile(r"[0-9A-Za-z]{1,19}")


class WebhookError(DomainError):
    """The request is not a notice we accept; ``status`` and ``code`` go in the answer."""


class BadSignature(WebhookError):
    status = 401
    code = "bad_signature"


class Malformed(WebhookError):
    status = 400
    code = "malformed"


class TooLarge(WebhookError):
    status = 413
    code = "too_large"


class NotConfigured(WebhookError):
    status = 503
    code = "not_configured"


@dataclass(frozen=True)
class BankNotification:
    """One credit to an account, as the bank reports it."""

    reference: str       # the bank's transaction id: unique, the idempotency key
    amount: int          # đồng; negative for money going out
    account: str         # the account credited
    description: str     # the transfer purpose the payer's app sent ("HS <dossier code>")
    paid_at: dt.datetime  # aware


class BankAdapter(Protocol):
    def parse(self, request: HttpRequest) -> BankNotification:
        """Verify that ``request`` comes from the bank and read the notice in it; raise a
        ``WebhookError`` otherwise. Nothing may be trusted before the signature is."""
        ...


def read_body(request: HttpRequest, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused by its announced length before anything is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError as exc:
        raise Malformed(_("Độ dài nội dung không hợp lệ.")) from exc
    if length > limit:
        raise TooLarge(_("Nội dung gửi lên quá lớn."))
    body = request.body
    if len(body) > limit:
        raise TooLarge(_("Nội dung gửi lên quá lớn."))
    return body


def _secret() -> bytes:
    secret = str(getattr(settings, "BANK_WEBHOOK_SECRET", "") or "")
    if len(secret) < MIN_SECRET_LENGTH:
        raise NotConfigured(_("Chưa cấu hình nhận thông báo từ ngân hàng."))
    return secret.encode("utf-8")


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The ``X-Signature`` header value for ``body``: what the sender computes."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body,
                      hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class SignedJsonAdapter:
    """A Casso/VietQR-style JSON notice signed with HMAC-SHA256.

    Header ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>``;
    body ``{"error": 0, "data": {"reference", "amount", "accountNumber", "description",
    "transactionDateTime": "YYYY-MM-DD HH:MM:SS" (Vietnam time)}}``.
    """

    header = "HTTP_X_SIGNATURE"

    def parse(self, request: HttpRequest) -> BankNotification:
        secret = _secret()
        body = read_body(request)
        self._verify(request.META.get(self.header, ""), body, secret)
        return self._notification(body)

    def _verify(self, header: str, body: bytes, secret: bytes) -> None:
        parts: dict[str, str] = {}
        for item in str(header)[:300].split(","):
            key, _sep, value = item.strip().partition("=")
            parts[key] = value
        timestamp, given = parts.get("t", ""), parts.get("v1", "")
        if not timestamp.isdigit() or not given or len(timestamp) > 12:
            raise BadSignature(_("Thiếu chữ ký hoặc chữ ký không hợp lệ."))
        expected = hmac.new(secret, f"{timestamp}.".encode("ascii") + body,
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given.lower()):
            raise BadSignature(_("Thiếu chữ ký hoặc chữ ký không hợp lệ."))
        if abs(time.time() - int(timestamp)) > TIMESTAMP_TOLERANCE.total_seconds():
            raise BadSignature(_("Chữ ký đã hết hạn."))

    def _notification(self, body: bytes) -> BankNotification:
        try:
            document = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise Malformed(_("Nội dung không phải JSON hợp lệ.")) from exc
        if not isinstance(document, dict) or document.get("error", 0) != 0:
            raise Malformed(_("Thông báo không đúng cấu trúc."))
        data = document.get("data")
        if not isinstance(data, dict):
            raise Malformed(_("Thông báo không đúng cấu trúc."))
        reference = data.get("reference")
        amount = data.get("amount")
        account = data.get("accountNumber")
        description = data.get("description", "")
        when = data.get("transactionDateTime")
        if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
            raise Malformed(_("Mã giao dịch không hợp lệ."))
        if isinstance(amount, bool) or not isinstance(amount, int) or abs(amount) > 10**13:
            raise Malformed(_("Số tiền không hợp lệ."))
        if not isinstance(account, str) or not _ACCOUNT.fullmatch(account):
            raise Malformed(_("Số tài khoản không hợp lệ."))
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION \
                or "\x00" in description:
            raise Malformed(_("Nội dung chuyển khoản không hợp lệ."))
        return BankNotification(reference=reference, amount=amount, account=account,
                                description=description, paid_at=_moment(when))


def _moment(value: Any) -> dt.datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise Malformed(_("Thời điểm giao dịch không hợp lệ."))
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Malformed(_("Thời điểm giao dịch không hợp lệ.")) from exc
    # Banks write local time without an offset.
    return moment.replace(tzinfo=TZ) if moment.tzinfo is None else moment


ADAPTERS: dict[str, type] = {"signed_json": SignedJsonAdapter}


def adapter() -> BankAdapter:
    """The configured adapter: a name in ``ADAPTERS`` or the dotted path of a class."""
    name = str(getattr(settings, "BANK_WEBHOOK_ADAPTER", "") or "signed_json")
    cls = ADAPTERS.get(name) or import_string(name)
    instance: BankAdapter = cls()
    return instance
