"""Same-machine comparison: the base commit and the working tree, measured in one run.

A baseline saved on another machine cannot be the yardstick: each hot path mixes CPU,
database and I/O in its own proportions, so a machine change moves every path by its
own factor. So every ``--compare`` re-measures the base here, now (asv ``continuous``):

1. the base commit (the one the committed baseline records, or ``--against REV``) is
   exported with ``git archive`` into a temporary directory;
2. one worker process per *arm* (``perf/worker.py``): the base, the working tree and,
   for the sharpness proof, the working tree with a slowdown injected at Django's
   request handler. Each has its own throwaway test database and Redis prefix;
3. rounds: in each, every hot path still being measured (in a shuffled order) runs one
   block of ``block_size`` calls on every arm, the arms' order rotating from round to
   round. Only one worker runs at a time; the others wait on their pipe;
4. after ``rounds`` rounds, a path whose verdict is still unclear, or whose minimal
   detectable effect is above the guard's target, gets more rounds, up to
   ``max_rounds``, while its next round fits in its equal part of the run's ``budget``
   of seconds (``perf.guard``, ``affordable``).

The clock is wall time per call, waits included: what a client waits for.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import django

from perf import guard, stats
from perf.guard import SCHEMA_VERSION

WORKER = Path(__file__).with_name("worker.py")
TREE = Path(__file__).resolve().parent.parent
BASE = "base"
HEAD = "head"
DEFAULT_ROUNDS = 12
DEFAULT_MAX_ROUNDS = 80
#: Seconds of timed rounds (set-up not included) within which a run's extra rounds must
#: fit: what bounds a run on a slow or noisy machine. Each path still wanting rounds
#: gets an equal part of it (``affordable``).
DEFAULT_BUDGET = 240.0
#: Calls per block, after ``block_warmup`` untimed ones. Short blocks: the noise is
#: slow spells that stretch whole blocks, so more blocks beat longer ones (measured:
#: the first 5 or 3 timed calls after 3 untimed ones estimate as well as 10). Three
#: untimed calls, not fewer: with 1, finalization's estimates swung by +-10% and one
#: proof run failed it at +43% on unchanged code (notes/issue-12.md).
DEFAULT_BLOCK_SIZE = 5
DEFAULT_WARMUP = 5
DEFAULT_BLOCK_WARMUP = 3
#: A path whose calls take longer than this (finalization: each call needs a finished
#: bracket, prepared untimed) gets blocks of ``EXPENSIVE_BLOCK`` (calls, warm calls).
EXPENSIVE_CALL_SECONDS = 0.025
EXPENSIVE_BLOCK = (3, 3)
#: Worker processes per arm, taking turns round by round (asv's ``processes = 2``): one
#: process of unchanged code can stay several percent faster or slower than another for
#: its whole life (memory layout; seen here: an unchanged transfer at +15%).
DEFAULT_PROCESSES = 2
SLOWDOWN_KINDS = ("cpu", "wait")

Progress = Callable[[int, str], None]


class BaseUnavailable(Exception):
    """The base cannot be measured: no git, no such commit, or its worker failed. Exit 2."""


class HotPathBroken(AssertionError):
    """A hot path's response check failed in the working tree. Exit 1."""


@dataclass(frozen=True)
class Slowdown:
    """``kind`` (cpu: busy-wait, wait: sleep) of ``percent`` of each matching request's own wall time."""

    kind: str
    percent: float
    path: str

    @classmethod
    def parse(cls, text: str) -> Slowdown:
        kind, _, rest = text.partition(":")
        percent, _, path = rest.partition(":")
        try:
            value = float(percent.rstrip("%"))
        except ValueError:
            value = -1.0
        if kind not in SLOWDOWN_KINDS or value <= 0 or not path.startswith("/"):
            raise ValueError(f"{text!r}: expected KIND:PERCENT:PATH, KIND one of {SLOWDOWN_KINDS}, e.g. cpu:20:/api/")
        return cls(kind=kind, percent=value, path=path)

    def rule(self) -> dict[str, Any]:
        return {"kind": self.kind, "fraction": self.percent / 100, "path": self.path}

    def __str__(self) -> str:
        return f"{self.kind}:{self.percent:g}%:{self.path}"


