"""Reads of the economy: a wallet, its ledger, and the reconciliation of the books."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from economy.models import LedgerEntry, LedgerTransaction, Wallet


@dataclass(frozen=True)
class WalletView:
    balance: int
    version: int


def wallet_get(*, user: User) -> WalletView:
    """The user's balance; a user whose wallet was never made has 0 (a read writes nothing)."""
    row = Wallet.objects.filter(user=user).values_list("balance", "version").first()
    return WalletView(balance=row[0], version=row[1]) if row else WalletView(balance=0, version=0)


def wallet_balance(*, wallet_id: int) -> int:
    """One wallet's balance by id (a prize pool's, say); 0 for an unknown id."""
    balance = Wallet.objects.filter(pk=wallet_id).values_list("balance", flat=True).first()
    return balance or 0


class LedgerEntryRow(TypedDict):
    id: int
    transaction_id: int
    kind: str
    amount: int
    balance_after: int
    created_at: datetime


def ledger_entry_list(*, user: User) -> QuerySet[LedgerEntry, LedgerEntryRow]:
    """The user's ledger legs, newest first (served by index (wallet_id, -id))."""
    return (
        LedgerEntry.objects.filter(wallet__user=user)
        .order_by("-id")
        .values("id", "transaction_id", "kind", "amount", "balance_after", "created_at")
    )


class GrantRow(TypedDict):
    transaction_id: int
    granted_by_id: int | None
    user_id: int
    amount: int
    reason: str
    granted_at: datetime


def grant_list() -> QuerySet[LedgerEntry, GrantRow]:
    """Every grant, newest first: who minted how much for whom, and why (the audit view).

    One row per grant: its receiver's leg (the positive one; the other is the treasury's).
    """
    return (
        LedgerEntry.objects.filter(kind=LedgerTransaction.Kind.GRANT, amount__gt=0)
        .order_by("-transaction_id")
        .values(
            "transaction_id",
            "amount",
            granted_by_id=F("transaction__granted_by_id"),
            user_id=F("wallet__user_id"),
            reason=F("transaction__reason"),
            granted_at=F("transaction__created_at"),
        )
    )


@dataclass(frozen=True)
class Offenders:
    """What ``economy_reconcile`` reports; empty lists mean the books balance."""

    wallets: Sequence[Mapping[str, Any]]
    transactions: Sequence[Mapping[str, Any]]

    @property
    def clean(self) -> bool:
        return not self.wallets and not self.transactions


def ledger_reconcile() -> Offenders:
    """Two aggregate queries: wallets whose balance is not the sum of their legs, and
    transactions whose legs do not sum to zero (or that have fewer than two legs)."""
    leg_sum = (
        LedgerEntry.objects.filter(wallet=OuterRef("pk"))
        .order_by()
        .values("wallet")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    wallets = list(
        Wallet.objects.annotate(ledger=Coalesce(Subquery(leg_sum), Value(0)))
        .exclude(balance=F("ledger"))
        .order_by("pk")
        .values("id", "user_id", "is_treasury", "balance", "ledger")
    )
    transactions = list(
        LedgerTransaction.objects.annotate(total=Coalesce(Sum("entries__amount"), Value(0)), legs=Count("entries"))
        .exclude(total=0, legs__gte=2)
        .order_by("pk")
        .values("id", "kind", "total", "legs")
    )
    return Offenders(wallets=wallets, transactions=transactions)
