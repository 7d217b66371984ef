"""Reads of tournaments: one by id, the list, the organizer id the policy needs.

A tournament shown by a read endpoint comes through the metadata cache
(tournaments/cache.py); the write paths read their row under its lock instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from core.errors import NotFound
from tournaments.cache import TOURNAMENT_CACHE
from tournaments.errors import ErrorCode
from tournaments.models import RosterEntry, Tournament


def tournament_get(*, tournament_id: int) -> Tournament:
    tournament = tournament_find(tournament_id=tournament_id)
    if tournament is None:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND)
    return tournament


def tournament_find(*, tournament_id: int) -> Tournament | None:
    """The tournament, or None; from the metadata cache when it holds it."""
    return TOURNAMENT_CACHE.get(tournament_id, _tournament_load)


def tournaments_by_id(*, ids: list[int]) -> list[Tournament]:
    """The tournaments of ``ids`` that exist, in that order: cached ones from the cache, the
    rest in one query."""
    found = TOURNAMENT_CACHE.get_many(ids, lambda missing: Tournament.objects.in_bulk(missing))
    return [found[tournament_id] for tournament_id in ids if tournament_id in found]


def _tournament_load(tournament_id: int) -> Tournament | None:
    # get(), not filter().first(): no ORDER BY to compile for a lookup by pk.
    try:
        return Tournament.objects.get(pk=tournament_id)
    except Tournament.DoesNotExist:
        return None


def tournament_list(*, viewer_id: int | None = None, moderator: bool = False) -> QuerySet[Tournament]:
    """Tournaments ``viewer_id`` may see (tournaments/policies.py ``watch_refusal``), newest first.

    The list endpoint pages its ids (``values_list("pk")``) and takes the rows from
    ``tournaments_by_id``.

    Moderators see all. Anyone else: open public ones, their own, and participants-only
    ones they play in; a draft is its organizer's alone.
    """
    tournaments = Tournament.objects.order_by("-pk")
    if moderator:
        return tournaments
    on_roster = _roster_of(viewer_id).filter(tournament_id=OuterRef("pk"))
    open_to_all = ~Q(status=Tournament.Status.DRAFT) & Q(visibility=Tournament.Visibility.PUBLIC)
    played_in = ~Q(status=Tournament.Status.DRAFT) & Q(Exists(on_roster))
    return tournaments.filter(open_to_all | Q(organizer_id=viewer_id) | played_in)


def tournament_organizer_id(*, tournament_id: int) -> int | None:
    """The organizer's id, or None for an unknown tournament (one query, one column)."""
    return Tournament.objects.filter(pk=tournament_id).values_list("organizer_id", flat=True).first()


@dataclass(frozen=True)
class WatchFacts:
    """What the watch policy needs about one tournament and one user."""

    organizer_id: int
    status: str
    visibility: str
    is_participant: bool


def tournament_watch_facts(*, tournament_id: int, user_id: int | None) -> WatchFacts | None:
    """The tournament's organizer, status and visibility, and whether ``user_id`` is on one of
    its active rosters; None for an unknown tournament. One query (the roster test is a subquery)."""
    on_roster = _roster_of(user_id).filter(tournament_id=OuterRef("pk"))
    row = (
        Tournament.objects.filter(pk=tournament_id)
        .annotate(is_participant=Exists(on_roster))
        .values_list("organizer_id", "status", "visibility", "is_participant")
        .first()
    )
    return None if row is None else WatchFacts(*row)


def tournament_has_player(*, tournament_id: int, user_id: int | None) -> bool:
    return _roster_of(user_id).filter(tournament_id=tournament_id).exists()


def _roster_of(user_id: int | None) -> QuerySet[RosterEntry]:
    """The user's active roster entries; none for an anonymous actor (no id)."""
    if user_id is None:
        return RosterEntry.objects.none()
    return RosterEntry.objects.filter(user_id=user_id, active=True)
