"""`make serve`'s shape for real: gunicorn + 2 uvicorn workers, production settings.

* A 50 MB body gets its 413 after the headers (declared length) or after the cap
  (chunked), while the client is still sending; the server's temp directory stays empty.
  (Django's spool file is an unlinked ``O_TMPFILE`` on Linux, invisible to a directory
  listing; what proves nothing was spooled is that the server answered after reading
  at most the cap, which is below Django's roll-over size, FILE_UPLOAD_MAX_MEMORY_SIZE.)
* ``/metrics`` sums both workers (prometheus multiprocess mode): every scrape, whichever
  worker answers it, counts every request.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import select
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.realtime.live import stop_process

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(18400, 18420)
FIFTY_MB = 50 * 1024 * 1024
HEADERS = {"X-Forwarded-Proto": "https"}  # the TLS terminator's header (SECURE_SSL_REDIRECT is on)

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def _free_port() -> int:
    for port in PORTS:
        with contextlib.closing(socket.socket()) as probe, contextlib.suppress(OSError):
            probe.bind(("127.0.0.1", port))
            return port
    raise RuntimeError("no free port in 18400-18419")


def _directory_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def served(tmp_path_factory, django_db_blocker) -> Iterator[tuple[int, Path]]:
    from django.conf import settings

    base = tmp_path_factory.mktemp("serve")
    spool = base / "tmp"
    spool.mkdir()
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(60),
        REDIS_URL=settings.REDIS_URL,
        REDIS_PREFIX=f"serve-{secrets.token_hex(4)}",
        ALLOWED_HOSTS="127.0.0.1",
        SQLITE_PATH=str(base / "db.sqlite3"),
        TMPDIR=str(spool),  # where Django would spool a large body
        WORKERS="2",
        BIND=f"127.0.0.1:{port}",
        REQUEST_LOG="0",
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "--config", "deploy/gunicorn.conf.py", "deploy.asgi:application"]
    env["PROMETHEUS_MULTIPROC_DIR"] = str(base / "prometheus")  # gunicorn.conf.py empties and creates it
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        _wait_healthy(port, process)
        yield port, spool
    finally:
        stop_process(process)


def _get(port: int, path: str) -> bytes:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=HEADERS)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
        return response.read()


def _wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError):
            _get(port, "/healthz")
            return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def _post_huge(port: int, *, chunked: bool) -> tuple[bytes, int]:
    """Send a 50 MB POST until the server answers; returns (response head, bytes sent)."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {FIFTY_MB}"
    head = (
        f"POST /api/auth/users/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()
    piece = b"x" * 65536
    chunk = (b"10000\r\n" + piece + b"\r\n") if chunked else piece
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
        client.sendall(head)
        while sent < FIFTY_MB:
            readable, _, _ = select.select([client], [], [], 0)
            if readable:
                break
            try:
                client.sendall(chunk)
            except OSError:  # the server answered and closed: the rest is never read
                break
            sent += len(piece)
        client.settimeout(10)
        return _read_until_closed(client), sent


def _read_until_closed(client: socket.socket) -> bytes:
    """The whole response: the server sends ``Connection: close`` and closes after the body."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := client.recv(65536):
            received += chunk
    return received


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_fifty_megabytes_get_413_before_they_are_sent_and_nothing_is_spooled(served, chunked):
    port, spool = served

    response, sent = _post_huge(port, chunked=chunked)

    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    # The JSON body itself is asserted in test_body_limit.py: here the server closes a socket
    # with unread data, and the kernel's RST may discard the body before the client reads it.
    assert b"content-type: application/json" in response.lower()
    assert sent < FIFTY_MB // 4  # answered while the client was still sending
    assert _directory_bytes(spool) == 0


def test_metrics_scrape_counts_every_workers_requests(served):
    port, _spool = served
    before = _healthz_count(_get(port, "/metrics"))
    for _ in range(20):
        _get(port, "/healthz")  # a new connection each: the workers share them

    scrapes = [_healthz_count(_get(port, "/metrics")) for _ in range(4)]

    assert scrapes == [before + 20] * 4


def _healthz_count(exposition: bytes) -> float:
    pattern = rb'arena_http_request_duration_seconds_count\{[^}]*route="healthz"[^}]*\} ([0-9.e+]+)'
    return sum(float(value) for value in re.findall(pattern, exposition))
