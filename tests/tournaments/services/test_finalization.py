"""tournament_finalize: placements, rewards, ratings, badges, idempotency, query counts."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import Conflict, Forbidden, NotFound, Unprocessable
from economy.models import LedgerEntry, LedgerTransaction, Wallet
from economy.services import treasury_get
from perf.scenarios.finalization import finished_tournament_build
from tournaments.awards import BracketMatch, placements_compute
from tournaments.models import (
    Match,
    PlayerSkill,
    Season,
    Tournament,
    TournamentBadge,
    TournamentParticipation,
)
from tournaments.services.finalization import tournament_finalize

pytestmark = pytest.mark.django_db


def _teams_by_seed(tournament: Tournament) -> list[int]:
    """Team ids in bracket order (round 1, position order, team a then b)."""
    first_round = Match.objects.filter(tournament=tournament, round=1).order_by("position")
    return [team for match in first_round for team in (match.team_a_id, match.team_b_id) if team is not None]


def _players(tournament: Tournament, team_id: int) -> list[int]:
    return sorted(tournament.registrations.get(team_id=team_id).roster.values_list("user_id", flat=True))


def _balances(user_ids: list[int]) -> dict[int, int]:
    return dict(Wallet.objects.filter(user_id__in=user_ids).values_list("user_id", "balance"))


def _written() -> tuple[int, ...]:
    return (
        TournamentParticipation.objects.count(),
        TournamentBadge.objects.count(),
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        PlayerSkill.objects.count(),
    )


@pytest.fixture
def finished(organizer):
    return finished_tournament_build(organizer=organizer, teams=4, team_size=2)


def test_placements_of_an_eight_team_bracket():
    # Round 1: 1>2, 3>4, 5>6, 7>8; round 2: 1>3, 5>7; final: 1>5.
    bracket = [
        BracketMatch(1, 1, 2, 1, "confirmed"),
        BracketMatch(1, 3, 4, 3, "confirmed"),
        BracketMatch(1, 5, 6, 5, "confirmed"),
        BracketMatch(1, 7, 8, 7, "confirmed"),
        BracketMatch(2, 1, 3, 1, "confirmed"),
        BracketMatch(2, 5, 7, 5, "confirmed"),
        BracketMatch(3, 1, 5, 1, "confirmed"),
    ]
    assert placements_compute(bracket=bracket, team_ids=range(1, 10)) == {
        1: 1,
        5: 2,
        3: 3,
        7: 3,
        2: 5,
        4: 5,
        6: 5,
        8: 5,
        9: 5,  # confirmed but never played: with the first-round losers
    }


def test_finalize_places_teams_pays_players_and_writes_ratings(finished, organizer):
    a, b, c, d = _teams_by_seed(finished)  # a beat b, c beat d, a beat c in the final
    treasury_get()

    result = tournament_finalize(tournament_id=finished.pk, actor=organizer)

    assert result.placements == {a: 1, c: 2, b: 3, d: 3}
    assert (result.players_rewarded, result.xp_awarded, result.coins_awarded) == (8, 2400, 4000)
    finished.refresh_from_db()
    assert finished.status == "rewards_distributed"
    expected = {a: (1, 500, 1000, 1532), c: (2, 300, 500, 1500), b: (3, 200, 250, 1484), d: (3, 200, 250, 1484)}
    for team, (placement, xp, coins, rating) in expected.items():
        players = _players(finished, team)
        assert _balances(players) == dict.fromkeys(players, coins)
        rows = TournamentParticipation.objects.filter(tournament=finished, user_id__in=players)
        assert {(p.placement, p.xp_awarded, p.coins_awarded, p.rating_before, p.rating_after) for p in rows} == {
            (placement, xp, coins, 1500, rating)
        }
        skills = PlayerSkill.objects.filter(user_id__in=players)
        assert {(s.rating, s.xp, s.tournaments_played, s.version) for s in skills} == {(rating, xp, 1, 1)}
    references = set(LedgerTransaction.objects.filter(kind="reward").values_list("reference", flat=True))
    assert references == {
        f"reward:{finished.pk}:{user_id}" for team in (a, b, c, d) for user_id in _players(finished, team)
    }
    assert Wallet.objects.get(is_treasury=True).balance == -4000


def test_finalize_awards_badges_once_behind_the_constraint(finished, organizer):
    a, b, c, d = _teams_by_seed(finished)
    tournament_finalize(tournament_id=finished.pk, actor=organizer)
    badges = set(TournamentBadge.objects.values_list("user_id", "badge_type"))
    first = {(user_id, "first_tournament") for team in (a, b, c, d) for user_id in _players(finished, team)}
    champions = {(user_id, "champion") for user_id in _players(finished, a)}
    finalists = {(user_id, "finalist") for user_id in _players(finished, c)}
    assert badges == first | champions | finalists


@pytest.mark.parametrize(("history", "badge"), [(4, "five_tournaments"), (9, "ten_tournaments")])
def test_milestone_badges(organizer, history, badge):
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=1, history=history)
    tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert TournamentBadge.objects.filter(tournament=tournament, badge_type=badge).count() == 2
    assert set(PlayerSkill.objects.values_list("tournaments_played", flat=True)) == {history + 1}


def test_second_finalization_is_refused_and_changes_nothing(finished, organizer):
    tournament_finalize(tournament_id=finished.pk, actor=organizer)
    before = (_written(), sorted(Wallet.objects.values_list("id", "balance")))
    with pytest.raises(Conflict) as refused:
        tournament_finalize(tournament_id=finished.pk, actor=organizer)
    assert refused.value.code == "already_finalized"
    assert (_written(), sorted(Wallet.objects.values_list("id", "balance"))) == before


def test_an_unconfirmed_match_refuses_and_writes_nothing(organizer):
    tournament = finished_tournament_build(organizer=organizer, teams=4, team_size=2, confirmed=False)
    before = _written()
    with pytest.raises(Conflict) as refused:
        tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert refused.value.code == "matches_not_confirmed"
    assert _written() == before
    assert Tournament.objects.get(pk=tournament.pk).status == "completed"


@pytest.mark.parametrize("status", ["draft", "registration_open", "registration_closed", "cancelled"])
def test_an_unfinished_tournament_is_refused(organizer, status):
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=1, status=status)
    with pytest.raises(Conflict) as refused:
        tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert refused.value.code == "tournament_not_finished"
    assert TournamentParticipation.objects.count() == 0


def test_unknown_tournament_and_foreign_organizer(finished, outsider):
    with pytest.raises(NotFound):
        tournament_finalize(tournament_id=finished.pk + 1000)
    with pytest.raises(Forbidden):
        tournament_finalize(tournament_id=finished.pk, actor=outsider)
    assert TournamentParticipation.objects.count() == 0


def test_reward_policy_overrides_defaults_per_key(organizer):
    tournament = finished_tournament_build(
        organizer=organizer, teams=2, team_size=1, reward_policy={"1": {"coins": 70}, "default": {"xp": 7}}
    )
    champion, finalist = _teams_by_seed(tournament)
    result = tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert (result.xp_awarded, result.coins_awarded) == (500 + 300, 70 + 500)
    assert _balances(_players(tournament, champion)) == dict.fromkeys(_players(tournament, champion), 70)


@pytest.mark.parametrize(
    "policy", [[], {"1": {"coins": -5}}, {"1": {"coins": 1.5}}, {"1": {"gems": 1}}, {"1": 3}, {"2": {"xp": True}}]
)
def test_invalid_reward_policy_is_refused_and_writes_nothing(organizer, policy):
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=1, reward_policy=policy)
    before = _written()
    with pytest.raises(Unprocessable) as refused:
        tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert refused.value.code == "invalid_reward_policy"
    assert _written() == before


def test_a_player_rewarded_before_is_not_paid_again(finished, organizer, lock_events):
    a, *_ = _teams_by_seed(finished)
    already = _players(finished, a)[0]
    TournamentParticipation.objects.create(
        user_id=already, tournament=finished, team_id=a, placement=1, rating_before=1500, rating_after=1500
    )
    result = tournament_finalize(tournament_id=finished.pk, actor=organizer)
    assert result.players_rewarded == 7
    assert _balances([already]) == {already: 0}
    assert not LedgerTransaction.objects.filter(reference=f"reward:{finished.pk}:{already}").exists()
    assert PlayerSkill.objects.get(user_id=already).tournaments_played == 0
    incidents = lock_events.of("lock_integrity_error")
    assert [(e["entity_type"], e["entity_id"]) for e in incidents] == [
        ("TournamentParticipation", finished.pk),  # the batch insert
        ("TournamentParticipation", already),  # then the one row that was there
    ]


def test_every_lock_site_emits_once_in_lock_order(organizer, lock_events):
    season = Season.objects.create(name="S")
    tournament = finished_tournament_build(organizer=organizer, teams=2, team_size=1, season=season)
    treasury_get()
    tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    sites = [(e["pipeline"], e["entity_type"], e["caller"], e["outcome"]) for e in lock_events.of("lock_released")]
    assert sites[:7] == [
        ("reward", "Season", "tournament_finalize", "committed"),
        ("reward", "Tournament", "tournament_finalize", "committed"),
        ("skill", "PlayerSkill", "tournament_finalize.skill_rows", "committed"),
        ("skill", "PlayerSkill", "tournament_finalize.skill_writeback", "committed"),
        ("reward", "TournamentParticipation", "tournament_finalize.idempotency_guard", "committed"),
        ("reward", "TournamentBadge", "tournament_finalize.badges", "committed"),
        ("economy", "Wallet", "tournament_finalize.rewards", "committed"),
    ]
    # Then the batch of credits: both players' wallets in one UPDATE, then the treasury;
    # last, the event's counter (the lock order's last rank), held only until COMMIT.
    assert [site[1:3] for site in sites[7:]] == [("Wallet", "tournament_finalize.rewards")] * 2 + [
        ("EventSequence", "publish:tournament.finalized")
    ]
    assert lock_events.of("lock_integrity_error") == []


@pytest.mark.parametrize("history", [1, 10, 100])
def test_query_count_does_not_grow_with_history(organizer, django_assert_num_queries, history):
    # Coins off: the count is the pipeline's own, not the economy's per-credit cost.
    policy = {key: {"coins": 0} for key in ("1", "2", "3", "default")}
    tournament = finished_tournament_build(
        organizer=organizer, teams=4, team_size=2, history=history, reward_policy=policy
    )
    # The service's savepoint (TestCase wraps it) + release, the unlocked read, the
    # tournament lock, bracket, roster, skill rows insert + lock, opponent history (one
    # grouped query), savepoint + participations + release, skill update, badges, the event,
    # the audit entry.
    with django_assert_num_queries(17):
        tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    assert TournamentParticipation.objects.filter(tournament=tournament).count() == 8


def test_opponent_history_scales_the_rating_change(organizer):
    # Past opponents averaged 1400 + 10 × their index: this field is weaker than 1500.
    strong = finished_tournament_build(organizer=organizer, teams=2, team_size=1)
    weak = finished_tournament_build(organizer=organizer, teams=2, team_size=1, history=3)
    tournament_finalize(tournament_id=strong.pk, actor=organizer)
    tournament_finalize(tournament_id=weak.pk, actor=organizer)
    no_history = set(TournamentParticipation.objects.filter(tournament=strong).values_list("rating_after", flat=True))
    with_history = set(TournamentParticipation.objects.filter(tournament=weak).values_list("rating_after", flat=True))
    assert no_history == {1516, 1484}  # K 32 × (1 - 0.5)
    # Winner (team 0) met team 1 (rated 1410 after): factor 0.94 → 15; loser met 1400: 0.9333 → 15.
    assert with_history == {1515, 1485}


def test_command_finalizes_and_reports(finished):
    from io import StringIO

    out = StringIO()
    call_command("finalize_tournament", str(finished.pk), stdout=out)
    assert out.getvalue() == f"Finalized tournament {finished.pk}: 8 player(s), 2400 XP, 4000 coins.\n"
    assert Tournament.objects.get(pk=finished.pk).status == "rewards_distributed"
    with pytest.raises(CommandError, match="already_finalized"):
        call_command("finalize_tournament", str(finished.pk), stdout=StringIO())


def test_command_dry_run_writes_nothing(finished):
    from io import StringIO

    before = _written()
    out = StringIO()
    with CaptureQueriesContext(connection):
        call_command("finalize_tournament", str(finished.pk), "--dry-run", stdout=out)
    assert out.getvalue().startswith(f"Would finalize tournament {finished.pk}: 8 player(s)")
    assert _written() == before
    assert Tournament.objects.get(pk=finished.pk).status == "completed"


def test_finalize_pays_the_prize_pool_to_the_champions(finished, organizer):
    """Issue 17: fees and what the organizer adds sit in the tournament's pool; the
    champions get all of it (equal shares, the remainder to the lowest user id)."""
    from economy.selectors import ledger_reconcile
    from economy.services import wallet_grant
    from tournaments.services.prize_pools import prize_pool_fund

    a, _b, _c, _d = _teams_by_seed(finished)
    treasury_get()
    wallet_grant(user=organizer, amount=1001)
    funding = prize_pool_fund(actor=organizer, tournament_id=finished.pk, amount=1001, idempotency_key="sponsor")
    assert (funding.amount, funding.prize_pool) == (1001, 1001)
    again = prize_pool_fund(actor=organizer, tournament_id=finished.pk, amount=1001, idempotency_key="sponsor")
    assert again.prize_pool == 1001  # the same key moves nothing more
    treasury = Wallet.objects.get(is_treasury=True).balance

    tournament_finalize(tournament_id=finished.pk, actor=organizer)

    champions = sorted(_players(finished, a))
    share, rest = divmod(1001, len(champions))
    finished.refresh_from_db()
    assert Wallet.objects.get(pk=finished.prize_pool_id).balance == 0
    from economy.models import LedgerEntry

    prizes = dict(
        LedgerEntry.objects.filter(kind="prize", amount__gt=0).values_list("transaction__reference", "amount")
    )
    assert prizes == {
        f"prize:{finished.pk}:{user_id}": share + (rest if index == 0 else 0) for index, user_id in enumerate(champions)
    }
    assert Wallet.objects.get(is_treasury=True).balance == treasury - 4000  # rewards only: prizes are the pool's
    assert ledger_reconcile().clean
