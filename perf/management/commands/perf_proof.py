"""``manage.py perf_proof``: is the SLO guard quiet and sharp on this machine, now?

Each run measures four arms interleaved (``perf.compare``): the base, the unchanged
working tree, and the working tree with a CPU-type and a wait-type slowdown of
``--percent`` of each request's own wall time under ``--path``, injected at Django's
request handler. Each arm is judged against the base exactly as ``perf_baseline
--compare`` judges the working tree. A run is

* quiet when the unchanged tree fails no hot path;
* sharp (per kind) when the slowed arm fails the target hot path and no other.

``--busy-core`` runs all of it beside another process that keeps one core busy
(``python -c "while True: pass"``), started and stopped by the command itself. ``--json``
writes the record (``perf.proof``) after every run; ``perf_readme`` renders the
README's proof table from ``perf/proofs/*.json``.

Exit 0 when at most ``--max-false`` runs were noisy and at least ``--min-caught`` of
``--runs`` were sharp for each kind (defaults: the issue's 1 in 20 and 19 in 20,
scaled to ``--runs``), else 1; 2 when the base cannot be measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from perf import compare, guard, proof
from perf.harness import hot_path_names
from perf.management.commands.perf_baseline import positive_int, verdict_json
from perf.scenarios import load_all


class Command(BaseCommand):
    help = __doc__ or ""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs["formatter_class"] = argparse.RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--runs", type=positive_int, default=20)
        parser.add_argument("--target", default="registration", help="the hot path that is slowed down")
        parser.add_argument("--path", default="/api/tournaments/register/", help="the request path prefix slowed")
        parser.add_argument("--percent", type=float, default=20.0)
        parser.add_argument("--against", metavar="REV", help="the base commit (default: the baseline's)")
        parser.add_argument("--only", nargs="+", metavar="NAME", help="judge only these hot paths")
        parser.add_argument("--rounds", type=positive_int, default=compare.DEFAULT_ROUNDS)
        parser.add_argument("--max-rounds", type=positive_int, default=compare.DEFAULT_MAX_ROUNDS)
        parser.add_argument("--budget", type=float, default=compare.DEFAULT_BUDGET, metavar="SECONDS")
        parser.add_argument("--max-false", type=int, help="noisy runs allowed (default: 1 per 20, rounded down)")
        parser.add_argument("--min-caught", type=int, help="sharp runs needed per kind (default: 19 per 20)")
        parser.add_argument("--busy-core", action="store_true", help="keep one core busy with another process")
        parser.add_argument("--json", type=Path, help="write the record: every run's verdicts (perf/proofs/)")
        parser.add_argument("--note", default="", help="what the record's row in the README should say of this run")

    def handle(self, *args: Any, **options: Any) -> None:
        load_all()
        names = [name for name in hot_path_names() if not options["only"] or name in options["only"]]
        if options["target"] not in names:
            raise CommandError(f"--target {options['target']!r} is not among {names}", returncode=2)
        if options["json"]:  # refused now, not after an hour of runs
            try:
                options["json"].parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise CommandError(f"--json {options['json']}: {exc}", returncode=2) from None
        runs = options["runs"]
        max_false = options["max_false"] if options["max_false"] is not None else runs // 20
        min_caught = options["min_caught"] if options["min_caught"] is not None else math.ceil(runs * 19 / 20)
        slowed = {
            kind: compare.head_arm([compare.Slowdown(kind=kind, percent=options["percent"], path=options["path"])])
            for kind in compare.SLOWDOWN_KINDS
        }
        plan = compare.Plan(
            names=names, rounds=options["rounds"], max_rounds=options["max_rounds"], budget=options["budget"]
        )
        with busy_core(options["busy_core"]):
            summary = proof.summarize(self.run_all(options, names, slowed, plan))
        self.stdout.write(
            f"{connection.vendor}: quiet {runs - summary['noisy']}/{runs} runs (noisy allowed {max_false}); "
            + "; ".join(f"{kind} +{options['percent']:g}% caught {summary['only'][kind]}/{runs}" for kind in slowed)
            + f" (needed {min_caught})"
            + (", beside a busy core" if options["busy_core"] else "")
        )
        if summary["noisy"] > max_false or any(summary["only"][kind] < min_caught for kind in slowed):
            raise CommandError("the guard was not both quiet and sharp in these runs", returncode=1)
        self.stdout.write(self.style.SUCCESS("quiet and sharp"))

    def run_all(
        self, options: dict[str, Any], names: list[str], slowed: dict[str, compare.Arm], plan: compare.Plan
    ) -> dict[str, Any]:
        """Every run, judged; the record (``perf.proof``), written after each run."""
        base = self.base_commit(options)
        document = proof.record(
            [],
            vendor=connection.vendor,
            base=base[:12],
            target=options["target"],
            percent=options["percent"],
            busy_core=options["busy_core"],
            note=options["note"],
        )
        for run in range(1, options["runs"] + 1):
            started = time.monotonic()
            results = self.measure(base, [*slowed.values()], plan, seed=run)
            # Quiet: the working tree against the base. Sharp: each slowed arm against the
            # working tree, of whose own time the injection is a fraction.
            judged = {compare.HEAD: compare.verdicts(results, compare.HEAD, names)} | {
                arm.label: compare.verdicts(results, arm.label, names, against=compare.HEAD) for arm in slowed.values()
            }
            document["runs"].append({label: [verdict_json(v) for v in verdicts] for label, verdicts in judged.items()})
            self.stdout.write(self.line(run, time.monotonic() - started, judged, slowed, options["target"]))
            if options["json"]:
                options["json"].write_text(json.dumps(document, indent=1) + "\n")
        return document

    @staticmethod
    def base_commit(options: dict[str, Any]) -> str:
        try:
            revision = (
                options["against"]
                or guard.load_baseline(guard.baseline_path(connection.vendor), vendor=connection.vendor)["environment"][
                    "commit"
                ]
            )
            return compare.resolve_commit(revision)
        except (guard.InvalidBaseline, compare.BaseUnavailable) as exc:
            raise CommandError(f"the base cannot be measured: {exc}", returncode=2) from None

    @staticmethod
    def measure(
        base_commit: str, slowed: list[compare.Arm], plan: compare.Plan, *, seed: int
    ) -> dict[str, compare.ArmResult]:
        plan.seed = seed
        with compare.scratch_directory() as scratch:
            try:
                base = compare.base_arm(base_commit, scratch)
                return compare.measure([base, compare.head_arm(), *slowed], plan)
            except compare.BaseUnavailable as exc:
                raise CommandError(f"the base cannot be measured: {exc}", returncode=2) from None

    @staticmethod
    def line(
        run: int, seconds: float, judged: dict[str, list[guard.Verdict]], slowed: dict[str, compare.Arm], target: str
    ) -> str:
        def show(verdicts: list[guard.Verdict]) -> str:
            failed = [f"{v.name} {v.change * 100:+.0f}%" for v in verdicts if v.failed and v.change is not None]
            return ", ".join(failed) or "none"

        def change(label: str) -> str:
            found = next(v for v in judged[label] if v.name == target).change
            return "-" if found is None else f"{found * 100:+.0f}%"

        worst_mde = max((v.mde for v in judged[compare.HEAD] if v.mde is not None), default=0.0)
        return (
            f"run {run:>2} ({seconds:.0f} s): unchanged fails [{show(judged[compare.HEAD])}], "
            + ", ".join(
                f"{kind} fails [{show(judged[arm.label])}] ({target} {change(arm.label)})"
                for kind, arm in slowed.items()
            )
            + f"; worst MDE {worst_mde * 100:.0f}%"
        )


@contextlib.contextmanager
def busy_core(wanted: bool) -> Iterator[None]:
    """Another process spinning on one core for as long as the block runs."""
    if not wanted:
        yield
        return
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])  # noqa: S603 - our own interpreter
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()
