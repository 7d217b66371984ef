"""`python -m loadtest --workers N [--preset full|smoke]`: serve, load, report, stop.

Starts the production server (deploy/gunicorn.conf.py, N uvicorn workers) on
DATABASE_URL + REDIS_URL, creates an organizer account, drives the four hot paths
through real HTTP and WebSocket connections, prints the table, stops the server.
With ``--url http://host:port`` it loads an already running server instead (then
``--organizer-token`` is required). Exit status 1 on any error or lost event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from loadtest import drive
from loadtest.report import BroadcastStats, PathStats, render

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--preset", choices=sorted(drive.PRESETS), default="full")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOADTEST_PORT", "18210")))
    parser.add_argument("--url", help="load this running server instead of starting one")
    parser.add_argument("--organizer-token", help="a staff user's API token (with --url)")
    parser.add_argument("--json", type=Path, help="also write the result as JSON to this file")
    default_log = Path(tempfile.gettempdir(), "arena-loadtest-server.log")
    parser.add_argument("--server-log", type=Path, default=default_log, help=f"default: {default_log}")
    return parser.parse_args(argv)


def _server_environment(workers: int, port: int) -> dict[str, str]:
    env = dict(os.environ)
    for required in ("DATABASE_URL", "REDIS_URL"):
        if not env.get(required):
            raise SystemExit(f"{required} must be set: the load test runs the production shape (PostgreSQL + Redis)")
    env.update(
        DJANGO_ENV="production",
        WORKERS=str(workers),
        BIND=f"127.0.0.1:{port}",
        # Throttling exists to stop abuse; one loopback client creating many accounts
        # would trip it, so the load test turns it off (see docs/production.md).
        THROTTLE_AUTH_RATE=env.get("LOADTEST_THROTTLE_AUTH_RATE", "off"),
        THROTTLE_TRANSFERS_RATE=env.get("LOADTEST_THROTTLE_TRANSFERS_RATE", "off"),
        # The organizer grants coins to every captain: 40 grants in the full preset, over
        # the production limit of 30 an hour.
        THROTTLE_GRANTS_RATE=env.get("LOADTEST_THROTTLE_GRANTS_RATE", "off"),
    )
    env.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")  # production names its hosts
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603


def _wait_healthy(port: int, seconds: float = 60) -> None:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 (loopback, fixed URL)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"server on port {port} not healthy after {seconds:.0f}s")


@contextmanager
def running_server(*, workers: int, port: int, log_path: Path):
    env = _server_environment(workers, port)
    _manage(env, "migrate", "--noinput", "--verbosity", "0")
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "deploy.asgi:application"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops every worker
        )
        try:
            _wait_healthy(port)
            yield env
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _organizer_token(env: dict[str, str], port: int) -> str:
    username = f"lt-organizer-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(24)
    env = {**env, "DJANGO_SUPERUSER_PASSWORD": password}
    _manage(env, "createsuperuser", "--noinput", "--username", username, "--email", f"{username}@example.com")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/auth/token/",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json", "X-Forwarded-Proto": "https"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback, fixed URL)
        return json.load(response)["token"]


async def run_load(target: drive.Target, load: drive.Load, *, organizer_token: str) -> dict:
    world = await drive.setup(target, load, organizer_token=organizer_token)
    broadcast = BroadcastStats()
    listeners = await drive.listen(target, world, load.listeners, broadcast)
    await drive.start_brackets(world)
    paths = [PathStats("registration"), PathStats("result"), PathStats("transfer")]
    began = time.perf_counter()
    hot_paths = asyncio.gather(
        drive.registrations(target, world, paths[0]),
        drive.results(target, world, paths[1]),
        drive.transfers(target, world, paths[2], load.transfers_per_captain),
    )
    try:
        await asyncio.wait_for(hot_paths, timeout=load.max_seconds)
    except TimeoutError:
        paths[0].errors.append(f"deadline: the load did not finish within {load.max_seconds:.0f}s")
    wall = time.perf_counter() - began
    await drive.settle(target, world, listeners, broadcast)
    await world.organizer.close()
    return {"wall_s": wall, "paths": paths, "broadcast": broadcast}


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    load = drive.PRESETS[args.preset]
    if args.url:
        if not args.organizer_token:
            raise SystemExit("--url needs --organizer-token (a staff user's API token)")
        parts = urlsplit(args.url)
        outcome = asyncio.run(
            run_load(drive.Target(parts.hostname, parts.port or 80), load, organizer_token=args.organizer_token)
        )
    else:
        with running_server(workers=args.workers, port=args.port, log_path=args.server_log) as env:
            token = _organizer_token(env, args.port)
            outcome = asyncio.run(run_load(drive.Target("127.0.0.1", args.port), load, organizer_token=token))
    print(
        render(workers=args.workers, wall_s=outcome["wall_s"], paths=outcome["paths"], broadcast=outcome["broadcast"])
    )
    result = {
        "workers": args.workers,
        "preset": args.preset,
        "wall_s": round(outcome["wall_s"], 2),
        "paths": [p.row() for p in outcome["paths"]],
        "websocket": outcome["broadcast"].row(),
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    failed = any(p["errors"] for p in result["paths"]) or result["websocket"]["lost"] or result["websocket"]["errors"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
