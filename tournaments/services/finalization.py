"""Tournament finalization: placements, rewards, skill write-back, badges.

``tournament_finalize`` is the one entry point (API, ``manage.py finalize_tournament``).
The maths (placements, Elo, rewards) is ``tournaments.awards``, free of Django; this
module reads, locks and writes. It takes its locks in the global order of ``core.locking``:

    season → tournament → player skill → participation → badge → wallet

Why each lock:
- Season: finalizations of one season are serialised (ratings of players who play
  several tournaments of a season are read and written by each of them).
- Tournament: the status compare-and-swap below decides "finalized once"; a second
  call, concurrent or later, waits here and then sees ``rewards_distributed``.
- Player skill rows, all at once in id order (one statement), after creating the
  missing ones: the rating is read and written under this lock.
- Participation: the per-player idempotency guard. The unique (user, tournament)
  constraint decides; a player whose row already exists is not paid again.
- Badges: inserted with ``ignore_conflicts``: a duplicate cannot break the
  transaction (the origin's session broke on a duplicate badge).
- Wallets last. First the prize pool, if the tournament has one, to the champions
  (``prize_pools.prizes_pay``: their wallets, then the pool; only transactions holding
  this tournament's lock touch the pool, so it can wait in no cycle). Then all reward
  coins in one batch (``economy.services.wallet_credit_many``),
  which locks every paid player's wallet in id order in one statement, then the
  treasury, so the treasury is always taken after all user wallets, as entry fees
  also do; no cycle is possible.

Second call: ``Conflict(code=ErrorCode.ALREADY_FINALIZED)`` (409) and nothing written; the
coin credits are also idempotent on their ledger reference ``reward:<t>:<u>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from core.errors import Conflict, NotFound
from core.sql import flatten, rows_insert, values_placeholders
from economy.models import LedgerTransaction
from economy.services import wallet_credit_many
from realtime.events import TOURNAMENT_FINALIZED, publish_on_commit
from tournaments import formats
from tournaments.awards import (
    BADGE_MILESTONES,
    DEFAULT_RATING,
    Award,
    BracketMatch,
    awards_compute,
    placements_compute,
    players_who_played,
    reward_policy_resolve,
)
from tournaments.errors import ErrorCode
from tournaments.locks import (
    badges_insert,
    participation_guard,
    player_skills_create,
    player_skills_lock,
    season_lock,
    tournament_lock,
)
from tournaments.models import (
    AuditAction,
    Match,
    MatchStatus,
    PlayerSkill,
    Tournament,
    TournamentBadge,
    TournamentParticipation,
)
from tournaments.policies import tournament_run_check
from tournaments.selectors.finalization import (
    finalization_bracket,
    finalization_roster,
    finalization_seeds,
    finalization_substitutions,
    finalization_tournament_get,
    opponent_rating_averages,
)
from tournaments.selectors.standings import GROUP_ROW_FIELDS, group_tables
from tournaments.services.audit import audit_record
from tournaments.services.prize_pools import prizes_pay

PIPELINE = "reward"
SKILL_PIPELINE = "skill"
CALLER = "tournament_finalize"
FINALIZABLE_STATUSES = (Tournament.Status.LIVE, Tournament.Status.COMPLETED)


@dataclass(frozen=True)
class FinalizationResult:
    tournament_id: int
    status: str
    placements: dict[int, int]  # team id → placement
    players_rewarded: int
    xp_awarded: int
    coins_awarded: int


# --- The service ---------------------------------------------------------------------------


@transaction.atomic
def tournament_finalize(*, tournament_id: int, actor: User | None = None) -> FinalizationResult:
    """Finalize a finished tournament once: placements, XP, coins, ratings, badges.

    ``actor`` None means the system (the management command); otherwise the
    organizer policy decides (its organizer, or staff: ``tournaments.policies``).
    Raises NotFound, Forbidden, Conflict (already finalized, not finished, a match
    not confirmed) or Unprocessable (bad reward policy); on any error nothing is written.
    """
    tournament_found = _tournament_for(tournament_id=tournament_id, actor=actor)
    # Read before any lock (audit plan §4.1): past tournaments are final, and this is
    # the pipeline's one heavy query. A tournament of the season finalized meanwhile is
    # missed by this player's factor only; ratings themselves are read under lock.
    opponent_averages = opponent_rating_averages(tournament_id=tournament_id)
    tournament = _locked_tournament(tournament_id=tournament_id, found=tournament_found)
    bracket = finalization_bracket(tournament_id=tournament_id)
    _check_bracket(bracket)
    roster = players_who_played(
        roster=finalization_roster(tournament_id=tournament_id),
        bracket=bracket,
        # No query where no swap can exist: a tournament without substitutes.
        substitutions=finalization_substitutions(tournament_id=tournament_id) if tournament.max_substitutes else (),
    )
    policy = reward_policy_resolve(tournament.reward_policy)
    skills = _skills_lock(user_ids=[user_id for user_id, _ in roster])
    awards = awards_compute(
        bracket=bracket,
        roster=roster,
        ratings={user_id: skill.rating for user_id, skill in skills.items()},
        opponent_averages=opponent_averages,
        policy=policy,
        placements=_standings_placements(tournament=tournament, bracket=bracket),
    )
    played_before = {user_id: skill.tournaments_played for user_id, skill in skills.items()}
    awarded = _participations_create(tournament_id=tournament_id, awards=awards)
    _skills_write_back(awards=awarded)
    _badges_award(tournament_id=tournament_id, awards=awarded, played_before=played_before)
    prizes_pay(tournament=tournament, awards=awarded, caller=f"{CALLER}.prizes")
    _rewards_pay(tournament_id=tournament_id, awards=awarded)
    _status_compare_and_swap(tournament=tournament)
    result = _result_publish(tournament_id=tournament_id, awards=awards, awarded=awarded)
    audit_record(
        tournament_id=tournament_id,
        action=AuditAction.TOURNAMENT_FINALIZED,
        actor=actor,
        before={"status": tournament.status},
        after={
            "status": result.status,
            "placements": {str(team): placement for team, placement in result.placements.items()},
            "players_rewarded": result.players_rewarded,
            "coins_awarded": result.coins_awarded,
        },
    )
    return result


def _tournament_for(*, tournament_id: int, actor: User | None) -> Mapping[str, Any]:
    # Read first, unlocked: the season must be locked before the tournament (lock order).
    found = finalization_tournament_get(tournament_id=tournament_id)
    if found is None:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND)
    if actor is not None:
        tournament_run_check(actor=actor, organizer_id=found["organizer_id"])
    return found


def _locked_tournament(*, tournament_id: int, found: Mapping[str, Any]) -> Tournament:
    if found["season_id"] is not None:
        season_lock(season_id=found["season_id"], pipeline=PIPELINE, caller=CALLER)
    tournament = tournament_lock(tournament_id=tournament_id, pipeline=PIPELINE, caller=CALLER)
    if tournament.season_id != found["season_id"]:
        raise Conflict("The tournament changed season; try again.", code=ErrorCode.CONCURRENT_UPDATE)
    if tournament.status == Tournament.Status.REWARDS_DISTRIBUTED:
        raise Conflict("The tournament is already finalized.", code=ErrorCode.ALREADY_FINALIZED)
    if tournament.status not in FINALIZABLE_STATUSES:
        raise Conflict(f"A {tournament.status} tournament cannot be finalized.", code=ErrorCode.TOURNAMENT_NOT_FINISHED)
    return tournament


def _standings_placements(*, tournament: Tournament, bracket: list[BracketMatch]) -> dict[int, int] | None:
    """A league's (round robin, Swiss) placements are its standings' ranks; groups into
    playoffs place the playoff by its bracket and the rest by their group places; double
    elimination by the round each team went out in (one more query); None: the
    bracket's (``awards``)."""
    if tournament.format == formats.GROUPS_PLAYOFFS:
        rows = list(Match.objects.filter(tournament_id=tournament.pk).values_list(*GROUP_ROW_FIELDS))
        tables = group_tables(tournament=tournament, rows=rows)
        playoff = [
            BracketMatch(round_, a, b, winner, status)
            for round_, group, a, b, winner, _, _, status in rows
            if group is None
        ]
        advancing = {team for match in playoff for team in (match.team_a_id, match.team_b_id) if team is not None}
        return formats.group_stage_placements(tables, advancers=tournament.group_advancers) | placements_compute(
            bracket=playoff, team_ids=advancing
        )
    if tournament.format == formats.DOUBLE_ELIMINATION:
        bracket_rows = Match.objects.filter(tournament_id=tournament.pk).values_list(
            "bracket", "round", "team_a_id", "team_b_id", "winner_id"
        )
        return formats.double_elimination_placements(rows=bracket_rows, grand_final_reset=tournament.grand_final_reset)
    if tournament.format not in formats.LEAGUES:
        return None
    results = formats.results_of(
        ((m.team_a_id, m.team_b_id, m.winner_id, m.score_a, m.score_b) for m in bracket), format_=tournament.format
    )
    standings = formats.standings_compute(
        results=results,
        seeds=finalization_seeds(tournament_id=tournament.pk),
        tiebreakers=tournament.tiebreakers or formats.default_tiebreakers(tournament.format),
    )
    return {standing.team_id: standing.rank for standing in standings}


