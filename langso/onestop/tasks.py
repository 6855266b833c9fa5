"""Periodic work of the one-stop shop (found by the worker's scheduler autodiscovery)."""

from datetime import timedelta

from django.tasks import task

from langso.core.scheduler import periodic


@periodic(every=timedelta(minutes=30))
@task
def dossier_deadlines_sweep() -> dict[str, int]:
    """Every 30 minutes: warn handlers and leaders of dossiers due soon, escalate overdue
    ones (docs/one-stop.md, "Processing"). Idempotent, so a replayed slot sends nothing."""
    from langso.onestop.deadline_services import dossier_deadlines_sweep as sweep

    return sweep()
