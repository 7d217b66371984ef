"""``manage.py perf_readme``: render the README's performance section from the baselines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from perf import guard, readme

VENDORS = ("sqlite", "postgresql")


class Command(BaseCommand):
    help = (
        "Rewrite the README between <!-- perf:start --> and <!-- perf:end --> from "
        "perf/baselines/*.json. Exit 1 with --check when the README is stale; 2 without "
        "markers or baselines."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--readme", type=Path, default=Path(settings.BASE_DIR) / "README.md")
        parser.add_argument("--baselines", type=Path, default=guard.BASELINES_DIR)
        parser.add_argument("--check", action="store_true", help="only check the README is up to date")

    def handle(self, *args: Any, **options: Any) -> None:
        documents = self.documents(options["baselines"])
        try:
            text = options["readme"].read_text()
            updated = readme.replace_section(text, readme.render(documents))
        except (OSError, readme.MissingMarkers) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["check"]:
            if updated != text:
                raise CommandError("README performance section is stale: run manage.py perf_readme", returncode=1)
            self.stdout.write("README performance section is up to date.")
            return
        options["readme"].write_text(updated)
        self.stdout.write(self.style.SUCCESS(f"{options['readme']}: performance section rendered"))

    def documents(self, directory: Path) -> list[dict[str, Any]]:
        documents = []
        for vendor in VENDORS:
            path = directory / f"{vendor}.json"
            if path.exists():
                try:
                    documents.append(guard.validate(json.loads(path.read_text()), vendor=vendor))
                except (ValueError, guard.InvalidBaseline) as exc:
                    raise CommandError(f"{path}: {exc}", returncode=2) from None
        if not documents:
            raise CommandError(f"no baseline in {directory}: run manage.py perf_baseline --save", returncode=2)
        return documents
