"""Reads of registrations: capacity counts, the waitlist's head, the organizer listing."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import F, QuerySet

from tournaments.models import Registration, RegistrationStatus

#: ``registration_counts``'s statement. Plan: an index on tournament_id (SQLite: the
#: covering idx_registration_tournament_status (tournament_id, status), no table access;
#: PostgreSQL picks it or the partial one-active-per-team index by its statistics).
REGISTRATION_COUNTS_SQL = """
    SELECT status, COUNT(*)
      FROM tournaments_registration
     WHERE tournament_id = %s AND status IN (%s, %s)
     GROUP BY status
"""


def registration_counts(*, tournament_id: int) -> tuple[int, int]:
    """(confirmed, waitlisted) of a tournament in one statement on the covering index.

    Only meaningful as a capacity decision while the caller holds the tournament lock,
    and in a statement of its own after that lock: on PostgreSQL a count folded into
    the locking statement would read the snapshot taken before the lock was granted and
    miss the registration the previous holder just committed.

    Raw SQL (``REGISTRATION_COUNTS_SQL``), not the ORM's ``filter(...).values_list("status")
    .annotate(count=Count("pk")).order_by()``: the same statement, 433 against 40 µs a
    call on SQLite, 637 against 325 µs on PostgreSQL (notes/scripts/orm_vs_raw.py). The
    capacity tests and races pin what it counts.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            REGISTRATION_COUNTS_SQL, [tournament_id, RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
        )
        counts = dict(cursor.fetchall())
    return counts.get(RegistrationStatus.CONFIRMED, 0), counts.get(RegistrationStatus.WAITLISTED, 0)


def registration_first_waitlisted(*, tournament_id: int) -> tuple[int, int] | None:
    """The head of the waitlist: (registration id, team id). Ids are FIFO: registrations are
    inserted under the tournament lock."""
    return (
        Registration.objects.filter(tournament_id=tournament_id, status=RegistrationStatus.WAITLISTED)
        .order_by("pk")
        .values_list("pk", "team_id")
        .first()
    )


def registration_list(*, tournament_id: int, statuses: Iterable[str]) -> QuerySet[Registration]:
    """The organizer listing: newest first, with team and captain joined in (no N+1).

    ``WHERE tournament_id = ? AND status IN (...)`` is answered by
    idx_registration_tournament_status (migration 0002); ``pk`` breaks ties between
    registrations created in the same microsecond so pages never overlap.
    """
    return (
        Registration.objects.filter(tournament_id=tournament_id, status__in=list(statuses))
        .select_related("team__captain")
        .only(
            "pk",
            "status",
            "created_at",
            "team_id",
            "team__name",
            "team__tag",
            "team__captain__id",
            "team__captain__username",
        )
        .order_by("-created_at", "-pk")
    )


def registrations_in_seed_order(*, tournament_id: int) -> QuerySet[Registration]:
    """The confirmed registrations, seed 1 first (``Registration.seed``, set at the start),
    then in the order they were made: before the start, the ``registration_order`` seeding."""
    return Registration.objects.filter(tournament_id=tournament_id, status=RegistrationStatus.CONFIRMED).order_by(
        F("seed").asc(nulls_last=True), "created_at", "pk"
    )
