"""Rate limit on anonymous writes (sign-up, OTP, public submissions)."""

from typing import Any

from rest_framework.throttling import AnonRateThrottle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class AnonymousWriteThrottle(AnonRateThrottle):
    scope = "anon_write"

    def allow_request(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS or request.user.is_authenticated:
            return True
        return super().allow_request(request, view)
