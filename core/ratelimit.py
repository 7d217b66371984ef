"""Fixed-window counters in the cache, shared by every worker (Redis) or one process (locmem).

``cache.add`` + ``cache.incr`` are atomic in Redis, so concurrent requests on different
workers never both see the same count (DRF's read-modify-write timestamp list does).
The price of a fixed window: a burst of up to twice the limit across a window boundary,
acceptable for abuse limits.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from django.core.cache import cache

_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    window_seconds: int

    @classmethod
    def parse(cls, raw: str) -> Rate:
        """``N/second|minute|hour|day`` (DRF's syntax; ``s``/``min``/... work too)."""
        match = re.fullmatch(r"([1-9][0-9]*)/([a-z]+)", raw.strip().lower())
        if match is None or match.group(2)[0] not in _PERIODS:
            raise ValueError(f"{raw!r} is not a rate like 20/minute")
        return cls(limit=int(match.group(1)), window_seconds=_PERIODS[match.group(2)[0]])


@dataclass(frozen=True)
class Window:
    count: int
    ends_at: float
    now: float

    def retry_after(self) -> int:
        """Whole seconds until the window ends (at least 1), for ``Retry-After``."""
        return max(1, int(self.ends_at - self.now + 0.999))


def window_key(key: str, *, window_seconds: int, now: float) -> str:
    return f"{key}:{int(now // window_seconds)}"


def window_increment(key: str, *, window_seconds: int, now: float | None = None) -> Window:
    """Count one more event under ``key`` in the current window; returns the new count."""
    now = time.time() if now is None else now
    full_key = window_key(key, window_seconds=window_seconds, now=now)
    ends_at = (int(now // window_seconds) + 1) * window_seconds
    cache.add(full_key, 0, timeout=window_seconds + 1)
    try:
        count = cache.incr(full_key)
    except ValueError:
        # The key expired between add() and incr(): this event opens a new window.
        cache.add(full_key, 1, timeout=window_seconds + 1)
        count = 1
    return Window(count=count, ends_at=ends_at, now=now)


def window_peek(key: str, *, window_seconds: int, now: float | None = None) -> Window:
    """The current window's count without adding to it."""
    now = time.time() if now is None else now
    ends_at = (int(now // window_seconds) + 1) * window_seconds
    count = cache.get(window_key(key, window_seconds=window_seconds, now=now), 0)
    return Window(count=int(count), ends_at=ends_at, now=now)
