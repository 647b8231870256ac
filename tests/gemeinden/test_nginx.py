"""The export served by a real nginx (the README's configuration) at a sub-path, /buergerservice/, on
127.0.0.1: every page and everything it loads answers 200 (stylesheets, scripts, images, fonts the
stylesheets load, the search's JSON), a missing URL answers 404 with the subsite's 404 page in its language,
and the search finds services inside the export and links those of the Kreis to the portal.

nginx is not installed by this test: CI installs it (.ci/run: apt-get install nginx); a missing nginx fails.
It runs as a non-daemon with a configuration, pid, logs and temp folders under the test's tmp folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

import pytest

from plugins.portal_pages.export import exportieren, nginx_location
from tests.conftest import ROOT

PORTAL = "https://verwaltungsportal.hessen.example/"
BASE_PATH = "/buergerservice/"
SPRACHEN = ["en", "leichte-sprache", "ar"]
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
# the README's configuration, in an http block of its own: everything under the test's tmp folder
NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    types {{
        text/html html; text/css css; text/javascript js; application/json json; image/svg+xml svg;
        font/woff2 woff2; application/xml xml; application/atom+xml atom; text/markdown md;
    }}
    default_type application/octet-stream;
    absolute_redirect off;
    server {{
        listen 127.0.0.1:{port};
        root {root};
{location}
    }}
}}
"""


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        pytest.fail("nginx is missing: apt-get install -y nginx (.ci/run installs it)", pytrace=False)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(demo_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Wanfried export behind nginx; yields its base URL (http://127.0.0.1:PORT/buergerservice/)."""
    nginx = _nginx()
    tmp = tmp_path_factory.mktemp("nginx")
    root = tmp / "www"
    port = _free_port()
    base = f"http://127.0.0.1:{port}{BASE_PATH}"
    exportieren(demo_site, "wanfried", root / BASE_PATH.strip("/"), portal_url=PORTAL, base_url=base)
    location = "\n".join("        " + line for line in nginx_location(BASE_PATH, SPRACHEN).splitlines())
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port, root=root, location=location), encoding="utf-8")
    proc = subprocess.Popen(
        [nginx, "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                log = (tmp / "error.log").read_text() if (tmp / "error.log").exists() else ""
                pytest.fail(
                    f"nginx exited with {proc.returncode}:\n{proc.stdout.read().decode()}\n{log}",
                    pytrace=False,
                )
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx did not listen within 20 s", pytrace=False)
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def get(url: str) -> tuple[int, str, bytes]:
    """(status, content type, body) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


class _Refs(HTMLParser):
    """href/src of link, script, img, a, form action, the search's fetch targets, a redirect's target."""

    ATTRS: ClassVar[dict[str, str]] = {
        "link": "href",
        "script": "src",
        "img": "src",
        "a": "href",
        "form": "action",
        "source": "src",
    }
    FETCH = ("data-index", "data-docs", "data-karte")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str]] = []  # (what, url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in self.ATTRS and self.ATTRS[tag] in values:
            self.refs.append((tag, values[self.ATTRS[tag]]))
        self.refs += [(name, values[name]) for name in self.FETCH if name in values]
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.refs.append(("refresh", re.sub(r"(?i)^\s*\d+\s*;\s*url\s*=", "", values.get("content", ""))))


def test_every_page_and_everything_it_loads_answers_200(served: str, demo_site: Path) -> None:
    root = urlsplit(served)
    export = {
        p.relative_to(demo_site / "wanfried").as_posix() for p in (demo_site / "wanfried").rglob("*.html")
    }
    pages = [served + (p.removesuffix("index.html")) for p in sorted(export) if not p.endswith("404.html")]
    cache: dict[str, tuple[int, str, bytes]] = {}
    problems: list[str] = []
    outside: set[str] = set()
    kinds: dict[str, int] = {}

    def check(url: str, source: str, what: str) -> bytes | None:
        """Fetch once (a stylesheet: also what it loads); the body when it answered 200."""
        clean = url.split("#")[0]
        if clean not in cache:
            cache[clean] = get(clean)
            kinds[what] = kinds.get(what, 0) + 1
            status, ctype, body = cache[clean]
            if status != 200:
                problems.append(f"{status} {clean} ({what} on {source})")
            elif clean.endswith(".css"):
                assert ctype.startswith("text/css"), clean
                for m in re.finditer(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""", body.decode("utf-8")):
                    if not m.group(1).startswith(("data:", "#")):
                        check(urljoin(clean, m.group(1)), clean, "css url()")
        status, _, body = cache[clean]
        return body if status == 200 else None

    for url in pages:
        body = check(url, "-", "page")
        if body is None:
            continue
        parser = _Refs()
        parser.feed(body.decode("utf-8"))
        for what, ref in parser.refs:
            target = urljoin(url, ref)
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https"):
                continue  # mailto:, tel:, data:
            if target.startswith(PORTAL):
                outside.add(target)
                continue
            if parts.netloc != root.netloc:
                continue  # another site (OpenStreetMap, an online service): never fetched
            if not parts.path.startswith(BASE_PATH):
                problems.append(f"{target}: leaves {BASE_PATH} ({what} on {url})")
                continue
            check(target, url, what)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:40])
    assert len(pages) > 300 and all(cache[p][0] == 200 for p in pages)
    assert kinds["link"] >= 5 and kinds["script"] >= 5 and kinds["img"] >= 2 and kinds["css url()"] >= 4
    assert {"data-index", "data-docs", "data-karte"} <= set(kinds)  # the search's JSON
    assert f"{PORTAL}werra-meissner-kreis/" in outside and f"{PORTAL}impressum/" in outside


