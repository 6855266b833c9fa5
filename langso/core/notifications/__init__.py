"""Notifications: in-app inbox plus e-mail, SMS and Zalo deliveries, sent after commit.

``notify(...)`` (in ``services``) is the one way to tell somebody something;
``deliver_direct(...)`` sends one message to a raw address right now (one-time codes).
"""

from typing import Any

from langso.core.notifications.channels import DeliveryError, get_channel

__all__ = ["DeliveryError", "deliver_direct", "get_channel", "notify"]


def deliver_direct(*, channel: str, address: str, subject: str, body: str,
                   template: str = "", data: dict[str, Any] | None = None) -> str:
    """Send synchronously to a raw phone number or e-mail address; return the provider's
    message id. Raises ``DeliveryError`` (see ``.transient``) or ``LookupError`` for an
    unknown channel. Nothing is stored: the caller keeps whatever record it needs."""
    return get_channel(channel).send(address=address, subject=subject, body=body,
                                     template=template, data=data)


def notify(**kwargs: Any) -> Any:
    """See ``langso.core.notifications.services.notify``."""
    from langso.core.notifications.services import notify as _notify

    return _notify(**kwargs)
