"""Test data builders. They go through the services, like every other entry point."""

from __future__ import annotations

import itertools

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import user_create

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"


def user(*, username: str | None = None, is_staff: bool = False):
    created, _token = user_create(username=username or f"player{next(_seq)}", password=PASSWORD, is_staff=is_staff)
    return created


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def team(*, captain=None, size: int = 1, tag: str | None = None):
    """A team whose captain is its first member, plus ``size - 1`` fresh members."""
    from teams.models import Membership, Team

    number = next(_seq)
    captain = captain or user()
    created = Team.objects.create(name=f"Team {number}", tag=tag or f"T{number}", captain=captain)
    Membership.objects.create(team=created, user=captain, role=Membership.Role.CAPTAIN)
    Membership.objects.bulk_create(
        Membership(team=created, user=user(), role=Membership.Role.MEMBER) for _ in range(size - 1)
    )
    return created


def tournament(*, organizer=None, status: str = "registration_open", **fields):
    from tournaments.models import Tournament

    defaults = {"name": f"Cup {next(_seq)}", "game": "chess", "max_teams": 16, "team_size": 1}
    defaults.update(fields)
    return Tournament.objects.create(organizer=organizer or user(is_staff=True), status=status, **defaults)


def confirmed_registration(*, tournament, team):
    """A confirmed registration with its roster, written directly (for tests that need one as given)."""
    from tournaments.models import Registration, RosterEntry

    registration = Registration.objects.create(
        tournament=tournament, team=team, status="confirmed", registered_by=team.captain
    )
    RosterEntry.objects.bulk_create(
        RosterEntry(registration=registration, tournament=tournament, user_id=user_id)
        for user_id in team.memberships.values_list("user_id", flat=True)
    )
    return registration
