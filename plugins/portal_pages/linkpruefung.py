"""External links of the data, and a polite check whether they still work (``portal qualitaet --links``).

Which links: every http(s) link the pages show: the Leistungen's module links, Ursprungsportal and links in
their texts (after the sanitiser), the links of the Onlinedienste, the web addresses of the offices and of
their contact points. Links the pages do not show (no http(s), characters no URL may contain) are reported
elsewhere (the nightly report) and not requested.

How: each distinct URL once; ``HEAD`` first, and ``GET`` (body not read) when the server answers ``HEAD``
with an error (many refuse ``HEAD``) or drops the connection; redirects are followed (up to 10), a permanent
one (301, 308) is reported so the link can be updated. Bounded: at most ``parallel`` requests at a time, at
most ``je_host`` to one host, ``pause`` seconds between the starts of two requests to the same host, and a
``timeout`` for connecting and for each read. Nothing here runs in the build: only when asked.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from content_sync import __version__

from .filters import sichere_url
from .sanitize import clean_html
from .settings import LinkpruefungSettings
from .site import Portal

USER_AGENT = f"Verwaltungsportal-Linkpruefung/{__version__}"  # with the editors' address where one is set
_HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"', re.IGNORECASE)


@dataclass(frozen=True)
class Fundstelle:
    """Where a link is used: the object (klasse, key, German name) and which field."""

    klasse: str
    key: str
    name: str
    feld: str


def externe_links(portal: Portal) -> dict[str, list[Fundstelle]]:
    """URL -> where it is used, for every http(s) link the pages show (sorted by URL)."""
    found: dict[str, list[Fundstelle]] = {}

    def add(url: str, where: Fundstelle) -> None:
        url = url.strip()
        if sichere_url(url):
            places = found.setdefault(url, [])
            if where not in places:
                places.append(where)

    for key, lb in sorted(portal.leistungen.items()):
        name = lb.namen.de or key
        for modul, links in sorted(lb.modul_links.items()):
            for link in links:
                add(link.uri, Fundstelle("Leistung", key, name, f"Textmodul {modul.value}: Link"))
        for link in lb.ursprungsportal:
            add(link.uri, Fundstelle("Leistung", key, name, "Ursprungsportal"))
        for modul, texte in sorted(lb.texte.items()):
            for _lang, text in sorted(texte.root.items()):
                if "href" in text:
                    for url in _HREF.findall(str(clean_html(text))):
                        add(
                            _unescape(url),
                            Fundstelle("Leistung", key, name, f"Textmodul {modul.value}: Text"),
                        )
    for key, od in sorted(portal.ods.items()):
        for link in od.links:
            add(link.uri, Fundstelle("Onlinedienst", key, od.namen.de or key, "Link"))
    for key, oe in sorted(portal.oes.items()):
        name = oe.namen.de or key
        for k in oe.kommunikation:
            if k.kanal.value == "web":
                add(k.kennung, Fundstelle("Organisationseinheit", key, name, "Webadresse"))
        for punkt in oe.ansprechpunkte:
            for k in punkt.kommunikation:
                if k.kanal.value == "web":
                    add(k.kennung, Fundstelle("Organisationseinheit", key, name, "Ansprechpunkt: Webadresse"))
    return dict(sorted(found.items()))


def _unescape(url: str) -> str:
    return url.replace("&amp;", "&").replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")


# --- the check ------------------------------------------------------------------------------------------


@dataclass
class Ergebnis:
    """What became of one URL."""

    url: str
    ok: bool
    status: int | None = None  # the final HTTP status (None: no answer)
    grund: str = ""  # why it failed, or a note (a permanent redirect), in German
    ziel: str | None = None  # where a permanent redirect leads
    methode: str = "HEAD"
    sekunden: float = 0.0
    umleitungen: list[tuple[int, str]] = field(default_factory=list)

    @property
    def dauerhaft_umgeleitet(self) -> bool:
        return self.ok and any(code in (301, 308) for code, _ in self.umleitungen)

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "ok": self.ok,
            "status": self.status,
            "grund": self.grund,
            "ziel": self.ziel,
            "methode": self.methode,
            "sekunden": round(self.sekunden, 2),
        }


class _Umleitungen(urllib.request.HTTPRedirectHandler):
    """Follows redirects as urllib does, and remembers them (code, new URL)."""

    def __init__(self) -> None:
        self.gesehen: list[tuple[int, str]] = []

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            if req.get_method() == "HEAD":  # urllib (before 3.13) follows a HEAD with a GET
                new.method = "HEAD"
            self.gesehen.append((code, new.full_url))
        return new


class _Hoeflich:
    """Per host: at most ``je_host`` requests at a time, and ``pause`` seconds between their starts."""

    def __init__(self, je_host: int, pause: float) -> None:
        self.je_host = je_host
        self.pause = pause
        self.lock = threading.Lock()
        self.slots: dict[str, threading.BoundedSemaphore] = {}
        self.next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self.lock:
            sem = self.slots.setdefault(host, threading.BoundedSemaphore(self.je_host))
        with sem:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start.get(host, now))
                self.next_start[host] = start + self.pause
            if start > now:
                time.sleep(start - now)
            yield


def _anfrage(url: str, methode: str, timeout: float, agent: str) -> tuple[int, list[tuple[int, str]], str]:
    """One request (redirects followed): (final status, redirects, final URL). Raises on no answer."""
    umleitungen = _Umleitungen()
    opener = urllib.request.build_opener(umleitungen)
    req = urllib.request.Request(  # noqa: S310 - sichere_url let only http(s) through
        url, method=methode, headers={"User-Agent": agent, "Accept": "*/*"}
    )
    try:
        with opener.open(req, timeout=timeout) as resp:
            return resp.status, umleitungen.gesehen, resp.geturl()
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code, umleitungen.gesehen, exc.geturl() or url


def _fehlertext(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, TimeoutError | socket.timeout) or "timed out" in str(exc):
        return f"keine Antwort innerhalb von {timeout:g} s"
    reason = getattr(exc, "reason", None)
    if isinstance(reason, TimeoutError | socket.timeout):
        return f"keine Antwort innerhalb von {timeout:g} s"
    if isinstance(reason, socket.gaierror):
        return "Rechnername unbekannt"
    if isinstance(reason, ConnectionRefusedError):
        return "Verbindung abgelehnt"
    return f"keine Verbindung ({type(exc).__name__}: {reason or exc})"


def pruefe_url(url: str, timeout: float, agent: str = USER_AGENT) -> Ergebnis:
    """HEAD, and GET if HEAD fails with an HTTP error or a dropped connection (not after a timeout)."""
    t0 = time.monotonic()
    ergebnis = Ergebnis(url, ok=False)
    for methode in ("HEAD", "GET"):
        ergebnis.methode = methode
        try:
            status, umleitungen, final = _anfrage(url, methode, timeout, agent)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            ergebnis.status, ergebnis.grund = None, _fehlertext(exc, timeout)
            if "keine Antwort" in ergebnis.grund or methode == "GET":
                break
            continue
        ergebnis.status, ergebnis.umleitungen = status, umleitungen
        ergebnis.ok = 200 <= status < 400
        ergebnis.grund = "" if ergebnis.ok else f"HTTP {status}"
        if ergebnis.ok or methode == "GET":
            if ergebnis.dauerhaft_umgeleitet:
                ergebnis.ziel = final
                ergebnis.grund = f"dauerhaft umgeleitet (HTTP {umleitungen[0][0]})"
            break
    ergebnis.sekunden = time.monotonic() - t0
    return ergebnis


def pruefe_links(
    urls: Iterable[str],
    einstellungen: LinkpruefungSettings,
    *,
    kontakt: str = "",
    fortschritt: Callable[[int, int], None] | None = None,
) -> list[Ergebnis]:
    """Check every URL (bounded and polite, see the module's docstring); results in the order given.
    ``kontakt``: an e-mail address for the User-Agent, so a site's operator can reach the editors."""
    liste = list(dict.fromkeys(urls))
    agent = f"{USER_AGENT} (+mailto:{kontakt})" if kontakt else USER_AGENT
    hoeflich = _Hoeflich(einstellungen.je_host, einstellungen.pause)
    fertig = [0]
    lock = threading.Lock()

    def eine(url: str) -> Ergebnis:
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        with hoeflich.slot(host):
            result = pruefe_url(url, einstellungen.timeout, agent)
        if fortschritt is not None:
            with lock:
                fertig[0] += 1
                fortschritt(fertig[0], len(liste))
        return result

    if not liste:
        return []
    with ThreadPoolExecutor(max_workers=min(einstellungen.parallel, len(liste))) as pool:
        return list(pool.map(eine, liste))
