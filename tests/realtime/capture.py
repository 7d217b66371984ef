"""Capture the events delivered after commit (the outbox's hand-off), as the tests of writers see them."""

from __future__ import annotations

import json
import threading


def capture_delivered(monkeypatch) -> list[dict]:
    """Replace ``realtime.events.deliver``: each delivered event, decoded, as
    ``{"tournament_id", "type", "data"}`` (``seq`` and ``ts`` left out: tests compare payloads)."""
    delivered: list[dict] = []
    lock = threading.Lock()

    def record(*, tournament_id: int, seq: int, text: str) -> None:
        event = json.loads(text)
        assert (event["tournament_id"], event["seq"]) == (tournament_id, seq)
        with lock:
            delivered.append({key: event[key] for key in ("tournament_id", "type", "data")})

    monkeypatch.setattr("realtime.events.deliver", record)
    return delivered
