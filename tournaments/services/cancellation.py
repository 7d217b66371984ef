"""Cancelling a tournament: every coin paid into it goes back, exactly once.

The organizer (or staff, ``tournaments.policies``) cancels a tournament in any status
before ``rewards_distributed``. In the cancelling transaction, under the tournament's
row lock (taken first, as every path that moves its pool does):

* the status becomes ``cancelled``, with who cancelled, when and why;
* every active registration's entry fee is refunded, with the reference a withdrawal
  uses (``refund:registration:<id>``), so a fee already refunded is never paid twice;
* what the organizers added to the prize pool goes back to each of them
  (``pool_refund:<tournament>:<user>``), so the pool ends empty;
* the active rosters are released;
* listeners get ``tournament.cancelled``.

Both refunds are one ``wallet_credit_many`` batch each (user wallets in id order, then
the pool: the lock order's last ranks). A registration racing the cancellation either
commits first (and is refunded here) or finds the tournament cancelled (409).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import Conflict, NotFound
from economy import services as economy_services
from economy.models import LedgerEntry, LedgerTransaction
from realtime.events import TOURNAMENT_CANCELLED, publish_on_commit
from tournaments.errors import ErrorCode
from tournaments.locks import tournament_lock
from tournaments.models import AuditAction, Registration, RosterEntry, Tournament, TournamentStatus
from tournaments.policies import tournament_run_require
from tournaments.services.audit import audit_record

PIPELINE = "cancellation"
CANCELLABLE = (
    TournamentStatus.DRAFT,
    TournamentStatus.REGISTRATION_OPEN,
    TournamentStatus.REGISTRATION_CLOSED,
    TournamentStatus.LIVE,
    TournamentStatus.COMPLETED,
)


@dataclass(frozen=True)
class Cancellation:
    tournament: Tournament
    refunded_registrations: int  # entry fees paid back by this call
    returned_funding: int  # coins of prize-pool funding paid back by this call


def _funders(pool_id: int) -> list[tuple[int, int]]:
    """(user id, coins) each funder put into the pool: the debit legs of its fundings."""
    rows = (
        LedgerEntry.objects.filter(
            transaction__kind=LedgerTransaction.Kind.POOL_FUNDING,
            transaction__entries__wallet_id=pool_id,
            wallet__user__isnull=False,
        )
        .values("wallet__user_id")
        .annotate(paid=Sum("amount"))
        .order_by("wallet__user_id")
    )
    return [(row["wallet__user_id"], -row["paid"]) for row in rows if row["paid"] < 0]


@transaction.atomic
def tournament_cancel(*, actor: User, tournament_id: int, reason: str) -> Cancellation:
    tournament_run_require(actor=actor, tournament_id=tournament_id, code=ErrorCode.NOT_ORGANIZER)
    try:
        tournament = tournament_lock(tournament_id=tournament_id, pipeline=PIPELINE, caller="tournament_cancel")
    except Tournament.DoesNotExist:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND) from None
    if tournament.status not in CANCELLABLE:
        raise Conflict(
            f"A {tournament.status} tournament cannot be cancelled.", code=ErrorCode.TOURNAMENT_NOT_CANCELLABLE
        )
    before = {"status": tournament.status}
    now = timezone.now()
    Tournament.objects.filter(pk=tournament.pk).update(
        status=TournamentStatus.CANCELLED, cancelled_at=now, cancelled_by=actor, cancel_reason=reason
    )
    tournament.status, tournament.cancelled_at, tournament.cancelled_by, tournament.cancel_reason = (
        TournamentStatus.CANCELLED,
        now,
        actor,
        reason,
    )
    active = list(
        Registration.objects.filter(tournament_id=tournament.pk, status__in=Registration.ACTIVE_STATUSES)
        .order_by("pk")
        .values_list("pk", "registered_by_id")
    )
    RosterEntry.objects.filter(registration_id__in=[pk for pk, _ in active], active=True).update(active=False)
    refunded: dict[str, int] = {}
    if tournament.entry_fee and active:
        refunded = economy_services.wallet_credit_many(
            credits=[(user_id, tournament.entry_fee, f"refund:registration:{pk}") for pk, user_id in active],
            kind=LedgerTransaction.Kind.REFUND,
            caller="tournament_cancel",
            # None: fees paid before prize pools existed, which went to the treasury.
            pool_id=tournament.prize_pool_id,
        )
    returned = 0
    if tournament.prize_pool_id is not None:
        funders = _funders(tournament.prize_pool_id)
        paid = economy_services.wallet_credit_many(
            credits=[(user_id, coins, f"pool_refund:{tournament.pk}:{user_id}") for user_id, coins in funders],
            kind=LedgerTransaction.Kind.REFUND,
            caller="tournament_cancel",
            pool_id=tournament.prize_pool_id,
        )
        returned = sum(coins for user_id, coins in funders if f"pool_refund:{tournament.pk}:{user_id}" in paid)
    audit_record(
        tournament_id=tournament.pk,
        action=AuditAction.TOURNAMENT_CANCELLED,
        actor=actor,
        before=before,
        after={"status": tournament.status, "refunded_registrations": len(refunded), "returned_funding": returned},
        reason=reason,
    )
    publish_on_commit(
        tournament_id=tournament.pk, type=TOURNAMENT_CANCELLED, data={"status": tournament.status, "reason": reason}
    )
    return Cancellation(tournament=tournament, refunded_registrations=len(refunded), returned_funding=returned)
