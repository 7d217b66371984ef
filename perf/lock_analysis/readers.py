"""Reading lock events out of real logs: prefixes, many files, rotations, stdin.

Lines
    A lock event is the first JSON object found in a line, after any prefix:
    ``2026-02-24 10:15:32,456 INFO app.utils.lock_logger {...}`` (the audit
    plan's origin logs through stdlib ``logging``) reads the same as the bare
    ``{...}`` Arena's emitter writes.  A line with no JSON object is "non-JSON"
    (ignored and counted; an error only with ``strict``).  A JSON object whose
    ``event`` is not a lock kind is "foreign" (another logger's output).

Records and text incidents
    A record starts at a line that begins with a date, a level name or ``{``;
    any other line (a traceback, a PostgreSQL DETAIL block) continues the
    record above it.  A record whose text says ``deadlock detected``
    (PostgreSQL's message) counts as one deadlock, one that names
    ``IntegrityError`` as one IntegrityError, however many of its lines repeat
    it (a chained traceback repeats both).  Its time is the record's leading
    timestamp, read as UTC when it has no offset (logging's default asctime
    has none: run the collector in UTC), or unknown.

Inputs
    Each ``--log-file`` is a path, a glob or ``-`` (stdin); gzip files are
    recognised by their magic bytes, so ``app.log.3.gz`` and a rotation
    without the suffix both read.  A glob's matches are read oldest rotation
    first (``app.log.2.gz``, ``app.log.1.gz``, ``app.log``).  Undecodable
    bytes become U+FFFD, so a corrupt line is just non-JSON.
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import re
import sys
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from perf.lock_analysis.schema import (
    EVENT_KINDS,
    LOCK_DEADLOCK,
    LOCK_INTEGRITY_ERROR,
    LOCK_RELEASED,
    LineError,
    LockEvent,
    LockIncident,
    incident_event,
    released_event,
)

STDIN = "-"
_GZIP_MAGIC = b"\x1f\x8b"
_RECORD_START = re.compile(r"\[?(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}|(DEBUG|INFO|WARN|WARNING|ERROR|CRITICAL|FATAL)\b|\{)")
_LEADING_TIME = re.compile(
    r"\[?(?P<stamp>\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2})(?:[.,](?P<fraction>\d{1,6}))?"
    r"\s?(?P<zone>Z|UTC|[+-]\d{2}:?\d{2})?"
)
TEXT_MENTIONS = {
    LOCK_DEADLOCK: re.compile("deadlock detected", re.IGNORECASE),
    LOCK_INTEGRITY_ERROR: re.compile("IntegrityError"),
}
_decoder = json.JSONDecoder()


@dataclass(frozen=True)
class ParseResult:
    events: tuple[LockEvent, ...]
    errors: tuple[LineError, ...]
    lines: int  # non-blank lines read
    non_json: int
    foreign: int
    # Deadlocks and IntegrityErrors found in log text, one per record (module doc).
    text_incidents: tuple[LockIncident, ...] = ()
    sources: tuple[str, ...] = ()


def find_object(line: str) -> dict[str, Any] | None:
    """The first JSON object in ``line``, after any prefix; None if there is none."""
    start = line.find("{")
    while start != -1:
        try:
            found, _ = _decoder.raw_decode(line, start)
        except ValueError:  # JSONDecodeError and over-deep nesting alike
            pass
        else:
            if isinstance(found, dict):
                return found
        start = line.find("{", start + 1)
    return None


def leading_time(line: str) -> datetime | None:
    """The timestamp a logging prefix starts with, in UTC (naive is read as UTC)."""
    match = _LEADING_TIME.match(line)
    if match is None:
        return None
    stamp = match["stamp"].replace(" ", "T") + "." + (match["fraction"] or "0").ljust(6, "0")
    zone = match["zone"]
    if zone in (None, "Z", "UTC"):
        zone = "+00:00"
    try:
        return datetime.fromisoformat(stamp + zone).astimezone(UTC)
    except ValueError:
        return None


class _TextRecords:
    """Groups lines into records and keeps one incident per kind per record."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.found: list[LockIncident] = []
        self._open: dict[str, int] = {}  # kind -> line of its mention in this record
        self._start_line = 0
        self._at: datetime | None = None

    def feed(self, line_no: int, text: str) -> None:
        if _RECORD_START.match(text):
            self._close()
            self._start_line, self._at = line_no, leading_time(text)
        for kind, pattern in TEXT_MENTIONS.items():
            if kind not in self._open and pattern.search(text):
                self._open[kind] = line_no

    def _close(self) -> None:
        for kind, line_no in self._open.items():
            self.found.append(LockIncident(line_no, kind, self._at, source=self.source, from_text=True))
        self._open = {}

    def finish(self) -> list[LockIncident]:
        self._close()
        return self.found


