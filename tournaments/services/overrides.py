"""The organizer's override: correct a result, and put the bracket right behind it.

``match_override`` sets a match's final scores, whatever its status: a confirmed
result corrected, or a match stuck in ``awaiting_confirmation`` (or disputed) settled.
When the winner changes, the matches downstream must follow:

* the next match not yet reported gets the right team in its slot (re-seeded);
* a next match already reported or confirmed blocks the override: 409
  ``downstream_reported`` naming those matches, nothing written, unless ``cascade``
  is set. With ``cascade`` each of them is reset (reports deleted, back to
  ``scheduled``) and the team it had advanced is taken out of the match after it,
  up the bracket as far as results went; a completed tournament goes back to live.

``match_reset`` puts a match that is not confirmed back to ``scheduled`` (its reports
deleted), for a stuck ``awaiting_confirmation``.

Who: whoever runs the tournament (``tournaments.policies``). Locks: the tournament
first, then the match and every downstream match in ascending pk (a next match
always has a higher pk), the documented order. Ratings are computed at finalization,
so before it a reset has no rating to undo; a finalized tournament refuses (409).
One event, ``match.overridden``, carries the match and the ids of the matches reset.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, NotFound
from realtime.events import MATCH_OVERRIDDEN, MATCH_RESET, publish_on_commit
from tournaments import formats
from tournaments.errors import ErrorCode
from tournaments.locks import match_lock, tournament_lock
from tournaments.models import (
    AuditAction,
    Match,
    Registration,
    RegistrationStatus,
    ResultReport,
    Tournament,
    TournamentStatus,
)
from tournaments.policies import tournament_run_check
from tournaments.services.audit import audit_match, match_state
from tournaments.services.matches import (
    double_advance,
    ensure_decisive,
    league_progress,
    match_winner,
    walkover_settle,
)

PIPELINE = "override"
OPEN_STATUSES = (TournamentStatus.LIVE, TournamentStatus.COMPLETED)


def _locked(*, match_id: int, actor: User, caller: str) -> tuple[Tournament, Match]:
    found = Match.objects.filter(pk=match_id).values("tournament_id", "tournament__organizer_id").first()
    if found is None:
        raise NotFound("No such match.", code=ErrorCode.MATCH_NOT_FOUND)
    tournament_run_check(actor=actor, organizer_id=found["tournament__organizer_id"])
    tournament = tournament_lock(tournament_id=found["tournament_id"], pipeline=PIPELINE, caller=caller)
    if tournament.status not in OPEN_STATUSES:
        raise Conflict(
            f"The tournament is {tournament.status}: results are settled.", code=ErrorCode.TOURNAMENT_NOT_LIVE
        )
    return tournament, match_lock(match_id=match_id, pipeline=PIPELINE, caller=caller)


def _reported(match: Match) -> bool:
    return match.status != Match.Status.SCHEDULED


def _reset(match: Match, *, keep_forfeit: bool = False) -> None:
    """Back to ``scheduled``, reports deleted; ``keep_forfeit`` keeps a disqualified team's
    forfeit, which then waits for the match's new opponent."""
    forfeited_by = match.forfeited_by_id if keep_forfeit else None
    ResultReport.objects.filter(match_id=match.pk).delete()
    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.SCHEDULED,
        score_a=None,
        score_b=None,
        winner=None,
        forfeited_by=forfeited_by,
        confirmed_at=None,
    )
    match.status, match.score_a, match.score_b = Match.Status.SCHEDULED, None, None
    match.winner_id, match.forfeited_by_id, match.confirmed_at = None, forfeited_by, None


def _disqualified(match: Match) -> bool:
    """Whether the match's forfeit is a disqualified team's (one query, only for a forfeit)."""
    return (
        match.forfeited_by_id is not None
        and Registration.objects.filter(
            tournament_id=match.tournament_id, team_id=match.forfeited_by_id, status=RegistrationStatus.DISQUALIFIED
        ).exists()
    )


def _slot_set(match: Match, slot: str, team_id: int | None) -> None:
    Match.objects.filter(pk=match.pk).update(**{f"team_{slot}_id": team_id})
    setattr(match, f"team_{slot}_id", team_id)


