"""Faults under a storm of writes, with real server processes and real ``websockets`` listeners.

    DATABASE_URL=postgres://... python -m tests.realtime.storm --listeners 100      # PostgreSQL + private Redis
    python -m tests.realtime.storm --embedded --listeners 100                     # SQLite, one process, no Redis

Production shape (PostgreSQL, a PRIVATE ``redis-server`` on ``--redis-port``, two
servers A and B sharing both, a third C armed with the test-only crash hook):

1. ``redis-restart``: registrations and results storm; Redis is killed mid-storm, then
   started again empty.
2. ``flushall``: the same storm; ``FLUSHALL`` mid-storm.
3. ``crash``: a registration through C, which exits between COMMIT and delivery
   (``REALTIME_FAULT_CRASH_BEFORE_DELIVERY``); A's and B's relays deliver it.
4. ``retention``: ``manage.py realtime_prune --keep 1``, then a resume from before it.

In every storm phase a fifth of the listeners close their socket when the fault
strikes and come back with ``?since=<last>&epoch=<epoch>``. Each phase checks that
every listener holds every committed event of its tournament exactly once, in seq
order (1..head), that no request answered 5xx (nor anything but its expected status),
and that every resume was ``recovered``; the retention phase checks the plain "cannot
recover". Embedded mode runs the storm and then crashes its only server and restarts it.
Prints one JSON line per phase; exits 1 on any failure. Ports: ``REALTIME_LIVE_PORTS``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets
from websockets.typing import Origin

from loadtest import drive
from loadtest.report import PathStats
from tests.realtime.live import ROOT, ServerProcess, World, running_server, seed_world, server_env

CRASH_ENV = {"REALTIME_FAULT_CRASH_BEFORE_DELIVERY": "1"}
# Loopback storms create accounts fast: the throttles exist for abuse, not for this.
SERVER_ENV = {
    "THROTTLE_AUTH_RATE": "off",
    "THROTTLE_TRANSFERS_RATE": "off",
    "REALTIME_RELAY_MS": "500",
    "LOCK_LOG": "off",
}


# --- Listeners ------------------------------------------------------------------------------


@dataclass
class StreamListener:
    tournament_id: int
    servers: list[ServerProcess]
    token: str
    turn: int
    seqs: list[int] = field(default_factory=list)
    epoch: str = ""
    resumes: int = 0
    unrecovered: list[dict] = field(default_factory=list)
    socket: Any = None
    task: asyncio.Task | None = None
    stopping: bool = False

    def url(self) -> str:
        alive = [server for server in self.servers if server.process.poll() is None]
        server = alive[self.turn % len(alive)]
        since = self.seqs[-1] if self.seqs else 0
        query = f"token={self.token}&since={since}" + (f"&epoch={self.epoch}" if self.epoch else "")
        return f"ws://127.0.0.1:{server.port}/ws/tournaments/{self.tournament_id}/?{query}"

    async def run(self) -> None:
        while not self.stopping:
            with contextlib.suppress(OSError, websockets.WebSocketException):
                origin = Origin(f"http://127.0.0.1:{self.servers[0].port}")
                async with websockets.connect(self.url(), origin=origin, max_queue=None, open_timeout=10) as socket:
                    self.socket = socket
                    async for text in socket:
                        self._frame(json.loads(text))
            self.socket = None
            if not self.stopping:
                self.turn += 1
                self.resumes += 1
                await asyncio.sleep(0.3)

    def _frame(self, frame: dict) -> None:
        if frame["type"] == "stream.sync":
            if self.seqs and not frame["recovered"]:
                self.unrecovered.append(frame)
            self.epoch = frame["epoch"]
            return
        self.seqs.append(frame["seq"])

    async def bounce(self) -> None:
        """Leave; ``run`` resumes from the last seq a moment later."""
        if self.socket is not None:
            await self.socket.close()


async def listen(servers: list[ServerProcess], token: str, tournaments: list[int], count: int) -> list[StreamListener]:
    listeners = [StreamListener(tournaments[n % len(tournaments)], servers, token, turn=n) for n in range(count)]
    for listener in listeners:
        listener.task = asyncio.ensure_future(listener.run())
    deadline = time.monotonic() + 30
    while any(listener.socket is None for listener in listeners) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return listeners


async def head_of(server: ServerProcess, token: str, tournament_id: int) -> int:
    """The stream's head, from the sync frame of a connection without ``since``."""
    url = f"ws://127.0.0.1:{server.port}/ws/tournaments/{tournament_id}/?token={token}"
    async with websockets.connect(url, origin=Origin(f"http://127.0.0.1:{server.port}")) as socket:
        return json.loads(await asyncio.wait_for(socket.recv(), 10))["seq"]


