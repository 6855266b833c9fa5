"""Brute force on the login: django-axes locks a (username, IP) pair after
AXES_FAILURE_LIMIT failures, logs it, and answers in Vietnamese."""

import logging

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

LOGIN = reverse("accounts:login")


def fail(client: Client, username: str, times: int, ip: str = "127.0.0.1") -> list[int]:
    return [client.post(LOGIN, {"username": username, "password": "wrong-password"},
                        REMOTE_ADDR=ip).status_code for _i in range(times)]


@pytest.fixture
def limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


def test_the_login_locks_after_the_failure_limit(client, citizen, limit, caplog):
    with caplog.at_level(logging.WARNING, logger="langso.accounts"):
        statuses = fail(client, citizen.phone, limit)

    assert statuses == [200] * (limit - 1) + [429]
    records = [r for r in caplog.records if getattr(r, "event", "") == "account.locked_out"]
    assert len(records) == 1
    record = records[0]
    assert record.username == "091****78" and record.failures == limit
    assert record.failure_limit == limit and record.client_address == "127.0.0.1"
    assert citizen.phone not in record.getMessage()


def test_the_right_password_is_refused_while_locked(client, citizen, limit):
    fail(client, citizen.phone, limit)

    response = client.post(LOGIN, {"username": citizen.phone, "password": "pw-Secret-123"})

    body = response.content.decode()
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in body and "thử lại sau 15 phút" in body
    assert "_auth_user_id" not in client.session


def test_the_same_number_typed_another_way_counts_towards_the_same_lock(client, citizen,
                                                                        limit):
    fail(client, "0912345678", limit - 1)

    assert fail(client, "+84 912 345 678", 1) == [429]
    assert AccessAttempt.objects.get().username == "0912345678"


def test_another_username_from_the_same_ip_is_not_locked(client, citizen, limit,
                                                         django_user_model):
    fail(client, "0987000111", limit)

    response = client.post(LOGIN, {"username": citizen.phone, "password": "pw-Secret-123"})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_the_same_username_from_another_ip_is_not_locked(citizen, limit):
    fail(Client(), citizen.phone, limit, ip="10.1.1.1")
    other = Client()

    response = other.post(LOGIN, {"username": citizen.phone, "password": "pw-Secret-123"},
                          REMOTE_ADDR="10.1.1.2")

    assert response.status_code == 302
    assert other.session["_auth_user_id"] == str(citizen.pk)


def test_a_success_before_the_limit_clears_the_failures(client, citizen, limit):
    fail(client, citizen.phone, limit - 1)
    client.post(LOGIN, {"username": citizen.phone, "password": "pw-Secret-123"})
    client.logout()

    assert fail(client, citizen.phone, limit - 1) == [200] * (limit - 1)


def test_the_api_token_endpoint_shares_the_lock_and_answers_json(client, citizen, limit):
    fail(client, citizen.phone, limit)

    response = client.post("/api/v1/auth/token/",
                           {"username": citizen.phone, "password": "pw-Secret-123"},
                           content_type="application/json")

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "locked_out"
    assert "tạm thời bị khóa" in response.json()["error"]["message"]
