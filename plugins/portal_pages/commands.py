"""``portal build`` and ``portal serve``: registered with the ``portal`` command through the entry-point
group ``portal.commands`` (content_sync itself never imports Pelican)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1


def build_site(
    settings_file: str | Path = "pelicanconf.py",
    *,
    store: str | None = None,
    output: str | None = None,
    portal_pages: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run Pelican with the portal settings; returns figures for the summary."""
    from pelican import Pelican
    from pelican.settings import read_settings

    override: dict[str, Any] = {}
    base = read_settings(str(settings_file))
    pp = {**base["PORTAL_PAGES"], **(portal_pages or {})}
    if store:
        pp["store"] = store
    override["PORTAL_PAGES"] = pp
    if output:
        override["OUTPUT_PATH"] = str(Path(output).resolve())
    settings = read_settings(str(settings_file), override=override)
    t0 = time.perf_counter()
    from .render import LAST_STATS, auftauen

    try:
        Pelican(settings).run()
    finally:
        auftauen()

    out = Path(settings["OUTPUT_PATH"])
    stats = LAST_STATS[-1] if LAST_STATS else None
    return {
        "output": out,
        "pages": stats.pages if stats else sum(1 for _ in out.rglob("*.html")),
        "rendered": stats.rendered if stats else None,
        "deleted": stats.deleted if stats else None,
        "workers": stats.workers if stats else None,
        "phasen": dict(stats.sekunden) if stats else {},
        "seconds": time.perf_counter() - t0,
    }


def portal_pages_overrides(
    settings_file: str | Path,
    *,
    alle_gebiete: bool = False,
    sprachen: str | None = None,
    jobs: int | None = None,
    voll: bool = False,
) -> dict[str, Any]:
    """PORTAL_PAGES overrides from command-line flags."""
    from pelican.settings import read_settings

    out: dict[str, Any] = {}
    if alle_gebiete:
        out["gebiete"] = []
    if sprachen:
        wanted = [c.strip() for c in sprachen.split(",") if c.strip()]
        from .settings import DEFAULT_SPRACHEN

        configured = read_settings(str(settings_file))["PORTAL_PAGES"].get("sprachen")
        known = {s["code"] if isinstance(s, dict) else s.code: s for s in (configured or DEFAULT_SPRACHEN)}
        out["sprachen"] = [known[c] if isinstance(known[c], dict) else known[c].model_dump() for c in wanted]
    if jobs:
        out["jobs"] = jobs
    if voll:
        out["incremental"] = False
    return out


def add_build(sub: Any) -> None:
    p = sub.add_parser("build", help="build the portal from the store into the output folder")
    p.add_argument("--pelican-settings", default="pelicanconf.py", help="Pelican settings file")
    p.add_argument("--store", help="SQLite store (default: PORTAL_PAGES['store'] in the settings)")
    p.add_argument("--output", help="output folder (default: OUTPUT_PATH, output/)")
    p.add_argument(
        "--alle-gebiete", action="store_true", help="build every Gemeinde and Kreis (not the demo set)"
    )
    p.add_argument("--sprachen", help="comma-separated language codes to build, e.g. de,en (default: all)")
    p.add_argument("--jobs", type=int, help="worker processes (default: one per CPU core)")
    p.add_argument("--voll", action="store_true", help="render every page, ignore the incremental manifest")
    p.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace, _settings: Any) -> int:
    from .settings import PluginConfigError

    pp = portal_pages_overrides(
        args.pelican_settings,
        alle_gebiete=args.alle_gebiete,
        sprachen=args.sprachen,
        jobs=args.jobs,
        voll=args.voll,
    )
    try:
        result = build_site(args.pelican_settings, store=args.store, output=args.output, portal_pages=pp)
    except (PluginConfigError, FileNotFoundError) as exc:
        print(f"portal build: {exc}")
        return EXIT_FAILED
    print(
        f"Built {result['pages']} pages into {result['output']} in {result['seconds']:.1f} s "
        f"({result['rendered']} rendered, {result['pages'] - (result['rendered'] or 0)} unchanged, "
        f"{result['deleted']} deleted, {result['workers']} worker processes)."
    )
    if result["phasen"]:
        shown = ", ".join(f"{k} {v:.1f} s" for k, v in result["phasen"].items())
        rest = result["seconds"] - sum(result["phasen"].values())
        print(f"  phases: {shown}; the rest (Pelican) {rest:.1f} s")
    print("View it with:  .venv/bin/portal serve   (then open http://127.0.0.1:8000/)")
    return EXIT_OK


