from django.contrib import admin

from accounts.admin import OrganizerReadOnlyAdmin, OrganizerReadOnlyInline
from economy.models import LedgerEntry, LedgerTransaction, Wallet


class LedgerEntryInline(OrganizerReadOnlyInline):
    """A wallet's most recent ledger legs; the full history is the LedgerTransaction list."""

    model = LedgerEntry
    fk_name = "wallet"
    fields = ["created_at", "kind", "amount", "balance_after", "transaction"]
    ordering = ["-id"]
    max_num = 0


@admin.register(Wallet)
class WalletAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "user", "is_treasury", "balance", "version", "updated_at"]
    list_select_related = ["user"]
    list_filter = ["is_treasury"]
    search_fields = ["user__username"]
    inlines = [LedgerEntryInline]


class LedgerTransactionEntryInline(OrganizerReadOnlyInline):
    model = LedgerEntry
    fk_name = "transaction"
    fields = ["wallet", "amount", "balance_after"]


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(OrganizerReadOnlyAdmin):
    list_display = ["id", "kind", "owner", "reference", "granted_by", "reason", "created_at"]
    list_select_related = ["owner", "granted_by"]
    list_filter = ["kind"]
    search_fields = ["reference", "owner__username", "granted_by__username", "reason"]
    # The stored replay body and request fingerprint are internals of idempotency.
    exclude = ["response_body", "fingerprint"]
    inlines = [LedgerTransactionEntryInline]