@dataclass
class Arm:
    label: str
    tree: Path
    commit: str
    slowdowns: tuple[Slowdown, ...] = ()


@dataclass
class ArmResult:
    """What one arm measured: per path, its query log and its blocks of wall seconds."""

    arm: Arm
    vendor: str = ""
    database: str = ""
    descriptions: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)  # HTTP requests per timed call
    query_logs: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    blocks: dict[str, list[list[float]]] = field(default_factory=dict)
    cpu_blocks: dict[str, list[list[float]]] = field(default_factory=dict)
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)


def git(*args: str, cwd: Path | None = None) -> str:
    executable = shutil.which("git")
    if executable is None:
        raise BaseUnavailable("git is not installed: the base commit cannot be measured")
    done = subprocess.run([executable, *args], cwd=cwd or TREE, capture_output=True, text=True)  # noqa: S603 - fixed argv
    if done.returncode != 0:
        raise BaseUnavailable(f"git {' '.join(args)}: {done.stderr.strip() or 'failed'}")
    return done.stdout.strip()


def resolve_commit(revision: str) -> str:
    """The full hash of ``revision`` (a hash, ``HEAD~1``, a branch), or ``BaseUnavailable``."""
    git("rev-parse", "--git-dir")
    return git("rev-parse", "--verify", "--quiet", f"{revision.removesuffix('-dirty')}^{{commit}}")


def head_commit() -> str:
    try:
        commit = git("rev-parse", "--short=12", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except BaseUnavailable:
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def export_commit(commit: str, into: Path) -> Path:
    """The tree of ``commit`` under ``into`` (``git archive``: no worktree to clean up)."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(  # noqa: S603 - fixed argv
        [shutil.which("git") or "git", "archive", "--format=tar", commit],
        cwd=TREE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    extracted = subprocess.run(  # noqa: S603 - fixed argv
        [shutil.which("tar") or "tar", "-x", "-C", str(into)], stdin=archive.stdout, capture_output=True
    )
    if archive.wait() != 0 or extracted.returncode != 0:
        # git's own complaint says why; tar's ("not a tar archive") only echoes it.
        reason = archive.stderr.read().decode().strip() if archive.stderr else ""
        raise BaseUnavailable(f"could not export commit {commit[:12]}: {reason or extracted.stderr.decode().strip()}")
    return into


class WorkerProcess:
    """One arm's ``perf/worker.py`` subprocess, spoken to in JSON lines."""

    def __init__(self, arm: Arm, *, index: int, scratch: Path) -> None:
        self.arm, self.index = arm, index
        script = scratch / f"worker-{index}" / "worker.py"  # off both trees' sys.path
        script.parent.mkdir(parents=True)
        shutil.copy(WORKER, script)
        self.log_path = scratch / f"worker-{index}.log"
        self.log: IO[str] = self.log_path.open("w")
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "test",
            "PYTHONHASHSEED": "0",  # the same dict and set orders on every arm
            "PYTHONDONTWRITEBYTECODE": "1",
            "REDIS_PREFIX": f"{os.environ.get('REDIS_PREFIX', 'arena')}-perf-{os.getpid()}-{index}",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [sys.executable, str(script), str(arm.tree)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=environment,
        )

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        if self.process.stdin is None or self.process.stdout is None:
            raise RuntimeError("the worker's pipes are closed")
        try:
            self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise self._failure(f"worker for {self.arm.label} exited during {op!r}")
        answer: dict[str, Any] = json.loads(line)
        if not answer.pop("ok"):
            if answer.get("broken") and self.arm.label != BASE:
                raise HotPathBroken(answer["error"])
            raise self._failure(f"{self.arm.label}: {op} failed: {answer['error']}\n{answer.get('traceback', '')}")
        return answer

    def _failure(self, message: str) -> Exception:
        self.log.flush()
        tail = self.log_path.read_text()[-2000:]
        error = BaseUnavailable if self.arm.label == BASE else RuntimeError
        return error(f"{message}\n{tail}".strip())

    def close(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(Exception):  # closing anyway
                self.call("quit")
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


SCRATCH_PREFIX = "arena-perf-"
#: The run that owns a scratch directory: its pid, written first.
OWNER = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep_leftovers() -> list[str]:
    """Remove what runs killed with SIGKILL left behind; return what was removed.

    No handler sees SIGKILL, so such a run leaves its scratch directory and, on
    PostgreSQL, its workers' test databases (each worker names its database in the
    directory before creating it). A directory whose owner is gone is swept with the
    databases it names; one whose databases cannot be dropped from here (another
    database configured now, a server that refuses) stays for a later run.
    """
    from django.db import DatabaseError, connection

    swept: list[str] = []
    for directory in sorted(Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*")):
        try:
            owner = int((directory / OWNER).read_text())
        except (OSError, ValueError):
            continue  # not a run's, or one from before owners were written: not ours to judge
        if _alive(owner):
            continue
        names = sorted({path.read_text() for path in directory.glob("worker-*/database")})
        if names:
            if connection.vendor != "postgresql":
                continue
            try:
                with connection._nodb_cursor() as cursor:
                    for name in names:
                        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)}")
            except DatabaseError:
                continue
        shutil.rmtree(directory, ignore_errors=True)
        swept += [*names, str(directory)]
    return swept


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """A temporary directory, removed afterwards, also when the run is stopped (SIGTERM).

    What killed runs left behind is swept first (``sweep_leftovers``)."""
    swept = sweep_leftovers()
    if swept:
        print(f"perf: removed what killed runs left behind: {', '.join(swept)}", file=sys.stderr)
    path = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    (path / OWNER).write_text(str(os.getpid()))
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)


