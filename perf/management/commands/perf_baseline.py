"""``manage.py perf_baseline``: run the perf suite in-process, print, save, compare.

It runs in a throwaway test database it creates and destroys itself (the scenarios
write), never in the configured one. All the measuring is ``perf.runner``, all the
judging ``perf.guard``; this command parses options, prints and maps exit codes.
"""

from __future__ import annotations

import argparse
import importlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test.utils import (
    override_settings,
    setup_databases,
    setup_test_environment,
    teardown_databases,
    teardown_test_environment,
)

from perf import explain, guard, report_html, runner
from perf.scenarios import load_all

HELP = """Run the hot-path benchmarks and the SLO guard (docs/perf.md).

Exit codes:
  0  ran (and, with --compare, no regression)
  1  --compare found a regression: p95 > 15% worse (significant) or more queries;
     or a hot path's response check failed (a broken endpoint never looks fast)
  2  --compare without a valid baseline for this database (missing, unreadable,
     other schema or vendor, or lacking a measured hot path); unknown --only name
"""


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def parse_slowdowns(values: list[str]) -> dict[str, float]:
    slowdowns = {}
    for value in values:
        name, _, factor = value.partition("=")
        try:
            slowdowns[name] = float(factor or 1.25)
        except ValueError:
            raise CommandError(f"--slow-down {value!r}: the factor must be a number", returncode=2) from None
    return slowdowns


def test_settings() -> dict[str, Any]:
    """What DJANGO_ENV=test would set: fast hashing, and no abuse limits (a benchmark
    repeats one user's request hundreds of times a minute)."""
    rest_framework = dict(settings.REST_FRAMEWORK)
    # The settings dict is heterogeneous (typed ``dict[str, object]``); this entry maps scope to rate.
    rates = cast("dict[str, str | None]", rest_framework.get("DEFAULT_THROTTLE_RATES", {}))
    rest_framework["DEFAULT_THROTTLE_RATES"] = dict.fromkeys(rates)
    return {"PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"], "REST_FRAMEWORK": rest_framework}


