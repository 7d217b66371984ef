"""Error codes of the economy app: the stable ``code`` of every refusal it raises.

Part of the API: clients switch on these strings, so a member is never renamed.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    BALANCE_OVERFLOW = "balance_overflow"
    CONTENTION = "contention"
    GRANT_DAILY_LIMIT_EXCEEDED = "grant_daily_limit_exceeded"
    GRANT_LIMIT_EXCEEDED = "grant_limit_exceeded"
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid"
    IDEMPOTENCY_KEY_MISSING = "idempotency_key_missing"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_KIND = "invalid_kind"
    INVALID_REASON = "invalid_reason"
    INVALID_REFERENCE = "invalid_reference"
    RECEIVER_NOT_FOUND = "receiver_not_found"
    SELF_GRANT = "self_grant"
    SELF_TRANSFER = "self_transfer"
    USER_NOT_FOUND = "user_not_found"
