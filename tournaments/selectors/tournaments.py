"""Reads of tournaments: one by id, the list, the organizer id the policy needs."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from tournaments.errors import ErrorCode
from tournaments.models import Tournament


def tournament_get(*, tournament_id: int) -> Tournament:
    # get(), not filter().first(): no ORDER BY to compile for a lookup by pk.
    try:
        return Tournament.objects.get(pk=tournament_id)
    except Tournament.DoesNotExist:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND) from None


def tournament_list() -> QuerySet[Tournament]:
    return Tournament.objects.order_by("-pk")


def tournament_organizer_id(*, tournament_id: int) -> int | None:
    """The organizer's id, or None for an unknown tournament (one query, one column)."""
    return Tournament.objects.filter(pk=tournament_id).values_list("organizer_id", flat=True).first()
