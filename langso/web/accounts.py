"""Sign-in (with the staff TOTP step), sign-up and password reset by one-time code, the
account page, the province SSO callback and the Vietnamese lockout answer.

Thin: forms check shape, ``langso.core.services.accounts`` does the rest.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import Any, cast

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from langso.core.errors import DomainError
from langso.core.middleware import client_address
from langso.core.models import OneTimeCode, User
from langso.core.services import accounts
from langso.web.accounts_forms import (
    CodeForm,
    IdentifierForm,
    LoginForm,
    OtpForm,
    ResetFinishForm,
    SignupForm,
)
from langso.web.form_errors import add_domain_errors

log = logging.getLogger("langso.accounts")

PENDING_KEY = "accounts.pending_2fa"  # password checked, TOTP not yet
PENDING_SECONDS = 300
TOTP_KEY = "accounts.totp_key"  # secret shown while enrolling, until confirmed
SIGNUP_KEY = "accounts.signup_code"
RESET_KEY = "accounts.reset_code"
LOGIN_CODE_KEY = "accounts.login_code"
PASSWORD_BACKEND = "langso.core.auth_backends.PhoneOrEmailBackend"  # noqa: S105


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


def _masked(identifier: str | None) -> str:
    if not identifier:
        return ""
    if "@" in identifier:
        local, _at, domain = identifier.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"{identifier[:3]}****{identifier[-2:]}" if len(identifier) > 6 else "***"


# --- Lockout ------------------------------------------------------------------------------

def locked_out(request: HttpRequest, original_response: Any = None,
               credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes' answer once (username, IP) is locked: a log record, then Vietnamese."""
    username = accounts.login_identifier_key(request, credentials)
    log.warning("account.locked_out", extra={
        "event": "account.locked_out",
        # The identifier is a phone number or e-mail: logged masked, with a keyed digest
        # so that repeated locks of one account can still be grouped.
        "username": _masked(username),
        "username_digest": hashlib.sha256(
            (settings.SECRET_KEY + (username or "")).encode()).hexdigest()[:16],
        "client_address": client_address(request),
        "failures": getattr(request, "axes_failures_since_start", None),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "path": request.path,
    })
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME or 0) * 60))
    message = _("Bạn đã nhập sai quá nhiều lần. Đăng nhập tạm thời bị khóa, vui lòng thử lại "
                "sau %(minutes)s phút hoặc dùng chức năng \"Quên mật khẩu\".") % {
        "minutes": minutes}
    if request.path.startswith("/api/"):
        from langso.api.errors import error_body

        return JsonResponse(error_body("locked_out", message), status=429)
    return render(request, "accounts/locked_out.html", {"message": message}, status=429)


# --- Sign-in ------------------------------------------------------------------------------

class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        user = form.get_user()
        if accounts.requires_second_factor(user):
            # Not signed in yet: the session only remembers that the password was right.
            self.request.session.cycle_key()
            self.request.session[PENDING_KEY] = {
                "user": user.pk, "backend": user.backend, "at": time.time(),
                "next": self.get_success_url()}
            self.request.session.pop(TOTP_KEY, None)
            if accounts.totp_devices(user).exists():
                return redirect("accounts:otp_verify")
            return redirect("accounts:otp_setup")
        return super().form_valid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = bool(getattr(settings, "OIDC_ENABLED", False))
        return context


class LogoutView(auth_views.LogoutView):
    pass


def _second_factor_subject(request: HttpRequest) -> tuple[User, dict[str, Any] | None] | None:
    """Who is doing the TOTP step: the signed-in user, or the one whose password was just
    accepted (then the pending data is returned too)."""
    if request.user.is_authenticated:
        return request.user, None  # type: ignore[return-value]
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return (user, pending) if user is not None else None


def _second_factor_done(request: HttpRequest, user: User, device: Any,
                        pending: dict[str, Any] | None) -> HttpResponse:
    if pending is not None:
        next_url = _safe_next(request, pending.get("next"))
        request.session.pop(PENDING_KEY, None)
        auth_login(request, user, backend=pending.get("backend") or PASSWORD_BACKEND)
    else:
        next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    django_otp.login(request, device)
    log.info("account.second_factor_passed", extra={"event": "account.second_factor_passed",
                                                    "user_id": user.pk})
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


