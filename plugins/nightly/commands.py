"""``portal nightly`` and ``portal rollback``: registered with the ``portal`` command through the entry-point
group ``portal.commands`` (pyproject.toml)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .job import EXIT_LOCKED, EXIT_OK, EXIT_USAGE, LOCK_FILE, Optionen, run_nightly
from .lock import LockHeld, NightlyLock
from .progress import Ausgabe
from .releases import ReleaseError, Releases

ROOT = Path(__file__).resolve().parents[2]
EXIT_NOTHING = 1


def _keep(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("at least 1")
    return value


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--output", default="output", help="folder with live, releases/, berichte/ (default: output)"
    )
    p.add_argument("--live-name", default="live", help="name of the live symlink in --output (default: live)")


def add_nightly(sub: Any) -> None:
    p = sub.add_parser(
        "nightly",
        help="sync, validate, build, index, check and publish the portal; the live site switches only "
        "to a release that passed every step",
    )
    p.add_argument(
        "--source", help="folder, .zip archive, or http(s) URL of an index.txt (default: settings)"
    )
    p.add_argument("--store", help="SQLite store (default from settings: var/portal.sqlite)")
    _common(p)
    p.add_argument("--keep", type=_keep, default=5, help="releases to keep for rollback (default: 5)")
    p.add_argument(
        "--pelican-settings",
        default="pelicanconf.py",
        help="Pelican settings of the build (default: pelicanconf.py)",
    )
    p.add_argument("--jobs", type=int, help="worker processes of the build (default: one per CPU core)")
    p.add_argument("--sample", type=int, default=30, help="random pages for the HTML checker (default: 30)")
    p.add_argument("--seed", type=int, default=6, help="seed of the random sample (default: 6)")
    p.add_argument("--axe", action="store_true", help="also run the accessibility smoke test (Chromium)")
    p.add_argument(
        "--no-vnu",
        action="store_true",
        help="skip the HTML checker (no Java on this machine; not recommended)",
    )
    p.set_defaults(handler=run_nightly_command)


def run_nightly_command(args: argparse.Namespace, settings: Any) -> int:
    s = settings.sync
    if not s.source:
        print(
            "portal nightly: no source given (--source, [sync] source, or PORTAL_SYNC_SOURCE)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    pelican_settings = Path(args.pelican_settings)
    if not pelican_settings.is_file() and not pelican_settings.is_absolute():
        pelican_settings = ROOT / args.pelican_settings  # run from elsewhere: the project's own settings
    if not pelican_settings.is_file():
        print(f"portal nightly: Pelican settings {args.pelican_settings} not found", file=sys.stderr)
        return EXIT_USAGE
    opts = Optionen(
        source=s.source,
        store=Path(s.store).resolve(),
        output=Path(args.output).resolve(),
        pelican_settings=pelican_settings.resolve(),
        sync_settings=s,
        live_name=args.live_name,
        keep=args.keep,
        jobs=args.jobs,
        stichprobe=args.sample,
        seed=args.seed,
        vnu=not args.no_vnu,
        axe=args.axe,
    )
    return run_nightly(opts, Ausgabe())


def add_rollback(sub: Any) -> None:
    p = sub.add_parser("rollback", help="switch the live site back to the previous release (or --release ID)")
    _common(p)
    p.add_argument("--release", help="the release to switch to (default: the one before the live one)")
    p.add_argument("--list", action="store_true", help="list the releases and say which one is live")
    p.set_defaults(handler=run_rollback)


def run_rollback(args: argparse.Namespace, _settings: Any) -> int:
    output = Path(args.output).resolve()
    releases = Releases(output, args.live_name)
    if args.list:
        try:
            live = releases.live_id()
        except ReleaseError as exc:
            print(f"portal rollback: {exc}", file=sys.stderr)
            return EXIT_NOTHING
        for r in releases.complete():
            info = releases.info(r)
            print(
                f"{'*' if r == live else ' '} {r}  ({info.get('seiten', '?')} pages, sync run {info.get('sync_run')})"
            )
        return EXIT_OK
    lock = NightlyLock(output / LOCK_FILE)
    try:
        lock.acquire({"pid": os.getpid(), "rollback": True})
    except LockHeld as exc:
        print(f"portal rollback: {exc}; nothing was changed", file=sys.stderr)
        return EXIT_LOCKED
    try:
        try:
            live = releases.live_id()
            target = args.release or releases.previous()
        except ReleaseError as exc:
            print(f"portal rollback: {exc}", file=sys.stderr)
            return EXIT_NOTHING
        if target is None:
            print(
                f"portal rollback: there is no release before {live or '(none live)'} to switch to",
                file=sys.stderr,
            )
            return EXIT_NOTHING
        if not releases.is_complete(target):
            known = ", ".join(releases.complete()) or "none"
            print(f"portal rollback: {target} is not a complete release (complete: {known})", file=sys.stderr)
            return EXIT_NOTHING
        releases.switch(target)
        print(f"Live site switched from {live} to {target}.")
        return EXIT_OK
    finally:
        lock.release()
