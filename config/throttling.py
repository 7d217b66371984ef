"""Per-scope rate limits that hold across worker processes.

DRF's ``SimpleRateThrottle`` keeps a list of request timestamps per client and writes
it back after reading it. With several workers, two requests can read the same list
and both pass: the limit leaks by the number of workers. This throttle counts in a
fixed window (``core.ratelimit``: ``cache.add`` + ``cache.incr``, atomic in Redis), so
every worker sees the same count.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

from core.ratelimit import window_increment

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # rest_framework.views imports this module while it is being defined
    from rest_framework.request import Request
    from rest_framework.views import APIView


class ScopedRateThrottle(throttling.ScopedRateThrottle):
    """Limits views that set ``throttle_scope``; the key is the user, else the client IP."""

    cache_format = "throttle:%(scope)s:%(ident)s"

    def get_rate(self) -> str | None:
        # Read at call time (DRF binds the rates at import), so settings overrides apply.
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate set for scope {self.scope!r}")
        rate = rates[self.scope]
        return None if rate is None else str(rate)

    def allow_request(self, request: Request, view: APIView) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.num_requests is None or self.duration is None:
            return True  # no rate for this scope: unlimited
        client_key = self.get_cache_key(request, view) or ""
        try:
            return self._count(client_key, window_seconds=self.duration) <= self.num_requests
        except RedisError as error:
            # The counter lives in Redis. Unreachable, it must not turn a write into a 500
            # (nor make it wait: the cache has timeouts): the request goes through unthrottled.
            logger.warning("throttle %s: counter unavailable (%s); not throttling", self.scope, error)
            return True

    def _count(self, client_key: str, *, window_seconds: int) -> int:
        self.now = self.timer()
        window = window_increment(client_key, window_seconds=window_seconds, now=self.now)
        self.window_ends_at = window.ends_at
        return window.count

    def wait(self) -> float:
        return max(1, math.ceil(self.window_ends_at - self.now))
