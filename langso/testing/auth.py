"""Signing a test client in as a user, with a verified second factor for staff."""

from typing import Any

from django.test import Client


def login_verified(client: Client, user: Any) -> None:
    """Log ``user`` in; staff get an OTP-verified session like after a real TOTP check."""
    client.force_login(user)
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None and user.memberships.exists():
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    if device is not None:
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
