"""Tournament formats, free of Django: brackets, pairings and standings with tiebreakers.

Pure functions of plain values, like ``tournaments.awards``: ``services.matches`` builds
the matches of a format at the start, ``selectors.standings`` and finalization rank
the teams from the confirmed matches.

Points: 3 for a win, 1 for a draw, 0 for a loss (and for a forfeit). A team's games
are its match scores: its games won (``score_for``), and the game differential
(won minus lost). A walkover carries no scores: it counts as a win and a loss only.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

SINGLE_ELIMINATION = "single_elimination"
ROUND_ROBIN = "round_robin"
SWISS = "swiss"
GROUPS_PLAYOFFS = "groups_playoffs"
DOUBLE_ELIMINATION = "double_elimination"
FORMATS = (SINGLE_ELIMINATION, DOUBLE_ELIMINATION, ROUND_ROBIN, SWISS, GROUPS_PLAYOFFS)
#: Formats ranked by a table (standings), not a bracket.
LEAGUES = frozenset({ROUND_ROBIN, SWISS})
#: Formats whose matches may end level.
DRAWS_ALLOWED = frozenset({ROUND_ROBIN, SWISS})
#: A double-elimination match's bracket (``Match.bracket``); blank in every other format.
WINNERS, LOSERS, GRAND_FINAL = "winners", "losers", "grand_final"

WIN, DRAW, LOSS = 3, 1, 0
TIEBREAKERS = ("points", "head_to_head", "game_differential", "games_won", "buchholz", "sonneborn_berger", "seed")
SWISS_ONLY = frozenset({"buchholz", "sonneborn_berger"})
DEFAULT_TIEBREAKERS = ("points", "head_to_head", "game_differential", "games_won", "seed")
DEFAULT_SWISS_TIEBREAKERS = ("points", "buchholz", "sonneborn_berger", "game_differential", "games_won", "seed")


def default_tiebreakers(format_: str) -> tuple[str, ...]:
    return DEFAULT_SWISS_TIEBREAKERS if format_ == SWISS else DEFAULT_TIEBREAKERS


class InvalidTiebreakers(ValueError):
    pass


def tiebreakers_check(value: Sequence[str], *, format_: str = ROUND_ROBIN) -> list[str]:
    """The tiebreakers in order: known names, each at most once; Buchholz and Sonneborn-Berger for Swiss only."""
    unknown = [name for name in value if name not in TIEBREAKERS]
    if unknown:
        raise InvalidTiebreakers(f"unknown tiebreaker(s) {unknown}; choose from {list(TIEBREAKERS)}")
    if len(set(value)) != len(value):
        raise InvalidTiebreakers("a tiebreaker is named twice")
    swiss_only = sorted(SWISS_ONLY & set(value))
    if swiss_only and format_ != SWISS:
        raise InvalidTiebreakers(f"{swiss_only} rank Swiss tournaments only")
    return list(value)


def round_robin_pairings(team_ids: Sequence[int], *, legs: int = 1) -> list[tuple[int, int, int, int]]:
    """(round, position, team_a, team_b) of every match, by the circle method.

    With an odd count a bye joins the circle: whoever meets it sits the round out (no
    match). Seed 1 stays fixed while the others rotate, so each team meets every other
    once per leg; the second leg swaps sides. Rounds are n-1 per leg (n even), n/2
    matches each.
    """
    circle: list[int | None] = list(team_ids)
    if len(circle) % 2:
        circle.append(None)
    count = len(circle)
    pairings: list[tuple[int, int, int, int]] = []
    for leg in range(legs):
        for index in range(count - 1):
            round_ = leg * (count - 1) + index + 1
            position = 0
            for slot in range(count // 2):
                home, away = circle[slot], circle[count - 1 - slot]
                if home is None or away is None:
                    continue
                if (index + slot + leg) % 2:  # alternate sides so no team is always "a"
                    home, away = away, home
                position += 1
                pairings.append((round_, position, home, away))
            circle = [circle[0], circle[-1], *circle[1:-1]]
    return pairings


@dataclass(frozen=True, slots=True)
class Result:
    """One confirmed match as standings read it; scores None for a walkover. ``team_b_id``
    None is a Swiss bye: a win for ``team_a_id``, with no opponent and no games."""

    team_a_id: int
    team_b_id: int | None
    winner_id: int | None  # None: a draw
    score_a: int | None
    score_b: int | None


@dataclass(slots=True)
class Standing:
    team_id: int
    seed: int
    played: int = 0
    wins: int = 0
    draws: int = 0
    losses: int = 0
    points: int = 0
    games_won: int = 0
    games_lost: int = 0
    rank: int = 0
    tiebreaks: dict[str, float] = field(default_factory=dict)
    swiss: dict[str, float] = field(default_factory=dict)  # Buchholz and Sonneborn-Berger, when ranked by them

    @property
    def game_differential(self) -> int:
        return self.games_won - self.games_lost

    @property
    def buchholz(self) -> float | None:
        return self.swiss.get("buchholz")

    @property
    def sonneborn_berger(self) -> float | None:
        return self.swiss.get("sonneborn_berger")


def results_of(
    rows: Iterable[tuple[int | None, int | None, int | None, int | None, int | None]], *, format_: str
) -> list[Result]:
    """Standings' results from confirmed (team_a, team_b, winner, score_a, score_b) rows: a
    bye (one team) counts as a win in Swiss only; elsewhere it is not a game."""
    return [
        Result(team_a_id=a, team_b_id=b, winner_id=winner, score_a=score_a, score_b=score_b)
        for a, b, winner, score_a, score_b in rows
        if a is not None and (b is not None or format_ == SWISS)
    ]


def standings_compute(
    *, results: Iterable[Result], seeds: Sequence[int], tiebreakers: Sequence[str] = DEFAULT_TIEBREAKERS
) -> list[Standing]:
    """Every team of ``seeds`` (team ids, seed 1 first) ranked by ``tiebreakers`` in order.

    Teams level on every tiebreaker share a rank. ``head_to_head`` is the points of the
    matches among the teams still level at that step (a mini-league), so it is
    computed per group; ``seed`` ranks the lower seed first. Each standing carries the
    value of every tiebreaker it was ranked by.
    """
    results = list(results)
    table = {team_id: Standing(team_id=team_id, seed=seed) for seed, team_id in enumerate(seeds, start=1)}
    for result in results:
        _count(table, result)
    if SWISS_ONLY & set(tiebreakers):  # they need every team's final points first
        buchholz, berger = _opponent_points(table, results)
        for standing in table.values():
            standing.swiss = {"buchholz": buchholz[standing.team_id], "sonneborn_berger": berger[standing.team_id]}
    ordered = _rank(list(table.values()), list(tiebreakers), results)
    rank = 0
    for index, standing in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        if previous is None or previous.tiebreaks != standing.tiebreaks:
            rank = index + 1
        standing.rank = rank
    return ordered


def _count(table: dict[int, Standing], result: Result) -> None:
    sides = ((result.team_a_id, result.score_a, result.score_b), (result.team_b_id, result.score_b, result.score_a))
    for team_id, scored, conceded in sides:
        if team_id is None:  # the bye's empty side
            continue
        standing = table.get(team_id)
        if standing is None:  # a team no longer registered (disqualified): not in the table
            continue
        standing.played += 1
        standing.games_won += scored or 0
        standing.games_lost += conceded or 0
        if result.winner_id is None:
            standing.draws, standing.points = standing.draws + 1, standing.points + DRAW
        elif result.winner_id == team_id:
            standing.wins, standing.points = standing.wins + 1, standing.points + WIN
        else:
            standing.losses += 1


def _head_to_head(group: list[Standing], results: list[Result]) -> dict[int, int]:
    members = {standing.team_id for standing in group}
    points: dict[int, int] = defaultdict(int)
    for result in results:
        if result.team_a_id in members and result.team_b_id in members:
            if result.winner_id is None:
                points[result.team_a_id] += DRAW
                points[result.team_b_id] += DRAW
            else:
                points[result.winner_id] += WIN
    return points


def _opponent_points(table: dict[int, Standing], results: list[Result]) -> tuple[dict[int, int], dict[int, float]]:
    """Buchholz (the sum of the opponents' points) and Sonneborn-Berger (the points of the
    opponents beaten, plus half of those drawn with), per team. A bye has no opponent."""
    buchholz: dict[int, int] = defaultdict(int)
    berger: dict[int, float] = defaultdict(float)
    for result in results:
        if result.team_b_id is None:
            continue
        for team_id, opponent_id in ((result.team_a_id, result.team_b_id), (result.team_b_id, result.team_a_id)):
            opponent = table.get(opponent_id)
            points = opponent.points if opponent is not None else 0
            buchholz[team_id] += points
            if result.winner_id is None:
                berger[team_id] += points / 2
            elif result.winner_id == team_id:
                berger[team_id] += points
    return buchholz, berger


def _value(standing: Standing, name: str, head_to_head: dict[int, int]) -> float:
    if name == "head_to_head":
        return head_to_head.get(standing.team_id, 0)
    if name in SWISS_ONLY:
        return standing.swiss[name]
    if name == "seed":
        return -standing.seed  # the lower seed ranks first
    if name == "game_differential":
        return standing.game_differential
    return int(getattr(standing, name))


def _rank(group: list[Standing], tiebreakers: list[str], results: list[Result]) -> list[Standing]:
    """``group`` best first: sort by the first tiebreaker, then rank each level subgroup by the rest."""
    if not tiebreakers or len(group) == 1:
        return sorted(group, key=lambda standing: standing.seed) if len(group) > 1 else group
    name, rest = tiebreakers[0], tiebreakers[1:]
    head_to_head = _head_to_head(group, results) if name == "head_to_head" else {}
    for standing in group:
        value = _value(standing, name, head_to_head)
        standing.tiebreaks[name] = -value if name == "seed" else value
    by_value: dict[float, list[Standing]] = defaultdict(list)
    for standing in group:
        by_value[_value(standing, name, head_to_head)].append(standing)
    ordered: list[Standing] = []
    for value in sorted(by_value, reverse=True):
        ordered += _rank(by_value[value], rest, results)
    return ordered


def elimination_placements(*, results: Iterable[tuple[int, int | None, int | None, int | None]]) -> dict[int, int]:
    """Placements decided so far in a single-elimination bracket, from (round, a, b, winner) rows.

    A team that lost in round r of R places 2^(R-r) + 1; the final's winner places 1.
    Teams still playing (or confirmed teams whose first match is still open) are absent.
    ``awards.placements_compute`` is the complete bracket's version, for finalization.
    """
    rows = list(results)
    if not rows:
        return {}
    final_round = max(round_ for round_, *_ in rows)
    placements: dict[int, int] = {}
    for round_, team_a, team_b, winner in rows:
        if winner is None or team_a is None or team_b is None:
            continue
        loser = team_b if winner == team_a else team_a
        placements[loser] = 2 ** (final_round - round_) + 1
        if round_ == final_round:
            placements[winner] = 1
    return placements


def seed_order(size: int) -> list[int]:
    """Seeds in bracket-slot order for a power-of-two ``size``: 8 → [1, 8, 4, 5, 2, 7, 3, 6].

    Slot pairs (1, 8), (4, 5), (2, 7), (3, 6) play each other in round 1. Seeds 1 and 2
    can only meet in the final, and the top seeds face the highest "seeds", which are
    the byes when there are fewer teams than slots.
    """
    order = [1]
    while len(order) < size:
        mirror = 2 * len(order) + 1
        order = [seed for top in order for seed in (top, mirror - top)]
    return order


def swiss_rounds_default(teams: int) -> int:
    """⌈log2 n⌉ rounds: enough for one unbeaten team to remain (at least 1)."""
    return max(1, math.ceil(math.log2(teams))) if teams > 1 else 1


def swiss_pairings(
    *, ranked: Sequence[tuple[int, int]], played: set[frozenset[int]], had_bye: set[int]
) -> tuple[list[tuple[int, int]], int | None]:
    """The next round's pairs, and the team that sits it out (a bye, counted as a win).

    ``ranked`` is (team id, points), best first. With an odd count the lowest-ranked
    team without a bye yet gets it. Then, best first, each team meets the best-placed
    opponent it has not met, preferring its own score group's other half (the Dutch
    idea: 1 meets the group's middle, not its neighbour); when that leaves others
    unpairable, the search backs up and tries the next. Never a rematch: raises
    ValueError when no pairing without one exists.
    """
    teams = list(ranked)
    bye = None
    if len(teams) % 2:
        bye = next((team for team, _ in reversed(teams) if team not in had_bye), teams[-1][0])
        teams = [(team, points) for team, points in teams if team != bye]
    pairs = _pair(teams, played)
    if pairs is None:
        raise ValueError("no pairing without a rematch")
    return pairs, bye


def _candidates(teams: list[tuple[int, int]]) -> list[int]:
    """Indexes of the first team's opponents, best first: its score group's other half first."""
    points = teams[0][1]
    group = [index for index in range(1, len(teams)) if teams[index][1] == points]
    half = (len(group) + 1) // 2
    preferred = group[half - 1 :] + group[: half - 1] if group else []
    return preferred + [index for index in range(1, len(teams)) if index not in group]


def _pair(teams: list[tuple[int, int]], played: set[frozenset[int]]) -> list[tuple[int, int]] | None:
    if not teams:
        return []
    first = teams[0][0]
    for index in _candidates(teams):
        opponent = teams[index][0]
        if frozenset((first, opponent)) in played:
            continue
        rest = _pair([team for position, team in enumerate(teams) if position not in (0, index)], played)
        if rest is not None:
            return [(first, opponent), *rest]
    return None


def groups_draw(seeds: Sequence[int], *, groups: int) -> list[list[int]]:
    """Teams (seed 1 first) into ``groups`` by snake order: 1 → A, 2 → B, ..., then back,
    so every group gets one of the top seeds and the groups' strengths stay even."""
    drawn: list[list[int]] = [[] for _ in range(groups)]
    for index, team_id in enumerate(seeds):
        lap, offset = divmod(index, groups)
        drawn[offset if lap % 2 == 0 else groups - 1 - offset].append(team_id)
    return drawn


