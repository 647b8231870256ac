"""The external link check against a local server on 127.0.0.1: 200, 301, 404, 500, a server that refuses
HEAD, one that does not answer in time; bounded parallel requests, politeness per host."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from plugins.portal_pages.linkpruefung import pruefe_links
from plugins.portal_pages.settings import LinkpruefungSettings
from tests.editors.linkserver import Protokoll, linkserver


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Protokoll]]:
    with linkserver() as found:
        yield found


def test_each_answer(server: tuple[str, Protokoll]) -> None:
    base, protokoll = server
    protokoll.reset()
    urls = [f"{base}/{p}" for p in ("ok", "alt", "umweg", "weg", "kaputt", "nur-get", "langsam")]
    t0 = time.monotonic()
    found = {
        r.url.rsplit("/", 1)[1]: r for r in pruefe_links(urls, LinkpruefungSettings(timeout=0.5, pause=0))
    }
    assert time.monotonic() - t0 < 3  # the slow one did not hold up the check beyond its timeout
    ok, alt, umweg, weg, kaputt, nur_get, langsam = (
        found[p] for p in ("ok", "alt", "umweg", "weg", "kaputt", "nur-get", "langsam")
    )
    assert (ok.ok, ok.status, ok.methode, ok.grund) == (True, 200, "HEAD", "")
    assert alt.ok and alt.status == 200 and alt.dauerhaft_umgeleitet
    assert alt.ziel == f"{base}/ok" and alt.grund == "dauerhaft umgeleitet (HTTP 301)"
    assert umweg.ok and not umweg.dauerhaft_umgeleitet and umweg.ziel is None  # a temporary redirect is fine
    assert (weg.ok, weg.status, weg.methode, weg.grund) == (False, 404, "GET", "HTTP 404")  # HEAD, then GET
    assert (kaputt.ok, kaputt.status, kaputt.grund) == (False, 500, "HTTP 500")
    assert (nur_get.ok, nur_get.status, nur_get.methode) == (True, 200, "GET")
    assert not langsam.ok and langsam.status is None and "keine Antwort innerhalb von 0.5 s" in langsam.grund
    assert langsam.methode == "HEAD"  # no second try after a timeout
    methods = [(m, p) for m, p, _s, _e in protokoll.anfragen]
    assert ("HEAD", "/nur-get") in methods and ("GET", "/nur-get") in methods
    assert ("GET", "/ok") not in methods  # HEAD was enough


def test_a_closed_port(server: tuple[str, Protokoll]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (r,) = pruefe_links([f"http://127.0.0.1:{port}/x"], LinkpruefungSettings(timeout=1, pause=0))
    assert not r.ok and r.grund == "Verbindung abgelehnt"


def test_parallel_requests_are_bounded(server: tuple[str, Protokoll]) -> None:
    base, protokoll = server
    protokoll.reset()
    urls = [f"{base}/langsam-kurz?n={i}" for i in range(8)]
    results = pruefe_links(urls, LinkpruefungSettings(timeout=5, parallel=2, je_host=8, pause=0))
    assert all(r.ok for r in results) and [r.url for r in results] == urls
    assert protokoll.hoechstens == 2


def test_one_host_is_asked_politely(server: tuple[str, Protokoll]) -> None:
    base, protokoll = server
    protokoll.reset()
    urls = [f"{base}/ok?n={i}" for i in range(5)]
    t0 = time.monotonic()
    assert all(r.ok for r in pruefe_links(urls, LinkpruefungSettings(parallel=8, je_host=1, pause=0.2)))
    elapsed = time.monotonic() - t0
    assert protokoll.hoechstens == 1 and len(protokoll.anfragen) == 5
    # Five starts 0.2 s apart cannot take less than 0.8 s. A lower bound holds on a loaded machine too
    # (load only adds time); the arrival times the server sees do not: a late first request shortens
    # the span between them. Without the pause five local requests take a few milliseconds.
    assert elapsed >= 0.8, elapsed


def test_duplicates_are_asked_once(server: tuple[str, Protokoll]) -> None:
    base, protokoll = server
    protokoll.reset()
    results = pruefe_links([f"{base}/ok", f"{base}/ok"], LinkpruefungSettings(pause=0))
    assert len(results) == 1 and len(protokoll.anfragen) == 1
