"""Who may do what to a live tournament, persona by persona (issue 16's "Prove").

Six personas against every operation of a running tournament: the captain of a team in
the match, a member of that team, a player invited to it but not yet a member, an
outsider, the organizer, and another staff member (staff moderate every tournament,
``tournaments.policies``). A refusal is a JSON error with a code and writes nothing:
the whole tournament's state, audit trail included, is the same before and after.
"""

from __future__ import annotations

import json

import pytest

from realtime import channels, events
from realtime.selectors import event_history_list
from teams.models import Membership, TeamInvite
from teams.services import team_invite_create
from tests import factories
from tests.tournaments.builders import match_at
from tournaments.models import (
    AuditEntry,
    Match,
    MatchSubstitution,
    Registration,
    ResultReport,
    RosterEntry,
    Tournament,
)
from tournaments.services.matches import match_result_submit, tournament_start

PERSONAS = ["captain", "member", "invited", "outsider", "organizer", "other_staff"]
RUNS_IT = {"organizer", "other_staff"}


@pytest.fixture
def cup(organizer):
    """A live 4-team cup whose first semi-final is played by two teams of two."""
    tournament = factories.tournament(organizer=organizer, max_teams=4, max_substitutes=1)
    teams = [factories.team(size=2) for _ in range(4)]
    for team in teams:  # the captain starts; the other member is the substitute
        registration = factories.confirmed_registration(tournament=tournament, team=team)
        RosterEntry.objects.filter(registration=registration).exclude(user_id=team.captain_id).update(role="substitute")
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    semi = match_at(tournament, 1, 1)
    team = semi.team_a
    invited = factories.user()
    team_invite_create(actor=team.captain, team_id=team.pk, user_id=invited.pk)
    people = {
        "captain": team.captain,
        "member": Membership.objects.filter(team=team).exclude(user=team.captain).get().user,
        "invited": invited,
        "outsider": factories.user(),
        "organizer": organizer,
        "other_staff": factories.user(is_staff=True),
    }
    return tournament, semi, people


def state(tournament):
    """Everything an operation on ``tournament`` could write."""
    return (
        Tournament.objects.filter(pk=tournament.pk).values_list("status", "cancel_reason").get(),
        list(Match.objects.filter(tournament=tournament).order_by("pk").values_list()),
        list(ResultReport.objects.filter(match__tournament=tournament).order_by("pk").values_list()),
        list(Registration.objects.filter(tournament=tournament).order_by("pk").values_list("status", "checked_in_at")),
        AuditEntry.objects.filter(tournament=tournament).count(),
        list(Membership.objects.order_by("pk").values_list()),
        list(TeamInvite.objects.order_by("pk").values_list("status")),
        list(MatchSubstitution.objects.filter(match__tournament=tournament).values_list()),
        list(RosterEntry.objects.filter(tournament=tournament).order_by("pk").values_list("user_id", "role", "active")),
    )


def awaiting(semi):
    match_result_submit(match_id=semi.pk, actor=semi.team_a.captain, score_a=2, score_b=0)


def disputed(semi):
    awaiting(semi)
    match_result_submit(match_id=semi.pk, actor=semi.team_b.captain, score_a=0, score_b=2)


# operation: (set-up of the semi-final, path, body, who may, status when allowed)
OPERATIONS = {
    "forfeit": (None, "/api/matches/{match}/forfeit/", lambda semi: {"team_id": semi.team_a_id}, {"captain"} | RUNS_IT),
    "override": (
        None,
        "/api/matches/{match}/override/",
        lambda semi: {"score_a": 0, "score_b": 1, "reason": "ineligible player"},
        RUNS_IT,
    ),
    "reset": (awaiting, "/api/matches/{match}/reset/", lambda semi: {}, RUNS_IT),
    "resolve": (disputed, "/api/matches/{match}/resolve/", lambda semi: {"score_a": 1, "score_b": 0}, RUNS_IT),
    "cancel": (None, "/api/tournaments/{tournament}/cancel/", lambda semi: {"reason": "venue lost"}, RUNS_IT),
    "report": (None, "/api/matches/{match}/result/", lambda semi: {"score_a": 1, "score_b": 0}, {"captain"}),
    "substitute": (
        None,
        "/api/matches/{match}/substitutions/",
        lambda semi: {
            "player_out": semi.team_a.captain_id,
            "player_in": Membership.objects.filter(team=semi.team_a).exclude(user=semi.team_a.captain).get().user_id,
        },
        {"captain"},
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_each_persona_may_do_exactly_what_its_role_allows(cup, operation, persona):
    tournament, semi, people = cup
    prepare, path, body, allowed = OPERATIONS[operation]
    if prepare is not None:
        prepare(semi)
    before = state(tournament)
    url = path.format(match=semi.pk, tournament=tournament.pk)
    response = factories.client_for(people[persona]).post(url, body(semi), format="json")
    if persona in allowed:
        assert response.status_code in (200, 201), response.json()
        assert AuditEntry.objects.filter(tournament=tournament).count() == before[4] + 1
    else:
        assert response.status_code == 403, response.json()
        assert response.json()["code"] in {"not_organizer", "not_match_captain"}
        assert response.json()["detail"]
        assert state(tournament) == before


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_anonymous_is_401_and_writes_nothing(cup, anon_client, operation):
    tournament, semi, _ = cup
    _, path, body, _ = OPERATIONS[operation]
    before = state(tournament)
    response = anon_client.post(path.format(match=semi.pk, tournament=tournament.pk), body(semi), format="json")
    assert response.status_code == 401
    assert response.json()["code"]
    assert state(tournament) == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("operation", ["forfeit", "override", "cancel"])
def test_an_unreachable_redis_does_not_fail_an_operation_and_its_event_is_kept(
    organizer, settings, monkeypatch, operation
):
    """Events go to the outbox in the operation's transaction; delivery after commit may
    fail (Redis down) without failing the write, and the relays deliver from the outbox."""
    tournament = factories.tournament(organizer=organizer, max_teams=2)
    for team in (factories.team(), factories.team()):
        factories.confirmed_registration(tournament=tournament, team=team)
    tournament_start(tournament_id=tournament.pk, actor=organizer)
    final = match_at(tournament, 1, 1)
    _, path, body, _ = OPERATIONS[operation]
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    channels.sync_redis.cache_clear()
    monkeypatch.setattr(events, "_redis_skip_until", 0.0)
    try:
        response = factories.client_for(organizer).post(
            path.format(match=final.pk, tournament=tournament.pk), body(final), format="json"
        )
    finally:
        channels.sync_redis.cache_clear()
    assert response.status_code == 200, response.json()
    kept = [json.loads(text)["type"] for _, text in event_history_list(tournament_id=tournament.pk, since=0)]
    assert (
        kept[-1]
        == {"forfeit": "match.forfeited", "override": "match.overridden", "cancel": "tournament.cancelled"}[operation]
    )
