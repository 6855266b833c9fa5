"""Readiness checks for /healthz: database, task queue and MQTT broker."""

import time
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.db import connection


def _timed(check):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        detail = check()
        ok = True
    except Exception as exc:  # any failure makes the component unhealthy
        detail, ok = f"{type(exc).__name__}: {exc}"[:200], False
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - start) * 1000, 1)}


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def check_task_queue() -> str:
    backend = settings.TASKS["default"]["BACKEND"]
    if backend.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(status="READY").count()
        return f"database, {pending} pending"
    if backend.startswith("django_tasks_rq"):
        import redis

        redis.Redis.from_url(settings.RQ_QUEUES["default"]["URL"], socket_timeout=2).ping()
        return "rq"
    return backend.rsplit(".", 1)[-1]


def check_mqtt() -> str:
    """Open a real MQTT session (CONNECT → CONNACK) to the configured broker."""
    import paho.mqtt.client as mqtt

    url = urlparse(settings.MQTT_URL)
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="", clean_session=True)
    client.connect_timeout = 3.0
    if url.username:
        client.username_pw_set(url.username, url.password)
    if url.scheme == "mqtts":
        client.tls_set()
    client.connect(url.hostname or "127.0.0.1", url.port or 1883, keepalive=5)
    try:
        deadline = time.monotonic() + 3
        while not client.is_connected() and time.monotonic() < deadline:
            client.loop(timeout=0.1)
        if not client.is_connected():
            raise ConnectionError("no CONNACK")
    finally:
        client.disconnect()
    return f"{url.hostname}:{url.port or 1883}"


def health_report() -> dict[str, Any]:
    components = {
        "database": _timed(check_database),
        "task_queue": _timed(check_task_queue),
        "mqtt": _timed(check_mqtt),
    }
    # Only the database makes this node useless; a broker or queue outage degrades it, and
    # a load balancer must not take every web node out because the loudspeakers' broker
    # is down. Monitoring reads "status" and the components.
    ok = all(c["ok"] for c in components.values())
    status = "ok" if ok else ("degraded" if components["database"]["ok"] else "down")
    return {"ok": ok, "status": status, "components": components}
