"""A tournament's prize pool: its own escrow wallet (issue 17, finding 9).

Entry fees go in (``registration_create``), refunds come out (withdrawal, the waitlist
rejected at the start), the organizer may add to it (``prize_pool_fund``), and at
finalization the whole pool is paid to the champions (``prizes_pay``). The treasury is
never touched on these paths, so paid registrations of different tournaments share no
row. Every movement of a pool runs under its tournament's row lock, taken first (lock
order: tournament → ... → wallet); the pool itself is updated last, after the user
wallets, as the treasury is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import Conflict, NotFound
from economy import services as economy_services
from economy.models import LedgerTransaction
from economy.selectors import wallet_balance
from tournaments.awards import Award
from tournaments.errors import ErrorCode
from tournaments.locks import tournament_lock
from tournaments.models import Tournament, TournamentStatus
from tournaments.policies import tournament_run_check

PIPELINE = "prize_pool"
CLOSED_STATUSES = (TournamentStatus.REWARDS_DISTRIBUTED, TournamentStatus.CANCELLED)


@dataclass(frozen=True)
class PrizePoolFunding:
    tournament_id: int
    amount: int
    prize_pool: int  # the pool's balance after the funding


def prize_pool_id_ensure(tournament: Tournament) -> int:
    """The tournament's prize pool, made on first use.

    Precondition: the caller holds the tournament's row lock, so two registrations
    cannot both make one.
    """
    if tournament.prize_pool_id is None:
        tournament.prize_pool_id = economy_services.pool_create().pk
        Tournament.objects.filter(pk=tournament.pk).update(prize_pool_id=tournament.prize_pool_id)
    return tournament.prize_pool_id


@transaction.atomic
def prize_pool_fund(*, actor: User, tournament_id: int, amount: int, idempotency_key: str) -> PrizePoolFunding:
    """Move ``amount`` from the actor's wallet into the tournament's prize pool.

    Who: whoever runs the tournament (``tournaments.policies``). Idempotent per
    (tournament, actor, key): a retry with the same key moves nothing more.
    """
    found = Tournament.objects.filter(pk=tournament_id).values("organizer_id").first()
    if found is None:
        raise NotFound("No such tournament.", code=ErrorCode.TOURNAMENT_NOT_FOUND)
    tournament_run_check(actor=actor, organizer_id=found["organizer_id"])
    tournament = tournament_lock(tournament_id=tournament_id, pipeline=PIPELINE, caller="prize_pool_fund")
    if tournament.status in CLOSED_STATUSES:
        raise Conflict("This tournament's prizes are settled.", code=ErrorCode.PRIZE_POOL_CLOSED)
    pool_id = prize_pool_id_ensure(tournament)
    # The key is hashed: a reference is at most 255 characters, and so is a key.
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    economy_services.wallet_debit(
        user=actor,
        amount=amount,
        kind=LedgerTransaction.Kind.POOL_FUNDING,
        reference=f"pool_funding:{tournament_id}:{actor.pk}:{digest}",
        pool_id=pool_id,
    )
    return PrizePoolFunding(tournament_id=tournament_id, amount=amount, prize_pool=wallet_balance(wallet_id=pool_id))


def prizes_pay(*, tournament: Tournament, awards: Sequence[Award], caller: str) -> int:
    """Pay the whole pool to the champions (placement 1) in equal shares; returns the coins paid.

    The remainder of the division goes to the champion with the lowest user id, so
    the pool ends at 0 and no coin is lost. Precondition: the caller holds the
    tournament's row lock, so the pool's balance cannot change under us. Idempotent
    on ``prize:<tournament>:<user>``.
    """
    if tournament.prize_pool_id is None:
        return 0
    pool = wallet_balance(wallet_id=tournament.prize_pool_id)
    champions = sorted({award.user_id for award in awards if award.placement == 1})
    if pool <= 0 or not champions:
        return 0
    share, rest = divmod(pool, len(champions))
    amounts = [share + (rest if index == 0 else 0) for index in range(len(champions))]
    credits = [
        (user_id, amount, f"prize:{tournament.pk}:{user_id}")
        for user_id, amount in zip(champions, amounts, strict=True)
        if amount > 0
    ]
    economy_services.wallet_credit_many(
        credits=credits, kind=LedgerTransaction.Kind.PRIZE, caller=caller, pool_id=tournament.prize_pool_id
    )
    return pool
