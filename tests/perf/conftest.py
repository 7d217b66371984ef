"""Fixtures of the perf suite: a real, committing database and the scenarios."""

from __future__ import annotations

import pytest

from perf.scenarios import load_all

load_all()


@pytest.fixture
def perf_db(transactional_db: None) -> None:
    """A real, committing test database: hot paths broadcast on commit and take row
    locks, which a test wrapped in one rolled-back transaction would never do."""
