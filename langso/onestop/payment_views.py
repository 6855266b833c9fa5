"""Fees on screen and on the wire: the payment panel of a dossier page (VietQR code, what to
type, the officer's "confirm" form), the officer's confirmation, and the bank's webhook.
Thin over ``payments``, ``vietqr`` and ``banks``."""

import logging
import re
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from langso.api.errors import error_body
from langso.core import access
from langso.core.errors import DomainError
from langso.onestop import banks, fees, payments, vietqr, worklist
from langso.onestop.models import Dossier, OfficeSettings, Payment, PaymentStatus
from langso.onestop.staff_views import dossier_screen
from langso.web.form_errors import add_domain_errors
from langso.web.views import staff_required

logger = logging.getLogger(__name__)


# 20000, 20.000 or 20,000 (thousands grouped by three).
AMOUNT = re.compile(r"\d{1,13}|\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+")


class PaymentConfirmForm(forms.Form):
    # Our own messages: Django's stock Vietnamese ones read awkwardly ("số tổng thể").
    method = forms.ChoiceField(
        label=gettext_lazy("Hình thức thu"), widget=forms.RadioSelect,
        choices=[(Payment.Method.CASH, Payment.Method.CASH.label),
                 (Payment.Method.VIETQR, Payment.Method.VIETQR.label)],
        error_messages={"required": gettext_lazy("Vui lòng chọn hình thức thu."),
                        "invalid_choice": gettext_lazy("Hình thức thu không hợp lệ.")})
    # Typed the Vietnamese way ("20.000") or bare ("20000"); a plain IntegerField would
    # read "20.000" as 20.
    amount = forms.CharField(
        label=gettext_lazy("Số tiền (đồng)"), max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Vui lòng nhập số tiền."),
                        "max_length": gettext_lazy("Số tiền quá lớn.")})
    reference = forms.CharField(
        label=gettext_lazy("Mã giao dịch"), required=False, max_length=64,
        help_text=gettext_lazy("Với chuyển khoản: mã giao dịch trên sao kê ngân hàng."),
        error_messages={"max_length": gettext_lazy("Mã giao dịch tối đa 64 ký tự.")})

    def clean_amount(self) -> int:
        text = "".join(str(self.cleaned_data["amount"]).split())
        if not AMOUNT.fullmatch(text):
            raise forms.ValidationError(_("Số tiền là một số nguyên đồng, ví dụ 20000 hoặc "
                                          "20.000."))
        value = int(text.replace(".", "").replace(",", ""))
        if value <= 0:
            raise forms.ValidationError(_("Số tiền phải lớn hơn 0."))
        if value > vietqr.MAX_AMOUNT:
            raise forms.ValidationError(_("Số tiền quá lớn."))
        return value


# -- the panel ----------------------------------------------------------------------------

def panel_context(request: HttpRequest | None, dossier: Dossier) -> dict[str, Any]:
    """What ``onestop/partials/_payment.html`` shows for ``dossier`` to this user."""
    user = getattr(request, "user", None)
    unpaid = dossier.payment_status == PaymentStatus.UNPAID
    context: dict[str, Any] = {
        "dossier": dossier, "unpaid": unpaid, "fee": fees.money(dossier.fee_amount),
        "not_required": dossier.payment_status == PaymentStatus.NOT_REQUIRED,
        "payments": list(dossier.payments.all()) if not unpaid else [],
    }
    payload = vietqr.dossier_payload(dossier)
    if payload:
        office = OfficeSettings.objects.get(commune_id=dossier.commune_id)
        context.update(
            svg=vietqr.qr_svg(payload), office=office,
            bank_name=vietqr.BANK_NAMES.get(office.bank_bin, ""),
            purpose=vietqr.parse_payload(payload).purpose)
    if (unpaid and dossier.status not in payments.NO_PAYMENT_STATES
            and user is not None and access.can(user, "payment.confirm", dossier)):
        context["form"] = getattr(request, "payment_form", None) or PaymentConfirmForm(
            initial={"amount": dossier.fee_amount, "method": Payment.Method.CASH})
    return context


