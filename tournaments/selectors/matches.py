"""Reads of the match hot path: the bracket and one match with its reports."""

from __future__ import annotations

import functools
from typing import cast

from django.db import connection

from core.errors import NotFound
from core.sql import RowShape
from teams.models import Team
from tournaments.errors import ErrorCode
from tournaments.models import Match, Tournament

#: What ``match_for_result`` joins, in the order of its shapes after the match's own.
RELATED = ("tournament", "team_a", "team_b", "next_match")


@functools.cache
def _result_read() -> tuple[str, tuple[RowShape, ...]]:
    """The statement of ``match_for_result`` and the shapes of its row, built once."""
    shapes = (
        RowShape(Match, "m"),  # every column: on SQLite this read is the locked row (match_lock)
        RowShape(Tournament, "t", ("status", "organizer", "best_of", "round_best_of", "format")),
        RowShape(Team, "a", ("name", "tag", "captain")),
        RowShape(Team, "b", ("name", "tag", "captain")),
        # Whether a walkover waits in the next match and whether that is the final
        # (services.matches._completes_tournament): a join here, not a statement there.
        RowShape(Match, "n", ("forfeited_by", "next_match")),
    )
    select = ",\n               ".join(shape.sql for shape in shapes)
    # Identifiers from the models' metadata; the id is bound.
    sql = f"""
        SELECT {select}
          FROM tournaments_match AS m
          JOIN tournaments_tournament AS t ON t.id = m.tournament_id
          LEFT JOIN teams_team AS a ON a.id = m.team_a_id
          LEFT JOIN teams_team AS b ON b.id = m.team_b_id
          LEFT JOIN tournaments_match AS n ON n.id = m.next_match_id
         WHERE m.id = %s
    """  # noqa: S608
    return sql, shapes


def match_for_result(*, match_id: int) -> Match | None:
    """The match with its tournament, teams and next match, as a result, forfeit or
    resolution needs them before it locks (one statement); None for an unknown id.

    Every column of the match; of the tournament, teams and next match what those
    paths read (the others deferred, as ``only`` defers them). Plan: four primary key
    lookups. Raw SQL (``_result_read``), not the ORM's
    ``select_related("tournament", "team_a", "team_b", "next_match").only(...).get(pk=...)``:
    the same statement, 860 against 181 µs a call on SQLite, 1 561 against 724 µs on
    PostgreSQL (notes/scripts/orm_vs_raw.py). The result,
    forfeit and override tests pin what it returns, and
    tests/tournaments/test_match_read.py that it loads what the ORM would.
    """
    sql, shapes = _result_read()
    with connection.cursor() as cursor:
        cursor.execute(sql, [match_id])
        row = cursor.fetchone()
    if row is None:
        return None
    instances = []
    for shape in shapes:
        instances.append(shape.instance(row[: shape.width]))
        row = row[shape.width :]
    match = cast(Match, instances[0])  # its primary key is never NULL
    for name, instance in zip(RELATED, instances[1:], strict=True):
        Match._meta.get_field(name).set_cached_value(match, instance)  # type: ignore[union-attr]
    return match


def match_list(*, tournament_id: int) -> list[Match]:
    """Every match of a tournament (round, then position), teams joined: one query.

    Double elimination: the winners bracket, the losers bracket, then the grand final
    (``-bracket``: the three names sort that way backwards; blank elsewhere).
    The caller has read the tournament (404) and checked the reader may see it."""
    return list(
        Match.objects.filter(tournament_id=tournament_id)
        .select_related("team_a", "team_b")
        .order_by("-bracket", "round", "position")
    )


def match_get(*, match_id: int) -> Match:
    """One match with its teams and tournament (one query) and its reports (one more)."""
    match = (
        Match.objects.select_related("tournament", "team_a", "team_b")
        .prefetch_related("reports")
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        raise NotFound("No such match.", code=ErrorCode.MATCH_NOT_FOUND)
    return match