def playoff_seeds(tables: Sequence[Sequence[int]], *, advancers: int) -> list[int]:
    """The playoff's seeds from each group's table (team ids, best first): every group
    winner, then every runner-up, ... With the bracket's ``seed_order`` a group's winner
    meets another group's last advancer first, never its own group."""
    return [table[place] for place in range(advancers) for table in tables]


def group_stage_placements(tables: Sequence[Sequence[int]], *, advancers: int) -> dict[int, int]:
    """Placements of the teams the group stage eliminated: k-th of a group (k > advancers)
    places groups × (k - 1) + 1, level with the k-th of every other group."""
    groups = len(tables)
    return {
        team_id: groups * place + 1 for table in tables for place, team_id in enumerate(table) if place >= advancers
    }


# --- Double elimination ------------------------------------------------------------------

#: A slot's feeder: ("seed", team id), ("winner", key) or ("loser", key); None: nobody (a bye).
Feeder = tuple[str, Any] | None
#: A match of the bracket: (bracket, round, position), rounds and positions counted per bracket.
Key = tuple[str, int, int]


@dataclass
class BracketSlot:
    """One match of a double-elimination bracket, before it is saved.

    ``team_a``/``team_b``: the teams known at the start (the winners bracket's first
    round). ``bye``: a first-round match without an opponent, won by ``team_a`` at once.
    ``winner_to``/``loser_to``: where its winner and its loser go, (key, "a" or "b");
    None for the grand final's winner, and for the loser of a losers-bracket match (out).
    """

    key: Key
    team_a: int | None = None
    team_b: int | None = None
    bye: bool = False
    winner_to: tuple[Key, str] | None = None
    loser_to: tuple[Key, str] | None = None


