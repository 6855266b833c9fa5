"""Fixed-window counters for rate limits on public writes (a report form, a lookup page):
Redis when ``REDIS_URL`` is set (shared by every worker and host), else memory of this
process. ``too_many(key, limit, window)`` counts one hit and says whether it went over.

Without Redis a limit holds per worker process (with N processes a client gets up to N
times the allowance): enough to stop a script, never a shared database row per request.
"""

import logging
import threading
import time
import uuid
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)


class _Memory:
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
            live = dict(sorted(live.items(), key=lambda item: item[1][0])[len(live) // 2:])
        self._windows = live

    def clear(self) -> None:
        with self._lock:
            self._windows.clear()


class _Counters:
    def __init__(self) -> None:
        self.memory = _Memory()
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
            logger.warning("rate limiter: Redis unavailable, counting in memory",
                           exc_info=True)
            return self.memory.hit(key, window)


_counters = _Counters()
# Prefix of every key; ``reset`` changes it so that counts kept in Redis by earlier tests
# (same client address, same keys) are not seen again.
_namespace = {"value": ""}


def too_many(key: str, limit: int, window: int) -> bool:
    """Count one hit on ``key``; True once it passed ``limit`` hits in the current window of
    ``window`` seconds. The allowance is part of the key: a changed setting starts afresh."""
    return _counters.hit(f"ratelimit:{_namespace['value']}{key}:{limit}:{window}",
                         window) > limit


def reset() -> None:
    """Tests: forget every count of this process, and start counting under fresh keys in
    Redis (the old ones expire by themselves)."""
    _counters.memory.clear()
    _namespace["value"] = f"{uuid.uuid4().hex[:12]}:"