def base_arm(commit: str, scratch: Path) -> Arm:
    return Arm(label=BASE, tree=export_commit(commit, scratch / "base"), commit=commit[:12])


def head_arm(slowdowns: Sequence[Slowdown] = ()) -> Arm:
    label = HEAD + "".join(f"+{slowdown}" for slowdown in slowdowns)
    return Arm(label=label, tree=TREE, commit=head_commit(), slowdowns=tuple(slowdowns))


@dataclass
class Plan:
    names: list[str]
    rounds: int = DEFAULT_ROUNDS
    max_rounds: int = DEFAULT_MAX_ROUNDS
    budget: float = DEFAULT_BUDGET
    block_size: int = DEFAULT_BLOCK_SIZE
    warmup: int = DEFAULT_WARMUP
    block_warmup: int = DEFAULT_BLOCK_WARMUP
    processes: int = DEFAULT_PROCESSES
    modules: list[str] = field(default_factory=list)
    explain_calls: int = 0
    seed: int = 0


def references(labels: Sequence[str]) -> dict[str, str]:
    """Each judged arm and the arm it is judged against: the working tree against the
    base, a slowed working tree against the unslowed one (the injection's reference), or
    against the base when the run has no unslowed working tree."""
    pairs = {label: HEAD if label != HEAD and HEAD in labels else BASE for label in labels if label != BASE}
    return {label: reference for label, reference in pairs.items() if reference in labels}


def needs_more_rounds(results: dict[str, ArmResult], name: str) -> bool:
    """Whether any arm's verdict on ``name`` against its reference is still unclear."""
    return any(
        guard.undecided(results[reference].blocks[name], results[label].blocks[name])
        for label, reference in references(list(results)).items()
        if name in results[reference].blocks and name in results[label].blocks
    )


