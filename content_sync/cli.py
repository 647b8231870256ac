"""The ``portal`` command.

Exit codes (also in the README):

====  =====================================================================================================
0     success (``sync``: committed, quarantined records are listed in the summary; ``validate``: no problem)
1     ``sync``: the sync failed and the store was left as it was; ``validate``: the file has problems
2     usage or settings error (unknown option, invalid settings file or environment value)
====  =====================================================================================================
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from content_sync import __version__
from content_sync.errors import InvalidDocument, SettingsError
from content_sync.settings import Settings, load_settings
from content_sync.store import Store
from content_sync.sync import run_sync, summary
from content_sync.synthetic import DEFAULT_OUT, DEFAULT_SEED, write_hessen_export
from content_sync.xzufi import Quarantaene, Schreibe, Warnung, iter_document

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="portal",
        description="Static-site generator for an administration portal, from XZuFi data.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--settings", help="settings file (TOML; default: portal.toml if present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p_sync = sub.add_parser("sync", help="pull XZuFi data from a source into the store")
    p_sync.add_argument("--source", help="folder, .zip archive, or http(s) URL of an index.txt")
    p_sync.add_argument("--store", help="SQLite store (default from settings: var/portal.sqlite)")

    p_val = sub.add_parser("validate", help="report every problem in one XZuFi file; touches no store")
    p_val.add_argument("file", type=Path)

    p_gen = sub.add_parser(
        "generate-hessen",
        help="write a Hessen-scale synthetic XZuFi export (night 1 and the next night's delta)",
    )
    p_gen.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"target folder (default: {DEFAULT_OUT})"
    )
    p_gen.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"seed (default: {DEFAULT_SEED})")
    p_gen.add_argument(
        "--scale", type=_positive_float, default=1.0, help="multiplies every count (default: 1.0)"
    )
    for ep in sorted(entry_points(group="portal.commands"), key=lambda e: e.name):
        try:
            add_command = ep.load()  # e.g. build, serve from the Pelican plugin
        except (ImportError, AttributeError) as exc:
            print(f"portal: command {ep.name!r} is not available ({exc})", file=sys.stderr)
            continue
        add_command(sub)
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError(f"must be above 0 and at most 100: {text!r}")
    return value


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {"sync": {"source": getattr(args, "source", None), "store": getattr(args, "store", None)}}
    return load_settings(args.settings, overrides=overrides)


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    s = settings.sync
    if not s.source:
        print(
            "portal sync: no source given (--source, [sync] source, or PORTAL_SYNC_SOURCE)", file=sys.stderr
        )
        return EXIT_USAGE
    result = run_sync(s.source, s.store, s)
    counts = None
    if result.ok:
        with Store(s.store, readonly=True) as store:
            counts = store.counts()
    print(summary(result, counts))
    return EXIT_OK if result.ok else EXIT_FAILED


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    file: Path = args.file
    problems: list[str] = []
    records = 0
    try:
        with file.open("rb") as fh:
            for event in iter_document(
                fh,
                str(file),
                max_bytes=settings.sync.max_document_bytes,
                default_agency=settings.sync.default_agency,
            ):
                if isinstance(event, Schreibe):
                    records += 1
                elif isinstance(event, Quarantaene):
                    what = f"{event.klasse or 'record'} {event.record_id or '(no id)'}"
                    problems.append(f"{file}: {what}: {event.reason}")
                elif isinstance(event, Warnung):
                    print(f"{file}: warning: {event.klasse or ''} {event.record_id or ''}: {event.message}")
    except InvalidDocument as exc:
        problems.append(str(exc))
    except OSError as exc:
        problems.append(f"{file}: cannot be read: {exc.strerror}")
    for p in problems:
        print(p)
    print(f"{file}: {records} valid records, {len(problems)} problems")
    return EXIT_OK if not problems else EXIT_FAILED


def cmd_generate_hessen(args: argparse.Namespace, settings: Settings) -> int:
    result = write_hessen_export(args.out, seed=args.seed, scale=args.scale)
    n2 = result["nacht_2"]
    per_ebene = result["zustaendigkeiten_je_ebene"]
    print(f"Wrote {args.out}/nacht-1 and {args.out}/nacht-2 (seed {args.seed}, scale {args.scale:g})")
    print(
        f"  nacht-1: {result['Leistung']} Leistungen, {result['Onlinedienst']} Onlinedienste, "
        f"{result['Organisationseinheit']} Organisationseinheiten, {result['Zustaendigkeit']} Zustaendigkeiten "
        f"({', '.join(f'{n} {k}' for k, n in per_ebene.items())})"
    )
    print(
        "  nacht-2: "
        + "; ".join(
            f"{klasse}: " + ", ".join(f"{n} {what}" for what, n in changes.items())
            for klasse, changes in n2.items()
        )
    )
    print(
        f"  files: {result['files']['nacht-1']} + {result['files']['nacht-2']}, "
        f"{(result['bytes']['nacht-1'] + result['bytes']['nacht-2']) / 1e6:.1f} MB, "
        f"{result['seconds']:.1f} s"
    )
    return EXIT_OK


COMMANDS = {"sync": cmd_sync, "validate": cmd_validate, "generate-hessen": cmd_generate_hessen}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = _settings(args)
    except SettingsError as exc:
        print(f"portal: {exc}", file=sys.stderr)
        return EXIT_USAGE
    handler = getattr(args, "handler", None) or COMMANDS[args.command]
    return handler(args, settings)


def console() -> None:
    """The ``portal`` command. When a command is done, the process ends without tearing down what it built
    object by object: a Hessen-scale build leaves some five million objects, whose one-by-one release took
    3 to 5 s after the work was done; the OS takes the memory back at once. Output and logs are flushed first.
    Nothing is left half-done: the commands close their stores, pools and files before they return, and a
    command that fails with an exception ends the usual way (with its traceback)."""
    try:
        rc = main()
    except SystemExit as exc:  # argparse: --help, usage errors; a message ends with 1, as in Python
        rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(rc)


if __name__ == "__main__":
    console()
