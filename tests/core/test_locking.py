"""The emitter: one lock_released per lock, when the transaction ends, whichever way."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import IntegrityError, transaction

from core.locking import LockOrderViolation, observe_guard, observe_lock
from core.logging import JsonFormatter
from perf.lock_analysis import load_log
from tests import factories
from tournaments.locks import season_lock, tournament_lock
from tournaments.models import PlayerSkill, Season

pytestmark = pytest.mark.django_db(transaction=True)

RELEASED_FIELDS = {
    "event",
    "pipeline",
    "entity_type",
    "entity_id",
    "caller",
    "lock_released_at",
    "duration_ms",
    "wait_ms",
    "hold_ms",
    "outcome",
    "pid",
    "host",
}


class Boom(Exception):
    pass


@transaction.atomic
def _lock_then_fail(*, season_id: int, caller: str, pause: float = 0.0) -> None:
    season_lock(season_id=season_id, pipeline="reward", caller=caller)
    time.sleep(pause)
    raise Boom


def test_commit_emits_one_event_whose_hold_lasts_until_commit(lock_events):
    season = Season.objects.create(name="S1")
    with transaction.atomic():
        season_lock(season_id=season.pk, pipeline="reward", caller="test.commit")
        assert lock_events.events == []  # the block exited, the lock is still held
        time.sleep(0.05)
    [event] = lock_events.events
    assert set(event) == RELEASED_FIELDS
    assert (event["event"], event["pipeline"], event["entity_type"], event["entity_id"], event["caller"]) == (
        "lock_released",
        "reward",
        "Season",
        season.pk,
        "test.commit",
    )
    assert event["outcome"] == "committed"
    assert event["hold_ms"] >= 50  # the sleep after the block is part of the hold
    assert event["duration_ms"] == event["hold_ms"]
    assert datetime.fromisoformat(event["lock_released_at"]).utcoffset().total_seconds() == 0


def test_exception_rolls_back_and_emits_once(lock_events):
    season = Season.objects.create(name="S1")
    with pytest.raises(Boom):
        _lock_then_fail(season_id=season.pk, caller="test.rollback", pause=0.02)
    [event] = lock_events.events
    assert event["outcome"] == "rolled_back"
    assert event["hold_ms"] >= 20


def test_set_rollback_without_exception_is_rolled_back(lock_events):
    season = Season.objects.create(name="S1")
    with transaction.atomic():
        season_lock(season_id=season.pk, pipeline="reward", caller="test.set_rollback")
        transaction.set_rollback(True)
    assert [event["outcome"] for event in lock_events.events] == ["rolled_back"]


def test_inner_savepoint_exit_does_not_release(lock_events):
    season = Season.objects.create(name="S1")
    tournament = factories.tournament(season=season)
    with transaction.atomic():
        with transaction.atomic():
            season_lock(season_id=season.pk, pipeline="reward", caller="test.inner")
        assert lock_events.events == []
        tournament_lock(tournament_id=tournament.pk, pipeline="reward", caller="test.outer")
    assert [(e["entity_type"], e["outcome"]) for e in lock_events.events] == [
        ("Season", "committed"),
        ("Tournament", "committed"),
    ]


@transaction.atomic
def _locking_service(*, season_id: int, tournament_id: int) -> None:
    season_lock(season_id=season_id, pipeline="reward", caller="test.service")
    tournament_lock(tournament_id=tournament_id, pipeline="reward", caller="test.service")


def test_a_decorated_service_called_twice_starts_each_transaction_clean(lock_events):
    # @transaction.atomic reuses one Atomic object: keying state on it leaked ranks.
    season = Season.objects.create(name="S1")
    tournament = factories.tournament(season=season)
    _locking_service(season_id=season.pk, tournament_id=tournament.pk)
    _locking_service(season_id=season.pk, tournament_id=tournament.pk)
    assert [e["entity_type"] for e in lock_events.events] == ["Season", "Tournament"] * 2


def test_locking_against_the_order_raises_and_records_nothing(lock_events):
    season = Season.objects.create(name="S1")
    tournament = factories.tournament(season=season)

    @transaction.atomic
    def backwards() -> None:
        tournament_lock(tournament_id=tournament.pk, pipeline="reward", caller="test.order")
        season_lock(season_id=season.pk, pipeline="reward", caller="test.order")

    with pytest.raises(LockOrderViolation):
        backwards()
    assert [(e["entity_type"], e["outcome"]) for e in lock_events.events] == [("Tournament", "rolled_back")]


def test_outside_a_transaction_the_event_is_emitted_at_once(lock_events):
    # (select_for_update itself refuses to run outside a transaction on PostgreSQL.)
    with observe_lock(pipeline="reward", entity_type="Season", entity_id=1, caller="test.autocommit"):
        Season.objects.filter(pk=1).update(name="x")  # an UPDATE locks until autocommit ends it
    assert [e["outcome"] for e in lock_events.events] == ["committed"]


def test_guard_swallows_a_unique_violation_and_emits_both_events(lock_events):
    user = factories.user()
    PlayerSkill.objects.create(user=user)
    with transaction.atomic():
        with observe_guard(pipeline="skill", entity_type="PlayerSkill", entity_id=user.pk, caller="test.guard") as g:
            PlayerSkill.objects.create(user=user)
        Season.objects.create(name="still usable")  # the transaction survived
    assert g.conflicted is True
    assert [e["event"] for e in lock_events.events] == ["lock_integrity_error", "lock_released"]
    incident = lock_events.events[0]
    assert set(incident) == {"event", "pipeline", "entity_type", "entity_id", "caller", "at", "pid", "host"}
    assert Season.objects.filter(name="still usable").count() == 1
    assert PlayerSkill.objects.count() == 1


def test_guard_lets_other_integrity_errors_through(lock_events):
    user = factories.user()

    @transaction.atomic
    def insert_invalid() -> None:
        with observe_guard(pipeline="skill", entity_type="PlayerSkill", entity_id=user.pk, caller="test.guard"):
            PlayerSkill.objects.create(user=user, xp=-1)  # a check constraint, not a duplicate

    with pytest.raises(IntegrityError):
        insert_invalid()
    assert lock_events.events == []  # the statement failed: no lock was taken, nothing to release
    assert PlayerSkill.objects.count() == 0


def test_under_a_testcase_wrapper_the_service_block_ends_the_transaction(lock_events, django_db_blocker):
    # Simulated here with a block flagged like TestCase's: it must not own the locks.
    season = Season.objects.create(name="S1")
    outer = transaction.atomic()
    outer._from_testcase = True
    with outer:
        with transaction.atomic():
            season_lock(season_id=season.pk, pipeline="reward", caller="test.testcase")
        assert [e["outcome"] for e in lock_events.events] == ["committed"]
        transaction.set_rollback(True)
    assert len(lock_events.events) == 1


def test_events_written_by_the_json_formatter_pass_lock_validate(tmp_path):
    path = tmp_path / "locks.log"
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("arena.locks")
    logger.addHandler(handler)
    try:
        season = Season.objects.create(name="S1")
        with transaction.atomic():
            season_lock(season_id=season.pk, pipeline="reward", caller="test.file")
        with pytest.raises(Boom):
            _lock_then_fail(season_id=season.pk, caller="test.file")
    finally:
        logger.removeHandler(handler)
        handler.close()
    parsed = load_log(path, strict=True)
    assert (len(parsed.events), parsed.errors, parsed.non_json) == (2, (), 0)
    assert [event.outcome for event in parsed.events] == ["committed", "rolled_back"]
    call_command("lock_validate", "--log-file", str(path), "--strict")  # exit 0: no SystemExit


def test_observe_lock_is_a_plain_context_manager_for_other_apps(lock_events):
    with transaction.atomic(), observe_lock(pipeline="economy", entity_type="Wallet", entity_id=None, caller="x"):
        pass
    assert [e["entity_id"] for e in lock_events.events] == [None]


def test_every_event_names_its_process(lock_events):
    season = Season.objects.create(name="S1")
    with transaction.atomic():
        season_lock(season_id=season.pk, pipeline="reward", caller="test.pid")
    observe = observe_guard(pipeline="skill", entity_type="PlayerSkill", entity_id=None, caller="test.pid")
    user = factories.user()
    PlayerSkill.objects.create(user=user)
    with transaction.atomic(), observe:
        PlayerSkill.objects.create(user=user)
    assert {(e["event"], e["pid"], e["host"]) for e in lock_events.events} == {
        ("lock_released", os.getpid(), socket.gethostname()),
        ("lock_integrity_error", os.getpid(), socket.gethostname()),
    }


EMIT = """
import os, django
django.setup()
from core.locking import emit_incident
emit_incident(event="lock_deadlock", pipeline="reward", entity_type="Season", entity_id=1, caller="child")
print("child pid", os.getpid())
"""


def _emit_in_child(**env: str) -> tuple[list[str], int]:
    """Run a fresh Django process outside the test environment; return its stdout lines and pid."""
    child_env = {k: v for k, v in os.environ.items() if k not in {"LOCK_LOG", "LOCK_LOG_FILE"}}
    child_env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV": "development", **env}
    done = subprocess.run(
        [sys.executable, "-c", EMIT],
        env=child_env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    *lines, last = done.stdout.splitlines()
    return lines, int(last.removeprefix("child pid "))


@pytest.mark.slow
def test_by_default_events_are_json_lines_on_stdout_with_the_pid():
    lines, pid = _emit_in_child()
    [event] = [json.loads(line) for line in lines]
    assert (event["event"], event["caller"], event["pid"], event["host"]) == (
        "lock_deadlock",
        "child",
        pid,
        socket.gethostname(),
    )


@pytest.mark.slow
def test_lock_log_file_replaces_stdout_and_off_silences(tmp_path):
    path = tmp_path / "locks.log"
    lines, pid = _emit_in_child(LOCK_LOG_FILE=str(path))
    assert lines == []
    [event] = [json.loads(line) for line in path.read_text().splitlines()]
    assert (event["caller"], event["pid"]) == ("child", pid)
    assert _emit_in_child(LOCK_LOG="off")[0] == []
