"""Grants by people: minting coins, capped, attributed and audited (issue 17, finding 4).

Before, any staff member minted up to 2^53 coins per call, to anyone, themselves
included, and the ledger did not say who. Now a grant needs the ``economy.grant_coins``
permission (checked at the edge), names a reason, never goes to the granter, is capped
per call and per granting user per rolling 24 hours (settings), and its ledger
transaction records ``granted_by`` and ``reason`` (``grant_list`` reads them back).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.errors import InvalidInput, Unprocessable
from economy import locks
from economy.errors import ErrorCode
from economy.models import LedgerEntry, LedgerTransaction
from economy.services.ledger import amount_check, wallet_create
from economy.services.movements import wallet_grant

DAILY_WINDOW = timedelta(hours=24)


@transaction.atomic
def grant_create(*, actor: User, user: User, amount: int, reason: str) -> tuple[LedgerTransaction, int]:
    """Mint ``amount`` for ``user`` on behalf of ``actor``; returns the grant and the new balance.

    Precondition: the caller checked ``actor.has_perm("economy.grant_coins")``.
    The daily cap is decided under the row locks of both wallets (the granter's, the
    receiver's: one statement, id order), so two concurrent grants by one granter
    cannot both pass it; the treasury is then taken last, as by every movement.
    """
    amount_check(amount)
    if not reason.strip():
        raise InvalidInput("A grant needs a reason.", code=ErrorCode.INVALID_REASON)
    if user.pk == actor.pk:
        raise Unprocessable("You cannot grant coins to yourself.", code=ErrorCode.SELF_GRANT)
    if amount > settings.ECONOMY_GRANT_MAX_AMOUNT:
        raise Unprocessable(
            f"A grant is at most {settings.ECONOMY_GRANT_MAX_AMOUNT} coins.", code=ErrorCode.GRANT_LIMIT_EXCEEDED
        )
    wallet_create(user=actor)
    wallet_create(user=user)
    locks.wallets_lock(user_ids=[actor.pk, user.pk], caller="grant_create")
    if _granted_today(actor=actor) + amount > settings.ECONOMY_GRANT_DAILY_LIMIT:
        raise Unprocessable(
            f"You may grant at most {settings.ECONOMY_GRANT_DAILY_LIMIT} coins per 24 hours.",
            code=ErrorCode.GRANT_DAILY_LIMIT_EXCEEDED,
        )
    return wallet_grant(user=user, amount=amount, granted_by=actor, reason=reason.strip())


def _granted_today(*, actor: User) -> int:
    since = timezone.now() - DAILY_WINDOW
    minted = LedgerEntry.objects.filter(
        transaction__granted_by=actor,
        transaction__created_at__gte=since,
        kind=LedgerTransaction.Kind.GRANT,
        amount__gt=0,
    )
    return minted.aggregate(total=Sum("amount"))["total"] or 0
