"""Domain error types, free of HTTP (and of Django): services raise them, nothing else.

A service refuses an operation by raising one of these, with a stable machine-readable
``code`` (each app's ``errors.py`` holds its codes as an enum) and a human ``detail``;
nothing has been written when it does. Which HTTP status each class means is decided
at the edge, in ``config/errors.py``.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation; nothing was written."""

    code: str = "conflict"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = str(code)


class NotFound(DomainError):
    """The named object does not exist (or the caller may not know it does)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller may not do this."""

    code = "permission_denied"


class Conflict(DomainError):
    """The current state forbids it (a race lost, a status that does not allow it)."""

    code = "conflict"


class Unprocessable(DomainError):
    """Well-formed input the rules refuse (a draw, a team too small, no funds)."""

    code = "unprocessable"


class InvalidInput(DomainError):
    """Malformed input a serializer could not catch."""

    code = "invalid"
