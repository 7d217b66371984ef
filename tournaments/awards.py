"""The maths of finalization, free of Django: placements, Elo ratings, rewards.

Pure functions of plain values (ids, ints, the bracket as ``BracketMatch`` rows), so
they can be read, tested and reused without a database; ``services/finalization.py``
reads the rows, calls ``awards_compute`` and writes the result under its locks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from core.errors import Conflict, Unprocessable
from tournaments.errors import ErrorCode

#: XP and coins per placement; a tournament's ``reward_policy`` overrides any key.
DEFAULT_REWARD_POLICY: dict[str, dict[str, int]] = {
    "1": {"xp": 500, "coins": 1000},
    "2": {"xp": 300, "coins": 500},
    "3": {"xp": 200, "coins": 250},
    "default": {"xp": 100, "coins": 0},
}
DEFAULT_RATING = 1500
ELO_K = 32
# The opponent factor scales K by the strength of the fields a player has met:
# a rating earned against strong opponents moves more, one earned in weak fields less.
OPPONENT_FACTOR_BOUNDS = (0.5, 1.5)
BADGE_MILESTONES = {1: "first_tournament", 5: "five_tournaments", 10: "ten_tournaments"}


@dataclass(frozen=True, slots=True)
class Award:
    user_id: int
    team_id: int
    placement: int
    xp: int
    coins: int
    rating_before: int
    rating_after: int


@dataclass(frozen=True, slots=True)
class BracketMatch:
    round: int
    team_a_id: int | None
    team_b_id: int | None
    winner_id: int | None  # None once confirmed: a draw (round robin)
    status: str
    score_a: int | None = None
    score_b: int | None = None
    pk: int | None = None
    forfeited_by_id: int | None = None  # a walkover: nobody played it


def placements_compute(*, bracket: list[BracketMatch], team_ids: Iterable[int]) -> dict[int, int]:
    """Single-elimination placements: champion 1, finalist 2, semi-final losers 3, then 5, 9...

    A team that lost in round r of R rounds places 2^(R-r) + 1; a confirmed team that
    never played ranks with the first-round losers. Precondition: every match confirmed.
    """
    final_round = max(match.round for match in bracket)
    finals = [match for match in bracket if match.round == final_round]
    if len(finals) != 1:
        raise Conflict("The bracket has no single final.", code=ErrorCode.BRACKET_INCOMPLETE)
    placements = dict.fromkeys(team_ids, 2 ** (final_round - 1) + 1)
    for match in bracket:
        loser = match.team_b_id if match.winner_id == match.team_a_id else match.team_a_id
        if loser is not None:
            placements[loser] = min(placements.get(loser, math.inf), 2 ** (final_round - match.round) + 1)
    placements[finals[0].winner_id] = 1
    return placements


def players_who_played(
    *,
    roster: Iterable[tuple[int, int, str]],
    bracket: Iterable[BracketMatch],
    substitutions: Iterable[tuple[int, int, int]] = (),
) -> list[tuple[int, int]]:
    """(user_id, team_id) of who played: rated and rewarded.

    ``roster``: (user, team, role). A starter played unless benched (swapped out) in every
    match the team played (confirmed, not a walkover); a substitute played when swapped
    in for one of those. A team that played none counts its starters. ``substitutions``:
    (match, player out, player in)."""
    played: dict[int, set[int]] = defaultdict(set)  # team → the matches it played
    for match in bracket:
        if match.status == "confirmed" and match.forfeited_by_id is None and match.pk is not None:
            for team_id in (match.team_a_id, match.team_b_id):
                if team_id is not None:
                    played[team_id].add(match.pk)
    benched: dict[int, set[int]] = defaultdict(set)
    came_in: dict[int, set[int]] = defaultdict(set)
    for match_id, out, in_ in substitutions:
        benched[out].add(match_id)
        came_in[in_].add(match_id)
    who = []
    for user_id, team_id, role in roster:
        matches = played[team_id]
        if role == "starter":
            if not matches or matches - benched[user_id]:
                who.append((user_id, team_id))
        elif matches & came_in[user_id]:
            who.append((user_id, team_id))
    return who


def reward_policy_resolve(policy: Any) -> dict[str, dict[str, int]]:
    """Defaults overridden by the tournament's policy; refuses anything but non-negative ints."""
    if not isinstance(policy, dict):
        raise Unprocessable("reward_policy must be an object.", code=ErrorCode.INVALID_REWARD_POLICY)
    resolved = {key: dict(value) for key, value in DEFAULT_REWARD_POLICY.items()}
    for key, value in policy.items():
        if not isinstance(value, dict) or set(value) - {"xp", "coins"}:
            raise Unprocessable(f"reward_policy[{key!r}] must be {{xp, coins}}.", code=ErrorCode.INVALID_REWARD_POLICY)
        for name, amount in value.items():
            if type(amount) is not int or amount < 0:
                raise Unprocessable(
                    f"reward_policy[{key!r}].{name} must be >= 0.", code=ErrorCode.INVALID_REWARD_POLICY
                )
        resolved[str(key)] = resolved.get(str(key), dict(resolved["default"])) | value
    return resolved


