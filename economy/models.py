from django.conf import settings
from django.db import models
from django.db.models import Q


class Wallet(models.Model):
    """One per user, plus one system treasury through which coins enter the economy.

    ``balance`` changes only through ``economy.services``; the check constraint is
    the last line of defence against a negative balance, whatever a bug does.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wallet",
    )
    is_treasury = models.BooleanField(default=False)
    # A tournament's prize pool (issue 17): entry fees in escrow, prizes out. Owned by
    # no user; the tournament points at it (economy knows nothing of tournaments).
    is_pool = models.BooleanField(default=False)
    balance = models.BigIntegerField(default=0)
    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # The treasury alone may go negative: its balance is minus all coins granted.
            models.CheckConstraint(
                condition=Q(balance__gte=0) | Q(is_treasury=True),
                name="wallet_balance_gte_0",
            ),
            # Exactly one of: a user's wallet, the treasury, a prize pool (which, like a
            # user's wallet, never goes negative: it pays out only what came in).
            models.CheckConstraint(
                condition=Q(is_treasury=True, is_pool=False, user__isnull=True)
                | Q(is_treasury=False, is_pool=True, user__isnull=True)
                | Q(is_treasury=False, is_pool=False, user__isnull=False),
                name="wallet_owner_kind",
            ),
            models.UniqueConstraint(
                fields=["is_treasury"],
                condition=Q(is_treasury=True),
                name="wallet_one_treasury",
            ),
        ]
        indexes = [models.Index(fields=["user", "version"], name="wallet_user_version_idx")]

    def __str__(self) -> str:
        if self.is_treasury:
            return "treasury"
        return f"prize pool {self.pk}" if self.is_pool else f"wallet of {self.user_id}"


class LedgerTransaction(models.Model):
    """One money movement: its legs (LedgerEntry) always sum to zero.

    ``owner`` + ``idempotency_key`` scope a client's Idempotency-Key per user;
    ``reference`` is the stable key of system movements (entry fees, refunds,
    rewards) so that re-running a pipeline can never pay twice.
    """

    class Kind(models.TextChoices):
        TRANSFER = "transfer", "Transfer"
        GRANT = "grant", "Grant"
        ENTRY_FEE = "entry_fee", "Entry fee"
        REFUND = "refund", "Refund"
        PRIZE = "prize", "Prize"
        REWARD = "reward", "Reward"
        POOL_FUNDING = "pool_funding", "Prize pool funding"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    reference = models.CharField(max_length=255, null=True, blank=True, unique=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    # Who minted a grant and why (issue 17): None for the system (``economy_grant``,
    # seed data) and for every other kind.
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Minting is its own permission, not is_staff: staff run tournaments, few mint coins.
        permissions = [("grant_coins", "Can grant coins (mint them from the treasury)")]
        indexes = [models.Index(fields=["granted_by", "created_at"], name="ledgertx_granted_by_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "idempotency_key"],
                condition=Q(owner__isnull=False) & ~Q(idempotency_key=""),
                name="ledgertx_idempotency_key_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "transfer",
                        "grant",
                        "entry_fee",
                        "refund",
                        "prize",
                        "reward",
                        "pool_funding",
                    ]
                ),
                name="ledgertx_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LedgerEntry(models.Model):
    """An immutable leg of a LedgerTransaction: a signed amount on one wallet."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    kind = models.CharField(max_length=16, choices=LedgerTransaction.Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="ledgerentry_amount_nonzero")]
        indexes = [models.Index(fields=["wallet", "-id"], name="ledgerentry_wallet_recent_idx")]

    def __str__(self) -> str:
        return f"{self.amount:+d} on {self.wallet_id} (tx {self.transaction_id})"