RELOAD_JS = Path(__file__).with_name("neu_laden.js")
RELOAD_TAG = b'<script src="/__portal/neu-laden.js"></script>'
# written by the build itself: watching them would rebuild forever
_NOT_WATCHED = {".mo", ".pyc", ".tmp"}
_NOT_WATCHED_DIRS = {"__pycache__", "vendor", ".git", "node_modules"}


class Beobachter:
    """Watches the store, the theme, the content (and the municipalities' folders); on a change it builds
    again (``portal build``, incremental, in a child process) and raises ``stand`` so open pages reload."""

    def __init__(self, paths: list[Path], build: list[str], intervall: float = 1.0) -> None:
        self.paths = paths
        self.build = build
        self.intervall = intervall
        self.stand = 0
        self.fehler: str | None = None
        self.baut = False
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def signatur(self) -> tuple[tuple[str, int, int], ...]:
        out = []
        for root in self.paths:
            files = [root] if root.is_file() else []
            if root.is_dir():
                for dirpath, dirnames, filenames in os.walk(root):
                    dirnames[:] = sorted(
                        d for d in dirnames if d not in _NOT_WATCHED_DIRS and not d.startswith(".")
                    )
                    files += [
                        Path(dirpath, f)
                        for f in sorted(filenames)
                        if Path(f).suffix not in _NOT_WATCHED and not f.startswith(".")
                    ]
            for f in files:
                try:
                    st = f.stat()
                except OSError:
                    continue
                out.append((str(f), st.st_mtime_ns, st.st_size))
        return tuple(out)

    def einmal(self) -> bool:
        """One build; True if it succeeded."""
        with self._lock:
            self.baut = True
            try:
                done = subprocess.run(self.build, capture_output=True, text=True, check=False)
            finally:
                self.baut = False
            if done.returncode == 0:
                self.fehler = None
                self.stand += 1
                last = [line for line in done.stdout.splitlines() if line.startswith("Built")]
                print(last[0] if last else "built", flush=True)
                return True
            tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
            self.fehler = "\n".join(tail) or f"portal build exited with {done.returncode}"
            print(
                f"portal serve: the build failed (the pages shown are the last good ones):\n{self.fehler}",
                flush=True,
            )
            self.stand += 1  # open pages show the error
            return False

    def laufen(self) -> None:
        last = self.signatur()
        while not self._stop.wait(self.intervall):
            now = self.signatur()
            if now == last:
                continue
            # wait until the change has settled (a sync writes for a while, an editor saves several files)
            while not self._stop.wait(self.intervall / 2):
                settled = self.signatur()
                if settled == now:
                    break
                now = settled
            last = now
            print("portal serve: change seen, building…", flush=True)
            self.einmal()
            last = self.signatur()

    def stop(self) -> None:
        self._stop.set()


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; a missing page answers with the nearest subsite's 404 page, as a web server would.
    With a watcher: ``/__portal/stand`` tells open pages when to reload, and HTML pages get the script that asks."""

    beobachter: Beobachter | None = None

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if self.beobachter is not None and path.startswith("/__portal/"):
            if path == "/__portal/stand":
                body = json.dumps(
                    {
                        "stand": self.beobachter.stand,
                        "fehler": self.beobachter.fehler,
                        "baut": self.beobachter.baut,
                    }
                ).encode()
                return self._antwort(200, "application/json", body)
            if path == "/__portal/neu-laden.js":
                return self._antwort(200, "text/javascript; charset=utf-8", RELOAD_JS.read_bytes())
            return self.send_error(404)
        if self.beobachter is not None:
            target = Path(self.translate_path(path))
            if target.is_dir():
                target = target / "index.html"
            if target.suffix == ".html" and target.is_file() and path.endswith(("/", ".html")):
                body = target.read_bytes().replace(b"</head>", RELOAD_TAG + b"</head>", 1)
                return self._antwort(200, "text/html; charset=utf-8", body)
        return super().do_GET()

    def _antwort(self, code: int, typ: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", typ)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code == 404:
            root = Path(self.directory)
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            for n in range(len(parts), -1, -1):
                candidate = root.joinpath(*parts[:n], "404.html")
                if candidate.is_file() and candidate.resolve().is_relative_to(root.resolve()):
                    body = candidate.read_bytes()
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
        super().send_error(code, message, explain)

    def log_message(self, format: str, *args: Any) -> None:
        logging.getLogger("portal.serve").info(format, *args)


def add_serve(sub: Any) -> None:
    p = sub.add_parser(
        "serve", help="serve the built site on 127.0.0.1; with --watch rebuild on changes and reload the page"
    )
    p.add_argument("--output", default="output", help="the built site (default: output/)")
    p.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (0: any free port)")
    p.add_argument(
        "--no-watch",
        dest="watch",
        action="store_false",
        help="only serve; by default the store, theme and content are watched, a change builds again and open "
        "pages reload (not for a preview folder of 'portal preview', which is only served)",
    )
    p.add_argument("--pelican-settings", default="pelicanconf.py", help="with --watch: Pelican settings file")
    p.add_argument("--store", help="with --watch: the store to build from (default: the settings' store)")
    p.add_argument(
        "--alle-gebiete", action="store_true", help="with --watch: as 'portal build --alle-gebiete'"
    )
    p.add_argument("--sprachen", help="with --watch: as 'portal build --sprachen'")
    p.set_defaults(handler=run_serve)


def watch_paths(settings_file: str | Path, store: str | None) -> tuple[list[Path], str]:
    """What ``serve --watch`` watches: the store, the theme, the content folder, the municipalities' folders."""
    from pelican.settings import read_settings

    s = read_settings(str(settings_file))
    pp = s.get("PORTAL_PAGES", {})
    store_path = store or pp.get("store", "var/portal.sqlite")
    # the store and its write-ahead log (a sync's commit lands there first)
    paths = [Path(store_path), Path(f"{store_path}-wal"), Path(s["THEME"]), Path(s["PATH"])]
    sites = pp.get("sites_ordner")
    if sites:
        paths.append(Path(sites))
    return paths, str(store_path)


