"""Releases: every build in a folder of its own, the live site a symlink that is switched atomically.

Layout below the output folder::

    live -> releases/20261128T020000Z     (a relative symlink; the web server's document root)
    releases/20261127T020000Z/            (kept for `portal rollback`)
    releases/20261128T020000Z/
    berichte/                             (the report of every run)
    .nightly.lock

A new release starts as a copy of the live one: files the incremental build replaces atomically (the
pages listed in the build's manifest: written to a temporary file, then renamed over the old name) are
hard-linked, so unchanged pages cost no space; every other file (search index, sitemaps, theme files,
which the build writes in place) is copied, so writing it can never change the live release through a
shared inode. A release is complete when its marker file ``.release.json`` exists; it is written after the
build and the checks, right before the switch. Folders without it are unfinished (a failed or killed run)
and are removed by the next run. The switch: a new symlink under a temporary name, renamed over ``live``
(``rename(2)`` is atomic: a reader sees the old or the new release, never neither, never a mix).
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from plugins.portal_pages.render import write_atomic

RELEASES = "releases"
MARKER = ".release.json"
MANIFEST = ".portal-manifest.json"  # plugins/portal_pages/render.py writes it (tests check they agree)
REPORT_DIR = "bericht"
REPORT_JSON = "bericht.json"
NOT_COPIED = {MARKER, REPORT_JSON}  # at the top of a release: this run writes its own


class ReleaseError(Exception):
    """The release layout is not what this module expects (e.g. ``live`` is a real folder)."""


def read_manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass
class Releases:
    output: Path
    live_name: str = "live"
    keep: int = 5

    @property
    def root(self) -> Path:
        return self.output / RELEASES

    @property
    def live(self) -> Path:
        return self.output / self.live_name

    def path(self, release: str) -> Path:
        return self.root / release

    # --- reading the state ----------------------------------------------------------------------------

    def live_id(self) -> str | None:
        """The release ``live`` points to, or None if there is no live site yet."""
        if not self.live.is_symlink():
            if self.live.exists():
                raise ReleaseError(f"{self.live} exists and is not a symlink: move it away first")
            return None
        target = PurePosixPath(os.readlink(self.live))
        if len(target.parts) != 2 or target.parts[0] != RELEASES:
            raise ReleaseError(f"{self.live} points to {target}, not into {RELEASES}/")
        return target.parts[1]

    def is_complete(self, release: str) -> bool:
        return (self.path(release) / MARKER).is_file()

    def complete(self) -> list[str]:
        """Complete releases, oldest first (their names are UTC timestamps)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.is_symlink() and (p / MARKER).is_file()
        )

    def info(self, release: str) -> dict[str, Any]:
        try:
            data = json.loads((self.path(release) / MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def previous(self) -> str | None:
        """The newest complete release older than the live one (what ``portal rollback`` switches to)."""
        live = self.live_id()
        older = [r for r in self.complete() if live is None or r < live]
        return older[-1] if older else None

    # --- changing it (only under the job's lock) ------------------------------------------------------

    def cleanup(self) -> list[str]:
        """Remove what failed or killed runs left: unfinished release folders, temporary symlinks."""
        removed = []
        try:
            live = self.live_id()
        except ReleaseError:
            live = None
        for tmp in self.output.glob(f".{self.live_name}.tmp-*"):
            tmp.unlink(missing_ok=True)
            removed.append(tmp.name)
        if self.root.is_dir():
            for entry in sorted(self.root.iterdir()):
                if entry.name == live:
                    continue
                if entry.is_symlink() or not entry.is_dir():
                    entry.unlink(missing_ok=True)
                    removed.append(entry.name)
                elif not (entry / MARKER).is_file():
                    shutil.rmtree(entry, ignore_errors=True)
                    removed.append(entry.name)
        return removed

    def prepare(self, release: str, basis: str | None) -> dict[str, int]:
        """Create the folder of a new release: empty, or a copy of ``basis`` (see the module docstring)."""
        target = self.path(release)
        self.root.mkdir(parents=True, exist_ok=True)
        if basis is None:
            target.mkdir()
            return {"verlinkt": 0, "kopiert": 0}
        source = self.path(basis)
        linkable = set(read_manifest(source))
        return _copy_tree(source, target, linkable)

    def mark_complete(self, release: str, info: dict[str, Any]) -> None:
        write_atomic(self.path(release) / MARKER, json.dumps(info, ensure_ascii=False, indent=1) + "\n")

    def switch(self, release: str) -> None:
        """Point ``live`` at a complete release, atomically."""
        if not self.is_complete(release):
            raise ReleaseError(f"release {release} is not complete: refusing to publish it")
        self.live_id()  # refuses a live that is a real folder
        tmp = self.output / f".{self.live_name}.tmp-{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(f"{RELEASES}/{release}", tmp)
        os.replace(tmp, self.live)
        fsync_dir(self.output)

    def prune(self) -> list[str]:
        """Keep the newest ``keep`` complete releases and the live one; remove the rest."""
        live = self.live_id()
        complete = self.complete()
        keep = set(complete[-self.keep :]) | {live}
        removed = []
        for release in complete:
            if release not in keep:
                shutil.rmtree(self.path(release), ignore_errors=True)
                removed.append(release)
        return removed

    def discard(self, release: str) -> None:
        """Remove a release that will not be published (never the live one)."""
        if release != self.live_id():
            shutil.rmtree(self.path(release), ignore_errors=True)


def _copy_tree(source: Path, target: Path, linkable: set[str]) -> dict[str, int]:
    linked = copied = 0
    target.mkdir()
    for dirpath, dirnames, filenames in os.walk(source):
        rel = os.path.relpath(dirpath, source)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        if not rel:
            dirnames[:] = [d for d in dirnames if d != REPORT_DIR]
        dest_dir = target / rel if rel else target
        dest_dir.mkdir(exist_ok=True)
        for name in filenames:
            src = os.path.join(dirpath, name)
            if os.path.islink(src) or (not rel and name in NOT_COPIED):
                continue
            dest = os.path.join(dest_dir, name)
            if posixpath.join(rel, name) in linkable:
                try:
                    os.link(src, dest)
                    linked += 1
                    continue
                except OSError:
                    pass  # another file system or too many links: copy it
            shutil.copy2(src, dest)
            copied += 1
    return {"verlinkt": linked, "kopiert": copied}
