"""Error codes of the webhooks app (part of the API: never renamed)."""

from enum import StrEnum


class ErrorCode(StrEnum):
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    URL_REFUSED = "webhook_url_refused"
    WEBHOOK_NOT_FOUND = "webhook_not_found"
