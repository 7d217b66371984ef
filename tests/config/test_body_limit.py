"""The ASGI body cap (config/body_limit.py): 413 JSON before Django spools anything.

The real-server proof (a 50 MB body to gunicorn + uvicorn, the temp directory watched)
is tests/config/test_serve_limits.py.
"""

from __future__ import annotations

import json

import pytest
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth import get_user_model

from config.asgi import application
from config.body_limit import BodySizeLimitMiddleware
from tests import factories

LIMIT = 256 * 1024


def _scope(headers: list[tuple[bytes, bytes]], path: str = "/api/auth/users/") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }


async def _response(communicator: ApplicationCommunicator) -> tuple[int, dict]:
    start = await communicator.receive_output(timeout=5)
    body = await communicator.receive_output(timeout=5)
    return start["status"], json.loads(body["body"])


class _Untouched:
    """An inner app that records whether it was ever called."""

    called = False

    async def __call__(self, scope, receive, send) -> None:
        self.called = True


@pytest.mark.asyncio
async def test_declared_oversized_body_is_refused_without_calling_the_app_or_reading_it(settings):
    settings.REQUEST_BODY_MAX_BYTES = LIMIT
    inner = _Untouched()
    communicator = ApplicationCommunicator(
        BodySizeLimitMiddleware(inner), _scope([(b"content-length", str(50 * 1024 * 1024).encode())])
    )
    await communicator.send_input({"type": "http.request", "body": b"x" * 1024, "more_body": True})

    status, body = await _response(communicator)

    assert (status, body["code"]) == (413, "request_too_large")
    assert inner.called is False
    # The one chunk sent is still waiting in the input queue: nothing read it.
    assert communicator.input_queue.qsize() == 1


@pytest.mark.asyncio
async def test_malformed_content_length_is_refused():
    communicator = ApplicationCommunicator(BodySizeLimitMiddleware(_Untouched()), _scope([(b"content-length", b"-5")]))
    status, body = await _response(communicator)
    assert (status, body["code"]) == (413, "request_too_large")


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_streamed_body_over_the_cap_gets_413_and_writes_nothing(settings):
    settings.REQUEST_BODY_MAX_BYTES = LIMIT
    communicator = ApplicationCommunicator(application, _scope([(b"transfer-encoding", b"chunked")]))
    chunk = b" " * (64 * 1024)
    for _ in range(LIMIT // len(chunk)):
        await communicator.send_input({"type": "http.request", "body": chunk, "more_body": True})
    tail = json.dumps({"username": "spooled", "password": factories.PASSWORD}).encode()
    await communicator.send_input({"type": "http.request", "body": tail, "more_body": False})

    status, body = await _response(communicator)

    assert (status, body["code"]) == (413, "request_too_large")
    assert not await get_user_model().objects.filter(username="spooled").aexists()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_body_under_the_cap_reaches_django(settings):
    settings.REQUEST_BODY_MAX_BYTES = LIMIT
    body = json.dumps({"username": "small", "password": factories.PASSWORD}).encode()
    communicator = ApplicationCommunicator(application, _scope([(b"content-length", str(len(body)).encode())]))
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})

    status, payload = await _response(communicator)

    assert status == 201
    assert payload["user"]["username"] == "small"
