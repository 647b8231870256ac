"""Helpers of the nightly-job tests: run ``portal nightly`` as a child process (as cron or systemd would), look
at the release folders, the store and the reports.

Most tests build the smaller site of ``pelicanconf_klein.py`` (about 1,600 pages); the demo end to end builds
the real one. Every run gets a fresh temporary output folder and store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "xzufi"
KLEIN = Path(__file__).resolve().parent / "pelicanconf_klein.py"
VOLL = ROOT / "pelicanconf.py"
# fast retries for sources that fail on purpose
SYNC_ENV = {
    "PORTAL_SYNC_RETRIES": "1",
    "PORTAL_SYNC_BACKOFF": "0.01",
    "PORTAL_SYNC_CONNECT_TIMEOUT": "2",
    "PORTAL_SYNC_READ_TIMEOUT": "0.5",
}


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(SYNC_ENV)
    env.update(extra)
    return env


def nightly_cmd(
    source: str | Path, store: Path, output: Path, *args: str, settings: Path = KLEIN
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "content_sync",
        "nightly",
        "--source",
        str(source),
        "--store",
        str(store),
        "--output",
        str(output),
        "--pelican-settings",
        str(settings),
        *args,
    ]


def run_nightly(
    source: str | Path,
    store: Path,
    output: Path,
    *args: str,
    settings: Path = KLEIN,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        nightly_cmd(source, store, output, *args, settings=settings),
        cwd=cwd or output.parent,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def portal(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "content_sync", *args],
        cwd=cwd,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def expect(proc: subprocess.CompletedProcess[str], code: int) -> None:
    assert proc.returncode == code, (
        f"exit code {proc.returncode}, expected {code}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr[-6000:]}"
    )


# --- the state on disk ---------------------------------------------------------------------------------


def live_target(output: Path, live: str = "live") -> str | None:
    link = output / live
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> sha256 of every file below ``folder`` (symlinks not followed)."""
    out = {}
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(dirpath, name)
            out[path.relative_to(folder).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def assert_complete_release(output: Path, release: str) -> None:
    """A complete release: its marker is there and every page its manifest lists exists."""
    folder = output / "releases" / release
    assert (folder / ".release.json").is_file(), f"{release} has no marker: not complete"
    manifest = json.loads((folder / ".portal-manifest.json").read_text(encoding="utf-8"))
    assert len(manifest) > 100
    missing = [p for p in manifest if not (folder / p).is_file()]
    assert not missing, f"{release}: {len(missing)} pages of the manifest are missing, e.g. {missing[:3]}"
    assert (folder / "index.html").is_file()


def store_state(store: Path) -> dict[str, Any]:
    """integrity, the sync runs (id, outcome) and a snapshot of the objects, read with plain sqlite3."""
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    try:
        integrity = [r[0] for r in db.execute("PRAGMA integrity_check")]
        runs = list(db.execute("SELECT id, outcome FROM sync_runs ORDER BY id"))
        objects = list(db.execute("SELECT klasse, key, version, hash FROM objects ORDER BY klasse, key"))
    finally:
        db.close()
    return {"integrity": integrity, "runs": runs, "objects": objects}


def last_report(output: Path) -> dict[str, Any]:
    reports = sorted((output / "berichte").glob("*.json"))
    assert reports, f"no report in {output / 'berichte'}"
    return json.loads(reports[-1].read_text(encoding="utf-8"))


@dataclass
class Site:
    """A nightly output folder with one published release and its store (copied per test)."""

    output: Path
    store: Path

    def copy_to(self, target: Path) -> Site:
        target.mkdir(parents=True, exist_ok=True)
        output = target / "out"
        shutil.copytree(self.output, output, symlinks=True)
        store = target / "store" / "portal.sqlite"
        store.parent.mkdir()
        for f in self.store.parent.iterdir():
            shutil.copy2(f, store.parent / f.name)
        return Site(output, store)


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """Night 1 of the demo, published by a nightly run on the small site (copy it with ``copy_to``)."""
    base = tmp_path_factory.mktemp("published")
    store = base / "store" / "portal.sqlite"
    output = base / "out"
    proc = run_nightly(DEMO / "nacht-1", store, output, "--no-vnu")
    expect(proc, 0)
    assert live_target(output) is not None
    return Site(output, store)


class Watched:
    """A nightly run as a child process whose log lines (stderr) are read as they come."""

    def __init__(self, cmd: list[str], *, env: dict[str, str], cwd: Path) -> None:
        import threading

        self.lines: list[str] = []
        self._cond = threading.Condition()
        self.proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.stdout = ""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def wait_for(self, text: str, timeout: float = 120) -> bool:
        """Wait until a log line contains ``text``; False if the run ended (or the time ran out) first."""
        import time

        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                if any(text in line for line in self.lines):
                    return True
                if self.proc.poll() is not None and not self._reader.is_alive():
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))

    def wait(self, timeout: float = 600) -> int:
        """The exit code (the summary line on stdout is small: it never fills the pipe)."""
        self.proc.wait(timeout=timeout)
        assert self.proc.stdout is not None
        self.stdout = self.proc.stdout.read()
        self.proc.stdout.close()
        self._reader.join(timeout=10)
        return self.proc.returncode

    @property
    def log(self) -> str:
        return "\n".join(self.lines)
