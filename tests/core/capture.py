"""Collect the ``arena.locks`` events a test emits (the logger has no handler in tests)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class EventCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.events: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.events.append(dict(record.payload))  # type: ignore[attr-defined]

    def of(self, event: str) -> list[dict[str, Any]]:
        return [payload for payload in self.events if payload["event"] == event]


@contextmanager
def collecting() -> Iterator[EventCollector]:
    collector = EventCollector()
    logger = logging.getLogger("arena.locks")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
