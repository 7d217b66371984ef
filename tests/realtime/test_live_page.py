"""The live page, end to end: a real server, headless Chromium driven over the DevTools protocol.

Skips with a reason where Chromium is not installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import struct
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
import websockets

from tests.realtime.live import free_port, running_server, seed_world, stop_process

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.embedded,  # its server runs on its own SQLite file, whatever the parent's database
    pytest.mark.skipif(CHROMIUM is None, reason="needs headless Chromium: apt-get install chromium"),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return seed_world(tmp_path_factory.mktemp("live-page"))


@contextlib.contextmanager
def chromium(profile) -> Iterator[int]:
    assert CHROMIUM is not None  # the module is skipped without it
    port = free_port()
    command = [CHROMIUM, *FLAGS, f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        yield port
    finally:
        stop_process(process)


def _page_socket_url(devtools_port: int, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            url = f"http://127.0.0.1:{devtools_port}/json/list"
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                pages = [t for t in json.loads(response.read()) if t["type"] == "page"]
            if pages:
                return pages[0]["webSocketDebuggerUrl"]
        time.sleep(0.2)
    raise RuntimeError("Chromium's DevTools endpoint did not come up")


class Page:
    """Just enough of the DevTools protocol: navigate, evaluate, wait for a condition."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.ids = itertools.count(1)

    async def call(self, method: str, **params) -> dict:
        call_id = next(self.ids)
        await self.connection.send(json.dumps({"id": call_id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self.connection.recv())
            if reply.get("id") == call_id:
                return reply.get("result", {})

    async def evaluate(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    async def wait_for(self, expression: str, timeout: float = 20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = await self.evaluate(expression)
            if value:
                return value
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {expression}: {await self.evaluate('document.body.innerText')}")


@contextlib.asynccontextmanager
async def live_page(devtools_port: int, server, world, tournament_id: int):
    """The live page of ``tournament_id`` in Chromium, signed in by the world's session cookie."""
    async with websockets.connect(_page_socket_url(devtools_port), max_size=None) as connection:
        page = Page(connection)
        await page.call("Network.setCookie", name="sessionid", value=world.session, url=server.http)
        await page.call("Page.navigate", url=f"{server.http}/tournaments/{tournament_id}/live/")
        yield page


ITEMS = "Array.from(document.querySelectorAll('#{0} li')).map(li => li.dataset.seq + ' ' + li.textContent)"


def test_live_page_shows_history_then_live_registrations_and_results(world, tmp_path):
    with running_server(world) as server, chromium(tmp_path / "profile") as devtools_port:
        before = server.publish(world, 1, "registration.created")

        async def scenario():  # the page fetches a single-use ticket per connection, with the session
            async with live_page(devtools_port, server, world, world.tournament_id) as page:
                await page.wait_for("document.getElementById('status').textContent === 'live'")
                registrations = await page.wait_for(f"({ITEMS.format('registrations')}).length === 1 && true")
                assert registrations is True
                await asyncio.get_running_loop().run_in_executor(None, server.publish, world, 1, "match.confirmed")
                await page.wait_for(f"({ITEMS.format('results')}).length === 1")
                return (
                    await page.evaluate(ITEMS.format("registrations")),
                    await page.evaluate(ITEMS.format("results")),
                    await page.evaluate("document.getElementById('last-seq').textContent"),
                )

        registrations, results, last_seq = asyncio.run(scenario())

    assert registrations == [f"{before[0]} Team 0 registered"]
    assert results == [f"{before[0] + 1} Match 0: 2 – 1"]
    assert last_seq == str(before[0] + 1)


BOXES = (
    "Array.from(document.querySelectorAll('#bracket .match')).map(box => "
    "Array.from(box.querySelectorAll('.team')).map(row => row.textContent).join(' / '))"
)


def test_live_page_draws_the_bracket_with_team_names_and_redraws_on_a_result(world, tmp_path):
    with running_server(world) as server, chromium(tmp_path / "profile") as devtools_port:

        async def scenario():
            async with live_page(devtools_port, server, world, world.bracket_tournament_id) as page:
                await page.wait_for("document.querySelectorAll('#bracket .match').length === 3")
                header = await page.evaluate(
                    "document.getElementById('name').textContent + ' | ' + "
                    "document.getElementById('tournament-status').textContent"
                )
                before = await page.evaluate(BOXES)
                await page.wait_for("document.getElementById('status').textContent === 'live'")
                # The organizer settles a semi-final over HTTP: a real change, its event redraws the board.
                await asyncio.get_running_loop().run_in_executor(None, _override_first_semi, server, world)
                await page.wait_for(f"({BOXES})[0].indexOf('3') >= 0")
                after = await page.evaluate(BOXES)
                shot = await page.call("Page.captureScreenshot", format="png")
                return header, before, after, base64.b64decode(shot["data"])

        header, before, after, png = asyncio.run(scenario())

    assert header == "Spring Open | live"
    # Seeds 1-4 (Falcons), 2-3 (Owls v Ravens); the final waits for both.
    assert before == ["Falcons / Hawks", "Owls / Ravens", "TBD / TBD"]
    assert after[0] == "Falcons3 / Hawks0"
    assert after[2] == "Falcons / TBD"
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "bracket.png").write_bytes(png)  # kept with the test's tmp dir, to look at
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) > (0, 0)


COLUMNS = (
    "Array.from(document.querySelectorAll('#bracket .round')).map(column => "
    "column.querySelector('h3').textContent + ': ' + column.querySelectorAll('.match').length)"
)


def test_live_page_draws_both_brackets_of_a_double_elimination(world, tmp_path):
    with running_server(world) as server, chromium(tmp_path / "profile") as devtools_port:

        async def scenario():
            async with live_page(devtools_port, server, world, world.double_tournament_id) as page:
                await page.wait_for("document.querySelectorAll('#bracket .match').length === 6")
                return await page.evaluate(COLUMNS), await page.evaluate(BOXES)

        columns, boxes = asyncio.run(scenario())

    assert columns == [
        "Winners round 1: 2",
        "Winners round 2: 1",
        "Losers round 1: 1",
        "Losers round 2: 1",
        "Grand final: 1",
    ]
    assert boxes[:2] == ["Falcons / Hawks", "Owls / Ravens"]
    assert set(boxes[2:]) == {"TBD / TBD"}


def _override_first_semi(server, world) -> None:
    matches = _api(server, world, f"/api/tournaments/{world.bracket_tournament_id}/matches/")
    semi = next(m for m in matches if m["round"] == 1 and m["position"] == 1)
    body = json.dumps({"score_a": 3, "score_b": 0, "reason": "walked through"}).encode()
    _api(server, world, f"/api/matches/{semi['id']}/override/", body=body)


def _api(server, world, path: str, body: bytes | None = None):
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{server.http}{path}",
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Token {world.organizer_token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())
