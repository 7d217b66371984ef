from datetime import timedelta

import pytest
from django.utils import timezone

from config.errors import status_for
from core.errors import DomainError
from tests import factories
from tournaments.models import Season, Tournament
from tournaments.services import tournament_close, tournament_create, tournament_open

pytestmark = pytest.mark.django_db


def _code(call, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value.code, status_for(caught.value)


def test_create_starts_in_draft_with_defaults(organizer):
    tournament = tournament_create(organizer=organizer, name="Cup", game="chess", max_teams=8, team_size=5)
    assert (tournament.status, tournament.entry_fee, tournament.season_id) == ("draft", 0, None)
    assert (tournament.registration_opens_at, tournament.registration_closes_at) == (None, None)
    assert tournament.organizer_id == organizer.pk


def test_create_needs_an_organizer(captain):
    kwargs = {"organizer": captain, "name": "Cup", "game": "chess", "max_teams": 8, "team_size": 5}
    assert _code(tournament_create, **kwargs) == ("organizer_only", 403)
    assert Tournament.objects.count() == 0


def test_create_refuses_a_window_that_closes_before_it_opens(organizer):
    now = timezone.now()
    kwargs = {"name": "Cup", "game": "chess", "max_teams": 8, "team_size": 5}
    window = {"registration_opens_at": now, "registration_closes_at": now - timedelta(minutes=1)}
    assert _code(tournament_create, organizer=organizer, **kwargs, **window) == ("invalid_window", 400)
    assert Tournament.objects.count() == 0


def test_create_with_unknown_season_is_not_found(organizer):
    kwargs = {"name": "Cup", "game": "chess", "max_teams": 8, "team_size": 5, "season_id": 999}
    assert _code(tournament_create, organizer=organizer, **kwargs) == ("season_not_found", 404)
    assert Tournament.objects.count() == 0


def test_create_in_a_season(organizer):
    season = Season.objects.create(name="Spring")
    tournament = tournament_create(
        organizer=organizer, name="Cup", game="chess", max_teams=8, team_size=5, season_id=season.pk
    )
    assert tournament.season_id == season.pk


def test_open_then_close(organizer):
    tournament = factories.tournament(organizer=organizer, status="draft")
    assert tournament_open(actor=organizer, tournament_id=tournament.pk).status == "registration_open"
    assert tournament_close(actor=organizer, tournament_id=tournament.pk).status == "registration_closed"


@pytest.mark.parametrize("status", ["registration_open", "registration_closed", "live", "cancelled"])
def test_open_only_from_draft(organizer, status):
    tournament = factories.tournament(organizer=organizer, status=status)
    assert _code(tournament_open, actor=organizer, tournament_id=tournament.pk) == ("invalid_status_transition", 409)
    assert Tournament.objects.get().status == status


@pytest.mark.parametrize("status", ["draft", "registration_closed", "live", "completed"])
def test_close_only_from_registration_open(organizer, status):
    tournament = factories.tournament(organizer=organizer, status=status)
    assert _code(tournament_close, actor=organizer, tournament_id=tournament.pk) == ("invalid_status_transition", 409)
    assert Tournament.objects.get().status == status


def test_transitions_need_an_organizer(organizer, captain):
    tournament = factories.tournament(organizer=organizer, status="draft")
    assert _code(tournament_open, actor=captain, tournament_id=tournament.pk) == ("organizer_only", 403)
    assert Tournament.objects.get().status == "draft"


def test_transition_of_unknown_tournament_is_not_found(organizer):
    assert _code(tournament_open, actor=organizer, tournament_id=12345) == ("tournament_not_found", 404)
