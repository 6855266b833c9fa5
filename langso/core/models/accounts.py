"""One-time codes sent to a phone number or e-mail address (sign-up, code login, reset).

Only ``langso.core.services.accounts`` creates or changes rows. The code itself is never
stored: ``code_hash`` is an HMAC of it keyed with SECRET_KEY, so a copy of the table does
not give away live codes.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OneTimeCode(models.Model):
    class Purpose(models.TextChoices):
        SIGNUP = "signup", _("Đăng ký tài khoản")
        LOGIN = "login", _("Đăng nhập")
        RESET = "reset", _("Lấy lại mật khẩu")

    class Channel(models.TextChoices):
        SMS = "sms", _("Tin nhắn SMS")
        EMAIL = "email", _("Thư điện tử")

    # What the browser session and the API refer to; the integer pk stays internal.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    purpose = models.CharField(_("mục đích"), max_length=10, choices=Purpose.choices)
    channel = models.CharField(_("kênh gửi"), max_length=10, choices=Channel.choices)
    # Normalised: 0xxxxxxxxx for a phone, lower case for an e-mail address.
    address = models.CharField(_("địa chỉ nhận"), max_length=254)
    # HMAC-SHA256 of the code; empty when no code was sent (the address already has an
    # account, or has none for a reset): such a row never matches, so the requester sees
    # exactly what a real one would show and learns nothing about the address.
    code_hash = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True,
                             blank=True, related_name="+")
    # Sign-up data waiting for the code (the password already hashed); emptied once used.
    payload = models.JSONField(default=dict, blank=True)
    requested_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("thời điểm tạo"), default=timezone.now)
    expires_at = models.DateTimeField(_("hết hạn lúc"))
    attempts = models.PositiveSmallIntegerField(_("số lần nhập sai"), default=0)
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)
    # Replaced by a newer code, too many wrong attempts, or the message could not be sent.
    invalidated_at = models.DateTimeField(_("đã hủy lúc"), null=True, blank=True)

    # History and logs name these rows by number only: they hold phone numbers.
    personal_data = True

    class Meta:
        verbose_name = _("mã xác nhận một lần")
        verbose_name_plural = _("mã xác nhận một lần")
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")),
                                   name="onetimecode_expires_after_creation"),
            models.CheckConstraint(condition=Q(purpose__in=["signup", "login", "reset"]),
                                   name="onetimecode_purpose_valid"),
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]),
                                   name="onetimecode_channel_valid"),
            # At most one live code per address and purpose: a new one replaces the old.
            models.UniqueConstraint(
                fields=["purpose", "address"],
                condition=Q(used_at__isnull=True, invalidated_at__isnull=True),
                name="onetimecode_one_live_per_address",
            ),
        ]
        indexes = [
            # The rate limits count recent codes per address and per requesting address.
            models.Index(fields=["address", "created_at"], name="onetimecode_address_idx"),
            models.Index(fields=["requested_ip", "created_at"], name="onetimecode_ip_idx"),
            models.Index(fields=["expires_at"], name="onetimecode_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"
