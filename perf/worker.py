"""One side of a same-machine comparison: a subprocess that times hot paths of one source tree.

``perf.compare`` starts one worker per side (the working tree, the base commit's exported
tree, and, for the sharpness proof, the working tree with a slowdown injected) and asks
them, in turn, to time blocks of calls. Each worker has its own throwaway test database
and its own Redis prefix. Usage::

    python perf/worker.py TREE        # JSON lines: requests on stdin, answers on stdout

The worker imports nothing of this file's own tree: it puts ``TREE`` first on
``sys.path`` and uses only the perf harness contract that every commit since the
first perf suite has (``config.settings``, ``perf.harness.REGISTRY`` of ``Scenario``
classes with ``setup/prepare/run``, ``perf.scenarios.load_all()``). So today's driver
measures an older commit's code, and both sides are timed by the same clock code.

Stdlib and Django only at module level; this file is copied next to the base tree.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Statements of one call that PostgreSQL's auto_explain prints (client_min_messages).
AUTO_EXPLAIN = (
    "LOAD 'auto_explain'",
    "SET auto_explain.log_min_duration = 0",
    "SET auto_explain.log_analyze = on",
    "SET auto_explain.log_buffers = on",
    "SET auto_explain.log_timing = on",
    "SET auto_explain.log_format = 'json'",
    "SET auto_explain.log_level = 'log'",
    "SET client_min_messages = 'log'",
)


class ScenarioBroken(Exception):
    """A scenario's response check failed: the hot path is broken, not slow."""


def install_slowdowns(rules: list[dict[str, Any]]) -> None:
    """Slow requests down at Django's request handler, outside any project code.

    Each rule ``{"kind": "cpu" | "wait", "fraction": f, "path": prefix}`` makes every
    request whose path starts with ``prefix`` take ``f`` times its own wall time
    longer: ``cpu`` busy-waits, ``wait`` sleeps (what an added network call, lock
    wait or fsync looks like). The clock that times the hot path is not touched.
    """
    if not rules:
        return
    from django.core.handlers.base import BaseHandler

    handle = BaseHandler.get_response

    def get_response(self: Any, request: Any) -> Any:
        started = time.perf_counter()
        response = handle(self, request)
        elapsed = time.perf_counter() - started
        for rule in rules:
            if request.path.startswith(rule["path"]):
                extra = elapsed * rule["fraction"]
                if rule["kind"] == "wait":
                    time.sleep(extra)
                else:
                    until = time.perf_counter() + extra
                    while time.perf_counter() < until:
                        pass
        return response

    BaseHandler.get_response = get_response  # type: ignore[method-assign]


