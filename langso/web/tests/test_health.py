"""/healthz reports the database, the task queue and a real MQTT session."""

import socket

from django.test import override_settings


def test_healthz_reports_every_component_up(client, db, mqtt_url):
    with override_settings(MQTT_URL=mqtt_url):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True and body["status"] == "ok"
    assert set(body["components"]) == {"database", "task_queue", "mqtt"}
    assert all(c["ok"] for c in body["components"].values())


def test_healthz_reports_degraded_but_stays_in_service_when_the_broker_is_down(client, db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    with override_settings(MQTT_URL=f"mqtt://127.0.0.1:{free_port}"):
        response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is False and body["status"] == "degraded"
    assert body["components"]["mqtt"]["ok"] is False
    assert body["components"]["database"]["ok"] is True


def test_healthz_is_503_when_the_database_is_down(client, db, monkeypatch):
    from langso.core import health

    def broken() -> str:
        raise ConnectionError("database unreachable")

    monkeypatch.setattr(health, "check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "down"


def test_healthz_against_the_embedded_broker(client, db):
    from langso.core.mqtt_broker import EmbeddedBroker

    broker = EmbeddedBroker().start()
    try:
        with override_settings(MQTT_URL=broker.url):
            body = client.get("/healthz").json()
    finally:
        broker.stop()
    assert body["components"]["mqtt"]["ok"] is True