def _downstream(
    *, start: Match, new_winner: int | None, cascade: bool, caller: str
) -> tuple[list[int], list[tuple[Match, int]]]:
    """Put ``new_winner`` in ``start``'s next slot and undo what the old one caused.

    Returns the ids reset, and (match, forfeiting team) where a disqualified team's
    walkover now has both teams (settled by the caller once the bracket is put right, ``walkover_settle``).
    A disqualified team's forfeit survives a reset: it waits for the new opponent.
    """
    blocked: list[int] = []
    walkovers: list[Match] = []
    current, team = start, new_winner
    while current.next_match_id is not None:
        following = match_lock(match_id=current.next_match_id, pipeline=PIPELINE, caller=caller)
        if not _reported(following):
            _slot_set(following, current.next_slot, team)
            if following.forfeited_by_id is not None:  # a walkover waiting for this opponent
                walkovers.append(following)
            break
        blocked.append(following.pk)
        if cascade:
            advanced = following.winner_id  # the team it had sent further up, if confirmed
            keep = _disqualified(following)
            _slot_set(following, current.next_slot, team)
            _reset(following, keep_forfeit=keep)
            if keep:
                walkovers.append(following)
            if advanced is None:
                break
            team = None  # its old winner leaves the match after it
        current = following
    if blocked and not cascade:
        names = ", ".join(str(pk) for pk in blocked)
        raise Conflict(
            f"Matches {names} downstream are already reported; set cascade to reset them.",
            code=ErrorCode.DOWNSTREAM_REPORTED,
        )
    return blocked, [
        (match, match.forfeited_by_id)
        for match in walkovers
        if match.forfeited_by_id is not None and match.team_a_id is not None and match.team_b_id is not None
    ]


def _double_downstream(*, match: Match, tournament: Tournament, settled: bool) -> list[int]:
    """Double elimination: the winner changed (or a stuck match is ``settled``).

    A settled match moves the bracket on as a result would. A changed result swaps the
    two teams in the matches its winner and its loser went to, when neither is
    reported (else 409 ``downstream_reported``: a result there has to be corrected
    first, from the top; cascade does not reach across two brackets). A grand final
    won by the other team now completes the tournament, or pairs the second grand
    final (the tournament goes live again); a second grand final not yet reported is
    deleted when it is no longer due. Returns the ids of matches deleted.
    """
    if settled:
        double_advance(match=match, caller="match_override")
        return []
    deleted: list[int] = []
    if match.bracket == formats.GRAND_FINAL:
        second = Match.objects.filter(tournament_id=tournament.pk, bracket=formats.GRAND_FINAL, round=2).first()
        if match.round == 1 and second is not None:
            second = match_lock(match_id=second.pk, pipeline=PIPELINE, caller="match_override")
            if _reported(second):
                raise Conflict(
                    f"Match {second.pk}, the second grand final, is already reported; override it first.",
                    code=ErrorCode.DOWNSTREAM_REPORTED,
                )
            Match.objects.filter(pk=second.pk).delete()
            deleted.append(second.pk)
        if tournament.status == TournamentStatus.COMPLETED:
            Tournament.objects.filter(pk=tournament.pk).update(status=TournamentStatus.LIVE)
            tournament.status = TournamentStatus.LIVE
        double_advance(match=match, caller="match_override")
        return deleted
    loser = match.team_b_id if match.winner_id == match.team_a_id else match.team_a_id
    moves: list[tuple[int, str, int | None]] = []
    if match.next_match_id is not None:
        moves.append((match.next_match_id, match.next_slot, match.winner_id))
    if match.loser_next_match_id is not None:
        moves.append((match.loser_next_match_id, match.loser_next_slot, loser))
    locked = [
        (match_lock(match_id=target, pipeline=PIPELINE, caller="match_override"), slot, team)
        for target, slot, team in sorted(moves)
    ]
    blocked = [str(following.pk) for following, _, _ in locked if _reported(following) or following.forfeited_by_id]
    if blocked:
        raise Conflict(
            f"Matches {', '.join(blocked)} downstream are already reported (or a walkover waits there); "
            "correct them first.",
            code=ErrorCode.DOWNSTREAM_REPORTED,
        )
    for following, slot, team in locked:
        _slot_set(following, slot, team)
    return deleted


