"""A webhook receiver on loopback, in a thread of the test process: real HTTP, scripted answers.

``Receiver(fail_first=2)`` answers 500 to its first two calls, then 204. ``hold_first=True``
keeps its first call waiting (no answer) until ``release()``: a delivery in flight.
``calls`` is every request as received; ``accepted`` the ones it answered 2xx;
``arrivals`` the wall-clock time each delivery id was first accepted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Call:
    headers: dict[str, str]
    body: bytes

    @property
    def delivery(self) -> str:
        return self.headers["X-Arena-Delivery"]


class Receiver:
    def __init__(self, *, fail_first: int = 0, hold_first: bool = False) -> None:
        self.fail_first = fail_first
        self.calls: list[Call] = []
        self.accepted: list[Call] = []
        self.arrivals: dict[str, float] = {}
        self.in_flight = threading.Event()
        self._release = threading.Event()
        self._hold_first = hold_first
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def release(self) -> None:
        self._release.set()

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, call: Call) -> int:
        with self._lock:
            self.calls.append(call)
            number = len(self.calls)
        if number == 1 and self._hold_first:
            self.in_flight.set()
            self._release.wait(60)
            return 503
        if number <= self.fail_first:
            return 500
        with self._lock:
            self.accepted.append(call)
            self.arrivals.setdefault(call.delivery, time.time())
        return 204

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status = receiver._answer(Call(headers=dict(self.headers.items()), body=body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:  # quiet test output
                pass

        return Handler
