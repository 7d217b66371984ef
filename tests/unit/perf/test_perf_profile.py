"""``manage.py perf_profile``: a hot path under cProfile, summarised by where its time goes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from perf import compare
from perf.profiling import area

pytestmark = pytest.mark.embedded  # a child process on its own in-memory database


def profile(*args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}}
    return subprocess.run(
        [sys.executable, "manage.py", "perf_profile", *args],
        cwd=compare.TREE,
        env={**environment, "DJANGO_ENV": "test"},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def test_it_prints_the_shares_and_the_costliest_functions_of_each_path() -> None:
    completed = profile("floor_drf", "transfer", "--calls", "20", "--top", "3")
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert "== floor_drf: 20 calls" in out
    assert "== transfer: 20 calls" in out
    assert "Django (request, middleware, rest)" in out
    assert "economy/services" in out  # the transfer's own code, by cumulative time


def test_an_unknown_path_exits_2() -> None:
    completed = profile("nope")
    assert completed.returncode == 2
    assert "unknown hot path(s) ['nope']" in completed.stderr


def test_code_is_filed_under_where_it_lives() -> None:
    assert area(f"{compare.TREE}/tournaments/services/matches.py") == "Arena"
    assert area("/x/site-packages/django/db/models/query.py") == "Django ORM and backends"
    assert area("/x/site-packages/rest_framework/fields.py") == "DRF"
    assert area("~") == "built-ins (C)"
