"""One POST to a webhook endpoint: no redirects, a timeout, and no private targets in production.

The standard library's client, not a new dependency: one POST with a few headers is all
a delivery needs. Redirects are not followed (a 3xx is a failed delivery): a redirect
would let an endpoint point the worker at another host. Unless
``WEBHOOK_ALLOW_PRIVATE_TARGETS`` (on outside production), a host that resolves to a
loopback, private, link-local or reserved address is refused before any connection
(server-side request forgery into the platform's own network).
"""

from __future__ import annotations

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True)
class Answer:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: float


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises HTTPError for the 3xx


_opener = urllib.request.build_opener(_NoRedirect)


def target_refusal(url: str) -> str | None:
    """Why the worker may not POST to ``url``, or None."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "only http and https URLs with a host"
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        return f"the host does not resolve ({error})"
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return f"the host resolves to a non-public address ({address})"
    return None


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body``; any 2xx is delivered, anything else (or no answer) is a failure with its reason."""
    started = time.perf_counter()

    def answer(ok: bool, status: int | None, error: str) -> Answer:
        return Answer(ok=ok, status_code=status, error=error[:500], duration_ms=(time.perf_counter() - started) * 1000)

    refusal = target_refusal(url)
    if refusal is not None:
        return answer(False, None, f"refused: {refusal}")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (scheme checked above)
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)  # the answer's body is not kept; reading a little lets keep-alive servers finish
            return answer(True, response.status, "")
    except urllib.error.HTTPError as error:
        return answer(False, error.code, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return answer(False, None, f"{type(error).__name__}: {reason}")
