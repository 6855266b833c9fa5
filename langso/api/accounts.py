"""Accounts API: a token for username/phone/e-mail + password (+ TOTP for staff), and
sign-up by one-time code. Thin over ``langso.core.services.accounts``."""

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.api.throttling import AnonymousWriteThrottle
from langso.core.errors import DomainError
from langso.core.middleware import client_address
from langso.core.models import OneTimeCode, User
from langso.core.services import accounts
from langso.core.services.accounts import MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH


class VerifiedSessionScheme(SessionScheme):
    """OpenAPI: the 2FA-aware session authentication is the usual session cookie."""

    target_class = "langso.api.authentication.VerifiedSessionAuthentication"
    priority = 0


class TokenObtainInput(serializers.Serializer):
    username = serializers.CharField(max_length=MAX_EMAIL_LENGTH,
                                     help_text="Số điện thoại, thư điện tử hoặc tên đăng nhập")
    password = serializers.CharField(max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False)
    otp = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                help_text="Mã TOTP 6 chữ số (bắt buộc với cán bộ)")


class TokenObtainOutput(serializers.Serializer):
    token = serializers.CharField()


class AccountOutput(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["kind", "full_name", "phone", "email"]


class SignupInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[User.Kind.CITIZEN, User.Kind.BUSINESS],
                                   default=User.Kind.CITIZEN)
    full_name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    email = serializers.CharField(max_length=MAX_EMAIL_LENGTH, required=False,
                                  allow_blank=True, default="")
    password = serializers.CharField(max_length=MAX_PASSWORD_LENGTH, trim_whitespace=False)
    citizen_id = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                       default="")
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs["phone"].strip()) == bool(attrs["email"].strip()):
            message = _("Nhập số điện thoại hoặc thư điện tử (chỉ một trong hai).")
            raise serializers.ValidationError({"phone": [message], "email": [message]})
        return attrs


class SignupOutput(serializers.Serializer):
    signup_id = serializers.UUIDField()
    channel = serializers.ChoiceField(choices=OneTimeCode.Channel.choices)
    expires_at = serializers.DateTimeField()
    message = serializers.CharField()


class SignupResendInput(serializers.Serializer):
    signup_id = serializers.UUIDField()


class SignupVerifyInput(serializers.Serializer):
    signup_id = serializers.UUIDField()
    code = serializers.CharField(max_length=12)


class SignupVerifyOutput(serializers.Serializer):
    token = serializers.CharField()
    account = AccountOutput()


class _AnonymousWrite(APIView):
    # No session: no CSRF for API clients, and anonymous writes are throttled per IP.
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousWriteThrottle]


def _sent(row: OneTimeCode) -> Response:
    return Response(SignupOutput({
        "signup_id": row.public_id, "channel": row.channel, "expires_at": row.expires_at,
        "message": _("Nếu mọi thông tin hợp lệ, mã xác nhận 6 chữ số đã được gửi. Nếu địa chỉ "
                     "này đã có tài khoản, bạn sẽ nhận được hướng dẫn đăng nhập thay cho mã."),
    }).data, status=status.HTTP_202_ACCEPTED)


class TokenObtain(_AnonymousWrite):
    @extend_schema(request=TokenObtainInput, responses={200: TokenObtainOutput},
                   summary="Lấy token API", tags=["auth"])
    def post(self, request: Request) -> Response:
        data = TokenObtainInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = accounts.token_obtain(request=request._request, **data.validated_data)
        return Response(TokenObtainOutput({"token": token.key}).data)


class Signup(_AnonymousWrite):
    @extend_schema(request=SignupInput, responses={202: SignupOutput},
                   summary="Đăng ký: gửi mã xác nhận", tags=["auth"])
    def post(self, request: Request) -> Response:
        data = SignupInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        phone, email = values.pop("phone").strip(), values.pop("email").strip()
        identifier = phone or email
        try:
            row = accounts.signup_start(identifier=identifier, ip=client_address(request),
                                        **values)
        except DomainError as error:
            # The service names the address field "identifier"; the API has two.
            if "identifier" in error.field_errors:
                field = "phone" if phone else "email"
                error.field_errors[field] = error.field_errors.pop("identifier")
            raise
        return _sent(row)


class SignupResend(_AnonymousWrite):
    @extend_schema(request=SignupResendInput, responses={202: SignupOutput},
                   summary="Đăng ký: gửi lại mã", tags=["auth"])
    def post(self, request: Request) -> Response:
        data = SignupResendInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = accounts.code_resend(public_id=data.validated_data["signup_id"],
                                   purpose=OneTimeCode.Purpose.SIGNUP,
                                   ip=client_address(request))
        return _sent(row)


class SignupVerify(_AnonymousWrite):
    @extend_schema(request=SignupVerifyInput, responses={201: SignupVerifyOutput},
                   summary="Đăng ký: xác nhận mã, tạo tài khoản", tags=["auth"])
    def post(self, request: Request) -> Response:
        data = SignupVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = accounts.signup_verify(public_id=data.validated_data["signup_id"],
                                      code=data.validated_data["code"])
        token = accounts.token_for(user=user)
        return Response(SignupVerifyOutput({"token": token.key, "account": user}).data,
                        status=status.HTTP_201_CREATED)
