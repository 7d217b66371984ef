"""Writes of the match hot path: starting a tournament (the bracket), results, disputes.

Lock order (core.locking): season → tournament → match, matches in ascending pk.
Brackets are created round by round, so a match's ``next_match`` always has a higher
pk than the match itself: advancing a winner (lock the match, then update its next
match) therefore always walks up the pk order and two confirmations cannot deadlock.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict, Forbidden, NotFound, Unprocessable
from realtime.events import (
    MATCH_CONFIRMED,
    MATCH_DISPUTED,
    MATCH_FORFEITED,
    MATCH_RESOLVED,
    ROUND_PAIRED,
    TEAM_DISQUALIFIED,
    publish_on_commit,
)
from tournaments import formats
from tournaments.errors import ErrorCode
from tournaments.formats import seed_order
from tournaments.locks import match_lock, match_slot_fill, tournament_lock, tournament_status_swap
from tournaments.models import AuditAction, Match, Registration, ResultReport, Tournament
from tournaments.policies import may_run, tournament_run_check, tournament_run_require
from tournaments.selectors.matches import match_for_result
from tournaments.selectors.registrations import registrations_in_seed_order
from tournaments.selectors.standings import GROUP_ROW_FIELDS, group_tables
from tournaments.series import InvalidSeries, best_of_for, series_score
from tournaments.services.audit import audit_match, audit_record, match_state
from tournaments.services.registrations import (
    registrations_apply_check_in,
    registrations_no_show_publish,
    registrations_reject_waitlisted,
)
from tournaments.services.seeding import seeds_apply

PIPELINE = "results"
STARTABLE = (Tournament.Status.REGISTRATION_OPEN, Tournament.Status.REGISTRATION_CLOSED)
OTHER_SIDE = {Match.Slot.A: Match.Slot.B, Match.Slot.B: Match.Slot.A}


class Outcome(enum.StrEnum):
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # first report stored
    CONFIRMED = "confirmed"  # both sides agree; winner advanced
    DISPUTED = "disputed"  # the sides disagree; an organizer must resolve
    UNCHANGED = "unchanged"  # the same side repeated its identical report


@dataclass(frozen=True)
class ResultSubmission:
    match: Match
    outcome: Outcome


# --- Start: the bracket ----------------------------------------------------------------


def _bracket(*, tournament_id: int, team_ids: list[int]) -> list[Match]:
    """Unsaved matches of a single-elimination bracket, ordered by round then position.

    A bye (a round-1 slot with no team) is settled here: its match is ``confirmed``
    with the real team as winner and no scores, and that team already sits in its
    round-2 slot.
    """
    size = 1 << (len(team_ids) - 1).bit_length()
    seeds = seed_order(size)
    now = timezone.now()
    rounds = [[Match(tournament_id=tournament_id, round=1, position=p + 1) for p in range(size // 2)]]
    while len(rounds[-1]) > 1:
        rounds.append([Match(tournament_id=tournament_id, round=len(rounds) + 1, position=p + 1)
                       for p in range(len(rounds[-1]) // 2)])  # fmt: skip
    for match in rounds[0]:
        top, bottom = seeds[2 * match.position - 2], seeds[2 * match.position - 1]
        match.team_a_id = team_ids[top - 1]
        match.team_b_id = team_ids[bottom - 1] if bottom <= len(team_ids) else None
        if match.team_b_id is None:
            match.status, match.winner_id, match.confirmed_at = Match.Status.CONFIRMED, match.team_a_id, now
            setattr(rounds[1][(match.position - 1) // 2], f"team_{_slot(match.position)}_id", match.team_a_id)
    return [match for matches in rounds for match in matches]


def _slot(position: int) -> str:
    """Odd positions feed slot a of the next round, even positions slot b."""
    return Match.Slot.A if position % 2 else Match.Slot.B


@transaction.atomic
def tournament_start(*, tournament_id: int, actor: User) -> Tournament:
    """Close registration, go live and build the single-elimination bracket.

    Seeding order: the tournament's ``seeding`` (``services.seeding``; by default the
    order registrations were made in: the first registered team is seed 1). Seeds are placed with
    ``seed_order``; when the team count is not a power of two, the top seeds get the
    byes. Fewer than two confirmed teams → 409 ``not_enough_teams``, nothing changes.
    With check-in, confirmed teams that did not check in are no-shows and checked-in
    waitlisted teams take their slots first (``registrations_apply_check_in``). Teams
    still on the waitlist are rejected and refunded (``registrations_reject_waitlisted``).
    """
    tournament = (
        Tournament.objects.filter(pk=tournament_id)
        .only(
            "pk",
            "organizer_id",
            "status",
            "entry_fee",
            "prize_pool_id",
            "check_in_opens_at",
            "no_show_refund",
            "format",
            "round_robin_legs",
            "swiss_rounds",
            "group_count",
            "group_advancers",
            "tiebreakers",
            "seeding",
            "seeding_seed",
            "manual_seeds",
        )
        .first()
    )
    if tournament is None:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND)
    tournament_run_check(actor=actor, organizer_id=tournament.organizer_id)
    # Compare-and-swap: of two concurrent starts exactly one moves the row. Its row lock
    # (held to commit) also makes registrations, which lock the tournament, wait and
    # then see it live, so the list read below is final.
    moved = tournament_status_swap(
        tournament_id=tournament_id,
        sources=STARTABLE,
        target=Tournament.Status.LIVE,
        pipeline=PIPELINE,
        caller="tournament_start",
    )
    if not moved:
        raise Conflict(f"A {tournament.status} tournament cannot be started.", code=ErrorCode.TOURNAMENT_NOT_STARTABLE)
    no_shows = []
    if tournament.check_in_opens_at is not None:
        no_shows = registrations_apply_check_in(tournament=tournament, caller="tournament_start")
    team_ids = seeds_apply(
        tournament=tournament,
        registrations=list(registrations_in_seed_order(tournament_id=tournament_id).values_list("pk", "team_id")),
    )
    if len(team_ids) < 2:
        raise Conflict("A bracket needs at least two confirmed teams.", code=ErrorCode.NOT_ENOUGH_TEAMS)
    if tournament.format == formats.ROUND_ROBIN:
        _round_robin_create(tournament_id=tournament_id, team_ids=team_ids, legs=tournament.round_robin_legs)
    elif tournament.format == formats.SWISS:
        first_round = _swiss_start(tournament=tournament, team_ids=team_ids)
    elif tournament.format == formats.GROUPS_PLAYOFFS:
        _groups_create(tournament=tournament, team_ids=team_ids)
    elif tournament.format == formats.DOUBLE_ELIMINATION:
        _double_bracket_create(tournament_id=tournament_id, team_ids=team_ids)
    else:
        _bracket_create(tournament_id=tournament_id, team_ids=team_ids)
    registrations_reject_waitlisted(tournament=tournament, caller="tournament_start")
    registrations_no_show_publish(tournament_id=tournament_id, team_ids=no_shows)
    if tournament.format != formats.SWISS:  # Swiss paired its first round above
        first_round = list(
            Match.objects.filter(tournament_id=tournament_id, round=1)
            .exclude(bracket__in=(Match.Bracket.LOSERS, Match.Bracket.GRAND_FINAL))
            .order_by("group", "position")
        )
    # Every format announces its first round: watchers, notifications and webhooks learn
    # which matches are to be played without reading the bracket.
    _round_paired_publish(tournament_id=tournament_id, matches=first_round)
    audit_record(
        tournament_id=tournament_id,
        action=AuditAction.TOURNAMENT_STARTED,
        actor=actor,
        before={"status": tournament.status},
        after={"status": Tournament.Status.LIVE, "team_ids": team_ids, "no_show_team_ids": no_shows},
    )
    tournament.status = Tournament.Status.LIVE
    return tournament


def _bracket_create(*, tournament_id: int, team_ids: list[int], round_offset: int = 0) -> list[Match]:
    """Two statements whatever the size: insert every match, then link each to its next.

    ``round_offset``: a playoff's rounds follow its group stage's."""
    unsaved = _bracket(tournament_id=tournament_id, team_ids=team_ids)
    for match in unsaved:
        match.round += round_offset
    matches = Match.objects.bulk_create(unsaved)
    by_slot = {(match.round, match.position): match for match in matches}
    linked = [match for match in matches if (match.round + 1, 1) in by_slot]
    for match in linked:
        match.next_match = by_slot[(match.round + 1, (match.position + 1) // 2)]
        match.next_slot = _slot(match.position)
    Match.objects.bulk_update(linked, ["next_match", "next_slot"])
    return matches


def _double_bracket_create(*, tournament_id: int, team_ids: list[int]) -> None:
    """Two statements whatever the size: insert every match of both brackets and the grand
    final (``formats.double_elimination_bracket``, in play order: destinations get
    higher pks), then link each to where its winner and its loser go."""
    slots = formats.double_elimination_bracket(team_ids)
    now = timezone.now()
    unsaved = []
    for slot in slots:
        bracket, round_, position = slot.key
        match = Match(
            tournament_id=tournament_id,
            bracket=bracket,
            round=round_,
            position=position,
            team_a_id=slot.team_a,
            team_b_id=slot.team_b,
        )
        if slot.bye:
            match.status, match.winner_id, match.confirmed_at = Match.Status.CONFIRMED, slot.team_a, now
        unsaved.append(match)
    matches = dict(zip((slot.key for slot in slots), Match.objects.bulk_create(unsaved), strict=True))
    for slot in slots:
        match = matches[slot.key]
        if slot.winner_to is not None:
            match.next_match, match.next_slot = matches[slot.winner_to[0]], slot.winner_to[1]
        if slot.loser_to is not None:
            match.loser_next_match, match.loser_next_slot = matches[slot.loser_to[0]], slot.loser_to[1]
    Match.objects.bulk_update(
        [matches[slot.key] for slot in slots if slot.winner_to or slot.loser_to],
        ["next_match", "next_slot", "loser_next_match", "loser_next_slot"],
    )


def _round_robin_create(*, tournament_id: int, team_ids: list[int], legs: int) -> None:
    """One statement whatever the size: every match of every round (``formats.round_robin_pairings``)."""
    Match.objects.bulk_create(
        Match(tournament_id=tournament_id, round=round_, position=position, team_a_id=team_a, team_b_id=team_b)
        for round_, position, team_a, team_b in formats.round_robin_pairings(team_ids, legs=legs)
    )


def _groups_create(*, tournament: Tournament, team_ids: list[int]) -> None:
    """Draw the groups (``formats.groups_draw``) and insert every group match: one statement.

    Every group needs more teams than it sends on (409 otherwise, nothing started)."""
    groups = formats.groups_draw(team_ids, groups=tournament.group_count)
    if min(len(group) for group in groups) <= tournament.group_advancers:
        raise Conflict(
            f"{len(team_ids)} teams make groups of {min(len(group) for group in groups)}: too few to send "
            f"{tournament.group_advancers} on from each of {tournament.group_count}.",
            code=ErrorCode.NOT_ENOUGH_TEAMS,
        )
    positions: dict[int, int] = {}
    matches = []
    for number, group in enumerate(groups, start=1):
        for round_, _, team_a, team_b in formats.round_robin_pairings(group):
            positions[round_] = positions.get(round_, 0) + 1
            matches.append(
                Match(
                    tournament_id=tournament.pk,
                    round=round_,
                    position=positions[round_],
                    group=number,
                    team_a_id=team_a,
                    team_b_id=team_b,
                )
            )
    Match.objects.bulk_create(matches)


def _playoff_start(*, tournament: Tournament, rows: Sequence[tuple[Any, ...]]) -> None:
    """The group stage is over: the best of each group seed the playoff bracket (two statements).

    ``rows``: every match (``selectors.standings.GROUP_ROW_FIELDS``)."""
    tables = group_tables(tournament=tournament, rows=rows)
    seeds = formats.playoff_seeds(tables, advancers=tournament.group_advancers)
    last_group_round = max(row[0] for row in rows)
    playoff = _bracket_create(tournament_id=tournament.pk, team_ids=seeds, round_offset=last_group_round)
    _round_paired_publish(tournament_id=tournament.pk, matches=[m for m in playoff if m.round == last_group_round + 1])


def _swiss_start(*, tournament: Tournament, team_ids: list[int]) -> list[Match]:
    """Fix the number of rounds (default ⌈log2 n⌉) and pair round 1 by seed.

    Precondition: the caller holds the tournament's row lock (the start's swap). More
    rounds than a field can play without a rematch (n-1, or n with byes) → 409.
    """
    playable = len(team_ids) - 1 + len(team_ids) % 2
    rounds = tournament.swiss_rounds or formats.swiss_rounds_default(len(team_ids))
    if rounds > playable:
        raise Conflict(
            f"{len(team_ids)} teams can play {playable} Swiss rounds without a rematch, not {rounds}.",
            code=ErrorCode.NOT_ENOUGH_TEAMS,
        )
    if tournament.swiss_rounds != rounds:
        Tournament.objects.filter(pk=tournament.pk).update(swiss_rounds=rounds)
        tournament.swiss_rounds = rounds
    return _swiss_round_create(tournament=tournament, round_=1, rows=[], seeds=team_ids)


def _swiss_round_create(
    *,
    tournament: Tournament,
    round_: int,
    rows: Sequence[tuple[int, int | None, int | None, int | None, int | None, int | None]],
    seeds: list[int],
) -> list[Match]:
    """Pair ``round_`` from the confirmed ``rows`` (round, a, b, winner, score_a, score_b):
    one INSERT, the bye included (confirmed at once, a win). The caller publishes it
    (``_round_paired_publish``) once it takes no more row locks."""
    results = formats.results_of((row[1:] for row in rows), format_=formats.SWISS)
    ranked = formats.standings_compute(
        results=results, seeds=seeds, tiebreakers=tournament.tiebreakers or formats.DEFAULT_SWISS_TIEBREAKERS
    )
    played = {frozenset((a, b)) for _, a, b, *_ in rows if a is not None and b is not None}
    had_bye = {a for _, a, b, *_ in rows if b is None and a is not None}
    pairs, bye = formats.swiss_pairings(
        ranked=[(standing.team_id, standing.points) for standing in ranked], played=played, had_bye=had_bye
    )
    now = timezone.now()
    matches = [
        Match(tournament_id=tournament.pk, round=round_, position=position, team_a_id=a, team_b_id=b)
        for position, (a, b) in enumerate(pairs, start=1)
    ]
    if bye is not None:
        matches.append(
            Match(
                tournament_id=tournament.pk,
                round=round_,
                position=len(pairs) + 1,
                team_a_id=bye,
                status=Match.Status.CONFIRMED,
                winner_id=bye,
                confirmed_at=now,
            )
        )
    return Match.objects.bulk_create(matches)


def _round_paired_publish(*, tournament_id: int, matches: list[Match]) -> None:
    """``round.paired``: the new round's matches (a bye is a match without team b)."""
    publish_on_commit(tournament_id=tournament_id, type=ROUND_PAIRED, data=_round_paired_data(matches))


