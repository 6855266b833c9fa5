"""Accounts: sign-up and password reset by one-time code, staff TOTP, API tokens, OIDC.

Every write to an account goes through here. Codes are six digits from ``secrets``,
stored as an HMAC, single use, short-lived, invalidated after a few wrong tries and
rate-limited per address and per requesting IP. Whether an address already has an
account is never revealed before the requester proves they receive its messages.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from langso.core import access
from langso.core.errors import Conflict, DomainError, PermissionDenied
from langso.core.history import history_record
from langso.core.models import OneTimeCode, Person, User
from langso.core.text import fold, normalize_spaces
from langso.core.validators import normalize_phone, validate_citizen_id

log = logging.getLogger(__name__)

CODE_DIGITS = 6
MAX_PASSWORD_LENGTH = 128
MAX_NAME_LENGTH = 150
MAX_EMAIL_LENGTH = 254
# Names are shown on pages and in messages; markup characters never belong in one.
_NAME_FORBIDDEN = set("<>{}[]|\\/\"`$%^*=;\0")


class TooManyRequests(DomainError):
    status = 429
    code = "throttled"


class DeliveryFailed(DomainError):
    status = 503
    code = "delivery_failed"


# --- Settings ---------------------------------------------------------------------------

def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def code_ttl() -> timedelta:
    return timedelta(seconds=_setting("ACCOUNT_CODE_TTL_SECONDS", 300))


def max_attempts() -> int:
    return _setting("ACCOUNT_CODE_MAX_ATTEMPTS", 5)


# --- Addresses --------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    channel: str  # OneTimeCode.Channel value
    value: str  # 0xxxxxxxxx or a lower-case e-mail address


def address_parse(raw: str, *, field: str = "identifier") -> Address:
    """A phone number or an e-mail address typed by a person, normalised."""
    text = (raw or "").strip()
    if not text:
        raise DomainError(_("Vui lòng nhập số điện thoại hoặc thư điện tử."),
                          field_errors={field: [_("Vui lòng nhập số điện thoại hoặc thư "
                                                  "điện tử.")]})
    if len(text) > MAX_EMAIL_LENGTH:
        message = _("Số điện thoại hoặc thư điện tử quá dài.")
        raise DomainError(message, field_errors={field: [message]})
    if "@" in text:
        email = text.lower()
        try:
            validate_email(email)
        except ValidationError:
            message = _("Thư điện tử không hợp lệ. Ví dụ đúng: ten@example.com.")
            raise DomainError(message, field_errors={field: [message]}) from None
        return Address(OneTimeCode.Channel.EMAIL, email)
    try:
        phone = normalize_phone(text)
    except ValidationError as exc:
        message = exc.messages[0]
        raise DomainError(message, field_errors={field: [message]}) from None
    return Address(OneTimeCode.Channel.SMS, phone)


def _accounts_at(address: Address) -> Any:
    if address.channel == OneTimeCode.Channel.SMS:
        return User.objects.filter(Q(phone=address.value) | Q(username=address.value))
    return User.objects.filter(email__iexact=address.value)


def login_identifier_key(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """django-axes' username: the same account typed two ways counts as one."""
    raw = (credentials or {}).get("username")
    if raw is None and request is not None and not credentials:
        raw = getattr(request, "POST", {}).get("username")
    if not raw:
        return None
    text = str(raw).strip()[:MAX_EMAIL_LENGTH]
    if "@" in text:
        return text.lower()
    try:
        return normalize_phone(text)
    except ValidationError:
        return text


# --- Second factor ----------------------------------------------------------------------

def is_staff_account(user: Any) -> bool:
    """Accounts whose login must be strong: roles, staff kind, admin access."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.is_staff or user.kind == User.Kind.STAFF
                or access.is_staff_user(user))


def requires_second_factor(user: Any) -> bool:
    return bool(getattr(settings, "STAFF_REQUIRE_2FA", True)) and is_staff_account(user)


def session_needs_second_factor(request: HttpRequest) -> bool:
    """True for a signed-in staff session that has not passed its TOTP check."""
    user = getattr(request, "user", None)
    if user is None or not requires_second_factor(user):
        return False
    is_verified = getattr(user, "is_verified", None)
    return not (callable(is_verified) and is_verified())


def totp_devices(user: User) -> Any:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True)


def totp_new_key() -> str:
    """20 random bytes, hex: the secret shown once as a QR code while enrolling."""
    return secrets.token_hex(20)


def totp_config_url(*, user: User, key: str) -> str:
    return TOTPDevice(user=user, key=key, name="-").config_url


def totp_qr_svg(url: str) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image file, no JavaScript)."""
    import segno

    return str(segno.make(url, error="m").svg_inline(scale=5, border=2,
                                                    title="otpauth QR"))


