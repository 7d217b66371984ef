"""The audit trail: one entry per organizer action and per result report, confirmation,
dispute, forfeit, override and cancellation.

``audit_record`` is called by the service that makes the change, inside its
transaction and after its last refusal: an entry exists exactly when its change
committed, and a refused request (any 4xx) leaves none. One INSERT; it takes no
row lock beyond the foreign-key checks' ``FOR KEY SHARE``, which the tournament and
match locks (``FOR NO KEY UPDATE``) do not block, so it adds no step to the lock order.

``before`` and ``after`` hold the fields the action changed, as JSON: a match's
status, scores, winner and forfeit, a tournament's status, a report's games.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from tournaments.models import AuditAction, AuditEntry, Match


def audit_record(
    *,
    tournament_id: int,
    action: AuditAction,
    actor: User | None,
    match_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Precondition: inside the transaction of the change, after its last refusal."""
    AuditEntry.objects.create(
        tournament_id=tournament_id,
        match_id=match_id,
        actor_id=actor.pk if actor is not None else None,
        action=action,
        before=before or {},
        after=after or {},
        reason=reason,
    )


def audit_match(
    *,
    match: Match,
    action: AuditAction,
    actor: User,
    before: dict[str, Any],
    extra: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """``audit_record`` of an action on ``match``: ``before`` as the caller read it, then its
    ``match_state`` now (and ``extra``)."""
    audit_record(
        tournament_id=match.tournament_id,
        action=action,
        actor=actor,
        match_id=match.pk,
        before=before,
        after=match_state(match) | (extra or {}),
        reason=reason,
    )


def match_state(match: Match) -> dict[str, Any]:
    """What a result, a forfeit or an override changes on a match."""
    return {
        "status": match.status,
        "score_a": match.score_a,
        "score_b": match.score_b,
        "winner_id": match.winner_id,
        "forfeited_by_id": match.forfeited_by_id,
    }