@transaction.atomic
def match_override(
    *, match_id: int, actor: User, score_a: int, score_b: int, reason: str, cascade: bool = False
) -> tuple[Match, list[int]]:
    """Set the match's final scores (see the module); returns it and the ids of matches reset."""
    tournament, match = _locked(match_id=match_id, actor=actor, caller="match_override")
    match.tournament = tournament
    ensure_decisive(match=match, score_a=score_a, score_b=score_b)
    if match.team_a_id is None or match.team_b_id is None:
        raise Conflict("Both teams of this match are not known yet.", code=ErrorCode.MATCH_NOT_READY)
    winner_id = match_winner(match, score_a=score_a, score_b=score_b)
    old_winner = match.winner_id if match.status == Match.Status.CONFIRMED else None
    before = match_state(match) | {"tournament_status": tournament.status}
    now = timezone.now()
    Match.objects.filter(pk=match.pk).update(
        status=Match.Status.CONFIRMED,
        score_a=score_a,
        score_b=score_b,
        winner_id=winner_id,
        forfeited_by=None,
        confirmed_at=now,
    )
    match.status, match.score_a, match.score_b = Match.Status.CONFIRMED, score_a, score_b
    match.winner_id, match.forfeited_by_id, match.confirmed_at = winner_id, None, now
    reset: list[int] = []
    if tournament.format in formats.LEAGUES or match.group is not None:  # pairings made stay, standings move
        if tournament.status == TournamentStatus.LIVE:
            league_progress(tournament=tournament)
    elif tournament.format == formats.DOUBLE_ELIMINATION:
        if old_winner != winner_id:
            reset = _double_downstream(match=match, tournament=tournament, settled=old_winner is None)
    elif old_winner != winner_id:
        if match.next_match_id is None:
            Tournament.objects.filter(pk=tournament.pk).update(status=TournamentStatus.COMPLETED)
            tournament.status = TournamentStatus.COMPLETED
        else:
            reset, walkovers = _downstream(start=match, new_winner=winner_id, cascade=cascade, caller="match_override")
            if reset and tournament.status == TournamentStatus.COMPLETED:
                Tournament.objects.filter(pk=tournament.pk).update(status=TournamentStatus.LIVE)
                tournament.status = TournamentStatus.LIVE
            for walkover, forfeiter in walkovers:  # ascending pk, all locked already; may complete the tournament
                walkover.tournament = tournament
                walkover_settle(match=walkover, team_id=forfeiter, caller="match_override", tournament_locked=True)
    audit_match(
        match=match,
        action=AuditAction.MATCH_OVERRIDDEN,
        actor=actor,
        before=before,
        extra={"tournament_status": tournament.status, "reset_match_ids": reset},
        reason=reason,
    )
    publish_on_commit(
        tournament_id=tournament.pk,
        type=MATCH_OVERRIDDEN,
        data=_data(match, tournament) | {"reason": reason, "reset_match_ids": reset},
    )
    return match, reset


@transaction.atomic
def match_reset(*, match_id: int, actor: User) -> Match:
    """Back to ``scheduled``, reports deleted: a stuck match not yet confirmed."""
    tournament, match = _locked(match_id=match_id, actor=actor, caller="match_reset")
    if match.status == Match.Status.CONFIRMED:
        raise Conflict(
            "A confirmed match is corrected with an override, not reset.", code=ErrorCode.MATCH_ALREADY_CONFIRMED
        )
    before = match_state(match)
    _reset(match)
    audit_match(match=match, action=AuditAction.MATCH_RESET, actor=actor, before=before)
    publish_on_commit(tournament_id=tournament.pk, type=MATCH_RESET, data=_data(match, tournament))
    return match


def _data(match: Match, tournament: Tournament) -> dict[str, Any]:
    return {
        "match_id": match.pk,
        "status": match.status,
        "team_a_id": match.team_a_id,
        "team_b_id": match.team_b_id,
        "score_a": match.score_a,
        "score_b": match.score_b,
        "winner_id": match.winner_id,
        "tournament_status": tournament.status,
    }
