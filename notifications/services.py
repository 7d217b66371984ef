"""Notifications and certificates: made from the event log, then sent or rendered by a worker.

``notifications_from_events`` is the event log's consumer ``"notifications"``: it reads
the committed events past its cursor (``realtime.selectors.event_backlog_list``), turns
each into the emails (and, for ``tournament.finalized``, the certificates) it calls for,
and moves the cursor, all in one transaction. A crash before its COMMIT leaves the cursor
where it was, so the events are read again; the unique keys make that a no-op.

``notification_send`` and ``certificate_render`` are the workers' side: each claims its
job row (``core.tasks.job_claim``), does the work outside any transaction, and records
the outcome under its lease. Each is idempotent: a sent email is not sent again, a stored
certificate is not rendered again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from core.tasks import job_claim, job_failed, job_release
from notifications.certificates import certificate_svg
from notifications.messages import message
from notifications.models import Certificate, Notification, NotificationKind
from notifications.selectors import certificates_unrendered, notifications_unsent
from realtime import events as event_types
from realtime.selectors import CommittedEvent, event_backlog_list
from realtime.services import event_cursor_advance
from teams.models import Membership, Team
from tournaments.models import Match, Tournament, TournamentParticipation

logger = logging.getLogger(__name__)

CONSUMER = "notifications"
BATCH = 500  # events read per transaction
#: Events whose match may have filled the next match's second slot (its winner or loser moved on).
_ADVANCING = {
    event_types.MATCH_CONFIRMED,
    event_types.MATCH_RESOLVED,
    event_types.MATCH_FORFEITED,
    event_types.MATCH_OVERRIDDEN,
}


class _Context:
    """Names for the messages, read once per batch of events."""

    def __init__(self) -> None:
        self._tournaments: dict[int, Tournament] = {}
        self._teams: dict[int, str] = {}

    def tournament(self, tournament_id: int) -> Tournament:
        if tournament_id not in self._tournaments:
            self._tournaments[tournament_id] = Tournament.objects.only("name", "organizer_id").get(pk=tournament_id)
        return self._tournaments[tournament_id]

    def team(self, team_id: int | None) -> str:
        if team_id is None:
            return "a team to be decided"
        if team_id not in self._teams:
            self._teams[team_id] = Team.objects.filter(pk=team_id).values_list("name", flat=True).first() or "?"
        return self._teams[team_id]


def _reachable(users: Iterable[User]) -> list[User]:
    return [user for user in users if user.email and user.is_active]


def _members(team_ids: Iterable[int | None]) -> dict[int, list[User]]:
    """Each team's members who can be emailed (one query)."""
    members: dict[int, list[User]] = defaultdict(list)
    rows = Membership.objects.filter(team_id__in=[t for t in team_ids if t]).select_related("user")
    for row in rows:
        members[row.team_id] += _reachable([row.user])
    return members


def _to(users: Iterable[User], event: CommittedEvent, kind: str, subject_body: tuple[str, str]) -> list[Notification]:
    subject, body = subject_body
    return [
        Notification(user=user, kind=kind, tournament_id=event.tournament_id, seq=event.seq, subject=subject, body=body)
        for user in users
    ]


def _to_team(event: CommittedEvent, ctx: _Context, kind: str, team_id: int | None) -> list[Notification]:
    if team_id is None:
        return []
    text = message(kind, tournament=ctx.tournament(event.tournament_id).name, team=ctx.team(team_id))
    return _to(_members([team_id])[team_id], event, kind, text)


def _registration_created(event: CommittedEvent, ctx: _Context) -> list[Notification]:
    statuses = {
        "confirmed": NotificationKind.REGISTRATION_CONFIRMED,
        "waitlisted": NotificationKind.REGISTRATION_WAITLISTED,
    }
    kind = statuses.get(event.data.get("status", ""))
    return _to_team(event, ctx, kind, event.data.get("team_id")) if kind else []


def _registration_withdrawn(event: CommittedEvent, ctx: _Context) -> list[Notification]:
    return _to_team(event, ctx, NotificationKind.REGISTRATION_PROMOTED, event.data.get("promoted_team_id"))


def _matches_ready(event: CommittedEvent, ctx: _Context, matches: Iterable[Match]) -> list[Notification]:
    """``match_ready`` to both teams of each match that has both and is still to be played."""
    ready = [m for m in matches if m.team_a_id and m.team_b_id and m.status == Match.Status.SCHEDULED]
    members = _members([team for m in ready for team in (m.team_a_id, m.team_b_id)])
    notifications: list[Notification] = []
    for match in ready:
        text = message(
            NotificationKind.MATCH_READY,
            tournament=ctx.tournament(event.tournament_id).name,
            team_a=ctx.team(match.team_a_id),
            team_b=ctx.team(match.team_b_id),
            round=match.round,
        )
        users = members[match.team_a_id or 0] + members[match.team_b_id or 0]
        notifications += _to(users, event, NotificationKind.MATCH_READY, text)
    return notifications


def _round_paired(event: CommittedEvent, ctx: _Context) -> list[Notification]:
    ids = [entry["match_id"] for entry in event.data.get("matches", [])]
    return _matches_ready(event, ctx, Match.objects.filter(pk__in=ids))


def _match_advanced(event: CommittedEvent, ctx: _Context) -> list[Notification]:
    played = Match.objects.filter(pk=event.data["match_id"]).values("next_match_id", "loser_next_match_id").first()
    if played is None:
        return []
    nexts = [played["next_match_id"], played["loser_next_match_id"]]
    return _matches_ready(event, ctx, Match.objects.filter(pk__in=[pk for pk in nexts if pk]))


