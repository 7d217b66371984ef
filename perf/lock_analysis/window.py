"""The ``--since-days`` / ``--since-hours`` window.

``Window.last(now=..., span=...)`` keeps events with
``now - span <= timestamp <= now``.  Events outside are counted, not silently
lost.  Items whose timestamp could not be read (a malformed line, a text
record without a leading time) are always kept: they cannot be shown to be
outside the window.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def last(cls, *, now: datetime, span: timedelta) -> Window:
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return cls(start=now - span, end=now)

    def contains(self, at: datetime | None) -> bool:
        # An unknown timestamp cannot be proven outside, so it stays in.
        return at is None or self.start <= at <= self.end


def select_window(items: Sequence[Any], *, window: Window | None) -> tuple[list[Any], int]:
    """Split events or line errors by ``window``; return (kept, dropped count)."""
    if window is None:
        return list(items), 0
    kept = [item for item in items if window.contains(item.at)]
    return kept, len(items) - len(kept)
