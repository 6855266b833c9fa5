"""Background work of field reports (found by the worker's scheduler autodiscovery).
Thin: each task takes ids, is idempotent and calls a service."""

from datetime import time, timedelta
from typing import Any

from django.conf import settings
from django.tasks import task

from langso.core.scheduler import periodic
from langso.core.tasks_runtime import retrying_task

# -- deadlines, digest, closing, messages to people without an account (deadline_services,
# notifications) --


@periodic(every=timedelta(minutes=30))
@task
def report_deadlines_sweep() -> dict[str, int]:
    """Every 30 minutes: tell the chairman of reports newly past their deadline (once per
    deadline), and close answered reports whose reopen window has passed."""
    from langso.reports import deadline_services

    return {**deadline_services.report_deadlines_sweep(),
            **deadline_services.report_close_sweep()}


@periodic(every=timedelta(days=1), at=time(7, 0))
@task
def report_daily_digest() -> dict[str, int]:
    """Working days at 07:00: the leaders' digest of open, late and answered reports."""
    from langso.reports import deadline_services

    return deadline_services.report_digest_sweep()


@periodic(every=timedelta(days=1), at=time(2, 45))
@task
def report_messages_prune() -> int:
    """Nightly: messages to people without an account past their retention."""
    from langso.reports import notifications

    return notifications.report_messages_prune()


def _message_give_up(message_id: int, *, error: BaseException, attempts: int) -> None:
    from langso.reports import notifications

    notifications.report_message_give_up(message_id=message_id, error=error,
                                         attempts=attempts)


@retrying_task(max_attempts=getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5),
               on_give_up=_message_give_up)
def report_message_send_task(message_id: int) -> Any:
    from langso.reports import notifications

    return notifications.report_message_send(message_id=message_id)


# -- category suggestion (classifier) ----------------------------------------------------------

@periodic(every=timedelta(days=7), at=timedelta(days=6, hours=1, minutes=30))
@task
def report_classifier_retrain() -> dict[str, int]:
    """Weekly, Sunday 01:30: retrain each commune's category suggester on its reports
    confirmed since (a commune whose examples did not change keeps its model)."""
    from langso.reports import classifier

    return classifier.train_all()


# -- photos and videos of a report (media) -----------------------------------------------------

def _media_give_up(media_id: int, *, error: BaseException, attempts: int) -> None:
    from langso.reports import media

    media.media_give_up(media_id, error=error)


@retrying_task(max_attempts=5, base_delay=timedelta(seconds=30),
               max_delay=timedelta(minutes=30), on_give_up=_media_give_up)
def report_media_process(media_id: int) -> str:
    """Re-encode a photo or video sent with a report without its metadata (and a video's
    still frame); the file as it arrived is then deleted. Idempotent."""
    from langso.reports import media

    return media.media_process(media_id=media_id)


@periodic(every=timedelta(hours=1))
@task
def report_media_sweep() -> int:
    """Hourly: files received with a report that was never sent, after 24 hours."""
    from langso.reports import media

    return media.media_sweep_unattached()