def totp_secret_for_humans(key: str) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    secret = b32encode(bytes.fromhex(key)).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean_totp_token(token: str) -> int:
    text = re.sub(r"\s", "", str(token or ""))
    if not re.fullmatch(r"[0-9]{6}", text):
        message = _("Mã xác thực gồm 6 chữ số, lấy từ ứng dụng xác thực trên điện thoại.")
        raise DomainError(message, field_errors={"otp": [message]}, code="otp_invalid")
    return int(text)


@transaction.atomic
def totp_enroll(*, user: User, key: str, token: str, now: datetime | None = None
                ) -> TOTPDevice:
    """Confirm a new authenticator app with a code it shows; it replaces any older one."""
    value = _clean_totp_token(token)
    if not re.fullmatch(r"[0-9a-f]{40}", key or ""):
        raise DomainError(_("Phiên thiết lập đã hết hạn, vui lòng tải lại trang."))
    totp = TOTP(bytes.fromhex(key), step=30, t0=0, digits=6, drift=0)
    totp.time = (now or timezone.now()).timestamp()
    if not totp.verify(value, tolerance=1):
        message = _("Mã xác thực không đúng. Kiểm tra giờ trên điện thoại và nhập mã đang "
                    "hiển thị.")
        raise DomainError(message, field_errors={"otp": [message]}, code="otp_invalid")
    replaced = list(TOTPDevice.objects.filter(user=user).values_list("pk", flat=True))
    TOTPDevice.objects.filter(pk__in=replaced).delete()
    device = TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), key=key,
                                       confirmed=True, last_t=totp.t())
    history_record(obj=user, action="account.totp_enroll", actor=user,
                   to_state="totp", data={"replaced": len(replaced)})
    return device


@transaction.atomic
def totp_reset(*, user: User, actor: Any = None, reason: str = "") -> int:
    """Remove the account's authenticators (lost phone); it enrols again at next login."""
    count, _by_model = TOTPDevice.objects.filter(user=user).delete()
    if count:
        history_record(obj=user, action="account.totp_reset", actor=actor,
                       from_state="totp", reason=reason)
    return count


def totp_verify(*, user: User, token: str) -> TOTPDevice:
    """Check a code from the user's authenticator; wrong codes slow further tries down.

    Not atomic on purpose: the device's failure counter must be saved even when the
    check fails and we raise.
    """
    value = _clean_totp_token(token)
    devices = list(totp_devices(user))
    if not devices:
        raise PermissionDenied(_("Tài khoản cán bộ cần thiết lập ứng dụng xác thực trước."),
                               code="otp_setup_required")
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if not allowed:
            wait = ""
            if info and info.get("locked_until"):
                seconds = max(1, int((info["locked_until"] - timezone.now()).total_seconds()))
                wait = _(" Vui lòng đợi %(seconds)s giây.") % {"seconds": seconds}
            raise TooManyRequests(_("Bạn đã nhập sai mã xác thực nhiều lần.") + wait,
                                  code="otp_throttled")
        if device.verify_token(value):
            return device
    message = _("Mã xác thực không đúng hoặc đã được dùng. Nhập mã mới đang hiển thị trong "
                "ứng dụng.")
    log.warning("account.totp_failed", extra={"event": "account.totp_failed",
                                              "user_id": user.pk})
    raise DomainError(message, field_errors={"otp": [message]}, code="otp_invalid")


# --- One-time codes ---------------------------------------------------------------------

def _code_hash(public_id: Any, code: str) -> str:
    return salted_hmac("langso.accounts.one-time-code", f"{public_id}:{code}",
                       algorithm="sha256").hexdigest()


def _clean_code(code: str) -> str:
    text = re.sub(r"\s", "", str(code or ""))[:64]
    if not re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", text):
        message = _("Mã xác nhận gồm %(digits)s chữ số.") % {"digits": CODE_DIGITS}
        raise DomainError(message, field_errors={"code": [message]}, code="code_format")
    return text


def _check_rate_limits(*, address: Address, ip: str | None, now: datetime) -> None:
    recent = OneTimeCode.objects.filter(address=address.value,
                                        created_at__gt=now - timedelta(hours=1))
    last = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    resend = timedelta(seconds=_setting("ACCOUNT_CODE_RESEND_SECONDS", 60))
    if last is not None and now - last < resend:
        seconds = max(1, int((last + resend - now).total_seconds()) + 1)
        raise TooManyRequests(
            _("Mã vừa được gửi. Vui lòng đợi %(seconds)s giây rồi yêu cầu mã mới.")
            % {"seconds": seconds}, code="code_too_soon")
    if recent.count() >= _setting("ACCOUNT_CODES_PER_ADDRESS_HOUR", 5):
        raise TooManyRequests(_("Địa chỉ này đã nhận quá nhiều mã trong một giờ. Vui lòng "
                                "thử lại sau."), code="code_address_limit")
    if ip and OneTimeCode.objects.filter(
            requested_ip=ip, created_at__gt=now - timedelta(hours=1)).count() >= _setting(
            "ACCOUNT_CODES_PER_IP_HOUR", 10):
        raise TooManyRequests(_("Có quá nhiều yêu cầu gửi mã từ mạng của bạn. Vui lòng thử "
                                "lại sau."), code="code_ip_limit")


