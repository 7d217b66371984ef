"""Read-through caches in ``CACHES["default"]``, and the rule that an unreachable cache is a miss.

``CACHES["default"]`` is Redis when ``REDIS_URL`` is set, so every process shares the
entries and their invalidation; the process's own memory otherwise (the embedded,
one-process default).

``RowCache`` keeps rows by id, each entry stamped with its id's **generation**: a counter
in the cache that every write to the row bumps once the write's transaction commits
(after its locks are released: no cache I/O inside a transaction). A read fetches the
entry and the counter in one round trip (``get_many``: one ``MGET`` on Redis) and takes
the entry only when its stamp is the current generation. So no timing can serve a stale
row:

* a reader that loaded the row before a write committed stamped it with a generation
  the commit has since bumped, so nobody takes its entry, whenever it stores it;
* a reader inside the writing transaction (same connection) skips the cache for the
  ids it wrote, remembered on the connection until it leaves the transaction, and reads
  the database, which shows it its own write.

Counters never expire (a few bytes per row written). A row created without a signal
and without the manager (raw SQL) is not bumped; nor is a database restored from a
backup, whose ids then repeat: clear the cache after a restore.

The cache is an optimisation, never a dependency: a cache that cannot be reached is a
miss (the database answers) and a bump that cannot reach it is logged as an error. The
one thing that can then go stale is an entry stored before the outage that the failed
bump was meant to retire: it lives out its TTL. A partition that lets readers reach
Redis while the writer cannot is the only way to see it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND
from redis.exceptions import RedisError

from core.metrics import observe_cache_reads

logger = logging.getLogger(__name__)

Row = TypeVar("Row")
MISSING = object()  # what cache_call answers when the cache could not be reached


def cache_call(method: str, *args: Any) -> Any:
    """``cache.<method>(*args)``, or ``MISSING`` when the cache cannot be reached."""
    try:
        return getattr(cache, method)(*args)
    except (RedisError, OSError):  # an unreachable cache is a slower request, never a failed one
        logger.warning("cache unavailable for %s", method, exc_info=True)
        return MISSING


class RowCache(Generic[Row]):
    """Rows by id, each for ``settings.<seconds_setting>`` seconds (0: no cache)."""

    def __init__(self, name: str, *, seconds_setting: str) -> None:
        self.name = name
        self.seconds_setting = seconds_setting

    @property
    def seconds(self) -> int:
        return int(getattr(settings, self.seconds_setting))

    def entry_key(self, row_id: int) -> str:
        return f"{self.name}:{row_id}"

    def generation_key(self, row_id: int) -> str:
        return f"{self.name}:{row_id}:generation"

    def get_many(self, ids: Sequence[int], load: Callable[[list[int]], dict[int, Row]]) -> dict[int, Row]:
        """The rows of ``ids`` that exist, by id: cached ones from the cache, the rest from
        ``load`` (one call for all of them), which are then cached."""
        written = self._written()
        if written & set(ids):  # this transaction's own writes: the database shows them, the cache not yet
            rows = self._read_through([row_id for row_id in ids if row_id not in written], load)
            return {**rows, **load([row_id for row_id in ids if row_id in written])}
        return self._read_through(list(ids), load)

    def _read_through(self, ids: list[int], load: Callable[[list[int]], dict[int, Row]]) -> dict[int, Row]:
        if not ids:
            return {}
        seconds = self.seconds
        if not seconds:
            return load(ids)
        found = cache_call("get_many", [key for row_id in ids for key in self._keys(row_id)])
        if found is MISSING:
            return load(list(ids))
        rows: dict[int, Row] = {}
        stale: dict[int, int] = {}  # id -> the generation to stamp its fresh entry with
        for row_id in ids:
            generation = found.get(self.generation_key(row_id), 0)
            entry = found.get(self.entry_key(row_id))
            if entry is not None and entry[0] == generation:
                rows[row_id] = entry[1]
            else:
                stale[row_id] = generation
        observe_cache_reads(self.name, hits=len(rows), misses=len(stale))
        if stale:
            loaded = load(list(stale))
            if loaded:
                entries = {self.entry_key(row_id): (stale[row_id], row) for row_id, row in loaded.items()}
                cache_call("set_many", entries, seconds)
            rows.update(loaded)
        return rows

    def get(self, row_id: int, load: Callable[[int], Row | None]) -> Row | None:
        """The row ``row_id``, or None when ``load`` finds none (an absence is not cached)."""

        def load_one(ids: list[int]) -> dict[int, Row]:
            row = load(row_id) if row_id in ids else None
            return {} if row is None else {row_id: row}

        return self.get_many([row_id], load_one).get(row_id)

    def forget(self, ids: Iterable[int]) -> None:
        """Retire the entries of ``ids`` once the current transaction commits (at once outside
        one); until then this connection reads them from the database."""
        ids = list(ids)
        if not ids:
            return
        if connection.in_atomic_block:
            self._written(create=True).update(ids)
        transaction.on_commit(lambda: self._committed(ids))

    def _committed(self, ids: list[int]) -> None:
        self._bump(ids)
        self._written().difference_update(ids)

    def _written(self, *, create: bool = False) -> set[int]:
        """The ids this connection's open transaction wrote (empty outside a transaction)."""
        by_cache: dict[str, set[int]] | None = getattr(connection, "_row_cache_written", None)
        if not connection.in_atomic_block:
            if by_cache:  # left the transaction (committed: bumped; rolled back: nothing to hide)
                by_cache.clear()
            if not create:
                return set()
        if by_cache is None:
            by_cache = {}
            connection._row_cache_written = by_cache  # type: ignore[attr-defined]
        return by_cache.setdefault(self.name, set()) if create else by_cache.get(self.name, set())

    def _keys(self, row_id: int) -> tuple[str, str]:
        return self.entry_key(row_id), self.generation_key(row_id)

    def _bump(self, ids: list[int]) -> None:
        for row_id in ids:
            key = self.generation_key(row_id)
            # add, then incr: incr refuses a missing key; add never resets a counter.
            if cache_call("add", key, 0, None) is MISSING or cache_call("incr", key) is MISSING:
                logger.error("%s cache: could not retire entry %s; it may be stale for its TTL", self.name, row_id)


def filtered_ids(queryset: QuerySet[Any]) -> list[Any] | None:
    """The primary keys ``queryset`` is limited to by a top-level ``pk=`` or ``pk__in=``
    with literal values, or None when its filter does not say (a caller then asks the
    database). Every row the queryset can touch is among them."""
    query = queryset.query
    if query.where.connector != AND or query.where.negated:
        return None
    for condition in query.where.children:
        column = getattr(condition, "lhs", None)
        target = getattr(column, "target", None)
        if target is None or not target.primary_key or target.model is not queryset.model:
            continue
        if isinstance(condition, Exact) and not hasattr(condition.rhs, "resolve_expression"):
            return [condition.rhs]
        if isinstance(condition, In) and isinstance(condition.rhs, (list, tuple, set, frozenset)):
            return list(condition.rhs)
    return None
