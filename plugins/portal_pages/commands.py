"""``portal build`` and ``portal serve``: registered with the ``portal`` command through the entry-point
group ``portal.commands`` (content_sync itself never imports Pelican)."""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import logging
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
    Pelican(settings).run()
    from .render import LAST_STATS

    out = Path(settings["OUTPUT_PATH"])
    stats = LAST_STATS[-1] if LAST_STATS else None
    return {
        "output": out,
        "pages": stats.pages if stats else sum(1 for _ in out.rglob("*.html")),
        "rendered": stats.rendered if stats else None,
        "deleted": stats.deleted if stats else None,
        "workers": stats.workers if stats else None,
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
    print("View it with:  .venv/bin/portal serve   (then open http://127.0.0.1:8000/)")
    return EXIT_OK


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files; a missing page answers with the nearest subsite's 404 page, as a web server would."""

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
    p = sub.add_parser("serve", help="serve the built site on 127.0.0.1 for viewing")
    p.add_argument("--output", default="output", help="the built site (default: output/)")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace, _settings: Any) -> int:
    root = Path(args.output).resolve()
    if not (root / "index.html").exists():
        print(f"portal serve: {root} has no site yet; run 'portal build' first")
        return EXIT_FAILED
    handler = functools.partial(_Handler, directory=str(root))
    with http.server.ThreadingHTTPServer(("127.0.0.1", args.port), handler) as server:
        print(f"Serving {root} at http://127.0.0.1:{args.port}/ (Ctrl+C stops)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
    return EXIT_OK
