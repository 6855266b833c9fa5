"""One error shape for the whole API, with Vietnamese messages.

    {"error": {"code": "invalid", "message": "...", "fields": {"phone": ["..."]}}}
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from langso.core.errors import DomainError

_DEFAULT_MESSAGES = {
    "not_authenticated": _("Vui lòng đăng nhập."),
    "authentication_failed": _("Thông tin đăng nhập không đúng."),
    "permission_denied": _("Bạn không có quyền thực hiện thao tác này."),
    "not_found": _("Không tìm thấy."),
    "method_not_allowed": _("Phương thức không được hỗ trợ."),
    "throttled": _("Bạn gửi quá nhiều yêu cầu, vui lòng thử lại sau."),
    "parse_error": _("Dữ liệu gửi lên không đúng định dạng."),
    "unsupported_media_type": _("Kiểu dữ liệu không được hỗ trợ."),
    "invalid": _("Dữ liệu chưa hợp lệ, vui lòng kiểm tra lại."),
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    return {"error": body}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {k: _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [str(d) if not isinstance(d, dict | list) else _flatten(d) for d in detail]
    return [str(detail)]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.field_errors or None),
                        status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        response.data = error_body("invalid", str(_DEFAULT_MESSAGES["invalid"]), fields)
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        message = _DEFAULT_MESSAGES.get(str(code), exc.detail)
        response.data = error_body(str(code), str(message))
    return response


def not_found_view(request: Any, exception: Any = None) -> Response:
    return Response(error_body("not_found", str(_DEFAULT_MESSAGES["not_found"])),
                    status=status.HTTP_404_NOT_FOUND)
