"""Throughput of paid registration across 8 tournaments at once, on PostgreSQL (issue 17).

Eight threads, one per tournament, each with its own connection, call
``registration_create`` for fresh single-player teams for a fixed time. Every
registration moves the entry fee in the same transaction. Registrations of one
tournament serialise on its row anyway; the question is whether registrations of
*different* tournaments also serialise on a shared row (the treasury, before issue 17)
or not (each tournament's own prize pool, after).

After the run the books are checked: every fee is in the ledger exactly once, the
ledger reconciles and money is conserved.

    DATABASE_URL=postgres://... REQUIRE_SERVICES=1 \\
      PAID_REGISTRATION_SECONDS=5 PAID_REGISTRATION_REPEAT=3 \\
      pytest tests/perf/test_paid_registration_throughput.py -s
    PAID_REGISTRATION_PROCESSES=1   # one OS process per tournament instead of a thread

Threads share one interpreter lock, so the Python work of the eight registrations is
serialised whatever the database does. With ``PAID_REGISTRATION_PROCESSES=1`` each
tournament's registrations run in a process of their own (as several ASGI workers would),
started on the committed test database; all begin at one wall-clock instant.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Sum

from economy.models import LedgerTransaction, Wallet
from economy.selectors import ledger_reconcile
from economy.services import wallet_credit_many
from teams.models import Membership, Team
from tests import factories
from tournaments.models import Registration
from tournaments.services.registrations import registration_create

TOURNAMENTS = 8
SECONDS = float(os.environ.get("PAID_REGISTRATION_SECONDS", "1"))
REPEAT = int(os.environ.get("PAID_REGISTRATION_REPEAT", "1"))
PROCESSES = os.environ.get("PAID_REGISTRATION_PROCESSES", "") == "1"
TEAMS_PER_TOURNAMENT = int(os.environ.get("PAID_REGISTRATION_TEAMS", "400"))
FEE = 10


def _captains_with_teams(*, count: int, prefix: str) -> list[tuple[object, int]]:
    """``count`` funded single-player teams, written in bulk (the factories would take minutes)."""
    user_model = get_user_model()
    password = make_password(factories.PASSWORD)
    users = user_model.objects.bulk_create(
        user_model(username=f"{prefix}-{number}", password=password) for number in range(count)
    )
    Wallet.objects.bulk_create(Wallet(user=user) for user in users)
    wallet_credit_many(credits=[(user.pk, FEE, f"{prefix}-fund-{user.pk}") for user in users], kind="grant")
    teams = Team.objects.bulk_create(
        Team(name=f"{prefix} {user.pk}", tag=f"{prefix}{user.pk}"[:12], captain=user) for user in users
    )
    Membership.objects.bulk_create(
        Membership(team=team, user=user, role=Membership.Role.CAPTAIN) for team, user in zip(teams, users, strict=True)
    )
    return [(user, team.pk) for user, team in zip(users, teams, strict=True)]


def _register_for(*, tournament_id: int, teams: list, barrier: threading.Barrier, counts: list, index: int) -> None:
    try:
        barrier.wait()
        deadline = time.perf_counter() + SECONDS
        done = 0
        while time.perf_counter() < deadline and done < len(teams):
            captain, team_id = teams[done]
            registration_create(user=captain, tournament_id=tournament_id, team_id=team_id)
            done += 1
        counts[index] = done
    finally:
        connection.close()


# The child of the process mode: register the given teams from ``start_at`` (epoch
# seconds) for SECONDS; print the count and when it really started.
_CHILD = """
import json, os, sys, time
import django
django.setup()
from django.contrib.auth import get_user_model
from tournaments.services.registrations import registration_create
job = json.loads(sys.argv[1])
users = get_user_model().objects.in_bulk([captain for captain, _ in job["teams"]])
time.sleep(max(0.0, job["start_at"] - time.time()))
started = time.time()
deadline = time.perf_counter() + job["seconds"]
done = 0
while time.perf_counter() < deadline and done < len(job["teams"]):
    captain, team_id = job["teams"][done]
    registration_create(user=users[captain], tournament_id=job["tournament_id"], team_id=team_id)
    done += 1
print(json.dumps({"done": done, "started": started}))
"""


def _round_in_processes(tournaments: list, teams: list) -> list[int]:
    test_database = connection.settings_dict["NAME"]
    url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{test_database}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    start_at = time.time() + 15  # time for eight interpreters to import Django on two cores
    children = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-c", _CHILD, json.dumps(job)], env=env, stdout=subprocess.PIPE, text=True
        )
        for job in (
            {
                "tournament_id": tournament.pk,
                "teams": [(captain.pk, team_id) for captain, team_id in squads],
                "start_at": start_at,
                "seconds": SECONDS,
            }
            for tournament, squads in zip(tournaments, teams, strict=True)
        )
    ]
    results = [json.loads(child.communicate(timeout=120)[0].strip().splitlines()[-1]) for child in children]
    late = [result["started"] - start_at for result in results if result["started"] - start_at > 0.5]
    assert not late, f"children started late by {late} s: raise the lead time"
    return [result["done"] for result in results]


def _round(round_number: int) -> float:
    organizer = factories.user(is_staff=True)
    tournaments = [
        factories.tournament(organizer=organizer, max_teams=TEAMS_PER_TOURNAMENT, entry_fee=FEE)
        for _ in range(TOURNAMENTS)
    ]
    teams = [
        _captains_with_teams(count=TEAMS_PER_TOURNAMENT, prefix=f"r{round_number}t{number}")
        for number in range(TOURNAMENTS)
    ]
    if PROCESSES:
        counts = _round_in_processes(tournaments, teams)
        _check_round(tournaments, counts)
        return sum(counts) / SECONDS
    counts = [0] * TOURNAMENTS
    barrier = threading.Barrier(TOURNAMENTS + 1)
    threads = [
        threading.Thread(
            target=_register_for,
            kwargs={
                "tournament_id": tournament.pk,
                "teams": teams[index],
                "barrier": barrier,
                "counts": counts,
                "index": index,
            },
        )
        for index, tournament in enumerate(tournaments)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    _check_round(tournaments, counts)
    return sum(counts) / elapsed


def _check_round(tournaments: list, counts: list[int]) -> None:
    assert all(0 < count < TEAMS_PER_TOURNAMENT for count in counts), counts  # ran out of teams: raise the count
    for tournament, count in zip(tournaments, counts, strict=True):
        assert Registration.objects.filter(tournament=tournament).count() == count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_paid_registration_throughput_across_eight_tournaments():
    rates = [_round(round_number) for round_number in range(REPEAT)]

    registered = Registration.objects.count()
    fees = LedgerTransaction.objects.filter(kind="entry_fee")
    assert fees.count() == registered
    assert ledger_reconcile().clean
    assert Wallet.objects.aggregate(total=Sum("balance"))["total"] == 0  # the treasury holds minus all coins
    print(  # noqa: T201 - the figure this benchmark exists for (run with -s)
        f"\npaid registrations/s across {TOURNAMENTS} tournaments, {SECONDS:g} s per round: "
        + ", ".join(f"{rate:.0f}" for rate in rates)
    )
