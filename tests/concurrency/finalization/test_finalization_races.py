"""Finalization under real concurrency (PostgreSQL, threads, real transactions)."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.test import override_settings

from core.errors import Conflict
from core.logging import JsonFormatter
from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.services import treasury_get, wallet_grant, wallet_transfer
from perf.lock_analysis import LockIncident, LockReleased, load_log
from perf.scenarios.finalization import finished_tournament_build
from tests import factories
from tests.concurrency.threads import run_together
from tournaments.locks import season_lock
from tournaments.models import Season, TournamentBadge, TournamentParticipation
from tournaments.services import registration_create
from tournaments.services.finalization import tournament_finalize

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@contextmanager
def lock_log(path: Path) -> Iterator[Path]:
    handler = logging.FileHandler(path)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("arena.locks")
    logger.addHandler(handler)
    try:
        yield path
    finally:
        logger.removeHandler(handler)
        handler.close()


def _money_state() -> tuple:
    return (
        sorted(Wallet.objects.values_list("id", "balance")),
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        TournamentParticipation.objects.count(),
        TournamentBadge.objects.count(),
    )


def test_concurrent_finalizations_of_one_tournament_pay_once(organizer):
    tournament = finished_tournament_build(organizer=organizer, teams=4, team_size=2)
    treasury_get()
    results = run_together([lambda: tournament_finalize(tournament_id=tournament.pk, actor=organizer)] * 4)
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 3, results
    assert {r.code for r in refused} == {"already_finalized"}
    assert LedgerTransaction.objects.filter(kind="reward").count() == 8
    assert Wallet.objects.get(is_treasury=True).balance == -(2 * 1000 + 2 * 500 + 4 * 250)
    assert TournamentParticipation.objects.count() == 8
    assert TournamentBadge.objects.count() == 8 + 2 + 2
    after_first = _money_state()
    with pytest.raises(Conflict):
        tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert _money_state() == after_first


def test_opposite_order_locks_emit_a_deadlock_event(tmp_path):
    first, second = Season.objects.create(name="A"), Season.objects.create(name="B")
    barrier = threading.Barrier(2)

    def lock_both(a: int, b: int) -> None:
        with transaction.atomic():
            season_lock(season_id=a, pipeline="test", caller="test.deadlock")
            barrier.wait()
            season_lock(season_id=b, pipeline="test", caller="test.deadlock")

    with lock_log(tmp_path / "locks.log") as path:
        results = run_together([lambda: lock_both(first.pk, second.pk), lambda: lock_both(second.pk, first.pk)])
    assert sum(isinstance(r, OperationalError) for r in results) == 1, results
    events = load_log(path).events
    assert [e.kind for e in events if isinstance(e, LockIncident)] == ["lock_deadlock"]
    released = Counter(e.outcome for e in events if isinstance(e, LockReleased))
    assert released == {"committed": 2, "rolled_back": 1}  # the victim held one lock
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("lock_report", "--log-file", str(path), "--json", stdout=out)
    assert exited.value.code == 1
    assert json.loads(out.getvalue())["deadlocks"]["count"] == 1


def test_finalization_registration_and_transfers_at_once_end_to_end(organizer, tmp_path):
    """20 finalizations, 20 paid registrations and 20 transfers touching the same wallets.

    Finalization locks season → tournament → skills → participations → badges →
    wallets; registration locks a tournament then the captain's wallet; transfers lock
    two wallets. Nothing deadlocks, money is conserved, and lock_report judges the log.
    """
    season = Season.objects.create(name="Season E2E")
    finished = [finished_tournament_build(organizer=organizer, teams=2, team_size=2, season=season) for _ in range(20)]
    players = [
        user_id
        for tournament in finished
        for user_id in tournament.registrations.values_list("roster__user_id", flat=True).order_by("roster__user_id")
    ]
    User = organizer.__class__
    users = User.objects.in_bulk(players)
    for user in users.values():
        wallet_grant(user=user, amount=10_000)
    open_cup = factories.tournament(organizer=organizer, max_teams=64, team_size=1, entry_fee=100)
    captains = [users[players[i]] for i in range(0, 80, 4)]  # one player of each finished tournament
    teams = [factories.team(captain=captain, size=1) for captain in captains]
    minted = -Wallet.objects.get(is_treasury=True).balance

    def finalize_all(chunk: list) -> None:
        for tournament in chunk:
            tournament_finalize(tournament_id=tournament.pk, actor=organizer)

    def register_all() -> None:
        for team in teams:
            registration_create(user=team.captain, tournament_id=open_cup.pk, team_id=team.pk)

    def transfer_all(offset: int) -> None:
        # Highest id pays lowest id: the opposite of the order finalization credits in.
        for i in range(offset, 80, 8):
            sender, receiver = users[players[79 - i]], users[players[i]]
            wallet_transfer(sender=sender, to_user_id=receiver.pk, amount=7, idempotency_key=f"e2e-{i}")

    jobs = [lambda c=finished[i::4]: finalize_all(c) for i in range(4)]
    jobs += [register_all, lambda: transfer_all(0), lambda: transfer_all(4)]
    with lock_log(tmp_path / "locks.log") as path:
        results = run_together(jobs)
    assert results == [None] * len(jobs)

    # Money: every coin is accounted for by the treasury (grants + rewards); the fees sit
    # in the open cup's prize pool, not in the treasury (issue 17).
    assert Wallet.objects.filter(is_treasury=False).exclude(user=None).count() >= 81
    rewards = 20 * (2 * 1000 + 2 * 500)
    assert -Wallet.objects.get(is_treasury=True).balance == minted + rewards
    open_cup.refresh_from_db()
    assert Wallet.objects.get(pk=open_cup.prize_pool_id).balance == 20 * 100
    assert sum(Wallet.objects.values_list("balance", flat=True)) == 0

    parsed = load_log(path, strict=True)
    assert (parsed.errors, parsed.non_json) == ((), 0)
    per_site = Counter((e.pipeline, e.entity_type, e.caller) for e in parsed.events if isinstance(e, LockReleased))
    # One event per lock site per transaction: 20 finalizations, 20 registrations.
    assert per_site[("reward", "Season", "tournament_finalize")] == 20
    assert per_site[("reward", "Tournament", "tournament_finalize")] == 20
    assert per_site[("skill", "PlayerSkill", "tournament_finalize.skill_writeback")] == 20
    assert per_site[("reward", "TournamentParticipation", "tournament_finalize.idempotency_guard")] == 20
    assert per_site[("reward", "TournamentBadge", "tournament_finalize.badges")] == 20
    # The coins batch: the user wallets' lock, their one UPDATE, then the treasury's.
    assert per_site[("economy", "Wallet", "tournament_finalize.rewards")] == 3 * 20
    assert per_site[("registration", "Tournament", "registration_create")] == 20
    assert [e for e in parsed.events if isinstance(e, LockIncident)] == []

    # The judge, with the plan's thresholds. Hold times on a shared CI core are the perf
    # suite's business, so a hold-time "warn" is reported, not failed, here; everything
    # else (deadlocks, IntegrityErrors, enough samples per group) must be "ok".
    report, code = _lock_report(path)
    assert (report["deadlocks"]["count"], report["integrity_errors"]["count"]) == (0, 0)
    assert report["integrity_errors"]["verdict"] == "ok"
    assert {group["verdict"] for group in report["groups"]} <= {"ok", "warn"}
    assert code == (1 if any(group["verdict"] == "warn" for group in report["groups"]) else 0)
    # Without the two hold-time warn rules, the same log must pass outright.
    relaxed = {"pipeline_p95_warn_ms": {"skill": None}, "entity_p95_warn_ms": {"Season": None}}
    with override_settings(LOCK_REPORT_THRESHOLDS=relaxed):
        relaxed_report, relaxed_code = _lock_report(path)
    assert (relaxed_report["verdict"], relaxed_code) == ("ok", 0)


def _lock_report(path: Path) -> tuple[dict, int]:
    out = io.StringIO()
    try:
        call_command("lock_report", "--log-file", str(path), "--json", stdout=out)
    except SystemExit as exited:
        code = exited.code
    else:
        code = 0
    assert isinstance(code, int)
    return json.loads(out.getvalue()), code