def _reward_for(policy: Mapping[str, Mapping[str, int]], placement: int) -> tuple[int, int]:
    row = policy.get(str(placement), policy["default"])
    return row.get("xp", policy["default"]["xp"]), row.get("coins", policy["default"]["coins"])


def opponent_factor(average_opponent_rating: float | None) -> float:
    if average_opponent_rating is None:
        return 1.0
    low, high = OPPONENT_FACTOR_BOUNDS
    return min(high, max(low, average_opponent_rating / DEFAULT_RATING))


def elo_scores(*, bracket: list[BracketMatch], team_ratings: Mapping[int, float]) -> dict[int, float]:
    """Sum over each team's matches of (actual - expected) score, the Elo way."""
    scores: dict[int, float] = defaultdict(float)
    for match in bracket:
        if match.team_a_id is None or match.team_b_id is None:
            continue  # a bye is not a game
        a = team_ratings.get(match.team_a_id, DEFAULT_RATING)
        b = team_ratings.get(match.team_b_id, DEFAULT_RATING)
        expected_a = 1 / (1 + 10 ** ((b - a) / 400))
        actual_a = 0.5 if match.winner_id is None else 1.0 if match.winner_id == match.team_a_id else 0.0
        scores[match.team_a_id] += actual_a - expected_a
        scores[match.team_b_id] += expected_a - actual_a
    return scores


def _team_ratings(*, roster: list[tuple[int, int]], ratings: Mapping[int, int]) -> dict[int, float]:
    members: dict[int, list[int]] = defaultdict(list)
    for user_id, team_id in roster:
        members[team_id].append(ratings[user_id])
    return {team_id: sum(values) / len(values) for team_id, values in members.items()}


def awards_compute(
    *,
    bracket: list[BracketMatch],
    roster: list[tuple[int, int]],
    ratings: Mapping[int, int],
    opponent_averages: Mapping[int, float],
    policy: Mapping[str, Mapping[str, int]],
    placements: Mapping[int, int] | None = None,
) -> list[Award]:
    """``placements`` by team: the standings' ranks for a round robin; by default the
    single-elimination bracket's (``placements_compute``)."""
    if placements is None:
        placements = placements_compute(bracket=bracket, team_ids={team_id for _, team_id in roster})
    scores = elo_scores(bracket=bracket, team_ratings=_team_ratings(roster=roster, ratings=ratings))
    awards = []
    for user_id, team_id in roster:
        factor = opponent_factor(opponent_averages.get(user_id))
        delta = round(ELO_K * factor * scores.get(team_id, 0.0))
        xp, coins = _reward_for(policy, placements[team_id])
        before = ratings[user_id]
        awards.append(Award(user_id, team_id, placements[team_id], xp, coins, before, before + delta))
    return awards
