"""Error codes of the accounts app: the stable ``code`` of every refusal it raises.

Part of the API: clients switch on these strings, so a member is never renamed.
"""

from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID_CREDENTIALS = "invalid_credentials"
    USERNAME_TAKEN = "username_taken"
    WEAK_PASSWORD = "weak_password"  # noqa: S105 - an error code, not a password
