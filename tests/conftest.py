"""Shared fixtures: personas, API clients, and the service gates.

Tests that need PostgreSQL or Redis are marked ``postgres`` / ``redis``. Without the
service they skip with a reason; with ``REQUIRE_SERVICES=1`` a missing service fails
the run instead, so CI can never go green by skipping. Tests marked ``embedded`` check
nothing that the parent's database changes (a child process on the embedded defaults,
the perf command's own logic), so they run in the SQLite leg only.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from tests import factories
from tests.core.capture import collecting

PERF_DIR = Path(__file__).parent / "perf"
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") == "1"


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """The perf suite runs only when asked for by path: `pytest tests/perf[/...]`."""
    if collection_path != PERF_DIR and PERF_DIR not in collection_path.parents:
        return None
    asked = (Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in config.args)
    return not any(path == PERF_DIR or PERF_DIR in path.parents for path in asked)


def _gate(item: pytest.Item, marker: str, available: bool, reason: str) -> None:
    if item.get_closest_marker(marker) is None or available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    _gate(item, "postgres", connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://...")
    _gate(item, "redis", bool(settings.REDIS_URL), "needs Redis: set REDIS_URL=redis://...")
    if item.get_closest_marker("perf_app") is not None and not apps.is_installed("perf"):
        pytest.skip("tests the perf app, which is not installed (PERF_APP=0)")
    if item.get_closest_marker("embedded") is not None and connection.vendor != "sqlite":
        # CI runs the suite on both databases; these would only repeat the SQLite leg's minute.
        pytest.skip("independent of the database: the embedded (SQLite) leg runs it")


@pytest.fixture
def organizer(db):
    return factories.user(username="organizer", is_staff=True)


@pytest.fixture
def captain(db):
    return factories.user(username="captain")


@pytest.fixture
def member(db):
    return factories.user(username="member")


@pytest.fixture
def outsider(db):
    return factories.user(username="outsider")


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for():
    """``client_for(user)`` → an APIClient authenticated with the user's token."""
    return factories.client_for


@pytest.fixture
def lock_events():
    """The ``arena.locks`` events the test emits (``lock_events.events``, ``lock_events.of(kind)``)."""
    with collecting() as collector:
        yield collector
