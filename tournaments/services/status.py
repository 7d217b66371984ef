"""Writes of the tournament status machine: create, open and close registration.

Starting (live) is ``services.matches.tournament_start``, finalizing
(rewards_distributed) is ``services.finalization.tournament_finalize``. Who may do
each is the organizer policy's call (``tournaments.policies``).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import Conflict, InvalidInput, NotFound
from tournaments import formats
from tournaments.errors import ErrorCode
from tournaments.locks import tournament_status_swap
from tournaments.models import AuditAction, Season, Tournament, TournamentStatus
from tournaments.policies import tournament_create_check, tournament_run_require
from tournaments.series import InvalidSeries, round_best_of_check
from tournaments.services.audit import audit_record

PIPELINE = "registration"
AUDITED = {
    TournamentStatus.REGISTRATION_OPEN: AuditAction.TOURNAMENT_OPENED,
    TournamentStatus.REGISTRATION_CLOSED: AuditAction.TOURNAMENT_CLOSED,
}


@transaction.atomic
def tournament_create(
    *,
    organizer: User,
    name: str,
    game: str,
    max_teams: int,
    team_size: int,
    max_substitutes: int = 0,
    format: str = formats.SINGLE_ELIMINATION,  # noqa: A002 - the API's field name
    round_robin_legs: int = 1,
    grand_final_reset: bool | None = None,
    swiss_rounds: int | None = None,
    group_count: int | None = None,
    group_advancers: int | None = None,
    tiebreakers: list[str] | None = None,
    seeding: str = Tournament.Seeding.REGISTRATION_ORDER,
    seeding_seed: int | None = None,
    season_id: int | None = None,
    registration_opens_at: datetime | None = None,
    registration_closes_at: datetime | None = None,
    entry_fee: int = 0,
    visibility: str = Tournament.Visibility.PUBLIC,
    check_in_opens_at: datetime | None = None,
    check_in_closes_at: datetime | None = None,
    no_show_refund: bool = True,
    best_of: int = 1,
    round_best_of: dict[str, int] | None = None,
) -> Tournament:
    """A new tournament, in ``draft`` until its organizer opens registration."""
    tournament_create_check(actor=organizer)
    if registration_opens_at and registration_closes_at and registration_closes_at <= registration_opens_at:
        raise InvalidInput("registration_closes_at must be after registration_opens_at.", code=ErrorCode.INVALID_WINDOW)
    if (check_in_opens_at is None) != (check_in_closes_at is None) or (
        check_in_opens_at and check_in_closes_at and check_in_closes_at <= check_in_opens_at
    ):
        raise InvalidInput(
            "check_in_opens_at and check_in_closes_at go together, the close after the open.",
            code=ErrorCode.INVALID_WINDOW,
        )
    if round_robin_legs != 1 and format != formats.ROUND_ROBIN:
        raise InvalidInput("round_robin_legs applies to the round_robin format only.", code=ErrorCode.INVALID_FORMAT)
    if grand_final_reset is not None and format != formats.DOUBLE_ELIMINATION:
        raise InvalidInput(
            "grand_final_reset applies to the double_elimination format only.", code=ErrorCode.INVALID_FORMAT
        )
    if seeding_seed is not None and seeding != Tournament.Seeding.RANDOM:
        raise InvalidInput("seeding_seed applies to random seeding only.", code=ErrorCode.INVALID_FORMAT)
    if swiss_rounds is not None and format != formats.SWISS:
        raise InvalidInput("swiss_rounds applies to the swiss format only.", code=ErrorCode.INVALID_FORMAT)
    if (group_count is not None or group_advancers is not None) and format != formats.GROUPS_PLAYOFFS:
        raise InvalidInput(
            "group_count and group_advancers apply to the groups_playoffs format only.", code=ErrorCode.INVALID_FORMAT
        )
    try:
        tiebreakers = formats.tiebreakers_check(tiebreakers or [], format_=format)
    except formats.InvalidTiebreakers as exc:
        raise InvalidInput(f"tiebreakers: {exc}.", code=ErrorCode.INVALID_FORMAT) from None
    # The season FK is checked at commit on PostgreSQL (deferred): look it up for a clean 404.
    if season_id is not None and not Season.objects.filter(pk=season_id).exists():
        raise NotFound("No such season.", code=ErrorCode.SEASON_NOT_FOUND)
    tournament = Tournament.objects.create(
        organizer=organizer,
        name=name,
        game=game,
        max_teams=max_teams,
        team_size=team_size,
        max_substitutes=max_substitutes,
        format=format,
        round_robin_legs=round_robin_legs,
        grand_final_reset=grand_final_reset is not False,
        swiss_rounds=swiss_rounds,
        group_count=group_count or 2,
        group_advancers=group_advancers or 2,
        tiebreakers=tiebreakers,
        seeding=seeding,
        seeding_seed=seeding_seed,
        season_id=season_id,
        registration_opens_at=registration_opens_at,
        registration_closes_at=registration_closes_at,
        entry_fee=entry_fee,
        visibility=visibility,
        check_in_opens_at=check_in_opens_at,
        check_in_closes_at=check_in_closes_at,
        no_show_refund=no_show_refund,
        best_of=best_of,
        round_best_of=_round_best_of(round_best_of or {}),
    )
    audit_record(
        tournament_id=tournament.pk,
        action=AuditAction.TOURNAMENT_CREATED,
        actor=organizer,
        after={"status": tournament.status, "name": name, "max_teams": max_teams, "entry_fee": entry_fee},
    )
    return tournament


def _round_best_of(value: dict[str, int]) -> dict[str, int]:
    try:
        return round_best_of_check(value)
    except InvalidSeries as exc:
        raise InvalidInput(f"{exc}.", code=ErrorCode.INVALID_SERIES) from None


def _tournament_transition(
    *, actor: User, tournament_id: int, source: TournamentStatus, target: TournamentStatus
) -> Tournament:
    """Compare-and-swap the status: exactly one of two racing transitions wins."""
    tournament_run_require(actor=actor, tournament_id=tournament_id)
    moved = tournament_status_swap(
        tournament_id=tournament_id,
        sources=[source],
        target=target,
        pipeline=PIPELINE,
        caller=f"tournament_{target.value}",
    )
    if not moved:
        if not Tournament.objects.filter(pk=tournament_id).exists():
            raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND)
        raise Conflict(f"The tournament is not in status {source.value}.", code=ErrorCode.INVALID_STATUS_TRANSITION)
    audit_record(
        tournament_id=tournament_id,
        action=AUDITED[target],
        actor=actor,
        before={"status": source},
        after={"status": target},
    )
    return Tournament.objects.get(pk=tournament_id)


@transaction.atomic
def tournament_open(*, actor: User, tournament_id: int) -> Tournament:
    return _tournament_transition(
        actor=actor,
        tournament_id=tournament_id,
        source=TournamentStatus.DRAFT,
        target=TournamentStatus.REGISTRATION_OPEN,
    )


@transaction.atomic
def tournament_close(*, actor: User, tournament_id: int) -> Tournament:
    """Close registration. The UPDATE waits for in-flight registrations holding the row lock."""
    return _tournament_transition(
        actor=actor,
        tournament_id=tournament_id,
        source=TournamentStatus.REGISTRATION_OPEN,
        target=TournamentStatus.REGISTRATION_CLOSED,
    )