def verdicts(
    results: dict[str, ArmResult], label: str, names: Sequence[str], *, against: str = BASE
) -> list[guard.Verdict]:
    """The guard's verdict on each of ``names``: arm ``label`` against arm ``against`` (the base)."""
    base, head = results[against], results[label]
    return [
        guard.judge(
            name,
            base_blocks=base.blocks.get(name),
            head_blocks=head.blocks[name],
            base_queries=len(base.query_logs[name]) if name in base.query_logs else None,
            head_queries=len(head.query_logs[name]),
        )
        for name in names
        if name in head.blocks
    ]


def measure(arms: Sequence[Arm], plan: Plan, *, progress: Progress | None = None) -> dict[str, ArmResult]:
    """Time ``plan.names`` on every arm, interleaved; returns results by arm label.

    With arms to judge (``references``), a path whose verdict is unclear after
    ``plan.rounds`` gets more rounds, up to ``plan.max_rounds``; alone, an arm runs
    exactly ``plan.rounds``.
    """
    comparing = bool(references([arm.label for arm in arms]))
    shuffle = random.Random(plan.seed).shuffle  # noqa: S311 - an order, not a secret
    with ExitStack() as stack, scratch_directory() as scratch:
        workers: list[list[WorkerProcess]] = []
        for arm in arms:
            processes = [
                WorkerProcess(arm, index=len(workers) * plan.processes + n, scratch=scratch)
                for n in range(plan.processes)
            ]
            for worker in processes:
                stack.callback(worker.close)
            workers.append(processes)
        results = {arm.label: ArmResult(arm=arm) for arm in arms}
        # Set-up (untimed) runs in waves: every arm's first process at the same time, then
        # every arm's second; a round pairs the arms' processes of one wave. Set up arm
        # after arm, two arms of the same code were apart by about 7% (SD) for a whole
        # run, twice the bootstrap's standard error (docs/perf.md "Set-up in waves").
        waves = list(zip(*workers, strict=True)) if len(workers) > 1 else [tuple(workers[0])]
        with ThreadPoolExecutor(max_workers=max(len(wave) for wave in waves)) as pool:
            for wave in waves:
                answers = list(pool.map(lambda worker: _set_up_call(worker, plan), wave))
                for worker, answer in zip(wave, answers, strict=True):
                    _record_setup(results[worker.arm.label], answer)
        active = [name for name in plan.names if name in results[arms[-1].label].blocks]
        sizes = dict.fromkeys(active, (plan.block_size, plan.block_warmup))
        cost: dict[str, float] = {}  # seconds of each path's last round, every arm
        spent = dict.fromkeys(active, 0.0)  # seconds of each path's rounds so far
        for round_index in range(plan.max_rounds):
            if round_index >= plan.rounds:
                wanted = [name for name in active if comparing and needs_more_rounds(results, name)]
                active = affordable(wanted, spent, cost, plan.budget)
            if not active:
                break
            order = list(active)
            shuffle(order)
            for name in order:
                began = time.monotonic()
                size, warm = sizes[name]
                turn = round_index % len(workers)
                for processes in workers[turn:] + workers[:turn]:
                    # Each arm's processes take turns: no arm's verdict rests on one
                    # process's memory layout.
                    worker = processes[round_index % len(processes)]
                    result = results[worker.arm.label]
                    if name in result.blocks:
                        block = worker.call("block", name=name, size=size, warm=warm)
                        result.blocks[name].append(block["wall"])
                        result.cpu_blocks[name].append(block["cpu"])
                cost[name] = time.monotonic() - began
                spent[name] += cost[name]
                if round_index == 0:
                    sizes[name] = block_plan(results, name, plan)
            if progress is not None:
                progress(round_index + 1, ", ".join(sorted(active)))
        if plan.explain_calls:  # on the last arm: the working tree, as the command orders them
            head = workers[-1][0]
            for name in results[head.arm.label].blocks:
                results[head.arm.label].profiles[name] = head.call("profile", name=name, calls=plan.explain_calls)
        return results