def _round_paired_data(matches: list[Match]) -> dict[str, Any]:
    return {
        "round": matches[0].round,
        "matches": [{"match_id": m.pk, "team_a_id": m.team_a_id, "team_b_id": m.team_b_id} for m in matches],
    }


def league_progress(*, tournament: Tournament) -> None:
    """A round robin, Swiss or group-stage match was confirmed (or corrected): complete the
    tournament, pair Swiss's next round or start the playoff, once no match is left open (``round.paired`` is published
    here, before the confirming match's own event: no row lock follows). Precondition:
    the caller holds the tournament's lock (``_completes_tournament``), so of two last
    confirmations at once the second sees the first's, and exactly one moves on.
    Constant statements: one EXISTS; for a new Swiss round, two reads and one INSERT."""
    if Match.objects.filter(tournament_id=tournament.pk).exclude(status=Match.Status.CONFIRMED).exists():
        return
    if tournament.format == formats.GROUPS_PLAYOFFS:  # the group stage is over
        rows = list(Match.objects.filter(tournament_id=tournament.pk).values_list(*GROUP_ROW_FIELDS))
        if all(row[1] is not None for row in rows):  # no playoff yet (an override may call again)
            _playoff_start(tournament=tournament, rows=rows)
        return
    if tournament.format == formats.SWISS:
        rows = list(
            Match.objects.filter(tournament_id=tournament.pk).values_list(
                "round", "team_a_id", "team_b_id", "winner_id", "score_a", "score_b"
            )
        )
        current = max(row[0] for row in rows)
        seeds = list(registrations_in_seed_order(tournament_id=tournament.pk).values_list("team_id", flat=True))
        if current < (tournament.swiss_rounds or 0) and len(seeds) >= 2:  # disqualifications may leave fewer
            paired = _swiss_round_create(tournament=tournament, round_=current + 1, rows=rows, seeds=seeds)
            _round_paired_publish(tournament_id=tournament.pk, matches=paired)
            return
    _tournament_complete(tournament=tournament)