def _match_disputed(event: CommittedEvent, ctx: _Context) -> list[Notification]:
    tournament = ctx.tournament(event.tournament_id)
    team_a, team_b = event.data.get("team_a_id"), event.data.get("team_b_id")
    captains = Team.objects.filter(pk__in=[team_a, team_b]).values_list("captain_id", flat=True)
    users = User.objects.filter(pk__in=[*captains, tournament.organizer_id])
    text = message(
        NotificationKind.RESULT_DISPUTED,
        tournament=tournament.name,
        team_a=ctx.team(team_a),
        team_b=ctx.team(team_b),
        round=event.data.get("round"),
    )
    return _to(_reachable(users), event, NotificationKind.RESULT_DISPUTED, text)


def _tournament_finalized(event: CommittedEvent, ctx: _Context) -> list[Notification]:
    name = ctx.tournament(event.tournament_id).name
    notifications: list[Notification] = []
    for played in _participations(event.tournament_id):
        text = message(
            NotificationKind.TOURNAMENT_FINALIZED,
            tournament=name,
            team=ctx.team(played.team_id),
            placement=played.placement,
        )
        notifications += _to(_reachable([played.user]), event, NotificationKind.TOURNAMENT_FINALIZED, text)
    return notifications


def _participations(tournament_id: int) -> list[TournamentParticipation]:
    return list(TournamentParticipation.objects.filter(tournament_id=tournament_id).select_related("user"))


def _certificates(event: CommittedEvent) -> list[Certificate]:
    return [
        Certificate(user_id=p.user_id, tournament_id=p.tournament_id, team_id=p.team_id, placement=p.placement)
        for p in _participations(event.tournament_id)
        if p.placement <= settings.CERTIFICATE_MAX_PLACEMENT
    ]


_BUILDERS: dict[str, Callable[[CommittedEvent, _Context], list[Notification]]] = {
    event_types.REGISTRATION_CREATED: _registration_created,
    event_types.REGISTRATION_WITHDRAWN: _registration_withdrawn,
    event_types.ROUND_PAIRED: _round_paired,
    event_types.MATCH_DISPUTED: _match_disputed,
    event_types.TOURNAMENT_FINALIZED: _tournament_finalized,
    **dict.fromkeys(_ADVANCING, _match_advanced),
}


@transaction.atomic
def notifications_from_events(*, limit: int = BATCH) -> int:
    """Read the events past the cursor into notifications and certificates; returns how many events were read."""
    events = event_backlog_list(consumer=CONSUMER, limit=limit)
    if not events:
        return 0
    ctx = _Context()
    notifications: list[Notification] = []
    certificates: list[Certificate] = []
    for event in events:
        builder = _BUILDERS.get(event.type)
        try:
            if builder is not None:
                notifications += builder(event, ctx)
            if event.type == event_types.TOURNAMENT_FINALIZED:
                certificates += _certificates(event)
        except ObjectDoesNotExist:  # its tournament was deleted since: nobody left to tell
            logger.warning("notifications: event %s #%s names rows that are gone", event.tournament_id, event.seq)
    Notification.objects.bulk_create(notifications, ignore_conflicts=True)
    Certificate.objects.bulk_create(certificates, ignore_conflicts=True)
    # Events come in seq order per tournament: the dict keeps each stream's last.
    event_cursor_advance(consumer=CONSUMER, positions={e.tournament_id: e.seq for e in events})
    return len(events)


def _described(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def notification_send(*, notification_id: int) -> bool:
    """Send one email, unless it was sent, given up on, or is another worker's now. True when sent.

    A failure (the SMTP server refused, timed out) is kept with the attempt count and the
    email is due again after ``retry_delay``; after ``NOTIFICATION_MAX_ATTEMPTS`` it is given up.
    Precondition: called outside a transaction (the claim must commit before the network call).
    """
    unsent = notifications_unsent()
    token = job_claim(unsent, pk=notification_id)
    if token is None:
        return False
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    address = notification.user.email
    try:
        if not address:
            raise ValueError("the user has no email address any more")
        send_mail(notification.subject, notification.body, None, [address])
    except Exception as error:
        failures = notification.attempts + 1
        logger.warning("notifications: sending %s failed (%s), attempt %s", notification_id, error, failures)
        gave_up = failures >= settings.NOTIFICATION_MAX_ATTEMPTS or not address
        failed_at = timezone.now() if gave_up else None
        job_failed(
            unsent, pk=notification_id, token=token, failures=failures, error=_described(error), failed_at=failed_at
        )
        return False
    return job_release(unsent, pk=notification_id, token=token, sent_at=timezone.now(), last_error="")


def certificate_render(*, certificate_id: int) -> bool:
    """Render and store one certificate (SVG, through ``default_storage``) unless it is stored. True when stored now.

    Once its row names the file, it is never rendered again (the claim takes only rows
    without one), whoever asks and however often finalization's event is read.
    """
    unrendered = certificates_unrendered()
    token = job_claim(unrendered, pk=certificate_id)
    if token is None:
        return False
    certificate = Certificate.objects.select_related("user", "tournament", "team").get(pk=certificate_id)
    name = f"certificates/{certificate.tournament_id}/{certificate.pk}-{certificate.user_id}.svg"
    try:
        # The storage picks another name when this one is taken (a render that crashed
        # before the row was updated): the row records whatever it stored.
        name = default_storage.save(name, ContentFile(certificate_svg(certificate).encode()))
    except Exception as error:
        logger.warning("notifications: certificate %s not stored (%s)", certificate_id, error)
        job_failed(
            unrendered, pk=certificate_id, token=token, failures=certificate.attempts + 1, error=_described(error)
        )
        return False
    return job_release(unrendered, pk=certificate_id, token=token, file=name, last_error="")
