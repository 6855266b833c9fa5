"""Who is acting and from where, for the current request or task (history, logs)."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    client_address: str | None = None
    user_id: int | None = None


_EMPTY = RequestContext()
_current: ContextVar[RequestContext] = ContextVar("langso_request", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def set_current(ctx: RequestContext):  # type: ignore[no-untyped-def]
    return _current.set(ctx)


def reset(token) -> None:  # type: ignore[no-untyped-def]
    _current.reset(token)
