"""The unread count beside the inbox link in every page's header (counted only if shown)."""

from typing import Any

from django.http import HttpRequest


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def unread() -> int:
        from langso.core.notifications.selectors import unread_count

        return unread_count(user=user)

    return {"unread_notifications": unread}
