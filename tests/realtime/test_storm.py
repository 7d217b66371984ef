"""The fault storm (``tests/realtime/storm.py``) with fewer listeners, so ``make test`` stays fast.

Real server processes, real ``websockets`` listeners. On PostgreSQL with a PRIVATE
``redis-server`` (port ``STORM_REDIS_PORT``, default 6412): Redis killed and started
empty mid-storm, FLUSHALL mid-storm, a server killed between COMMIT and delivery, a
resume past retention. Embedded (SQLite, one process, no Redis): a storm, then the
process crashes between COMMIT and delivery and is restarted. The 100-listener run
is the script itself: ``python -m tests.realtime.storm --listeners 100``.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db import connection

from tests.realtime import storm

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _failures(reports: list[dict]) -> list[dict]:
    return [report for report in reports if not report["ok"]]


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="embedded mode has its own SQLite file: once, in the SQLite run, is enough"
)
def test_embedded_storm_and_crash_lose_nothing_and_resume_past_retention_is_refused():
    reports = storm.run(["--embedded", "--listeners", "6", "--captains", "4"])

    assert [report["phase"] for report in reports] == ["embedded-storm", "embedded-crash-restart", "retention"]
    assert _failures(reports) == []


@pytest.mark.postgres
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server for a private instance")
def test_redis_loss_flush_and_a_crash_lose_nothing_on_postgresql():
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}/"
    url += connection.settings_dict["NAME"]  # pytest-django's test database: flushed after the test
    port = os.environ.get("STORM_REDIS_PORT", "6412")

    reports = storm.run(["--database-url", url, "--redis-port", port, "--listeners", "10", "--captains", "4"])

    assert [report["phase"] for report in reports] == ["redis-restart", "flushall", "crash", "retention"]
    assert _failures(reports) == []
    assert all(report["5xx"] == 0 for report in reports[:2])
