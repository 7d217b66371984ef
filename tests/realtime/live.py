"""Start real server processes on loopback and drive real ``websockets`` clients against them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import websockets
from websockets.typing import Origin

ROOT = Path(__file__).resolve().parents[2]
# This suite's loopback ports; REALTIME_LIVE_PORTS=18300-18399 moves them (several people, one machine).
_FIRST, _LAST = (int(n) for n in os.environ.get("REALTIME_LIVE_PORTS", "18100-18199").split("-"))
PORTS = range(_FIRST, _LAST + 1)


@dataclass
class World:
    sqlite: str
    token: str
    tournament_id: int
    session: str = ""
    database_url: str | None = None  # PostgreSQL instead of the SQLite file
    organizer_token: str = ""
    bracket_tournament_id: int = 0  # a live 4-team cup with named teams (the live page's bracket)
    double_tournament_id: int = 0  # the same, double elimination

    def database_args(self) -> list[str]:
        return ["--database-url", self.database_url] if self.database_url else ["--sqlite", self.sqlite]


@dataclass
class ServerProcess:
    port: int
    process: subprocess.Popen
    last_publish_ms: float = 0.0

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, world: World, *, since: int | None = None) -> str:
        url = f"ws://127.0.0.1:{self.port}/ws/tournaments/{world.tournament_id}/?token={world.token}"
        return url if since is None else f"{url}&since={since}"

    def cpu_seconds(self) -> float:
        """User + system CPU of the server process so far (10 ms resolution, Linux only)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def publish(self, world: World, count: int, type: str = "registration.created") -> list[int]:  # noqa: A002
        url = f"{self.http}/__control__/publish?tournament={world.tournament_id}&count={count}&type={type}"
        with urllib.request.urlopen(urllib.request.Request(url, method="POST"), timeout=30) as response:  # noqa: S310
            self.last_publish_ms = float(response.headers["x-publish-ms"])
            return json.loads(response.read())


class RawServerProcess(ServerProcess):
    """``tests/realtime/raw_server.py``: listeners connect like to the app; ``publish`` calls ``broadcast()``."""

    def publish(self, world: World, count: int, type: str = "registration.created") -> list[int]:  # noqa: A002
        from websockets.sync.client import connect

        started = time.perf_counter()
        with connect(f"ws://127.0.0.1:{self.port}/publish?count={count}") as control:
            seqs = json.loads(control.recv(timeout=30))
        self.last_publish_ms = (time.perf_counter() - started) * 1000
        return seqs


@contextlib.contextmanager
def running_raw_server() -> Iterator[ServerProcess]:
    port = free_port()
    command = [sys.executable, "-m", "tests.realtime.raw_server", "--port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, env=server_env(redis_url=None, redis_prefix=""))  # noqa: S603
    running = RawServerProcess(port=port, process=process)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.closing(socket.socket()) as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the raw websockets server did not start")
            time.sleep(0.05)
        yield running
    finally:
        stop_process(process)


# One key for the seeding process and the servers: the seeded session is signed with it.
SECRET_KEY = "dev-" + secrets.token_urlsafe(48)


def server_env(*, redis_url: str | None, redis_prefix: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "REDIS_PREFIX"}}
    env.update(
        {"PYTHONPATH": str(ROOT), "DJANGO_ENV": "development", "PYTHONUNBUFFERED": "1", "SECRET_KEY": SECRET_KEY}
    )
    if redis_url:
        env.update({"REDIS_URL": redis_url, "REDIS_PREFIX": redis_prefix})
    return env


def seed_world(directory: Path, *, database_url: str | None = None) -> World:
    world = World(sqlite=str(directory / "realtime-live.sqlite3"), token="", tournament_id=0, database_url=database_url)
    command = [sys.executable, "-m", "tests.realtime.server", "seed", *world.database_args()]
    output = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=server_env(redis_url=None, redis_prefix=""), check=True, capture_output=True, text=True
    )
    seeded = json.loads(output.stdout.strip().splitlines()[-1])
    world.token, world.tournament_id = seeded["token"], seeded["tournament_id"]
    world.organizer_token, world.session = seeded["organizer_token"], seeded["session"]
    world.bracket_tournament_id = seeded["bracket_tournament_id"]
    world.double_tournament_id = seeded["double_tournament_id"]
    return world


def free_port() -> int:
    for port in PORTS:
        with contextlib.closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS}")


@contextlib.contextmanager
def running_server(
    world: World,
    *,
    server: str = "uvicorn",
    options: tuple[str, ...] = (),
    redis_url: str | None = None,
    redis_prefix: str = "rtlive",
    extra_env: dict[str, str] | None = None,
) -> Iterator[ServerProcess]:
    port = free_port()
    command = [sys.executable, "-m", "tests.realtime.server", "serve", *world.database_args()]
    command += ["--port", str(port), "--server", server, *options]
    env = server_env(redis_url=redis_url, redis_prefix=redis_prefix) | (extra_env or {})
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    running = ServerProcess(port=port, process=process)
    try:
        _wait_until_serving(running)
        yield running
    finally:
        stop_process(process)


def stop_process(process: subprocess.Popen) -> None:
    """Terminate a child process, killing it if it does not exit within 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_until_serving(server: ServerProcess, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{server.http}/healthz", timeout=1):  # noqa: S310
            return
        time.sleep(0.1)
    raise RuntimeError("server did not start")


async def connect_listeners(server: ServerProcess, world: World, count: int, *, batch: int = 100) -> list:
    """``count`` open sockets, connected ``batch`` at a time (connection setup is not measured)."""
    origin = Origin(f"http://127.0.0.1:{server.port}")
    sockets: list = []
    for start in range(0, count, batch):
        size = min(batch, count - start)
        # Clients offer permessage-deflate, as browsers do; the server decides.
        sockets += await asyncio.gather(
            *(websockets.connect(server.ws_url(world), origin=origin, max_queue=None) for _ in range(size))
        )
    return sockets


async def receive_events(connection, count: int) -> list[dict]:
    """The next ``count`` events, past any ``stream.sync`` frame (each connection starts with one)."""
    events: list[dict] = []
    while len(events) < count:
        frame = json.loads(await connection.recv())
        if frame["type"] != "stream.sync":
            events.append(frame)
    return events


async def receive_seqs(connection, count: int) -> list[int]:
    return [event["seq"] for event in await receive_events(connection, count)]


async def broadcast_round(server: ServerProcess, world: World, sockets: list, count: int) -> float:
    """Publish ``count`` events through the server; seconds until every socket has all of them.

    Raises ``AssertionError`` when any socket missed, duplicated or reordered an event.
    """
    loop = asyncio.get_running_loop()
    receivers = [asyncio.ensure_future(receive_seqs(connection, count)) for connection in sockets]
    started = time.perf_counter()
    published = await loop.run_in_executor(None, server.publish, world, count)
    received = await asyncio.wait_for(asyncio.gather(*receivers), timeout=60)
    elapsed = time.perf_counter() - started
    bad = [seqs for seqs in received if seqs != published]
    assert not bad, f"{len(bad)} of {len(sockets)} listeners got {bad[0]} instead of {published}"
    return elapsed


async def close_all(sockets: list) -> None:
    await asyncio.gather(*(connection.close() for connection in sockets), return_exceptions=True)
