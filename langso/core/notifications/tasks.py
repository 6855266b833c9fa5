"""Background tasks of notifications: thin, take ids, safe to run twice."""

from typing import Any

from django.conf import settings

from langso.core.notifications import services
from langso.core.tasks_runtime import retrying_task


def _give_up(delivery_id: int, *, error: BaseException, attempts: int) -> None:
    services.delivery_give_up(delivery_id=delivery_id, error=error, attempts=attempts)


@retrying_task(max_attempts=getattr(settings, "NOTIFICATION_MAX_ATTEMPTS", 5),
               on_give_up=_give_up)
def delivery_send_task(delivery_id: int) -> Any:
    return services.delivery_send(delivery_id=delivery_id)
