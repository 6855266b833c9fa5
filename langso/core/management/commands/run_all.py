"""`make run`: web server, background worker and (if none answers) an embedded MQTT broker.

One terminal, Ctrl-C stops everything.
"""

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.core.management.base import BaseCommand

from langso.core.mqtt_broker import broker_address, broker_answers


class Command(BaseCommand):
    help = "Chạy máy chủ web, tiến trình nền và MQTT broker nhúng (khi cần) cùng lúc."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--addr", default=os.environ.get("LANGSO_ADDR", "127.0.0.1:8000"))

    def handle(self, *args: Any, addr: str, **options: Any) -> None:
        manage = [sys.executable, "manage.py"]
        commands = {"web": [*manage, "runserver", addr, "--noreload"],
                    "worker": [*manage, "worker"]}
        host, port = broker_address()
        if broker_answers(host, port):
            self.stdout.write(f"Dùng MQTT broker sẵn có tại {host}:{port}.")
        else:
            commands = {"mqtt": [*manage, "mqtt_broker"], **commands}
        processes: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name, command in commands.items():
                processes[name] = subprocess.Popen(command)  # noqa: S603 - our own manage.py
                time.sleep(0.5 if name == "mqtt" else 0)
            self.stdout.write(self.style.SUCCESS(
                f"Làng Số đang chạy tại http://{addr}/ — nhấn Ctrl-C để dừng."))
            while all(p.poll() is None for p in processes.values()):
                time.sleep(0.5)
            stopped = [n for n, p in processes.items() if p.poll() is not None]
            self.stderr.write(f"Tiến trình đã dừng: {', '.join(stopped)}; dừng tất cả.")
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes.values():
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
