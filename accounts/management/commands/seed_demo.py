"""Idempotent demo data, and how to try every endpoint with it.

Every write goes through the services, like any other entry point. Running it twice
changes nothing. Tokens are fixed so the printed curl lines work as they are; the
command therefore refuses to run in production or against a database that is not on
this machine, and a production server refuses to start while any of it exists
(deploy/asgi.py, docs/security.md "Demo data").
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from rest_framework.authtoken.models import Token

from accounts.services import user_create
from economy.services import wallet_credit
from teams.models import Team
from teams.services import team_create, team_invite_accept, team_invite_create
from tournaments.models import Registration, Tournament
from tournaments.services import registration_create, tournament_create, tournament_open

PASSWORD = "arena-demo-password"  # noqa: S105 (demo data, refused in production)
ORGANIZER = "organizer"
TEAMS = {  # tag: (captain, member)
    "ALPHA": ("alice", "amir"),
    "BRAVO": ("bob", "bea"),
    "CHARL": ("carol", "chen"),
    "DELTA": ("dave", "dara"),
}
REGISTERED = ("ALPHA", "BRAVO")  # CHARL and DELTA are left for you to register
TOURNAMENT = "Demo Cup"
COINS = 10_000


def _user(username: str, *, is_staff: bool = False):
    User = get_user_model()
    user = (
        User.objects.filter(username=username).first()
        or user_create(username=username, password=PASSWORD, is_staff=is_staff)[0]
    )
    # A known token per demo user, so the printed commands work as printed.
    Token.objects.filter(user=user).exclude(key=f"demo-{username}".ljust(40, "0")).delete()
    Token.objects.get_or_create(user=user, defaults={"key": f"demo-{username}".ljust(40, "0")})
    wallet_credit(user=user, amount=COINS, kind="grant", reference=f"seed_demo:grant:{username}")
    return user


def _team(tag: str, captain_name: str, member_name: str) -> Team:
    captain, member = _user(captain_name), _user(member_name)
    team = Team.objects.filter(tag=tag).first() or team_create(captain=captain, name=f"Team {tag.title()}", tag=tag)
    if not team.memberships.filter(user=member).exists():
        # The way players join: the captain invites, the member accepts.
        invite = team_invite_create(actor=captain, team_id=team.pk, user_id=member.pk)
        team_invite_accept(actor=member, invite_id=invite.pk)
    return team


def _tournament(organizer) -> Tournament:
    tournament = Tournament.objects.filter(name=TOURNAMENT).first()
    if tournament is None:
        tournament = tournament_create(
            organizer=organizer, name=TOURNAMENT, game="chess", max_teams=8, team_size=2, entry_fee=100
        )
    if tournament.status == Tournament.Status.DRAFT:
        tournament = tournament_open(actor=organizer, tournament_id=tournament.pk)
    return tournament


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})
DEMO_USERNAMES = (ORGANIZER, *(name for pair in TEAMS.values() for name in pair))


def database_is_local() -> bool:
    """SQLite, or PostgreSQL over loopback or a Unix socket ("" or a path): a developer's own database."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return True
    host = str(database.get("HOST") or "")
    return host in LOCAL_HOSTS or host.startswith("/")


class Command(BaseCommand):
    help = "Create (idempotently) demo users, teams, wallets and an open tournament; print how to try the API."

    def handle(self, *args, **options) -> None:
        if settings.ENVIRONMENT == "production":
            raise CommandError("seed_demo writes users with known passwords and tokens; not in production.")
        if not database_is_local():
            raise CommandError(
                "seed_demo writes users with known passwords and tokens; it only runs against SQLite "
                "or a PostgreSQL on this machine (localhost), never a remote database."
            )
        # One transaction per step, not one around everything: a registration locks its
        # tournament, which must never come after a wallet lock in the same transaction
        # (core.locking.LOCK_ORDER). Each step is idempotent, so a rerun completes.
        organizer = _user(ORGANIZER, is_staff=True)
        teams = {tag: _team(tag, *names) for tag, names in TEAMS.items()}
        tournament = _tournament(organizer)
        for tag in REGISTERED:
            if not Registration.objects.filter(tournament=tournament, team=teams[tag]).exists():
                registration_create(user=teams[tag].captain, tournament_id=tournament.pk, team_id=teams[tag].pk)
        if options["verbosity"] >= 1:
            self._print_howto(tournament, teams)

    def _print_howto(self, tournament: Tournament, teams: dict[str, Team]) -> None:
        base = "http://127.0.0.1:8000"
        carol = "demo-carol".ljust(40, "0")
        orga = "demo-organizer".ljust(40, "0")
        bob = get_user_model().objects.get(username="bob")
        lines = [
            self.style.SUCCESS(f"Demo data ready: tournament {tournament.pk} '{tournament.name}' is open."),
            f"Users (password {PASSWORD!r}): organizer (staff),",
            "  captains alice/bob/carol/dave, members amir/bea/chen/dara.",
            "Each token is 'demo-<username>' padded with zeros to 40 characters.",
            "",
            "Try it:",
            f"  curl -s {base}/healthz",
            f"  curl -s -H 'Authorization: Token {carol}' {base}/api/auth/me/",
            f"  curl -s -X POST -H 'Authorization: Token {carol}' -H 'Content-Type: application/json' "
            f'-d \'{{"tournament_id": {tournament.pk}, "team_id": {teams["CHARL"].pk}}}\' '
            f"{base}/api/tournaments/register/",
            f"  curl -s -H 'Authorization: Token {orga}' "
            f"'{base}/api/tournaments/{tournament.pk}/registrations/?status=pending,confirmed'",
            f"  curl -s -X POST -H 'Authorization: Token {carol}' -H 'Content-Type: application/json' "
            f"-H 'Idempotency-Key: demo-1' -d '{{\"to_user_id\": {bob.pk}, \"amount\": 250}}' "
            f"{base}/api/economy/transfers/",
            f"  curl -s -H 'Authorization: Token {carol}' {base}/api/economy/wallet/",
            "",
            "Webhooks (the organizer's; a receiver of yours, on loopback here, gets every event signed,",
            "in order, within a second: docs/webhooks.md) and certificates (after a finalization):",
            f"  curl -s -X POST -H 'Authorization: Token {orga}' -H 'Content-Type: application/json' "
            f'-d \'{{"url": "http://127.0.0.1:9000/hook", "events": ["registration.created"]}}\' '
            f"{base}/api/tournaments/{tournament.pk}/webhooks/",
            f"  curl -s -H 'Authorization: Token {carol}' {base}/api/certificates/",
            "",
            "Watch the tournament live:",
            f"  browser:   sign in at {base}/admin/ (organizer), then open {base}/tournaments/{tournament.pk}/live/",
            f"  websocket: curl -s -X POST -H 'Authorization: Token {carol}' {base}/api/realtime/tickets/",
            f"             then ws://127.0.0.1:8000/ws/tournaments/{tournament.pk}/?ticket=<ticket>&since=0",
            "             (a ticket opens one socket within 30 s; send an Origin header, e.g.",
            "             Origin: http://127.0.0.1:8000; browsers do)",
            f"API docs: {base}/api/docs/",
        ]
        self.stdout.write("\n".join(lines))