def _check_bracket(bracket: list[BracketMatch]) -> None:
    if not bracket:
        raise Conflict("The tournament has no matches.", code=ErrorCode.BRACKET_INCOMPLETE)
    open_matches = sum(match.status != MatchStatus.CONFIRMED for match in bracket)
    if open_matches:
        raise Conflict(f"{open_matches} match(es) not confirmed.", code=ErrorCode.MATCHES_NOT_CONFIRMED)


def _skills_lock(*, user_ids: list[int]) -> dict[int, PlayerSkill]:
    """Create the missing skill rows, then lock them all in one statement.

    Inserted in user id order, so two finalizations sharing players wait for each
    other on the unique index instead of deadlocking.
    """
    ids = sorted(user_ids)
    now = timezone.now()
    rows = [(user_id, DEFAULT_RATING, 0, 0, 0, now) for user_id in ids]
    player_skills_create(rows=rows, pipeline=SKILL_PIPELINE, caller=f"{CALLER}.skill_rows")
    return player_skills_lock(user_ids=ids, pipeline=SKILL_PIPELINE, caller=f"{CALLER}.skill_writeback")


def _participation(tournament_id: int, award: Award) -> TournamentParticipation:
    return TournamentParticipation(
        user_id=award.user_id,
        tournament_id=tournament_id,
        team_id=award.team_id,
        placement=award.placement,
        xp_awarded=award.xp,
        coins_awarded=award.coins,
        rating_before=award.rating_before,
        rating_after=award.rating_after,
    )