def _expired_login(request: HttpRequest) -> HttpResponse:
    messages.info(request, _("Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại."))
    return redirect("accounts:login")


@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    subject = _second_factor_subject(request)
    if subject is None:
        return _expired_login(request)
    user, pending = subject
    if pending is None and not accounts.session_needs_second_factor(request):
        return redirect(_safe_next(request, request.GET.get("next"))
                        or "accounts:profile")
    if not accounts.totp_devices(user).exists():
        return redirect(reverse("accounts:otp_setup") + _next_query(request))
    form = OtpForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = accounts.totp_verify(user=user, token=form.cleaned_data["otp"])
            except DomainError as error:
                add_domain_errors(form, error)
                status = error.status
            else:
                return _second_factor_done(request, user, device, pending)
    return render(request, "accounts/otp_verify.html",
                  {"form": form, "next": _safe_next(request, request.GET.get("next")
                                                    or request.POST.get("next"))},
                  status=status)


def _next_query(request: HttpRequest) -> str:
    from urllib.parse import urlencode

    next_url = _safe_next(request, request.GET.get("next"))
    return "?" + urlencode({"next": next_url}) if next_url else ""


@never_cache
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: QR code (inline SVG) + the secret, confirmed by a code."""
    subject = _second_factor_subject(request)
    if subject is None:
        return _expired_login(request)
    user, pending = subject
    if not accounts.is_staff_account(user):
        raise Http404
    if accounts.totp_devices(user).exists() and (
            pending is not None or accounts.session_needs_second_factor(request)):
        # Replacing an authenticator takes the current one first: a password alone must
        # never be enough to attach a new app to a staff account.
        return redirect(reverse("accounts:otp_verify") + _next_query(request))
    key = request.session.get(TOTP_KEY)
    if not isinstance(key, str) or len(key) != 40:
        key = accounts.totp_new_key()
        request.session[TOTP_KEY] = key
    form = OtpForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                device = accounts.totp_enroll(user=user, key=key,
                                              token=form.cleaned_data["otp"])
            except DomainError as error:
                add_domain_errors(form, error)
            else:
                request.session.pop(TOTP_KEY, None)
                messages.success(request, _("Đã bật xác thực hai lớp cho tài khoản."))
                return _second_factor_done(request, user, device, pending)
    url = accounts.totp_config_url(user=user, key=key)
    return render(request, "accounts/otp_setup.html", {
        "form": form, "qr_svg": accounts.totp_qr_svg(url),
        "secret": accounts.totp_secret_for_humans(key),
        "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
    }, status=status)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    person = getattr(user, "person", None)
    return render(request, "accounts/profile.html", {
        "is_staff_account": accounts.is_staff_account(user),
        "has_totp": accounts.totp_devices(user).exists(),
        "person": person,
    })


# --- Sign-up and password reset by one-time code ------------------------------------------

def _code_page(request: HttpRequest, row: OneTimeCode, form: Any, *, template: str,
               status: int = 200) -> HttpResponse:
    return render(request, template, {
        "form": form, "address": row.address,
        "by_sms": row.channel == OneTimeCode.Channel.SMS,
        "minutes": max(1, int(accounts.code_ttl().total_seconds() // 60)),
    }, status=status)


def _submit(request: HttpRequest, form: Any, action: Callable[[dict[str, Any]], Any], *,
            rename: dict[str, str] | None = None) -> tuple[bool, Any, int]:
    """Run ``action`` on a valid POSTed form: (done, its result, HTTP status of the page).

    Every sign-up, reset and code page answers the same way: 200 for the empty form, 400
    when the form is invalid, the domain error's status with its messages on the fields.
    """
    if request.method != "POST":
        return False, None, 200
    if not form.is_valid():
        return False, None, 400
    try:
        return True, action(form.cleaned_data), 200
    except DomainError as error:
        add_domain_errors(form, error, rename)
        return False, None, error.status


def _pending_code(request: HttpRequest, *, public_id: Any, purpose: str,
                  restart: str, missing: str) -> OneTimeCode | HttpResponse:
    """The code this browser is waiting for, or a redirect back to the step that sends it."""
    row = accounts.code_get(public_id=public_id, purpose=purpose)
    if row is None:
        messages.info(request, missing)
        return redirect(restart)
    return row


def _resent(request: HttpRequest, row: OneTimeCode, purpose: str) -> OneTimeCode | None:
    try:
        new = accounts.code_resend(public_id=row.public_id, purpose=purpose,
                                   ip=client_address(request))
    except DomainError as error:
        messages.error(request, error.message)
        return None
    messages.success(request, _("Đã gửi mã mới. Mã cũ không còn dùng được."))
    return new


def _wants_resend(request: HttpRequest) -> bool:
    return request.method == "POST" and "resend" in request.POST


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignupForm(request.POST if request.method == "POST" else None)
    done, row, status = _submit(request, form, lambda data: accounts.signup_start(
        kind=data["kind"], full_name=data["full_name"], identifier=data["identifier"],
        password=data["password1"], citizen_id=data["citizen_id"],
        date_of_birth=data["date_of_birth"], ip=client_address(request),
    ), rename={"password": "password1"})
    if done:
        request.session[SIGNUP_KEY] = str(row.public_id)
        return redirect("accounts:signup_verify")
    if status == 400 and not form.is_valid():
        _signup_errors_too(form)
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def _signup_errors_too(form: SignupForm) -> None:
    """The form already failed (say, the passwords differ): show the other fields' problems
    now as well, rather than one round trip per mistake on a slow connection."""
    data = form.cleaned_data
    try:
        accounts.signup_check(
            kind=data.get("kind") or User.Kind.CITIZEN, full_name=data.get("full_name", ""),
            identifier=data.get("identifier", ""), password=data.get("password1", ""),
            citizen_id=data.get("citizen_id", ""), date_of_birth=data.get("date_of_birth"))
    except DomainError as error:
        for field, messages_ in error.field_errors.items():
            name = "password1" if field == "password" else field
            if name in form.fields and name not in form.errors:
                for message in messages_:
                    form.add_error(name, message)


@never_cache
@require_http_methods(["GET", "POST"])
def signup_verify(request: HttpRequest) -> HttpResponse:
    row = _pending_code(request, public_id=request.session.get(SIGNUP_KEY),
                        purpose=OneTimeCode.Purpose.SIGNUP, restart="accounts:signup",
                        missing=_("Vui lòng nhập thông tin đăng ký trước."))
    if isinstance(row, HttpResponse):
        return row
    if _wants_resend(request):
        if new := _resent(request, row, OneTimeCode.Purpose.SIGNUP):
            request.session[SIGNUP_KEY] = str(new.public_id)
        return redirect("accounts:signup_verify")
    form = CodeForm(request.POST if request.method == "POST" else None)
    done, user, status = _submit(request, form, lambda data: accounts.signup_verify(
        public_id=row.public_id, code=data["code"]))
    if done:
        request.session.pop(SIGNUP_KEY, None)
        auth_login(request, user, backend=PASSWORD_BACKEND)
        messages.success(request, _("Đã tạo tài khoản. Chào mừng bạn đến với Làng Số!"))
        return redirect("accounts:profile")
    return _code_page(request, row, form, template="accounts/signup_verify.html",
                      status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    form = IdentifierForm(request.POST if request.method == "POST" else None)
    done, row, status = _submit(request, form, lambda data: accounts.password_reset_start(
        identifier=data["identifier"], ip=client_address(request)))
    if done:
        request.session[RESET_KEY] = str(row.public_id)
        return redirect("accounts:password_reset_verify")
    return render(request, "accounts/password_reset.html", {"form": form}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_verify(request: HttpRequest) -> HttpResponse:
    row = _pending_code(request, public_id=request.session.get(RESET_KEY),
                        purpose=OneTimeCode.Purpose.RESET, restart="accounts:password_reset",
                        missing=_("Vui lòng nhập số điện thoại hoặc thư điện tử trước."))
    if isinstance(row, HttpResponse):
        return row
    if _wants_resend(request):
        if new := _resent(request, row, OneTimeCode.Purpose.RESET):
            request.session[RESET_KEY] = str(new.public_id)
        return redirect("accounts:password_reset_verify")
    form = ResetFinishForm(request.POST if request.method == "POST" else None)
    done, _result, status = _submit(request, form, lambda data: accounts.password_reset_finish(
        public_id=row.public_id, code=data["code"], new_password=data["new_password1"],
    ), rename={"new_password": "new_password1"})
    if done:
        request.session.pop(RESET_KEY, None)
        messages.success(request, _("Đã đặt mật khẩu mới. Vui lòng đăng nhập."))
        return redirect("accounts:login")
    return _code_page(request, row, form, template="accounts/password_reset_verify.html",
                      status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def code_login(request: HttpRequest) -> HttpResponse:
    """Sign-in with a code sent to the phone or e-mail (citizens and businesses)."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = IdentifierForm(request.POST if request.method == "POST" else None)
    done, row, status = _submit(request, form, lambda data: accounts.login_code_start(
        identifier=data["identifier"], ip=client_address(request)))
    if done:
        request.session[LOGIN_CODE_KEY] = {
            "code": str(row.public_id), "next": _safe_next(request, request.POST.get("next"))}
        return redirect("accounts:code_login_verify")
    return render(request, "accounts/code_login.html",
                  {"form": form, "next": _safe_next(request, request.GET.get("next"))},
                  status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def code_login_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(LOGIN_CODE_KEY)
    pending = pending if isinstance(pending, dict) else {}
    row = _pending_code(request, public_id=pending.get("code"),
                        purpose=OneTimeCode.Purpose.LOGIN, restart="accounts:code_login",
                        missing=_("Vui lòng nhập số điện thoại hoặc thư điện tử trước."))
    if isinstance(row, HttpResponse):
        return row
    if _wants_resend(request):
        if new := _resent(request, row, OneTimeCode.Purpose.LOGIN):
            request.session[LOGIN_CODE_KEY] = {**pending, "code": str(new.public_id)}
        return redirect("accounts:code_login_verify")
    form = CodeForm(request.POST if request.method == "POST" else None)
    done, user, status = _submit(request, form, lambda data: accounts.login_code_verify(
        public_id=row.public_id, code=data["code"]))
    if done:
        request.session.pop(LOGIN_CODE_KEY, None)
        auth_login(request, user, backend=PASSWORD_BACKEND)
        return redirect(_safe_next(request, pending.get("next"))
                        or resolve_url(settings.LOGIN_REDIRECT_URL))
    return _code_page(request, row, form, template="accounts/code_login_verify.html",
                      status=status)


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site signs in through the same page, so its staff pass the TOTP step too."""
    from urllib.parse import urlencode

    next_url = _safe_next(request, request.GET.get("next")) or reverse("admin:index")
    return redirect(reverse("accounts:login") + "?" + urlencode({"next": next_url}))


# --- Province SSO / VNeID (mozilla-django-oidc) -------------------------------------------

try:
    from mozilla_django_oidc.views import OIDCAuthenticationCallbackView
except ImportError:  # pragma: no cover - the dependency is always installed
    OIDCAuthenticationCallbackView = object  # type: ignore[assignment,misc]


class OidcCallbackView(OIDCAuthenticationCallbackView):  # type: ignore[misc,valid-type]
    """The provider's redirect back: on failure say why (in Vietnamese) on the login page."""

    def login_failure(self) -> HttpResponse:
        message = getattr(self.request, "langso_oidc_error", "") or _(
            "Không đăng nhập được bằng tài khoản định danh. Vui lòng thử lại hoặc đăng nhập "
            "bằng mật khẩu.")
        messages.error(self.request, message)
        return redirect("accounts:login")
