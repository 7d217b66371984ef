"""``manage.py perf_proof``: is the SLO guard quiet and sharp on this machine, now?

Each run measures four arms interleaved (``perf.compare``): the base, the unchanged
working tree, and the working tree with a CPU-type and a wait-type slowdown of
``--percent`` of each request's own wall time under ``--path``, injected at Django's
request handler. Each arm is judged against the base exactly as ``perf_baseline
--compare`` judges the working tree. A run is

* quiet when the unchanged tree fails no hot path;
* sharp (per kind) when the slowed arm fails the target hot path and no other.

Exit 0 when at most ``--max-false`` runs were noisy and at least ``--min-caught`` of
``--runs`` were sharp for each kind (defaults: the issue's 1 in 20 and 19 in 20,
scaled to ``--runs``), else 1; 2 when the base cannot be measured.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from perf import compare, guard
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
        parser.add_argument("--json", type=Path, help="write every run's verdicts")

    def handle(self, *args: Any, **options: Any) -> None:
        load_all()
        names = [name for name in hot_path_names() if not options["only"] or name in options["only"]]
        if options["target"] not in names:
            raise CommandError(f"--target {options['target']!r} is not among {names}", returncode=2)
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
        record: list[dict[str, Any]] = []
        tally = {"noisy": 0, **dict.fromkeys(compare.SLOWDOWN_KINDS, 0)}
        for run in range(1, runs + 1):
            started = time.monotonic()
            results = self.measure(options, [*slowed.values()], plan, seed=run)
            # Quiet: the working tree against the base. Sharp: each slowed arm against the
            # working tree, of whose own time the injection is a fraction.
            judged = {compare.HEAD: compare.verdicts(results, compare.HEAD, names)} | {
                arm.label: compare.verdicts(results, arm.label, names, against=compare.HEAD) for arm in slowed.values()
            }
            failing = {label: [v.name for v in verdicts if v.failed] for label, verdicts in judged.items()}
            tally["noisy"] += bool(failing[compare.HEAD])
            for kind, arm in slowed.items():
                tally[kind] += failing[arm.label] == [options["target"]]
            record.append({label: [verdict_json(v) for v in verdicts] for label, verdicts in judged.items()})
            self.stdout.write(self.line(run, time.monotonic() - started, judged, slowed, options["target"]))
            if options["json"]:
                options["json"].write_text(json.dumps(record, indent=1) + "\n")
        self.stdout.write(
            f"{connection.vendor}: quiet {runs - tally['noisy']}/{runs} runs (noisy allowed {max_false}); "
            + "; ".join(f"{kind} +{options['percent']:g}% caught {tally[kind]}/{runs}" for kind in slowed)
            + f" (needed {min_caught})"
        )
        if tally["noisy"] > max_false or any(tally[kind] < min_caught for kind in slowed):
            raise CommandError("the guard was not both quiet and sharp in these runs", returncode=1)
        self.stdout.write(self.style.SUCCESS("quiet and sharp"))

    def measure(
        self, options: dict[str, Any], slowed: list[compare.Arm], plan: compare.Plan, *, seed: int
    ) -> dict[str, compare.ArmResult]:
        plan.seed = seed
        with compare.scratch_directory() as scratch:
            try:
                revision = (
                    options["against"]
                    or guard.load_baseline(guard.baseline_path(connection.vendor), vendor=connection.vendor)[
                        "environment"
                    ]["commit"]
                )
                base = compare.base_arm(compare.resolve_commit(revision), scratch)
                return compare.measure([base, compare.head_arm(), *slowed], plan)
            except (guard.InvalidBaseline, compare.BaseUnavailable) as exc:
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