def parse_events(lines: Iterable[str], *, strict: bool = False, source: str = "") -> ParseResult:
    """Parse one stream of log lines into lock events, line errors and text incidents.

    Streams ``lines`` once, so a large log file object can be passed directly.
    With ``strict`` a line without a JSON object is also reported as an error.
    """
    events: list[LockEvent] = []
    errors: list[LineError] = []
    records = _TextRecords(source)
    read = non_json = foreign = 0
    for line_no, raw in enumerate(lines, start=1):
        text = raw.strip()
        if not text:
            continue
        read += 1
        record = find_object(text)
        kind = None if record is None else record.get("event")
        if kind not in EVENT_KINDS:
            # A lock event is never a text incident: its own fields say what happened.
            records.feed(line_no, text)
        if record is None:
            non_json += 1
            if strict:
                errors.append(LineError(line_no, "not a JSON object", source=source))
            continue
        if kind not in EVENT_KINDS:
            foreign += 1
            continue
        parse = released_event if kind == LOCK_RELEASED else incident_event
        outcome = parse(record, line_no=line_no, source=source)
        if isinstance(outcome, LineError):
            errors.append(outcome)
        else:
            events.append(outcome)
    incidents = tuple(records.finish())
    return ParseResult(tuple(events), tuple(errors), read, non_json, foreign, incidents, (source,))


def merge(results: Sequence[ParseResult]) -> ParseResult:
    return ParseResult(
        events=tuple(event for result in results for event in result.events),
        errors=tuple(error for result in results for error in result.errors),
        lines=sum(result.lines for result in results),
        non_json=sum(result.non_json for result in results),
        foreign=sum(result.foreign for result in results),
        text_incidents=tuple(incident for result in results for incident in result.text_incidents),
        sources=tuple(source for result in results for source in result.sources),
    )


def _rotation_key(path: str) -> tuple[str, int]:
    # app.log.2.gz before app.log.1.gz before app.log: oldest first.
    match = re.fullmatch(r"(.*?)(?:\.(\d+))?(?:\.gz)?", path)
    assert match is not None  # the pattern matches any string
    return match[1], -int(match[2] or 0)


def expand(specs: Sequence[str]) -> list[str]:
    """Paths (and ``-``) for the ``--log-file`` values; raises OSError on a glob matching nothing."""
    paths: list[str] = []
    for spec in specs:
        if spec != STDIN and glob.has_magic(spec):
            matches = sorted(glob.glob(spec), key=_rotation_key)
            if not matches:
                raise FileNotFoundError(f"no file matches {spec!r}")
            paths += matches
        else:
            paths.append(spec)
    return paths


@contextmanager
def open_text(path: str, *, stdin: IO[str] | None = None) -> Iterator[IO[str]]:
    """A text stream of ``path`` (``-`` is stdin), gunzipped when it is gzip."""
    if path == STDIN:
        if stdin is not None:
            yield stdin
            return
        wrapper = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
        try:
            yield wrapper
        finally:
            wrapper.detach()  # leave the process's stdin open
        return
    with Path(path).open("rb") as raw:
        compressed = raw.read(2) == _GZIP_MAGIC
        raw.seek(0)
        binary: IO[bytes] = gzip.GzipFile(fileobj=raw) if compressed else raw  # type: ignore[assignment]
        with io.TextIOWrapper(binary, encoding="utf-8", errors="replace") as handle:
            yield handle


def load_log(path: Path | str, *, strict: bool = False, stdin: IO[str] | None = None) -> ParseResult:
    """Parse one file (or ``-``); raises OSError when it cannot be read, a broken gzip included."""
    try:
        with open_text(str(path), stdin=stdin) as handle:
            return parse_events(handle, strict=strict, source=str(path))
    except (EOFError, zlib.error) as exc:  # a truncated or corrupt gzip stream
        raise OSError(f"{path}: {exc}") from exc


def load_logs(specs: Sequence[str], *, strict: bool = False, stdin: IO[str] | None = None) -> ParseResult:
    """Parse every file the ``--log-file`` values name, each as its own stream."""
    return merge([load_log(path, strict=strict, stdin=stdin) for path in expand(specs)])
