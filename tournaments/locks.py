"""Row locks of the tournaments app, each observed and ranked (see core.locking).

Every statement of the app that takes a row lock is here: the ``select_for_update``
querysets, the compare-and-swap UPDATEs and the guarded inserts. Services call these
functions; only this module (and ``economy/locks.py``) imports ``core.locking``.

Querysets follow STYLE: ordered by pk, ``of=("self",)`` so a join never locks a
related table, ``no_key=True`` (FOR NO KEY UPDATE) because we never change primary
keys: it does not block inserts of rows that reference the locked one (a new
Registration or ResultReport only needs FOR KEY SHARE on its parent).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from django.db import connection

from core.locking import GuardResult, observe_guard, observe_lock, writers_serialised
from core.sql import rows_insert
from tournaments.models import Match, PlayerSkill, Season, Tournament, TournamentBadge

SKILL_COLUMNS = ("user_id", "rating", "xp", "tournaments_played", "version", "updated_at")
BADGE_COLUMNS = ("user_id", "tournament_id", "badge_type", "awarded_at")


def season_lock(*, season_id: int, pipeline: str, caller: str) -> Season:
    with observe_lock(pipeline=pipeline, entity_type="Season", entity_id=season_id, caller=caller):
        return Season.objects.select_for_update(of=("self",), no_key=True).get(pk=season_id)


def tournament_lock(*, tournament_id: int, pipeline: str, caller: str, fields: Sequence[str] = ()) -> Tournament:
    """Lock one tournament (only ``fields``, when given; the others are deferred). Raises
    Tournament.DoesNotExist for an unknown id.

    ``SELECT <columns> FROM tournaments_tournament WHERE id = %s FOR NO KEY UPDATE`` (no
    lock clause on SQLite, whose transaction holds the write lock since BEGIN): a primary
    key lookup on both databases. Raw SQL through ``Tournament.objects.raw`` (which
    converts the values and defers the other fields as ``only`` does), not the ORM's
    ``select_for_update(of=("self",), no_key=True).only(*fields).get(pk=...)``: the same
    statement, 322 against 99 µs a call on SQLite, 567 against 344 µs on PostgreSQL
    (notes/scripts/orm_vs_raw.py). Every tournament write path and its races pin it.
    """
    sql = _tournament_lock_sql(tuple(fields), connection.vendor)
    with observe_lock(pipeline=pipeline, entity_type="Tournament", entity_id=tournament_id, caller=caller):
        rows = list(Tournament.objects.raw(sql, [tournament_id]))
    if not rows:
        raise Tournament.DoesNotExist(f"No tournament {tournament_id}.")
    return rows[0]


@functools.cache
def _tournament_lock_sql(fields: tuple[str, ...], vendor: str) -> str:
    meta = Tournament._meta
    wanted = {"id", *fields}
    # In the model's field order: what Tournament.objects.raw maps back to fields.
    chosen = [field for field in meta.concrete_fields if not fields or wanted & {field.name, field.attname}]
    columns = ", ".join(str(field.column) for field in chosen)
    lock = " FOR NO KEY UPDATE" if vendor == "postgresql" else ""
    # Identifiers from the model's metadata; the id is bound.
    return f"SELECT {columns} FROM {meta.db_table} WHERE id = %s{lock}"  # noqa: S608


def match_lock(*, match_id: int, pipeline: str, caller: str, read: Match | None = None) -> Match:
    """Lock one match. Raises Match.DoesNotExist for an unknown id.

    ``read``: the match with every column, as this transaction read it. Where the database
    shuts other writers out from BEGIN (``writers_serialised``: SQLite) that read is the
    locked row, and is returned instead of being read again; the lock is still observed
    and its order checked."""
    with observe_lock(pipeline=pipeline, entity_type="Match", entity_id=match_id, caller=caller):
        if read is not None and writers_serialised():
            return read
        return Match.objects.select_for_update(of=("self",), no_key=True).get(pk=match_id)


def player_skills_lock(*, user_ids: Iterable[int], pipeline: str, caller: str) -> dict[int, PlayerSkill]:
    """Lock the skill rows of many players at once, in id order (one statement)."""
    ids = sorted(set(user_ids))
    with observe_lock(pipeline=pipeline, entity_type="PlayerSkill", entity_id=None, caller=caller):
        rows = list(
            PlayerSkill.objects.filter(user_id__in=ids).order_by("pk").select_for_update(of=("self",), no_key=True)
        )
    return {row.user_id: row for row in rows}


def tournament_status_swap(
    *, tournament_id: int, sources: Iterable[str], target: str, pipeline: str, caller: str
) -> bool:
    """Compare-and-swap the tournament's status; True when this call moved it.

    The UPDATE row-locks the tournament until commit, like ``tournament_lock``: a close
    waits for in-flight registrations, and registrations behind a start then see it live.
    Of two racing transitions exactly one moves the row.
    """
    with observe_lock(pipeline=pipeline, entity_type="Tournament", entity_id=tournament_id, caller=caller):
        return bool(Tournament.objects.filter(pk=tournament_id, status__in=list(sources)).update(status=target))


def match_slot_fill(*, match_id: int, slot: str, team_id: int | None, pipeline: str, caller: str) -> bool:
    """Write a team into the empty ``slot`` (``team_a`` / ``team_b``) of a match; True when it
    was empty and no walkover waits there (a team disqualified before its opponent was
    known: the caller then settles the walkover, ``services.matches``).

    The UPDATE row-locks that match: callers advancing a winner hold the lower-pk match
    already, and a next match always has a higher pk, so the order holds.
    """
    with observe_lock(pipeline=pipeline, entity_type="Match", entity_id=match_id, caller=caller):
        empty = {f"{slot}__isnull": True, "forfeited_by__isnull": True}
        return bool(Match.objects.filter(pk=match_id, **empty).update(**{slot: team_id}))


def player_skills_create(*, rows: Sequence[Sequence[Any]], pipeline: str, caller: str) -> None:
    """Insert the missing skill rows (``SKILL_COLUMNS``), skipping players who have one.

    Rows in user id order: two finalizations sharing players then wait for each other
    on the unique index instead of deadlocking. The insert locks the new index entries.
    """
    with observe_lock(pipeline=pipeline, entity_type="PlayerSkill", entity_id=None, caller=caller):
        rows_insert(
            table=PlayerSkill._meta.db_table,
            columns=SKILL_COLUMNS,
            rows=rows,
            suffix="ON CONFLICT (user_id) DO NOTHING",
        )


def participation_guard(*, entity_id: int, pipeline: str, caller: str) -> AbstractContextManager[GuardResult]:
    """The idempotency guard of a participation insert: the unique (user, tournament) constraint decides."""
    return observe_guard(pipeline=pipeline, entity_type="TournamentParticipation", entity_id=entity_id, caller=caller)


def badges_insert(*, tournament_id: int, rows: Sequence[Sequence[Any]], pipeline: str, caller: str) -> None:
    """Insert badges (``BADGE_COLUMNS``); DO NOTHING, so a duplicate never breaks the transaction."""
    with observe_lock(pipeline=pipeline, entity_type="TournamentBadge", entity_id=tournament_id, caller=caller):
        rows_insert(
            table=TournamentBadge._meta.db_table, columns=BADGE_COLUMNS, rows=rows, suffix="ON CONFLICT DO NOTHING"
        )