class Worker:
    def __init__(self) -> None:
        self.scenarios: dict[str, Any] = {}
        self.old_config: Any = None

    # --- requests ---------------------------------------------------------------------

    def setup(
        self, *, names: list[str], warmup: int, modules: list[str], slowdowns: list[dict[str, Any]], role: str
    ) -> dict[str, Any]:
        import importlib

        import django
        from django.conf import settings

        django.setup()
        from django.db import connection
        from django.test.utils import setup_databases, setup_test_environment

        from perf.harness import REGISTRY
        from perf.scenarios import load_all

        load_all()
        for module in modules:  # extra scenarios, e.g. tests.perf.synthetic
            importlib.import_module(module)
        if connection.vendor != "sqlite":  # SQLite test databases are in memory, one per process
            database = settings.DATABASES["default"]
            name = f"test_{database['NAME']}_{role}_{os.getpid()}"[:63]
            database.setdefault("TEST", {})["NAME"] = name
            # Recorded before it exists: a run killed from here on leaves it named for
            # the next run's sweep (perf.compare.sweep_leftovers).
            (Path(__file__).parent / "database").write_text(name)
            pool = database.get("OPTIONS", {}).get("pool")
            if pool:  # one request at a time needs one connection: see fresh_connection()
                database["OPTIONS"]["pool"] = {**(pool if isinstance(pool, dict) else {}), "min_size": 1}
        setup_test_environment()
        self.old_config = setup_databases(verbosity=0, interactive=False, aliases={"default": True})
        self._relax_limits(settings)
        install_slowdowns(slowdowns)
        paths = {}
        for name in names:
            if name not in REGISTRY:
                continue
            scenario = REGISTRY[name]()
            scenario.setup()
            for item in scenario.prepare(warmup):
                self._call(name, scenario, item)
            queries = self._capture(scenario)  # warm, as the timed calls are (the token cache)
            self.scenarios[name] = scenario
            paths[name] = {
                "description": getattr(scenario, "description", ""),
                "requests": getattr(scenario, "requests", 1),
                "queries": queries,
            }
        return {"vendor": connection.vendor, "database": self._database(), "paths": paths}

    def block(self, *, name: str, size: int, warm: int) -> dict[str, Any]:
        """Wall and CPU seconds of ``size`` calls, after ``warm`` untimed ones; inputs
        prepared first (untimed), GC off.

        The warm calls matter: the first calls after a worker got the CPU back from
        another are up to twice as slow (caches, the vCPU's wake-up), and that would
        be billed to whichever arm happened to run after a switch."""
        scenario = self.scenarios[name]
        items = scenario.prepare(warm + size)
        self._fresh_connection()
        walls, cpus = [], []
        # Collected before the warm calls: a collection walks the whole heap and
        # leaves the caches cold for the next call.
        gc.collect()
        gc.disable()
        try:
            for item in items[:warm]:
                self._call(name, scenario, item)
            for item in items[warm:]:
                wall, cpu = time.perf_counter(), time.thread_time()
                self._call(name, scenario, item)
                cpus.append(time.thread_time() - cpu)
                walls.append(time.perf_counter() - wall)
        finally:
            gc.enable()
        return {"wall": walls, "cpu": cpus}

    def profile(self, *, name: str, calls: int) -> dict[str, Any]:
        """Every statement of ``calls`` calls, timed precisely, then one call with auto_explain.

        Statements are grouped by their SQL text (placeholders, not values). The last
        call runs under PostgreSQL's auto_explain, so each statement's plan is the one
        it really ran with, writes and lock statements included, never re-executed.
        On SQLite, ``EXPLAIN QUERY PLAN`` (which executes nothing) of each statement
        with its last parameters.
        """
        from django.db import connection

        scenario = self.scenarios[name]
        timings: dict[str, dict[str, Any]] = {}

        def timed(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                entry = timings.setdefault(sql, {"sql": sql, "seconds": 0.0, "count": 0})
                entry["seconds"] += time.perf_counter() - started
                entry["count"] += 1
                entry["params"] = params

        with connection.execute_wrapper(timed):
            for item in scenario.prepare(calls):
                self._call(name, scenario, item)
        plans = self._auto_explain(name, scenario) if connection.vendor == "postgresql" else {}
        statements = []
        for entry in timings.values():
            plan = plans.get(entry["sql"])
            if plan is None and connection.vendor == "sqlite":
                plan = self._sqlite_plan(entry["sql"], entry["params"])
            statements.append(
                {"sql": entry["sql"], "seconds": entry["seconds"] / calls, "count": entry["count"], "plan": plan}
            )
        return {"calls": calls, "statements": statements}

    def quit(self) -> dict[str, Any]:
        from django.test.utils import teardown_databases, teardown_test_environment

        if self.old_config is not None:
            teardown_databases(self.old_config, verbosity=0)
            teardown_test_environment()
            self.old_config = None
        return {}

    # --- helpers ----------------------------------------------------------------------

    @staticmethod
    def _fresh_connection() -> None:
        """A new server connection for every block (made during its untimed calls).

        A client and its PostgreSQL backend run on the same CPU or on two; which one
        the scheduler picked sticks for as long as the connection lives, and it moves
        every round trip's wake-up cost: measured here, a worker's transfer stayed 17%
        faster or 31% slower than the other's for a whole run. A fresh backend per
        block makes the placement a per-block draw, the same for every arm, that the
        rounds average out instead of a bias of one arm."""
        from django.db import connection

        if connection.vendor == "postgresql":
            connection.close()
            if hasattr(connection, "close_pool"):
                connection.close_pool()

    @staticmethod
    def _database() -> str:
        from django.db import connection

        if connection.vendor == "sqlite":
            import sqlite3

            return f"sqlite {sqlite3.sqlite_version}"
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT VERSION()")
            return f"{connection.vendor} {cursor.fetchone()[0]}"

    @staticmethod
    def _relax_limits(settings: Any) -> None:
        """Fast hashing, no abuse limits and no realtime relay timer.

        A benchmark repeats one user's request hundreds of times a minute. The relay
        (``realtime.hub``) is the hub's safety net for events another process wrote: a
        worker has no other process, and once the broadcast scenario's listeners have
        joined, the relay would read the outbox every second from its own thread, in
        the middle of other paths' timed calls. On SQLite's shared-cache in-memory
        test database that read takes a table lock that a concurrent write does not
        wait for (SQLITE_LOCKED ignores the busy timeout): a finalization answered 503.
        """
        from django.test.utils import override_settings

        rest_framework = dict(settings.REST_FRAMEWORK)
        rest_framework["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(rest_framework.get("DEFAULT_THROTTLE_RATES", {}))
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            REST_FRAMEWORK=rest_framework,
            REALTIME_RELAY_SECONDS=24 * 3600,
        ).enable()

    @staticmethod
    def _call(name: str, scenario: Any, item: Any) -> None:
        try:
            scenario.run(item)
        except AssertionError as exc:
            raise ScenarioBroken(f"hot path {name!r} is broken: {exc}") from exc

    def _capture(self, scenario: Any) -> list[dict[str, str]]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        (item,) = scenario.prepare(1)
        with CaptureQueriesContext(connection) as captured:
            self._call(scenario.name, scenario, item)
        return [{"sql": query["sql"]} for query in captured.captured_queries]

    def _auto_explain(self, name: str, scenario: Any) -> dict[str, Any]:
        """One call under auto_explain: each statement's plan, keyed by its SQL text.

        Django binds parameters on the client, so the plan's query text holds values,
        not placeholders; a plan is matched to the statement during whose execution
        its notice arrived."""
        from django.db import connection

        arrived: list[Any] = []
        plans: dict[str, Any] = {}

        def notice(diagnostic: Any) -> None:
            message = diagnostic.message_primary or ""
            if "plan:" in message:
                arrived.append(json.loads(message.split("plan:", 1)[1])["Plan"])

        def matched(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            before = len(arrived)
            try:
                return execute(sql, params, many, context)
            finally:
                if len(arrived) > before:
                    plans.setdefault(sql, arrived[-1])

        (item,) = scenario.prepare(1)
        connection.ensure_connection()
        raw = connection.connection
        with connection.cursor() as cursor:
            for statement in AUTO_EXPLAIN:
                cursor.execute(statement)
        raw.add_notice_handler(notice)
        try:
            with connection.execute_wrapper(matched):
                self._call(name, scenario, item)
        finally:
            raw.remove_notice_handler(notice)
            with connection.cursor() as cursor:
                cursor.execute("SET auto_explain.log_min_duration = -1")
                cursor.execute("RESET client_min_messages")
        return plans

    @staticmethod
    def _sqlite_plan(sql: str, params: Any) -> list[str] | None:
        from django.db import DatabaseError, connection

        if not sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            return None
        try:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
                return [str(row[-1]) for row in cursor.fetchall()]
        except DatabaseError:
            return None


def serve(tree: str) -> None:
    # The protocol owns the real stdout; anything the tree prints goes to stderr.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.path[0] = tree
    os.chdir(tree)
    # Stopped (SIGTERM) or orphaned (stdin closed): still drop the test database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    worker = Worker()
    try:
        for line in sys.stdin:
            request = json.loads(line)
            operation = request.pop("op")
            try:
                answer = {"ok": True, **getattr(worker, operation)(**request)}
            except ScenarioBroken as exc:
                answer = {"ok": False, "broken": True, "error": str(exc)}
            except Exception as exc:  # noqa: BLE001 - reported to the orchestrator, which decides
                answer = {"ok": False, "broken": False, "error": f"{exc!r}", "traceback": traceback.format_exc()}
            channel.write(json.dumps(answer) + "\n")
            if operation == "quit":
                break
    finally:
        worker.quit()


if __name__ == "__main__":
    serve(sys.argv[1])
