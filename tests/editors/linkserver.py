"""A local HTTP server on 127.0.0.1 for the link check: answers 200, 301, 404, 500, HEAD-refusing and slow
paths, and records every request (method, path, start, end) and how many ran at the same time."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Protokoll:
    anfragen: list[tuple[str, str, float, float]] = field(default_factory=list)  # method, path, start, end
    gleichzeitig: int = 0
    hoechstens: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.anfragen.clear()
            self.gleichzeitig = self.hoechstens = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    protokoll: Protokoll
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        p = self.protokoll
        start = time.monotonic()
        with p.lock:
            p.gleichzeitig += 1
            p.hoechstens = max(p.hoechstens, p.gleichzeitig)
        try:
            path = self.path.split("?")[0]
            if path.startswith("/langsam-kurz"):
                time.sleep(0.3)
                self._send(200, body)
            elif path.startswith("/langsam"):
                time.sleep(3)
                self._send(200, body)
            elif path == "/alt":
                self._send(301, body, location="/ok")
            elif path == "/umweg":
                self._send(302, body, location="/ok")
            elif path == "/weg":
                self._send(404, body)
            elif path == "/kaputt":
                self._send(500, body)
            elif path == "/nur-get":
                self._send(405 if not body else 200, body)
            else:
                self._send(200, body)
        finally:
            with p.lock:
                p.gleichzeitig -= 1
                p.anfragen.append((self.command, self.path, start, time.monotonic()))

    def _send(self, code: int, body: bool, location: str | None = None) -> None:
        data = f"<!DOCTYPE html><title>{code}</title>".encode()
        try:
            self.send_response(code)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (its timeout)
            pass


@contextmanager
def linkserver() -> Iterator[tuple[str, Protokoll]]:
    """(base URL ``http://127.0.0.1:<port>``, the request log) while the server runs."""
    protokoll = Protokoll()
    handler = type("Handler", (_Handler,), {"protokoll": protokoll})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="linkserver", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", protokoll
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