# --- Results ---------------------------------------------------------------------------


def _match_read(*, match_id: int) -> Match:
    """The match, its tournament and teams, read without a lock (see ``_match_lock``)."""
    match = match_for_result(match_id=match_id)
    if match is None:
        raise NotFound("No such match.", code=ErrorCode.MATCH_NOT_FOUND)
    return match


def _reporting_side(*, match: Match, actor: User) -> Match.Slot:
    if match.team_a is not None and match.team_a.captain_id == actor.pk:
        return Match.Slot.A
    if match.team_b is not None and match.team_b.captain_id == actor.pk:
        return Match.Slot.B
    raise Forbidden("Only a captain of one of the two teams may report.", code=ErrorCode.NOT_MATCH_CAPTAIN)


def _ensure_ready(*, match: Match) -> None:
    if match.team_a_id is None or match.team_b_id is None:
        raise Conflict("Both teams of this match are not known yet.", code=ErrorCode.MATCH_NOT_READY)


def _ensure_live(*, tournament: Tournament) -> None:
    if tournament.status != Tournament.Status.LIVE:
        raise Conflict(f"The tournament is {tournament.status}, not live.", code=ErrorCode.TOURNAMENT_NOT_LIVE)


def ensure_decisive(*, match: Match, score_a: int, score_b: int) -> None:
    """A level score is a draw where the format allows one (``formats.DRAWS_ALLOWED``, and a
    group stage's matches), else 422."""
    if score_a == score_b and match.tournament.format not in formats.DRAWS_ALLOWED and match.group is None:
        raise Unprocessable("A match cannot end in a draw.", code=ErrorCode.DRAW_NOT_ALLOWED)