def double_elimination_bracket(team_ids: Sequence[int]) -> list[BracketSlot]:
    """Every match of a double-elimination bracket for ``team_ids`` (seed order), in play
    order: each match comes after every match that feeds it, so saved in this order a
    match's destinations always have higher primary keys (the lock order).

    For a bracket of S = 2^k slots: the winners bracket is single elimination (k rounds,
    ``seed_order``, byes for the top seeds). Its round-1 losers meet in losers round 1;
    then each even losers round takes the winners of the last one against the losers
    dropping from winners round i + 1 (in reverse order every other time, so teams from
    the same part of the bracket do not meet again at once), and each odd one halves
    the field: 2k - 2 losers rounds. The grand final: the winners bracket's champion
    (slot a) against the losers bracket's (slot b). With byes some losers-bracket slots
    never get a team: a match left with one team is skipped (that team goes straight to
    where its winner would), one with none is dropped, and the rounds and positions
    left are renumbered, so every saved match is played by two teams.
    """
    if len(team_ids) < 2:
        raise ValueError("a bracket needs at least two teams")
    size = 1 << (len(team_ids) - 1).bit_length()
    k = size.bit_length() - 1
    seeds = seed_order(size)
    feeders: dict[Key, tuple[Feeder, Feeder]] = {}
    order: list[Key] = []

    def add(key: Key, a: Feeder, b: Feeder) -> None:
        feeders[key] = (a, b)
        order.append(key)

    def winners_round(r: int) -> None:
        for p in range(1, size // 2**r + 1):
            if r == 1:
                top, bottom = seeds[2 * p - 2], seeds[2 * p - 1]
                team_b = ("seed", team_ids[bottom - 1]) if bottom <= len(team_ids) else None
                add((WINNERS, 1, p), ("seed", team_ids[top - 1]), team_b)
            else:
                add((WINNERS, r, p), ("winner", (WINNERS, r - 1, 2 * p - 1)), ("winner", (WINNERS, r - 1, 2 * p)))

    def losers_round(j: int) -> None:
        count = size // 2 ** ((j + 1) // 2 + 1)
        for p in range(1, count + 1):
            if j == 1:
                add((LOSERS, 1, p), ("loser", (WINNERS, 1, 2 * p - 1)), ("loser", (WINNERS, 1, 2 * p)))
            elif j % 2 == 0:  # the losers dropping from winners round j/2 + 1
                i = j // 2
                dropped = count - p + 1 if i % 2 else p
                add((LOSERS, j, p), ("winner", (LOSERS, j - 1, p)), ("loser", (WINNERS, i + 1, dropped)))
            else:
                add((LOSERS, j, p), ("winner", (LOSERS, j - 1, 2 * p - 1)), ("winner", (LOSERS, j - 1, 2 * p)))

    winners_round(1)
    if k > 1:
        losers_round(1)
    for r in range(2, k + 1):
        winners_round(r)
        losers_round(2 * r - 2)
        if 2 * r - 1 <= 2 * k - 2:
            losers_round(2 * r - 1)
    last_loser: Feeder = ("winner", (LOSERS, 2 * k - 2, 1)) if k > 1 else ("loser", (WINNERS, 1, 1))
    add((GRAND_FINAL, 1, 1), ("winner", (WINNERS, k, 1)), last_loser)

    def resolve(feeder: Feeder) -> Feeder:
        """The feeder once skipped matches are seen through; None: nobody ever comes."""
        if feeder is None or feeder[0] == "seed":
            return feeder
        kind, key = feeder
        a, b = feeders[key]
        if kind == "loser":  # only winners-bracket matches lose a team to another match
            return None if b is None else feeder
        if key[0] != LOSERS:
            return feeder
        a, b = resolve(a), resolve(b)
        if a is not None and b is not None:
            return feeder
        return a if b is None else b

    resolved = {key: (resolve(a), resolve(b)) for key, (a, b) in feeders.items()}
    kept = [key for key in order if key[0] != LOSERS or (resolved[key][0] is not None and resolved[key][1] is not None)]
    renamed = _renumbered(kept)
    slots = {renamed[key]: BracketSlot(key=renamed[key]) for key in kept}
    for key in kept:
        slot = slots[renamed[key]]
        for side, feeder in zip("ab", resolved[key], strict=True):
            if feeder is None:
                slot.bye = True  # only a winners round-1 match keeps an empty side
            elif feeder[0] == "seed":
                setattr(slot, f"team_{side}", feeder[1])
            elif feeder[0] == "winner":
                slots[renamed[feeder[1]]].winner_to = (renamed[key], side)
            else:
                slots[renamed[feeder[1]]].loser_to = (renamed[key], side)
    for slot in slots.values():  # a bye's winner is known: it already sits in its next match
        if slot.bye and slot.winner_to is not None:
            target, side = slot.winner_to
            setattr(slots[target], f"team_{side}", slot.team_a)
    return [slots[renamed[key]] for key in kept]


def _renumbered(keys: Sequence[Key]) -> dict[Key, Key]:
    """Rounds and positions counted again per bracket over the matches kept, in their order."""
    rounds: dict[tuple[str, int], int] = {}
    positions: dict[tuple[str, int], int] = defaultdict(int)
    renamed = {}
    for bracket, round_, position in sorted(keys):
        new_round = rounds.setdefault((bracket, round_), sum(b == bracket for b, _ in rounds) + 1)
        positions[(bracket, new_round)] += 1
        renamed[(bracket, round_, position)] = (bracket, new_round, positions[(bracket, new_round)])
    return renamed


def double_elimination_placements(
    *, rows: Iterable[tuple[str, int, int | None, int | None, int | None]], grand_final_reset: bool
) -> dict[int, int]:
    """Placements decided so far, from (bracket, round, team_a, team_b, winner) of every match.

    The champion 1 and the grand final's loser 2, once the grand final decided (with
    ``grand_final_reset``, a first grand final won by the losers bracket's team, slot
    b, is followed by a second that decides). A team out in losers round j places
    after every team still in when it lost: 3 for the losers final's loser, then
    3 + the matches of the losers rounds after j (8 teams: 3, 4, 5, 5, 7, 7).
    """
    rows = list(rows)
    losers_rounds: dict[int, int] = defaultdict(int)
    for bracket, round_, *_ in rows:
        if bracket == LOSERS:
            losers_rounds[round_] += 1
    placements: dict[int, int] = {}
    for bracket, round_, team_a, team_b, winner in rows:
        if winner is None or team_a is None or team_b is None:
            continue
        loser = team_b if winner == team_a else team_a
        if bracket == LOSERS:
            placements[loser] = 3 + sum(count for later, count in losers_rounds.items() if later > round_)
        elif bracket == GRAND_FINAL and (round_ == 2 or winner == team_a or not grand_final_reset):
            placements[winner], placements[loser] = 1, 2
    return placements
