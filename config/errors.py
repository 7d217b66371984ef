"""Domain errors and the one exception handler that turns every error into JSON.

Services raise ``DomainError`` subclasses; they know nothing about HTTP beyond the
status their error maps to. Every error response has the same shape:
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


class DomainError(Exception):
    """A rule of the domain refused the operation; nothing was written."""

    status_code: int = status.HTTP_409_CONFLICT
    code: str = "conflict"

    def __init__(self, detail: str, *, code: str | None = None, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class Unprocessable(DomainError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "unprocessable"


class InvalidInput(DomainError):
    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"


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
        return Response({"code": exc.code, "detail": exc.detail}, status=exc.status_code)
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