# -- the officer's confirmation ---------------------------------------------------------

@staff_required
@require_POST
def payment_confirm(request: HttpRequest, public_id: UUID) -> HttpResponse:
    dossier = worklist.dossier_for_staff(user=request.user, public_id=public_id)
    form = PaymentConfirmForm(request.POST)
    if not form.is_valid():
        request.payment_form = form  # type: ignore[attr-defined]
        return dossier_screen(request, dossier, status=400,
                              error=_("Vui lòng kiểm tra lại thông tin đã nhập."))
    try:
        payment = payments.payment_confirm(actor=request.user, dossier=dossier,
                                           **form.cleaned_data)
    except DomainError as exc:
        add_domain_errors(form, exc)
        request.payment_form = form  # type: ignore[attr-defined]
        # The screen shows the dossier as it is now: the refused confirmation changed nothing.
        dossier = worklist.dossier_for_staff(user=request.user, public_id=public_id)
        return dossier_screen(request, dossier, status=exc.status, error=exc.message)
    messages.success(request, _("Đã xác nhận thu phí, biên lai số %(number)s.")
                     % {"number": payment.receipt_number})
    response = HttpResponseRedirect(reverse("onestop:staff_dossier", args=[public_id]))
    response.status_code = 303
    return response


# -- the bank's webhook -------------------------------------------------------------------

UNMATCHED_MESSAGE = gettext_lazy("Không đối chiếu được giao dịch với hồ sơ nào đang chờ nộp "
                                 "phí; giao dịch được chuyển cho cán bộ kiểm tra.")
_ERROR = inline_serializer("PaymentWebhookError", {"error": inline_serializer(
    "PaymentWebhookErrorBody", {"code": serializers.CharField(),
                                "message": serializers.CharField()})})


class PaymentWebhook(APIView):
    """A bank (or bank-feed service) reports an incoming transfer. Machine to machine:
    no session, no CSRF, no throttle; only the signature authenticates it."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []
    parser_classes: list[Any] = []  # the signature covers the raw body: nobody parses it first

    @extend_schema(
        operation_id="payments_webhook",
        request={"application/json": inline_serializer("PaymentWebhookInput", {
            "error": serializers.IntegerField(),
            "data": inline_serializer("PaymentWebhookTransaction", {
                "reference": serializers.CharField(), "amount": serializers.IntegerField(),
                "accountNumber": serializers.CharField(),
                "description": serializers.CharField(),
                "transactionDateTime": serializers.CharField()})})},
        responses={
            200: inline_serializer("PaymentWebhookOutput", {
                "status": serializers.ChoiceField(choices=["confirmed", "duplicate"])}),
            400: OpenApiResponse(_ERROR, description="malformed"),
            401: OpenApiResponse(_ERROR, description="bad_signature"),
            404: OpenApiResponse(_ERROR, description="unmatched"),
            413: OpenApiResponse(_ERROR, description="too_large"),
            503: OpenApiResponse(_ERROR, description="not_configured")},
        description="Header X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
                    "\"<t>.\" + raw body> with BANK_WEBHOOK_SECRET (docs/one-stop.md).")
    def post(self, request: Request) -> Response:
        try:
            notification = banks.adapter().parse(request._request)
        except banks.WebhookError as exc:
            logger.warning("payment.webhook_refused", extra={"code": exc.code})
            return Response(error_body(exc.code, exc.message), status=exc.status)
        outcome, _payment = payments.payment_from_bank(notification=notification)
        if outcome == payments.BankOutcome.UNMATCHED:
            # One answer for every reason: the sender learns nothing about our dossiers.
            return Response(error_body("unmatched", str(UNMATCHED_MESSAGE)), status=404)
        return Response({"status": outcome.value}, status=200)
