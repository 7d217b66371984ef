"""The one exception handler that turns every error into JSON, and the status of each domain error.

Services raise ``core.errors.DomainError`` subclasses, which know nothing about HTTP;
``STATUS_BY_ERROR`` below gives each class its status. Every error response has the same shape:
``{"code": "<stable machine-readable code>", "detail": "<human text>"}``, plus
``"fields"`` for validation errors.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
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


def exception_handler(exc: Exception, context: dict) -> Response | None:
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
    return json_error(request, 500, "server_error", "Internal server error.")


def handler400(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 400, "bad_request", "Bad request.")


def handler403(request: Any, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 403, "permission_denied", "Forbidden.")


def api_not_found(request: Any, *args: Any, **kwargs: Any) -> JsonResponse:
    return json_error(request, 404, "not_found", f"No API endpoint at {request.path}.")
