"""Webhook signatures: HMAC-SHA256 over the timestamp and the body (docs/webhooks.md).

Header (Stripe's scheme)::

    X-Arena-Signature: t=1733616000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

``v1`` is ``hex(HMAC_SHA256(secret, f"{t}." + body))``. A receiver recomputes it over
the raw body it received, compares in constant time, and refuses a ``t`` older than its
replay window: a captured delivery cannot be replayed later, and a changed body or
timestamp does not verify. ``verify`` is the receiver's side, for Python receivers and tests.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Arena-Signature"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header's value for ``body``, signed now (or at ``timestamp``)."""
    at = int(time.time()) if timestamp is None else timestamp
    return f"t={at},v1={signature(secret=secret, timestamp=at, body=body)}"


def verify(*, secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None) -> bool:
    """Whether ``header`` signs ``body`` with ``secret``, at most ``tolerance`` seconds ago."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        at = int(fields["t"])
    except (KeyError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - at) > tolerance:
        return False
    return hmac.compare_digest(fields.get("v1", ""), signature(secret=secret, timestamp=at, body=body))
