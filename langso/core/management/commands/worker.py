"""Run background tasks and the periodic-task scheduler in one process.

With TASK_QUEUE=database this is django-tasks-db's worker loop; with TASK_QUEUE=rq an RQ
worker (with RQ's own scheduler for deferred retries). Either way a scheduler thread
enqueues registered periodic tasks. Ctrl-C or SIGTERM stops after the running task.
"""

import logging
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django.tasks.exceptions import InvalidTaskBackend
from django.utils.crypto import get_random_string

from langso.core import scheduler as sched

log = logging.getLogger("langso.worker")


def _positive_float(value: str) -> float:
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError(value)
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Chạy tác vụ nền và lịch tác vụ định kỳ / Run background tasks and periodic tasks"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--backend", default=DEFAULT_TASK_BACKEND_ALIAS,
                            help="TASKS alias to work for (default: %(default)s)")
        parser.add_argument("--queue-name", default="",
                            help="Comma-separated queues (default: every queue of the backend)")
        parser.add_argument("--interval", type=_positive_float, default=1.0,
                            help="Seconds to wait when the queue is empty (database backend)")
        parser.add_argument("--batch", action="store_true",
                            help="Tick the scheduler once, run what is ready, then exit")
        parser.add_argument("--max-tasks", type=_positive_int, default=None,
                            help="Exit after this many tasks")
        parser.add_argument("--worker-id", default="",
                            help="Unique id of this worker (default: random)")
        parser.add_argument("--no-scheduler", action="store_false", dest="scheduler",
                            help="Do not run the periodic-task scheduler in this worker")
        parser.add_argument("--scheduler-interval", type=_positive_float, default=30.0,
                            help="Seconds between scheduler ticks (default: %(default)s)")
        parser.add_argument("--no-startup-delay", action="store_false", dest="startup_delay")

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("django_tasks_db", "django.tasks", "django_tasks", "langso"):
            logging.getLogger(name).setLevel(
                logging.DEBUG if options["verbosity"] > 1 else logging.INFO)
        try:
            backend = task_backends[options["backend"]]
        except InvalidTaskBackend as exc:
            raise CommandError(str(exc)) from exc

        scheduler = None
        if options["scheduler"]:
            registry = sched.autodiscover()
            scheduler = sched.Scheduler(registry)
            log.info("Scheduler has %d periodic task(s): %s", len(registry),
                     ", ".join(sorted(registry)) or "-")
        worker_id = options["worker_id"] or get_random_string(32)
        queues = [q for q in options["queue_name"].split(",") if q] or sorted(backend.queues)

        if options["batch"]:
            if scheduler:
                scheduler.tick()
            self._work(backend, queues=queues, worker_id=worker_id,
                       options={**options, "threaded": False})
            return
        options = {**options, "threaded": scheduler is not None}
        sched.run_with_scheduler(
            lambda: self._work(backend, queues=queues, worker_id=worker_id, options=options),
            scheduler=scheduler, interval=options["scheduler_interval"])

    def _work(self, backend: Any, *, queues: list[str], worker_id: str,
              options: dict[str, Any]) -> None:
        from django_tasks_db.backend import DatabaseBackend

        if isinstance(backend, DatabaseBackend):
            self._work_database(backend, queues=queues, worker_id=worker_id, options=options)
            return
        from django_tasks_rq import RQBackend

        if isinstance(backend, RQBackend):
            self._work_rq(queues=queues, worker_id=worker_id, options=options)
            return
        raise CommandError(
            f"Backend {type(backend).__name__} has no worker: tasks run where they are "
            "enqueued. Set TASK_QUEUE=database or TASK_QUEUE=rq.")

    def _work_database(self, backend: Any, *, queues: list[str], worker_id: str,
                       options: dict[str, Any]) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(queue_names=queues, interval=options["interval"],
                        batch=options["batch"], backend_name=backend.alias,
                        startup_delay=options["startup_delay"] and not options["batch"],
                        max_tasks=options["max_tasks"], worker_id=worker_id[:64],
                        excluded_queue_names=[])
        worker.configure_signals()
        try:
            worker.run()
        except SystemExit as exc:
            # db_worker leaves by sys.exit() on a signal while idle; a clean stop is 0.
            if exc.code not in (0, None):
                raise
        finally:
            worker.reset_signals()

    def _work_rq(self, *, queues: list[str], worker_id: str, options: dict[str, Any]) -> None:
        import django_rq
        from django_rq.utils import reset_db_connections
        from django_tasks_rq import Job
        from rq.worker import SimpleWorker

        # Beside the scheduler thread, SimpleWorker runs each job in this process: forking a
        # multi-threaded process can deadlock the child on a lock another thread held.
        # Without the thread, RQ's usual fork-per-job worker (or settings.RQ WORKER_CLASS).
        worker = django_rq.get_worker(
            *queues, job_class=Job, name=options["worker_id"] or None,
            worker_class=SimpleWorker if options.get("threaded") else None)  # type: ignore[arg-type]
        reset_db_connections()
        # with_scheduler: RQ moves deferred jobs (run_after, retries) to the queue when due.
        worker.work(burst=options["batch"], with_scheduler=True,
                    max_jobs=options["max_tasks"], logging_level="INFO")
