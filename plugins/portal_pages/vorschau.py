"""``portal preview FILE``: how the portal would look with one draft XZuFi file, before it is published.

The draft is applied to a *copy* of the store (SQLite's backup API: a consistent copy even while a sync
writes), and the site is built from that copy into a temporary folder in preview mode: every page is
fingerprinted as usual and compared with the live site's manifest, and only the pages whose fingerprint
differs are rendered, each with a "Vorschau" banner; ``vorschau/index.html`` lists them, and the pages the live
site would lose. The store, the live site and its manifest are only read.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from .commands import EXIT_FAILED, EXIT_OK, build_site, portal_pages_overrides
from .render import MANIFEST

EXIT_BAD_DRAFT = 2


def copy_store(live: Path, target: Path) -> None:
    """A consistent copy of the live store (read-only on the live side)."""
    source = sqlite3.connect(f"file:{live}?mode=ro", uri=True)
    try:
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()


def preview(
    datei: Path,
    *,
    settings_file: str | Path = "pelicanconf.py",
    store: Path | None = None,
    live: Path | None = None,
    output: Path | None = None,
    portal_pages: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Apply ``datei`` to a copy of the store and render the pages it changes; returns figures and paths."""
    from pelican.settings import read_settings

    from content_sync.sync import run_sync

    if not datei.is_file():
        raise FileNotFoundError(f"{datei}: no such file")
    base = read_settings(str(settings_file))
    store = Path(store or base["PORTAL_PAGES"]["store"])
    if not store.is_file():
        raise FileNotFoundError(f"{store}: no store (run 'portal sync' first)")
    live = Path(live or base["OUTPUT_PATH"])
    output = Path(output) if output else Path(tempfile.mkdtemp(prefix="portal-vorschau-"))
    if output.resolve() == live.resolve():
        raise ValueError("the preview folder must not be the live site")
    if output.exists() and any(output.iterdir()):
        raise ValueError(f"{output} is not empty")
    output.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="portal-vorschau-daten-"))
    try:
        copy = work / "vorschau.sqlite"
        copy_store(store, copy)
        quelle = work / "entwurf"
        quelle.mkdir()
        shutil.copyfile(datei, quelle / datei.name)
        result = run_sync(str(quelle), copy)
        if not result.ok:
            return {"sync": result, "output": output, "pages": [], "entfiele": [], "ohne_vergleich": False}
        manifest = live / MANIFEST
        pp = {**(portal_pages or {}), "vorschau": str(manifest.resolve()), "incremental": True}
        built = build_site(settings_file, store=str(copy), output=str(output), portal_pages=pp)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from .render import LAST_STATS

    stats = LAST_STATS[-1]
    return {
        "sync": result,
        "output": output,
        "pages": stats.geschrieben,
        "entfiele": stats.entfiele,
        "ohne_vergleich": not manifest.exists(),
        "seconds": built["seconds"],
    }


def add_preview(sub: Any) -> None:
    p = sub.add_parser(
        "preview", help="render the pages one draft XZuFi file changes, into a temporary preview folder"
    )
    p.add_argument("file", help="the draft XZuFi file (not yet published)")
    p.add_argument("--pelican-settings", default="pelicanconf.py", help="Pelican settings file")
    p.add_argument("--store", help="the live store (only read; default: PORTAL_PAGES['store'])")
    p.add_argument("--live", help="the live site to compare with (only read; default: OUTPUT_PATH)")
    p.add_argument("--output", help="preview folder (default: a new temporary folder)")
    p.add_argument("--alle-gebiete", action="store_true", help="as 'portal build --alle-gebiete'")
    p.add_argument("--sprachen", help="as 'portal build --sprachen'")
    p.set_defaults(handler=run_preview)


def run_preview(args: argparse.Namespace, _settings: Any) -> int:
    from content_sync.sync import summary

    from .settings import PluginConfigError

    pp = portal_pages_overrides(args.pelican_settings, alle_gebiete=args.alle_gebiete, sprachen=args.sprachen)
    try:
        out = preview(
            Path(args.file),
            settings_file=args.pelican_settings,
            store=Path(args.store) if args.store else None,
            live=Path(args.live) if args.live else None,
            output=Path(args.output) if args.output else None,
            portal_pages=pp,
        )
    except (FileNotFoundError, ValueError, PluginConfigError, sqlite3.Error) as exc:
        print(f"portal preview: {exc}")
        return EXIT_FAILED
    result = out["sync"]
    if not result.ok:
        print(f"portal preview: the draft could not be read: {result.error}")
        return EXIT_BAD_DRAFT
    for q in result.quarantine:
        print(f"not in the preview: {q.file}: {q.record_id or '-'}: {q.reason}")
    lines = summary(result).splitlines()
    print("The draft: " + (lines[2].strip() if len(lines) > 2 else lines[0]))
    if out["ohne_vergleich"]:
        print("note: no live site to compare with: every page was rendered")
    folder = out["output"]
    print(
        f"Preview of {args.file}: {len(out['pages'])} pages changed or new, "
        f"{len(out['entfiele'])} would be removed; in {folder}"
    )
    print(f"The list of pages: {folder / 'vorschau' / 'index.html'}")
    print(f"View it: .venv/bin/portal serve --output {folder}  → http://127.0.0.1:8000/vorschau/")
    print("The store and the live site were not changed.")
    return EXIT_OK
