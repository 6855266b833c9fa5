"""Run the embedded MQTT broker on MQTT_URL's host and port until interrupted."""

import asyncio
import contextlib
from typing import Any

from django.core.management.base import BaseCommand

from langso.core.mqtt_broker import broker_address, serve_forever


class Command(BaseCommand):
    help = "Chạy MQTT broker nhúng (amqtt) cho máy phát triển không có Mosquitto."

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = broker_address()
        self.stdout.write(f"MQTT broker nhúng tại {host}:{port}")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(host, port))