def _completes_tournament(match: Match) -> bool:
    """Whether confirming ``match`` (as read unlocked) can complete the tournament: it is the
    final, or its next match is the final and a walkover waits there (``team_disqualify``).
    In a round robin or Swiss any match may be the last one (of the tournament, or of
    the Swiss round that pairs the next): every confirmation takes the
    tournament's lock first, so two last matches confirmed at once are counted one
    after the other (``_confirmed_advance``), and exactly one completes the tournament.
    Double elimination takes it for every result too: a result writes two later
    matches (the winner's and the loser's), and a disqualified team's walkovers can
    run on to the grand final (``double_advance``)."""
    if match.tournament.format in formats.LEAGUES or match.group is not None:
        return True
    if match.tournament.format == formats.DOUBLE_ELIMINATION:
        return True
    following = match.next_match
    return match.next_match_id is None or (
        following is not None and following.forfeited_by_id is not None and following.next_match_id is None
    )


def _match_lock(*, match: Match, caller: str) -> Match:
    """Lock the match, and first its tournament when confirming it can complete the
    tournament (``_completes_tournament``: mostly, the match is the final).

    Confirming the final completes the tournament, a write to the tournament row. The
    global order puts tournament before match, so that row lock must be taken first;
    whether a match is the final (no next match) is fixed when the bracket is built,
    so the unlocked read that tells us is safe. We do not instead update the
    tournament with a compare-and-swap after locking the match: that UPDATE takes the
    tournament's row lock after the match's, an inversion ``observe_lock`` cannot see,
    and a path holding the tournament while waiting for the final would deadlock with
    it. The price is one extra lock on one match in n-1; other matches never touch
    the tournament row.

    Teams are reassigned only by an organizer's override (``services.overrides``), under
    this same lock: when the locked row's teams differ from the unlocked read's, the
    read is stale and the call is refused (409 ``match_state_changed``). Otherwise the
    locked row reuses the objects of the unlocked read. On SQLite the read is the
    locked row itself (the transaction holds the database's write lock since BEGIN
    IMMEDIATE: ``match_lock``'s ``read``), one statement fewer. The tournament is the
    locked one for the final, the unlocked read otherwise: a non-final match never
    changes the tournament, so its status is only checked, not relied upon.
    """
    tournament = match.tournament
    if _completes_tournament(match):
        tournament = tournament_lock(tournament_id=match.tournament_id, pipeline=PIPELINE, caller=caller)
    locked = match_lock(match_id=match.pk, pipeline=PIPELINE, caller=caller, read=match)
    if (locked.team_a_id, locked.team_b_id) != (match.team_a_id, match.team_b_id):
        raise Conflict("The match's teams changed meanwhile; read it again.", code=ErrorCode.MATCH_STATE_CHANGED)
    locked.tournament, locked.team_a, locked.team_b = tournament, match.team_a, match.team_b
    return locked


