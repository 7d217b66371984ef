"""The layers point one way: core below every app, perf on top and imported by nothing.

Read from the source (``ast``), so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from core import locking

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("accounts", "teams", "economy", "tournaments", "realtime", "notifications", "webhooks")
PRODUCTION = (*DOMAIN, "core", "config", "deploy")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _modules(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def _importing(prefix: str, *packages: str) -> list[str]:
    return [
        str(path.relative_to(ROOT))
        for path in _modules(*packages)
        if any(name == prefix or name.startswith(f"{prefix}.") for name in _imports(path))
    ]


def test_no_production_module_imports_perf():
    assert _importing("perf", *PRODUCTION) == []


@pytest.mark.parametrize("app", [*DOMAIN, "perf", "config"])
def test_core_imports_no_app(app):
    assert _importing(app, "core") == []


def test_only_the_apps_locks_modules_import_the_locking_module():
    importers = _importing("core.locking", *DOMAIN)
    assert importers == ["economy/locks.py", "realtime/locks.py", "teams/locks.py", "tournaments/locks.py"]


def test_the_transaction_hook_is_installed_by_core_ready():
    assert transaction.Atomic.__exit__ is locking._atomic_exit
    locking.install_transaction_hook()  # idempotent: a second call changes nothing
    assert transaction.Atomic.__exit__ is locking._atomic_exit


def test_domain_errors_name_their_code_through_the_apps_enum():
    """No inline ``code="..."`` string in the domain: each app's ``errors.ErrorCode`` holds them."""
    inline = [
        f"{path.relative_to(ROOT)}:{node.value.lineno}"
        for path in _modules(*DOMAIN)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.Constant)
    ]
    assert inline == []


def test_realtime_events_and_hub_do_not_import_each_other():
    assert "realtime.hub" not in _imports(ROOT / "realtime" / "events.py")
    assert "realtime.events" not in _imports(ROOT / "realtime" / "hub.py")