@contextmanager
def throwaway_database(verbosity: int) -> Iterator[None]:
    """A fresh test database for the run, destroyed afterwards, with test settings."""
    setup_test_environment()
    # A mapping, as DiscoverRunner passes it ({alias: serialize}); only the aliases are read.
    old_config = setup_databases(verbosity=max(verbosity - 1, 0), interactive=False, aliases={"default": True})
    try:
        with override_settings(**test_settings()):
            yield
    finally:
        teardown_databases(old_config, verbosity=max(verbosity - 1, 0))
        teardown_test_environment()


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        kwargs["formatter_class"] = argparse.RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--save", action="store_true", help="write the baseline for this database")
        parser.add_argument("--compare", action="store_true", help="exit 1 on regression, 2 without a baseline")
        parser.add_argument("--explain", action="store_true", help="EXPLAIN each hot path's slowest queries")
        parser.add_argument("--rounds", type=positive_int, default=runner.DEFAULT_ROUNDS)
        parser.add_argument("--block-size", type=positive_int, default=runner.DEFAULT_BLOCK_SIZE)
        parser.add_argument("--json", type=Path, help="write this run's document (raw samples included)")
        parser.add_argument("--html", type=Path, help="write a self-contained HTML report")
        parser.add_argument("--only", nargs="+", metavar="NAME", help="measure only these hot paths")
        parser.add_argument(
            "--with", dest="modules", nargs="+", default=[], metavar="MODULE", help="import extra scenario modules"
        )
        parser.add_argument(
            "--slow-down",
            nargs="+",
            default=[],
            metavar="NAME[=FACTOR]",
            help="inject a CPU slowdown (default 1.25) into these hot paths: proves the guard is sharp",
        )
        parser.add_argument("--baseline", type=Path, help="baseline file (default perf/baselines/<vendor>.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        load_all()
        for module in options["modules"]:
            importlib.import_module(module)
        names = self.selected(options["only"])
        slowdowns = parse_slowdowns(options["slow_down"])
        if set(slowdowns) - set(names):
            raise CommandError(f"--slow-down {sorted(set(slowdowns) - set(names))}: not measured", returncode=2)
        path = options["baseline"] or guard.baseline_path(connection.vendor)
        baseline = self.baseline(path, required=options["compare"])
        with throwaway_database(options["verbosity"]):
            try:
                document = runner.run_suite(
                    names=names,
                    rounds=options["rounds"],
                    block_size=options["block_size"],
                    progress=self.progress,
                    slowdowns=slowdowns,
                )
            except runner.ScenarioFailed as exc:
                raise CommandError(str(exc), returncode=1) from exc
            explained = explain.explain_document(document) if options["explain"] else None
        verdicts = guard.compare(baseline, document) if baseline else []
        self.print_table(document, verdicts)
        if explained is not None:
            self.stdout.write(explain.render(explained))
        self.write_outputs(options, document, baseline, path)
        if options["compare"]:
            self.exit_on_verdicts(verdicts)

    def selected(self, only: list[str] | None) -> list[str]:
        names = runner.hot_path_names()
        unknown = sorted(set(only or []) - set(names))
        if unknown:
            raise CommandError(f"unknown hot path(s) {unknown}; known: {names}", returncode=2)
        return [name for name in names if not only or name in only]

    def baseline(self, path: Path, *, required: bool) -> dict[str, Any] | None:
        try:
            return guard.load_baseline(path, vendor=connection.vendor)
        except guard.InvalidBaseline as exc:
            if required:
                raise CommandError(str(exc), returncode=2) from None
            if self.verbosity >= 1:
                self.stderr.write(f"(no comparison: {exc})")
            return None

    def progress(self, done: int, total: int, name: str) -> None:
        if self.verbosity < 1:
            return
        width = 30
        filled = width * done // total
        end = "\n" if done == total else ""
        self.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {name:<24}", ending=end)
        self.stderr.flush()

    def print_table(self, document: dict[str, Any], verdicts: list[guard.Verdict]) -> None:
        by_name = {verdict.name: verdict for verdict in verdicts}
        self.stdout.write(format_table(document, by_name))

    def write_outputs(self, options: dict[str, Any], document: dict[str, Any], baseline: Any, path: Path) -> None:
        if options["json"]:
            options["json"].write_text(json.dumps(document, indent=1) + "\n")
            self.stdout.write(f"run written to {options['json']}")
        if options["html"]:
            options["html"].write_text(report_html.render(current=document, baseline=baseline))
            self.stdout.write(f"HTML report written to {options['html']}")
        if options["save"]:
            guard.save_baseline(path, document)
            self.stdout.write(self.style.SUCCESS(f"baseline saved to {path}"))

    def exit_on_verdicts(self, verdicts: list[guard.Verdict]) -> None:
        missing = [verdict.name for verdict in verdicts if verdict.status == guard.NO_BASELINE]
        if missing:
            raise CommandError(f"baseline lacks {missing}: re-save it with --save", returncode=2)
        failed = [
            f"{verdict.name}: {verdict.status} {verdict.detail}".strip() for verdict in verdicts if verdict.failed
        ]
        if failed:
            raise CommandError("SLO guard failed: " + ", ".join(failed), returncode=1)
        self.stdout.write(self.style.SUCCESS("SLO guard: no regression"))


def format_table(document: dict[str, Any], verdicts: dict[str, guard.Verdict]) -> str:
    header = f"{'hot path':<24} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'svc p95':>8} {'ops/s':>8} {'queries':>7}"
    header += f" {'Δ p95*':>8}"
    header += "  verdict"
    lines = [header, "-" * len(header)]
    rows = [(runner.REFERENCE, document["reference"]), *document["hot_paths"].items()]
    for name, entry in rows:
        verdict = verdicts.get(name)
        delta = f"{(verdict.ratio - 1) * 100:+.1f}%" if verdict and verdict.ratio is not None else "-"
        status = verdict.status if verdict else ("yardstick" if name == runner.REFERENCE else "-")
        if verdict and verdict.p_value is not None:
            status += f" (p={verdict.p_value:.3f})"
        lines.append(
            f"{name:<24} {entry['p50_ms']:>8.2f} {entry['p95_ms']:>8.2f} {entry['p99_ms']:>8.2f} "
            f"{entry['service_ms']['p95_ms']:>8.2f} "
            f"{entry['ops_per_s']:>8.0f} {entry['queries']:>7} {delta:>8}  {status}"
        )
    lines.append("p50/p95/p99: wall clock. svc: service time (CPU + database), what the guard judges.")
    lines.append("* Δ p95: median over rounds of (service p95 / reference service p50) vs the baseline's.")
    return "\n".join(lines)