def _series(
    *, match: Match, score_a: int | None, score_b: int | None, games: list[tuple[int, int]] | None
) -> tuple[int, int, list[list[int]]]:
    """The reported (score_a, score_b, games): the scores as typed for a single game, or
    derived from the games of a best-of-N series (``tournaments.series``)."""
    tournament = match.tournament
    best_of = best_of_for(
        best_of=tournament.best_of,
        round_best_of=tournament.round_best_of,
        round_=match.round,
        is_final=match.next_match_id is None,
    )
    if games is None:
        if best_of > 1 or score_a is None or score_b is None:
            raise Unprocessable(
                f"This match is best of {best_of}: report its games ([{{score_a, score_b}}, ...]).",
                code=ErrorCode.GAMES_REQUIRED,
            )
        ensure_decisive(match=match, score_a=score_a, score_b=score_b)
        return score_a, score_b, []
    try:
        if best_of == 1 and len(games) == 1:  # one game: the same report as its scores
            ensure_decisive(match=match, score_a=games[0][0], score_b=games[0][1])
            return games[0][0], games[0][1], []
        derived = series_score(games, best_of=best_of)
    except InvalidSeries as exc:
        raise Unprocessable(f"Not a decided series: {exc}.", code=ErrorCode.INVALID_SERIES) from None
    return derived[0], derived[1], [list(game) for game in games]


@transaction.atomic
def match_result_submit(
    *,
    match_id: int,
    actor: User,
    score_a: int | None = None,
    score_b: int | None = None,
    games: list[tuple[int, int]] | None = None,
) -> ResultSubmission:
    """A captain reports a result; the other captain's identical report confirms it.

    The first report moves the match to ``awaiting_confirmation``; the other side's
    identical report confirms it and advances the winner; a different one disputes it.
    A side repeating its identical report changes nothing (a retry). A best-of-N match
    is reported by its games, and its score is the games won. Refusals: 404, 403 (not
    a captain of either team), 409 (tournament not live, teams missing, match already
    confirmed or disputed, a changed report), 422 (draw, games missing or not one
    decided series).
    """
    match = _match_read(match_id=match_id)
    side = _reporting_side(match=match, actor=actor)
    _ensure_ready(match=match)
    score_a, score_b, played = _series(match=match, score_a=score_a, score_b=score_b, games=games)
    locked = _match_lock(match=match, caller="match_result_submit")
    reports = _reports(match=locked)
    mine, theirs = reports.get(side), reports.get(OTHER_SIDE[side])
    # A retry is answered before any state check: the final's confirmation completes
    # the tournament, and the confirming captain's retry must still get its 200.
    if mine is not None and (mine.score_a, mine.score_b, mine.games) == (score_a, score_b, played):
        return ResultSubmission(match=locked, outcome=Outcome.UNCHANGED)
    _ensure_live(tournament=locked.tournament)
    _ensure_open(match=locked, mine=mine)
    reports[side] = ResultReport.objects.create(
        match_id=match_id, side=side, reported_by_id=actor.pk, score_a=score_a, score_b=score_b, games=played
    )
    before = match_state(locked)
    if theirs is None:
        _match_transition(match=locked, old=Match.Status.SCHEDULED, new=Match.Status.AWAITING_CONFIRMATION)
        outcome, action = Outcome.AWAITING_CONFIRMATION, AuditAction.RESULT_REPORTED
    elif (theirs.score_a, theirs.score_b, theirs.games) == (score_a, score_b, played):
        _match_settle(
            match=locked,
            score_a=score_a,
            score_b=score_b,
            caller="match_result_submit",
            tournament_locked=_completes_tournament(match),
        )
        publish_on_commit(tournament_id=locked.tournament_id, type=MATCH_CONFIRMED, data=_event_data(locked))
        outcome, action = Outcome.CONFIRMED, AuditAction.RESULT_CONFIRMED
    else:
        _match_transition(match=locked, old=Match.Status.AWAITING_CONFIRMATION, new=Match.Status.DISPUTED)
        data = _event_data(locked) | {"reports": [_report_data(reports[key]) for key in sorted(reports)]}
        publish_on_commit(tournament_id=locked.tournament_id, type=MATCH_DISPUTED, data=data)
        outcome, action = Outcome.DISPUTED, AuditAction.RESULT_DISPUTED
    audit_match(match=locked, action=action, actor=actor, before=before, extra={"report": _report_data(reports[side])})
    return ResultSubmission(match=locked, outcome=outcome)


def _reports(*, match: Match) -> dict[str, ResultReport]:
    """The match's reports by side. A scheduled match has none (every report moves it
    out of ``scheduled`` in the same transaction), so the query is skipped."""
    if match.status == Match.Status.SCHEDULED:
        return {}
    return {report.side: report for report in ResultReport.objects.filter(match_id=match.pk)}


def _ensure_open(*, match: Match, mine: ResultReport | None) -> None:
    """Precondition: caller holds the match lock and ``mine`` differs from the new report."""
    if match.status == Match.Status.CONFIRMED:
        raise Conflict("This match is already confirmed.", code=ErrorCode.MATCH_ALREADY_CONFIRMED)
    if match.status == Match.Status.DISPUTED:
        raise Conflict("This match is disputed; an organizer will resolve it.", code=ErrorCode.MATCH_DISPUTED)
    if mine is not None:
        raise Conflict(
            f"Your side already reported {mine.score_a}-{mine.score_b}; a report cannot be changed.",
            code=ErrorCode.REPORT_ALREADY_SUBMITTED,
        )


def _match_transition(*, match: Match, old: str, new: str) -> None:
    """Compare-and-swap the status (we hold the lock: a miss means a broken invariant)."""
    if not Match.objects.filter(pk=match.pk, status=old).update(status=new):
        raise Conflict(f"The match is no longer {old}.", code=ErrorCode.MATCH_STATE_CHANGED)
    match.status = new


