"""``manage.py perf_readme``: render the README's performance section from the baselines,
and its proof table from the guard's proof records."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from perf import comparisons, guard, proof, readme

VENDORS = ("sqlite", "postgresql")


class Command(BaseCommand):
    help = (
        "Rewrite the README between <!-- perf:start --> and <!-- perf:end --> from "
        "perf/baselines/*.json, and between <!-- proof:start --> and <!-- proof:end --> from "
        "perf/proofs/*.json, and between <!-- compare:start --> and <!-- compare:end --> from "
        "perf/comparisons/*.json. Exit 1 with --check when the README is stale; 2 without "
        "markers or baselines, or on a record that is not perf_proof's."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--readme", type=Path, default=Path(settings.BASE_DIR) / "README.md")
        parser.add_argument("--baselines", type=Path, default=guard.BASELINES_DIR)
        parser.add_argument("--proofs", type=Path, default=proof.PROOFS_DIR)
        parser.add_argument("--comparisons", type=Path, default=comparisons.COMPARISONS_DIR)
        parser.add_argument("--check", action="store_true", help="only check the README is up to date")

    def handle(self, *args: Any, **options: Any) -> None:
        documents = self.documents(options["baselines"])
        proofs = self.proofs(options["proofs"])
        compared = self.comparisons(options["comparisons"])
        try:
            text = options["readme"].read_text()
            updated = readme.replace_section(text, readme.render(documents))
            updated = readme.replace_section(
                updated, proof.render(proofs), start_marker=proof.START, end_marker=proof.END
            )
            updated = readme.replace_section(
                updated, comparisons.render(compared), start_marker=comparisons.START, end_marker=comparisons.END
            )
        except (OSError, readme.MissingMarkers) as exc:
            raise CommandError(str(exc), returncode=2) from None
        if options["check"]:
            if updated != text:
                raise CommandError(
                    "README performance section or proof table is stale: run manage.py perf_readme", returncode=1
                )
            self.stdout.write("README performance section and proof table are up to date.")
            return
        options["readme"].write_text(updated)
        self.stdout.write(self.style.SUCCESS(f"{options['readme']}: performance section and proof table rendered"))

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

    def proofs(self, directory: Path) -> list[tuple[str, dict[str, Any]]]:
        return records(directory, proof.validate)

    def comparisons(self, directory: Path) -> list[tuple[str, dict[str, Any]]]:
        return records(directory, comparisons.validate)


def records(directory: Path, validate: Callable[..., dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every ``*.json`` of ``directory`` by name, each checked by ``validate`` (a ValueError
    subclass when it is not such a record: exit 2)."""
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            found.append((path.name, validate(json.loads(path.read_text()), source=str(path))))
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
    return found
