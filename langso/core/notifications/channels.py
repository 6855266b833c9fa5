"""Delivery channels (e-mail, SMS, Zalo ZNS) behind one interface.

``get_channel(name).send(address=..., subject=..., body=...)`` returns the provider's
message id or raises ``DeliveryError``; ``transient=True`` means "try again later"
(network down, provider overloaded), ``False`` means retrying cannot help (bad number,
rejected address, wrong credentials).
"""

import json
import logging
import smtplib
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from django.conf import settings
from django.core.mail import EmailMessage, make_msgid
from django.core.mail.utils import DNS_NAME

from langso.core.validators import normalize_phone

log = logging.getLogger(__name__)

EMAIL = "email"
SMS = "sms"
ZALO = "zalo"
CHANNEL_NAMES = (EMAIL, SMS, ZALO)


def _timeout() -> tuple[float, float]:
    """(connect, read) seconds for gateway calls."""
    read = float(getattr(settings, "GATEWAY_TIMEOUT_SECONDS", 15.0))
    return (min(5.0, read), read)


class DeliveryError(Exception):
    """Sending failed; ``transient`` tells the retry machinery whether to try again."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


class Channel(Protocol):
    name: str

    def send(self, *, address: str, subject: str, body: str, template: str = "",
             data: dict[str, Any] | None = None) -> str: ...


def phone_international(address: str) -> str:
    """0912345678 → 84912345678, the form Vietnamese gateways expect."""
    try:
        local = normalize_phone(address)
    except Exception as exc:
        raise DeliveryError(f"invalid phone number {address!r}", transient=False) from exc
    return "84" + local[1:]


def sms_text(text: str) -> str:
    """Brandname SMS are billed per 160 GSM-7 characters but only 70 in Unicode, and many
    old phones show Vietnamese diacritics badly: send the text without them."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


@dataclass
class EmailChannel:
    """Django's mail API with settings.MAILERS["default"] (real SMTP in production)."""

    name: str = EMAIL

    def send(self, *, address: str, subject: str, body: str, template: str = "",
             data: dict[str, Any] | None = None) -> str:
        if not address or "@" not in address:
            raise DeliveryError(f"invalid e-mail address {address!r}", transient=False)
        message_id = make_msgid(domain=DNS_NAME)
        message = EmailMessage(subject=" ".join(subject.split()), body=body,
                               from_email=settings.DEFAULT_FROM_EMAIL, to=[address],
                               headers={"Message-ID": message_id})
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _msg in exc.recipients.values()]
            raise DeliveryError(f"recipient refused: {exc.recipients}",
                                transient=all(400 <= c < 500 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                                transient=400 <= exc.smtp_code < 500) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, disconnected, timed out
            raise DeliveryError(f"SMTP unavailable: {exc}", transient=True) from exc
        return message_id


def _post_json(url: str, *, payload: dict[str, Any], headers: dict[str, str] | None = None,
               auth: tuple[str, str] | None = None) -> dict[str, Any]:
    """POST JSON; network errors, timeouts and 5xx/429 are transient, other 4xx permanent."""
    if not url:
        raise DeliveryError("gateway URL is not configured", transient=False)
    try:
        response = requests.post(url, json=payload, headers=headers, auth=auth,
                                 timeout=_timeout())
    except requests.Timeout as exc:
        raise DeliveryError(f"gateway timeout: {exc}", transient=True) from exc
    except requests.RequestException as exc:
        raise DeliveryError(f"gateway unreachable: {exc}", transient=True) from exc
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"gateway HTTP {response.status_code}", transient=True)
    if response.status_code >= 400:
        raise DeliveryError(f"gateway HTTP {response.status_code}: {response.text[:200]}",
                            transient=False)
    try:
        answer = response.json()
    except (ValueError, json.JSONDecodeError) as exc:
        raise DeliveryError("gateway answered something that is not JSON",
                            transient=True) from exc
    if not isinstance(answer, dict):
        raise DeliveryError("gateway answered an unexpected JSON value", transient=True)
    return answer


