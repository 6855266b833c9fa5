"""Periodic tasks: a small registry and a scheduler that runs inside the worker.

Register a task with ``periodic``::

    @periodic(every=timedelta(days=1), at=time(2, 30))   # daily at 02:30 local time
    @task
    def prune_old_things() -> None: ...

Time is cut into slots (``every`` long, starting ``at`` past local midnight). Each tick
the scheduler enqueues the slot that has begun, once: a ``PeriodicRun`` row with a unique
(name, slot) is inserted in the same transaction, so with several workers only the one
whose insert wins enqueues. Slots missed while no worker ran are not caught up; the next
tick runs the current one.
"""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, OperationalError, close_old_connections, transaction
from django.tasks import Task
from django.utils import timezone

from langso.core.models import PeriodicRun

log = logging.getLogger(__name__)

_EPOCH = datetime(2000, 1, 3)  # a Monday, so weekly slots start on Mondays


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Task
    every: timedelta
    at: timedelta = timedelta(0)

    def slot_for(self, now: datetime) -> datetime:
        """Start of the slot containing ``now``, as an aware UTC datetime."""
        tz = ZoneInfo(settings.TIME_ZONE)
        local = now.astimezone(tz).replace(tzinfo=None)
        count = (local - _EPOCH - self.at) // self.every
        start = _EPOCH + self.at + count * self.every
        return start.replace(tzinfo=tz).astimezone(UTC)


REGISTRY: dict[str, Periodic] = {}


def periodic(*, every: timedelta, at: time | timedelta | None = None,
             name: str | None = None) -> Callable[[Task], Task]:
    """Register a ``django.tasks`` task to be enqueued once per slot (see module doc)."""
    if every <= timedelta(0):
        raise ValueError("every must be positive")
    offset = at if isinstance(at, timedelta) else (
        timedelta(hours=at.hour, minutes=at.minute, seconds=at.second) if at else timedelta(0))
    if not timedelta(0) <= offset < every:
        raise ValueError("at must fall inside one period")

    def register(task_obj: Task) -> Task:
        if not isinstance(task_obj, Task):
            raise TypeError("@periodic goes above @task")
        key = name or task_obj.module_path
        REGISTRY[key] = Periodic(name=key, task=task_obj, every=every, at=offset)
        return task_obj

    return register


def autodiscover() -> dict[str, Periodic]:
    """Import every installed app's ``tasks`` module so their @periodic lines run."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
    return REGISTRY


class Scheduler:
    def __init__(self, registry: dict[str, Periodic] | None = None) -> None:
        self.registry = REGISTRY if registry is None else registry

    def tick(self, now: datetime | None = None) -> list[str]:
        """Enqueue every periodic task whose current slot has no run yet; return their names."""
        now = now or timezone.now()
        enqueued = []
        for entry in list(self.registry.values()):
            slot = entry.slot_for(now)
            try:
                if PeriodicRun.objects.filter(name=entry.name, slot=slot).exists():
                    continue
            except OperationalError as exc:  # SQLite busy: the next tick looks again
                log.warning("Scheduler could not read %s: %s", entry.name, exc)
                continue
            if self._claim(entry, slot, now):
                enqueued.append(entry.name)
        return enqueued

    def _claim(self, entry: Periodic, slot: datetime, now: datetime) -> bool:
        """Insert the (name, slot) row and enqueue in one transaction; False if another
        scheduler has the slot (or, on SQLite, holds the write lock: next tick retries)."""
        try:
            with transaction.atomic():
                run = PeriodicRun.objects.create(name=entry.name, slot=slot, enqueued_at=now)
                result = entry.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            return False
        except OperationalError as exc:
            log.warning("Scheduler could not record %s: %s", entry.name, exc)
            return False
        log.info("Enqueued periodic task %s for slot %s", entry.name, slot.isoformat())
        return True


class SchedulerThread(threading.Thread):
    """Runs ``Scheduler.tick`` every ``interval`` seconds until ``stop()``."""

    def __init__(self, scheduler: Scheduler, *, interval: float = 30.0) -> None:
        super().__init__(name="langso-scheduler", daemon=True)
        self.scheduler = scheduler
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        from django.db import connections

        try:
            while not self._stop_event.is_set():
                close_old_connections()
                try:
                    self.scheduler.tick()
                except Exception:
                    log.exception("Scheduler tick failed")
                self._stop_event.wait(self.interval)
        finally:
            connections.close_all()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop_event.set()
        if self.is_alive():
            self.join(timeout)


def run_with_scheduler(work: Callable[[], Any], *, scheduler: Scheduler | None,
                       interval: float) -> Any:
    """Run ``work`` (a worker loop) with the scheduler ticking beside it in a thread."""
    thread = SchedulerThread(scheduler, interval=interval) if scheduler else None
    if thread:
        thread.start()
    try:
        return work()
    finally:
        if thread:
            thread.stop()
