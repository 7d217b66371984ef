"""``manage.py perf_profile NAME ...``: where a hot path's time goes, by cProfile (``perf.profiling``).

Each named hot path is set up as the guard's workers set it up (``perf/worker.py``: a
throwaway test database, the same scenarios, warmed), then ``--calls`` calls of it run
under cProfile and are summarised.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from perf import profiling
from perf.harness import REGISTRY
from perf.scenarios import load_all
from perf.worker import Worker


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+", metavar="NAME", help="hot paths to profile")
        parser.add_argument("--calls", type=int, default=200, help="profiled calls per path")
        parser.add_argument("--top", type=int, default=12, help="functions shown per path")

    def handle(self, *args: Any, **options: Any) -> None:
        load_all()
        unknown = sorted(set(options["names"]) - set(REGISTRY))
        if unknown:
            raise CommandError(f"unknown hot path(s) {unknown}; known: {sorted(REGISTRY)}", returncode=2)
        worker = Worker()
        worker.setup(names=options["names"], warmup=20, modules=[], slowdowns=[], role="profile")
        try:
            for name in options["names"]:
                summary = profiling.profile(worker.scenarios[name], name, calls=options["calls"], top=options["top"])
                self.stdout.write(summary)
        finally:
            worker.quit()
