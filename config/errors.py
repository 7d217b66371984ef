"""The one exception handler that turns every error into JSON, and the status of each domain error.

Services raise ``core.errors.DomainError`` subclasses, which know nothing about HTTP;
``STATUS_BY_ERROR`` below gives each class its status. Every error response has the same shape:
``{"code": "<stable machine-readable code>", "detail": "<human text>"}``, plus
``"fields"`` for validation errors.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unprocessable

#: The HTTP status of each domain error class (the domain itself knows nothing of HTTP).
STATUS_BY_ERROR: dict[type[DomainError], int] = {
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Unprocessable: status.HTTP_422_UNPROCESSABLE_ENTITY,
    InvalidInput: status.HTTP_400_BAD_REQUEST,
    DomainError: status.HTTP_409_CONFLICT,
}


def status_for(error: DomainError) -> int:
    """The status of the nearest mapped class in the error's MRO."""
    return next(STATUS_BY_ERROR[cls] for cls in type(error).__mro__ if cls in STATUS_BY_ERROR)


_DRF_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "invalid",
}


def _first_message(data: Any) -> str:
    if isinstance(data, dict):
        for key, value in data.items():
            message = _first_message(value)
            return message if key == "non_field_errors" else f"{key}: {message}"
    if isinstance(data, list) and data:
        return _first_message(data[0])
    return str(data)


logger = logging.getLogger("arena.errors")

DATABASE_UNAVAILABLE = "database_unavailable"
_DATABASE_UNAVAILABLE_DETAIL = "The database is unavailable; retry shortly."
#: SQLSTATEs of a connection lost or refused: class 08 (connection exception) and the
#: server going away (57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now).
_CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` means "no database right now" rather than a bug or a refused statement.

    A connection refused or lost, and the pool's timeout waiting for one, carry no
    SQLSTATE (psycopg raises them client-side) or one of the connection classes above.
    A statement the server refused (a constraint, a serialization failure) carries
    its own SQLSTATE and stays what it is. On SQLite, an OperationalError (a locked or
    unreadable file) carries none and is treated the same way: retrying later is right.
    """
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    sqlstate = getattr(exc.__cause__, "sqlstate", None)
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _CONNECTION_SQLSTATES


def _database_unavailable_body() -> tuple[dict[str, str], dict[str, str]]:
    retry_after = {"Retry-After": str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)}
    return {"code": DATABASE_UNAVAILABLE, "detail": _DATABASE_UNAVAILABLE_DETAIL}, retry_after


def database_unavailable_response(request: Any, exc: BaseException) -> JsonResponse:
    """503 with Retry-After: the request wrote nothing (its transaction never committed)."""
    logger.warning("database unavailable: %s %s: %s", request.method, request.path, exc)
    body, headers = _database_unavailable_body()
    return JsonResponse(body, status=503, headers=headers)


class DatabaseUnavailableMiddleware:
    """The plain-Django path (admin, health, anything not DRF): a lost or refused
    database connection raised by a view answers 503, not a bare 500. DRF views are
    answered by ``exception_handler``; ``handler500`` catches what raises elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return database_unavailable_response(request, exception) if database_unavailable(exception) else None


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if database_unavailable(exc):
        logger.warning("database unavailable: %s", exc)
        body, headers = _database_unavailable_body()
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.detail}, status=status_for(exc))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, OverflowError):
        # SQLite cannot bind an integer beyond 64 bits where PostgreSQL simply finds no
        # row: such an id (from a URL; bodies are bounded by serializers) names nothing.
        exc = exceptions.NotFound()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"code": code, "detail": _first_message(exc.detail), "fields": exc.detail}
    else:
        response.data = {"code": code, "detail": str(exc.detail)}
    return response


def json_error(request: Any, status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status_code)


def handler404(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 404, "not_found", "Not found.")


def handler500(request: Any) -> JsonResponse:
    # Called inside Django's except block (sync path): a database outage raised outside
    # a view (in a middleware, say) still answers 503 with Retry-After.
    exc = sys.exc_info()[1]
    if database_unavailable(exc):
        assert exc is not None
        return database_unavailable_response(request, exc)
    return json_error(request, 500, "server_error", "Internal server error.")


def handler400(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 400, "bad_request", "Bad request.")


def handler403(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 403, "permission_denied", "Forbidden.")


def api_not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    return json_error(request, 404, "not_found", f"No API endpoint at {request.path}.")