def _match_settle(*, match: Match, score_a: int, score_b: int, caller: str, tournament_locked: bool) -> None:
    """Confirm final scores, then advance the winner or, for the final, complete the tournament.

    Precondition: caller holds the match lock (and the tournament's, for the final:
    ``tournament_locked``).
    """
    winner_id = match_winner(match, score_a=score_a, score_b=score_b)
    now = timezone.now()
    settled = Match.objects.filter(pk=match.pk, status=match.status).update(
        status=Match.Status.CONFIRMED, score_a=score_a, score_b=score_b, winner_id=winner_id, confirmed_at=now
    )
    if not settled:
        raise Conflict("The match changed while being settled.", code=ErrorCode.MATCH_STATE_CHANGED)
    match.status, match.score_a, match.score_b = Match.Status.CONFIRMED, score_a, score_b
    match.winner_id, match.confirmed_at = winner_id, now
    _confirmed_advance(match=match, caller=caller, tournament_locked=tournament_locked)


def match_winner(match: Match, *, score_a: int, score_b: int) -> int | None:
    """The team with more games; None for a draw (``ensure_decisive`` allowed it)."""
    if score_a == score_b:
        return None
    return match.team_a_id if score_a > score_b else match.team_b_id


def _confirmed_advance(
    *,
    match: Match,
    caller: str,
    tournament_locked: bool,
    disqualified: bool = False,
    deferred: list[Event] | None = None,
) -> None:
    """The match is confirmed: advance its winner or, for the final, complete the tournament.

    A round robin or Swiss match has no next match: ``league_progress``. Double
    elimination also drops the loser (``double_advance``). ``disqualified``: the
    match was a disqualified team's walkover; ``deferred``: see ``double_advance``.
    """
    if match.tournament.format in formats.LEAGUES or match.group is not None:
        league_progress(tournament=match.tournament)
    elif match.tournament.format == formats.DOUBLE_ELIMINATION:
        double_advance(match=match, caller=caller, disqualified=disqualified, deferred=deferred)
    elif match.next_match_id is None:
        _tournament_complete(tournament=match.tournament)
    else:
        _team_advance(
            match=match,
            team_id=match.winner_id,
            target_id=match.next_match_id,
            slot=match.next_slot,
            caller=caller,
            tournament_locked=tournament_locked,
        )


#: An event to publish once no more row lock follows: (tournament id, type, data).
Event = tuple[int, str, dict[str, Any]]


def double_advance(
    *, match: Match, caller: str, disqualified: bool = False, deferred: list[Event] | None = None
) -> None:
    """Double elimination: the winner goes on, the loser drops to the losers bracket (from
    the winners bracket) or is out; the grand final completes the tournament, or, with
    ``grand_final_reset``, when the losers bracket's champion (slot b) won the first one,
    pairs the second (one INSERT, ``round.paired``). A disqualified team's walkover in
    the first grand final completes it.

    Precondition: the caller holds the tournament's lock (``_completes_tournament``:
    every double-elimination result takes it), so the two destinations, locked in
    ascending pk, and whatever walkovers they settle cannot deadlock with another result.
    The events of those walkovers wait in ``deferred`` and are published by the first
    call once every match is written: the stream's counter ranks after every row lock,
    and the second destination may be locked after the first one's walkover.
    """
    events: list[Event] = [] if deferred is None else deferred
    _double_move(match=match, caller=caller, disqualified=disqualified, events=events)
    if deferred is None:
        for tournament_id, type_, data in events:
            publish_on_commit(tournament_id=tournament_id, type=type_, data=data)


def _double_move(*, match: Match, caller: str, disqualified: bool, events: list[Event]) -> None:
    tournament = match.tournament
    if match.bracket == formats.GRAND_FINAL:
        if (
            match.round == 1
            and tournament.grand_final_reset
            and match.winner_id == match.team_b_id
            and not disqualified
        ):
            second = Match.objects.create(
                tournament_id=tournament.pk,
                bracket=formats.GRAND_FINAL,
                round=2,
                position=1,
                team_a_id=match.team_a_id,
                team_b_id=match.team_b_id,
            )
            events.append((tournament.pk, ROUND_PAIRED, _round_paired_data([second])))
        else:
            _tournament_complete(tournament=tournament)
        return
    loser_id = match.team_b_id if match.winner_id == match.team_a_id else match.team_a_id
    moves: list[tuple[int, str, int | None, bool]] = []
    if match.next_match_id is not None:
        moves.append((match.next_match_id, match.next_slot, match.winner_id, False))
    if match.loser_next_match_id is not None:
        moves.append((match.loser_next_match_id, match.loser_next_slot, loser_id, disqualified))
    for target_id, slot, team_id, forfeits in sorted(moves):
        _team_advance(
            match=match,
            team_id=team_id,
            target_id=target_id,
            slot=slot,
            caller=caller,
            tournament_locked=True,
            forfeits=forfeits,
            deferred=events,
        )


