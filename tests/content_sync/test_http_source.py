"""The HTTP source against a real HTTP server on 127.0.0.1, scripted per path by each test.

The server (``http_server`` fixture) answers each path from a script: a sequence of replies (the last one
repeats), or a static file that honours ETag / Last-Modified. It records every request with its headers.
Failures must leave the store exactly as it was and record a failed run whose error names the URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from content_sync.settings import SyncSettings
from content_sync.store import Store
from content_sync.sync import SyncResult, run_sync, summary
from tests.conftest import DEMO, document, leistung_xml

READ_TIMEOUT = 0.5
# connect_timeout is deliberately much longer than read_timeout: a server that accepts the connection and
# then says nothing must be given up on after read_timeout, not connect_timeout.
SETTINGS = SyncSettings(retries=2, backoff=0.01, connect_timeout=5.0, read_timeout=READ_TIMEOUT)
TOO_SLOW = READ_TIMEOUT + 0.5
ATTEMPTS = SETTINGS.retries + 1


# --- the scripted server ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    stall: float = 0.0  # seconds after the first half of the body, before the rest
    content_length: int | None = None  # the Content-Length to announce; more than len(body): truncated


Responder = Callable[[dict[str, str]], Reply]


def static(body: bytes, *, etag: str | None = None, last_modified: str | None = None) -> Responder:
    """A file that answers conditional requests the way a web server does."""

    def respond(headers: dict[str, str]) -> Reply:
        if etag is not None and headers.get("If-None-Match") == etag:
            return Reply(304, headers={"ETag": etag})
        if etag is None and last_modified is not None and headers.get("If-Modified-Since") == last_modified:
            return Reply(304, headers={"Last-Modified": last_modified})
        out = {}
        if etag is not None:
            out["ETag"] = etag
        if last_modified is not None:
            out["Last-Modified"] = last_modified
        return Reply(200, body, out)

    return respond


class ScriptedServer:
    def __init__(self) -> None:
        self.url = ""
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._routes: dict[str, list[Reply] | Responder] = {}
        self._log: list[tuple[str, dict[str, str]]] = []

    def script(self, path: str, *replies: Reply) -> None:
        """Answer ``path`` with these replies in turn; the last one repeats."""
        self._routes[path] = list(replies)

    def serve(self, path: str, responder: Responder) -> None:
        self._routes[path] = responder

    def files(self, files: dict[str, bytes], *, etags: bool = False) -> None:
        """``/index.txt`` listing the files, and each file, optionally with an ETag."""
        self.serve("/index.txt", static("".join(f"{name}\n" for name in files).encode()))
        for name, body in files.items():
            self.serve(f"/{name}", static(body, etag=f'"{name}-{len(body)}"' if etags else None))

    def requests(self, path: str) -> list[dict[str, str]]:
        """The headers of every request for ``path``, in order."""
        with self._lock:
            return [headers for p, headers in self._log if p == path]

    def reply_for(self, path: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self._log.append((path, headers))
            route = self._routes.get(path)
            if route is None:
                return Reply(404, b"not found")
            if callable(route):
                return route(headers)
            return route.pop(0) if len(route) > 1 else route[0]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        scripted = self.server.scripted
        reply = scripted.reply_for(urlsplit(self.path).path, dict(self.headers.items()))
        if reply.delay and scripted.stop.wait(reply.delay):
            return
        self.close_connection = True
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.status != 304:
                length = reply.content_length if reply.content_length is not None else len(reply.body)
                self.send_header("Content-Length", str(length))
            self.send_header("Connection", "close")
            self.end_headers()
            if reply.stall:
                half = len(reply.body) // 2
                self.wfile.write(reply.body[:half])
                self.wfile.flush()
                if scripted.stop.wait(reply.stall):
                    return
                self.wfile.write(reply.body[half:])
            else:
                self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:
            pass  # the client gave up (timeout): that is what some tests want

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    scripted: ScriptedServer

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client that timed out and closed the socket is not an error here


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    """A real HTTP server on 127.0.0.1 (port chosen by the OS); ``.url`` is its base URL."""
    scripted = ScriptedServer()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.scripted = scripted
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    scripted.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield scripted
    finally:
        scripted.stop.set()  # wakes handlers that are still sleeping
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# --- helpers ---------------------------------------------------------------------------------------------


def leistungen(*ids: str, name: str = "Personalausweis beantragen") -> bytes:
    return document(*(leistung_xml(i, name=name) for i in ids))


FILES_V1 = {"a.xml": leistungen("A-1", "A-2"), "b.xml": leistungen("B-1")}


def snapshot(store_path: Path) -> list[tuple[str, str, int, str]]:
    with Store(store_path, readonly=True) as store:
        return store.snapshot()


@pytest.fixture
def seeded(store_path: Path, source_dir) -> list[tuple[str, str, int, str]]:
    """A store that already holds a committed sync (from a folder); returns its snapshot."""
    folder = source_dir(*FILES_V1.items())
    result = run_sync(str(folder), store_path, SETTINGS)
    assert result.ok, result.error
    before = snapshot(store_path)
    assert len(before) == 3
    return before


def serve_failing_b(server: ScriptedServer, *b_replies: Reply) -> None:
    """index: a.xml (changed: would alter the store if committed), then b.xml answered by ``b_replies``."""
    server.serve("/index.txt", static(b"a.xml\nb.xml\n"))
    server.serve("/a.xml", static(leistungen("A-1", "A-3", name="Geaenderter Name")))
    server.script("/b.xml", *b_replies)


def assert_clean_failure(result: SyncResult, store_path: Path, before: list, url: str) -> None:
    assert result.outcome == "failed"
    assert result.error is not None and url in result.error
    assert snapshot(store_path) == before
    with Store(store_path, readonly=True) as store:
        run = store.runs()[-1]
        assert run.outcome == "failed"
        assert run.error == result.error
        assert run.id == result.run_id
        assert store.quarantine(run.id) == []
    text = summary(result)
    assert "FAILED" in text and "the store was not changed" in text


# --- conditional requests --------------------------------------------------------------------------------


def test_first_sync_then_not_modified_with_etag(http_server: ScriptedServer, store_path: Path) -> None:
    http_server.files(FILES_V1, etags=True)

    first = run_sync(http_server.url, store_path, SETTINGS)

    assert first.ok, first.error
    assert (first.files, first.files_unchanged) == (2, 0)
    assert first.counts.new == 3
    assert first.counts.per_klasse["Leistung"] == {"new": 3}
    assert all("If-None-Match" not in h for h in http_server.requests("/a.xml"))
    after_first = snapshot(store_path)

    second = run_sync(http_server.url + "/", store_path, SETTINGS)

    assert second.ok, second.error
    assert (second.files, second.files_unchanged) == (2, 2)
    assert (second.counts.new, second.counts.changed, second.counts.deleted) == (0, 0, 0)
    assert "2 read, 2 not modified since the last sync" in summary(second)
    assert snapshot(store_path) == after_first
    for name in FILES_V1:
        last = http_server.requests(f"/{name}")[-1]
        assert last["If-None-Match"] == f'"{name}-{len(FILES_V1[name])}"'
    # the index is always fetched whole
    assert all("If-None-Match" not in h for h in http_server.requests("/index.txt"))


def test_changed_file_after_not_modified_is_fetched_again(
    http_server: ScriptedServer, store_path: Path
) -> None:
    http_server.files(FILES_V1, etags=True)
    assert run_sync(http_server.url, store_path, SETTINGS).ok
    changed = leistungen("B-1", name="Neuer Name")
    http_server.serve("/b.xml", static(changed, etag='"b-v2"'))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert result.ok, result.error
    assert (result.files, result.files_unchanged) == (2, 1)
    assert result.counts.per_klasse["Leistung"] == {"changed": 1}
    with Store(store_path, readonly=True) as store:
        assert store.source_state(f"{http_server.url}/b.xml")["etag"] == '"b-v2"'


def test_if_modified_since_is_sent_after_last_modified(http_server: ScriptedServer, store_path: Path) -> None:
    stamp = "Wed, 25 Nov 2026 02:00:00 GMT"
    http_server.serve("/index.txt", static(b"a.xml\n"))
    http_server.serve("/a.xml", static(FILES_V1["a.xml"], last_modified=stamp))

    first = run_sync(http_server.url, store_path, SETTINGS)
    assert first.ok, first.error
    after_first = snapshot(store_path)
    second = run_sync(http_server.url, store_path, SETTINGS)

    assert second.ok, second.error
    initial, conditional = http_server.requests("/a.xml")
    assert "If-Modified-Since" not in initial
    assert conditional["If-Modified-Since"] == stamp
    assert "If-None-Match" not in conditional
    assert (second.files, second.files_unchanged) == (1, 1)
    assert snapshot(store_path) == after_first


# --- retries and failures --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429], ids=["500", "503", "429"])
def test_transient_error_then_success(status: int, http_server: ScriptedServer, store_path: Path) -> None:
    http_server.serve("/index.txt", static(b"a.xml\n"))
    http_server.script("/a.xml", Reply(status, b"busy"), Reply(200, FILES_V1["a.xml"]))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert result.ok, result.error
    assert result.counts.new == 2
    assert len(http_server.requests("/a.xml")) == 2


@pytest.mark.parametrize("status", [500, 502, 429], ids=["500", "502", "429"])
def test_persistent_error_fails_cleanly_after_all_retries(
    status: int, http_server: ScriptedServer, store_path: Path, seeded
) -> None:
    serve_failing_b(http_server, Reply(status, b"kaputt"))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/b.xml")
    assert f"gave up after {ATTEMPTS} attempts" in result.error
    assert f"HTTP {status}" in result.error
    assert len(http_server.requests("/b.xml")) == ATTEMPTS


@pytest.mark.parametrize(
    "slow",
    [Reply(200, FILES_V1["b.xml"], delay=TOO_SLOW), Reply(200, FILES_V1["b.xml"], stall=TOO_SLOW)],
    ids=["before-answering", "while-sending-body"],
)
def test_timeout_then_answer_in_time(
    slow: Reply, http_server: ScriptedServer, store_path: Path, seeded
) -> None:
    serve_failing_b(http_server, slow, Reply(200, FILES_V1["b.xml"]))

    started = time.perf_counter()
    result = run_sync(http_server.url, store_path, SETTINGS)

    assert result.ok, result.error
    assert len(http_server.requests("/b.xml")) == 2
    assert time.perf_counter() - started < TOO_SLOW + 2  # gave up on the first attempt after read_timeout
    assert result.counts.per_klasse["Leistung"] == {"new": 1, "changed": 1, "unchanged": 1}


@pytest.mark.parametrize(
    "slow",
    [Reply(200, FILES_V1["b.xml"], delay=TOO_SLOW), Reply(200, FILES_V1["b.xml"], stall=TOO_SLOW)],
    ids=["before-answering", "while-sending-body"],
)
def test_persistent_timeout_fails_cleanly(
    slow: Reply, http_server: ScriptedServer, store_path: Path, seeded
) -> None:
    serve_failing_b(http_server, slow)

    started = time.perf_counter()
    result = run_sync(http_server.url, store_path, SETTINGS)
    elapsed = time.perf_counter() - started

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/b.xml")
    assert "timed out" in result.error
    assert len(http_server.requests("/b.xml")) == ATTEMPTS
    # each attempt waits read_timeout, not connect_timeout (5 s)
    assert elapsed < ATTEMPTS * READ_TIMEOUT + 2


def truncated(body: bytes) -> Reply:
    return Reply(200, body[: len(body) // 2], content_length=len(body))


def test_truncated_body_is_retried(http_server: ScriptedServer, store_path: Path, seeded) -> None:
    serve_failing_b(http_server, truncated(FILES_V1["b.xml"]), Reply(200, FILES_V1["b.xml"]))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert result.ok, result.error
    assert len(http_server.requests("/b.xml")) == 2
    assert result.quarantine == []


def test_truncated_body_every_time_fails_cleanly(
    http_server: ScriptedServer, store_path: Path, seeded
) -> None:
    serve_failing_b(http_server, truncated(FILES_V1["b.xml"]))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/b.xml")
    assert "truncated" in result.error
    assert len(http_server.requests("/b.xml")) == ATTEMPTS


def test_missing_listed_file_fails_cleanly(http_server: ScriptedServer, store_path: Path, seeded) -> None:
    serve_failing_b(http_server, Reply(404, b"nicht gefunden"))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/b.xml")
    assert "HTTP 404" in result.error
    assert len(http_server.requests("/b.xml")) == 1  # a 404 is not retried


@pytest.mark.parametrize(
    "line",
    ["http://example.invalid/x.xml", "//example.invalid/x.xml", "https://127.0.0.1/x.xml"],
    ids=["other-host", "scheme-relative", "other-scheme-and-port"],
)
def test_index_line_to_another_host_is_refused(
    line: str, http_server: ScriptedServer, store_path: Path, seeded
) -> None:
    http_server.serve("/index.txt", static(f"a.xml\n{line}\n".encode()))
    http_server.serve("/a.xml", static(leistungen("A-1", "A-3", name="Geaenderter Name")))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/index.txt")
    assert "another host" in result.error and line in result.error


@pytest.mark.parametrize("status", [404, 500], ids=["404", "500"])
def test_index_itself_unavailable(status: int, http_server: ScriptedServer, store_path: Path, seeded) -> None:
    http_server.script("/index.txt", Reply(status, b"weg"))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/index.txt")
    assert f"HTTP {status}" in result.error
    assert len(http_server.requests("/index.txt")) == (1 if status == 404 else ATTEMPTS)


def test_nobody_listening_fails_cleanly(store_path: Path, seeded) -> None:
    server = _Server(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    server.server_close()  # the port is free again: connections are refused

    result = run_sync(url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{url}/index.txt")
    assert "cannot connect" in result.error


# --- the demo export -------------------------------------------------------------------------------------


def test_demo_export_over_http_equals_folder(http_server: ScriptedServer, tmp_path: Path) -> None:
    folder = DEMO / "nacht-1"
    for file in folder.iterdir():
        http_server.serve(f"/nacht-1/{file.name}", static(file.read_bytes(), etag=f'"{file.name}"'))

    over_http = run_sync(f"{http_server.url}/nacht-1/index.txt", tmp_path / "http.sqlite", SETTINGS)
    from_folder = run_sync(str(folder), tmp_path / "folder.sqlite", SETTINGS)

    assert over_http.ok, over_http.error
    assert from_folder.ok, from_folder.error
    listed = [
        line
        for line in (folder / "index.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert over_http.files == from_folder.files == len(listed)
    assert len(http_server.requests("/nacht-1/index.txt")) == 1
    assert all(len(http_server.requests(f"/nacht-1/{name}")) == 1 for name in listed)
    assert over_http.counts == from_folder.counts
    assert over_http.quarantine == from_folder.quarantine == []
    http_snapshot = snapshot(tmp_path / "http.sqlite")
    assert http_snapshot == snapshot(tmp_path / "folder.sqlite")
    assert len(http_snapshot) > 100


def test_redirect_to_another_host_is_refused(http_server: ScriptedServer, store_path: Path, seeded) -> None:
    http_server.serve("/index.txt", static(b"a.xml\n"))
    http_server.script("/a.xml", Reply(302, headers={"Location": "http://example.invalid/a.xml"}))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert_clean_failure(result, store_path, seeded, f"{http_server.url}/a.xml")
    assert "redirect to another host" in result.error
    assert len(http_server.requests("/a.xml")) == 1  # not retried: a redirect elsewhere is final


def test_redirect_on_the_same_host_is_followed(http_server: ScriptedServer, store_path: Path) -> None:
    http_server.serve("/index.txt", static(b"a.xml\n"))
    http_server.script("/a.xml", Reply(301, headers={"Location": "/moved/a.xml"}))
    http_server.serve("/moved/a.xml", static(FILES_V1["a.xml"]))

    result = run_sync(http_server.url, store_path, SETTINGS)

    assert result.ok, result.error
    assert result.counts.new > 0


def test_garbage_status_line_fails_cleanly(store_path: Path, seeded) -> None:
    """A server that answers with no HTTP at all: retried, then a clean failure (no traceback)."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}"
        result = run_sync(url, store_path, SETTINGS)
    finally:
        stop.set()
        thread.join(2)
        listener.close()
    assert_clean_failure(result, store_path, seeded, f"{url}/index.txt")
    assert "invalid HTTP answer" in result.error
