"""The load test, small: real server processes, real sockets, all four hot paths at once.

Runs `python -m loadtest --preset smoke` (two uvicorn workers under gunicorn) against a
database of its own, ``<DATABASE_URL name>_loadtest``: the server commits real rows,
which must never land in the test database other tests count on. Fails on any error
or any lost WebSocket event.
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def loadtest_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/") + "_loadtest"
    admin_url = urlunsplit(parts._replace(path="/postgres", query=""))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlunsplit(parts._replace(path=f"/{name}"))


def test_smoke_load_has_no_error_and_loses_no_event(loadtest_database_url, tmp_path):
    result_file = tmp_path / "result.json"
    env = {**os.environ, "DATABASE_URL": loadtest_database_url}
    env.pop("DJANGO_ENV", None)  # the runner sets production for the server it starts
    command = [sys.executable, "-m", "loadtest", "--preset", "smoke", "--workers", "2"]
    command += ["--port", str(_free_port()), "--json", str(result_file), "--server-log", str(tmp_path / "server.log")]

    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)

    server_log = tmp_path / "server.log"  # absent when the runner failed before starting the server
    served = server_log.read_text()[-3000:] if server_log.exists() else ""
    assert run.returncode == 0, run.stdout + run.stderr + served
    result = json.loads(result_file.read_text())
    assert {path["path"]: path["errors"] for path in result["paths"]} == {"registration": 0, "result": 0, "transfer": 0}
    assert {path["path"]: path["requests"] for path in result["paths"]} == {
        "registration": 16,  # 8 captains x 2 open tournaments
        "result": 6,  # a 4-team bracket: 3 matches, two reports each
        "transfer": 24,  # 8 captains x 3 transfers
    }
    websocket = result["websocket"]
    assert websocket["listeners"] == 6
    assert websocket["errors"] == 0
    assert websocket["expected"] > 0
    assert websocket["delivered"] == websocket["expected"]
