"""Background work: tasks enqueued on commit, retries with backoff, the periodic scheduler,
the worker command, and the RQ backend against a real Redis."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from langso.core.models import PeriodicRun
from langso.core.scheduler import REGISTRY, Periodic, Scheduler, autodiscover, periodic
from langso.core.tasks_runtime import backoff_delay, enqueue_on_commit
from langso.testing import tasks as probes
from langso.testing.tasks import flaky_probe, make_due, record_tick, run_db_worker

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _clean_probes():
    probes.reset_probes()
    yield
    probes.reset_probes()


def results_of(task_obj) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task_obj.module_path)
                .order_by("enqueued_at"))


# --- enqueue on commit, database worker ---------------------------------------------------

def test_task_enqueued_on_commit_runs_in_the_database_worker(transactional_db):
    # Given a task enqueued inside a transaction
    with transaction.atomic():
        enqueue_on_commit(flaky_probe, "a")
        # Then nothing is queued before the commit
        assert DBTaskResult.objects.count() == 0
    assert [r.status for r in results_of(flaky_probe)] == ["READY"]

    # When the worker runs
    ran = run_db_worker()

    # Then the task ran once and its result is recorded
    assert ran == 1
    assert probes.CALLS == ["a"]
    [result] = results_of(flaky_probe)
    assert result.status == "SUCCESSFUL"
    assert result.return_value == "done:a"


def test_a_rolled_back_transaction_enqueues_nothing(transactional_db):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(flaky_probe, "never")
        raise RuntimeError("boom")

    assert DBTaskResult.objects.count() == 0
    assert run_db_worker() == 0
    assert probes.CALLS == []


def test_backoff_doubles_and_stops_at_the_cap():
    base, cap = timedelta(seconds=30), timedelta(minutes=3)
    assert [backoff_delay(n, base=base, cap=cap) for n in (1, 2, 3, 4, 5)] == [
        timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120),
        timedelta(minutes=3), timedelta(minutes=3)]


def test_a_transient_failure_is_retried_later_with_backoff(transactional_db):
    # Given a task that fails transiently once
    probes.FAILURES_LEFT["b"] = 1
    flaky_probe.enqueue("b")

    # When the worker runs it
    before = timezone.now()
    run_db_worker()
    after = timezone.now()

    # Then the first attempt is recorded and a second one is deferred by the base delay
    first, second = results_of(flaky_probe)
    assert first.status == "SUCCESSFUL"
    assert first.return_value["retry"] == 2
    assert second.status == "READY"
    assert second.args_kwargs == {"args": ["b"], "kwargs": {"_attempt": 2}}
    assert before + timedelta(seconds=30) <= second.run_after <= after + timedelta(seconds=30)

    # And it does not run before it is due
    assert run_db_worker() == 0
    assert probes.CALLS == ["b"]

    # When the time has come
    assert make_due() == 1
    run_db_worker()

    # Then the retry succeeds
    assert probes.CALLS == ["b", "b"]
    second.refresh_from_db()
    assert second.status == "SUCCESSFUL"
    assert second.return_value == "done:b"
    assert probes.GAVE_UP == []


def test_a_task_gives_up_after_the_last_attempt_and_records_the_failure(transactional_db):
    # Given a task that keeps failing transiently (max_attempts=3)
    probes.FAILURES_LEFT["c"] = 99
    flaky_probe.enqueue("c")

    # When every retry becomes due and runs
    for _ in range(5):
        run_db_worker()
        make_due()

    # Then it ran exactly three times, the give-up hook ran once, and the last result failed
    assert probes.CALLS == ["c", "c", "c"]
    assert probes.GAVE_UP == [("c", 3, "c: not yet")]
    results = results_of(flaky_probe)
    assert [r.status for r in results] == ["SUCCESSFUL", "SUCCESSFUL", "FAILED"]
    assert results[-1].exception_class_path == "langso.core.tasks_runtime.GaveUp"
    assert "gave up after 3 attempts" in results[-1].traceback
    assert "c: not yet" in results[-1].traceback
    assert not DBTaskResult.objects.filter(status="READY").exists()


# --- scheduler -----------------------------------------------------------------------------

def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


def test_daily_slots_start_at_the_given_local_time():
    entry = Periodic(name="x", task=record_tick, every=timedelta(days=1),
                     at=timedelta(hours=2, minutes=30))
    assert entry.slot_for(local(2026, 3, 5, 10, 0)) == local(2026, 3, 5, 2, 30)
    assert entry.slot_for(local(2026, 3, 5, 2, 30)) == local(2026, 3, 5, 2, 30)
    assert entry.slot_for(local(2026, 3, 5, 1, 0)) == local(2026, 3, 4, 2, 30)
    assert entry.slot_for(local(2026, 3, 5, 1, 0)).tzinfo == UTC


def test_periodic_refuses_an_offset_outside_the_period():
    with pytest.raises(ValueError):
        periodic(every=timedelta(hours=1), at=time(2, 0))
    with pytest.raises(ValueError):
        periodic(every=timedelta(0))


@pytest.fixture
def tick_registry() -> dict[str, Periodic]:
    return {"tick": Periodic(name="tick", task=record_tick, every=timedelta(minutes=15))}


def test_the_scheduler_enqueues_one_run_per_slot(db, tick_registry):
    scheduler = Scheduler(tick_registry)
    now = local(2026, 3, 5, 10, 7)

    assert scheduler.tick(now) == ["tick"]
    assert scheduler.tick(now + timedelta(minutes=5)) == []  # same slot 10:00–10:15
    assert scheduler.tick(now + timedelta(minutes=8)) == ["tick"]  # slot 10:15

    assert list(PeriodicRun.objects.order_by("slot").values_list("slot", flat=True)) == [
        local(2026, 3, 5, 10, 0), local(2026, 3, 5, 10, 15)]
    assert len(results_of(record_tick)) == 2


def test_a_scheduler_that_lost_the_slot_enqueues_nothing(db, tick_registry):
    # Given scheduler A has taken the slot after B decided the slot was free
    now = local(2026, 3, 5, 10, 7)
    entry = tick_registry["tick"]
    a, b = Scheduler(tick_registry), Scheduler(tick_registry)
    assert a.tick(now) == ["tick"]

    # When B goes on to claim it
    claimed = b._claim(entry, entry.slot_for(now), now)

    # Then the unique (name, slot) refuses it and no second task is enqueued
    assert claimed is False
    assert PeriodicRun.objects.count() == 1
    assert len(results_of(record_tick)) == 1


def test_two_schedulers_racing_enqueue_each_slot_once(transactional_db, tick_registry):
    now = local(2026, 3, 5, 10, 7)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            Scheduler(tick_registry).tick(now)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    # A scheduler that found the database busy tries again on its next tick.
    Scheduler(tick_registry).tick(now)
    Scheduler(tick_registry).tick(now)

    assert errors == []
    assert PeriodicRun.objects.filter(name="tick").count() == 1
    assert len(results_of(record_tick)) == 1


def test_autodiscovery_registers_the_nightly_prune():
    registry = autodiscover()
    entry = registry["langso.core.tasks.prune_old_records"]
    assert entry.every == timedelta(days=1)
    assert entry.at == timedelta(hours=2, minutes=30)
    assert REGISTRY is registry


# --- the worker command ---------------------------------------------------------------------

def test_worker_command_in_batch_mode_runs_ready_and_periodic_tasks(transactional_db):
    # Given a queued task and no periodic run yet
    flaky_probe.enqueue("w")

    # When the worker runs once through
    call_command("worker", "--batch", verbosity=0)

    # Then the queued task ran, and the nightly prune was enqueued for its slot and ran
    assert probes.CALLS == ["w"]
    run = PeriodicRun.objects.get(name="langso.core.tasks.prune_old_records")
    prune = DBTaskResult.objects.get(pk=run.task_result_id)
    assert prune.status == "SUCCESSFUL"
    assert set(prune.return_value) >= {"task_results_deleted", "notifications_deleted"}

    # And running again in the same slot does not enqueue the prune twice
    call_command("worker", "--batch", verbosity=0)
    assert PeriodicRun.objects.filter(name="langso.core.tasks.prune_old_records").count() == 1


def test_worker_command_refuses_a_backend_without_a_worker(settings):
    from django.core.management.base import CommandError

    settings.TASKS = {"default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with pytest.raises(CommandError, match="no worker"):
        call_command("worker", "--batch", "--no-scheduler", verbosity=0)


@pytest.mark.slow
def test_worker_stops_cleanly_on_sigterm(tmp_path):
    # Given a migrated database file and a running worker with its scheduler
    env = {**os.environ, "LANGSO_DEBUG": "1", "TASK_QUEUE": "database",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "LOG_FORMAT": "plain",
           "PYTHONUNBUFFERED": "1"}
    env.pop("LANGSO_TESTING", None)
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    worker = subprocess.Popen(
        [*manage, "worker", "--interval", "0.2", "--scheduler-interval", "0.2",
         "--no-startup-delay"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        seen = []
        for line in worker.stdout:  # type: ignore[union-attr]
            seen.append(line)
            if "Enqueued periodic task" in line:
                break
        # When it is told to stop
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    # Then it exits with 0, having enqueued each periodic task once
    assert worker.returncode == 0, "".join(seen) + output
    with sqlite3.connect(tmp_path / "db.sqlite3") as db:
        total, distinct = db.execute(
            "select count(*), count(distinct name) from core_periodicrun").fetchone()
        assert total >= 1 and total == distinct


# --- RQ -----------------------------------------------------------------------------------------

def redis_url() -> str:
    """Redis of REDIS_URL, but database 14 of its own: tests in the other worker clear the
    cache's database (FLUSHDB), which would take this test's jobs with it."""
    from urllib.parse import urlsplit, urlunsplit

    base = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(base._replace(path="/14"))


def redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def rq_backend(settings):
    """TASKS switched to django-tasks-rq on a queue of its own in the real Redis."""
    if not redis_answers():
        pytest.skip(f"Redis is not reachable at {redis_url()}: the RQ backend is not tested")
    import django_rq

    queue = f"langso-test-{uuid.uuid4().hex[:8]}"
    # django-tasks-rq fetches results through the "default" connection.
    settings.RQ_QUEUES = {"default": {"URL": redis_url()}, queue: {"URL": redis_url()}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [queue]}}
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield queue
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        q = django_rq.get_queue(queue)
        conn = q.connection
        for key in conn.scan_iter(f"*{queue}*"):
            conn.delete(key)


def run_rq_worker(queue: str) -> None:
    import django_rq
    from django_tasks_rq import Job
    from rq.worker import SimpleWorker

    # django-rq annotates rq.Worker, but any BaseWorker subclass such as SimpleWorker works.
    worker = django_rq.get_worker(queue, job_class=Job,
                                  worker_class=SimpleWorker)  # type: ignore[arg-type]
    worker.work(burst=True, with_scheduler=True)


def test_rq_backend_runs_a_django_task_and_retries_it(db, rq_backend):
    import django_rq
    from django_tasks_rq import RQBackend
    from rq.registry import ScheduledJobRegistry

    assert type(flaky_probe.using(queue_name=rq_backend).get_backend()) is RQBackend

    # Given a task that fails transiently once, enqueued to Redis
    probes.FAILURES_LEFT["r"] = 1
    first = flaky_probe.using(queue_name=rq_backend).enqueue("r")

    # When an RQ worker runs it
    run_rq_worker(rq_backend)

    # Then the first attempt scheduled a retry on the same queue, deferred in RQ
    first.refresh()
    assert first.status == "SUCCESSFUL"
    assert first.return_value["retry"] == 2
    queue = django_rq.get_queue(rq_backend)
    scheduled = ScheduledJobRegistry(queue=queue)
    [retry_id] = scheduled.get_job_ids()
    assert retry_id == first.return_value["result_id"]
    assert probes.CALLS == ["r"]

    # When the retry becomes due
    queue.connection.zadd(scheduled.key, {retry_id: datetime.now(UTC).timestamp() - 1})
    run_rq_worker(rq_backend)

    # Then it ran and succeeded
    assert probes.CALLS == ["r", "r"]
    retry = flaky_probe.get_result(retry_id)
    assert retry.status == "SUCCESSFUL"
    assert retry.return_value == "done:r"


def test_connection_is_usable_after_worker_tests(db):
    # The worker loops above recycle connections; the suite goes on with a working one.
    with connection.cursor() as cursor:
        cursor.execute("select 1")
        assert cursor.fetchone() == (1,)


def test_worker_command_runs_the_rq_worker_when_the_backend_is_rq(db, rq_backend):
    # Given a task waiting in Redis
    result = flaky_probe.using(queue_name=rq_backend).enqueue("q")

    # When the worker command runs through once
    call_command("worker", "--batch", "--no-scheduler", verbosity=0)

    # Then RQ ran it (in a forked work horse: the result is read back from Redis)
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == "done:q"
