"""Bookkeeping of background work: which periodic slot has already been enqueued."""

from django.db import models
from django.utils import timezone


class PeriodicRun(models.Model):
    """One enqueued run of a periodic task for one time slot.

    The unique (name, slot) pair is what lets several workers run the scheduler at once:
    whoever inserts the row first enqueues the task, everybody else gets IntegrityError.
    """

    name = models.CharField(max_length=150)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(default=timezone.now)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-slot"]
        constraints = [
            models.UniqueConstraint(fields=["name", "slot"], name="periodic_run_once_per_slot"),
        ]

    def __str__(self) -> str:
        return f"{self.name} @ {self.slot:%Y-%m-%d %H:%M}"
