"""In-app notifications, their deliveries by e-mail/SMS/Zalo, and each person's choices."""

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from langso.core.models.geography import Commune
from langso.core.models.people import Person, User


class Channel(models.TextChoices):
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def for_inbox(self, user: User) -> "NotificationQuerySet":
        return self.filter(user=user).select_related("commune").order_by("-created_at", "-pk")

    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message to one person, shown in their inbox when they have an account.

    Subject and body are rendered once, in the recipient's language, when it is created:
    what the person was told stays what they were told.
    """

    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications")
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="notifications")
    template = models.CharField(_("mẫu"), max_length=64)
    subject = models.CharField(_("tiêu đề"), max_length=200)
    body = models.TextField(_("nội dung"))
    # The one-paragraph form for SMS and Zalo, rendered with the rest.
    short_body = models.CharField(_("nội dung ngắn"), max_length=700, blank=True)
    # Scalar values of the template context, for Zalo ZNS templates that take parameters.
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(_("đường dẫn"), max_length=300, blank=True)
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    created_at = models.DateTimeField(_("thời điểm"), default=timezone.now)
    read_at = models.DateTimeField(_("đã đọc lúc"), null=True, blank=True)

    tenant_field = "commune"
    personal_data = True

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("thông báo")
        verbose_name_plural = _("thông báo")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["user"], condition=Q(read_at__isnull=True),
                         name="notification_unread_idx"),
            models.Index(fields=["created_at"], name="notification_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(person__isnull=False),
                                   name="notification_has_recipient"),
        ]

    def __str__(self) -> str:
        return self.subject


class Delivery(models.Model):
    """Sending one notification over one channel; its status makes sending idempotent.

    pending → sending → sent | failed; a task only sends a row it moved from pending to
    sending under ``select_for_update``, so a repeated task never sends twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Chờ gửi")
        SENDING = "sending", _("Đang gửi")
        SENT = "sent", _("Đã gửi")
        FAILED = "failed", _("Gửi không được")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE,
                                     related_name="deliveries")
    channel = models.CharField(_("kênh"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("địa chỉ nhận"), max_length=254)
    status = models.CharField(_("trạng thái"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("số lần thử"), default=0)
    not_before = models.DateTimeField(_("gửi từ"), null=True, blank=True,
                                      help_text=_("Sau giờ yên lặng của người nhận."))
    provider_message_id = models.CharField(max_length=100, blank=True)
    last_error = models.CharField(_("lỗi gần nhất"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("gửi lúc"), null=True, blank=True)

    tenant_field = "notification__commune"
    personal_data = True

    class Meta:
        ordering = ["notification", "channel"]
        verbose_name = _("lượt gửi")
        verbose_name_plural = _("lượt gửi")
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"],
                                    name="delivery_one_per_channel"),
            models.CheckConstraint(condition=Q(status="sent", sent_at__isnull=False)
                                   | ~Q(status="sent"), name="delivery_sent_has_time"),
        ]
        indexes = [
            models.Index(fields=["updated_at"], condition=Q(status__in=["pending", "sending"]),
                         name="delivery_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class NotificationPreference(models.Model):
    """Which channels a person wants besides the in-app inbox (always on)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, null=True, blank=True,
                                related_name="notification_preference")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, null=True, blank=True,
                                  related_name="notification_preference")
    email = models.BooleanField(_("nhận qua thư điện tử"), default=True)
    sms = models.BooleanField(_("nhận qua tin nhắn SMS"), default=True)
    zalo = models.BooleanField(_("nhận qua Zalo"), default=False)
    quiet_start = models.TimeField(_("giờ yên lặng từ"), null=True, blank=True)
    quiet_end = models.TimeField(_("giờ yên lặng đến"), null=True, blank=True)
    language = models.CharField(_("ngôn ngữ"), max_length=8, choices=settings.LANGUAGES,
                                default="vi")
    updated_at = models.DateTimeField(default=timezone.now)

    personal_data = True

    class Meta:
        verbose_name = _("tùy chọn nhận thông báo")
        verbose_name_plural = _("tùy chọn nhận thông báo")
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False, person__isnull=True)
                           | Q(user__isnull=True, person__isnull=False)),
                name="notification_preference_one_owner"),
            models.CheckConstraint(
                condition=(Q(quiet_start__isnull=True, quiet_end__isnull=True)
                           | Q(quiet_start__isnull=False, quiet_end__isnull=False)),
                name="notification_preference_quiet_both_or_none"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"

    def wants(self, channel: str) -> bool:
        return bool(getattr(self, channel, False))

    def in_quiet_hours(self, at: time) -> bool:
        start, end = self.quiet_start, self.quiet_end
        if start is None or end is None or start == end:
            return False
        if start < end:
            return start <= at < end
        return at >= start or at < end  # spans midnight, e.g. 21:00–06:00
