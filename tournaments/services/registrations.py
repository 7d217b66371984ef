"""Writes of registrations: register, change the roster, withdraw, and reject the waitlist when the bracket is built.

Every registration path (API, admin, seed_demo) goes through ``registration_create``,
``registration_roster_set`` and ``registration_withdraw``. All serialise on the tournament row
(``tournament_lock``) and decide capacity under that lock, so confirmed
registrations can never exceed ``max_teams`` however many requests race. Lock order:
tournament, then the captain's wallet, then the tournament's prize pool (entry fee /
refund), as core.locking says. Fees go to the tournament's own pool, never to the
treasury: registrations of different tournaments share no row (issue 17).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, NotFound, Unprocessable
from economy import services as economy_services
from realtime.events import (
    REGISTRATION_CREATED,
    REGISTRATION_WITHDRAWN,
    REGISTRATIONS_NO_SHOW,
    REGISTRATIONS_REJECTED,
    publish_on_commit,
)
from teams.selectors import team_roster
from tournaments.errors import ErrorCode
from tournaments.locks import tournament_lock
from tournaments.models import (
    Registration,
    RegistrationStatus,
    RosterEntry,
    RosterRole,
    Tournament,
    TournamentStatus,
)
from tournaments.selectors.registrations import registration_counts, registration_first_waitlisted
from tournaments.services.prize_pools import prize_pool_id_ensure

PIPELINE = "registration"
ONE_ACTIVE_PER_TEAM = "registration_one_active_per_team"


@dataclass(frozen=True)
class Lineup:
    """Who a registration fields: ``team_size`` starters, then up to ``max_substitutes`` substitutes."""

    starters: tuple[int, ...]
    substitutes: tuple[int, ...] = ()

    @property
    def user_ids(self) -> list[int]:
        return [*self.starters, *self.substitutes]


@dataclass(frozen=True)
class RegistrationOutcome:
    """What ``registration_create`` answers: the registration, its place in the queue, its roster."""

    registration: Registration
    waitlist_position: int | None  # None when confirmed; 1 is the head of the waitlist
    lineup: Lineup

    @property
    def roster_user_ids(self) -> list[int]:
        return self.lineup.user_ids


@dataclass(frozen=True)
class WithdrawalOutcome:
    """What ``registration_withdraw`` answers: the withdrawn registration, and who took its slot."""

    registration: Registration
    promoted_registration_id: int | None  # the waitlist's head moved into the freed slot, if any


#: What registering reads of the locked tournament: its hot path decodes no more columns.
REGISTRATION_FIELDS = (
    "status",
    "registration_opens_at",
    "registration_closes_at",
    "team_size",
    "max_substitutes",
    "max_teams",
    "entry_fee",
    "prize_pool_id",
)


def _locked_tournament(*, tournament_id: int, caller: str, fields: tuple[str, ...] = ()) -> Tournament:
    try:
        return tournament_lock(tournament_id=tournament_id, pipeline=PIPELINE, caller=caller, fields=fields)
    except Tournament.DoesNotExist:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND) from None


def _check_registration_open(tournament: Tournament) -> None:
    if tournament.status != TournamentStatus.REGISTRATION_OPEN:
        raise Conflict("Registration is not open for this tournament.", code=ErrorCode.REGISTRATION_CLOSED)
    now = timezone.now()
    opens, closes = tournament.registration_opens_at, tournament.registration_closes_at
    if (opens and now < opens) or (closes and now >= closes):
        raise Conflict("Registration is outside its window.", code=ErrorCode.REGISTRATION_CLOSED)


def _lineup(
    *, tournament: Tournament, member_ids: tuple[int, ...], starters: list[int] | None, substitutes: list[int] | None
) -> Lineup:
    """The lineup the captain named, checked against the team and the tournament (422 if wrong).

    Named or not, there are ``team_size`` starters. Without ``starters``, a team of
    exactly ``team_size`` members fields them all; a bigger one must name them, so that
    nobody is rostered (and rewarded) without the captain saying so.
    """
    if starters is None:
        if substitutes or len(member_ids) > tournament.team_size:
            raise Unprocessable(
                f"The team has {len(member_ids)} members and this tournament fields {tournament.team_size}: "
                "name the starters.",
                code=ErrorCode.STARTERS_REQUIRED,
            )
        return Lineup(starters=member_ids)
    substitutes = substitutes or []
    strangers = sorted(set(starters + substitutes) - set(member_ids))
    if strangers:
        raise Unprocessable(f"Not members of the team: {strangers}.", code=ErrorCode.ROSTER_NOT_MEMBERS)
    if len(starters) != tournament.team_size:
        raise Unprocessable(
            f"Name exactly {tournament.team_size} starters; {len(starters)} were named.",
            code=ErrorCode.STARTERS_COUNT,
        )
    if len(substitutes) > tournament.max_substitutes:
        raise Unprocessable(
            f"This tournament allows {tournament.max_substitutes} substitutes; {len(substitutes)} were named.",
            code=ErrorCode.TOO_MANY_SUBSTITUTES,
        )
    return Lineup(starters=tuple(starters), substitutes=tuple(substitutes))


def _roster_insert(*, registration: Registration, lineup: Lineup) -> None:
    """Raises ``IntegrityError`` when a player is already on another live roster of the tournament."""
    RosterEntry.objects.bulk_create(
        RosterEntry(registration=registration, tournament_id=registration.tournament_id, user_id=user_id, role=role)
        for role, user_ids in ((RosterRole.STARTER, lineup.starters), (RosterRole.SUBSTITUTE, lineup.substitutes))
        for user_id in user_ids
    )


def _player_conflict() -> Conflict:
    return Conflict(
        "A player of this team is already registered with another team.", code=ErrorCode.PLAYER_ALREADY_REGISTERED
    )


def _insert_registration(
    *, tournament: Tournament, team_id: int, user: User, status: str, lineup: Lineup
) -> Registration:
    """Insert the registration and its roster; the database's unique constraints decide duplicates.

    No savepoint: on a violation the whole registration is refused, so the caller's
    transaction rolls back anyway (``registration_create`` is atomic). Which rule was
    broken is read from the error itself, not from a query (PostgreSQL could not run
    one in the aborted transaction): the happy path saves a SAVEPOINT/RELEASE pair.
    """
    try:
        registration = Registration.objects.create(
            tournament=tournament, team_id=team_id, status=status, registered_by=user
        )
        _roster_insert(registration=registration, lineup=lineup)
    except IntegrityError as error:
        if _violates_one_active_per_team(error):
            raise Conflict("This team is already registered.", code=ErrorCode.TEAM_ALREADY_REGISTERED) from None
        raise _player_conflict() from None
    return registration


def _violates_one_active_per_team(error: IntegrityError) -> bool:
    """Whether ``registration_one_active_per_team`` refused the insert (else the roster's constraint did).

    The only other constraints these inserts can break are foreign keys, which are
    deferred to commit. PostgreSQL names the constraint (psycopg's diagnostics);
    SQLite names the columns: "UNIQUE constraint failed: tournaments_registration...".
    """
    diagnostics = getattr(error.__cause__, "diag", None)
    if diagnostics is not None:
        return diagnostics.constraint_name == ONE_ACTIVE_PER_TEAM
    return f"{Registration._meta.db_table}." in str(error)


def _publish_created(outcome: RegistrationOutcome) -> None:
    # Every watcher gets the same encoded event, so it carries only what any of them may
    # see: which team entered, and whether it plays or waits. Registration ids and
    # waitlist positions are the organizer's listing (docs/security.md "Tournament visibility").
    registration = outcome.registration
    publish_on_commit(
        tournament_id=registration.tournament_id,
        type=REGISTRATION_CREATED,
        data={"team_id": registration.team_id, "status": registration.status},
    )


@transaction.atomic
def registration_create(
    *,
    user: User,
    tournament_id: int,
    team_id: int,
    starters: list[int] | None = None,
    substitutes: list[int] | None = None,
) -> RegistrationOutcome:
    """Register a team: ``confirmed`` while a slot is free, else ``waitlisted`` (FIFO).

    ``starters`` and ``substitutes`` name its lineup (``_lineup``)."""
    roster = team_roster(team_id=team_id)
    if roster.captain_id != user.pk:
        raise Forbidden("Only the team's captain may register it.", code=ErrorCode.NOT_TEAM_CAPTAIN)
    tournament = _locked_tournament(
        tournament_id=tournament_id, caller="registration_create", fields=REGISTRATION_FIELDS
    )
    _check_registration_open(tournament)
    if len(roster.member_ids) < tournament.team_size:
        raise Unprocessable(
            f"The team has {len(roster.member_ids)} members; this tournament needs {tournament.team_size}.",
            code=ErrorCode.TEAM_TOO_SMALL,
        )
    lineup = _lineup(tournament=tournament, member_ids=roster.member_ids, starters=starters, substitutes=substitutes)
    confirmed, waitlisted = registration_counts(tournament_id=tournament.pk)
    full = confirmed >= tournament.max_teams
    status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED
    registration = _insert_registration(tournament=tournament, team_id=team_id, user=user, status=status, lineup=lineup)
    if tournament.entry_fee:
        economy_services.wallet_debit(
            user=user,
            amount=tournament.entry_fee,
            kind="entry_fee",
            reference=f"entry_fee:registration:{registration.pk}",
            pool_id=prize_pool_id_ensure(tournament),
        )
    outcome = RegistrationOutcome(
        registration=registration, waitlist_position=waitlisted + 1 if full else None, lineup=lineup
    )
    _publish_created(outcome)
    return outcome


def _promote_first_waitlisted(*, tournament_id: int) -> tuple[int, int] | None:
    """Caller holds the tournament lock: move the head of the waitlist into the freed slot.
    Returns its (registration id, team id), or None when nobody was waiting."""
    head = registration_first_waitlisted(tournament_id=tournament_id)
    if head is None:
        return None
    Registration.objects.filter(pk=head[0], status=RegistrationStatus.WAITLISTED).update(
        status=RegistrationStatus.CONFIRMED, updated_at=timezone.now()
    )
    return head


def _captained_registration(*, user: User, registration_id: int, action: str) -> int:
    """The registration's tournament id, once the caller is known to captain its team."""
    owner = Registration.objects.filter(pk=registration_id).values("tournament_id", "team__captain_id").first()
    if owner is None:
        raise NotFound("No such registration.", code=ErrorCode.REGISTRATION_NOT_FOUND)
    if owner["team__captain_id"] != user.pk:
        raise Forbidden(f"Only the team's captain may {action}.", code=ErrorCode.NOT_TEAM_CAPTAIN)
    return owner["tournament_id"]


def _withdraw_locked(*, registration_id: int) -> Registration:
    """Caller holds the tournament lock: mark the registration withdrawn and free its players.

    The status is read under the lock (a promotion may have changed it since the
    caller's first read) and changed by compare-and-swap all the same: should any path
    change a status without the tournament lock, this fails instead of overwriting it.
    """
    registration = Registration.objects.select_related("registered_by").get(pk=registration_id)
    swapped = Registration.objects.filter(pk=registration.pk, status=registration.status)
    if registration.status not in Registration.ACTIVE_STATUSES or not swapped.update(
        status=RegistrationStatus.WITHDRAWN, updated_at=timezone.now()
    ):
        raise Conflict("This registration is not active.", code=ErrorCode.REGISTRATION_NOT_ACTIVE)
    RosterEntry.objects.filter(registration_id=registration.pk, active=True).update(active=False)
    return registration


@transaction.atomic
def registration_withdraw(*, user: User, registration_id: int) -> WithdrawalOutcome:
    """Withdraw a registration (captain): free the slot, promote the waitlist's head, refund."""
    tournament_id = _captained_registration(user=user, registration_id=registration_id, action="withdraw it")
    tournament = _locked_tournament(tournament_id=tournament_id, caller="registration_withdraw")
    if tournament.status not in (TournamentStatus.REGISTRATION_OPEN, TournamentStatus.REGISTRATION_CLOSED):
        raise Conflict("The tournament has started; withdrawing is closed.", code=ErrorCode.WITHDRAWAL_CLOSED)
    registration = _withdraw_locked(registration_id=registration_id)
    promoted = None
    if registration.status == RegistrationStatus.CONFIRMED:
        promoted = _promote_first_waitlisted(tournament_id=tournament.pk)
    if tournament.entry_fee:
        # Refunds the fee as it stands; the API offers no way to change a tournament's fee.
        economy_services.wallet_credit(
            user=registration.registered_by,
            amount=tournament.entry_fee,
            kind="refund",
            reference=f"refund:registration:{registration.pk}",
            # None: a fee paid before prize pools existed, which went to the treasury.
            pool_id=tournament.prize_pool_id,
        )
    registration.status = RegistrationStatus.WITHDRAWN
    publish_on_commit(
        tournament_id=tournament.pk,
        type=REGISTRATION_WITHDRAWN,
        # Public data only, as in _publish_created: the team that takes the freed place is
        # one that registration.created already showed every watcher as waitlisted.
        data={"team_id": registration.team_id, "promoted_team_id": promoted[1] if promoted else None},
    )
    return WithdrawalOutcome(registration=registration, promoted_registration_id=promoted[0] if promoted else None)


def registrations_reject_waitlisted(*, tournament: Tournament, caller: str) -> list[int]:
    """The bracket is built: teams still on the waitlist will never play. Reject them,
    free their players and refund their entry fees (from the prize pool); returns the rejected ids.

    Precondition: the caller holds the tournament's row lock (the start's
    compare-and-swap), so no registration or withdrawal runs meanwhile. Refunds use the
    reference a withdrawal would use, so a fee can never come back twice, and are paid in
    one batch (user wallets, then the pool: the lock order's last ranks).
    """
    waiting = list(
        Registration.objects.filter(tournament_id=tournament.pk, status=RegistrationStatus.WAITLISTED)
        .order_by("pk")
        .values_list("pk", "registered_by_id", "team_id")
    )
    if not waiting:
        return []
    ids = [pk for pk, _, _ in waiting]
    Registration.objects.filter(pk__in=ids, status=RegistrationStatus.WAITLISTED).update(
        status=RegistrationStatus.REJECTED, updated_at=timezone.now()
    )
    RosterEntry.objects.filter(registration_id__in=ids, active=True).update(active=False)
    if tournament.entry_fee:
        economy_services.wallet_credit_many(
            credits=[(user_id, tournament.entry_fee, f"refund:registration:{pk}") for pk, user_id, _ in waiting],
            kind="refund",
            caller=caller,
            pool_id=tournament.prize_pool_id,
        )
    team_ids = [team_id for _, _, team_id in waiting]  # public data only, as in _publish_created
    publish_on_commit(tournament_id=tournament.pk, type=REGISTRATIONS_REJECTED, data={"team_ids": team_ids})
    return ids


# --- Check-in (issue 16) -------------------------------------------------------------------


@transaction.atomic
def registration_check_in(*, user: User, tournament_id: int, team_id: int) -> Registration:
    """The captain checks the team in, within the tournament's check-in window.

    Under the tournament's row lock, like the start: a check-in either commits before
    the start reads who checked in, or finds the tournament live (409). Checking in
    twice answers the same registration. Refusals: 404 (no such tournament, or the team
    has no active registration in it), 403 (not the captain), 409 (no check-in offered,
    window not open or closed, tournament started).
    """
    tournament = _locked_tournament(tournament_id=tournament_id, caller="registration_check_in")
    if tournament.check_in_opens_at is None or tournament.check_in_closes_at is None:
        raise Conflict("This tournament has no check-in.", code=ErrorCode.CHECK_IN_NOT_OFFERED)
    now = timezone.now()
    started = tournament.status not in (TournamentStatus.REGISTRATION_OPEN, TournamentStatus.REGISTRATION_CLOSED)
    if started or not tournament.check_in_opens_at <= now < tournament.check_in_closes_at:
        raise Conflict(
            f"Check-in is open from {tournament.check_in_opens_at.isoformat()} "
            f"to {tournament.check_in_closes_at.isoformat()}, before the start.",
            code=ErrorCode.CHECK_IN_CLOSED,
        )
    registration = (
        Registration.objects.select_related("team")
        .filter(
            tournament_id=tournament.pk,
            team_id=team_id,
            status__in=(RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED),
        )
        .first()
    )
    if registration is None:
        raise NotFound("That team has no active registration here.", code=ErrorCode.REGISTRATION_NOT_FOUND)
    if registration.team.captain_id != user.pk:
        raise Forbidden("Only the team's captain may check it in.", code=ErrorCode.NOT_TEAM_CAPTAIN)
    if registration.checked_in_at is None:
        registration.checked_in_at = now
        Registration.objects.filter(pk=registration.pk).update(checked_in_at=now, updated_at=now)
    return registration


def registrations_apply_check_in(*, tournament: Tournament, caller: str) -> list[int]:
    """The start of a tournament with check-in: who did not check in does not play.

    Precondition: the caller holds the tournament's row lock (the start's
    compare-and-swap). Confirmed teams that did not check in become ``no_show``, their
    players freed and their fees refunded unless the tournament keeps them
    (``no_show_refund``); waitlisted teams that checked in take the freed slots, first
    registered first. A constant number of statements, whatever the counts. Returns the
    no-shows' team ids, for ``registrations_no_show_publish``.
    """
    no_shows = list(
        Registration.objects.filter(
            tournament_id=tournament.pk, status=RegistrationStatus.CONFIRMED, checked_in_at__isnull=True
        )
        .order_by("pk")
        .values_list("pk", "registered_by_id", "team_id")
    )
    if not no_shows:
        return []
    ids = [pk for pk, _, _ in no_shows]
    now = timezone.now()
    Registration.objects.filter(pk__in=ids).update(status=RegistrationStatus.NO_SHOW, updated_at=now)
    RosterEntry.objects.filter(registration_id__in=ids, active=True).update(active=False)
    if tournament.entry_fee and tournament.no_show_refund:
        economy_services.wallet_credit_many(
            credits=[(user_id, tournament.entry_fee, f"refund:registration:{pk}") for pk, user_id, _ in no_shows],
            kind="refund",
            caller=caller,
            pool_id=tournament.prize_pool_id,
        )
    promoted = list(
        Registration.objects.filter(
            tournament_id=tournament.pk, status=RegistrationStatus.WAITLISTED, checked_in_at__isnull=False
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[: len(ids)]
    )
    if promoted:
        Registration.objects.filter(pk__in=promoted).update(status=RegistrationStatus.CONFIRMED, updated_at=now)
    return [team_id for _, _, team_id in no_shows]


def registrations_no_show_publish(*, tournament_id: int, team_ids: list[int]) -> None:
    """The no-shows' event: after every wallet movement of the start, since the event's
    counter ranks last in the lock order."""
    if team_ids:  # public data only, as in _publish_created
        publish_on_commit(tournament_id=tournament_id, type=REGISTRATIONS_NO_SHOW, data={"team_ids": team_ids})


@transaction.atomic
def registration_roster_set(
    *, user: User, registration_id: int, starters: list[int], substitutes: list[int] | None = None
) -> Lineup:
    """The captain changes the lineup (``_lineup``'s rules) until the roster locks at the start.

    Under the tournament lock, like every roster write: the start (which locks the
    roster) and this never interleave. The new roster replaces the old one whole; the
    partial unique constraint still refuses a player who is on another team's roster.
    """
    tournament_id = _captained_registration(user=user, registration_id=registration_id, action="change its roster")
    tournament = _locked_tournament(tournament_id=tournament_id, caller="registration_roster_set")
    if tournament.status not in (TournamentStatus.REGISTRATION_OPEN, TournamentStatus.REGISTRATION_CLOSED):
        raise Conflict("The roster locked when the tournament started.", code=ErrorCode.ROSTER_LOCKED)
    registration = Registration.objects.get(pk=registration_id)
    if registration.status not in Registration.ACTIVE_STATUSES:
        raise Conflict("This registration is not active.", code=ErrorCode.REGISTRATION_NOT_ACTIVE)
    roster = team_roster(team_id=registration.team_id)
    lineup = _lineup(tournament=tournament, member_ids=roster.member_ids, starters=starters, substitutes=substitutes)
    RosterEntry.objects.filter(registration_id=registration.pk, active=True).delete()
    try:
        _roster_insert(registration=registration, lineup=lineup)
    except IntegrityError:
        raise _player_conflict() from None
    return lineup