def block_plan(results: dict[str, ArmResult], name: str, plan: Plan) -> tuple[int, int]:
    """(calls, warm calls) per block of ``name`` from its first round: fewer for an
    expensive path, whose untimed preparation would otherwise take most of a run."""
    first = [block[0] for result in results.values() for block in result.blocks.get(name, [])[:1] if block]
    if first and stats.median(first) > EXPENSIVE_CALL_SECONDS:
        return EXPENSIVE_BLOCK
    return plan.block_size, plan.block_warmup


def affordable(names: Sequence[str], spent: dict[str, float], cost: dict[str, float], budget: float) -> list[str]:
    """Those of ``names`` (the paths still wanting rounds) whose next round fits in their
    equal part of the budget: the ``budget`` seconds less what the other paths spent,
    shared out evenly, a path that cannot fit its next round in its part leaving that
    part to the rest. A cheap path thus gets many rounds, an expensive one few."""
    chosen = list(names)
    while chosen:
        share = (budget - sum(seconds for name, seconds in spent.items() if name not in chosen)) / len(chosen)
        fitting = [name for name in chosen if spent.get(name, 0.0) + cost.get(name, 0.0) <= share]
        if fitting == chosen:
            break
        chosen = fitting
    return chosen


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _set_up_call(worker: WorkerProcess, plan: Plan) -> dict[str, Any]:
    return worker.call(
        "setup",
        names=plan.names,
        warmup=plan.warmup,
        modules=plan.modules,
        slowdowns=[slowdown.rule() for slowdown in worker.arm.slowdowns],
        role=f"arm{worker.index}",
    )


def _record_setup(result: ArmResult, answer: dict[str, Any]) -> None:
    result.vendor, result.database = answer["vendor"], answer["database"]
    for name, path in answer["paths"].items():
        if name in result.blocks:  # the arm's second process: same code, same statements
            continue
        result.descriptions[name] = path["description"]
        result.requests[name] = path.get("requests", 1)  # a base older than the floors says nothing
        result.query_logs[name] = path["queries"]
        result.blocks[name] = []
        result.cpu_blocks[name] = []


def path_document(result: ArmResult, name: str) -> dict[str, Any]:
    """One path of one arm in the baseline schema: wall-clock figures and raw samples."""
    samples = [sample for block in result.blocks[name] for sample in block]
    cpu = stats.summarize_ms([sample for block in result.cpu_blocks[name] for sample in block])
    return {
        "description": result.descriptions[name],
        "requests": result.requests.get(name, 1),
        **stats.summarize_ms(samples),
        "rounds": len(result.blocks[name]),
        "samples": len(samples),
        "queries": len(result.query_logs[name]),
        "cpu_ms": {key: cpu[key] for key in ("p50_ms", "p95_ms", "p99_ms")},
        "samples_ms": [round(sample * 1000, 4) for sample in samples],
        "query_log": result.query_logs[name],
    }


def arm_document(result: ArmResult, plan: Plan) -> dict[str, Any]:
    """An arm's run in the baseline schema (``perf.guard.SCHEMA_VERSION``)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "vendor": result.vendor,
        "environment": {
            "python": platform.python_version(),
            "django": django.get_version(),
            "database": result.database,
            "commit": result.arm.commit,
            "machine": f"{platform.node()} {platform.machine()} {platform.processor() or ''}".strip(),
            "cpus": cores(),
            "date": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        },
        "method": {
            "rounds": plan.rounds,
            "max_rounds": plan.max_rounds,
            "budget_s": plan.budget,
            "block_size": plan.block_size,
            "expensive_block": {"above_ms": EXPENSIVE_CALL_SECONDS * 1000, "calls_and_warm": list(EXPENSIVE_BLOCK)},
            "warmup": plan.warmup,
            "clock": "wall time per call (perf_counter), two worker processes per arm taking turns, blocks interleaved",
            "percentiles": "linear interpolation between closest ranks (Hyndman & Fan 7)",
        },
        "hot_paths": {name: path_document(result, name) for name in result.blocks if result.blocks[name]},
    }