def code_purge_expired(*, now: datetime | None = None) -> int:
    """Delete codes a day past their expiry (they hold phone numbers and sign-up data)."""
    cutoff = (now or timezone.now()) - timedelta(days=1)
    count, _by_model = OneTimeCode.objects.filter(expires_at__lt=cutoff).delete()
    return count


def _issue_code(*, purpose: str, address: Address, ip: str | None, now: datetime,
                payload: dict[str, Any], user: User | None, deliverable: bool,
                ) -> tuple[OneTimeCode, str]:
    """Rate-limit, then store a new code (replacing any live one). Returns (row, code)."""
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    with transaction.atomic():
        code_purge_expired(now=now)
        _check_rate_limits(address=address, ip=ip, now=now)
        (OneTimeCode.objects.select_for_update()
         .filter(purpose=purpose, address=address.value, used_at__isnull=True,
                 invalidated_at__isnull=True)
         .update(invalidated_at=now))
        row = OneTimeCode(purpose=purpose, channel=address.channel, address=address.value,
                          user=user, payload=payload, requested_ip=ip or None,
                          created_at=now, expires_at=now + code_ttl())
        if deliverable:
            row.code_hash = _code_hash(row.public_id, code)
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError as exc:  # a simultaneous request for the same address won
            raise TooManyRequests(_("Mã vừa được gửi. Vui lòng đợi %(seconds)s giây rồi yêu "
                                    "cầu mã mới.") % {"seconds": _setting(
                                        "ACCOUNT_CODE_RESEND_SECONDS", 60)},
                                  code="code_too_soon") from exc
    return row, code


def _deliver(row: OneTimeCode, *, subject: str, body: str) -> None:
    """Send now (the person is waiting on the page); a failure voids the code."""
    from langso.core.notifications import DeliveryError, deliver_direct

    try:
        deliver_direct(channel=row.channel, address=row.address, subject=subject, body=body,
                       template="one_time_code")
    except (DeliveryError, LookupError) as exc:
        OneTimeCode.objects.filter(pk=row.pk).update(invalidated_at=timezone.now())
        log.warning("account.code_not_sent", extra={"event": "account.code_not_sent",
                                                    "code_id": row.pk,
                                                    "channel": row.channel,
                                                    "error": str(exc)[:200]})
        if row.channel == OneTimeCode.Channel.SMS:
            message = _("Chưa gửi được tin nhắn tới số điện thoại này. Vui lòng kiểm tra lại "
                        "số hoặc thử lại sau ít phút.")
        else:
            message = _("Chưa gửi được thư tới địa chỉ này. Vui lòng kiểm tra lại địa chỉ "
                        "hoặc thử lại sau ít phút.")
        raise DeliveryFailed(message) from exc


