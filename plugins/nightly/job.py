"""One nightly run: sync -> validate -> build -> index -> check -> publish, under a lock.

Nothing before *publish* touches the live site: the build goes into a new release folder, and only a release
that passed every step is switched to (see :mod:`plugins.nightly.releases`). A failed step ends the run with
its own exit code; its unfinished release is removed; the report says what happened.

The sync runs in this process (one SQLite transaction: a kill leaves the store as it was). The build runs as
a ``portal build`` child process, so that a crash in it cannot corrupt the job's own state; the HTML checker
and the browser are child processes too. None of them outlives the job (:mod:`plugins.nightly.procs`).

Exit codes (also in the README):

====  ==========================================================================================
0     published (quarantined records, if any, are in the report)
1     internal error outside the steps (a bug); the live site is as the last step left it
2     usage or settings error
3     another run holds the lock: this run did nothing
4     interrupted (SIGTERM, SIGINT) before publishing: the live site is unchanged
10    sync failed (source down, HTTP error after retries, corrupt archive): store and site unchanged
11    validate failed (store damaged or empty): site unchanged
12    build failed: site unchanged
13    index failed (search index missing or unreadable): site unchanged
14    check failed (unsafe markup, broken link, invalid HTML): site unchanged
15    publish failed: site unchanged
====  ==========================================================================================
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from content_sync.settings import SyncSettings
from content_sync.store import Store
from content_sync.sync import SyncResult, run_sync
from plugins.portal_pages.render import write_atomic

from . import checks, report
from .lock import LockHeld, NightlyLock
from .procs import kill_marked, spawn
from .progress import Ausgabe
from .releases import REPORT_DIR, REPORT_JSON, Releases, fsync_dir

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_INTERRUPTED = 4
EXIT_STEP = {"sync": 10, "validate": 11, "build": 12, "index": 13, "check": 14, "publish": 15}
STEPS = tuple(EXIT_STEP)
LOCK_FILE = ".nightly.lock"
BERICHTE = "berichte"
BERICHTE_KEEP = 400
HALT_ENV = "PORTAL_NIGHTLY_HALT"  # test hook: stop (sleep) at the named points, so a test can kill there
_BUILT = re.compile(
    r"Built (\d+) pages into .* \((\d+) rendered, (-?\d+) unchanged, (\w+) deleted, (\w+) worker processes\)"
)


@dataclass
class Optionen:
    source: str
    store: Path
    output: Path
    pelican_settings: Path
    sync_settings: SyncSettings = field(default_factory=SyncSettings)
    live_name: str = "live"
    keep: int = 5
    jobs: int | None = None
    stichprobe: int = 30
    neu_max: int = 30
    seed: int = 6
    vnu: bool = True
    axe: bool = False


class SchrittFehler(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step
        self.message = message


class Abbruch(BaseException):
    """SIGTERM or SIGINT: stop before publishing, leave the site as it is."""


def _now() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def run_nightly(opts: Optionen, ausgabe: Ausgabe | None = None) -> int:
    """The whole run, under the lock. Returns the exit code."""
    out = ausgabe or Ausgabe()
    opts.output.mkdir(parents=True, exist_ok=True)
    releases = Releases(opts.output, opts.live_name, opts.keep)
    lauf = _neue_lauf_id(releases, opts.output / BERICHTE)
    marker = f"{lauf}.{os.getpid()}"
    lock = NightlyLock(opts.output / LOCK_FILE)
    info = {
        "pid": os.getpid(),
        "gestartet": _now(),
        "lauf": lauf,
        "marker": marker,
        "host": socket.gethostname(),
    }
    try:
        stale = lock.acquire(info)
    except LockHeld as exc:
        print(f"portal nightly: {exc}; this run exits without doing anything", file=sys.stderr)
        return EXIT_LOCKED
    out.lauf = lauf
    try:
        with _signals():
            if stale:
                _take_over(stale, releases, out)
            for removed in releases.cleanup():
                out.log(f"removed {removed}, left by a failed or killed run")
            lauf = _neue_lauf_id(releases, opts.output / BERICHTE)
            return Lauf(opts, releases, lauf, marker, out).run()
    finally:
        lock.release()


def _neue_lauf_id(releases: Releases, berichte: Path) -> str:
    """The run's id: its start in UTC (``20261128T020000Z``), with ``-02``, ``-03`` … if that is taken; it
    names the release folder and the report, and sorts in time order."""
    base = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    candidate, n = base, 1
    while releases.path(candidate).exists() or (berichte / f"{candidate}.json").exists():
        n += 1
        candidate = f"{base}-{n:02d}"
    return candidate


def _take_over(stale: dict[str, Any], releases: Releases, out: Ausgabe) -> None:
    out.log(
        f"taking over a stale lock: run {stale.get('lauf')} (pid {stale.get('pid')}, started "
        f"{stale.get('gestartet')}) ended without releasing it"
    )
    marker = stale.get("marker")
    if isinstance(marker, str) and marker:
        killed = kill_marked(marker)
        if killed:
            out.log(f"stopped {len(killed)} processes left by that run: {', '.join(map(str, killed))}")


@contextlib.contextmanager
def _signals() -> Iterator[None]:
    def handler(signum: int, _frame: object) -> None:
        raise Abbruch(signal.Signals(signum).name)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _halt(point: str, out: Ausgabe) -> None:
    wanted = os.environ.get(HALT_ENV, "")
    if point in {p.strip() for p in wanted.split(",") if p.strip()}:
        out.log(f"halting at {point} ({HALT_ENV})")
        time.sleep(3600)


class Lauf:
    def __init__(self, opts: Optionen, releases: Releases, lauf: str, marker: str, out: Ausgabe) -> None:
        self.opts = opts
        self.releases = releases
        self.lauf = lauf
        self.marker = marker
        self.out = out
        self.release: str | None = None
        self.basis: str | None = None
        self.published = False
        self.build_started = 0.0
        self.collected = False
        self.sync_result: SyncResult | None = None
        self.berichte = opts.output / BERICHTE
        self.r: dict[str, Any] = {
            "version": 1,
            "lauf": lauf,
            "ergebnis": "laeuft",
            "exit_code": None,
            "fehlgeschlagener_schritt": None,
            "fehler": None,
            "gestartet": _now(),
            "beendet": None,
            "quelle": opts.source,
            "release": None,
            "live_vorher": None,
            "live_nachher": None,
            "schritte": [],
            "sync": None,
            "build": None,
            "index": None,
            "pruefung": None,
            "aenderungen": {},
            "aenderungen_je_subsite": [],
            "quarantaene": [],
            "warnungen": {},
        }

    # --- the run ----------------------------------------------------------------------------------------

    def run(self) -> int:
        with contextlib.suppress(Exception):
            self.r["live_vorher"] = self.releases.live_id()
        code = EXIT_INTERNAL
        try:
            for number, name in enumerate(STEPS, 1):
                self._step(number, name)
            code = EXIT_OK
            self.r["ergebnis"] = "ok"
        except SchrittFehler as exc:
            code = EXIT_STEP[exc.step]
            self.r.update(ergebnis="fehlgeschlagen", fehlgeschlagener_schritt=exc.step, fehler=exc.message)
            self.out.log(f"{exc.step} FAILED: {exc.message}")
        except Abbruch as exc:
            if self.published:  # after the switch: the new release is live, only the clean-up was cut short
                code = EXIT_OK
                self.r.update(ergebnis="ok", fehler=f"interrupted after publishing ({exc})")
            else:
                code = EXIT_INTERRUPTED
                step = next(
                    (s["name"] for s in reversed(self.r["schritte"]) if s["status"] == "fehlgeschlagen"), None
                )
                self.r.update(
                    ergebnis="fehlgeschlagen", fehlgeschlagener_schritt=step, fehler=f"interrupted ({exc})"
                )
            self.out.log(f"interrupted ({exc})")
        finally:
            stopped = kill_marked(self.marker)  # a build or checker still running (interrupted, failed)
            if stopped:
                self.out.log(f"stopped {len(stopped)} child processes")
            if not self.published and self.release is not None:
                self.releases.discard(self.release)
            self._finish(code)
        return code

    def _step(self, number: int, name: str) -> None:
        self.out.step(number, len(STEPS), name)
        entry: dict[str, Any] = {"name": name, "status": "laeuft", "sekunden": 0.0, "hinweis": ""}
        self.r["schritte"].append(entry)
        t0 = time.monotonic()
        try:
            hint, hinweis = getattr(self, f"_{name}")()
        except SchrittFehler:
            entry.update(status="fehlgeschlagen", sekunden=time.monotonic() - t0)
            raise
        except Abbruch:
            entry.update(status="fehlgeschlagen", sekunden=time.monotonic() - t0, hinweis="abgebrochen")
            raise
        except Exception as exc:
            entry.update(status="fehlgeschlagen", sekunden=time.monotonic() - t0)
            self.out.log(traceback.format_exc().rstrip())
            raise SchrittFehler(name, f"{type(exc).__name__}: {exc}") from exc
        entry.update(status="ok", sekunden=time.monotonic() - t0, hinweis=hinweis)
        self.out.end_step(f"{name} ok in {entry['sekunden']:.1f} s{f': {hint}' if hint else ''}")

    # --- the steps --------------------------------------------------------------------------------------

    def _sync(self) -> tuple[str, str]:
        result = run_sync(self.opts.source, self.opts.store, self.opts.sync_settings)
        self.sync_result = result
        c = result.counts
        self.r["sync"] = {
            "run_id": result.run_id,
            "ergebnis": result.outcome,
            "dateien": result.files,
            "unveraendert": result.files_unchanged,
            "neu": c.new,
            "geaendert": c.changed,
            "geloescht": c.deleted,
            "quarantaene": c.quarantined,
            "warnungen": c.warnings,
            "je_klasse": c.per_klasse,
            "fehler": result.error,
        }
        if not result.ok:
            raise SchrittFehler("sync", f"{result.error} (the store was not changed)")
        return (
            f"{c.new} new, {c.changed} changed, {c.deleted} deleted, {c.quarantined} quarantined",
            f"{c.new} neu, {c.changed} geändert, {c.deleted} gelöscht, {c.quarantined} in Quarantäne",
        )

    def _validate(self) -> tuple[str, str]:
        assert self.sync_result is not None
        with Store(self.opts.store, readonly=True) as store:
            integrity = store.integrity_check()
            if integrity != ["ok"]:
                raise SchrittFehler("validate", f"the store is damaged: {'; '.join(integrity[:5])}")
            run = store.last_run()
            if run is None or run.id != self.sync_result.run_id or run.outcome != "ok":
                raise SchrittFehler("validate", f"the store's last sync run is not this run's ({run})")
            counts = store.counts()
            if counts.get("Leistung", 0) == 0:
                raise SchrittFehler(
                    "validate", "the store holds no Leistung: refusing to publish an empty portal"
                )
            zyklen = report.kategorien_zyklen(store.leistungen())
        self.r["warnungen"]["kategorien_zyklen"] = zyklen
        hint = ", ".join(f"{n} {k}" for k, n in counts.items())
        return (
            hint + (f"; {len(zyklen)} cycles in the category tree" if zyklen else ""),
            f"{counts.get('Leistung', 0)} Leistungen, {counts.get('Organisationseinheit', 0)} Stellen, "
            f"{counts.get('Onlinedienst', 0)} Onlinedienste, {counts.get('Zustaendigkeit', 0)} Zuständigkeiten"
            + (f"; {len(zyklen)} Zyklen im Kategorienbaum" if zyklen else ""),
        )

    def _build(self) -> tuple[str, str]:
        try:
            live = self.releases.live_id()
        except Exception as exc:
            raise SchrittFehler("build", str(exc)) from None
        self.basis = live if live is not None and self.releases.is_complete(live) else None
        self.release = self.lauf
        self.r["release"] = self.release
        copied = self.releases.prepare(self.release, self.basis)
        if self.basis:
            self.out.log(
                f"release {self.release} started from {self.basis}: {copied['verlinkt']} files hard-linked, "
                f"{copied['kopiert']} copied"
            )
        _halt("build:after-copy", self.out)
        target = self.releases.path(self.release)
        cmd = [
            sys.executable,
            "-m",
            "content_sync",
            "build",
            "--pelican-settings",
            str(self.opts.pelican_settings),
            "--store",
            str(self.opts.store),
            "--output",
            str(target),
        ]
        if self.opts.jobs:
            cmd += ["--jobs", str(self.opts.jobs)]
        estimate = self._last_seconds("build")
        t0 = time.monotonic()
        self.build_started = time.time()
        with tempfile.TemporaryFile() as log:
            proc = spawn(
                cmd,
                marker=self.marker,
                cwd=self.opts.pelican_settings.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            while True:
                try:
                    proc.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - t0
                    self.out.progress(min(0.99, elapsed / estimate) if estimate else None, "portal build")
            log.seek(0)
            text = log.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            tail = " | ".join(line for line in text.strip().splitlines()[-8:])
            raise SchrittFehler("build", f"portal build exited with code {proc.returncode}: {tail}")
        found = _BUILT.search(text)
        if found:
            pages, rendered, _unchanged, deleted, workers = found.groups()
            self.r["build"] = {
                "seiten": int(pages),
                "gerendert": int(rendered),
                "geloescht": int(deleted) if deleted.isdigit() else 0,
                "prozesse": workers,
                "basis": self.basis,
                **copied,
            }
            return (
                f"{pages} pages, {rendered} rendered, {deleted} deleted",
                f"{pages} Seiten, {rendered} neu erzeugt, {deleted} entfernt",
            )
        self.r["build"] = {"basis": self.basis, **copied}
        return "", ""

    def _index(self) -> tuple[str, str]:
        assert self.release is not None
        root = self.releases.path(self.release)
        folder = root / "suchindex"
        indexes = sorted(folder.glob("index-*.json")) if folder.is_dir() else []
        if not indexes:
            raise SchrittFehler("index", "the build wrote no search index (suchindex/index-*.json)")
        stale = [f.name for f in indexes if f.stat().st_mtime < self.build_started - 2]
        if stale:  # copied from the previous release, not written by this build
            raise SchrittFehler("index", f"the build did not write the search index anew: {', '.join(stale)}")
        files = sorted(folder.glob("*.json")) + sorted(root.rglob("suchkarte.json"))
        if (root / "orte.json").exists():
            files.append(root / "orte.json")
        size = 0
        for f in files:
            try:
                json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise SchrittFehler("index", f"{f.relative_to(root)} is not readable JSON: {exc}") from None
            size += f.stat().st_size
        self.r["index"] = {"dateien": len(files), "bytes": size}
        return (
            f"{len(files)} files, {size / 1e6:.1f} MB",
            f"{len(files)} Dateien, {size / 1e6:.1f} MB".replace(".", ","),
        )

    def _check(self) -> tuple[str, str]:
        assert self.release is not None
        root = self.releases.path(self.release)
        self._write_release_report()  # the draft: checked with the pages (it links to them)
        t0 = time.monotonic()
        pruefung = checks.scan(
            root,
            site_root=self._site_root(),
            progress=lambda n, total: self.out.progress(n / total, f"{n}/{total} pages scanned"),
        )
        pruefung.sekunden["scan"] = time.monotonic() - t0
        if self.basis is None:
            neu = [s.rel for s in pruefung.seiten]
        else:
            neu = [s.rel for s in pruefung.seiten if (root / s.rel).stat().st_nlink == 1]
        if self.opts.vnu:
            pages = checks.sample(
                pruefung.seiten,
                zufall=self.opts.stichprobe,
                seed=self.opts.seed,
                neu=neu,
                neu_max=self.opts.neu_max,
            )
            report_page = f"{REPORT_DIR}/index.html"
            if report_page not in pages:
                pages.append(report_page)
            pruefung.vnu_seiten = pages
            self.out.progress(None, f"HTML checker on {len(pages)} pages")
            t1 = time.monotonic()
            pruefung.probleme += checks.run_vnu(
                root,
                pages,
                marker=self.marker,
                poll=lambda: self.out.progress(None, f"vnu: {len(pages)} pages"),
            )
            pruefung.sekunden["vnu"] = time.monotonic() - t1
        if self.opts.axe:
            pages = checks.one_per_kind(pruefung.seiten)
            pruefung.axe_seiten = pages
            t2 = time.monotonic()
            pruefung.probleme += checks.run_axe(
                root,
                pages,
                marker=self.marker,
                poll=lambda: self.out.progress(None, f"axe: {len(pages)} pages"),
            )
            pruefung.sekunden["axe"] = time.monotonic() - t2
        self.r["pruefung"] = pruefung.as_dict()
        summary = (
            f"{len(pruefung.seiten)} pages scanned, {pruefung.links_intern} internal links, "
            f"{len(pruefung.vnu_seiten)} pages through vnu"
        )
        if pruefung.probleme:
            first = "; ".join(str(p) for p in pruefung.probleme[:3])
            raise SchrittFehler("check", f"{len(pruefung.probleme)} problems ({summary}): {first}")
        return summary, (
            f"{len(pruefung.seiten)} Seiten durchsucht, {pruefung.links_intern} interne Links, "
            f"{len(pruefung.vnu_seiten)} Seiten im HTML-Prüfprogramm"
        )

    def _publish(self) -> tuple[str, str]:
        assert self.release is not None
        self.r["live_nachher"] = self.release
        self.r["ergebnis"] = "ok"
        self.r["exit_code"] = EXIT_OK
        self.r["schritte"][-1].update(status="ok")
        self._write_release_report()
        self.releases.mark_complete(
            self.release,
            {
                "lauf": self.lauf,
                "erstellt": _now(),
                "basis": self.basis,
                "sync_run": self.sync_result.run_id if self.sync_result else None,
                "seiten": (self.r.get("build") or {}).get("seiten"),
            },
        )
        _sync_filesystem(self.releases.path(self.release))
        _halt("publish:before-switch", self.out)
        self.releases.switch(self.release)
        self.published = True
        _halt("publish:after-switch", self.out)
        try:
            removed = self.releases.prune()
        except OSError as exc:  # the site is published; an old release that stays is no failure
            self.out.log(f"could not remove old releases: {exc}")
            removed = []
        return (
            f"live -> {self.release}" + (f"; removed old releases {', '.join(removed)}" if removed else ""),
            f"live zeigt auf {self.release}" + (f"; entfernt: {', '.join(removed)}" if removed else ""),
        )

    # --- the report -------------------------------------------------------------------------------------

    def _collect(self) -> None:
        """Changes, quarantine and warnings, read once per run (the store does not change after the sync)."""
        if self.collected:
            return
        self.collected = True
        run_id = self.sync_result.run_id if self.sync_result and self.sync_result.ok else None
        zyklen = self.r["warnungen"].get("kategorien_zyklen")
        try:
            data = report.collect(self.opts.store, run_id, pelican_settings=self.opts.pelican_settings)
        except Exception as exc:  # the report must not fail the run; say what is missing
            self.out.log(f"report: could not read the changes and warnings ({type(exc).__name__}: {exc})")
            return
        self.r.update(
            aenderungen=data["aenderungen"],
            aenderungen_je_subsite=data["aenderungen_je_subsite"],
            quarantaene=data["quarantaene"],
        )
        self.r["warnungen"] = {**data["warnungen"], **({"kategorien_zyklen": zyklen} if zyklen else {})}

    def _write_release_report(self) -> None:
        assert self.release is not None
        root = self.releases.path(self.release)
        self._collect()
        self.r["beendet"] = _now()
        write_atomic(root / REPORT_JSON, json.dumps(self.r, ensure_ascii=False, indent=1) + "\n")
        write_atomic(root / REPORT_DIR / "index.html", report.render_html(self.r, css="../"))

    def _finish(self, code: int) -> None:
        self.r["exit_code"] = code
        self.r["beendet"] = _now()
        if self.r["ergebnis"] == "laeuft":
            self.r["ergebnis"] = "fehlgeschlagen"
        try:
            self.r["live_nachher"] = self.releases.live_id()
        except Exception:
            self.r["live_nachher"] = None
        for name in STEPS[len(self.r["schritte"]) :]:
            self.r["schritte"].append(
                {"name": name, "status": "uebersprungen", "sekunden": 0.0, "hinweis": ""}
            )
        if self.sync_result is not None:
            self._collect()
        self.berichte.mkdir(parents=True, exist_ok=True)
        data = json.dumps(self.r, ensure_ascii=False, indent=1) + "\n"
        write_atomic(self.berichte / f"{self.lauf}.json", data)
        page = report.render_html(self.r, css=f"../{self.opts.live_name}/")
        write_atomic(self.berichte / f"{self.lauf}.html", page)
        for old in sorted(self.berichte.glob("*.json"))[:-BERICHTE_KEEP]:
            old.unlink(missing_ok=True)
            old.with_suffix(".html").unlink(missing_ok=True)
        write_atomic(self.berichte / "index.html", report.render_index(self.berichte, self.opts.live_name))
        ok = code == EXIT_OK
        status = (
            f"OK, published release {self.release}"
            if ok
            else (
                f"FAILED at {self.r['fehlgeschlagener_schritt'] or 'start'} (exit {code}); the live site is unchanged"
                f" ({self.r['live_vorher'] or 'none yet'})"
            )
        )
        q = len(self.r["quarantaene"])
        print(
            f"Nightly run {self.lauf}: {status}; {q} quarantined. Report: {self.berichte / (self.lauf + '.html')}"
        )

    # --- helpers ----------------------------------------------------------------------------------------

    def _last_seconds(self, step: str) -> float | None:
        """How long ``step`` took in the last run that got through it (for the progress estimate)."""
        for path in sorted(self.berichte.glob("*.json"), reverse=True)[:10]:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            for s in data.get("schritte", []):
                if s.get("name") == step and s.get("status") == "ok" and s.get("sekunden"):
                    return float(s["sekunden"])
        return None

    def _site_root(self) -> str:
        from pelican.settings import read_settings

        from plugins.portal_pages.urls import site_root

        raw = read_settings(str(self.opts.pelican_settings)).get("PORTAL_PAGES") or {}
        return site_root(str(raw.get("site_url", "")))


def _sync_filesystem(path: Path) -> None:
    """Flush the release to disk before the switch (syncfs of its file system; os.sync where missing)."""
    from .procs import _LIBC

    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _LIBC is not None and hasattr(_LIBC, "syncfs"):
            _LIBC.syncfs(fd)
        else:
            os.sync()
        os.fsync(fd)
    finally:
        os.close(fd)
    fsync_dir(path.parent)
