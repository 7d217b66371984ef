"""Set up data through the API, then drive the four hot paths at once.

* registration: every captain registers its team in every "open" tournament;
* results: in every bracket tournament, both captains of each ready match report the
  same score (first report 201, confirmation 200), round after round to the final;
* transfers: every captain sends coins to the next one, each with a fresh Idempotency-Key;
* broadcast: listeners on every tournament's WebSocket count what they receive.

Every figure is bounded: a fixed number of requests and a deadline (``max_seconds``).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import websockets
from websockets.typing import Origin

from loadtest.http import HttpConnection, HttpResponse
from loadtest.report import BroadcastStats, PathStats

PASSWORD = "loadtest-" + secrets.token_urlsafe(12)
SCORE = {"score_a": 2, "score_b": 1}


@dataclass(frozen=True)
class Load:
    captains: int = 40
    registration_tournaments: int = 5
    bracket_tournaments: int = 4
    bracket_size: int = 16
    transfers_per_captain: int = 10
    listeners: int = 100
    max_seconds: float = 180.0


PRESETS = {
    "full": Load(),
    "smoke": Load(
        captains=8,
        registration_tournaments=2,
        bracket_tournaments=1,
        bracket_size=4,
        transfers_per_captain=3,
        listeners=6,
        max_seconds=60.0,
    ),
}


class SetupError(RuntimeError):
    pass


@dataclass
class Player:
    user_id: int
    token: str
    team_id: int = 0


@dataclass
class Target:
    host: str
    port: int

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def connection(self, token: str | None = None) -> HttpConnection:
        # X-Forwarded-Proto: the server runs with production settings behind a TLS terminator.
        headers = {"X-Forwarded-Proto": "https", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Token {token}"
        return HttpConnection(self.host, self.port, default_headers=headers)


async def _setup_call(conn: HttpConnection, method: str, path: str, expect: int, body: Any = None) -> Any:
    response = await conn.request(method, path, body=body)
    if response.status != expect:
        raise SetupError(f"{method} {path} → {response.status} {response.body[:300]!r}")
    return response.json()


async def _gather_bounded(coroutines: list, limit: int = 16) -> list:
    gate = asyncio.Semaphore(limit)

    async def run(coroutine):
        async with gate:
            return await coroutine

    return await asyncio.gather(*(run(c) for c in coroutines))


@dataclass
class World:
    organizer: HttpConnection
    captains: list[Player]
    open_tournaments: list[int]
    bracket_tournaments: list[int]
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:5])

    @property
    def tournaments(self) -> list[int]:
        return self.open_tournaments + self.bracket_tournaments


async def setup(target: Target, load: Load, *, organizer_token: str) -> World:
    run_id = uuid.uuid4().hex[:5]
    organizer = target.connection(organizer_token)
    captains = await _gather_bounded([_captain(target, run_id, n) for n in range(load.captains)])
    open_ids = [
        await _tournament(organizer, f"Open {run_id}-{n}", load.captains) for n in range(load.registration_tournaments)
    ]
    bracket_ids = [
        await _tournament(organizer, f"Bracket {run_id}-{n}", load.bracket_size)
        for n in range(load.bracket_tournaments)
    ]
    for tournament_id in bracket_ids:
        for captain in captains[: load.bracket_size]:
            conn = target.connection(captain.token)
            body = {"tournament_id": tournament_id, "team_id": captain.team_id}
            await _setup_call(conn, "POST", "/api/tournaments/register/", 201, body)
            await conn.close()
    grants = [
        _setup_call(
            organizer,
            "POST",
            "/api/economy/grants/",
            201,
            {"user_id": c.user_id, "amount": 10_000, "reason": f"loadtest {run_id}"},
        )
        for c in captains
    ]
    for grant in grants:  # one organizer connection: sequential
        await grant
    return World(organizer, captains, open_ids, bracket_ids, run_id)


async def _captain(target: Target, run_id: str, number: int) -> Player:
    conn = target.connection()
    body = {"username": f"lt{run_id}c{number}", "password": PASSWORD}
    created = await _setup_call(conn, "POST", "/api/auth/users/", 201, body)
    player = Player(user_id=created["user"]["id"], token=created["token"])
    conn.default_headers["Authorization"] = f"Token {player.token}"
    team = await _setup_call(
        conn, "POST", "/api/teams/", 201, {"name": f"LT {run_id} {number}", "tag": f"L{run_id}{number}"}
    )
    player.team_id = team["id"]
    await conn.close()
    return player


async def _tournament(organizer: HttpConnection, name: str, max_teams: int) -> int:
    body = {"name": name, "game": "loadtest", "max_teams": max(max_teams, 2), "team_size": 1}
    created = await _setup_call(organizer, "POST", "/api/tournaments/", 201, body)
    await _setup_call(organizer, "POST", f"/api/tournaments/{created['id']}/open/", 200)
    return created["id"]


# --- hot paths ----------------------------------------------------------------------------


async def _timed(
    stats: PathStats, conn: HttpConnection, method: str, path: str, expect: int, **kwargs
) -> HttpResponse | None:
    began = time.perf_counter()
    try:
        response = await conn.request(method, path, **kwargs)
    except (OSError, asyncio.IncompleteReadError) as exc:
        stats.record(began=began, ended=time.perf_counter(), ok=False, error=f"{method} {path}: {exc!r}")
        return None
    ok = response.status == expect
    error = "" if ok else f"{method} {path} → {response.status} {response.body[:200]!r}"
    stats.record(began=began, ended=time.perf_counter(), ok=ok, error=error)
    return response


async def registrations(target: Target, world: World, stats: PathStats) -> None:
    async def captain_registers(captain: Player) -> None:
        conn = target.connection(captain.token)
        for tournament_id in world.open_tournaments:
            body = {"tournament_id": tournament_id, "team_id": captain.team_id}
            await _timed(stats, conn, "POST", "/api/tournaments/register/", 201, body=body)
        await conn.close()

    await asyncio.gather(*(captain_registers(c) for c in world.captains))


async def transfers(target: Target, world: World, stats: PathStats, per_captain: int) -> None:
    async def captain_pays(index: int, captain: Player) -> None:
        conn = target.connection(captain.token)
        receiver = world.captains[(index + 1) % len(world.captains)]
        for _ in range(per_captain):
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            body = {"to_user_id": receiver.user_id, "amount": 1}
            await _timed(stats, conn, "POST", "/api/economy/transfers/", 201, body=body, headers=headers)
        await conn.close()

    await asyncio.gather(*(captain_pays(i, c) for i, c in enumerate(world.captains)))


async def results(target: Target, world: World, stats: PathStats) -> None:
    by_team = {c.team_id: c for c in world.captains}
    await asyncio.gather(*(_play_bracket(target, by_team, tid, stats) for tid in world.bracket_tournaments))


async def _play_bracket(target: Target, by_team: dict[int, Player], tournament_id: int, stats: PathStats) -> None:
    organizer_view = target.connection(next(iter(by_team.values())).token)
    while True:
        matches = await _setup_call(organizer_view, "GET", f"/api/tournaments/{tournament_id}/matches/", 200)
        ready = [m for m in matches if m["status"] == "scheduled" and m["team_a"] and m["team_b"]]
        if not ready:
            break
        await asyncio.gather(*(_report_match(target, by_team, m, stats) for m in ready))
        if any(stats.errors[-1:]):
            break  # a failed report would leave the bracket stuck; the error is counted
    await organizer_view.close()


async def _report_match(target: Target, by_team: dict[int, Player], match: dict, stats: PathStats) -> None:
    path = f"/api/matches/{match['id']}/result/"
    for side, expect in (("team_a", 201), ("team_b", 200)):
        conn = target.connection(by_team[match[side]["id"]].token)
        response = await _timed(stats, conn, "POST", path, expect, body=SCORE)
        await conn.close()
        if response is None or response.status != expect:
            return


async def start_brackets(world: World) -> None:
    for tournament_id in world.bracket_tournaments:
        await _setup_call(world.organizer, "POST", f"/api/tournaments/{tournament_id}/start/", 200, {})


# --- broadcast ----------------------------------------------------------------------------


@dataclass
class Listener:
    tournament_id: int
    seqs: set[int] = field(default_factory=set)
    live_since: float = 0.0
    socket: Any = None
    task: asyncio.Task | None = None


async def _ws_url(target: Target, tournament_id: int, token: str) -> str:
    """A socket URL with a fresh single-use ticket: production refuses the API token in the URL."""
    conn = target.connection(token)
    try:
        ticket = (await _setup_call(conn, "POST", "/api/realtime/tickets/", 201))["ticket"]
    finally:
        await conn.close()
    return f"ws://{target.host}:{target.port}/ws/tournaments/{tournament_id}/?ticket={ticket}&since=0"


async def listen(target: Target, world: World, count: int, broadcast: BroadcastStats) -> list[Listener]:
    tokens = itertools.cycle(c.token for c in world.captains)
    tournaments = itertools.cycle(world.tournaments)
    listeners = [Listener(next(tournaments)) for _ in range(count)]
    await _gather_bounded([_connect(target, listener, next(tokens), broadcast) for listener in listeners])
    broadcast.listeners = sum(1 for listener in listeners if listener.socket is not None)
    return listeners


async def _connect(target: Target, listener: Listener, token: str, broadcast: BroadcastStats) -> None:
    try:
        listener.socket = await websockets.connect(
            await _ws_url(target, listener.tournament_id, token), origin=Origin(target.origin), max_queue=None
        )
    except (OSError, websockets.WebSocketException, SetupError) as exc:
        broadcast.errors.append(f"connect {listener.tournament_id}: {exc!r}")
        return
    listener.live_since = time.time()
    listener.task = asyncio.create_task(_receive(listener, broadcast))


async def _receive(listener: Listener, broadcast: BroadcastStats) -> None:
    try:
        async for text in listener.socket:
            received = time.time()
            event = json.loads(text)
            if event["type"] == "stream.sync":  # each connection's first frame, not an event
                continue
            listener.seqs.add(event["seq"])
            if event["ts"] >= listener.live_since:  # replayed history has no delivery latency
                broadcast.latencies_ms.append((received - event["ts"]) * 1000)
    except websockets.ConnectionClosedError as exc:
        broadcast.errors.append(f"listener on {listener.tournament_id} closed: {exc!r}")


async def published_range(target: Target, tournament_id: int, token: str) -> tuple[int, int]:
    """The (first, last) seq the server holds for a tournament, read by replaying its history."""
    seqs: list[int] = []
    url = await _ws_url(target, tournament_id, token)
    async with websockets.connect(url, origin=Origin(target.origin)) as socket:
        while True:
            try:
                frame = json.loads(await asyncio.wait_for(socket.recv(), timeout=0.5))
            except TimeoutError:
                break
            if frame["type"] != "stream.sync":  # each connection's first frame, not an event
                seqs.append(frame["seq"])
    return (min(seqs), max(seqs)) if seqs else (1, 0)


async def settle(target: Target, world: World, listeners: list[Listener], broadcast: BroadcastStats) -> None:
    """Wait (bounded) for every listener to catch up, then count delivered against published."""
    token = world.captains[0].token
    ranges = {tid: await published_range(target, tid, token) for tid in world.tournaments}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        ranges[lst.tournament_id][1] not in lst.seqs for lst in listeners if lst.socket is not None
    ):
        await asyncio.sleep(0.1)
    for listener in listeners:
        if listener.socket is None:
            continue
        first, last = ranges[listener.tournament_id]
        broadcast.expected += last - first + 1
        broadcast.delivered += sum(1 for seq in listener.seqs if first <= seq <= last)
        await listener.socket.close()
        if listener.task is not None:
            await listener.task
