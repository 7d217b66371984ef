"""Error codes of the notifications app (part of the API: never renamed)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    CERTIFICATE_NOT_FOUND = "certificate_not_found"
