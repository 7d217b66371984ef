"""What a run killed with SIGKILL leaves behind is swept by the next run, and nothing else.

Every test points ``tempfile`` at its own directory, so a real run's scratch
directories (a proof running beside the suite) are never looked at.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from perf import compare

pytestmark = pytest.mark.perf_app


@pytest.fixture
def temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


@pytest.fixture
def gone() -> int:
    """The pid of a process that has exited."""
    process = subprocess.Popen(["true"])  # noqa: S603, S607
    process.wait()
    return process.pid


def scratch(temp: Path, name: str, owner: int | None, databases: tuple[str, ...] = ()) -> Path:
    directory = temp / f"{compare.SCRATCH_PREFIX}{name}"
    directory.mkdir()
    if owner is not None:
        (directory / compare.OWNER).write_text(str(owner))
    for index, database in enumerate(databases):
        (directory / f"worker-{index}").mkdir()
        (directory / f"worker-{index}" / "database").write_text(database)
    return directory


def test_only_directories_whose_owner_is_gone_are_swept(temp: Path, gone: int) -> None:
    dead = scratch(temp, "dead", gone)
    running = scratch(temp, "running", compare.os.getpid())
    unowned = scratch(temp, "unowned", None)
    assert compare.sweep_leftovers() == [str(dead)]
    assert (dead.exists(), running.exists(), unowned.exists()) == (False, True, True)


def test_a_run_sweeps_on_entry_and_removes_its_own_directory(temp: Path, gone: int) -> None:
    dead = scratch(temp, "dead", gone)
    with compare.scratch_directory() as path:
        assert (path / compare.OWNER).read_text() == str(compare.os.getpid())
        assert not dead.exists()
    assert not path.exists()


@pytest.mark.django_db
def test_on_sqlite_a_gone_run_that_named_databases_is_kept_for_a_later_run(temp: Path, gone: int) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the test below drops them")
    left = scratch(temp, "dead", gone, ("test_arena_arm0_1",))
    assert compare.sweep_leftovers() == []  # nothing here can drop a PostgreSQL database
    assert left.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_gone_run_s_databases_are_dropped_but_not_while_in_use(temp: Path, gone: int) -> None:
    name = f"test_sweep_arm0_{gone}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    left = scratch(temp, "dead", gone, (name,))
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    dsn = f"host={host} port={port} user={settings['USER']} dbname={name}"
    try:
        with psycopg.connect(dsn):  # a process still using it: the drop is refused
            assert compare.sweep_leftovers() == []
            assert left.exists()
        assert compare.sweep_leftovers() == [name, str(left)]
        assert not left.exists()
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [name])
            assert cursor.fetchone()[0] == 0
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name}")
