"""The working calendar's data: the government's swapped days and each commune's office hours.

Statutory holidays (Tết, Hùng Kings' day, 30/4, 1/5, 2/9, ...) come from the ``holidays``
package; only what it does not know is stored here (see docs/clock.md).
"""

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from langso.core.models.geography import Commune


class CalendarOverride(models.Model):
    """One day whose status differs from the statutory calendar.

    National rows (``commune`` empty) carry the government's yearly announcements (a Saturday
    worked to make up for a weekday off, an extra day off); a commune row applies to that
    commune only and wins over a national row of the same date.
    """

    class Kind(models.TextChoices):
        WORKING_DAY = "working_day", _("Ngày làm việc (làm bù)")
        DAY_OFF = "day_off", _("Ngày nghỉ")

    date = models.DateField(_("ngày"))
    kind = models.CharField(_("loại"), max_length=20, choices=Kind.choices)
    reason = models.CharField(_("lý do"), max_length=200,
                              help_text=_("Ví dụ: Nghỉ bù Quốc khánh."))
    legal_basis = models.CharField(_("căn cứ"), max_length=200, blank=True,
                                   help_text=_("Ví dụ: Thông báo 6150/TB-LĐTBXH."))
    commune = models.ForeignKey(Commune, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="calendar_overrides",
                                help_text=_("Để trống: áp dụng cho cả nước."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # National rows have no commune: ``access.scope`` never returns them, and only holders
    # of ``calendar.national`` may change them (see services/calendar.py).
    tenant_field = "commune"

    class Meta:
        ordering = ["date", "commune"]
        verbose_name = _("ngày nghỉ, ngày làm bù")
        verbose_name_plural = _("ngày nghỉ, ngày làm bù")
        constraints = [
            # NULLs are distinct in a plain unique index (and SQLite has no NULLS NOT
            # DISTINCT), so the national scope gets its own partial constraint.
            models.UniqueConstraint(fields=["date"], condition=Q(commune__isnull=True),
                                    name="calendar_override_unique_national_date"),
            models.UniqueConstraint(fields=["commune", "date"],
                                    condition=Q(commune__isnull=False),
                                    name="calendar_override_unique_commune_date"),
            models.CheckConstraint(condition=Q(kind__in=["working_day", "day_off"]),
                                   name="calendar_override_kind_valid"),
            models.CheckConstraint(condition=~Q(reason=""), name="calendar_override_has_reason"),
        ]
        indexes = [models.Index(fields=["date"], name="calendar_override_date_idx")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} – {self.get_kind_display()}: {self.reason}"

    @property
    def is_national(self) -> bool:
        return self.commune_id is None


class OfficeHours(models.Model):
    """When a commune's offices work; a commune without a row uses the defaults below.

    Defaults follow common practice at commune offices (7:30–11:30, 13:30–17:00, Monday to
    Friday; QĐ 188/1999/QĐ-TTg sets the 40-hour week) and the 15:00 cut-off of
    NĐ 118/2025/NĐ-CP for same-day procedures.
    """

    DEFAULT_MORNING_START = dt.time(7, 30)
    DEFAULT_MORNING_END = dt.time(11, 30)
    DEFAULT_AFTERNOON_START = dt.time(13, 30)
    DEFAULT_AFTERNOON_END = dt.time(17, 0)
    DEFAULT_CUTOFF = dt.time(15, 0)

    commune = models.OneToOneField(Commune, on_delete=models.PROTECT,
                                   related_name="office_hours")
    morning_start = models.TimeField(_("buổi sáng từ"), default=DEFAULT_MORNING_START)
    morning_end = models.TimeField(_("buổi sáng đến"), default=DEFAULT_MORNING_END)
    afternoon_start = models.TimeField(_("buổi chiều từ"), default=DEFAULT_AFTERNOON_START)
    afternoon_end = models.TimeField(_("buổi chiều đến"), default=DEFAULT_AFTERNOON_END)
    saturday_morning = models.BooleanField(
        _("tiếp nhận, trả kết quả sáng thứ Bảy"), default=False,
        help_text=_("Bộ phận một cửa mở cửa sáng thứ Bảy. Thời hạn vẫn chỉ tính ngày làm "
                    "việc: hồ sơ nhận sáng thứ Bảy được tính từ ngày làm việc tiếp theo."))
    cutoff = models.TimeField(
        _("giờ chốt nhận hồ sơ trong ngày"), default=DEFAULT_CUTOFF,
        help_text=_("Hồ sơ nhận sau giờ này được tính từ ngày làm việc tiếp theo."))
    updated_at = models.DateTimeField(auto_now=True)

    tenant_field = "commune"

    class Meta:
        verbose_name = _("giờ làm việc")
        verbose_name_plural = _("giờ làm việc")
        constraints = [
            models.CheckConstraint(
                condition=(Q(morning_start__lt=F("morning_end"))
                           & Q(morning_end__lte=F("afternoon_start"))
                           & Q(afternoon_start__lt=F("afternoon_end"))),
                name="office_hours_sessions_in_order"),
            models.CheckConstraint(
                condition=Q(cutoff__gt=F("morning_start")) & Q(cutoff__lte=F("afternoon_end")),
                name="office_hours_cutoff_inside_day"),
        ]

    def __str__(self) -> str:
        return (f"{self.morning_start:%H:%M}–{self.morning_end:%H:%M}, "
                f"{self.afternoon_start:%H:%M}–{self.afternoon_end:%H:%M}")

    @classmethod
    def default(cls, commune: Commune | None = None) -> "OfficeHours":
        """The hours of a commune that has not set its own (an unsaved row)."""
        return cls(commune=commune)

    @property
    def sessions(self) -> tuple[tuple[dt.time, dt.time], tuple[dt.time, dt.time]]:
        return ((self.morning_start, self.morning_end),
                (self.afternoon_start, self.afternoon_end))
