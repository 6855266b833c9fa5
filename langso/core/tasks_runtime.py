"""Background-task helpers on top of ``django.tasks``: enqueue after commit, retry with backoff.

django-tasks-db runs a task once and records success or failure; it has no retries.
``retrying_task`` adds them: the task raises ``TransientError`` (or another exception listed
in ``retry_on``) and is enqueued again with ``run_after`` pushed back, up to
``max_attempts``; after the last attempt ``on_give_up`` runs and the task result is FAILED
with the error. Tasks must be idempotent: a retry may follow an attempt that did part of
the work (see ``langso.core.notifications.services.delivery_send``).
"""

import functools
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.tasks import Task, TaskContext, task
from django.utils import timezone

log = logging.getLogger(__name__)

ATTEMPT_KWARG = "_attempt"


class TransientError(Exception):
    """The work may succeed later (network down, provider busy): retry it."""


class GaveUp(Exception):
    """Raised by the last attempt of a retrying task so its result is recorded as FAILED."""


def backoff_delay(attempt: int, *, base: timedelta, cap: timedelta) -> timedelta:
    """Delay before attempt ``attempt + 1``: base, 2×base, 4×base, … never above ``cap``."""
    return min(cap, base * (2 ** max(0, attempt - 1)))


def enqueue(task_obj: Task, *args: Any, run_after: datetime | None = None,
            **kwargs: Any) -> Any:
    """Enqueue now, deferred to ``run_after`` where the backend can defer (the immediate
    backend used in development runs it at once)."""
    if run_after is not None and run_after > timezone.now() \
            and task_obj.get_backend().supports_defer:
        task_obj = task_obj.using(run_after=run_after)
    return task_obj.enqueue(*args, **kwargs)


def enqueue_on_commit(task_obj: Task, *args: Any, run_after: datetime | None = None,
                      **kwargs: Any) -> None:
    """Enqueue when the current transaction commits (at once outside a transaction).

    Nothing is dispatched for a transaction that rolls back, and the worker never sees an
    id whose row is not committed yet.
    """
    transaction.on_commit(lambda: enqueue(task_obj, *args, run_after=run_after, **kwargs),
                          robust=False)


def retrying_task(
    function: Callable[..., Any] | None = None,
    *,
    max_attempts: int = 5,
    base_delay: timedelta = timedelta(minutes=1),
    max_delay: timedelta = timedelta(hours=2),
    retry_on: tuple[type[BaseException], ...] = (TransientError,),
    on_give_up: Callable[..., Any] | None = None,
    **task_options: Any,
) -> Any:
    """``@task`` that re-enqueues itself with exponential backoff on a transient error.

    The attempt number travels in the ``_attempt`` keyword argument, so every attempt is its
    own task result (visible in the admin) and the task function never sees it.
    ``on_give_up(*args, error=exc, attempts=n, **kwargs)`` runs once, after the last attempt
    failed, before the final failure is recorded.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    if "takes_context" in task_options:
        raise TypeError("retrying_task passes the context itself")

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def runner(context: TaskContext, *args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT_KWARG, 1))
            try:
                return func(*args, **kwargs)
            except retry_on as exc:
                name = f"{func.__module__}.{func.__qualname__}"
                if attempt >= max_attempts:
                    log.error("Task %s gave up after %d attempts: %s", name, attempt, exc)
                    if on_give_up is not None:
                        on_give_up(*args, error=exc, attempts=attempt, **kwargs)
                    raise GaveUp(f"{name}: gave up after {attempt} attempts: {exc}") from exc
                delay = backoff_delay(attempt, base=base_delay, cap=max_delay)
                run_after = timezone.now() + delay
                # The running task carries the queue, priority and backend it was sent with.
                current = context.task_result.task
                result = enqueue(current, *args, run_after=run_after,
                                 **{ATTEMPT_KWARG: attempt + 1}, **kwargs)
                log.warning("Task %s attempt %d failed (%s); attempt %d at %s", name,
                            attempt, exc, attempt + 1, run_after.isoformat())
                return {"retry": attempt + 1, "run_after": run_after.isoformat(),
                        "result_id": str(result.id), "error": str(exc)[:500]}

        # The backend checks the first parameter is "context": show runner's own signature.
        del runner.__wrapped__  # type: ignore[attr-defined]
        return task(runner, takes_context=True, **task_options)

    if function is not None:
        return decorate(function)
    return decorate
