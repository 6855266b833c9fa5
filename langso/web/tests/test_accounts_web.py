"""Account pages: sign-up and reset by code, staff TOTP at login, the 2FA gate."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from langso.core.errors import DomainError
from langso.core.models import Membership, OneTimeCode, Role, User
from langso.core.services import accounts
from langso.testing.accounts import last_sms_code, totp_code
from langso.testing.auth import login_verified

LOGIN = reverse("accounts:login")
STAFF_HOME = reverse("web:staff_home")
PASSWORD = "Lua-chin-vang-2026"


def signup_form(**extra: str) -> dict[str, str]:
    data = {"kind": "citizen", "full_name": "Nguyễn Văn Bình", "identifier": "0912000111",
            "password1": PASSWORD, "password2": PASSWORD, "citizen_id": "",
            "date_of_birth": ""}
    data.update(extra)
    return data


# --- Sign-up --------------------------------------------------------------------------------

def test_a_citizen_signs_up_by_phone_and_is_signed_in(client, sms):
    page = client.get(reverse("accounts:signup"))
    assert page.status_code == 200 and "Đăng ký tài khoản" in page.content.decode()

    sent = client.post(reverse("accounts:signup"), signup_form(identifier="091 200 0111"))
    assert sent.status_code == 302 and sent.url == reverse("accounts:signup_verify")
    code_page = client.get(sent.url).content.decode()
    assert "0912000111" in code_page and "5 phút" in code_page

    done = client.post(sent.url, {"code": last_sms_code(sms)})

    assert done.status_code == 302 and done.url == reverse("accounts:profile")
    user = User.objects.get(phone="0912000111")
    assert client.session["_auth_user_id"] == str(user.pk)
    profile = client.get(done.url).content.decode()
    assert "Nguyễn Văn Bình" in profile and "Đã tạo tài khoản" in profile


def test_a_business_signs_up_by_email(client, db, mailoutbox):
    client.post(reverse("accounts:signup"),
                signup_form(kind="business", full_name="Homestay Suối Mơ",
                            identifier="suoimo@example.vn"))
    from langso.testing.accounts import code_in

    client.post(reverse("accounts:signup_verify"), {"code": code_in(mailoutbox[-1].body)})

    assert User.objects.get(email="suoimo@example.vn").kind == User.Kind.BUSINESS


def test_signup_with_a_taken_phone_answers_exactly_like_a_new_one(sms, citizen):
    fresh, taken = Client(), Client()
    a = fresh.post(reverse("accounts:signup"), signup_form(identifier="0912000111"))
    b = taken.post(reverse("accounts:signup"), signup_form(identifier=citizen.phone))

    assert (a.status_code, a.url) == (b.status_code, b.url)
    page_a = fresh.get(a.url).content.decode().replace("0912000111", "X")
    page_b = taken.get(b.url).content.decode().replace(citizen.phone, "X")
    strip = [t for t in page_a.split("csrfmiddlewaretoken")[0].splitlines()
             if "csrf" not in t]
    assert strip == [t for t in page_b.split("csrfmiddlewaretoken")[0].splitlines()
                     if "csrf" not in t]
    wrong = taken.post(b.url, {"code": "123456"})
    assert wrong.status_code == 400 and "Mã xác nhận không đúng" in wrong.content.decode()
    assert User.objects.count() == 1


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    (signup_form(password2="khac-Mat-Khau-1"), "Hai mật khẩu không khớp."),
    (signup_form(identifier="0123"), "Số điện thoại không hợp lệ"),
    (signup_form(identifier="lan@@example"), "Thư điện tử không hợp lệ"),
    (signup_form(identifier="9" * 300), "254"),
    (signup_form(full_name="A" * 5000), "150"),
    (signup_form(password1="12345678", password2="12345678"), "không được chỉ gồm chữ số"),
    (signup_form(password1="x" * 500, password2="x" * 500), "128"),
    (signup_form(date_of_birth="31/02/1990", citizen_id="026090000001"), "ngày hợp lệ"),
    (signup_form(kind="staff"), "Hãy chọn một lựa chọn hợp lệ"),
])
def test_bad_signup_input_shows_a_vietnamese_message_and_writes_nothing(client, sms, data,
                                                                        message):
    response = client.post(reverse("accounts:signup"), data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not OneTimeCode.objects.exists() and not User.objects.exists()
    assert sms.requests == []


def test_markup_in_a_name_is_refused_and_shown_escaped(client, sms):
    response = client.post(reverse("accounts:signup"),
                           signup_form(full_name="<script>alert(1)</script>"))

    body = response.content.decode()
    assert response.status_code == 400 and "Tên chỉ gồm chữ" in body
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body
    assert not OneTimeCode.objects.exists()


def test_the_code_page_without_a_signup_sends_back_to_the_form(client, db):
    response = client.get(reverse("accounts:signup_verify"))

    assert response.status_code == 302 and response.url == reverse("accounts:signup")


def test_asking_again_too_soon_is_refused_with_the_wait(client, sms):
    client.post(reverse("accounts:signup"), signup_form())

    response = client.post(reverse("accounts:signup_verify"), {"resend": "1"}, follow=True)

    assert "Vui lòng đợi" in response.content.decode()
    assert len(sms.requests) == 1


def test_a_citizen_resets_a_forgotten_password(client, sms, citizen):
    sent = client.post(reverse("accounts:password_reset"), {"identifier": citizen.phone})
    assert sent.url == reverse("accounts:password_reset_verify")

    done = client.post(sent.url, {"code": last_sms_code(sms), "new_password1": PASSWORD,
                                  "new_password2": PASSWORD})

    assert done.status_code == 302 and done.url == LOGIN
    login = client.post(LOGIN, {"username": "+84912345678", "password": PASSWORD})
    assert login.status_code == 302 and client.session["_auth_user_id"] == str(citizen.pk)


def test_reset_with_a_wrong_code_keeps_the_old_password(client, sms, citizen):
    client.post(reverse("accounts:password_reset"), {"identifier": citizen.phone})
    wrong = f"{(int(last_sms_code(sms)) + 1) % 1_000_000:06d}"

    response = client.post(reverse("accounts:password_reset_verify"),
                           {"code": wrong, "new_password1": PASSWORD,
                            "new_password2": PASSWORD})

    assert response.status_code == 400 and "còn 4 lần thử" in response.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password("pw-Secret-123")


# --- Staff: TOTP at every login ---------------------------------------------------------------

def test_a_staff_member_first_sets_up_an_authenticator_then_reaches_the_staff_area(
        client, make_staff, commune):
    staff = make_staff(Role.CHAIRMAN, commune)

    step1 = client.post(LOGIN, {"username": staff.username, "password": "pw-Secret-123",
                                "next": STAFF_HOME})
    assert step1.status_code == 302 and step1.url == reverse("accounts:otp_setup")
    assert "_auth_user_id" not in client.session  # not signed in on the password alone
    page = client.get(step1.url).content.decode()
    assert "<svg" in page and "Thiết lập xác thực hai lớp" in page
    key = client.session["accounts.totp_key"]

    step2 = client.post(step1.url, {"otp": totp_code(key)})

    assert step2.status_code == 302 and step2.url == STAFF_HOME
    assert client.get(STAFF_HOME).status_code == 200
    assert TOTPDevice.objects.get(user=staff).confirmed


@pytest.fixture
def staff_with_app(make_staff, commune):
    staff = make_staff(Role.ONE_STOP_OFFICER, commune)
    device = TOTPDevice.objects.create(user=staff, name="app", confirmed=True)
    return staff, device


def test_a_staff_member_with_an_app_types_its_code_at_each_login(client, staff_with_app):
    staff, device = staff_with_app
    step1 = client.post(LOGIN, {"username": staff.username, "password": "pw-Secret-123"})
    assert step1.url == reverse("accounts:otp_verify")
    assert client.get(STAFF_HOME).status_code == 302  # still signed out

    wrong = client.post(step1.url, {"otp": "000000" if totp_code(device.key) != "000000"
                                    else "111111"})
    assert wrong.status_code == 400 and "Mã xác thực không đúng" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_timestamp = None  # let the next try through without waiting
    device.save(update_fields=["throttling_failure_timestamp"])
    right = client.post(step1.url, {"otp": totp_code(device.key)})

    assert right.status_code == 302
    assert client.get(STAFF_HOME).status_code == 200


def test_the_password_alone_cannot_attach_a_new_authenticator(client, staff_with_app):
    staff, _device = staff_with_app
    client.post(LOGIN, {"username": staff.username, "password": "pw-Secret-123"})

    response = client.get(reverse("accounts:otp_setup"))

    assert response.status_code == 302 and response.url.startswith(
        reverse("accounts:otp_verify"))
    assert TOTPDevice.objects.filter(user=staff).count() == 1


@pytest.mark.parametrize("otp", ["", "12", "abcdef", "1" * 5000, "<b>1</b>"])
def test_malformed_totp_codes_are_refused_in_vietnamese(client, staff_with_app, otp):
    staff, _device = staff_with_app
    client.post(LOGIN, {"username": staff.username, "password": "pw-Secret-123"})

    response = client.post(reverse("accounts:otp_verify"), {"otp": otp})

    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    body = response.content.decode()
    assert "Trường này là bắt buộc" in body or "6 chữ số" in body or "tối đa 12" in body


def test_the_totp_step_expires_with_the_pending_login(client, db):
    response = client.get(reverse("accounts:otp_verify"))

    assert response.status_code == 302 and response.url == LOGIN


def test_a_signed_in_staff_session_without_totp_is_sent_to_the_totp_step(client,
                                                                         staff_with_app):
    staff, _device = staff_with_app
    client.force_login(staff)

    response = client.get(STAFF_HOME)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:otp_verify"))
    assert "next=/can-bo/" in response.url


def test_the_staff_area_opens_without_totp_when_the_setting_is_off(client, staff_with_app,
                                                                   settings):
    settings.STAFF_REQUIRE_2FA = False
    staff, _device = staff_with_app

    client.post(LOGIN, {"username": staff.username, "password": "pw-Secret-123"})

    assert client.get(STAFF_HOME).status_code == 200


def test_the_api_treats_a_staff_session_without_totp_as_signed_out(client, staff_with_app):
    staff, _device = staff_with_app
    client.force_login(staff)

    assert client.get("/api/v1/me/communes/").status_code in (401, 403)
    login_verified(client, staff)
    assert client.get("/api/v1/me/communes/").status_code == 200


def test_citizens_sign_in_with_a_password_only(client, citizen):
    response = client.post(LOGIN, {"username": "0912 345 678", "password": "pw-Secret-123"})

    assert response.status_code == 302 and response.url == reverse("web:home")
    assert client.session["_auth_user_id"] == str(citizen.pk)


def test_citizens_cannot_open_the_authenticator_setup(client, citizen):
    client.force_login(citizen)

    assert client.get(reverse("accounts:otp_setup")).status_code == 404


def test_the_admin_signs_in_through_the_accounts_page(client, db):
    response = client.get("/quan-tri/", follow=False)
    login = client.get(response.url)

    assert login.status_code == 302
    assert login.url.startswith(LOGIN) and "next=%2Fquan-tri%2F" in login.url


def test_a_staff_member_of_another_commune_sees_only_their_own_commune(
        client, make_staff, commune, other_commune):
    outsider = make_staff(Role.CHAIRMAN, other_commune)
    login_verified(client, outsider)

    names = [c["name"] for c in client.get("/api/v1/me/communes/").json()["results"]]
    page = client.get(reverse("accounts:profile")).content.decode()

    assert names == [other_commune.name]
    assert commune.name not in page


def test_every_mistake_of_the_signup_form_shows_at_once(client, sms):
    response = client.post(reverse("accounts:signup"),
                           signup_form(identifier="0123", password1="12345678",
                                       password2="87654321", full_name="<b>x</b>"))

    body = response.content.decode()
    assert response.status_code == 400
    for message in ("Hai mật khẩu không khớp.", "Số điện thoại không hợp lệ",
                    "không được chỉ gồm chữ số", "Tên chỉ gồm chữ"):
        assert message in body
    assert not OneTimeCode.objects.exists() and sms.requests == []


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"identifier": "x" * 300}, "254"),
    ({"identifier": "<script>alert(1)</script>"}, "Số điện thoại không hợp lệ"),
    ({"identifier": "lan@"}, "Thư điện tử không hợp lệ"),
])
def test_bad_reset_requests_are_refused_and_send_nothing(client, sms, data, message):
    response = client.post(reverse("accounts:password_reset"), data)

    assert response.status_code == 400 and message in response.content.decode()
    assert "<script>alert(1)</script>" not in response.content.decode()
    assert not OneTimeCode.objects.exists() and sms.requests == []


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"code": "1" * 50, "new_password1": PASSWORD, "new_password2": PASSWORD}, "12"),
    ({"code": "123456", "new_password1": PASSWORD, "new_password2": "khac"},
     "Hai mật khẩu không khớp."),
    ({"code": "123456", "new_password1": "x" * 500, "new_password2": "x" * 500}, "128"),
    ({"code": "<b>1</b>", "new_password1": PASSWORD, "new_password2": PASSWORD},
     "Mã xác nhận gồm 6 chữ số."),
])
def test_bad_reset_confirmations_change_nothing(client, sms, citizen, data, message):
    client.post(reverse("accounts:password_reset"), {"identifier": citizen.phone})

    response = client.post(reverse("accounts:password_reset_verify"), data)

    assert response.status_code == 400 and message in response.content.decode()
    assert OneTimeCode.objects.get().attempts == 0
    citizen.refresh_from_db()
    assert citizen.check_password("pw-Secret-123")


# --- Sign-in by code (no password) ------------------------------------------------------------

def test_a_citizen_signs_in_with_a_code_sent_by_sms(client, sms, citizen):
    sent = client.post(reverse("accounts:code_login"), {"identifier": "+84 912 345 678"})
    assert sent.status_code == 302 and sent.url == reverse("accounts:code_login_verify")

    done = client.post(sent.url, {"code": last_sms_code(sms)})

    assert done.status_code == 302 and done.url == reverse("web:home")
    assert client.session["_auth_user_id"] == str(citizen.pk)


@pytest.mark.parametrize("who", ["staff", "nobody"])
def test_staff_and_unknown_addresses_get_no_login_code_but_the_same_page(client, sms,
                                                                         make_staff, commune,
                                                                         who):
    phone = "0977000222"
    if who == "staff":
        staff = make_staff(Role.CHAIRMAN, commune)
        staff.phone = phone
        staff.save(update_fields=["phone"])

    sent = client.post(reverse("accounts:code_login"), {"identifier": phone})
    wrong = client.post(sent.url, {"code": "123456"})

    assert sent.status_code == 302 and sent.url == reverse("accounts:code_login_verify")
    assert OneTimeCode.objects.get().code_hash == ""
    assert not any(ch.isdigit() for ch in sms.requests[-1].json["content"].split(phone)[-1])
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session


@pytest.mark.parametrize(("data", "message"), [
    ({}, "Trường này là bắt buộc."),
    ({"identifier": "9" * 400}, "254"),
    ({"identifier": "<img src=x>"}, "Số điện thoại không hợp lệ"),
])
def test_bad_code_login_requests_send_nothing(client, sms, data, message):
    response = client.post(reverse("accounts:code_login"), data)

    assert response.status_code == 400 and message in response.content.decode()
    assert not OneTimeCode.objects.exists() and sms.requests == []


def test_a_login_code_works_once(client, sms, citizen):
    client.post(reverse("accounts:code_login"), {"identifier": citizen.phone})
    code = last_sms_code(sms)
    client.post(reverse("accounts:code_login_verify"), {"code": code})
    client.logout()
    other = Client()
    other.post(reverse("accounts:code_login"), {"identifier": citizen.phone})  # too soon

    row = OneTimeCode.objects.get(purpose="login")
    with pytest.raises(DomainError) as error:
        accounts.login_code_verify(public_id=row.public_id, code=code)
    assert error.value.code == "code_used"


def test_a_code_sent_before_the_account_became_staff_does_not_sign_it_in(client, sms,
                                                                         citizen, commune):
    client.post(reverse("accounts:code_login"), {"identifier": citizen.phone})
    Membership.objects.create(user=citizen, role=Role.CLERK, commune=commune)

    response = client.post(reverse("accounts:code_login_verify"),
                           {"code": last_sms_code(sms)})

    assert response.status_code == 403
    assert "không đăng nhập được bằng mã" in response.content.decode()
    assert "_auth_user_id" not in client.session
