"""Running the database task worker inside a test, and probe tasks for the retry tests.

``run_db_worker()`` runs django-tasks-db's own worker loop in this process until no task
is ready (bounded by ``max_tasks``); ``make_due()`` moves deferred tasks (retries with
``run_after``) to now, which is how a test lets time pass without sleeping. Use them with
``transactional_db``: the worker loop commits and recycles connections like in production.
"""

from datetime import timedelta
from typing import Any

from django.tasks import task
from django.utils import timezone

from langso.core.tasks_runtime import TransientError, retrying_task

# Probe state: calls made, transient failures still to raise per key, give-ups seen.
CALLS: list[str] = []
FAILURES_LEFT: dict[str, int] = {}
GAVE_UP: list[tuple[str, int, str]] = []


def reset_probes() -> None:
    CALLS.clear()
    FAILURES_LEFT.clear()
    GAVE_UP.clear()


def _probe_gave_up(key: str, *, error: BaseException, attempts: int) -> None:
    GAVE_UP.append((key, attempts, str(error)))


@retrying_task(max_attempts=3, base_delay=timedelta(seconds=30),
               max_delay=timedelta(minutes=10), on_give_up=_probe_gave_up)
def flaky_probe(key: str) -> str:
    """Fails transiently ``FAILURES_LEFT[key]`` times, then succeeds."""
    CALLS.append(key)
    if FAILURES_LEFT.get(key, 0) > 0:
        FAILURES_LEFT[key] -= 1
        raise TransientError(f"{key}: not yet")
    return f"done:{key}"


@task
def record_tick() -> str:
    """A plain task for scheduler tests."""
    CALLS.append("tick")
    return "tick"


def run_db_worker(*, max_tasks: int = 50, queues: tuple[str, ...] = ("*",),
                  backend: str = "default") -> int:
    """Run every ready task of the database backend now; return how many ran."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(queue_names=list(queues), interval=0, batch=True, backend_name=backend,
                    startup_delay=False, max_tasks=max_tasks, worker_id="test-worker",
                    excluded_queue_names=[])
    worker.run()
    return worker._run_tasks


def make_due(**filters: Any) -> int:
    """Let deferred tasks become ready: their ``run_after`` moves to now."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    return (DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now(), **filters)
            .exclude(run_after=get_date_max()).update(run_after=timezone.now()))