@dataclass
class SmsChannel:
    """Brandname SMS through SpeedSMS's HTTP API (``POST …/index.php/sms/send``).

    Request: HTTP Basic auth with the access token as user name and ``x`` as password,
    JSON ``{"to": ["84…"], "content": "…", "sms_type": 3, "sender": "<brandname>"}``.
    Answer: ``{"status": "success", "code": "00", "data": {"tranId": 123, …}}`` or
    ``{"status": "error", "code": "…", "message": "…"}``. SMS_GATEWAY_URL is the full URL.
    """

    name: str = SMS
    # SpeedSMS codes that mean "later may work": out of balance, gateway busy.
    transient_codes: frozenset[str] = frozenset({"105", "300", "500"})

    def send(self, *, address: str, subject: str, body: str, template: str = "",
             data: dict[str, Any] | None = None) -> str:
        phone = phone_international(address)
        token = settings.SMS_GATEWAY_TOKEN
        if not token:
            raise DeliveryError("SMS_GATEWAY_TOKEN is not configured", transient=False)
        payload = {
            "to": [phone],
            "content": sms_text(body)[:612],  # at most 4 concatenated segments
            "sms_type": settings.SMS_TYPE,
            "sender": settings.SMS_SENDER,
        }
        answer = _post_json(settings.SMS_GATEWAY_URL, payload=payload, auth=(token, "x"))
        if answer.get("status") != "success":
            code = str(answer.get("code", ""))
            raise DeliveryError(f"SMS gateway refused: {code} {answer.get('message', '')}",
                                transient=code in self.transient_codes)
        tran_id = (answer.get("data") or {}).get("tranId")
        if tran_id in (None, ""):
            raise DeliveryError("SMS gateway answered without tranId", transient=True)
        return str(tran_id)


@dataclass
class ZaloZnsChannel:
    """Zalo Notification Service, "send template message" (``POST /message/template``).

    Header ``access_token``; JSON ``{"phone": "84…", "template_id": "…",
    "template_data": {…}, "tracking_id": "…"}``; answer ``{"error": 0, "message":
    "Success", "data": {"msg_id": "…"}}``, a negative ``error`` on failure. A ZNS
    template is registered with Zalo beforehand: settings.ZALO_ZNS_TEMPLATES maps our
    template names to Zalo template ids; "default" takes ``{title, content}``.
    """

    name: str = ZALO
    # -100 unknown/internal error, -32 rate limit exceeded, -115 daily quota used up.
    transient_errors: frozenset[int] = frozenset({-100, -32, -115})

    def send(self, *, address: str, subject: str, body: str, template: str = "",
             data: dict[str, Any] | None = None) -> str:
        phone = phone_international(address)
        token = settings.ZALO_ZNS_ACCESS_TOKEN
        if not token:
            raise DeliveryError("ZALO_ZNS_ACCESS_TOKEN is not configured", transient=False)
        templates: dict[str, str] = settings.ZALO_ZNS_TEMPLATES or {}
        if template and template in templates:
            template_id = templates[template]
            template_data = {k: str(v)[:400] for k, v in (data or {}).items()}
        elif templates.get("default"):
            template_id = templates["default"]
            template_data = {"title": subject[:100], "content": body[:400]}
        else:
            raise DeliveryError("no Zalo ZNS template is configured", transient=False)
        payload = {
            "phone": phone,
            "template_id": str(template_id),
            "template_data": template_data,
            "tracking_id": (data or {}).get("tracking_id") or uuid.uuid4().hex,
        }
        answer = _post_json(settings.ZALO_ZNS_URL, payload=payload,
                            headers={"access_token": token})
        error = answer.get("error")
        if error != 0:
            try:
                code = int(error)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                code = -100
            raise DeliveryError(f"Zalo ZNS error {error}: {answer.get('message', '')}",
                                transient=code in self.transient_errors)
        msg_id = (answer.get("data") or {}).get("msg_id")
        if not msg_id:
            raise DeliveryError("Zalo ZNS answered without msg_id", transient=True)
        return str(msg_id)


_CHANNELS: dict[str, type] = {EMAIL: EmailChannel, SMS: SmsChannel, ZALO: ZaloZnsChannel}


def get_channel(name: str) -> Channel:
    try:
        return _CHANNELS[name]()  # type: ignore[no-any-return]
    except KeyError as exc:
        raise LookupError(f"Unknown notification channel {name!r}") from exc
