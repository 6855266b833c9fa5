"""Sign-up and password reset by one-time code, against a real local SMS gateway."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.authtoken.models import Token

from langso.core.errors import DomainError
from langso.core.models import HistoryEvent, OneTimeCode, User
from langso.core.services import accounts
from langso.testing.accounts import code_in, last_sms_code, sent_texts

PASSWORD = "Lua-chin-vang-2026"


def start(identifier: str = "0912000111", **extra: object) -> OneTimeCode:
    values: dict[str, object] = {"full_name": "Nguyễn Văn Bình", "identifier": identifier,
                                 "password": PASSWORD}
    values.update(extra)
    return accounts.signup_start(**values)  # type: ignore[arg-type]


# --- Sign-up by phone -------------------------------------------------------------------------

def test_signup_by_phone_sends_a_six_digit_code_and_stores_only_its_hmac(sms):
    row = start("+84 912 000 111", ip="10.0.0.1")

    code = last_sms_code(sms)
    assert sms.requests[0].json["to"] == ["84912000111"]
    assert row.address == "0912000111" and row.channel == "sms"
    assert row.purpose == OneTimeCode.Purpose.SIGNUP
    assert code not in row.code_hash and len(row.code_hash) == 64
    assert row.expires_at - row.created_at == timedelta(minutes=5)
    assert PASSWORD not in str(row.payload)
    assert not User.objects.filter(phone="0912000111").exists()


def test_right_code_creates_a_signed_up_citizen_with_a_verified_phone(sms):
    row = start()

    user = accounts.signup_verify(public_id=row.public_id, code=last_sms_code(sms))

    assert user.kind == User.Kind.CITIZEN and user.phone == "0912000111"
    assert user.phone_verified_at is not None and user.check_password(PASSWORD)
    assert not user.is_staff and not user.memberships.exists()
    row.refresh_from_db()
    assert row.used_at is not None and row.payload == {}
    event = HistoryEvent.objects.for_object(user).get()
    assert event.action == "account.signup" and "Bình" not in event.object_repr


def test_business_signs_up_by_email(db):
    row = start("Hop.Tac.Xa@Example.VN", kind=User.Kind.BUSINESS,
                full_name="Hợp tác xã Chè Tam Đảo")

    user = accounts.signup_verify(public_id=row.public_id, code=code_in(mail.outbox[-1].body))

    assert user.kind == User.Kind.BUSINESS
    assert user.email == "hop.tac.xa@example.vn" and user.email_verified_at is not None
    assert mail.outbox[-1].to == ["hop.tac.xa@example.vn"]


# --- Codes: single use, expiry, attempts, resend limits -------------------------------------

def test_a_code_works_only_once(sms):
    row = start()
    code = last_sms_code(sms)
    accounts.signup_verify(public_id=row.public_id, code=code)

    with pytest.raises(DomainError) as error:
        accounts.signup_verify(public_id=row.public_id, code=code)

    assert error.value.code == "code_used" and "đã được sử dụng" in error.value.message
    assert User.objects.filter(phone="0912000111").count() == 1


def test_an_expired_code_creates_nothing(sms):
    row = start()

    with pytest.raises(DomainError) as error:
        accounts.signup_verify(public_id=row.public_id, code=last_sms_code(sms),
                               now=timezone.now() + timedelta(minutes=5, seconds=1))

    assert error.value.code == "code_expired" and "hết hạn" in error.value.message
    assert not User.objects.filter(phone="0912000111").exists()


def test_five_wrong_codes_void_the_code_even_the_right_one_then(sms):
    row = start()
    right = last_sms_code(sms)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    messages = []
    for _i in range(5):
        with pytest.raises(DomainError) as error:
            accounts.signup_verify(public_id=row.public_id, code=wrong)
        messages.append(error.value.message)

    with pytest.raises(DomainError) as error:
        accounts.signup_verify(public_id=row.public_id, code=right)

    assert "còn 4 lần thử" in messages[0] and "còn 1 lần thử" in messages[3]
    assert "bị hủy" in messages[4] and error.value.code == "code_locked"
    row.refresh_from_db()
    assert row.attempts == 5 and row.invalidated_at is not None
    assert not User.objects.filter(phone="0912000111").exists()


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5x", "9" * 5000,
                                  "<script>1</script>"])
def test_malformed_codes_are_refused_without_counting_a_try(sms, code):
    row = start()

    with pytest.raises(DomainError) as error:
        accounts.signup_verify(public_id=row.public_id, code=code)

    assert error.value.field_errors["code"] == ["Mã xác nhận gồm 6 chữ số."]
    row.refresh_from_db()
    assert row.attempts == 0 and row.used_at is None


def test_unknown_or_garbled_signup_id_is_refused(db):
    for public_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", None):
        with pytest.raises(DomainError) as error:
            accounts.signup_verify(public_id=public_id, code="123456")
        assert error.value.code == "code_unknown"


def test_a_second_code_within_60_seconds_is_refused_and_not_sent(sms):
    now = timezone.now()
    row = start(now=now)

    with pytest.raises(accounts.TooManyRequests) as error:
        accounts.code_resend(public_id=row.public_id, purpose="signup",
                             now=now + timedelta(seconds=30))

    assert "đợi 31 giây" in error.value.message
    assert len(sms.requests) == 1 and OneTimeCode.objects.count() == 1


def test_resend_replaces_the_old_code(sms):
    now = timezone.now()
    first = start(now=now)
    old_code = last_sms_code(sms)

    second = accounts.code_resend(public_id=first.public_id, purpose="signup",
                                  now=now + timedelta(seconds=61))
    new_code = last_sms_code(sms)

    with pytest.raises(DomainError) as error:
        accounts.signup_verify(public_id=first.public_id, code=old_code,
                               now=now + timedelta(seconds=62))
    assert error.value.code == "code_replaced"
    user = accounts.signup_verify(public_id=second.public_id, code=new_code,
                                  now=now + timedelta(seconds=63))
    assert user.full_name == "Nguyễn Văn Bình" and user.check_password(PASSWORD)


def test_an_address_gets_at_most_five_codes_an_hour(sms):
    now = timezone.now()
    row = start(now=now)
    for minute in range(2, 10, 2):
        row = accounts.code_resend(public_id=row.public_id, purpose="signup",
                                   now=now + timedelta(minutes=minute))

    with pytest.raises(accounts.TooManyRequests) as error:
        accounts.code_resend(public_id=row.public_id, purpose="signup",
                             now=now + timedelta(minutes=12))

    assert error.value.code == "code_address_limit" and len(sms.requests) == 5


def test_one_network_gets_at_most_ten_codes_an_hour(sms):
    for number in range(10):
        start(f"09120001{number:02d}", ip="203.0.113.9")

    with pytest.raises(accounts.TooManyRequests) as error:
        start("0912000199", ip="203.0.113.9")
    start("0912000198", ip="203.0.113.10")  # another network is not affected

    assert error.value.code == "code_ip_limit"
    assert not OneTimeCode.objects.filter(address="0912000199").exists()


def test_when_the_sms_cannot_be_sent_the_code_is_void_and_the_user_told(sms):
    sms.answer(200, {"status": "error", "code": "007", "message": "IP locked"})

    with pytest.raises(accounts.DeliveryFailed) as error:
        start()

    assert "Chưa gửi được tin nhắn" in error.value.message
    row = OneTimeCode.objects.get()
    assert row.invalidated_at is not None
    assert not User.objects.exists()


# --- Duplicates reveal nothing --------------------------------------------------------------

def test_signup_with_a_taken_phone_looks_the_same_but_only_warns_the_owner(sms, citizen):
    row = start(citizen.phone)

    assert row.channel == "sms" and row.code_hash == "" and row.payload == {}
    text = sent_texts(sms)[-1]
    assert "da co tai khoan" in text and not any(c.isdigit() for c in text.split("0912345678")[-1])
    with pytest.raises(DomainError) as error:
        accounts.signup_verify(public_id=row.public_id, code="123456")
    assert error.value.code == "code_wrong"
    assert User.objects.count() == 1
    citizen.refresh_from_db()
    assert citizen.full_name == "Nguyễn Thị Lan" and citizen.check_password("pw-Secret-123")


def test_signup_with_a_taken_email_in_other_case_is_a_duplicate_too(db):
    User.objects.create_user(username="lan", email="lan@example.vn", password="x-Secret-123")

    row = start("LAN@Example.vn")

    assert row.code_hash == "" and "đã có tài khoản" in mail.outbox[-1].body
    assert User.objects.count() == 1


# --- Bad input: Vietnamese message, nothing written, nothing sent ---------------------------

BAD_INPUT = [
    ({"identifier": "12345"}, "identifier", "Số điện thoại không hợp lệ"),
    ({"identifier": "0112345678"}, "identifier", "Số điện thoại không hợp lệ"),
    ({"identifier": "lan@"}, "identifier", "Thư điện tử không hợp lệ"),
    ({"identifier": "a@b"}, "identifier", "Thư điện tử không hợp lệ"),
    ({"identifier": ""}, "identifier", "Vui lòng nhập số điện thoại"),
    ({"identifier": "x" * 10_000 + "@example.vn"}, "identifier", "quá dài"),
    ({"password": "12345678"}, "password", "không được chỉ gồm chữ số"),
    ({"password": "abc"}, "password", "quá ngắn"),
    ({"password": "password"}, "password", "quá phổ biến"),
    ({"password": "x" * 100_000}, "password", "không được dài quá 128"),
    ({"password": ""}, "password", "Vui lòng nhập mật khẩu"),
    ({"full_name": ""}, "full_name", "Vui lòng nhập họ và tên"),
    ({"full_name": "A" * 151}, "full_name", "không được dài quá 150"),
    ({"full_name": "<script>alert(1)</script>"}, "full_name", "Tên chỉ gồm chữ"),
    ({"full_name": "Lan\x00"}, "full_name", "Tên chỉ gồm chữ"),
    ({"kind": "staff"}, "kind", "công dân hoặc tổ chức"),
    ({"citizen_id": "123"}, "date_of_birth", "Nhập ngày sinh cùng"),
    ({"citizen_id": "12345", "date_of_birth": date(1990, 1, 1)}, "citizen_id", "12 chữ số"),
    ({"citizen_id": "026090000001", "date_of_birth": date(1985, 1, 1)}, "citizen_id",
     "không khớp với năm sinh"),
    ({"date_of_birth": date(1990, 1, 1)}, "citizen_id", "Nhập số định danh"),
    ({"date_of_birth": date(2999, 1, 1), "citizen_id": "026090000001"}, "date_of_birth",
     "Ngày sinh không hợp lệ"),
]


@pytest.mark.parametrize(("extra", "field", "message"), BAD_INPUT)
def test_bad_signup_input_is_refused_in_vietnamese_and_nothing_is_written(sms, extra, field,
                                                                          message):
    with pytest.raises(DomainError) as error:
        start(**extra)

    assert any(message in m for m in error.value.field_errors[field]), error.value.field_errors
    assert error.value.message == "Thông tin đăng ký chưa hợp lệ, vui lòng kiểm tra lại."
    assert not OneTimeCode.objects.exists() and not User.objects.exists()
    assert sms.requests == [] and mail.outbox == []


def test_password_too_similar_to_the_email_is_refused(db):
    with pytest.raises(DomainError) as error:
        start("binhnguyen2026@example.vn", password="binhnguyen2026")

    assert "quá giống" in error.value.field_errors["password"][0]


# --- Linking the resident -------------------------------------------------------------------

def test_matching_citizen_id_birth_date_and_name_links_the_resident(sms, commune,
                                                                    make_person):
    person = make_person(commune, "Nguyễn Văn Bình", citizen_id="026090000001",
                         date_of_birth=date(1990, 5, 1))
    row = start(citizen_id="026 090 000 001", date_of_birth=date(1990, 5, 1),
                full_name="nguyen van binh")

    user = accounts.signup_verify(public_id=row.public_id, code=last_sms_code(sms))

    person.refresh_from_db()
    assert person.user_id == user.pk
    assert HistoryEvent.objects.filter(action="person.link_account",
                                       object_id=str(person.pk)).exists()


@pytest.mark.parametrize("case", ["other_name", "other_birth_date", "inactive_commune",
                                  "already_linked"])
def test_the_resident_is_not_linked_unless_everything_matches(sms, commune, make_person,
                                                              citizen, case):
    person = make_person(commune, "Trần Văn Bình" if case == "other_name" else
                         "Nguyễn Văn Bình", citizen_id="026090000001",
                         date_of_birth=date(1990, 5, 2 if case == "other_birth_date" else 1))
    if case == "inactive_commune":
        commune.is_active = False
        commune.save(update_fields=["is_active"])
    if case == "already_linked":
        person.user = citizen
        person.save(update_fields=["user"])
    row = start(citizen_id="026090000001", date_of_birth=date(1990, 5, 1))

    user = accounts.signup_verify(public_id=row.public_id, code=last_sms_code(sms))

    person.refresh_from_db()
    assert person.user_id != user.pk
    assert person.user_id == (citizen.pk if case == "already_linked" else None)


# --- Password reset -------------------------------------------------------------------------

def test_password_reset_by_code_sets_the_new_password_and_revokes_api_tokens(sms, citizen):
    Token.objects.create(user=citizen)
    row = accounts.password_reset_start(identifier="+84912345678")

    accounts.password_reset_finish(public_id=row.public_id, code=last_sms_code(sms),
                                   new_password="Moi-Mat-Khau-2026")

    citizen.refresh_from_db()
    assert citizen.check_password("Moi-Mat-Khau-2026")
    assert not Token.objects.filter(user=citizen).exists()
    assert HistoryEvent.objects.filter(action="account.password_reset",
                                       object_id=str(citizen.pk)).exists()


def test_reset_for_an_address_without_account_looks_the_same_and_changes_nothing(sms, citizen):
    row = accounts.password_reset_start(identifier="0987654321")

    assert row.code_hash == "" and row.user is None
    assert "chua co tai khoan" in sent_texts(sms)[-1]
    with pytest.raises(DomainError) as error:
        accounts.password_reset_finish(public_id=row.public_id, code="123456",
                                       new_password="Moi-Mat-Khau-2026")
    assert error.value.code == "code_wrong"


def test_reset_with_a_weak_password_spends_no_try_and_keeps_the_old_password(sms, citizen):
    row = accounts.password_reset_start(identifier=citizen.phone)

    with pytest.raises(DomainError) as error:
        accounts.password_reset_finish(public_id=row.public_id, code=last_sms_code(sms),
                                       new_password="12345678")

    assert "Mật khẩu không được chỉ gồm chữ số." in error.value.field_errors["new_password"]
    row.refresh_from_db()
    assert row.attempts == 0 and row.used_at is None
    citizen.refresh_from_db()
    assert citizen.check_password("pw-Secret-123")


# --- OpenID Connect claims ------------------------------------------------------------------

def test_a_new_identity_becomes_a_citizen_whatever_its_claims_say(db):
    user = accounts.oidc_account_for_claims(claims={
        "sub": "vneid-001", "name": "Lê Thị Hoa", "email": "hoa@example.vn",
        "email_verified": True, "roles": ["chairman"], "is_staff": True, "kind": "staff"})

    assert user.kind == User.Kind.CITIZEN and user.username == "oidc-vneid-001"
    assert not user.is_staff and not user.is_superuser and not user.memberships.exists()
    assert not user.has_usable_password() and user.email == "hoa@example.vn"
    assert accounts.oidc_account_for_claims(claims={"sub": "vneid-001"}).pk == user.pk


def test_an_identity_with_a_staff_email_is_refused_and_nothing_changes(make_staff, commune):
    staff = make_staff("chairman", commune)
    staff.email = "chutich@example.vn"
    staff.save(update_fields=["email"])
    before = User.objects.count()

    with pytest.raises(DomainError) as error:
        accounts.oidc_account_for_claims(claims={"sub": "x1", "email": "ChuTich@example.vn",
                                                 "email_verified": True})

    assert error.value.code == "oidc_staff_refused" and User.objects.count() == before


def test_an_unverified_email_claim_matches_nobody(citizen):
    citizen.email = "lan@example.vn"
    citizen.save(update_fields=["email"])

    user = accounts.oidc_account_for_claims(claims={"sub": "x2", "email": "lan@example.vn",
                                                    "email_verified": False})

    assert user.pk != citizen.pk and user.email == ""


def test_login_identifier_key_counts_one_account_typed_two_ways():
    assert accounts.login_identifier_key(None, {"username": "+84 912 345 678"}) == "0912345678"
    assert accounts.login_identifier_key(None, {"username": "0912.345.678"}) == "0912345678"
    assert accounts.login_identifier_key(None, {"username": "Lan@Example.VN"}) == \
        "lan@example.vn"
    assert accounts.login_identifier_key(None, {"username": "chairman-1"}) == "chairman-1"
    assert accounts.login_identifier_key(None, {}) is None


def test_a_lost_phone_is_handled_by_removing_the_authenticator(make_staff, commune):
    from django.core.management import call_command
    from django_otp.plugins.otp_totp.models import TOTPDevice

    staff = make_staff("clerk", commune)
    TOTPDevice.objects.create(user=staff, name="app", confirmed=True)

    call_command("totp_reset", staff.username, reason="Mất điện thoại")

    assert not TOTPDevice.objects.filter(user=staff).exists()
    event = HistoryEvent.objects.for_object(staff).get()
    assert event.action == "account.totp_reset" and event.reason == "Mất điện thoại"