_PARTICIPATION_COLUMNS = (
    "user_id",
    "tournament_id",
    "team_id",
    "placement",
    "xp_awarded",
    "coins_awarded",
    "rating_before",
    "rating_after",
    "created_at",
)


def _participations_create(*, tournament_id: int, awards: list[Award]) -> list[Award]:
    """Insert every participation; return the awards of the players not rewarded before.

    Fast path: one INSERT in one savepoint. If the unique constraint refuses it (a
    player already has a row: rewarded before), fall back to one guarded insert per
    player, and reward only those whose row we inserted.
    """
    guard = {"pipeline": PIPELINE, "caller": f"{CALLER}.idempotency_guard"}
    with participation_guard(entity_id=tournament_id, **guard) as batch:
        now = timezone.now()
        rows_insert(
            table=TournamentParticipation._meta.db_table,
            columns=_PARTICIPATION_COLUMNS,
            rows=[
                (
                    award.user_id,
                    tournament_id,
                    award.team_id,
                    award.placement,
                    award.xp,
                    award.coins,
                    award.rating_before,
                    award.rating_after,
                    now,
                )
                for award in awards
            ],
        )
    if not batch.conflicted:
        return awards
    inserted = []
    for award in awards:
        with participation_guard(entity_id=award.user_id, **guard) as row:
            _participation(tournament_id, award).save(force_insert=True)
        if not row.conflicted:
            inserted.append(award)
    return inserted


