"""Sources of XZuFi documents: a local folder, a zip archive, or an HTTP index (the PVOG Sammlerdienst way).

A source yields :class:`Document` objects in a stable order and parses nothing. Where a source has an
``index.txt`` (one file name per line, ``#`` comments), its order is used; otherwise the ``*.xml`` files
sorted by name. The HTTP source sends conditional requests (ETag, If-Modified-Since) from the state the
last successful sync stored, retries with exponential back-off on timeouts, connection errors, 5xx, 429 and
truncated bodies, and fails with :class:`~content_sync.errors.SourceUnavailable` when it must give up.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, BinaryIO

from content_sync import __version__
from content_sync.errors import SourceUnavailable
from content_sync.settings import SyncSettings

log = logging.getLogger(__name__)
INDEX = "index.txt"
StateLookup = Callable[[str], dict[str, str | None]]


@dataclass(frozen=True)
class SourceState:
    """What to remember about a fetched file, written to the store only when the sync commits."""

    url: str
    etag: str | None
    last_modified: str | None
    sha256: str


@dataclass
class Document:
    name: str
    opener: Callable[[], IO[bytes]] | None
    not_modified: bool = False
    state: SourceState | None = None

    @contextmanager
    def open(self) -> Iterator[BinaryIO]:
        if self.opener is None:
            raise SourceUnavailable(f"{self.name}: nothing to read (not modified)")
        fh = self.opener()
        try:
            yield fh  # type: ignore[misc]
        finally:
            fh.close()


class Source:
    """Base class: ``describe`` names the source in messages, ``documents`` yields its files."""

    spec: str

    def documents(self) -> Iterator[Document]:
        raise NotImplementedError

    def close(self) -> None:
        """Free temporary files."""


def _safe_name(name: str) -> str | None:
    """A relative path inside the source, or None if it tries to leave it."""
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or not path.parts:
        return None
    return str(path)


def _index_lines(text: str, where: str) -> list[str]:
    names = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        names.append(line)
        if len(names) > 100_000:
            raise SourceUnavailable(f"{where}: index lists more than 100,000 files (line {number})")
    return names


class DirectorySource(Source):
    def __init__(self, path: Path) -> None:
        self.spec = str(path)
        self.path = path

    def documents(self) -> Iterator[Document]:
        index = self.path / INDEX
        if index.is_file():
            names = []
            for name in _index_lines(index.read_text(encoding="utf-8"), str(index)):
                safe = _safe_name(name)
                if safe is None:
                    raise SourceUnavailable(f"{index}: refusing path outside the source: {name!r}")
                names.append(safe)
        else:
            names = sorted(p.name for p in self.path.glob("*.xml") if p.is_file())
        for name in names:
            file = self.path / name
            if not file.is_file():
                raise SourceUnavailable(f"{self.spec}: listed file {name} does not exist")
            yield Document(name=name, opener=lambda f=file: f.open("rb"))


class ZipSource(Source):
    def __init__(self, path: Path, max_bytes: int) -> None:
        self.spec = str(path)
        self.max_bytes = max_bytes
        try:
            self.archive = zipfile.ZipFile(path)
            self.archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceUnavailable(f"{path}: not a readable zip archive ({exc})") from None

    def documents(self) -> Iterator[Document]:
        members = {i.filename: i for i in self.archive.infolist() if not i.is_dir()}
        if INDEX in members:
            with self._open(members[INDEX]) as fh:
                names = _index_lines(fh.read(1024 * 1024).decode("utf-8", "replace"), f"{self.spec}:{INDEX}")
        else:
            names = sorted(n for n in members if n.lower().endswith(".xml"))
        for name in names:
            if _safe_name(name) is None:
                raise SourceUnavailable(f"{self.spec}: refusing member path {name!r}")
            info = members.get(name)
            if info is None:
                raise SourceUnavailable(f"{self.spec}: listed file {name} is not in the archive")
            if info.file_size > self.max_bytes:
                raise SourceUnavailable(
                    f"{self.spec}:{name}: {info.file_size} bytes unpacked, over the limit of {self.max_bytes}"
                )
            yield Document(name=name, opener=lambda i=info: self._open(i))

    def _open(self, info: zipfile.ZipInfo) -> _ZipMember:
        where = f"{self.spec}:{info.filename}"
        try:
            return _ZipMember(self.archive.open(info), where)
        except _ZIP_ERRORS as exc:
            raise SourceUnavailable(f"{where}: corrupt archive member ({exc})") from None

    def close(self) -> None:
        self.archive.close()


# What reading a damaged member raises: bad header or CRC, broken deflate stream, early end, unsupported method.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError)


class _ZipMember:
    """A member being read; a damaged archive is a source failure, not a crash in the middle of the parse."""

    def __init__(self, fh: IO[bytes], where: str) -> None:
        self.fh = fh
        self.where = where

    def read(self, size: int = -1) -> bytes:
        try:
            return self.fh.read(size)
        except _ZIP_ERRORS as exc:
            raise SourceUnavailable(f"{self.where}: corrupt archive member ({exc})") from None

    def close(self) -> None:
        self.fh.close()

    def __enter__(self) -> _ZipMember:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class HttpSource(Source):
    """``index.txt`` at a base URL, each listed file fetched with conditional requests."""

    def __init__(self, url: str, settings: SyncSettings, state: StateLookup | None = None) -> None:
        self.spec = url
        self.index_url = url if url.endswith(".txt") else url.rstrip("/") + "/" + INDEX
        self.settings = settings
        self.state = state or (lambda _url: {"etag": None, "last_modified": None, "sha256": None})
        self._tmp = tempfile.TemporaryDirectory(prefix="portal-sync-")
        self._origin = urllib.parse.urlsplit(self.index_url)[:2]
        self._opener = urllib.request.build_opener(
            _HTTPHandler(settings.read_timeout),
            _HTTPSHandler(settings.read_timeout),
            _SameOriginRedirects(self._origin),
        )

    def close(self) -> None:
        self._tmp.cleanup()

    def documents(self) -> Iterator[Document]:
        index_path, _, _ = self._fetch(self.index_url, conditional=False)
        assert index_path is not None
        text = index_path.read_text(encoding="utf-8", errors="replace")
        for number, name in enumerate(_index_lines(text, self.index_url), start=1):
            url = urllib.parse.urljoin(self.index_url, name)
            if urllib.parse.urlsplit(url)[:2] != self._origin:
                raise SourceUnavailable(f"{self.index_url}: line {number} points to another host: {name!r}")
            path, not_modified, state = self._fetch(url, conditional=True)
            label = name
            if not_modified:
                yield Document(name=label, opener=None, not_modified=True)
            else:
                assert path is not None
                yield Document(name=label, opener=lambda p=path: p.open("rb"), state=state)

    # --- one request, with retries ------------------------------------------------------------------------

    def _fetch(self, url: str, *, conditional: bool) -> tuple[Path | None, bool, SourceState | None]:
        s = self.settings
        attempts = s.retries + 1
        last_error = ""
        for attempt in range(1, attempts + 1):
            try:
                return self._fetch_once(url, conditional=conditional)
            except _Retryable as exc:
                last_error = str(exc)
                if attempt < attempts:
                    delay = s.backoff * (2 ** (attempt - 1))
                    log.warning("%s: %s; retry %d of %d in %.1f s", url, exc, attempt, s.retries, delay)
                    time.sleep(delay)
        raise SourceUnavailable(f"{url}: gave up after {attempts} attempts: {last_error}")

    def _fetch_once(self, url: str, *, conditional: bool) -> tuple[Path | None, bool, SourceState | None]:
        headers = {"User-Agent": f"verwaltungsportal-sync/{__version__}", "Accept-Encoding": "identity"}
        known = self.state(url) if conditional else {"etag": None, "last_modified": None, "sha256": None}
        if known.get("etag"):
            headers["If-None-Match"] = str(known["etag"])
        if known.get("last_modified"):
            headers["If-Modified-Since"] = str(known["last_modified"])
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked in open_source
        try:
            response = self._opener.open(request, timeout=self.settings.connect_timeout)
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return None, True, None
            if exc.code >= 500 or exc.code == 429:
                raise _Retryable(f"HTTP {exc.code} {exc.reason}") from None
            raise SourceUnavailable(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except _RedirectRefused as exc:
            raise SourceUnavailable(f"{url}: {exc}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise _Retryable(f"cannot connect: {reason}") from None
        except http.client.HTTPException as exc:  # e.g. a garbage status line
            raise _Retryable(f"invalid HTTP answer: {type(exc).__name__} {exc}") from None
        with response:
            if response.status == 304:
                return None, True, None
            path = self._spool(url, response)
        digest = _sha256(path)
        state = SourceState(url, response.headers.get("ETag"), response.headers.get("Last-Modified"), digest)
        return path, False, state

    def _spool(self, url: str, response: http.client.HTTPResponse) -> Path:
        limit = self.settings.max_document_bytes
        name = hashlib.sha256(url.encode()).hexdigest()[:24]
        path = Path(self._tmp.name) / name
        size = 0
        try:
            with path.open("wb") as out:
                while True:
                    chunk = response.read(65536)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise SourceUnavailable(f"{url}: larger than the limit of {limit} bytes")
                    out.write(chunk)
        except http.client.IncompleteRead as exc:
            raise _Retryable(f"truncated body ({len(exc.partial)} bytes, expected more)") from None
        except TimeoutError as exc:
            raise _Retryable(f"timed out while reading: {exc}") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise _Retryable(f"connection broke while reading: {exc}") from None
        expected = response.headers.get("Content-Length")
        if expected is not None and expected.isdigit() and int(expected) != size:
            raise _Retryable(f"truncated body ({size} of {expected} bytes)")
        return path


class _Retryable(Exception):
    pass


class _RedirectRefused(Exception):
    pass


class _SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to the index's own scheme and host: a listed file must not lead elsewhere."""

    def __init__(self, origin: tuple[str, str]) -> None:
        super().__init__()
        self.origin = origin

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if urllib.parse.urlsplit(newurl)[:2] != self.origin:
            raise _RedirectRefused(f"HTTP {code} redirect to another host or scheme refused: {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _ReadTimeout:
    """Connect within ``connect_timeout`` (the opener's timeout), then wait at most ``read_timeout`` for
    each piece of the answer: the status line and headers as much as the body."""

    sock: socket.socket

    def __init__(self, *args: Any, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_timeout = read_timeout

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock.settimeout(self.read_timeout)


class _HTTPConnection(_ReadTimeout, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_ReadTimeout, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req, read_timeout=self.read_timeout)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, read_timeout: float) -> None:
        super().__init__()
        self.read_timeout = read_timeout

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=self._context, read_timeout=self.read_timeout)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_source(spec: str, settings: SyncSettings, state: StateLookup | None = None) -> Source:
    """A folder, a ``.zip`` file or an ``http(s)://`` URL."""
    scheme = urllib.parse.urlsplit(spec).scheme.lower()
    if scheme in ("http", "https"):
        return HttpSource(spec, settings, state)
    if scheme and len(scheme) > 1:
        raise SourceUnavailable(
            f"{spec}: unsupported URL scheme {scheme!r} (use a folder, a .zip or http(s))"
        )
    path = Path(spec)
    if path.is_dir():
        return DirectorySource(path)
    if path.is_file() and zipfile.is_zipfile(path):
        return ZipSource(path, settings.max_document_bytes)
    if path.is_file():
        raise SourceUnavailable(f"{spec}: not a folder and not a readable zip archive")
    raise SourceUnavailable(f"{spec}: no such folder or file")


__all__ = ["Document", "Source", "SourceState", "open_source"]
