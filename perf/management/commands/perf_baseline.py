"""``manage.py perf_baseline``: measure the hot paths, compare with a base measured alongside, save.

All the measuring is ``perf.compare`` (one worker process per arm, each in its own
throwaway test database), all the judging ``perf.guard``; this command parses
options, prints and maps exit codes. It never touches the configured database.
"""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from perf import compare, explain, guard, history, report_html
from perf.harness import FLOOR, floor_multiple, hot_path_names
from perf.scenarios import load_all

HELP = """Measure the hot paths; with --compare, judge them against a base measured here, now (docs/perf.md).

--compare exports the base commit (the one perf/baselines/<vendor>.json records, or
--against REV) and measures it and the working tree in one run, interleaved, on
wall-clock latency. The committed baseline is the published record, not the yardstick.

Exit codes:
  0  ran (and, with --compare, no regression)
  1  --compare found a regression (estimated > 10% slower and significant, or more
     queries per request); or a hot path's response check failed
  2  the base cannot be measured (no valid baseline, no git, unknown commit, or the
     base lacks a hot path named with --only); unknown --only name; bad option
"""


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def slowdown(text: str) -> compare.Slowdown:
    try:
        return compare.Slowdown.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs["formatter_class"] = argparse.RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compare", action="store_true", help="judge the working tree against the base")
        parser.add_argument("--against", metavar="REV", help="the base commit (default: the baseline's)")
        parser.add_argument(
            "--inject",
            type=slowdown,
            action="append",
            default=[],
            metavar="KIND:PERCENT:PATH",
            help="slow the working tree's requests under PATH down by PERCENT of their own time, "
            "at Django's request handler; KIND cpu (busy-wait) or wait (sleep). Proves the guard is sharp",
        )
        parser.add_argument("--save", action="store_true", help="write the working tree's run as the baseline")
        parser.add_argument("--explain", action="store_true", help="plans of each hot path's costliest statements")
        parser.add_argument("--rounds", type=positive_int, default=compare.DEFAULT_ROUNDS, help="minimum rounds")
        parser.add_argument("--max-rounds", type=positive_int, default=compare.DEFAULT_MAX_ROUNDS)
        parser.add_argument(
            "--budget",
            type=float,
            default=compare.DEFAULT_BUDGET,
            metavar="SECONDS",
            help="timed seconds after which no path gets more than --rounds rounds",
        )
        parser.add_argument("--block-size", type=positive_int, default=compare.DEFAULT_BLOCK_SIZE)
        parser.add_argument("--json", type=Path, help="write the run (raw samples, verdicts) as JSON")
        parser.add_argument("--html", type=Path, help="write a self-contained HTML report")
        parser.add_argument("--only", nargs="+", metavar="NAME", help="measure only these hot paths")
        parser.add_argument(
            "--with", dest="modules", nargs="+", default=[], metavar="MODULE", help="import extra scenario modules"
        )
        parser.add_argument("--baseline", type=Path, help="baseline file (default perf/baselines/<vendor>.json)")
        parser.add_argument("--base-tree", type=Path, help=argparse.SUPPRESS)  # a checkout as the base (tests)

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        load_all()
        for module in options["modules"]:
            importlib.import_module(module)
        names = self.selected(options["only"])
        path = options["baseline"] or guard.baseline_path(connection.vendor)
        comparing = options["compare"] or bool(options["inject"])
        if options["inject"] and not options["compare"]:
            raise CommandError("--inject needs --compare: a slowdown is judged against the base", returncode=2)
        plan = compare.Plan(
            names=names,
            rounds=options["rounds"],
            max_rounds=max(options["rounds"], options["max_rounds"]),
            budget=options["budget"],
            block_size=options["block_size"],
            modules=options["modules"],
            explain_calls=explain.CALLS if options["explain"] else 0,
        )
        with compare.scratch_directory() as scratch:
            arms = [compare.head_arm(options["inject"])]
            if comparing:
                arms.insert(0, self.base_arm(options, path, scratch))
            results = self.measure(arms, plan)
        head = results[arms[-1].label]
        document = compare.arm_document(head, plan)
        verdicts = self.verdicts(results, arms, names, explicit=bool(options["only"])) if comparing else []
        base_document = compare.arm_document(results[compare.BASE], plan) if comparing else None
        self.stdout.write(format_table(document, base_document, verdicts))
        if options["explain"]:
            self.stdout.write(explain.render(head.profiles, vendor=head.vendor))
        self.write_outputs(options, document, base_document, verdicts, path)
        if comparing:
            self.exit_on_verdicts(verdicts)

    def selected(self, only: list[str] | None) -> list[str]:
        names = hot_path_names()
        unknown = sorted(set(only or []) - set(names))
        if unknown:
            raise CommandError(f"unknown hot path(s) {unknown}; known: {names}", returncode=2)
        return [name for name in names if not only or name in only]

    def base_arm(self, options: dict[str, Any], path: Path, scratch: Path) -> compare.Arm:
        if options["base_tree"]:
            return compare.Arm(label=compare.BASE, tree=options["base_tree"].resolve(), commit="tree")
        revision = options["against"]
        try:
            if revision is None:
                revision = guard.load_baseline(path, vendor=connection.vendor)["environment"]["commit"]
                if self.verbosity >= 1 and revision.endswith("-dirty"):
                    self.stderr.write(f"(the baseline was saved from {revision}: measuring the commit itself)")
            return compare.base_arm(compare.resolve_commit(revision), scratch)
        except (guard.InvalidBaseline, compare.BaseUnavailable) as exc:
            raise CommandError(f"the base cannot be measured: {exc}", returncode=2) from None

    def measure(self, arms: list[compare.Arm], plan: compare.Plan) -> dict[str, compare.ArmResult]:
        try:
            return compare.measure(arms, plan, progress=self.progress)
        except compare.BaseUnavailable as exc:
            raise CommandError(f"the base cannot be measured: {exc}", returncode=2) from None
        except compare.HotPathBroken as exc:
            raise CommandError(str(exc), returncode=1) from None

    def verdicts(
        self, results: dict[str, compare.ArmResult], arms: list[compare.Arm], names: list[str], *, explicit: bool
    ) -> list[guard.Verdict]:
        missing = [name for name in names if name not in results[compare.BASE].blocks]
        if explicit and missing:
            raise CommandError(f"the base {arms[0].commit} has no hot path {missing}", returncode=2)
        return compare.verdicts(results, arms[-1].label, names)

    def progress(self, done: int, active: str) -> None:
        if self.verbosity >= 1:
            self.stderr.write(f"\rround {done}: {active[:70]:<70}", ending="")
            self.stderr.flush()

    def write_outputs(
        self,
        options: dict[str, Any],
        document: dict[str, Any],
        base_document: dict[str, Any] | None,
        verdicts: list[guard.Verdict],
        path: Path,
    ) -> None:
        if self.verbosity >= 1:
            self.stderr.write("")
        if options["json"]:
            run = {"head": document, "base": base_document, "verdicts": [verdict_json(v) for v in verdicts]}
            options["json"].write_text(json.dumps(run, indent=1) + "\n")
            self.stdout.write(f"run written to {options['json']}")
        if options["html"]:
            trend = history.baseline_history(path)
            html = report_html.render(head=document, base=base_document, verdicts=verdicts, trend=trend)
            options["html"].write_text(html)
            self.stdout.write(f"HTML report written to {options['html']}")
        if options["save"]:
            guard.save_baseline(path, document)
            self.stdout.write(self.style.SUCCESS(f"baseline saved to {path}"))

    def exit_on_verdicts(self, verdicts: list[guard.Verdict]) -> None:
        failed = [f"{v.name}: {v.status} {v.detail}".strip() for v in verdicts if v.failed]
        if failed:
            raise CommandError("SLO guard failed: " + ", ".join(failed), returncode=1)
        self.stdout.write(self.style.SUCCESS("SLO guard: no regression"))


