"""The public status page (/tra-cuu/): anyone with a dossier's code or lookup code, or the
QR on its receipt, sees where it stands — and nothing personal beyond a masked name.

No login, no JavaScript, no cookie, a few kilobytes. Lookups are rate-limited per client
address so that codes cannot be enumerated quickly.
"""

import re
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from langso.core.middleware import client_address
from langso.onestop.models import Dossier, PaymentStatus
from langso.onestop.selectors import dossier_by_lookup
from langso.onestop.workflow import TRANSITIONS, State

MAX_CODE = 40
# Dossier codes are "<organ>-<yymmdd>-<nnnn>", lookup codes six letters and digits.
CODE_SHAPE = re.compile(r"^[A-Za-z0-9-]{1,40}$")
# (lookups, seconds) per client address. Misses count in their own, tighter bucket: a
# village sharing one public address may follow many real dossiers, but an enumerator
# mostly misses. Override with ONESTOP_STATUS_RATE / ONESTOP_STATUS_MISS_RATE.
DEFAULT_RATE = (120, 600)
DEFAULT_MISS_RATE = (20, 600)

# Milestone names that are not transitions of the workflow table.
OTHER_MILESTONES = {
    "submit": gettext_lazy("Nộp hồ sơ"),
    "extend": gettext_lazy("Gia hạn, hẹn lại ngày trả kết quả"),
    "pay": gettext_lazy("Nộp phí, lệ phí"),  # payments.payment_confirm records this step
}


def milestone_label(action: str) -> str:
    if action in TRANSITIONS:
        return str(TRANSITIONS[action].label)
    return str(OTHER_MILESTONES.get(action, action))


def mask_name(name: str) -> str:
    """"Nguyễn Thị Lan" → "N*** T*** Lan": enough for the applicant to recognise their own
    dossier, not enough for a passer-by to learn who applied."""
    words = (name or "").split()
    if not words:
        return ""
    return " ".join([*(f"{w[0]}***" for w in words[:-1]), words[-1]])


def _rate(name: str, default: tuple[int, int]) -> tuple[int, int]:
    value = getattr(settings, name, default)
    return int(value[0]), int(value[1])


def _over_limit(bucket: str, address: str, rate: tuple[int, int]) -> bool:
    """Count one lookup in ``bucket``; True once the address passed its allowance in the
    current window (a fixed window: simple, and the cache forgets it by itself)."""
    limit, window = rate
    key = f"onestop:status:{bucket}:{address}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def _address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


def _limited(request: HttpRequest, code: str) -> HttpResponse:
    response = render(request, "onestop/status.html", {"code": code, "limited": True},
                      status=429)
    response["Retry-After"] = str(_rate("ONESTOP_STATUS_RATE", DEFAULT_RATE)[1])
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # The code in the address bar is the key to the page: never sent on to other sites,
    # never kept by a shared cache, never indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _milestones(dossier: Dossier) -> list[dict[str, Any]]:
    """Each step's name and day: no officer, no reason (a reason may name people)."""
    return [{"label": milestone_label(step.action), "at": step.at}
            for step in dossier.steps.only("action", "at").order_by("at", "pk")]


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    """The lookup form; a code sent with it (GET, works without JavaScript) goes to its
    page."""
    code = (request.GET.get("ma") or "").strip()
    if code:
        if not CODE_SHAPE.match(code):
            return _private(render(request, "onestop/status.html", {
                "code": "", "not_found": True}, status=404))
        return redirect("onestop:status_detail", code=code.upper())
    return _private(render(request, "onestop/status.html", {"code": ""}))


@require_safe
def detail(request: HttpRequest, code: str) -> HttpResponse:
    code = (code or "").strip()[:MAX_CODE]
    address = _address(request)
    if _over_limit("all", address, _rate("ONESTOP_STATUS_RATE", DEFAULT_RATE)):
        return _limited(request, code)
    dossier = dossier_by_lookup(code)
    if dossier is None:
        if _over_limit("miss", address, _rate("ONESTOP_STATUS_MISS_RATE", DEFAULT_MISS_RATE)):
            return _limited(request, code)
        return _private(render(request, "onestop/status.html", {
            "code": code, "not_found": True}, status=404))
    state = State(dossier.status)
    return _private(render(request, "onestop/status.html", {
        "code": code, "dossier": dossier, "state": state,
        "applicant": mask_name(dossier.applicant_name),
        "milestones": _milestones(dossier),
        "supplement": dossier.supplement_request if state == State.SUPPLEMENT else "",
        "payment": (None if dossier.payment_status == PaymentStatus.NOT_REQUIRED
                    else dossier.get_payment_status_display()),
    }))
