"""The public status page (/tra-cuu/): anyone with a dossier's code or lookup code, or the
QR on its receipt, sees where it stands — and nothing personal beyond a masked name.

No login, no JavaScript, no cookie, a few kilobytes. Lookups are rate-limited per client
address so that codes cannot be enumerated quickly.
"""

import logging
import re
import threading
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from langso.core.middleware import client_address
from langso.onestop import selectors, status_cache
from langso.onestop.models import Dossier, PaymentStatus
from langso.onestop.workflow import TRANSITIONS, State

logger = logging.getLogger(__name__)

MAX_CODE = 40
# Dossier codes are "<organ>-<yymmdd>-<nnnn>", lookup codes six letters and digits.
CODE_SHAPE = re.compile(r"^[A-Za-z0-9-]{1,40}$")
# (lookups, seconds) per client address. Misses count in their own, tighter bucket: a
# village sharing one public address may follow many real dossiers, but an enumerator
# mostly misses. Override with ONESTOP_STATUS_RATE / ONESTOP_STATUS_MISS_RATE.
DEFAULT_RATE = (120, 600)
DEFAULT_MISS_RATE = (20, 600)
RATE_SETTINGS = {"all": ("ONESTOP_STATUS_RATE", DEFAULT_RATE),
                 "miss": ("ONESTOP_STATUS_MISS_RATE", DEFAULT_MISS_RATE)}

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


def status_rate(bucket: str) -> tuple[int, int]:
    """(lookups, seconds) allowed per client address in ``bucket`` ("all" or "miss")."""
    name, default = RATE_SETTINGS[bucket]
    value = getattr(settings, name, default)
    return int(value[0]), int(value[1])


def status_address(request: HttpRequest) -> str:
    return client_address(request) or "unknown"


def status_rate_limited(request: HttpRequest, bucket: str) -> bool:
    """Count one lookup from the request's address in ``bucket`` ("all": every lookup,
    "miss": lookups of an unknown code); True once the address passed its allowance in the
    current window. Shared by the page and the API, so asking one does not buy more guesses
    from the other."""
    limit, window = status_rate(bucket)
    # The allowance is part of the key: a changed setting starts a fresh count.
    key = f"onestop:status:{bucket}:{limit}:{window}:{status_address(request)}"
    return _counters.hit(key, window) > limit


class _MemoryCounters:
    """Fixed-window counters in this process. Without Redis the limits hold per worker
    process (with N workers an address gets up to N times the allowance) — still enough to
    make enumerating codes slow, and free of the shared database row every request used to
    UPDATE under the database cache."""

    MAX_KEYS = 50_000  # bounded memory under many addresses: expired windows go first

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, list[float]] = {}  # key -> [window end, count]

    def hit(self, key: str, window: int) -> int:
        now = time.monotonic()
        with self._lock:
            entry = self._windows.get(key)
            if entry is None or entry[0] <= now:
                if len(self._windows) >= self.MAX_KEYS:
                    self._prune(now)
                entry = self._windows[key] = [now + window, 0]
            entry[1] += 1
            return int(entry[1])

    def _prune(self, now: float) -> None:
        live = {k: v for k, v in self._windows.items() if v[0] > now}
        if len(live) >= self.MAX_KEYS:  # still full: keep the newer half of the windows
            keep = sorted(live.items(), key=lambda item: item[1][0])[len(live) // 2:]
            live = dict(keep)
        self._windows = live

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


class _Counters:
    """Redis when REDIS_URL is set (one round trip, limits shared by every worker and
    host), else counters in this process."""

    def __init__(self) -> None:
        self.memory = _MemoryCounters()
        self._redis: Any = None
        self._redis_url = ""

    def _client(self) -> Any:
        url = getattr(settings, "REDIS_URL", "")
        if not url:
            return None
        if self._redis is None or url != self._redis_url:
            import redis

            self._redis = redis.Redis.from_url(url, socket_timeout=0.5,
                                               socket_connect_timeout=0.5)
            self._redis_url = url
        return self._redis

    def hit(self, key: str, window: int) -> int:
        client = self._client()
        if client is None:
            return self.memory.hit(key, window)
        try:
            pipe = client.pipeline(transaction=False)
            pipe.set(key, 0, ex=window, nx=True)  # opens the window; no-op inside one
            pipe.incr(key)
            return int(pipe.execute()[1])
        except Exception:  # Redis down: keep limiting, in this process, rather than fail
            logger.warning("status rate limiter: Redis unavailable, counting in memory",
                           exc_info=True)
            return self.memory.hit(key, window)

    def clear(self) -> None:
        """Tests: forget every count of this process (Redis keys expire by themselves)."""
        self.memory.clear()


_counters = _Counters()
reset_status_limits = _counters.clear


def _limited(request: HttpRequest, code: str) -> HttpResponse:
    response = render(request, "onestop/status.html", {"code": code, "limited": True},
                      status=429)
    response["Retry-After"] = str(status_rate("all")[1])
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # The code in the address bar is the key to the page: never sent on to other sites,
    # never kept by a shared cache, never indexed.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    patch_cache_control(response, private=True, no_cache=True)
    return response


def public_status(dossier: Dossier) -> dict[str, Any]:
    """What anybody holding the code may read (the page and the API): the state, the masked
    name, each step's name and day — no officer, no reason (a reason may name people) —
    what is missing, and whether the fee is paid."""
    state = State(dossier.status)
    return {
        "state": state,
        "applicant": mask_name(dossier.applicant_name),
        "milestones": [{"label": milestone_label(action), "at": at} for action, at in
                       dossier.steps.order_by("at", "pk").values_list("action", "at")],
        "supplement": dossier.supplement_request if state == State.SUPPLEMENT else "",
        "payment": (None if dossier.payment_status == PaymentStatus.NOT_REQUIRED
                    else str(dossier.get_payment_status_display())),
    }


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
    # The short path (status_cache) has counted this lookup already when it passed it on.
    limited = getattr(request, status_cache.LIMITED, None)
    if limited is None:
        limited = status_rate_limited(request, "all")
    if limited:
        return _limited(request, code)
    dossier = selectors.dossier_by_lookup(code)
    if dossier is None:
        if status_rate_limited(request, "miss"):
            return _limited(request, code)
        return _private(render(request, "onestop/status.html", {
            "code": code, "not_found": True}, status=404))
    response = _private(render(request, "onestop/status.html", {
        "code": code, "dossier": dossier, **public_status(dossier)}))
    return status_cache.mark_cacheable(response, dossier.code, dossier.lookup_code)
