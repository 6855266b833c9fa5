"""Append-only audit history, hash-chained per commune so any edit or deletion shows."""

import hashlib
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from langso.core.models.geography import Commune


class HistoryIsAppendOnly(Exception):
    pass


class HistoryChain(models.Model):
    """Head of one commune's chain; locking it serialises appends within that commune."""

    # "commune:<id>", or "global" for province-level and system events (no commune).
    key = models.CharField(max_length=32, unique=True)
    commune = models.OneToOneField(Commune, on_delete=models.PROTECT, null=True,
                                   related_name="history_chain")
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def key_for(commune_id: int | None) -> str:
        return f"commune:{commune_id}" if commune_id else "global"


class HistoryQuerySet(models.QuerySet["HistoryEvent"]):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise HistoryIsAppendOnly("History rows are never updated.")

    def delete(self):  # type: ignore[no-untyped-def]
        raise HistoryIsAppendOnly("History rows are never deleted.")

    def for_object(self, obj: models.Model) -> "HistoryQuerySet":
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        ).select_related("actor").order_by("seq")


class HistoryEvent(models.Model):
    chain = models.ForeignKey(HistoryChain, on_delete=models.PROTECT, related_name="events")
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True,
                                related_name="history")
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(_("thời điểm"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    actor_label = models.CharField(_("người thực hiện"), max_length=150)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(_("đối tượng"), max_length=255)
    action = models.CharField(_("thao tác"), max_length=64)
    from_state = models.CharField(_("từ trạng thái"), max_length=64, blank=True)
    to_state = models.CharField(_("sang trạng thái"), max_length=64, blank=True)
    reason = models.TextField(_("lý do"), blank=True)
    client_address = models.GenericIPAddressField(_("địa chỉ máy"), null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    tenant_field = "commune"
    objects = HistoryQuerySet.as_manager()

    class Meta:
        ordering = ["chain", "seq"]
        verbose_name = _("lịch sử")
        verbose_name_plural = _("lịch sử")
        constraints = [
            models.UniqueConstraint(fields=["chain", "seq"], name="history_unique_seq"),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "seq"], name="history_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise HistoryIsAppendOnly("History rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise HistoryIsAppendOnly("History rows are never deleted.")

    def compute_hash(self) -> str:
        payload = {
            "commune": self.commune_id,
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "content_type": f"{self.content_type.app_label}.{self.content_type.model}",
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "action": self.action,
            "from": self.from_state,
            "to": self.to_state,
            "reason": self.reason,
            "client_address": self.client_address,
            "data": self.data,
            "prev": self.prev_hash,
        }
        canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False,
                               separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()
