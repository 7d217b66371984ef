"""Notifications and certificates in one process: from the event log to the outbox and the storage.

The worker's side is called directly; tests/tasks/test_worker.py runs it in a real Celery worker.
"""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from notifications.models import Certificate, Notification
from notifications.services import certificate_render, notification_send, notifications_from_events
from realtime.models import EventCursor
from teams.models import Team
from tests import factories
from tests.tournaments.builders import disputed, match_at, report_both
from tournaments.services.finalization import tournament_finalize
from tournaments.services.matches import tournament_start
from tournaments.services.registrations import registration_create, registration_withdraw

pytestmark = pytest.mark.django_db


def _with_email(*users: User) -> None:
    for user in users:
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.com")


def _sent(kind: str) -> list[tuple[str, int]]:
    """(username, seq) of every notification of ``kind``, in order."""
    rows = Notification.objects.filter(kind=kind).order_by("seq", "user__username")
    return list(rows.values_list("user__username", "seq"))


def _member_ids(team: Team) -> list[int]:
    return sorted(User.objects.filter(memberships__team=team).values_list("pk", flat=True))


def _squad(name: str, size: int = 1) -> Team:
    team = factories.team(size=size)
    Team.objects.filter(pk=team.pk).update(name=name)
    _with_email(*User.objects.filter(memberships__team=team))
    team.refresh_from_db()
    return team


def test_registration_emails_its_team_whether_in_or_waitlisted_and_the_promoted_one(organizer):
    cup = factories.tournament(organizer=organizer, max_teams=2, team_size=2)
    first, second, third = (_squad(name, size=2) for name in ("Falcons", "Owls", "Ravens"))
    outcomes = [registration_create(user=t.captain, tournament_id=cup.pk, team_id=t.pk) for t in (first, second, third)]
    assert notifications_from_events() == 3
    confirmed = Notification.objects.filter(kind="registration_confirmed")
    assert sorted(confirmed.values_list("user_id", flat=True)) == sorted(_member_ids(first) + _member_ids(second))
    waitlisted = Notification.objects.filter(kind="registration_waitlisted")
    assert sorted(waitlisted.values_list("user_id", flat=True)) == _member_ids(third)
    assert {(n.subject, "Ravens" in n.body) for n in waitlisted} == {
        (f"{cup.name}: your team is on the waitlist", True)
    }

    registration_withdraw(user=second.captain, registration_id=outcomes[1].registration.pk)
    assert notifications_from_events() == 1
    promoted = Notification.objects.filter(kind="registration_promoted")
    assert sorted(promoted.values_list("user_id", flat=True)) == _member_ids(third)
    assert "Ravens moved up from the waitlist" in promoted[0].body


def test_reading_the_log_again_writes_nothing_twice(organizer):
    cup = factories.tournament(organizer=organizer)
    team = _squad("Falcons")
    registration_create(user=team.captain, tournament_id=cup.pk, team_id=team.pk)
    notifications_from_events()
    assert notifications_from_events() == 0  # the cursor moved
    EventCursor.objects.filter(consumer="notifications").update(seq=0)  # a dispatcher that read it before
    assert notifications_from_events() == 1
    assert Notification.objects.count() == 1


def test_players_without_an_email_address_get_none(organizer):
    cup = factories.tournament(organizer=organizer)
    team = factories.team()
    registration_create(user=team.captain, tournament_id=cup.pk, team_id=team.pk)
    assert notifications_from_events() == 1
    assert Notification.objects.count() == 0


def _started(organizer, *, names=("Falcons", "Owls", "Ravens", "Hawks")):
    """A live 4-team bracket whose players all have an email address."""
    cup = factories.tournament(organizer=organizer, max_teams=4)
    teams = [_squad(name) for name in names]
    for team in teams:
        factories.confirmed_registration(tournament=cup, team=team)
    tournament_start(tournament_id=cup.pk, actor=organizer)
    return cup, teams


def _captains(match) -> set[str]:
    return {match.team_a.captain.username, match.team_b.captain.username}


def test_the_start_and_each_advance_email_the_teams_whose_match_is_ready(organizer):
    tournament, teams = _started(organizer)
    notifications_from_events()
    assert {username for username, _ in _sent("match_ready")} == {team.captain.username for team in teams}
    Notification.objects.all().delete()

    report_both(match_at(tournament, 1, 1), 2, 0)  # the final has one team so far
    notifications_from_events()
    assert _sent("match_ready") == []
    report_both(match_at(tournament, 1, 2), 2, 0)
    notifications_from_events()
    final = match_at(tournament, 2, 1)
    assert {username for username, _ in _sent("match_ready")} == _captains(final)
    assert "round 2" in Notification.objects.filter(kind="match_ready").first().body


def test_a_disputed_result_emails_both_captains_and_the_organizer(organizer):
    tournament, _teams = _started(organizer)
    _with_email(organizer)
    notifications_from_events()
    semi = disputed(tournament)
    notifications_from_events()
    assert {username for username, _ in _sent("result_disputed")} == _captains(semi) | {organizer.username}


