"""``tournaments.formats``: round-robin pairings and standings, as pure functions.

Property tests (hypothesis) over random sizes and results; the hand-computed 6-team
table through the API is ``apis/test_round_robin.py``.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tournaments import formats
from tournaments.formats import Result


@given(teams=st.integers(min_value=2, max_value=17), legs=st.sampled_from([1, 2]))
def test_every_pair_meets_once_per_leg_and_nobody_plays_twice_in_a_round(teams, legs):
    ids = list(range(100, 100 + teams))
    pairings = formats.round_robin_pairings(ids, legs=legs)
    met = Counter(frozenset((a, b)) for _, _, a, b in pairings)
    assert set(met) == {frozenset(pair) for pair in combinations(ids, 2)}
    assert set(met.values()) == {legs}
    rounds = {round_ for round_, *_ in pairings}
    assert rounds == set(range(1, legs * (teams - 1 + teams % 2) + 1))
    for round_ in rounds:
        playing = [team for r, _, a, b in pairings if r == round_ for team in (a, b)]
        assert len(playing) == len(set(playing))
        positions = [position for r, position, *_ in pairings if r == round_]
        assert positions == list(range(1, len(positions) + 1))
    if legs == 2:  # the second leg swaps sides
        half = len(pairings) // 2
        assert [(b, a) for *_, a, b in pairings[half:]] == [(a, b) for *_, a, b in pairings[:half]]


outcomes = st.sampled_from([(2, 0), (0, 2), (1, 1), (3, 1), (0, 0)])


@given(teams=st.integers(min_value=2, max_value=10), data=st.data())
def test_any_results_give_one_complete_table(teams, data):
    ids = list(range(1, teams + 1))
    results = []
    for _, _, a, b in formats.round_robin_pairings(ids):
        score_a, score_b = data.draw(outcomes)
        winner = None if score_a == score_b else a if score_a > score_b else b
        results.append(Result(a, b, winner, score_a, score_b))
    table = formats.standings_compute(results=results, seeds=ids)
    assert sorted(standing.team_id for standing in table) == ids
    ranks = [standing.rank for standing in table]
    assert ranks == sorted(ranks)
    assert ranks[0] == 1
    assert all(standing.played == teams - 1 for standing in table)
    draws = sum(result.winner_id is None for result in results)
    assert sum(standing.points for standing in table) == 3 * (len(results) - draws) + 2 * draws
    assert len(set(ranks)) == teams  # seed is the last tiebreaker: no two teams share a rank
    points = [standing.points for standing in table]
    assert points == sorted(points, reverse=True)


def test_a_three_way_tie_is_settled_by_its_own_mini_league_then_game_differential():
    # 1 beats 2, 2 beats 3, 3 beats 1: level on head-to-head too. All beat 4, by different margins.
    results = [
        Result(1, 2, 1, 1, 0),
        Result(2, 3, 2, 1, 0),
        Result(3, 1, 3, 1, 0),
        Result(1, 4, 1, 1, 0),
        Result(2, 4, 2, 3, 0),
        Result(3, 4, 3, 2, 0),
    ]
    table = formats.standings_compute(results=results, seeds=[1, 2, 3, 4])
    assert [(s.team_id, s.rank) for s in table] == [(2, 1), (3, 2), (1, 3), (4, 4)]
    assert table[0].tiebreaks == {"points": 6, "head_to_head": 3, "game_differential": 3}


def test_teams_level_on_every_tiebreaker_share_a_rank():
    results = [Result(1, 2, None, 1, 1)]
    table = formats.standings_compute(results=results, seeds=[1, 2], tiebreakers=["points", "games_won"])
    assert [(s.team_id, s.rank) for s in table] == [(1, 1), (2, 1)]


def test_elimination_placements_are_decided_as_the_bracket_goes():
    rows = [(1, 1, 4, 1), (1, 2, 3, 3), (2, 1, 3, None)]  # semis played, final open
    assert formats.elimination_placements(results=rows) == {4: 3, 2: 3}
    assert formats.elimination_placements(results=[*rows[:2], (2, 1, 3, 3)]) == {4: 3, 2: 3, 1: 2, 3: 1}


@pytest.mark.parametrize("value", [["points", "buchholz"], ["seed", "seed"]])
def test_unknown_or_repeated_tiebreakers_are_refused(value):
    with pytest.raises(formats.InvalidTiebreakers):
        formats.tiebreakers_check(value)


@given(teams=st.integers(min_value=2, max_value=24), data=st.data())
def test_swiss_never_repeats_a_pairing_and_gives_each_bye_once(teams, data):
    ids = list(range(1, teams + 1))
    results: list[Result] = []
    played: set[frozenset[int]] = set()
    had_bye: set[int] = set()
    for _ in range(formats.swiss_rounds_default(teams)):
        table = formats.standings_compute(results=results, seeds=ids, tiebreakers=formats.DEFAULT_SWISS_TIEBREAKERS)
        pairs, bye = formats.swiss_pairings(
            ranked=[(s.team_id, s.points) for s in table], played=played, had_bye=had_bye
        )
        in_round = [team for pair in pairs for team in pair] + ([bye] if bye is not None else [])
        assert sorted(in_round) == ids  # everyone once: a match or the bye
        assert not {frozenset(pair) for pair in pairs} & played
        assert bye is None or bye not in had_bye
        for a, b in pairs:
            score_a, score_b = data.draw(outcomes)
            results.append(
                Result(a, b, None if score_a == score_b else a if score_a > score_b else b, score_a, score_b)
            )
            played.add(frozenset((a, b)))
        if bye is not None:
            results.append(Result(bye, None, bye, None, None))
            had_bye.add(bye)
    table = formats.standings_compute(results=results, seeds=ids, tiebreakers=formats.DEFAULT_SWISS_TIEBREAKERS)
    assert sorted(s.team_id for s in table) == ids


def _play_double_elimination(slots, *, a_wins, reset: bool):
    """Play a ``double_elimination_bracket`` in its order, as ``services.matches`` does:
    ``a_wins()`` decides each match; returns (rows for the placements, losses by team)."""
    teams = {slot.key: [slot.team_a, slot.team_b] for slot in slots}
    rows: list[tuple] = []
    losses: Counter[int] = Counter()
    for slot in slots:
        a, b = teams[slot.key]
        if slot.bye:
            rows.append((*slot.key, a, None, a))
            continue
        assert a is not None, slot  # every saved match gets both its teams before it is played
        assert b is not None, slot
        winner, loser = (a, b) if a_wins() else (b, a)
        rows.append((*slot.key, a, b, winner))
        losses[loser] += 1
        for destination, team in ((slot.winner_to, winner), (slot.loser_to, loser)):
            if destination is not None:
                key, side = destination
                assert teams[key]["ab".index(side)] is None, "a slot is filled twice"
                teams[key]["ab".index(side)] = team
    final = rows[-1]
    if reset and final[-1] == final[4]:  # the losers bracket's champion won: the second grand final
        winner, loser = (final[3], final[4]) if a_wins() else (final[4], final[3])
        rows.append(("grand_final", 2, 1, final[3], final[4], winner))
        losses[loser] += 1
    return rows, losses


@given(teams=st.integers(min_value=2, max_value=40), reset=st.booleans(), data=st.data())
def test_double_elimination_ends_with_one_champion_and_everyone_else_out_on_two_losses(teams, reset, data):
    ids = list(range(100, 100 + teams))
    slots = formats.double_elimination_bracket(ids)
    order = {slot.key: index for index, slot in enumerate(slots)}
    for slot in slots:  # destinations come later: saved in this order, they get higher pks
        for destination in (slot.winner_to, slot.loser_to):
            assert destination is None or order[destination[0]] > order[slot.key]
    rows, losses = _play_double_elimination(slots, a_wins=lambda: data.draw(st.booleans()), reset=reset)
    placements = formats.double_elimination_placements(
        rows=[(bracket, round_, a, b, winner) for bracket, round_, _, a, b, winner in rows], grand_final_reset=reset
    )
    champions = [team for team, place in placements.items() if place == 1]
    assert len(champions) == 1
    assert losses[champions[0]] <= 1
    assert set(placements) == set(ids)  # every team placed
    for team in ids:
        if team != champions[0]:
            # Out on the second loss, except the grand final's loser without a reset.
            assert losses[team] == 2 or (not reset and placements[team] == 2 and losses[team] >= 1)
    for bracket, round_ in {(row[0], row[1]) for row in rows}:  # nobody plays twice in one round
        playing = [team for row in rows if row[:2] == (bracket, round_) for team in row[3:5] if team is not None]
        assert len(playing) == len(set(playing))
    # A place is one more than the number of teams placed ahead (teams out together share it).
    places = list(placements.values())
    assert all(place == 1 + sum(other < place for other in places) for place in places)


def test_a_double_elimination_bracket_of_eight_has_six_losers_matches_in_four_rounds():
    slots = formats.double_elimination_bracket(list(range(1, 9)))
    assert Counter(slot.key[:2] for slot in slots if slot.key[0] == "losers") == {
        ("losers", 1): 2, ("losers", 2): 2, ("losers", 3): 1, ("losers", 4): 1,
    }  # fmt: skip