def run_serve(args: argparse.Namespace, _settings: Any) -> int:
    root = Path(args.output).resolve()
    beobachter = None
    if args.watch and (root / "vorschau" / "index.html").exists():
        print("portal serve: a preview folder: served as it is, not rebuilt")
    elif args.watch:
        paths, store = watch_paths(args.pelican_settings, args.store)
        build = [
            sys.executable,
            "-m",
            "content_sync",
            "build",
            "--pelican-settings",
            str(args.pelican_settings),
        ]
        build += ["--store", store, "--output", str(root)]
        build += ["--alle-gebiete"] if args.alle_gebiete else []
        build += ["--sprachen", args.sprachen] if args.sprachen else []
        beobachter = Beobachter(paths, build)
        print(f"portal serve: watching {', '.join(str(p) for p in paths)}; building first…", flush=True)
        beobachter.einmal()
    if not (root / "index.html").exists() and not (root / "vorschau" / "index.html").exists():
        print(f"portal serve: {root} has no site yet; run 'portal build' first")
        return EXIT_FAILED
    handler = type("Handler", (_Handler,), {"beobachter": beobachter})
    with http.server.ThreadingHTTPServer(
        ("127.0.0.1", args.port), functools.partial(handler, directory=str(root))
    ) as server:
        start = "vorschau/" if not (root / "index.html").exists() else ""
        port = server.server_address[1]  # --port 0: a free one
        print(f"Serving {root} at http://127.0.0.1:{port}/{start} (Ctrl+C stops)", flush=True)
        thread = None
        if beobachter is not None:
            thread = threading.Thread(target=beobachter.laufen, daemon=True)
            thread.start()
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
        if beobachter is not None:
            beobachter.stop()
    return EXIT_OK
