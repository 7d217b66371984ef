"""A private PostgreSQL restarted under a steady stream of transfers (issue 17, finding 10).

Before: a restart of about 2.5 s answered 4 requests with a bare 500 ``server_error``.
Now every answer is 201 or 503 ``database_unavailable`` with Retry-After, the pool
recovers by itself (the last answers are 201 again, without restarting the server),
and money is conserved.

The test starts its own PostgreSQL 15 (``initdb`` into a temporary directory, port
5450-5459) and its own uvicorn server on it; it never touches the shared instance.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_PORTS = range(5450, 5460)
SERVER_PORTS = range(18200, 18300)
START_BALANCE = 1_000
STREAM_SECONDS_BEFORE, STREAM_SECONDS_AFTER = 1.5, 4.0

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason=f"needs PostgreSQL binaries in {PG_BIN}"),
]


def _free_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError(f"no free port in {ports}")


# PostgreSQL refuses to run as root: as root, its commands run as the postgres user,
# in a directory of their own that user owns.
_AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _pg(*args: str) -> None:
    subprocess.run([*_AS_POSTGRES, *args], check=True, capture_output=True)  # noqa: S603


def _pg_ctl(data: Path, *args: str) -> None:
    _pg(str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-t", "30", *args)


@contextmanager
def private_postgres() -> Iterator[tuple[Path, int]]:
    tmp = Path(tempfile.mkdtemp(prefix="arena-outage-"))
    if _AS_POSTGRES:
        shutil.chown(tmp, user="postgres")
    data, port = tmp / "pgdata", _free_port(PG_PORTS)
    try:
        _pg(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {tmp} -c listen_addresses=127.0.0.1 -c fsync=off"
        _pg_ctl(data, "-o", options, "-l", str(tmp / "pg.log"), "start")
        try:
            yield data, port
        finally:
            _pg_ctl(data, "-m", "immediate", "stop")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


_SEED = """
import json
from economy.services import wallet_grant
from tests import factories
from rest_framework.authtoken.models import Token
a, b = factories.user(username="outage-a"), factories.user(username="outage-b")
for user in (a, b):
    wallet_grant(user=user, amount=START_BALANCE, reason="outage test")
print(json.dumps({"a": [a.pk, Token.objects.get(user=a).key], "b": [b.pk, Token.objects.get(user=b).key]}))
""".replace("START_BALANCE", str(START_BALANCE))


@contextmanager
def server(env: dict[str, str], log: Path) -> Iterator[int]:
    port = _free_port(SERVER_PORTS)
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "uvicorn", "config.asgi:application", "--port", str(port), "--no-access-log"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_listening(port)
            yield port
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)


def _wait_listening(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server on {port} never listened")


def _transfer(port: int, token: str, to_user_id: int, key: str) -> tuple[int, dict, str | None]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/economy/transfers/",
        data=json.dumps({"to_user_id": to_user_id, "amount": 1}).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.load(response), response.headers.get("Retry-After")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = {"raw": body.decode(errors="replace")[:200]}
        return error.code, parsed, error.headers.get("Retry-After")


def test_postgres_restart_under_transfers_answers_503_never_500_and_recovers(tmp_path):
    with private_postgres() as (data, pg_port):
        subprocess.run(  # noqa: S603
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "arena_outage"],
            check=True,
        )
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{pg_port}/arena_outage",
            "DJANGO_ENV": "test",
            "LOCK_LOG": "off",
        }
        env.pop("REDIS_URL", None)
        _manage(env, "migrate", "--noinput", "--verbosity", "0")
        users = json.loads(_manage(env, "shell", "-c", _SEED).strip().splitlines()[-1])
        answers: list[tuple[float, int, dict, str | None]] = []
        stop = threading.Event()

        def stream() -> None:
            number = 0
            while not stop.is_set():
                sender, receiver = ("a", "b") if number % 2 == 0 else ("b", "a")
                status, body, retry_after = _transfer(port, users[sender][1], users[receiver][0], f"k{number}")
                answers.append((time.monotonic(), status, body, retry_after))
                number += 1

        with server(env, tmp_path / "server.log") as port:
            worker = threading.Thread(target=stream)
            worker.start()
            try:
                time.sleep(STREAM_SECONDS_BEFORE)
                # -l: without a log file the server would write to (and hold open) our pipe.
                _pg_ctl(data, "-m", "fast", "-l", str(data.parent / "pg.log"), "restart")
                restarted = time.monotonic()
                time.sleep(STREAM_SECONDS_AFTER)
            finally:
                stop.set()
                worker.join(timeout=60)

        statuses = [status for _, status, _, _ in answers]
        print(f"\nanswers during the restart: {dict(Counter(statuses))}")  # noqa: T201 - shown with -s
        assert set(statuses) <= {201, 503}, [(s, b) for _, s, b, _ in answers if s not in (201, 503)]
        outages = [(body, retry_after) for _, status, body, retry_after in answers if status == 503]
        assert outages, "the restart was not seen by any request: the test proved nothing"
        assert all(body["code"] == "database_unavailable" and retry_after == "5" for body, retry_after in outages)
        # The pool recovered by itself: the last second of answers are all 201.
        assert [s for at, s, _, _ in answers if at > restarted + STREAM_SECONDS_AFTER - 1] == [201] * len(
            [1 for at, _, _, _ in answers if at > restarted + STREAM_SECONDS_AFTER - 1]
        )
        assert statuses[-1] == 201
        # Money conserved: nothing made or lost, the books reconcile.
        books = _manage(
            env,
            "shell",
            "-c",
            "from economy.models import Wallet; from django.db.models import Sum; "
            "print(Wallet.objects.filter(is_treasury=False).aggregate(s=Sum('balance'))['s'])",
        )
        assert int(books.strip().splitlines()[-1]) == 2 * START_BALANCE
        _manage(env, "economy_reconcile")  # exits 0
