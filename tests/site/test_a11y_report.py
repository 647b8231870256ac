"""``portal a11y-report``: the automated results the Erklärung zur Barrierefreiheit is made from, on the built
demo site; and the checked-in results (content/barrierefreiheit/automatisch.json) still cover every page type
and language of the site (a new page type needs a new run: the statement must not claim what was not checked).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from plugins.nightly import checks
from plugins.portal_pages.barrierefreiheit import lade_automatisch
from tests.conftest import ROOT

CHECKED_IN = ROOT / "content" / "barrierefreiheit" / "automatisch.json"


def _report(site: Path, out: Path, chromium: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "content_sync", "a11y-report", "--site", str(site), "--out", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PORTAL_CHROMIUM": chromium},
    )


def _version(package: str) -> str:
    return json.loads((ROOT / "node_modules" / package / "package.json").read_text(encoding="utf-8"))[
        "version"
    ]


@pytest.mark.browser
def test_report_on_the_built_site(site_dir, site_pages, chromium, java, tmp_path):
    out = tmp_path / "automatisch.json"
    proc = _report(site_dir, out, chromium, "--vnu-stichprobe", "3")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    auto = lade_automatisch(out)
    assert auto is not None
    assert auto.seiten_gesamt == len(site_pages)
    assert (auto.axe.anzahl, auto.html.anzahl, auto.links.anzahl) == (0, 0, 0), auto
    assert auto.links.seiten == len(site_pages)
    assert len(auto.axe_seiten) == auto.axe.seiten > 20
    assert {p.split("/")[0] for p in auto.axe_seiten} >= {"ar", "en", "leichte-sprache"}
    # a sample: one page of each type and language, and three more
    assert auto.axe.seiten + 3 >= auto.html.seiten > auto.axe.seiten
    assert auto.werkzeuge["axe-core"] == _version("axe-core")
    assert auto.werkzeuge["Nu HTML Checker"] == _version("vnu-jar")
    assert auto.werkzeuge["Chromium"][:1].isdigit()


def test_report_writes_nothing_when_a_check_cannot_run(site_dir, tmp_path):
    out = tmp_path / "automatisch.json"
    proc = _report(site_dir, out, str(tmp_path / "no-chromium"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "could not run, nothing written" in proc.stdout
    assert not out.exists()


def test_report_needs_a_built_site(tmp_path):
    proc = _report(tmp_path, tmp_path / "out.json", "/usr/bin/chromium")
    assert proc.returncode == 2 and "no built site" in proc.stdout


def test_checked_in_results_cover_every_page_type_and_language(site_dir):
    auto = lade_automatisch(CHECKED_IN)
    assert auto is not None, f"{CHECKED_IN} is missing: run 'portal a11y-report' (README, Accessibility)"
    kind = {s.rel: (s.typ, s.lang) for s in checks.scan(site_dir).seiten}
    covered = {kind[p] for p in auto.axe_seiten if p in kind}
    missing = sorted(set(kind.values()) - covered)
    assert not missing, (
        f"page types and languages the checked-in results of {auto.datum:%Y-%m-%d} did not check: {missing}; "
        "run 'portal a11y-report' on a fresh build and commit content/barrierefreiheit/automatisch.json"
    )
