"""The live page, end to end: a real server, headless Chromium driven over the DevTools protocol.

Skips with a reason where Chromium is not installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
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


ITEMS = "Array.from(document.querySelectorAll('#{0} li')).map(li => li.dataset.seq + ' ' + li.textContent)"


def test_live_page_shows_history_then_live_registrations_and_results(world, tmp_path):
    with running_server(world) as server, chromium(tmp_path / "profile") as devtools_port:
        before = server.publish(world, 1, "registration.created")
        # Signed in by its session cookie; the page fetches a single-use ticket per connection.
        page_url = f"{server.http}/tournaments/{world.tournament_id}/live/"

        async def scenario():
            async with websockets.connect(_page_socket_url(devtools_port), max_size=None) as connection:
                page = Page(connection)
                await page.call("Network.setCookie", name="sessionid", value=world.session, url=server.http)
                await page.call("Page.navigate", url=page_url)
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
