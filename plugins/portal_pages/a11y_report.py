"""``portal a11y-report``: the automated accessibility results of a built site, written to the file the
Erklärung zur Barrierefreiheit is made from (``content/barrierefreiheit/automatisch.json``, checked in).

The checks are the nightly job's (plugins/nightly/checks.py), on every page unless asked for a sample:

- axe-core (WCAG 2.0/2.1, A and AA) in Chromium on the first page of each page type in each language;
- the Nu HTML Checker on every page (``--vnu-stichprobe N``: one page per type and language plus N at random);
- the link check (every internal link and fragment) on every page.

A tool that is missing or fails stops the report (exit code 1) and nothing is written: a statement must never
claim "no problems" for a check that did not run. Run it after changes to templates, CSS or scripts, and at
least before each release; then build again, so the statement shows the new results (with their date).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .barrierefreiheit import Automatisch, AutoTeil, Befund

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = Path("content/barrierefreiheit/automatisch.json")
REGELN = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")  # the axe-core tags of plugins/nightly/axe_smoke.mjs
MAX_BEFUNDE = 50  # findings listed per check (all are counted)
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class PruefFehler(Exception):
    """A check could not run (a tool is missing or failed)."""


def _version(package: str) -> str:
    data = json.loads((ROOT / "node_modules" / package / "package.json").read_text(encoding="utf-8"))
    return str(data["version"])


def _chromium_version() -> str:
    binary = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
    try:
        proc = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PruefFehler(f"Chromium ({binary}) does not answer: {exc}") from None
    words = [w for w in proc.stdout.split() if w[:1].isdigit()]
    return words[0] if words else proc.stdout.strip()


def _teil(seiten: int, probleme: list[Any]) -> AutoTeil:
    befunde = tuple(Befund(seite=p.seite, text=p.text[:500]) for p in probleme[:MAX_BEFUNDE])
    return AutoTeil(seiten=seiten, anzahl=len(probleme), befunde=befunde)


def _werkzeug(probleme: list[Any]) -> None:
    failed = [p.text for p in probleme if p.art == "werkzeug"]
    if failed:
        raise PruefFehler("; ".join(failed))


def pruefen(site: Path, *, vnu_stichprobe: int = 0, seed: int = 6) -> Automatisch:
    """Run the checks on a built site; raises PruefFehler when a check could not run."""
    from plugins.nightly import checks  # the nightly job's checks (no import of Pelican)

    marker = f"a11y-report-{os.getpid()}"
    scan = checks.scan(site)
    if not scan.seiten:
        raise PruefFehler(f"{site} has no pages")
    axe_seiten = checks.one_per_kind(scan.seiten)
    axe = checks.run_axe(site, axe_seiten, marker=marker, timeout=3600)
    _werkzeug(axe)
    if vnu_stichprobe:
        vnu_seiten = checks.sample(scan.seiten, zufall=vnu_stichprobe, seed=seed)
    else:
        vnu_seiten = [s.rel for s in scan.seiten]
    html = checks.run_vnu(site, vnu_seiten, marker=marker, timeout=3600)
    _werkzeug(html)
    return Automatisch(
        datum=datetime.now(UTC).replace(microsecond=0),
        werkzeuge={
            "axe-core": _version("axe-core"),
            "Nu HTML Checker": _version("vnu-jar"),
            "Chromium": _chromium_version(),
        },
        regeln=REGELN,
        seiten_gesamt=len(scan.seiten),
        axe=_teil(len(axe_seiten), axe),
        axe_seiten=tuple(axe_seiten),
        html=_teil(len(vnu_seiten), html),
        links=_teil(len(scan.seiten), [p for p in scan.probleme if p.art == "link"]),
    )


def schreiben(ergebnis: Automatisch, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(ergebnis.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)


def add_a11y_report(sub: Any) -> None:
    p = sub.add_parser(
        "a11y-report",
        help="check a built site (axe-core, Nu HTML Checker, links) and write the automated results for the "
        "Erklärung zur Barrierefreiheit",
    )
    p.add_argument("--site", default="output", help="the built site (default: output/)")
    p.add_argument("--out", default=str(DEFAULT_OUT), help=f"the results file (default: {DEFAULT_OUT})")
    p.add_argument(
        "--vnu-stichprobe",
        type=int,
        default=0,
        metavar="N",
        help="HTML checker on one page per type and language plus N random pages (default 0: every page)",
    )
    p.set_defaults(handler=run_a11y_report)


def run_a11y_report(args: argparse.Namespace, _settings: Any) -> int:
    site = Path(args.site)
    if not (site / "index.html").is_file():
        print(f"portal a11y-report: {site} has no built site (run 'portal build' first)")
        return EXIT_USAGE
    if args.vnu_stichprobe < 0:
        print("portal a11y-report: --vnu-stichprobe must be 0 or more")
        return EXIT_USAGE
    try:
        ergebnis = pruefen(site, vnu_stichprobe=args.vnu_stichprobe)
    except PruefFehler as exc:
        print(f"portal a11y-report: a check could not run, nothing written: {exc}")
        return EXIT_FAILED
    schreiben(ergebnis, Path(args.out))
    print(
        f"{ergebnis.seiten_gesamt} pages: axe-core on {ergebnis.axe.seiten} ({ergebnis.axe.anzahl} violations), "
        f"Nu HTML Checker on {ergebnis.html.seiten} ({ergebnis.html.anzahl} errors), links on "
        f"{ergebnis.links.seiten} ({ergebnis.links.anzahl} broken). Written to {args.out}; build again to "
        "show them in the Erklärung zur Barrierefreiheit."
    )
    return EXIT_OK
