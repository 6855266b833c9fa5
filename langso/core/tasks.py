"""Periodic housekeeping of the core app (found by the worker's scheduler autodiscovery)."""

from datetime import time, timedelta

from django.tasks import task

from langso.core.notifications import services as notification_services
from langso.core.scheduler import periodic
from langso.core.services.background import background_prune


@periodic(every=timedelta(days=1), at=time(2, 30))
@task
def prune_old_records() -> dict[str, int]:
    """Nightly: old task results, periodic-run rows, old notifications, stuck deliveries."""
    return {**background_prune(), **notification_services.notifications_prune()}


@periodic(every=timedelta(days=1), at=time(3, 0))
@task
def sweep_orphan_uploads() -> int:
    """Nightly: remove stored files whose record was rolled back (see docs/uploads.md)."""
    from langso.core.uploads.services import upload_sweep_orphans

    return len(upload_sweep_orphans())


@periodic(every=timedelta(hours=1))
@task
def purge_expired_codes() -> int:
    """Hourly: one-time codes a day past expiry (they hold phone numbers and sign-up data)."""
    from langso.core.services.accounts import code_purge_expired

    return code_purge_expired()
