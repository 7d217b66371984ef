"""Reads of the match hot path: the bracket and one match with its reports."""

from __future__ import annotations

from core.errors import NotFound
from tournaments.errors import ErrorCode
from tournaments.models import Match


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
