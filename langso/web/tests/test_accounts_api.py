"""Accounts API: token (TOTP for staff), sign-up and verification by one-time code."""

import pytest
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from langso.core.models import OneTimeCode, Role, User
from langso.testing.accounts import last_sms_code, totp_code

TOKEN = "/api/v1/auth/token/"
SIGNUP = "/api/v1/auth/signup/"
VERIFY = "/api/v1/auth/signup/verify/"
PASSWORD = "Lua-chin-vang-2026"


@pytest.fixture(autouse=True)
def _fresh_throttle(db):
    # The anonymous-write throttle counts in the cache, which may outlive a test (Redis).
    cache.clear()
    yield
    cache.clear()


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


# --- Token ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", ["0912345678", "+84 912 345 678", "Lan@Example.vn"])
def test_a_citizen_gets_a_token_with_phone_or_email(client, citizen, username):
    citizen.email = "lan@example.vn"
    citizen.save(update_fields=["email"])

    response = post(client, TOKEN, {"username": username, "password": "pw-Secret-123"})

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=citizen).key
    me = client.get("/api/v1/notifications/", HTTP_AUTHORIZATION=f"Token "
                    f"{response.json()['token']}")
    assert me.status_code == 200


def test_a_wrong_password_gets_no_token(client, citizen):
    response = post(client, TOKEN, {"username": citizen.phone, "password": "nope-nope"})

    assert response.status_code == 400
    assert response.json()["error"]["message"] == \
        "Số điện thoại, thư điện tử hoặc mật khẩu không đúng."
    assert not Token.objects.exists()


@pytest.fixture
def officer(make_staff, commune):
    staff = make_staff(Role.ONE_STOP_OFFICER, commune)
    return staff, TOTPDevice.objects.create(user=staff, name="app", confirmed=True)


def test_staff_need_a_totp_code_for_a_token(client, officer):
    staff, device = officer

    without = post(client, TOKEN, {"username": staff.username, "password": "pw-Secret-123"})
    wrong = post(client, TOKEN, {"username": staff.username, "password": "pw-Secret-123",
                                 "otp": "abc"})
    right = post(client, TOKEN, {"username": staff.username, "password": "pw-Secret-123",
                                 "otp": totp_code(device.key)})

    assert without.status_code == 400 and without.json()["error"]["code"] == "otp_required"
    assert "mã xác thực" in without.json()["error"]["fields"]["otp"][0]
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "otp_invalid"
    assert right.status_code == 200 and right.json()["token"]


def test_staff_without_an_authenticator_get_no_token(client, make_staff, commune):
    staff = make_staff(Role.CLERK, commune)

    response = post(client, TOKEN, {"username": staff.username, "password": "pw-Secret-123",
                                    "otp": "123456"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "otp_setup_required"
    assert not Token.objects.exists()


def test_a_token_of_another_communes_staff_reaches_only_that_commune(client, make_staff,
                                                                     commune, other_commune):
    outsider = make_staff(Role.CHAIRMAN, other_commune)
    device = TOTPDevice.objects.create(user=outsider, name="app", confirmed=True)
    token = post(client, TOKEN, {"username": outsider.username, "password": "pw-Secret-123",
                                 "otp": totp_code(device.key)}).json()["token"]

    communes = client.get("/api/v1/me/communes/", HTTP_AUTHORIZATION=f"Token {token}").json()

    assert [c["id"] for c in communes["results"]] == [other_commune.pk]


@pytest.mark.parametrize("data", [{}, {"username": "x"}, {"password": "x"},
                                  {"username": "x" * 1000, "password": "y"},
                                  {"username": "a", "password": "p" * 10_000},
                                  {"username": ["a"], "password": {"b": 1}}])
def test_malformed_token_requests_are_refused_in_vietnamese(client, db, data):
    response = post(client, TOKEN, data)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == "Dữ liệu chưa hợp lệ, vui lòng kiểm tra lại."
    assert not Token.objects.exists()


# --- Sign-up ---------------------------------------------------------------------------------

def signup(**extra):
    data = {"full_name": "Nguyễn Văn Bình", "phone": "0912000111", "password": PASSWORD}
    data.update(extra)
    return data


def test_signup_then_verify_creates_the_account_and_returns_a_token(client, sms):
    started = post(client, SIGNUP, signup())
    assert started.status_code == 202
    body = started.json()
    assert body["channel"] == "sms" and "mã xác nhận" in body["message"]

    done = post(client, VERIFY, {"signup_id": body["signup_id"], "code": last_sms_code(sms)})

    assert done.status_code == 201
    user = User.objects.get(phone="0912000111")
    assert done.json()["token"] == Token.objects.get(user=user).key
    assert done.json()["account"] == {"kind": "citizen", "full_name": "Nguyễn Văn Bình",
                                      "phone": "0912000111", "email": ""}


def test_signup_with_a_taken_phone_answers_the_same_shape(client, sms, citizen):
    fresh = post(client, SIGNUP, signup()).json()
    taken = post(client, SIGNUP, signup(phone=citizen.phone)).json()

    assert fresh.keys() == taken.keys() and fresh["message"] == taken["message"]
    assert User.objects.count() == 1


def test_the_code_cannot_be_used_twice(client, sms):
    signup_id = post(client, SIGNUP, signup()).json()["signup_id"]
    code = last_sms_code(sms)
    post(client, VERIFY, {"signup_id": signup_id, "code": code})

    again = post(client, VERIFY, {"signup_id": signup_id, "code": code})

    assert again.status_code == 409 and again.json()["error"]["code"] == "code_used"
    assert User.objects.count() == 1


@pytest.mark.parametrize(("data", "field"), [
    (signup(phone=""), "phone"),
    (signup(email="lan@example.vn"), "phone"),
    (signup(phone="12"), "phone"),
    (signup(phone="", email="not-an-email"), "email"),
    (signup(password="123"), "password"),
    (signup(full_name="<img src=x onerror=alert(1)>"), "full_name"),
    (signup(full_name="x" * 100_000), "full_name"),
    (signup(kind="staff"), "kind"),
    (signup(date_of_birth="1990-13-45"), "date_of_birth"),
])
def test_bad_signups_are_refused_with_field_messages_and_nothing_written(client, sms, data,
                                                                         field):
    response = post(client, SIGNUP, data)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"], response.json()
    assert not OneTimeCode.objects.exists() and not User.objects.exists()
    assert sms.requests == []


def test_verify_with_bad_input_is_refused(client, sms):
    signup_id = post(client, SIGNUP, signup()).json()["signup_id"]

    for data in ({}, {"signup_id": "nope", "code": "123456"},
                 {"signup_id": signup_id, "code": "12"},
                 {"signup_id": signup_id, "code": "1" * 1000}):
        response = post(client, VERIFY, data)
        assert response.status_code == 400
    assert OneTimeCode.objects.get().attempts == 0 and not User.objects.exists()


def test_anonymous_signups_are_throttled(client, db, settings):
    statuses = [post(client, SIGNUP, {"phone": "12"}).status_code for _i in range(21)]

    assert statuses[:20] == [400] * 20 and statuses[20] == 429
    assert post(client, VERIFY, {}).status_code == 429
