"""Prometheus metrics, served at ``/metrics``.

Histograms, counters and a gauge read at scrape time, in a registry of their own (so tests and re-imports never clash
with ``prometheus_client``'s global one):

* ``arena_http_request_duration_seconds{route,method,status}``: the resolver's
  route pattern (``api/matches/<int:match_id>/result/``), never the raw path, so
  the label set stays bounded however many ids are requested;
* ``arena_db_query_duration_seconds{statement}``: timed by a
  ``connection.execute_wrapper`` the middleware installs for the request;
  ``statement`` is the SQL verb (SELECT, INSERT, ...);
* ``arena_broadcast_latency_seconds``: fed by ``observe_broadcast`` (realtime);
* ``arena_lock_hold_seconds{pipeline,entity_type}``: fed by ``observe_lock_hold``
  (core.locking);
* ``arena_cache_reads_total{cache,result}``: rows asked of a read-through cache
  (core.cache), ``hit`` or ``miss``; the hit ratio is hits over both.
* ``arena_task_duration_seconds{task,state}``: each Celery task's run, in the worker
  (config/celery.py); ``arena_webhook_attempts_total{outcome}``: webhook POSTs, ``ok``
  or ``failed``; ``arena_task_queue_depth``: messages waiting in the broker's queue, read
  at scrape time (-1 when the broker cannot be reached).

``/metrics`` answers a bearer token (``METRICS_TOKEN``) or an allowed address
(``METRICS_ALLOWED_NETWORKS``, loopback by default), 403 otherwise.

The middleware sits on every hot path and inside the perf suite's measurements
(the benchmarks pay it too): two ``perf_counter`` calls per request and
per query, one histogram observation each, nothing else.
"""

from __future__ import annotations

import functools
import hmac
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError

from core.network import address_in_networks

REGISTRY = CollectorRegistry(auto_describe=True)
# Buckets from 0.5 ms: the hot paths answer in a few milliseconds.
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
UNMATCHED = "<unmatched>"

REQUEST_DURATION = Histogram(
    "arena_http_request_duration_seconds",
    "HTTP request duration by resolver route.",
    ["route", "method", "status"],
    buckets=FAST_BUCKETS,
    registry=REGISTRY,
)
QUERY_DURATION = Histogram(
    "arena_db_query_duration_seconds",
    "Database statement duration by SQL verb.",
    ["statement"],
    buckets=FAST_BUCKETS,
    registry=REGISTRY,
)
BROADCAST_LATENCY = Histogram(
    "arena_broadcast_latency_seconds",
    "Commit-to-send latency of a realtime broadcast.",
    buckets=FAST_BUCKETS,
    registry=REGISTRY,
)
LOCK_HOLD = Histogram(
    "arena_lock_hold_seconds",
    "Row-lock hold time, acquisition to transaction end.",
    ["pipeline", "entity_type"],
    buckets=FAST_BUCKETS,
    registry=REGISTRY,
)

CACHE_READS = Counter(
    "arena_cache_reads_total",
    "Rows asked of a read-through cache (core.cache), by cache and hit or miss.",
    ["cache", "result"],
    registry=REGISTRY,
)