def _code_message(code: str, purpose: str) -> tuple[str, str]:
    minutes = max(1, int(code_ttl().total_seconds() // 60))
    what = {
        OneTimeCode.Purpose.SIGNUP: _("đăng ký tài khoản"),
        OneTimeCode.Purpose.LOGIN: _("đăng nhập"),
        OneTimeCode.Purpose.RESET: _("đặt lại mật khẩu"),
    }[OneTimeCode.Purpose(purpose)]
    subject = _("Mã xác nhận Làng Số: %(code)s") % {"code": code}
    body = _("Mã xác nhận %(what)s Làng Số của bạn là %(code)s, có hiệu lực %(minutes)s phút. "
             "Không đưa mã này cho bất kỳ ai, kể cả cán bộ.") % {
        "what": what, "code": code, "minutes": minutes}
    return subject, body


def _send_code(row: OneTimeCode, code: str) -> None:
    subject, body = _code_message(code, row.purpose)
    _deliver(row, subject=subject, body=body)


@dataclass(frozen=True)
class _Checked:
    row: OneTimeCode | None
    error: DomainError | None


def _code_consume(*, public_id: Any, purpose: str, code: str, now: datetime) -> _Checked:
    """Inside the caller's transaction: lock the row, check it, count a wrong try or
    mark it used. Errors are returned, not raised, so the wrong-try count is committed."""
    try:
        row = (OneTimeCode.objects.select_for_update()
               .filter(public_id=public_id, purpose=purpose).first())
    except (ValidationError, ValueError):
        row = None
    if row is None:
        return _Checked(None, DomainError(
            _("Mã xác nhận không còn hiệu lực. Vui lòng yêu cầu mã mới."),
            code="code_unknown"))
    if row.used_at is not None:
        return _Checked(row, Conflict(
            _("Mã xác nhận này đã được sử dụng. Mỗi mã chỉ dùng được một lần."),
            code="code_used"))
    if row.invalidated_at is not None:
        if row.attempts >= max_attempts():
            return _Checked(row, TooManyRequests(
                _("Bạn đã nhập sai quá %(count)s lần nên mã đã bị hủy. Vui lòng yêu cầu "
                  "mã mới.") % {"count": max_attempts()}, code="code_locked"))
        return _Checked(row, DomainError(
            _("Mã xác nhận này không còn hiệu lực (đã có mã mới hơn). Vui lòng dùng mã "
              "mới nhất hoặc yêu cầu mã mới."), code="code_replaced"))
    if row.expires_at <= now:
        return _Checked(row, DomainError(
            _("Mã xác nhận đã hết hạn. Vui lòng yêu cầu mã mới."), code="code_expired"))
    if not (row.code_hash and constant_time_compare(row.code_hash,
                                                    _code_hash(row.public_id, code))):
        row.attempts += 1
        fields = ["attempts"]
        if row.attempts >= max_attempts():
            row.invalidated_at = now
            fields += ["invalidated_at"]
            row.save(update_fields=fields)
            return _Checked(row, TooManyRequests(
                _("Bạn đã nhập sai quá %(count)s lần nên mã đã bị hủy. Vui lòng yêu cầu "
                  "mã mới.") % {"count": max_attempts()}, code="code_locked"))
        row.save(update_fields=fields)
        left = max_attempts() - row.attempts
        message = _("Mã xác nhận không đúng. Bạn còn %(left)s lần thử.") % {"left": left}
        return _Checked(row, DomainError(message, field_errors={"code": [message]},
                                         code="code_wrong"))
    row.used_at = now
    row.save(update_fields=["used_at"])
    return _Checked(row, None)


def code_get(*, public_id: Any, purpose: str) -> OneTimeCode | None:
    """The code a page or client refers to (for showing where it was sent)."""
    try:
        return OneTimeCode.objects.filter(public_id=public_id, purpose=purpose).first()
    except (ValidationError, ValueError):
        return None


# --- Sign-up ----------------------------------------------------------------------------

def _clean_name(value: str, errors: dict[str, list[str]], *, field: str = "full_name") -> str:
    name = normalize_spaces(str(value or ""))
    if not name:
        errors[field] = [_("Vui lòng nhập họ và tên (hoặc tên tổ chức, doanh nghiệp).")]
    elif len(name) > MAX_NAME_LENGTH:
        errors[field] = [_("Tên không được dài quá %(max)s ký tự.") % {"max": MAX_NAME_LENGTH}]
    elif any(c in _NAME_FORBIDDEN or (ord(c) < 32) for c in name):
        errors[field] = [_("Tên chỉ gồm chữ, số, dấu cách và các dấu . , ' - ( ) &.")]
    return name


def _check_password(password: str, *, user: User | None, errors: dict[str, list[str]],
                    field: str = "password") -> None:
    if not password:
        errors[field] = [_("Vui lòng nhập mật khẩu.")]
        return
    if len(password) > MAX_PASSWORD_LENGTH:
        errors[field] = [_("Mật khẩu không được dài quá %(max)s ký tự.")
                         % {"max": MAX_PASSWORD_LENGTH}]
        return
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        errors[field] = [_password_message(e) for e in exc.error_list]


def _password_message(error: ValidationError) -> str:
    """Django's password validators, always in plain Vietnamese (its own catalogue misses
    some plural forms and words them for programmers)."""
    params = error.params or {}
    messages = {
        "password_too_short": _("Mật khẩu quá ngắn, cần ít nhất %(min_length)s ký tự."),
        "password_too_common": _("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu "
                                 "khác."),
        "password_entirely_numeric": _("Mật khẩu không được chỉ gồm chữ số."),
        "password_too_similar": _("Mật khẩu quá giống với %(verbose_name)s."),
    }
    if error.code in messages:
        return messages[error.code] % params
    return " ".join(error.messages)


def signup_start(*, full_name: str, identifier: str, password: str,
                 kind: str = User.Kind.CITIZEN, citizen_id: str = "",
                 date_of_birth: date | None = None, ip: str | None = None,
                 now: datetime | None = None) -> OneTimeCode:
    """Check the form, then send a code to the phone or e-mail address.

    If the address already has an account, the requester sees the same answer, no code
    exists, and the address receives a notice instead: nobody learns who has an account
    by trying to sign up with their number.
    """
    now = now or timezone.now()
    address, name, citizen_id = signup_check(
        full_name=full_name, identifier=identifier, password=password, kind=kind,
        citizen_id=citizen_id, date_of_birth=date_of_birth)
    payload = {"kind": str(kind), "full_name": name, "password": make_password(password),
               "citizen_id": citizen_id,
               "date_of_birth": date_of_birth.isoformat() if date_of_birth else ""}
    return _signup_send(address, payload=payload, ip=ip, now=now)


def signup_check(*, full_name: str, identifier: str, password: str,
                 kind: str = User.Kind.CITIZEN, citizen_id: str = "",
                 date_of_birth: date | None = None) -> tuple[Address, str, str]:
    """Every sign-up rule, without writing or sending anything; raises DomainError with
    all field errors at once. Returns (address, clean name, clean citizen-ID number)."""
    errors: dict[str, list[str]] = {}
    if kind not in (User.Kind.CITIZEN, User.Kind.BUSINESS):
        errors["kind"] = [_("Vui lòng chọn loại tài khoản: công dân hoặc tổ chức, "
                            "doanh nghiệp.")]
    name = _clean_name(full_name, errors)
    address: Address | None = None
    try:
        address = address_parse(identifier)
    except DomainError as exc:
        errors.update(exc.field_errors)
    probe = User(username="", full_name=name[:MAX_NAME_LENGTH],
                 phone=address.value if address and address.channel == "sms" else None,
                 email=address.value if address and address.channel == "email" else "")
    _check_password(str(password or ""), user=probe, errors=errors)
    citizen_id = str(citizen_id or "").strip()[:40]
    if date_of_birth is not None and not isinstance(date_of_birth, date):
        errors["date_of_birth"] = [_("Ngày sinh không hợp lệ (dd/mm/yyyy).")]
    elif date_of_birth is not None and (date_of_birth > timezone.localdate()
                                        or date_of_birth.year < 1900):
        errors["date_of_birth"] = [_("Ngày sinh không hợp lệ.")]
    if citizen_id or date_of_birth:
        if kind == User.Kind.BUSINESS:
            errors["citizen_id"] = [_("Tài khoản tổ chức, doanh nghiệp không cần số định "
                                      "danh cá nhân.")]
        elif not citizen_id:
            errors["citizen_id"] = [_("Nhập số định danh cá nhân cùng với ngày sinh, hoặc "
                                      "bỏ trống cả hai.")]
        elif date_of_birth is None:
            errors.setdefault("date_of_birth", [_("Nhập ngày sinh cùng với số định danh cá "
                                                  "nhân, hoặc bỏ trống cả hai.")])
        else:
            try:
                citizen_id = validate_citizen_id(citizen_id, date_of_birth=date_of_birth)
            except ValidationError as exc:
                errors["citizen_id"] = list(exc.messages)
    if errors or address is None:
        raise DomainError(_("Thông tin đăng ký chưa hợp lệ, vui lòng kiểm tra lại."),
                          field_errors=errors)
    return address, name, citizen_id


def _signup_send(address: Address, *, payload: dict[str, Any], ip: str | None,
                 now: datetime) -> OneTimeCode:
    taken = not payload or _accounts_at(address).exists()
    # The row is committed before the message goes out: sending is slow and may fail.
    row, code = _issue_code(purpose=OneTimeCode.Purpose.SIGNUP, address=address, ip=ip,
                            now=now, payload={} if taken else payload, user=None,
                            deliverable=not taken)
    notice = None
    if taken:
        notice = (_("Làng Số: địa chỉ này đã có tài khoản"),
                  _("Có người vừa dùng %(address)s để đăng ký tài khoản Làng Số, nhưng "
                    "địa chỉ này đã có tài khoản. Nếu là bạn, hãy đăng nhập hoặc chọn "
                    "\"Quên mật khẩu\". Nếu không phải bạn, hãy bỏ qua tin này.")
                  % {"address": address.value})
    return _send_code_or_notice(row, code, notice=notice)


def _send_code_or_notice(row: OneTimeCode, code: str, *,
                         notice: tuple[str, str] | None) -> OneTimeCode:
    """Send the code, or, when the request cannot be honoured, a notice (subject, body)
    to the address instead: the requester sees the same answer either way."""
    if notice is not None:
        _deliver(row, subject=notice[0], body=notice[1])
    else:
        _send_code(row, code)
    log.info("account.code_sent", extra={"event": "account.code_sent", "code_id": row.pk,
                                         "purpose": row.purpose, "channel": row.channel})
    return row


def code_resend(*, public_id: Any, purpose: str, ip: str | None = None,
                now: datetime | None = None) -> OneTimeCode:
    """A new code for the same request (the old one stops working)."""
    now = now or timezone.now()
    row = code_get(public_id=public_id, purpose=purpose)
    stale = DomainError(_("Phiên xác nhận không còn hiệu lực. Vui lòng bắt đầu lại."),
                        code="code_unknown")
    if row is None or row.used_at is not None:
        raise stale
    if OneTimeCode.objects.filter(purpose=purpose, address=row.address,
                                  created_at__gt=row.created_at).exists():
        raise stale
    address = Address(row.channel, row.address)
    if purpose == OneTimeCode.Purpose.SIGNUP:
        return _signup_send(address, payload=row.payload, ip=ip, now=now)
    if purpose == OneTimeCode.Purpose.RESET:
        return _reset_send(address, ip=ip, now=now)
    if purpose == OneTimeCode.Purpose.LOGIN:
        return _login_send(address, ip=ip, now=now)
    raise stale


def _new_username() -> str:
    """Accounts log in by phone or e-mail; the username is internal and reveals nothing."""
    while True:
        username = f"u{secrets.token_hex(6)}"
        if not User.objects.filter(username=username).exists():
            return username


def _save_new_account(user: User) -> None:
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise Conflict(_("Địa chỉ này vừa được dùng cho một tài khoản khác. Hãy đăng nhập "
                         "hoặc chọn \"Quên mật khẩu\"."), code="account_exists") from exc


def _link_people(*, user: User, citizen_id: str, date_of_birth: date,
                 full_name: str) -> Person | None:
    """Tie the new account to the resident the commune already knows, when the citizen-ID
    number, date of birth and name all match exactly one unlinked resident of an active
    commune (a person has one account; ambiguity is left to the one-stop shop)."""
    from langso.core.services.people import person_link_user

    candidates = [p for p in Person.objects.filter(
        citizen_id=citizen_id, date_of_birth=date_of_birth, commune__is_active=True,
        user__isnull=True) if fold(p.full_name) == fold(full_name)]
    if len(candidates) != 1:
        return None
    try:
        return person_link_user(person=candidates[0], user=user, actor=user)
    except DomainError:
        return None


def signup_verify(*, public_id: Any, code: str, now: datetime | None = None) -> User:
    """The code proves the address: create the account (and link the resident)."""
    clean = _clean_code(code)
    now = now or timezone.now()
    user: User | None = None
    with transaction.atomic():
        checked = _code_consume(public_id=public_id, purpose=OneTimeCode.Purpose.SIGNUP,
                                code=clean, now=now)
        if checked.error is None and checked.row is not None:
            user = _account_create_from_code(checked.row, now=now)
    if checked.error is not None:
        raise checked.error
    assert user is not None
    return user


def _account_create_from_code(row: OneTimeCode, *, now: datetime) -> User:
    data = row.payload or {}
    if not data.get("password"):
        raise DomainError(_("Phiên đăng ký đã hết hạn. Vui lòng đăng ký lại."),
                          code="code_unknown")
    address = Address(row.channel, row.address)
    if _accounts_at(address).exists():
        raise Conflict(_("Địa chỉ này vừa được dùng cho một tài khoản khác. Hãy đăng nhập "
                         "hoặc chọn \"Quên mật khẩu\"."), code="account_exists")
    user = User(username=_new_username(), kind=data["kind"], full_name=data["full_name"],
                password=data["password"])
    if row.channel == OneTimeCode.Channel.SMS:
        user.phone, user.phone_verified_at = row.address, now
    else:
        user.email, user.email_verified_at = row.address, now
    _save_new_account(user)
    row.payload, row.user = {}, user
    row.save(update_fields=["payload", "user"])
    history_record(obj=user, action="account.signup", actor=user, to_state=user.kind,
                   data={"channel": row.channel}, now=now)
    if data.get("citizen_id") and data.get("date_of_birth"):
        _link_people(user=user, citizen_id=data["citizen_id"],
                     date_of_birth=date.fromisoformat(data["date_of_birth"]),
                     full_name=user.full_name)
    log.info("account.created", extra={"event": "account.created", "user_id": user.pk,
                                       "kind": user.kind, "channel": row.channel})
    return user


# --- Password reset ---------------------------------------------------------------------

def password_reset_start(*, identifier: str, ip: str | None = None,
                         now: datetime | None = None) -> OneTimeCode:
    """Send a reset code; an address without an account gets a notice, and the requester
    sees the same answer either way."""
    address = address_parse(identifier)
    return _reset_send(address, ip=ip, now=now or timezone.now())


def _reset_send(address: Address, *, ip: str | None, now: datetime) -> OneTimeCode:
    user = _accounts_at(address).filter(is_active=True).order_by("pk").first()
    row, code = _issue_code(purpose=OneTimeCode.Purpose.RESET, address=address, ip=ip,
                            now=now, payload={}, user=user, deliverable=user is not None)
    notice = None
    if user is None:
        notice = (_("Làng Số: yêu cầu đặt lại mật khẩu"),
                  _("Có người vừa yêu cầu đặt lại mật khẩu Làng Số cho %(address)s, "
                    "nhưng địa chỉ này chưa có tài khoản. Nếu là bạn, bạn có thể đăng ký "
                    "tài khoản mới. Nếu không phải bạn, hãy bỏ qua tin này.")
                  % {"address": address.value})
    return _send_code_or_notice(row, code, notice=notice)


def password_reset_finish(*, public_id: Any, code: str, new_password: str,
                          now: datetime | None = None) -> User:
    clean = _clean_code(code)
    now = now or timezone.now()
    row = code_get(public_id=public_id, purpose=OneTimeCode.Purpose.RESET)
    errors: dict[str, list[str]] = {}
    # Judged against the address only, the same for every row: checking it against the
    # account's name would tell a stranger that the account exists.
    probe = User(username="", phone=row.address if row and row.channel == "sms" else None,
                 email=row.address if row and row.channel == "email" else "")
    _check_password(str(new_password or ""), user=probe, errors=errors,
                    field="new_password")
    if errors:
        raise DomainError(_("Mật khẩu mới chưa hợp lệ, vui lòng kiểm tra lại."),
                          field_errors=errors)
    user: User | None = None
    with transaction.atomic():
        checked = _code_consume(public_id=public_id, purpose=OneTimeCode.Purpose.RESET,
                                code=clean, now=now)
        if checked.error is None and checked.row is not None:
            # A row without an account never gets here: it has no code to match.
            assert checked.row.user_id is not None
            user = User.objects.select_for_update().get(pk=checked.row.user_id)
            user.set_password(new_password)
            user.save(update_fields=["password"])
            _tokens_revoke(user)
            history_record(obj=user, action="account.password_reset", actor=user,
                           data={"channel": checked.row.channel}, now=now)
    if checked.error is not None:
        raise checked.error
    assert user is not None
    _lockouts_clear(user)
    log.info("account.password_reset", extra={"event": "account.password_reset",
                                              "user_id": user.pk})
    return user


def _tokens_revoke(user: User) -> None:
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()


def _lockouts_clear(user: User) -> None:
    """A proven owner who just chose a new password is not kept locked out."""
    from axes.utils import reset

    for name in {user.phone, (user.email or "").lower(), user.username} - {None, ""}:
        reset(username=name)


# --- Sign-in by code (public accounts) ------------------------------------------------------

def login_code_start(*, identifier: str, ip: str | None = None,
                     now: datetime | None = None) -> OneTimeCode:
    """Sign-in without a password for citizens and businesses: a code to their phone or
    e-mail. Staff accounts and unknown addresses get a notice instead, and the requester
    sees the same answer."""
    address = address_parse(identifier)
    return _login_send(address, ip=ip, now=now or timezone.now())


def _login_send(address: Address, *, ip: str | None, now: datetime) -> OneTimeCode:
    user = _accounts_at(address).filter(is_active=True).order_by("pk").first()
    public = user is not None and not is_staff_account(user)
    row, code = _issue_code(purpose=OneTimeCode.Purpose.LOGIN, address=address, ip=ip,
                            now=now, payload={}, user=user if public else None,
                            deliverable=public)
    notice = None
    if user is not None and not public:
        notice = (_("Làng Số: yêu cầu mã đăng nhập"),
                  _("Có người vừa yêu cầu mã đăng nhập Làng Số cho %(address)s. Tài khoản "
                    "cán bộ đăng nhập bằng mật khẩu và mã xác thực, không dùng mã gửi qua "
                    "tin nhắn. Nếu không phải bạn, hãy bỏ qua tin này.")
                  % {"address": address.value})
    elif user is None:
        notice = (_("Làng Số: yêu cầu mã đăng nhập"),
                  _("Có người vừa yêu cầu mã đăng nhập Làng Số cho %(address)s, nhưng địa "
                    "chỉ này chưa có tài khoản. Nếu là bạn, bạn có thể đăng ký tài khoản "
                    "mới. Nếu không phải bạn, hãy bỏ qua tin này.")
                  % {"address": address.value})
    return _send_code_or_notice(row, code, notice=notice)


def login_code_verify(*, public_id: Any, code: str, now: datetime | None = None) -> User:
    """The account the code was sent for; never a staff account (they need TOTP)."""
    clean = _clean_code(code)
    now = now or timezone.now()
    with transaction.atomic():
        checked = _code_consume(public_id=public_id, purpose=OneTimeCode.Purpose.LOGIN,
                                code=clean, now=now)
    if checked.error is not None:
        raise checked.error
    assert checked.row is not None and checked.row.user_id is not None
    user = User.objects.get(pk=checked.row.user_id)
    if not user.is_active or is_staff_account(user):
        raise PermissionDenied(_("Tài khoản này không đăng nhập được bằng mã gửi qua tin "
                                 "nhắn. Vui lòng đăng nhập bằng mật khẩu."),
                               code="code_login_refused")
    log.info("account.code_login", extra={"event": "account.code_login", "user_id": user.pk})
    return user


# --- API tokens ---------------------------------------------------------------------------

class LockedOut(DomainError):
    status = 429
    code = "locked_out"


def token_obtain(*, request: HttpRequest, username: str, password: str,
                 otp: str = "") -> Any:
    """A DRF token for username/phone/e-mail + password (+ TOTP code for staff)."""
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(_("Bạn đã nhập sai quá nhiều lần. Đăng nhập tạm thời bị khóa, vui "
                          "lòng thử lại sau."))
    if user is None:
        raise DomainError(_("Số điện thoại, thư điện tử hoặc mật khẩu không đúng."),
                          code="authentication_failed")
    if requires_second_factor(user):
        if not totp_devices(user).exists():
            raise PermissionDenied(_("Tài khoản cán bộ cần thiết lập ứng dụng xác thực trên "
                                     "trang web trước khi dùng API."),
                                   code="otp_setup_required")
        if not str(otp or "").strip():
            message = _("Tài khoản cán bộ cần nhập mã xác thực 6 chữ số từ ứng dụng xác "
                        "thực.")
            raise DomainError(message, field_errors={"otp": [message]}, code="otp_required")
        totp_verify(user=user, token=otp)
    token = token_for(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token


def token_for(*, user: User) -> Any:
    """The account's API token (one per account; revoked by a password reset)."""
    from rest_framework.authtoken.models import Token

    token, _created = Token.objects.get_or_create(user=user)
    return token


# --- OpenID Connect -------------------------------------------------------------------------

def _oidc_username(sub: str) -> str:
    if re.fullmatch(r"[\w.@+-]{1,140}", sub):
        return f"oidc-{sub}"
    return "oidc-" + hashlib.sha256(sub.encode()).hexdigest()[:40]


def _claim_verified(claims: dict[str, Any], name: str) -> bool:
    value = claims.get(f"{name}_verified")
    return value is True or str(value).lower() == "true"


def oidc_account_for_claims(*, claims: dict[str, Any], now: datetime | None = None) -> User:
    """The account an identity provider's user logs into, created as a citizen if new.

    Order: the account this provider created for this ``sub``; else a public account with
    the same verified e-mail or phone; else a new citizen account. A staff account is never
    logged in (staff use password + TOTP) and never created or widened here: no claim
    grants a role.
    """
    now = now or timezone.now()
    sub = str(claims.get("sub") or "").strip()
    if not sub or len(sub) > 255:
        raise DomainError(_("Nhà cung cấp định danh không trả về mã người dùng."),
                          code="oidc_no_subject")
    refused = PermissionDenied(_("Tài khoản cán bộ không đăng nhập bằng tài khoản định danh. "
                                 "Vui lòng đăng nhập bằng mật khẩu và mã xác thực."),
                               code="oidc_staff_refused")
    username = _oidc_username(sub)
    email = str(claims.get("email") or "").strip().lower()[:MAX_EMAIL_LENGTH]
    if not (email and _claim_verified(claims, "email")):
        email = ""
    phone = ""
    if claims.get("phone_number") and _claim_verified(claims, "phone_number"):
        try:
            phone = normalize_phone(str(claims["phone_number"])[:20])
        except ValidationError:
            phone = ""
    user = User.objects.filter(username=username).first()
    if user is None:
        lookup = Q(pk__in=[])
        if email:
            lookup |= Q(email__iexact=email)
        if phone:
            lookup |= Q(phone=phone)
        matches = list(User.objects.filter(lookup))
        if any(is_staff_account(m) for m in matches):
            log.warning("account.oidc_staff_refused",
                        extra={"event": "account.oidc_staff_refused",
                               "user_ids": [m.pk for m in matches]})
            raise refused
        if len(matches) > 1:
            raise Conflict(_("Thông tin định danh khớp với nhiều tài khoản. Vui lòng liên hệ "
                             "bộ phận một cửa."), code="oidc_ambiguous")
        user = matches[0] if matches else _oidc_account_create(
            claims=claims, username=username, email=email, phone=phone, now=now)
    if is_staff_account(user):
        log.warning("account.oidc_staff_refused", extra={"event": "account.oidc_staff_refused",
                                                         "user_ids": [user.pk]})
        raise refused
    if not user.is_active:
        raise PermissionDenied(_("Tài khoản này đã bị khóa."), code="account_inactive")
    return user


@transaction.atomic
def _oidc_account_create(*, claims: dict[str, Any], username: str, email: str, phone: str,
                         now: datetime) -> User:
    errors: dict[str, list[str]] = {}
    raw_name = claims.get("name") or " ".join(
        str(claims.get(k) or "") for k in ("family_name", "middle_name", "given_name"))
    name = _clean_name(str(raw_name)[:400], errors)
    user = User(username=username, kind=User.Kind.CITIZEN,
                full_name="" if errors else name, email=email,
                email_verified_at=now if email else None, phone=phone or None,
                phone_verified_at=now if phone else None)
    user.set_unusable_password()
    _save_new_account(user)
    history_record(obj=user, action="account.signup", actor=user, to_state=user.kind,
                   data={"via": "oidc"}, now=now)
    claim = getattr(settings, "OIDC_CLAIM_CITIZEN_ID", "") or "citizen_id"
    citizen_id, birthdate = str(claims.get(claim) or ""), str(claims.get("birthdate") or "")
    if citizen_id and birthdate and user.full_name:
        try:
            born = date.fromisoformat(birthdate[:10])
            citizen_id = validate_citizen_id(citizen_id[:20], date_of_birth=born)
        except (ValueError, ValidationError):
            pass
        else:
            _link_people(user=user, citizen_id=citizen_id, date_of_birth=born,
                         full_name=user.full_name)
    log.info("account.created", extra={"event": "account.created", "user_id": user.pk,
                                       "kind": user.kind, "channel": "oidc"})
    return user