@pytest.fixture
def finalized(organizer):
    # Markup in a name: it must come out of the certificate as text.
    tournament, teams = _started(organizer, names=("<b>Falcons</b>", "Owls", "Ravens", "Hawks"))
    for position in (1, 2):
        report_both(match_at(tournament, 1, position), 2, 0)
    report_both(match_at(tournament, 2, 1), 2, 1)
    tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    notifications_from_events()
    return tournament, teams


def test_finalization_emails_every_player_and_makes_the_podiums_certificates(finalized):
    tournament, teams = finalized
    assert len(_sent("tournament_finalized")) == 4
    champion = Notification.objects.get(kind="tournament_finalized", body__contains="#1")
    assert champion.user_id == match_at(tournament, 2, 1).winner.captain_id
    placements = sorted(Certificate.objects.values_list("placement", flat=True))
    assert placements == [1, 2, 3, 3]  # the two losing semi-finalists share third
    assert set(Certificate.objects.values_list("file", flat=True)) == {""}


def test_a_certificate_is_rendered_once_and_escapes_its_names(finalized):
    certificate = Certificate.objects.get(placement=1)
    assert certificate_render(certificate_id=certificate.pk) is True
    certificate.refresh_from_db()
    svg = certificate.file.read().decode()
    document = ElementTree.fromstring(svg)  # noqa: S314 (our own document) well-formed: the markup in the team's name is text
    texts = [node.text for node in document.iter("{http://www.w3.org/2000/svg}text")]
    assert certificate.user.username in texts
    assert texts[2] == f"placed 1st with {certificate.team.name}"
    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    stored = certificate.file.name
    assert certificate_render(certificate_id=certificate.pk) is False  # stored: not rendered again
    certificate.refresh_from_db()
    assert certificate.file.name == stored


def test_finalizing_twice_or_reading_the_event_twice_makes_no_second_certificate(finalized, organizer):
    tournament, _teams = finalized
    before = list(Certificate.objects.order_by("pk").values_list("pk", flat=True))
    with pytest.raises(Exception):  # noqa: B017,PT011 (the second finalization is refused; which error is not this test's)
        tournament_finalize(tournament_id=tournament.pk, actor=organizer)
    EventCursor.objects.filter(tournament_id=tournament.pk).update(seq=0)
    notifications_from_events()
    assert list(Certificate.objects.order_by("pk").values_list("pk", flat=True)) == before


def test_a_certificate_downloads_for_its_owner_only(finalized):
    certificate = Certificate.objects.get(placement=1)
    certificate_render(certificate_id=certificate.pk)
    owner = factories.client_for(certificate.user)
    listed = owner.get("/api/certificates/")
    assert [(c["id"], c["placement"], c["ready"]) for c in listed.json()] == [(certificate.pk, 1, True)]
    download = owner.get(f"/api/certificates/{certificate.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/svg+xml"
    assert "default-src 'none'" in download["Content-Security-Policy"]
    assert b"Certificate of achievement" in b"".join(download.streaming_content)
    other = Certificate.objects.exclude(user=certificate.user).first().user
    refused = factories.client_for(other).get(f"/api/certificates/{certificate.pk}/")
    assert (refused.status_code, refused.json()["code"]) == (404, "certificate_not_found")


def test_an_email_is_sent_once(organizer):
    cup = factories.tournament(organizer=organizer)
    team = _squad("Falcons")
    registration_create(user=team.captain, tournament_id=cup.pk, team_id=team.pk)
    notifications_from_events()
    notification = Notification.objects.get()
    assert notification_send(notification_id=notification.pk) is True
    assert notification_send(notification_id=notification.pk) is False
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([f"{team.captain.username}@example.com"], notification.subject)
    ]
    notification.refresh_from_db()
    assert notification.sent_at is not None


@override_settings(NOTIFICATION_MAX_ATTEMPTS=2)
def test_a_failed_send_waits_longer_each_time_then_is_given_up(organizer, monkeypatch):
    cup = factories.tournament(organizer=organizer)
    team = _squad("Falcons")
    registration_create(user=team.captain, tournament_id=cup.pk, team_id=team.pk)
    notifications_from_events()
    notification = Notification.objects.get()

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("the SMTP server is down")

    monkeypatch.setattr("notifications.services.send_mail", refuse)
    before = timezone.now()
    assert notification_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert (notification.attempts, notification.failed_at, notification.lease_token) == (1, None, "")
    assert notification.last_error == "ConnectionRefusedError: the SMTP server is down"
    assert notification.next_attempt_at >= before + timedelta(seconds=10)
    assert notification_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.attempts == 2
    assert notification.failed_at is not None  # given up: never handed out again
    assert notification_send(notification_id=notification.pk) is False
    assert mail.outbox == []
