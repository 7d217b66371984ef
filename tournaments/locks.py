"""Row locks of the tournaments app, each observed and ranked (see perf.lock_events).

Querysets follow STYLE: ordered by pk, ``of=("self",)`` so a join never locks a
related table, ``no_key=True`` (FOR NO KEY UPDATE) because we never change primary
keys: it does not block inserts of rows that reference the locked one (a new
Registration or ResultReport only needs FOR KEY SHARE on its parent).
"""

from __future__ import annotations

from collections.abc import Iterable

from perf.lock_events import observe_lock
from tournaments.models import Match, PlayerSkill, Season, Tournament


def season_lock(*, season_id: int, pipeline: str, caller: str) -> Season:
    with observe_lock(pipeline=pipeline, entity_type="Season", entity_id=season_id, caller=caller):
        return Season.objects.select_for_update(of=("self",), no_key=True).get(pk=season_id)


def tournament_lock(*, tournament_id: int, pipeline: str, caller: str) -> Tournament:
    """Lock one tournament. Raises Tournament.DoesNotExist for an unknown id."""
    with observe_lock(pipeline=pipeline, entity_type="Tournament", entity_id=tournament_id, caller=caller):
        return Tournament.objects.select_for_update(of=("self",), no_key=True).get(pk=tournament_id)


def match_lock(*, match_id: int, pipeline: str, caller: str) -> Match:
    """Lock one match. Raises Match.DoesNotExist for an unknown id."""
    with observe_lock(pipeline=pipeline, entity_type="Match", entity_id=match_id, caller=caller):
        return Match.objects.select_for_update(of=("self",), no_key=True).get(pk=match_id)


def player_skills_lock(*, user_ids: Iterable[int], pipeline: str, caller: str) -> dict[int, PlayerSkill]:
    """Lock the skill rows of many players at once, in id order (one statement)."""
    ids = sorted(set(user_ids))
    with observe_lock(pipeline=pipeline, entity_type="PlayerSkill", entity_id=None, caller=caller):
        rows = list(
            PlayerSkill.objects.filter(user_id__in=ids).order_by("pk").select_for_update(of=("self",), no_key=True)
        )
    return {row.user_id: row for row in rows}
