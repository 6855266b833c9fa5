"""An embedded MQTT broker (amqtt) for laptops without Mosquitto; production uses Mosquitto."""

import asyncio
import contextlib
import socket
import threading
from urllib.parse import urlparse

from django.conf import settings


def broker_address(url: str | None = None) -> tuple[str, int]:
    parsed = urlparse(url or settings.MQTT_URL)
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


def broker_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _config(host: str, port: int) -> dict:
    return {
        "listeners": {"default": {"type": "tcp", "bind": f"{host}:{port}"}},
        "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {
            "allow_anonymous": True}},
    }


async def serve_forever(host: str, port: int, stop: asyncio.Event | None = None) -> None:
    from amqtt.broker import Broker

    broker = Broker(_config(host, port))
    await broker.start()
    try:
        await (stop or asyncio.Event()).wait()
    finally:
        await broker.shutdown()


class EmbeddedBroker:
    """Runs the broker on its own event loop thread (used by tests and ``run_all``)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        if port == 0:
            with socket.socket() as s:
                s.bind((host, 0))
                port = s.getsockname()[1]
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="mqtt-broker", daemon=True)
        self._ready = threading.Event()

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._stop = asyncio.Event()
            self._loop.call_soon(self._ready.set)
            await serve_forever(self.host, self.port, self._stop)

        # stop() may halt the loop before amqtt's shutdown finishes; that is the intent.
        with contextlib.suppress(RuntimeError):
            self._loop.run_until_complete(main())

    def start(self) -> "EmbeddedBroker":
        self._thread.start()
        self._ready.wait(10)
        for _ in range(100):
            if broker_answers(self.host, self.port, timeout=0.2):
                return self
            threading.Event().wait(0.05)
        raise RuntimeError("Embedded MQTT broker did not start")

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(2)
        if self._thread.is_alive():
            # amqtt's shutdown can wait on a half-open client session; the port is what
            # matters to the caller, and the thread is a daemon.
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(2)
