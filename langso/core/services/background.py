"""Housekeeping of background work: old task results and periodic-run rows."""

from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from langso.core.models import PeriodicRun


def background_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Delete finished task results past retention (successful 14 days, failed 30 by
    default) and periodic-run rows older than 30 days."""
    now = now or timezone.now()
    result = {"task_results_deleted": 0}
    if apps.is_installed("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        ok_days = int(getattr(settings, "TASK_RESULT_RETENTION_DAYS", 14))
        failed_days = int(getattr(settings, "TASK_FAILED_RETENTION_DAYS", 30))
        deleted, _detail = DBTaskResult.objects.filter(
            Q(status="SUCCESSFUL", finished_at__lt=now - timedelta(days=ok_days))
            | Q(status="FAILED", finished_at__lt=now - timedelta(days=failed_days))).delete()
        result["task_results_deleted"] = deleted
    deleted, _detail = PeriodicRun.objects.filter(slot__lt=now - timedelta(days=30)).delete()
    result["periodic_runs_deleted"] = deleted
    return result
