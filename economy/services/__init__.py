"""Every balance change goes through this package; the names below are the economy's write API.

* ``ledger``: the amount rule, wallets, ledger legs (what every movement shares);
* ``movements``: system movements against the treasury (fees, refunds, rewards, grants);
* ``transfers``: user-to-user transfers, idempotent and retried under contention.
"""

from economy.services.grants import grant_create
from economy.services.ledger import MAX_AMOUNT, treasury_get, wallet_create
from economy.services.movements import (
    Credit,
    pool_create,
    wallet_credit,
    wallet_credit_many,
    wallet_debit,
    wallet_grant,
)
from economy.services.transfers import (
    STRATEGIES,
    TransferOutcome,
    idempotency_keys_expire,
    transfer_fingerprint,
    wallet_transfer,
)

__all__ = [
    "MAX_AMOUNT",
    "STRATEGIES",
    "Credit",
    "TransferOutcome",
    "grant_create",
    "pool_create",
    "idempotency_keys_expire",
    "transfer_fingerprint",
    "treasury_get",
    "wallet_create",
    "wallet_credit",
    "wallet_credit_many",
    "wallet_debit",
    "wallet_grant",
    "wallet_transfer",
]
