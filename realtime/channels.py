"""What the realtime modules share: Redis names, and the fan-out registry.

``events`` (writing, delivering) and ``hub`` (per-process delivery to sockets) both
need these names; they live here so neither imports the other.

A *fan-out* is how a numbered event reaches the sockets of every server process.
Realtime registers the per-process hub (``RealtimeConfig.ready``), the only one
production runs; another app may register a variant to measure against (the perf
app registers stock Channels ``group_send``). ``settings.REALTIME_FANOUT`` picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: ``deliver(tournament_id=..., seq=..., text=...)``: hand one encoded event on.
Deliver = Callable[..., None]


@dataclass(frozen=True)
class Fanout:
    """One way to deliver events.

    ``consumer``: dotted path of the consumer serving ``ws/tournaments/<id>/``.
    ``deliver_local``: local mode (no Redis), called after the event's commit.
    ``deliver_redis``: Redis mode, called after the event was PUBLISHed (None: nothing more to do).
    """

    consumer: str
    deliver_local: Deliver
    deliver_redis: Deliver | None = None


_fanouts: dict[str, Fanout] = {}


def fanout_register(name: str, fanout: Fanout) -> None:
    _fanouts[name] = fanout


def fanout_get() -> Fanout:
    """The fan-out ``settings.REALTIME_FANOUT`` names."""
    try:
        return _fanouts[settings.REALTIME_FANOUT]
    except KeyError:
        raise ImproperlyConfigured(
            f"REALTIME_FANOUT={settings.REALTIME_FANOUT!r} is not registered (known: {sorted(_fanouts)})"
        ) from None


def redis_channel(tournament_id: int) -> str:
    return f"{redis_prefix()}:rt:t:{tournament_id}"


def redis_prefix() -> str:
    """The deployment's Redis namespace (the one the cache and the channel layer use)."""
    return settings.REDIS_PREFIX


def redis_options() -> dict:
    """Timeouts on every Redis connection, and no silent retries: a request thread never hangs
    on an unreachable Redis, and the hub notices a dead connection instead of retrying blind."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = settings.REALTIME_REDIS_TIMEOUT_SECONDS
    return {"socket_connect_timeout": timeout, "socket_timeout": timeout, "retry": Retry(NoBackoff(), 0)}


@cache
def sync_redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, **redis_options())
