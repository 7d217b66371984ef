"""Issue 20: the load test direct to PostgreSQL against the same through PgBouncer, in one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arena_lt REDIS_URL=redis://127.0.0.1:6379/6 \
        PYTHONPATH=. python notes/scripts/pgbouncer_compare.py [--rounds 2] [--workers 4] [--preset full]

Per round, both arms back to back, their order alternating: ``python -m loadtest`` (gunicorn
with N uvicorn workers, each with its own psycopg pool) against the database directly, then
through PgBouncer (``deploy/pgbouncer/run.sh``, transaction pooling, port 6439,
``?pooler=pgbouncer``). A sampler reads ``pg_stat_activity`` every 0.2 s for the backends
PostgreSQL has open on the database. Prints a markdown table: the most backends seen, and
each hot path's latencies, errors and events, per arm (the median over rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PORT = 6439


def _backends(database: str, stop: threading.Event, seen: list[int]) -> None:
    assert re.fullmatch(r"\w+", database), database
    query = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{database}'"  # noqa: S608 (checked above)
    while not stop.is_set():
        command = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", query]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        if out.stdout.strip().isdigit():
            seen.append(int(out.stdout.strip()))
        stop.wait(0.2)


def _arm(name: str, url: str, args: argparse.Namespace, database: str) -> dict:
    out = Path(tempfile.mkdtemp()) / f"{name}.json"
    env = os.environ | {"DATABASE_URL": url}
    stop, seen = threading.Event(), [0]
    sampler = threading.Thread(target=_backends, args=(database, stop, seen), daemon=True)
    sampler.start()
    try:
        command = [sys.executable, "-m", "loadtest", "--workers", str(args.workers), "--preset", args.preset]
        subprocess.run([*command, "--json", str(out)], cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL)
    finally:
        stop.set()
        sampler.join()
    result = json.loads(out.read_text())
    result["max_backends"] = max(seen)
    return result


def _pgbouncer(action: str) -> None:
    env = os.environ | {"PGBOUNCER_PORT": str(PORT), "PGBOUNCER_DIR": "/tmp/arena-compare-pgbouncer"}
    subprocess.run([str(ROOT / "deploy/pgbouncer/run.sh"), action], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--preset", default="full")
    args = parser.parse_args()
    direct = os.environ["DATABASE_URL"]
    parts = urlsplit(direct)
    database = parts.path.lstrip("/")
    pooled = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{PORT}", query="pooler=pgbouncer"))
    arms = {"direct": direct, "PgBouncer": pooled}
    results: dict[str, list[dict]] = {name: [] for name in arms}
    _pgbouncer("start")
    try:
        for round_ in range(args.rounds):
            order = list(arms) if round_ % 2 == 0 else list(reversed(arms))
            for name in order:
                results[name].append(_arm(name, arms[name], args, database))
                print(f"round {round_ + 1} {name}: max backends {results[name][-1]['max_backends']}", file=sys.stderr)
    finally:
        _pgbouncer("stop")
    print(f"{args.workers} workers, preset {args.preset}, {args.rounds} rounds per arm (medians over rounds)\n")
    print("| arm | max PostgreSQL backends | path | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for name, runs in results.items():
        backends = max(run["max_backends"] for run in runs)
        for index, path in enumerate(runs[0]["paths"]):
            rows = [run["paths"][index] for run in runs]
            cells = [statistics.median(row[key] for row in rows) for key in ("rps", "p50_ms", "p95_ms", "p99_ms")]
            errors = sum(row["errors"] for row in rows)
            figures = " | ".join(f"{c:.1f}" for c in cells)
            print(f"| {name} | {backends} | {path['path']} | {figures} | {errors} |")
        ws = [run["websocket"] for run in runs]
        delivered = sum(w["delivered"] for w in ws)
        expected = sum(w["expected"] for w in ws)
        errors = sum(w["errors"] for w in ws)
        print(f"| {name} | {backends} | events | {delivered}/{expected} delivered | | | | {errors} |")


if __name__ == "__main__":
    main()
