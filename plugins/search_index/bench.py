"""``portal bench search``: what our search costs a browser, and how well it finds, next to Pagefind.

For a built site it measures

- **lunr (our design)**: the bytes of the first query on a subsite's search page (the lunr scripts, our two
  scripts, the shared German index, the German result data, the subsite's map), each file at gzip level 9 as
  a web server sends it (zlib, as nginx or Apache compress; GNU ``gzip -9`` comes out up to 2 % larger), and
  of every further query (none: everything is loaded); recall@1 and recall@3 over ``tests/search/queries.yaml``
  through the real lunr.js (``tests/search/run_queries.cjs``). Real Chromium opens
  ``<subsite>/suche/?q=perso`` once to check that the files it fetches for the search are exactly these.
- **Pagefind**, side by side: the Land-level German service pages (``leistungen/*/index.html``, one per
  Leistung) are copied to a temporary folder, their ``<main>`` marked ``data-pagefind-body``, and indexed with
  the Pagefind CLI; real Chromium runs each query on a tiny page that imports ``/pagefind/pagefind.js``, calls
  ``search()`` and loads ``data()`` of the top three results, as a results list does. JavaScript and JSON are
  counted at gzip level 9 (``http.server`` does not compress), Pagefind's index files as they are (they are
  gzip already).

Timed things run ``--runs`` times; the table shows medians. Byte counts are response bodies (no headers).
Index build seconds: for lunr the German index and result data built in this process (``build_index`` and
``result_data``, as the build does), for Pagefind the CLI's wall time (process start included).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
QUERIES_FILE = ROOT / "tests" / "search" / "queries.yaml"
RUN_QUERIES = ROOT / "tests" / "search" / "run_queries.cjs"
BROWSER_SCRIPT = HERE / "bench_browser.mjs"
DEMO_SOURCE = ROOT / "demo" / "xzufi" / "nacht-1"
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
EXIT_OK = 0
EXIT_FAILED = 1

LUNR_SCRIPTS = [
    "theme/vendor/lunr/lunr.min.js",
    "theme/vendor/lunr/lunr.stemmer.support.min.js",
    "theme/vendor/lunr/lunr.de.min.js",
    "theme/js/suchlogik.js",
    "theme/js/suche.js",
]
FIRST_QUERY = "perso"  # the query the browser check types, as the search flow test does
FURTHER_QUERY = "reisepass"
TOP = 3
PAGEFIND_EXCLUDE = "nav"  # the page's own table of contents inside <main>
_PAGEFIND_HARNESS = """<!doctype html>
<html lang="de"><head><meta charset="utf-8"><title>Pagefind bench</title><link rel="icon" href="data:,">
<script type="module">
let pagefind = null;
window.benchSearch = async (query, top) => {
  pagefind = pagefind || (await import("/pagefind/pagefind.js"));
  const search = await pagefind.search(query);
  const data = await Promise.all(search.results.slice(0, top).map((r) => r.data()));
  return data.map((d) => d.url);
};
</script></head>
<body><p>Pagefind bench: window.benchSearch(query, top)</p></body></html>
"""
_GZIP_MAGIC = b"\x1f\x8b"


class BenchError(Exception):
    """Something the benchmark needs is missing or broke; the message says what."""


# --- figures --------------------------------------------------------------------------------------------


def gzip_size(data: bytes) -> int:
    """What a web server sends for ``data`` with gzip level 9 (header without a file name, as over HTTP)."""
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def counted_size(data: bytes) -> int:
    """A body as it goes over the wire: already gzip (Pagefind's index files) as it is, else gzip -9."""
    return len(data) if data.startswith(_GZIP_MAGIC) else gzip_size(data)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Datei:
    """One file a browser downloads: its path below the site root, its size, and what is sent."""

    path: str
    bytes: int
    gesendet: int  # gzip -9, or as it is for pre-compressed files


@dataclass
class Ergebnis:
    """One design's row of the table, with the detail printed above it."""

    design: str
    erste: list[Datei]  # the files of the first query (for Pagefind: of the query FIRST_QUERY)
    erste_bytes: float  # first-query bytes sent (for Pagefind: the median over the queries)
    weitere_bytes: float  # bytes of each further query (median)
    build_sekunden: float
    recall1: float
    recall3: float
    misses: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def erste_summe(self) -> int:
        return sum(d.gesendet for d in self.erste)


# --- queries and recall ----------------------------------------------------------------------------------


def load_queries(path: Path = QUERIES_FILE) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def leika_by_ref(store_path: Path) -> dict[str, set[str]]:
    """Search ref (the URL's id slug, see ``objekt_slug``) -> the Leistung's LeiKa keys, from the store."""
    from content_sync.store import Store
    from plugins.portal_pages.urls import id_slug

    with Store(store_path, readonly=True) as store:
        return {id_slug(lb.ref.id): set(lb.leika) for lb in store.leistungen()}


def recall(
    results: dict[str, list[str]], leika_of: dict[str, set[str]], queries: list[dict[str, Any]], k: int
) -> tuple[float, list[str]]:
    """Mean share of a query's expected LeiKa keys found among its first ``k`` results, and the misses."""
    misses, score = [], 0.0
    for case in queries:
        got = results.get(case["q"], [])[:k]
        top = [leika_of.get(r, set()) for r in got]
        found = sum(1 for key in case["leika"] if any(key in keys for keys in top))
        score += found / len(case["leika"])
        if found < len(case["leika"]):
            misses.append(f"{case['q']!r}: expected {case['leika']}, got {got}")
    return score / len(queries), misses


def ref_from_url(url: str) -> str:
    """``/leistungen/personalausweis-beantragen--lb-1001/`` -> ``lb-1001`` (the id slug after ``--``)."""
    path = urllib.parse.urlsplit(url).path.rstrip("/")
    path = path.removesuffix("/index.html")
    last = path.rsplit("/", 1)[-1]
    return last.rsplit("--", 1)[1] if "--" in last else last


def lunr_results(index_file: Path, queries: list[str], limit: int = 10) -> dict[str, list[str]]:
    """The refs each query finds, in order, through the real lunr.js and our query code (node)."""
    node = shutil.which("node")
    if not node:
        raise BenchError("Node.js is missing (install Node.js 20)")
    proc = subprocess.run(
        [node, str(RUN_QUERIES)],
        input=json.dumps({"index": str(index_file), "queries": queries, "limit": limit}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchError(f"{RUN_QUERIES.name} failed: {proc.stderr.strip()}")
    return json.loads(proc.stdout)["results"]


# --- a local web server and the browser -------------------------------------------------------------------


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, quietly; every requested path is noted, to check the browser saw every response."""

    def do_GET(self) -> None:
        self.server.requested.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[tuple[str, list[str]]]:
    """``directory`` over HTTP on 127.0.0.1 (a free port): the base URL and the list of requested paths."""
    handler = functools.partial(_Handler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.requested = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", server.requested  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_browser(job: dict[str, Any], timeout: float = 600) -> dict[str, Any]:
    node = shutil.which("node")
    if not node:
        raise BenchError("Node.js is missing (install Node.js 20)")
    if not (ROOT / "node_modules" / "playwright-core").exists():
        raise BenchError(f"playwright-core is missing: run 'npm ci' in {ROOT}")
    if not CHROMIUM.exists():
        raise BenchError(
            f"Chromium is missing ({CHROMIUM}): apt-get install chromium, or set PORTAL_CHROMIUM"
        )
    proc = subprocess.run(
        [node, str(BROWSER_SCRIPT)],
        input=json.dumps({"chromium": str(CHROMIUM), **job}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise BenchError(f"{BROWSER_SCRIPT.name} failed: {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


def _site_path(url: str, base: str) -> str:
    """A response URL as a path below the served root, without its query string."""
    path = urllib.parse.urlsplit(url).path
    return urllib.parse.unquote(path.removeprefix(urllib.parse.urlsplit(base).path))


def _is_search_file(path: str) -> bool:
    """Scripts and data: what the search adds to a page (the HTML, CSS and fonts are the page itself)."""
    return path.endswith((".js", ".mjs", ".json"))


def _compare_requests(seen: list[str], requested: list[str], base: str) -> list[str]:
    """Every response the browser recorded against every request the server answered (favicon.ico aside:
    Chromium asks for it on its own, outside the page). A difference means the recording missed something."""
    browser = sorted(_site_path(u, base) for u in seen)
    server = sorted(_site_path(p, "/") for p in requested)
    browser = [p for p in browser if p != "favicon.ico"]
    server = [p for p in server if p != "favicon.ico"]
    if browser == server:
        return []
    return [
        "warning: the browser recorded other responses than the server answered: "
        f"only in the browser {sorted(set(browser) - set(server))}, "
        f"only on the server {sorted(set(server) - set(browser))}"
    ]


# --- lunr: our design ---------------------------------------------------------------------------------------


def lunr_files(subsite: str, index_sprache: str = "de", sprache: str = "de") -> list[str]:
    """The files the search page of ``subsite`` ('' = the Land portal) downloads for its first query."""
    prefix = f"{subsite.strip('/')}/" if subsite.strip("/") else ""
    return [
        *LUNR_SCRIPTS,
        f"suchindex/index-{index_sprache}.json",
        f"suchindex/docs-{sprache}.json",
        f"{prefix}suchkarte.json",
    ]


def _time_lunr_build(store: Path, settings_file: Path, runs: int) -> list[float]:
    """Seconds to build the German index and the German result data (what the build does per language)."""
    from pelican.settings import read_settings

    from content_sync.store import Store
    from plugins.portal_pages.settings import PortalPagesSettings
    from plugins.portal_pages.site import Portal

    from .search_index import SearchIndexSettings, build_index, result_data

    settings = read_settings(str(settings_file))
    config = SearchIndexSettings.from_pelican(settings)
    pages = PortalPagesSettings.from_pelican(
        {"PORTAL_PAGES": {**settings["PORTAL_PAGES"], "store": str(store)}}
    )
    quiet = logging.getLogger("lunr")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # lunr.py notes each re-registration of our pipeline functions
    try:
        with Store(store, readonly=True) as s:
            portal = Portal(pages, s)
            seconds = []
            for _ in range(runs):
                t0 = time.perf_counter()
                build_index(portal, "de", config.text_woerter)
                result_data(portal, "de", config.teaser_zeichen)
                seconds.append(time.perf_counter() - t0)
    finally:
        quiet.setLevel(level)
    return seconds


def bench_lunr(
    site: Path,
    store: Path,
    subsite: str = "wanfried",
    *,
    browser: bool = True,
    runs: int = 3,
    settings_file: Path = ROOT / "pelicanconf.py",
    queries: list[dict[str, Any]] | None = None,
) -> Ergebnis:
    queries = queries if queries is not None else load_queries()
    paths = lunr_files(subsite)
    erste = []
    for p in paths:
        f = site / p
        if not f.is_file():
            raise BenchError(f"{f} is missing: is {site} a built site with the subsite {subsite!r}?")
        data = f.read_bytes()
        erste.append(Datei(p, len(data), gzip_size(data)))
    results = lunr_results(site / "suchindex" / "index-de.json", [c["q"] for c in queries])
    leika_of = leika_by_ref(store)
    r1, _ = recall(results, leika_of, queries, 1)
    r3, misses = recall(results, leika_of, queries, TOP)
    seconds = _time_lunr_build(store, settings_file, runs)
    notes = [
        f"index build: the German index and result data (build_index + result_data 'de'), "
        f"median of {runs}: {', '.join(f'{t:.3f}' for t in seconds)} s",
    ]
    warnings: list[str] = []
    weitere = 0
    if browser:
        more, warnings, weitere = _check_lunr_in_browser(site, subsite, paths)
        notes += more
    else:
        notes.append("further query: 0 B by design (suche.js keeps what it loaded); no browser check")
    return Ergebnis(
        design="lunr (our design)",
        erste=erste,
        erste_bytes=sum(d.gesendet for d in erste),
        weitere_bytes=weitere,
        build_sekunden=median(seconds),
        recall1=r1,
        recall3=r3,
        misses=misses,
        notes=notes,
        warnings=warnings,
    )


def _check_lunr_in_browser(site: Path, subsite: str, paths: list[str]) -> tuple[list[str], list[str], int]:
    """Open ``<subsite>/suche/?q=perso`` in Chromium: the search files it fetches must be ``paths``, and a
    further query should fetch nothing. Returns notes, warnings and the further query's bytes (gzip -9)."""
    prefix = f"{subsite.strip('/')}/" if subsite.strip("/") else ""
    page = f"{prefix}suche/?q={FIRST_QUERY}"
    with serve(site) as (base, requested):
        run = run_browser({"job": "lunr", "base": base, "page": page, "next": FURTHER_QUERY})
        warnings = _compare_requests(run["seen"], requested, base)
    first = [_site_path(r["url"], base) for r in run["first"]["responses"]]
    search = [p for p in first if _is_search_file(p)]
    other = [p for p in first if not _is_search_file(p)]
    notes = []
    if sorted(search) == sorted(paths):
        notes.append(
            f"Chromium, {page}: fetched exactly these {len(paths)} files for the search "
            f"(besides {len(other)} of the page itself: HTML, CSS, fonts)"
        )
    else:
        warnings.append(
            f"warning: Chromium fetched other search files for {page} than listed: "
            f"missing {sorted(set(paths) - set(search))}, extra {sorted(set(search) - set(paths))}"
        )
    if not run["first"]["results"]:
        warnings.append(f"warning: Chromium showed no result for {FIRST_QUERY!r}")
    further = [_site_path(r["url"], base) for r in run["further"]["responses"]]
    weitere = sum(gzip_size((site / p).read_bytes()) for p in further if (site / p).is_file())
    if further:
        warnings.append(f"warning: the further query {FURTHER_QUERY!r} fetched {further}")
    if not run["further"]["results"]:
        warnings.append(f"warning: Chromium showed no result for the further query {FURTHER_QUERY!r}")
    notes.append(
        f"further query ({FURTHER_QUERY!r} typed into the same page, measured in Chromium): "
        f"{weitere:,} B in {len(further)} requests"
    )
    return notes, warnings, weitere


# --- Pagefind, side by side ---------------------------------------------------------------------------------

_MAIN = re.compile(r"<main\b", re.IGNORECASE)
_REFRESH = re.compile(r"""<meta[^>]+http-equiv=["']?refresh""", re.IGNORECASE)


def pagefind_corpus(site: Path, target: Path) -> list[str]:
    """Copy the Land-level German service pages (``leistungen/*/index.html``, one per Leistung; redirect
    pages left behind by a changed title aside) into ``target``, their ``<main>`` marked
    ``data-pagefind-body`` so header, navigation and footer are not indexed. Returns the copied paths."""
    copied = []
    for page in sorted((site / "leistungen").glob("*/index.html")):
        html = page.read_text(encoding="utf-8")
        if _REFRESH.search(html) or not _MAIN.search(html):
            continue
        rel = page.relative_to(site).as_posix()
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(_MAIN.sub("<main data-pagefind-body", html, count=1), encoding="utf-8")
        copied.append(rel)
    return copied


def pagefind_available() -> bool:
    import importlib.util

    return (
        importlib.util.find_spec("pagefind") is not None
        and importlib.util.find_spec("pagefind_bin") is not None
    )


def _run_pagefind(folder: Path) -> float:
    """Index ``folder`` with the Pagefind CLI (its bundled binary); wall seconds, process start included."""
    shutil.rmtree(folder / "pagefind", ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pagefind",
            "--site",
            str(folder),
            "--exclude-selectors",
            PAGEFIND_EXCLUDE,
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0 or not (folder / "pagefind" / "pagefind.js").is_file():
        raise BenchError(f"python -m pagefind failed ({proc.returncode}): {proc.stdout}{proc.stderr}".strip())
    return seconds


def _sent(folder: Path, responses: list[dict[str, Any]], base: str) -> tuple[list[Datei], list[str]]:
    """Each response's file in the served folder, with the bytes sent for it; warnings where the browser
    saw another size than the file has."""
    files, warnings = [], []
    for r in responses:
        path = _site_path(r["url"], base)
        if r["status"] != 200 or not (folder / path).is_file():
            warnings.append(f"warning: {path}: answered {r['status']}")
            continue
        data = (folder / path).read_bytes()
        if r["bytes"] != len(data):
            warnings.append(f"warning: {path}: the browser got {r['bytes']} B, the file has {len(data)} B")
        files.append(Datei(path, len(data), counted_size(data)))
    return files, warnings


def bench_pagefind(
    site: Path, store: Path, *, runs: int = 3, queries: list[dict[str, Any]] | None = None
) -> Ergebnis:
    if not pagefind_available():
        raise BenchError("Pagefind is not installed: .venv/bin/pip install -e '.[dev,bench]'")
    queries = queries if queries is not None else load_queries()
    texts = [c["q"] for c in queries]
    with tempfile.TemporaryDirectory(prefix="bench-pagefind-") as tmp:
        folder = Path(tmp)
        pages = pagefind_corpus(site, folder)
        if not pages:
            raise BenchError(f"{site / 'leistungen'} has no service pages to index")
        seconds = [_run_pagefind(folder) for _ in range(runs)]
        bundle = [p.stat().st_size for p in (folder / "pagefind").rglob("*") if p.is_file()]
        version = json.loads((folder / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))[
            "version"
        ]
        (folder / "bench.html").write_text(_PAGEFIND_HARNESS, encoding="utf-8")
        fresh = [FIRST_QUERY, *[q for q in texts if q != FIRST_QUERY]]
        with serve(folder) as (base, requested):
            run = run_browser(
                {
                    "job": "pagefind",
                    "base": base,
                    "harness": "bench.html",
                    "sequence": texts,
                    "fresh": fresh,
                    "top": TOP,
                }
            )
            warnings = _compare_requests(run["seen"], requested, base)
        erste_je_query = []
        erste_dateien: list[Datei] = []
        for step in run["fresh"]:
            files, w = _sent(folder, step["responses"], base)
            warnings += w
            erste_je_query.append(sum(d.gesendet for d in files))
            if step["query"] == FIRST_QUERY:
                erste_dateien = files
        weitere = []
        for step in run["sequence"][1:]:
            files, w = _sent(folder, step["responses"], base)
            warnings += w
            weitere.append(sum(d.gesendet for d in files))
    results = {step["query"]: [ref_from_url(u) for u in step["results"]] for step in run["sequence"]}
    leika_of = leika_by_ref(store)
    r1, _ = recall(results, leika_of, queries, 1)
    r3, misses = recall(results, leika_of, queries, TOP)
    missing = sorted(set(leika_of) - {ref_from_url(p) for p in pages})
    if missing:
        warnings.append(f"warning: no Land-level page for {len(missing)} Leistungen: {missing[:10]}")
    notes = [
        f"corpus: {len(pages)} pages leistungen/*/index.html, <main> as data-pagefind-body, "
        f"--exclude-selectors {PAGEFIND_EXCLUDE!r}; bundle {len(bundle)} files, "
        f"{sum(bundle):,} B on disk",
        f"index build: python -m pagefind (wall time, process start included), median of {runs}: "
        f"{', '.join(f'{s:.3f}' for s in seconds)} s",
        f"first query: a new browser context (empty cache) per query; median over {len(erste_je_query)} "
        f"queries {median(erste_je_query):,.0f} B (min {min(erste_je_query):,}, max {max(erste_je_query):,}); "
        f"the files of {FIRST_QUERY!r} are listed",
        f"further query: the {len(weitere)} queries after the first one in one page, each search() plus data() "
        f"of the top {TOP}; median {median(weitere):,.0f} B (min {min(weitere, default=0):,}, "
        f"max {max(weitere, default=0):,}, sum {sum(weitere):,})",
    ]
    return Ergebnis(
        design=f"Pagefind {version}",
        erste=erste_dateien,
        erste_bytes=median(erste_je_query),
        weitere_bytes=median(weitere),
        build_sekunden=median(seconds),
        recall1=r1,
        recall3=r3,
        misses=misses,
        notes=notes,
        warnings=warnings,
    )


# --- the report -----------------------------------------------------------------------------------------------


def format_files(ergebnis: Ergebnis, label: str, sent_label: str) -> list[str]:
    width = max([len(d.path) for d in ergebnis.erste] + [len("total")]) + 2
    lines = [f"  {label:<{width}} {'bytes':>10} {sent_label:>10}"]
    lines += [f"  {d.path:<{width}} {d.bytes:>10,} {d.gesendet:>10,}" for d in ergebnis.erste]
    lines.append(
        f"  {'total':<{width}} {sum(d.bytes for d in ergebnis.erste):>10,} {ergebnis.erste_summe:>10,}"
    )
    return lines


def format_table(rows: list[Ergebnis]) -> list[str]:
    head = ("design", "first query (gz)", "further query", "index build s", "recall@1", "recall@3")
    cells = [
        (
            r.design,
            f"{r.erste_bytes:,.0f} B",
            f"{r.weitere_bytes:,.0f} B",
            f"{r.build_sekunden:.3f}",
            f"{r.recall1:.2f}",
            f"{r.recall3:.2f}",
        )
        for r in rows
    ]
    widths = [max(len(x[i]) for x in [head, *cells]) for i in range(len(head))]
    fmt = "  ".join(["{:<%d}" % widths[0]] + ["{:>%d}" % w for w in widths[1:]])  # noqa: UP031
    return [fmt.format(*head), fmt.format(*("-" * w for w in widths)), *(fmt.format(*c) for c in cells)]


def report(rows: list[Ergebnis], subsite: str, queries: int) -> str:
    lines: list[str] = []
    for r in rows:
        lines.append(f"{r.design}:")
        if r.design.startswith("lunr"):
            lines.append(f"  first query on {subsite or '(Land portal)'}/suche/, each file at gzip -9:")
            lines += format_files(r, "file", "gzip -9")
        else:
            lines.append(f"  first query {FIRST_QUERY!r} (JS and JSON at gzip -9, index files as they are):")
            lines += format_files(r, "file", "sent")
        lines += [f"  {n}" for n in r.notes]
        lines.append(f"  recall@1 {r.recall1:.2f}, recall@3 {r.recall3:.2f} over {queries} queries")
        lines += [f"  not in the top {TOP}: {m}" for m in r.misses]
        lines += [f"  {w}" for w in r.warnings]
        lines.append("")
    lines += format_table(rows)
    return "\n".join(lines)


# --- the command --------------------------------------------------------------------------------------------


def add_bench(sub: Any) -> None:
    p = sub.add_parser(
        "bench",
        help="measure the portal: build (Hessen scale, next to Pelican and Jinja2), search (bytes, recall)",
    )
    bench = p.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
    s = bench.add_parser(
        "search",
        help="bytes a browser downloads per query and recall@1/@3, lunr (ours) next to Pagefind",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    s.add_argument(
        "--store", help="the SQLite store the site was built from (default: PORTAL_PAGES['store'])"
    )
    s.add_argument("--site", help="a built site (default: build the demo site into a temporary folder)")
    s.add_argument("--subsite", default="wanfried", help="the subsite whose search page is measured")
    s.add_argument("--runs", type=_positive, default=3, help="how often each index build is timed (median)")
    s.add_argument("--without-pagefind", action="store_true", help="measure our lunr search only")
    s.set_defaults(handler=run_bench_search)
    from plugins.portal_pages.bench import add_build_bench

    add_build_bench(bench)


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def _default_store() -> Path:
    from pelican.settings import read_settings

    return ROOT / read_settings(str(ROOT / "pelicanconf.py"))["PORTAL_PAGES"]["store"]


@contextlib.contextmanager
def _chdir(path: Path) -> Iterator[None]:
    cwd = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(cwd)


def run_bench_search(args: argparse.Namespace, _settings: Any) -> int:
    from content_sync.sync import run_sync
    from plugins.portal_pages.commands import build_site

    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        try:
            store = Path(args.store).resolve() if args.store else _default_store()
            if not store.exists():
                if args.site or args.store:
                    raise BenchError(f"store {store} does not exist (the store the site was built from)")
                store = Path(tmp) / "portal.sqlite"
                print(f"No store at {_default_store()}: syncing {DEMO_SOURCE.relative_to(ROOT)} into {store}")
                if not run_sync(str(DEMO_SOURCE), store).ok:
                    raise BenchError(f"the sync of {DEMO_SOURCE} failed")
            if args.site:
                site = Path(args.site).resolve()
            else:
                site = Path(tmp) / "output"
                print(f"Building the demo site from {store} into {site} ...", flush=True)
                with _chdir(ROOT):
                    built = build_site(ROOT / "pelicanconf.py", store=str(store), output=str(site))
                print(f"Built {built['pages']} pages in {built['seconds']:.1f} s.")
            if not (site / "suchindex").is_dir():
                raise BenchError(f"{site} is not a built portal (no suchindex/)")
            queries = load_queries()
            print(
                f"Search benchmark: site {site}, store {store}, {len(queries)} queries "
                f"({QUERIES_FILE.relative_to(ROOT)}), subsite {args.subsite!r}\n",
                flush=True,
            )
            rows = [bench_lunr(site, store, args.subsite, runs=args.runs, queries=queries)]
            if not args.without_pagefind:
                rows.append(bench_pagefind(site, store, runs=args.runs, queries=queries))
        except BenchError as exc:
            print(f"portal bench search: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(report(rows, args.subsite, len(queries)))
    return EXIT_OK
