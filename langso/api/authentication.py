"""Session authentication for the API that honours the staff second factor.

Kept apart from the API views: DRF imports authentication classes while its own
``rest_framework.views`` is still loading.
"""

from typing import Any

from rest_framework.authentication import SessionAuthentication


class VerifiedSessionAuthentication(SessionAuthentication):
    """Treats a staff session still waiting for its TOTP check as anonymous, so the API
    cannot be used to step around the second factor (STAFF_REQUIRE_2FA)."""

    def authenticate(self, request: Any) -> Any:
        result = super().authenticate(request)
        if result is None:
            return None
        from langso.core.services.accounts import session_needs_second_factor

        if session_needs_second_factor(request._request):
            return None
        return result