@pytest.mark.parametrize(
    ("path", "lang", "heading"),
    [
        ("leistungen/abgeschaffte-leistung--lb-0000/", "de", "Seite nicht gefunden"),
        ("gibt-es-nicht.html", "de", "Seite nicht gefunden"),
        ("en/leistungen/gone/", "en", "Page not found"),
        ("ar/x/y/z", "ar", None),
    ],
)
def test_a_missing_url_answers_the_subsites_404_page_in_its_language(
    served: str, path: str, lang: str, heading
) -> None:
    status, ctype, body = get(served + path)
    text = body.decode("utf-8")
    assert status == 404 and ctype.startswith("text/html")
    assert f'<html lang="{lang}"' in text and "portal-gemeinde-marke" in text
    if heading:
        assert re.search(rf"<h1[^>]*>{heading}</h1>", text), text[:500]
    parser = _Refs()
    parser.feed(text)
    local = [ref for what, ref in parser.refs if what in ("link", "script", "img") and ref.startswith("/")]
    assert local and all(ref.startswith(BASE_PATH) for ref in local)
    for ref in local:  # its stylesheets, scripts and logo load from any address
        assert get(urljoin(served, ref))[0] == 200, ref


def test_a_folder_without_slash_redirects_relative_to_the_host(served: str) -> None:
    status, _, _ = get(served + "en")
    assert status == 301


@pytest.mark.browser
def test_the_search_in_the_export(served: str, node_bin: str) -> None:
    proc = subprocess.run(
        [node_bin, str(ROOT / "tests" / "gemeinden" / "export_suche.mjs")],
        input=json.dumps({"base": served, "fragen": ["Personalausweis", "Fahrzeug zulassen"]}),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PORTAL_CHROMIUM": str(CHROMIUM)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    seen = json.loads(proc.stdout)
    assert seen["fehler"] == [] and seen["fremd"] == []
    perso = seen["fragen"]["Personalausweis"]["links"]
    assert any(
        link.startswith(f"{served}leistungen/personalausweis-beantragen--lb-1001/") for link in perso
    ), perso
    kfz = seen["fragen"]["Fahrzeug zulassen"]["links"]
    assert any(link.startswith(f"{PORTAL}werra-meissner-kreis/leistungen/") for link in kfz), (
        kfz
    )  # the Kreis's page
    for link in perso + kfz:
        if link.startswith(served):
            assert get(link)[0] == 200, link


@pytest.fixture(scope="module")
def node_bin() -> str:
    node = shutil.which("node")
    if node is None or not CHROMIUM.exists() or not (ROOT / "node_modules" / "playwright-core").is_dir():
        pytest.fail(
            "the search check needs Node.js, Chromium (apt-get install chromium) and 'npm ci'", pytrace=False
        )
    return node