def _team_advance(
    *,
    match: Match,
    team_id: int | None,
    target_id: int,
    slot: str,
    caller: str,
    tournament_locked: bool,
    forfeits: bool = False,
    deferred: list[Event] | None = None,
) -> None:
    """Write ``team_id`` (the winner; in double elimination also the loser) into its empty
    slot of a later match (higher pk: lock order holds).

    When the slot is not filled, a walkover may wait there: its team was disqualified
    before this winner was known. The winner then takes the slot and wins that match
    too, and goes on up (``walkover_settle``); completing the tournament that way
    needs its lock, taken first when the unlocked read saw the walkover
    (``_completes_tournament``). A disqualification committed after that read is
    refused as a changed match (409, nothing written): the retry takes the lock.

    ``forfeits``: a disqualified team dropping to the losers bracket forfeits there too:
    its walkover waits for the opponent, or is settled now when the opponent is there.
    """
    column = f"team_{slot}_id"
    if not forfeits and match_slot_fill(
        match_id=target_id, slot=f"team_{slot}", team_id=team_id, pipeline=PIPELINE, caller=caller
    ):
        return
    following = match_lock(match_id=target_id, pipeline=PIPELINE, caller=caller)
    forfeiter = team_id if forfeits else following.forfeited_by_id
    if forfeiter is None or following.status != Match.Status.SCHEDULED or getattr(following, column) is not None:
        raise Conflict("The next match's slot is already taken.", code=ErrorCode.BRACKET_SLOT_TAKEN)
    if following.next_match_id is None and not tournament_locked:
        raise Conflict("A team was disqualified meanwhile; send it again.", code=ErrorCode.MATCH_STATE_CHANGED)
    setattr(following, column, team_id)
    if forfeits and getattr(following, f"team_{OTHER_SIDE[Match.Slot(slot)]}_id") is None:
        Match.objects.filter(pk=following.pk).update(**{column: team_id, "forfeited_by_id": team_id})
        return
    following.tournament = match.tournament
    walkover_settle(
        match=following,
        team_id=forfeiter,
        caller=caller,
        tournament_locked=tournament_locked,
        fill={column: team_id},
        deferred=deferred,
    )


def walkover_settle(
    *,
    match: Match,
    team_id: int,
    caller: str,
    tournament_locked: bool,
    fill: dict[str, int | None] | None = None,
    disqualified: bool = True,
    deferred: list[Event] | None = None,
) -> None:
    """``team_id`` forfeits the locked ``match``: the other team wins (no scores) and advances.

    ``fill`` also writes a team into the match's slot in the same UPDATE (a walkover
    waiting for its winner). ``disqualified``: the team is out (a disqualification),
    not conceding one match (``match_forfeit``): in double elimination it forfeits its
    losers-bracket match too. Published as ``match.forfeited`` (or added to ``deferred``,
    ``double_advance``).
    """
    winner_id = match.team_b_id if team_id == match.team_a_id else match.team_a_id
    now = timezone.now()
    settled = Match.objects.filter(pk=match.pk, status=match.status).update(
        status=Match.Status.CONFIRMED,
        score_a=None,
        score_b=None,
        winner_id=winner_id,
        forfeited_by_id=team_id,
        confirmed_at=now,
        **(fill or {}),
    )
    if not settled:
        raise Conflict("The match changed while being settled.", code=ErrorCode.MATCH_STATE_CHANGED)
    match.status, match.score_a, match.score_b = Match.Status.CONFIRMED, None, None
    match.winner_id, match.forfeited_by_id, match.confirmed_at = winner_id, team_id, now
    _confirmed_advance(
        match=match, caller=caller, tournament_locked=tournament_locked, disqualified=disqualified, deferred=deferred
    )
    data = _event_data(match) | {"forfeited_by_id": team_id}
    if deferred is None:
        publish_on_commit(tournament_id=match.tournament_id, type=MATCH_FORFEITED, data=data)
    else:
        deferred.append((match.tournament_id, MATCH_FORFEITED, data))


def _tournament_complete(*, tournament: Tournament) -> None:
    """Precondition: caller holds the tournament lock (``_match_lock`` took it for the final)."""
    Tournament.objects.filter(pk=tournament.pk, status=Tournament.Status.LIVE).update(
        status=Tournament.Status.COMPLETED
    )
    tournament.status = Tournament.Status.COMPLETED


@transaction.atomic
def match_forfeit(*, match_id: int, actor: User, team_id: int | None = None) -> Match:
    """A team forfeits: the other one wins by walkover and advances, in every round.

    A captain concedes for their own team (``team_id`` omitted, or their team's);
    whoever runs the tournament records a no-show or a forfeit of either team. A match
    still awaiting confirmation or disputed can be forfeited; a confirmed one cannot
    (409), except that repeating the same forfeit answers the match again (a retry).
    Refusals: 404, 403, 409 (tournament not live, teams not known yet), 422 (a team
    not in this match).
    """
    match = _match_read(match_id=match_id)
    _ensure_ready(match=match)
    captains = {team.pk: team.captain_id for team in (match.team_a, match.team_b) if team is not None}
    if team_id is None:
        _reporting_side(match=match, actor=actor)  # refuses anyone but a captain of the match
        team_id = next(pk for pk, captain_id in captains.items() if captain_id == actor.pk)
    elif team_id not in captains:
        raise Unprocessable("That team does not play this match.", code=ErrorCode.TEAM_NOT_IN_MATCH)
    elif captains[team_id] != actor.pk and not may_run(actor, organizer_id=match.tournament.organizer_id):
        raise Forbidden("Only the team's captain or the organizer may forfeit.", code=ErrorCode.NOT_MATCH_CAPTAIN)
    locked = _match_lock(match=match, caller="match_forfeit")
    if locked.status == Match.Status.CONFIRMED and locked.forfeited_by_id == team_id:
        return locked
    _ensure_live(tournament=locked.tournament)
    if locked.status == Match.Status.CONFIRMED:
        raise Conflict("This match is already confirmed.", code=ErrorCode.MATCH_ALREADY_CONFIRMED)
    before = match_state(locked)
    walkover_settle(
        match=locked,
        team_id=team_id,
        caller="match_forfeit",
        tournament_locked=_completes_tournament(match),
        disqualified=False,
    )
    audit_match(match=locked, action=AuditAction.MATCH_FORFEITED, actor=actor, before=before)
    return locked