async def settle(listeners: list[StreamListener], server: ServerProcess, token: str, seconds: float = 20) -> dict:
    """Wait (bounded) until every listener reached its stream's head; then judge each one."""
    heads = {tid: await head_of(server, token, tid) for tid in {listener.tournament_id for listener in listeners}}
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(
        (listener.seqs[-1] if listener.seqs else 0) < heads[listener.tournament_id] for listener in listeners
    ):
        await asyncio.sleep(0.1)
    for listener in listeners:
        listener.stopping = True
        if listener.socket is not None:
            await listener.socket.close()
    await asyncio.gather(*(listener.task for listener in listeners if listener.task), return_exceptions=True)
    wrong = [
        (listener.tournament_id, _summary(listener.seqs), heads[listener.tournament_id])
        for listener in listeners
        if listener.seqs != list(range(1, heads[listener.tournament_id] + 1))
    ]
    return {
        "listeners": len(listeners),
        "events": sum(heads.values()),
        "delivered": sum(len(listener.seqs) for listener in listeners),
        "resumes": sum(listener.resumes for listener in listeners),
        "unrecovered_resumes": sum(len(listener.unrecovered) for listener in listeners),
        "wrong_listeners": wrong[:5],
        "wrong_count": len(wrong),
    }


def _summary(seqs: list[int]) -> str:
    return f"{len(seqs)} events, first {seqs[:3]}, last {seqs[-3:]}, dup {len(seqs) - len(set(seqs))}"


# --- Writes ---------------------------------------------------------------------------------


@dataclass
class Storm:
    target: drive.Target
    organizer: Any
    captains: list[drive.Player]

    @classmethod
    async def create(cls, server: ServerProcess, organizer_token: str, captains: int) -> Storm:
        target = drive.Target("127.0.0.1", server.port)
        run_id = os.urandom(3).hex()
        players = await drive._gather_bounded([drive._captain(target, run_id, n) for n in range(captains)], limit=4)
        return cls(target, target.connection(organizer_token), players)

    async def world(self, *, open_tournaments: int, bracket_size: int) -> drive.World:
        """Fresh tournaments: some open for registration, one bracket filled and started."""
        run_id = os.urandom(3).hex()
        open_ids = [
            await drive._tournament(self.organizer, f"Storm {run_id}-{n}", len(self.captains))
            for n in range(open_tournaments)
        ]
        bracket = await drive._tournament(self.organizer, f"Storm bracket {run_id}", bracket_size)
        for captain in self.captains[:bracket_size]:
            conn = self.target.connection(captain.token)
            body = {"tournament_id": bracket, "team_id": captain.team_id}
            await drive._setup_call(conn, "POST", "/api/tournaments/register/", 201, body)
            await conn.close()
        world = drive.World(self.organizer, self.captains, open_ids, [bracket])
        await drive.start_brackets(world)
        return world

    async def run(self, world: drive.World) -> list[PathStats]:
        paths = [PathStats("registration"), PathStats("result")]
        await asyncio.gather(
            drive.registrations(self.target, world, paths[0]), drive.results(self.target, world, paths[1])
        )
        return paths


def _request_report(paths: list[PathStats]) -> dict:
    errors = [error for path in paths for error in path.errors]
    return {
        "requests": sum(path.requests for path in paths),
        "errors": errors[:5],
        "error_count": len(errors),
        "5xx": sum(1 for error in errors if "→ 5" in error),
    }