def verdict_json(verdict: guard.Verdict) -> dict[str, Any]:
    return {key: getattr(verdict, key) for key in ("name", "status", "change", "low", "mde", "rounds", "detail")}


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.1f}%"


def format_table(head: dict[str, Any], base: dict[str, Any] | None, verdicts: list[guard.Verdict]) -> str:
    by_name = {verdict.name: verdict for verdict in verdicts}
    header = f"{'hot path':<26} {'p50 ms':>7} {'p95 ms':>7} {'× floor':>7} {'p99 ms':>7} {'queries':>7}"
    if base is not None:
        header += f" {'base p50':>8} {'Δ':>7} {'99% ≥':>7} {'MDE':>6} {'rounds':>6}  verdict"
    lines = [header, "-" * len(header)]
    for name, entry in head["hot_paths"].items():
        multiple = floor_multiple(head["hot_paths"], name)
        distance = "-" if multiple is None else f"{multiple:.1f}×"
        line = f"{name:<26} {entry['p50_ms']:>7.2f} {entry['p95_ms']:>7.2f} {distance:>7} {entry['p99_ms']:>7.2f}"
        verdict = by_name.get(name)
        if base is None or verdict is None:
            lines.append(f"{line} {entry['queries']:>7}")
            continue
        queries = f"{verdict.queries[0]}→{verdict.queries[1]}" if verdict.queries else str(entry["queries"])
        base_p50 = f"{base['hot_paths'][name]['p50_ms']:.2f}" if name in base["hot_paths"] else "-"
        mde = "-" if verdict.mde is None else f"{verdict.mde * 100:.0f}%"
        lines.append(
            f"{line} {queries:>7} {base_p50:>8} {_percent(verdict.change):>7} {_percent(verdict.low):>7} "
            f"{mde:>6} {verdict.rounds:>6}  {verdict.status}"
        )
    lines.append("p50/p95/p99: wall clock per call, the working tree" + (" measured beside the base." if base else "."))
    lines.append(f"× floor: p95 per request ÷ the p95 of {FLOOR} (a DRF POST, no auth, no database) in this run.")
    if base is not None:
        lines.append(
            f"Δ: estimated slowdown against base {base['environment']['commit']} of the floor (the fastest "
            f"calls: the {guard.FLOOR_PERCENTILE}th percentile and the paired block minima, weighted by "
            "precision); 99% ≥: its one-sided lower bound; MDE: the "
            f"smallest slowdown this run would catch 95% of the time. Fails when Δ > {guard.GATE:.0%} and "
            f"99% ≥ > {guard.MARGIN:.0%}, when the median does the same (detail 'median'), or when queries grow."
        )
    return "\n".join(lines)