# One statement for every player. Django's bulk_update compiles a CASE WHEN per row
# and per field; for 64 players that compilation alone cost more than the rest of the
# locked section (profiled: notes/issue-7.md). Increments stay arithmetic in SQL.
_SKILL_WRITE_BACK_SQL = (
    "WITH delta (user_id, rating, xp) AS (VALUES {rows}) "  # noqa: S608 - table name from model metadata, values bound
    f"UPDATE {PlayerSkill._meta.db_table} AS skill "
    "SET rating = delta.rating, xp = skill.xp + delta.xp, tournaments_played = skill.tournaments_played + 1, "
    "version = skill.version + 1, updated_at = %s "
    "FROM delta WHERE skill.user_id = delta.user_id"
)


def _skills_write_back(*, awards: list[Award]) -> None:
    """Caller holds the skill rows' locks: ``rating_after`` was computed from the locked value."""
    if not awards:
        return
    sql = _SKILL_WRITE_BACK_SQL.replace("{rows}", values_placeholders(rows=len(awards), columns=3))
    params: list[Any] = flatten((award.user_id, award.rating_after, award.xp) for award in awards)
    params.append(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _badges_for(award: Award, *, played_before: int) -> list[str]:
    badges = [BADGE_MILESTONES[played_before + 1]] if played_before + 1 in BADGE_MILESTONES else []
    if award.placement == 1:
        badges.append(TournamentBadge.BadgeType.CHAMPION)
    elif award.placement == 2:
        badges.append(TournamentBadge.BadgeType.FINALIST)
    return badges


def _badges_award(*, tournament_id: int, awards: list[Award], played_before: Mapping[int, int]) -> None:
    """``played_before``: each player's count read under the skill lock, before this tournament."""
    now = timezone.now()
    badges = [
        (award.user_id, tournament_id, str(badge), now)
        for award in awards
        for badge in _badges_for(award, played_before=played_before[award.user_id])
    ]
    badges_insert(tournament_id=tournament_id, rows=badges, pipeline=PIPELINE, caller=f"{CALLER}.badges")


def _rewards_pay(*, tournament_id: int, awards: list[Award]) -> None:
    """All coins in one batch: user wallets locked in id order, the treasury last."""
    credits = [
        (award.user_id, award.coins, f"reward:{tournament_id}:{award.user_id}") for award in awards if award.coins > 0
    ]
    if credits:
        wallet_credit_many(credits=credits, kind=LedgerTransaction.Kind.REWARD, caller=f"{CALLER}.rewards")


def _status_compare_and_swap(*, tournament: Tournament) -> None:
    swapped = Tournament.objects.filter(pk=tournament.pk, status=tournament.status).update(
        status=Tournament.Status.REWARDS_DISTRIBUTED
    )
    if swapped != 1:  # cannot happen under the tournament lock; refuse rather than guess
        raise Conflict("The tournament changed while finalizing.", code=ErrorCode.CONCURRENT_UPDATE)


def _result_publish(*, tournament_id: int, awards: list[Award], awarded: list[Award]) -> FinalizationResult:
    placements = {award.team_id: award.placement for award in awards}
    result = FinalizationResult(
        tournament_id=tournament_id,
        status=Tournament.Status.REWARDS_DISTRIBUTED,
        placements=dict(sorted(placements.items(), key=lambda item: (item[1], item[0]))),
        players_rewarded=len(awarded),
        xp_awarded=sum(award.xp for award in awarded),
        coins_awarded=sum(award.coins for award in awarded),
    )
    data = {"placements": [{"team_id": t, "placement": p} for t, p in result.placements.items()]}
    publish_on_commit(tournament_id=tournament_id, type=TOURNAMENT_FINALIZED, data=data)
    return result
