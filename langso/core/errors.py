"""Domain errors carry a user-facing (Vietnamese) message; views and the API show it as is."""

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused the action; ``message`` is shown to the user."""

    status = 400
    code = "invalid"

    def __init__(self, message: Any, *, code: str | None = None,
                 field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        if code:
            self.code = code
        self.field_errors = field_errors or {}


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The object is not in a state that allows the action (workflow, stale data)."""

    status = 409
    code = "conflict"