@dataclass(frozen=True)
class Disqualification:
    registration: Registration
    forfeited_match_ids: list[int]  # walkovers settled now
    waiting_match_id: int | None  # a walkover waiting for the opponent, settled when it arrives


@transaction.atomic
def team_disqualify(*, tournament_id: int, team_id: int, actor: User, reason: str) -> Disqualification:
    """Whoever runs a live tournament disqualifies one of its teams.

    Its registration becomes ``disqualified``: its players stay on the roster (a player
    still cannot play for two teams of one tournament) but are left out of
    finalization's placements and rewards. Every match it has not finished is forfeited:
    with both teams known, the opponent wins by walkover and advances now; when its
    opponent is not known yet, the walkover waits in the match and is settled when the
    opponent arrives (``_team_advance``). In single elimination that is one match; in a
    round robin every match it has left, and it leaves the standings (its results
    already played stand for its opponents).
    A repeated disqualification answers the same (a retry). Locks: the tournament, then
    the match, the documented order. Refusals: 403, 404, 409 (not live), 422 (a team
    not confirmed in this tournament).
    """
    tournament_run_require(actor=actor, tournament_id=tournament_id, code=ErrorCode.NOT_ORGANIZER)
    try:
        tournament = tournament_lock(tournament_id=tournament_id, pipeline=PIPELINE, caller="team_disqualify")
    except Tournament.DoesNotExist:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND) from None
    registration = (
        Registration.objects.filter(
            tournament_id=tournament_id,
            team_id=team_id,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.DISQUALIFIED],
        )
        .order_by("-pk")
        .first()
    )
    if registration is None:
        raise Unprocessable("That team is not confirmed in this tournament.", code=ErrorCode.TEAM_NOT_IN_TOURNAMENT)
    if registration.status == Registration.Status.DISQUALIFIED:
        return Disqualification(registration=registration, forfeited_match_ids=[], waiting_match_id=None)
    _ensure_live(tournament=tournament)
    Registration.objects.filter(pk=registration.pk).update(
        status=Registration.Status.DISQUALIFIED, updated_at=timezone.now()
    )
    registration.status = Registration.Status.DISQUALIFIED
    pending = (
        Match.objects.filter(tournament_id=tournament_id)
        .exclude(status=Match.Status.CONFIRMED)
        .filter(Q(team_a_id=team_id) | Q(team_b_id=team_id))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    forfeited, waiting = [], None
    # Every match locked before the first walkover publishes its event (the outbox
    # ranks last): in a round robin the team has many open matches.
    locked = [match_lock(match_id=match_id, pipeline=PIPELINE, caller="team_disqualify") for match_id in pending]
    for match in locked:
        match.tournament = tournament
        if match.team_a_id is not None and match.team_b_id is not None:
            walkover_settle(match=match, team_id=team_id, caller="team_disqualify", tournament_locked=True)
            forfeited.append(match.pk)
        else:
            Match.objects.filter(pk=match.pk).update(forfeited_by_id=team_id)
            waiting = match.pk
    audit_record(
        tournament_id=tournament_id,
        action=AuditAction.TEAM_DISQUALIFIED,
        actor=actor,
        before={"team_id": team_id, "registration_status": Registration.Status.CONFIRMED},
        after={
            "team_id": team_id,
            "registration_status": registration.status,
            "forfeited_match_ids": forfeited,
            "waiting_match_id": waiting,
            "tournament_status": tournament.status,
        },
        reason=reason,
    )
    data = {"team_id": team_id, "forfeited_match_ids": forfeited, "waiting_match_id": waiting, "reason": reason}
    publish_on_commit(tournament_id=tournament_id, type=TEAM_DISQUALIFIED, data=data)
    return Disqualification(registration=registration, forfeited_match_ids=forfeited, waiting_match_id=waiting)


@transaction.atomic
def match_resolve(*, match_id: int, actor: User, score_a: int, score_b: int) -> Match:
    """The organizer settles a disputed match with final scores (then as a confirmation).

    The captains' reports stay as history. Refusals: 404, 403 (not the organizer),
    409 (tournament not live, match not disputed), 422 (draw).
    """
    match = _match_read(match_id=match_id)
    tournament_run_check(actor=actor, organizer_id=match.tournament.organizer_id)
    ensure_decisive(match=match, score_a=score_a, score_b=score_b)
    locked = _match_lock(match=match, caller="match_resolve")
    _ensure_live(tournament=locked.tournament)
    if locked.status != Match.Status.DISPUTED:
        raise Conflict(
            f"Only a disputed match can be resolved; this one is {locked.status}.", code=ErrorCode.MATCH_NOT_DISPUTED
        )
    before = match_state(locked)
    _match_settle(
        match=locked,
        score_a=score_a,
        score_b=score_b,
        caller="match_resolve",
        tournament_locked=_completes_tournament(match),
    )
    audit_match(match=locked, action=AuditAction.MATCH_RESOLVED, actor=actor, before=before)
    publish_on_commit(tournament_id=locked.tournament_id, type=MATCH_RESOLVED, data=_event_data(locked))
    return locked


def _event_data(match: Match) -> dict[str, Any]:
    return {
        "match_id": match.pk,
        "round": match.round,
        "position": match.position,
        "status": match.status,
        "team_a_id": match.team_a_id,
        "team_b_id": match.team_b_id,
        "score_a": match.score_a,
        "score_b": match.score_b,
        "winner_id": match.winner_id,
        "next_match_id": match.next_match_id,
        "tournament_status": match.tournament.status,
    }


def _report_data(report: ResultReport) -> dict[str, Any]:
    return {"side": report.side, "score_a": report.score_a, "score_b": report.score_b, "games": report.games}
