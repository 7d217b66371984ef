"""Production runs without the perf app: the API and realtime suites pass with it removed.

``PERF_APP=0`` takes ``perf`` out of ``INSTALLED_APPS`` (and so its URLs and its
stock-Channels fan-out), exactly as ``DJANGO_ENV=production`` does. The suites run in a
child process on the embedded defaults (SQLite, in-memory layer), so they never share
the parent's test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.perf_app, pytest.mark.slow]


def _environment() -> dict[str, str]:
    drop = {"DATABASE_URL", "REDIS_URL", "REQUIRE_SERVICES", "REALTIME_FANOUT"}
    return {key: value for key, value in os.environ.items() if key not in drop} | {
        "PERF_APP": "0",
        "DJANGO_ENV": "test",
    }


def _suites() -> list[str]:
    """Every app's API tests, the config (HTTP foundation) tests, and realtime."""
    found = [*(ROOT / "tests").glob("*/apis"), *(ROOT / "tests").glob("*/test_apis.py")]
    apis = sorted(str(path.relative_to(ROOT)) for path in found)
    return [*apis, "tests/config", "tests/realtime"]


def test_production_settings_load_no_perf_module():
    code = (
        "import os, sys, django; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
        "from django.apps import apps; import config.urls, config.asgi\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] == 'perf')\n"
        "installed = apps.is_installed('perf')\n"
        "sys.exit(f'perf installed={installed} loaded={loaded}' if installed or loaded else 0)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_environment(), capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr


@pytest.mark.embedded  # the child drops DATABASE_URL, so on PostgreSQL it would repeat itself
def test_the_api_and_realtime_suites_pass_without_perf():
    # Not the slow ones (real servers, fault storms): they import what these do, and the
    # parent suite runs them already; here they doubled this test's minute.
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-x", "-m", "not slow", *_suites()]
    completed = subprocess.run(command, cwd=ROOT, env=_environment(), capture_output=True, text=True, check=False)
    tail = completed.stdout[-3000:] + completed.stderr[-2000:]
    assert completed.returncode == 0, tail
    assert " passed" in completed.stdout, tail