TASK_DURATION = Histogram(
    "arena_task_duration_seconds",
    "Celery task run time, by task and final state.",
    ["task", "state"],
    buckets=(0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    registry=REGISTRY,
)
WEBHOOK_ATTEMPTS = Counter(
    "arena_webhook_attempts_total",
    "Webhook delivery attempts, by outcome (ok: a 2xx answered it).",
    ["outcome"],
    registry=REGISTRY,
)


class TaskQueueCollector:
    """``arena_task_queue_depth``, asked of the broker when scraped (one LLEN on Redis)."""

    def describe(self) -> Iterator[GaugeMetricFamily]:  # without asking the broker (registration calls it)
        yield self._family()

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = self._family()
        gauge.add_metric([], task_queue_depth())
        yield gauge

    @staticmethod
    def _family() -> GaugeMetricFamily:
        return GaugeMetricFamily("arena_task_queue_depth", "Tasks waiting in the broker's queue (-1: unreachable).")


def task_queue_depth() -> int:
    """Messages in the default queue; 0 when tasks run eagerly (no broker); -1 when unreachable.

    One LLEN of the queue's list, named as kombu's Redis transport names it (the global key
    prefix, then the queue), on a client with the realtime app's short timeouts: a scrape
    or a health check never waits on a dead broker.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return 0
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"]
    try:
        return int(_broker().llen(f"{prefix}{settings.CELERY_TASK_DEFAULT_QUEUE}"))
    except (RedisError, OSError):  # reported as unreachable, never raised into a scrape
        return -1


@functools.cache
def _broker() -> redis.Redis:
    timeout = settings.REALTIME_REDIS_TIMEOUT_SECONDS
    return redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=timeout, socket_connect_timeout=timeout)


REGISTRY.register(TaskQueueCollector())

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
KNOWN_VERBS = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"})


def observe_broadcast(seconds: float) -> None:
    BROADCAST_LATENCY.observe(seconds)


def observe_lock_hold(pipeline: str, entity_type: str, seconds: float) -> None:
    LOCK_HOLD.labels(pipeline=pipeline, entity_type=entity_type).observe(seconds)


def observe_task(task: str, state: str, seconds: float) -> None:
    TASK_DURATION.labels(task=task, state=state).observe(seconds)


def observe_webhook_attempt(*, ok: bool) -> None:
    WEBHOOK_ATTEMPTS.labels(outcome="ok" if ok else "failed").inc()


def observe_cache_reads(cache: str, *, hits: int, misses: int) -> None:
    CACHE_READS.labels(cache=cache, result="hit").inc(hits)
    CACHE_READS.labels(cache=cache, result="miss").inc(misses)


# The labelled children, resolved once: ``labels()`` takes a lock and builds a key on
# every call, and time_query runs for every statement of every request.
QUERY_DURATION_BY_VERB = {verb: QUERY_DURATION.labels(statement=verb) for verb in (*KNOWN_VERBS, "OTHER")}


def statement_verb(sql: str) -> str:
    """The SQL verb, or OTHER: a bounded label set whatever the SQL."""
    verb = sql.lstrip()[:9].split(" ", 1)[0].upper()
    return verb if verb in KNOWN_VERBS else "OTHER"


def time_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    started = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        QUERY_DURATION_BY_VERB[statement_verb(sql)].observe(time.perf_counter() - started)


def route_of(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.route if match is not None and match.route else UNMATCHED


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        with connection.execute_wrapper(time_query):
            response = self.get_response(request)
        method = request.method if request.method in KNOWN_METHODS else "OTHER"
        REQUEST_DURATION.labels(route=route_of(request), method=method, status=response.status_code).observe(
            time.perf_counter() - started
        )
        return response


def scrape() -> bytes:
    """The exposition text: this process's registry, or every worker's under multiprocess mode.

    With ``PROMETHEUS_MULTIPROC_DIR`` set (``make serve`` sets it, before any worker
    imports prometheus_client), each worker writes its samples to files there and a
    scrape sums them, whichever worker answers it.
    """
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(TaskQueueCollector())
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def scrape_allowed(*, authorization: str, remote_addr: str, token: str, networks: list[str]) -> bool:
    """A bearer token that matches ``token`` (compared in constant time), or an allowed address."""
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    return address_in_networks(remote_addr, networks)


def metrics_view(request: HttpRequest) -> HttpResponse:
    allowed = scrape_allowed(
        authorization=request.headers.get("Authorization", ""),
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        token=settings.METRICS_TOKEN,
        networks=settings.METRICS_ALLOWED_NETWORKS,
    )
    if not allowed:
        return JsonResponse({"code": "permission_denied", "detail": "Metrics need a bearer token."}, status=403)
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_LATEST)
