"""The public page where anybody checks a PDF the commune issued: who signed it, when,
whether it changed since, and whether the signer is trusted. No login, no JavaScript; the
file is read, checked and forgotten (nothing is stored)."""

from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from langso.core.uploads.serving import FORM_OVERHEAD, BodySizeCap, upload_refused
from langso.signing.pdf import VerificationResult, verify_pdf

MB = 1024 * 1024


def max_bytes() -> int:
    return int(settings.SIGNING_VERIFY_MAX_MB) * MB


def _too_large() -> str:
    return _("Tệp quá lớn, tối đa %(mb)d MB.") % {"mb": settings.SIGNING_VERIFY_MAX_MB}


class VerifyForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Tệp PDF cần kiểm tra"),
        help_text=gettext_lazy("Văn bản điện tử do xã phát hành (định dạng PDF)."),
        error_messages={"required": gettext_lazy("Vui lòng chọn tệp PDF."),
                        "empty": gettext_lazy("Tệp trống.")})

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > max_bytes():
            raise forms.ValidationError(_too_large())
        return upload


def _capped(view: Any) -> Any:
    """Refuse a body over the cap before reading it, then check CSRF (which reads it)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request.upload_handlers.insert(0, BodySizeCap(request, max_bytes() + FORM_OVERHEAD))
        return protected(request, *args, **kwargs)

    return wrapped


def _page(request: HttpRequest, form: VerifyForm, *, result: VerificationResult | None = None,
          error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "signing/verify.html",
                  {"form": form, "result": result, "error": error,
                   "max_mb": settings.SIGNING_VERIFY_MAX_MB}, status=status)


@_capped
@require_http_methods(["GET", "HEAD", "POST"])
def verify_document(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, VerifyForm())
    if upload_refused(request):
        form = VerifyForm()
        return _page(request, form, error=_too_large(), status=413)
    form = VerifyForm(request.POST, request.FILES)
    if not form.is_valid():
        too_large = any(e == _too_large() for e in form.errors.get("file", []))
        return _page(request, form, error=_("Vui lòng kiểm tra lại tệp đã chọn."),
                     status=413 if too_large else 400)
    upload = form.cleaned_data["file"]
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():  # the declared size lied
        return _page(request, VerifyForm(), error=_too_large(), status=413)
    result = verify_pdf(data)
    # A file that is not a PDF is the visitor's mistake; everything else is an answer.
    return _page(request, VerifyForm(), result=result, status=200 if result.is_pdf else 400)