# --- Private Redis --------------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of our own (no persistence: a restart starts empty)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)  # noqa: S603, S607
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on {self.port} did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def flushall(self) -> None:
        assert self._cli("FLUSHALL") == "OK"

    def _cli(self, *args: str) -> str:
        result = subprocess.run(  # noqa: S603
            ["redis-cli", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,  # noqa: S607
        )
        return result.stdout.strip()


# --- Phases ---------------------------------------------------------------------------------


async def storm_phase(
    name: str, *, storm: Storm, servers: list[ServerProcess], token: str, listeners: int, fault, captains: int
) -> dict:
    world = await storm.world(open_tournaments=2, bracket_size=min(8, captains))
    crowd = await listen(servers, token, world.tournaments, listeners)
    writes = asyncio.ensure_future(storm.run(world))
    await asyncio.sleep(0.3)
    for listener in crowd[::5]:  # a fifth leave as the fault strikes, and resume afterwards
        await listener.bounce()
    await asyncio.get_running_loop().run_in_executor(None, fault)
    paths = await asyncio.wait_for(writes, timeout=180)
    report = {"phase": name} | _request_report(paths) | await settle(crowd, servers[0], token)
    report["ok"] = report["error_count"] == 0 and report["wrong_count"] == 0 and report["unrecovered_resumes"] == 0
    return report


async def crash_phase(*, storm: Storm, crash: ServerProcess, servers: list[ServerProcess], token: str, listeners: int):
    world = await storm.world(open_tournaments=1, bracket_size=2)
    tournament_id = world.open_tournaments[0]
    crowd = await listen(servers, token, [tournament_id], listeners)
    captain = storm.captains[-1]
    conn = drive.Target("127.0.0.1", crash.port).connection(captain.token)
    body = {"tournament_id": tournament_id, "team_id": captain.team_id}
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        await conn.request("POST", "/api/tournaments/register/", body=body)  # the process dies before answering
    exit_code = await asyncio.get_running_loop().run_in_executor(None, crash.process.wait, 10)
    report = {"phase": "crash", "crashed_server_exit": exit_code} | await settle(crowd, servers[0], token)
    report["ok"] = exit_code == 137 and report["wrong_count"] == 0 and report["events"] >= 1
    return report


async def retention_phase(*, server: ServerProcess, world: World, token: str, tournament_id: int) -> dict:
    command = [sys.executable, "manage.py", "realtime_prune", "--keep", "1"]
    env = server_env(redis_url=None, redis_prefix="") | _database_env(world)
    pruned = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()  # noqa: S603
    url = f"ws://127.0.0.1:{server.port}/ws/tournaments/{tournament_id}/?token={token}&since=0"
    async with websockets.connect(url, origin=Origin(f"http://127.0.0.1:{server.port}")) as socket:
        sync = json.loads(await asyncio.wait_for(socket.recv(), 10))
        with contextlib.suppress(TimeoutError):
            extra = await asyncio.wait_for(socket.recv(), 0.5)
            return {"phase": "retention", "ok": False, "unexpected": extra}
    report = {"phase": "retention", "prune": pruned, "sync": sync}
    report["ok"] = sync["type"] == "stream.sync" and sync["recovered"] is False and sync["seq"] >= 2
    return report


def _database_env(world: World) -> dict[str, str]:
    if world.database_url:
        return {"DATABASE_URL": world.database_url}
    return {"SQLITE_PATH": world.sqlite}


async def production_shape(args: argparse.Namespace, world: World, redis: PrivateRedis) -> list[dict]:
    redis_url, prefix = redis.url, "storm"
    with (
        running_server(world, redis_url=redis_url, redis_prefix=prefix, extra_env=SERVER_ENV) as first,
        running_server(world, redis_url=redis_url, redis_prefix=prefix, extra_env=SERVER_ENV) as second,
        running_server(world, redis_url=redis_url, redis_prefix=prefix, extra_env=SERVER_ENV | CRASH_ENV) as crash,
    ):
        servers = [first, second]
        storm = await Storm.create(first, world.organizer_token, args.captains)
        common = {"storm": storm, "servers": servers, "token": world.token, "listeners": args.listeners}

        def restart_redis() -> None:
            redis.kill()
            time.sleep(1.5)  # writes go on meanwhile, against a dead Redis
            redis.start()

        reports = [await storm_phase("redis-restart", fault=restart_redis, captains=args.captains, **common)]
        reports.append(await storm_phase("flushall", fault=redis.flushall, captains=args.captains, **common))
        reports.append(await crash_phase(crash=crash, **common))
        tournament_id = (await storm.world(open_tournaments=1, bracket_size=2)).bracket_tournaments[0]
        reports.append(await retention_phase(server=first, world=world, token=world.token, tournament_id=tournament_id))
        await storm.organizer.close()
    return reports


async def embedded(args: argparse.Namespace, world: World) -> list[dict]:
    """One process on SQLite, no Redis: a storm, then that process crashes and is restarted."""
    with running_server(world, extra_env=SERVER_ENV) as server:
        storm = await Storm.create(server, world.organizer_token, args.captains)
        common = {"storm": storm, "servers": [server], "token": world.token, "listeners": args.listeners}
        reports = [await storm_phase("embedded-storm", fault=lambda: None, captains=args.captains, **common)]
        world_c = await storm.world(open_tournaments=1, bracket_size=2)
        await storm.organizer.close()
    tournament_id = world_c.open_tournaments[0]
    # The only process, armed: its next event write commits, then the process dies undelivered.
    with running_server(world, extra_env=SERVER_ENV | CRASH_ENV) as crash:
        crowd = await listen([crash], world.token, [tournament_id], args.listeners)
        captain = storm.captains[-1]
        conn = drive.Target("127.0.0.1", crash.port).connection(captain.token)
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            body = {"tournament_id": tournament_id, "team_id": captain.team_id}
            await conn.request("POST", "/api/tournaments/register/", body=body)
        exit_code = await asyncio.get_running_loop().run_in_executor(None, crash.process.wait, 10)
        with running_server(world, extra_env=SERVER_ENV) as restarted:
            for listener in crowd:
                listener.servers = [restarted]  # they reconnect to the restarted process with ?since=
            report = {"phase": "embedded-crash-restart", "crashed_server_exit": exit_code}
            report |= await settle(crowd, restarted, world.token)
            report["ok"] = exit_code == 137 and report["wrong_count"] == 0 and report["unrecovered_resumes"] == 0
            reports.append(report)
            reports.append(
                await retention_phase(
                    server=restarted, world=world, token=world.token, tournament_id=world_c.bracket_tournaments[0]
                )
            )
    return reports


def run(argv: list[str] | None = None) -> list[dict]:
    args = _arguments(argv)
    directory = Path(tempfile.mkdtemp(prefix="storm-"))
    if args.embedded:
        return asyncio.run(embedded(args, seed_world(directory)))
    database_url = args.database_url or os.environ.get("DATABASE_URL")
    if not database_url:
        raise SystemExit("the production shape needs PostgreSQL: --database-url or DATABASE_URL (or use --embedded)")
    world = seed_world(directory, database_url=database_url)
    redis = PrivateRedis(args.redis_port)
    redis.start()
    try:
        return asyncio.run(production_shape(args, world, redis))
    finally:
        redis.kill()


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.realtime.storm", description=__doc__.splitlines()[0])
    parser.add_argument("--listeners", type=int, default=100)
    parser.add_argument("--captains", type=int, default=16)
    parser.add_argument("--database-url", help="PostgreSQL (default: DATABASE_URL)")
    parser.add_argument("--redis-port", type=int, default=6410, help="the PRIVATE redis-server's port")
    parser.add_argument("--embedded", action="store_true", help="SQLite, one process, no Redis")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    reports = run(argv)
    for report in reports:
        print(json.dumps(report))  # noqa: T201 - the script's report
    return 0 if all(report["ok"] for report in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
