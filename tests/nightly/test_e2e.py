"""The demo end to end, on the real portal settings: night 1, then night 2, then a rollback.

Each night is one ``portal nightly`` run as cron would start it. After night 2 there are two releases, ``live``
points to the second, the first is byte for byte what it was (the second was built from hard links and
copies, never by writing into the first), and the report lists exactly night 2's changes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.nightly.conftest import (
    DEMO,
    ROOT,
    VOLL,
    assert_complete_release,
    expect,
    last_report,
    live_target,
    portal,
    run_nightly,
    store_state,
    tree_digest,
)

pytestmark = pytest.mark.slow

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
# what demo/source/naechste-nacht.yaml changes (README: three changed Leistungen, two new, two deleted, one
# office moved)
NACHT_2 = {
    "Leistung": {
        "neu": {"DEMO-HE:LB-1021", "DEMO-HE:LB-1022"},
        "geaendert": {"DEMO-HE:LB-1001", "DEMO-HE:LB-1009", "DEMO-HE:LB-1012"},
        "geloescht": {"DEMO-HE:LB-1004", "DEMO-HE:LB-1005"},
    },
    "Organisationseinheit": {"neu": set(), "geaendert": {"DEMO-HE:OE-0322"}, "geloescht": set()},
    "Onlinedienst": {"neu": set(), "geaendert": set(), "geloescht": set()},
}


def keys(report: dict) -> dict[str, dict[str, set[str]]]:
    return {
        klasse: {art: {e["key"] for e in entries} for art, entries in gruppen.items()}
        for klasse, gruppen in report["aenderungen"].items()
    }


@pytest.fixture(scope="module")
def nights(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("e2e")
    store, output = base / "var" / "portal.sqlite", base / "www"
    first = run_nightly(DEMO / "nacht-1", store, output, settings=VOLL)
    expect(first, 0)
    release_1 = live_target(output)
    assert release_1 is not None
    report_1 = last_report(output)
    digest_1 = tree_digest(output / "releases" / release_1)
    second = run_nightly(DEMO / "nacht-2", store, output, settings=VOLL)
    expect(second, 0)
    return {
        "base": base,
        "store": store,
        "output": output,
        "first": first,
        "second": second,
        "release_1": release_1,
        "release_2": live_target(output),
        "report_1": report_1,
        "report_2": last_report(output),
        "digest_1": digest_1,
    }


def test_two_releases_and_live_switched(nights: dict) -> None:
    output = nights["output"]
    r1, r2 = nights["release_1"], nights["release_2"]
    assert r1 != r2 and r1 < r2
    assert sorted(p.name for p in (output / "releases").iterdir()) == [r1, r2]
    assert (output / "live").is_symlink() and live_target(output) == r2
    for release in (r1, r2):
        assert_complete_release(output, release)
    # the live site is the second release, reached through the symlink
    page = output / "live" / "leistungen"
    assert any(p.name.startswith("eid-karte-fuer-unionsbuergerinnen") for p in page.iterdir())
    assert not any(p.name.startswith("kinderreisepass-beantragen--") for p in page.iterdir())
    assert any(
        p.name.startswith("kinderreisepass-beantragen--")
        for p in (output / "releases" / r1 / "leistungen").iterdir()
    )
    # the summary line on stdout names the release and the report
    assert f"OK, published release {r2}" in nights["second"].stdout
    assert nights["report_2"]["live_vorher"] == r1 and nights["report_2"]["live_nachher"] == r2


def test_first_release_untouched_by_the_second_build(nights: dict) -> None:
    output, r1 = nights["output"], nights["release_1"]
    assert tree_digest(output / "releases" / r1) == nights["digest_1"]


def test_second_release_shares_unchanged_pages_by_hard_link(nights: dict) -> None:
    output, r1, r2 = nights["output"], nights["release_1"], nights["release_2"]
    build = nights["report_2"]["build"]
    assert build["basis"] == r1
    assert build["verlinkt"] > 5000  # the unchanged pages
    assert 0 < build["gerendert"] < build["seiten"] / 2
    same = output / "releases" / r1 / "wanfried" / "a-z" / "index.html"
    if (output / "releases" / r2 / "wanfried" / "a-z" / "index.html").stat().st_ino == same.stat().st_ino:
        pytest.fail("a page that changed in night 2 (the A-Z lists new services) still shares its inode")
    orte = "orte/index.html"  # the place list does not change between the nights
    assert (output / "releases" / r1 / orte).stat().st_ino == (output / "releases" / r2 / orte).stat().st_ino


def test_report_lists_exactly_night_2s_changes(nights: dict) -> None:
    report = nights["report_2"]
    assert report["ergebnis"] == "ok" and report["exit_code"] == 0
    assert keys(report) == NACHT_2
    assert report["quarantaene"] == []
    assert [s["name"] for s in report["schritte"]] == [
        "sync",
        "validate",
        "build",
        "index",
        "check",
        "publish",
    ]
    assert all(s["status"] == "ok" and s["sekunden"] >= 0 for s in report["schritte"])
    # per subsite: Wanfried (a Gemeinde with its own Zustaendigkeiten for these services) and the Land portal
    per = {s["subsite"]: s for s in report["aenderungen_je_subsite"]}
    assert "" in per and "wanfried/" in per
    assert {e["key"] for e in per[""]["Leistung"]["neu"]} == NACHT_2["Leistung"]["neu"]
    assert "DEMO-HE:OE-0322" in {e["key"] for e in per["wanfried/"]["Organisationseinheit"]["geaendert"]}
    # new and changed objects link to their pages, which exist in the release
    release = nights["output"] / "releases" / nights["release_2"]
    for klasse in ("Leistung", "Organisationseinheit"):
        for art in ("neu", "geaendert"):
            for entry in report["aenderungen"][klasse][art]:
                assert (release / entry["pfad"] / "index.html").is_file(), entry
    # night 1 reported its own changes: everything new
    first = keys(nights["report_1"])
    assert len(first["Leistung"]["neu"]) == 80 and not first["Leistung"]["geaendert"]


def test_report_warnings(nights: dict) -> None:
    w = nights["report_2"]["warnungen"]
    assert set(w) >= {
        "sync",
        "ohne_zustaendige_stelle",
        "ohne_oeffnungszeiten",
        "fehlende_uebersetzungen",
        "kategorien_zyklen",
    }
    assert set(w["fehlende_uebersetzungen"]) == {"en", "de-x-ls", "ar"}
    # the demo has Arabic names for few services: most are missing, and are named
    ar = w["fehlende_uebersetzungen"]["ar"]
    assert ar["ohne_name"] and all(set(e) >= {"key", "name"} for e in ar["ohne_name"])
    for entry in w["ohne_zustaendige_stelle"]:
        assert 0 < entry["anzahl"] <= entry["von"]


def test_reports_are_written_in_the_release_and_per_run(nights: dict) -> None:
    output, r2 = nights["output"], nights["release_2"]
    berichte = output / "berichte"
    names = sorted(p.name for p in berichte.iterdir())
    assert names == sorted(
        [
            f"{nights['release_1']}.json",
            f"{nights['release_1']}.html",
            f"{r2}.json",
            f"{r2}.html",
            "index.html",
        ]
    )
    in_release = json.loads((output / "live" / "bericht.json").read_text(encoding="utf-8"))
    assert in_release["lauf"] == r2 and keys(in_release) == NACHT_2
    html = (output / "live" / "bericht" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="de">' in html and "Bericht des Nachtlaufs" in html
    assert "Was sich geändert hat" in html and "Express-Reisepass beantragen" in html


def test_report_pages_are_valid_html(nights: dict) -> None:
    java = shutil.which("java")
    assert java, "Java 17+ is needed for the Nu HTML Checker (apt-get install openjdk-17-jre-headless)"
    assert VNU_JAR.is_file(), f"run 'npm ci' in {ROOT}"
    output = nights["output"]
    pages = [output / "live" / "bericht" / "index.html", *sorted((output / "berichte").glob("*.html"))]
    proc = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(proc.stderr)["messages"]
    assert messages == [], messages
    # the check step checked the in-release report too (it is in the sample of the HTML checker)
    assert "bericht/index.html" in nights["report_2"]["pruefung"]["vnu_seiten"]


def test_store_after_two_nights(nights: dict) -> None:
    state = store_state(nights["store"])
    assert state["integrity"] == ["ok"]
    assert [outcome for _id, outcome in state["runs"]] == ["ok", "ok"]


def test_rollback_switches_back_and_forth(nights: dict) -> None:
    output, r1, r2 = nights["output"], nights["release_1"], nights["release_2"]
    listed = portal("rollback", "--output", str(output), "--list", cwd=nights["base"])
    expect(listed, 0)
    assert f"* {r2}" in listed.stdout and f"  {r1}" in listed.stdout

    back = portal("rollback", "--output", str(output), cwd=nights["base"])
    expect(back, 0)
    assert live_target(output) == r1
    assert f"from {r2} to {r1}" in back.stdout
    assert tree_digest(output / "live") == nights["digest_1"]

    nothing = portal("rollback", "--output", str(output), cwd=nights["base"])
    expect(nothing, 1)  # there is nothing before the first release
    assert "no release before" in nothing.stderr and live_target(output) == r1

    forward = portal("rollback", "--output", str(output), "--release", r2, cwd=nights["base"])
    expect(forward, 0)
    assert live_target(output) == r2
    unknown = portal("rollback", "--output", str(output), "--release", "19990101T000000Z", cwd=nights["base"])
    expect(unknown, 1)
    assert live_target(output) == r2


def test_logs_without_a_terminal_are_plain_lines(nights: dict) -> None:
    lines = [line for line in nights["second"].stderr.splitlines() if " portal nightly " in line]
    assert lines, nights["second"].stderr
    assert not any("\r" in line or "\033[" in line for line in nights["second"].stderr.splitlines())
    for step in ("sync", "validate", "build", "index", "check", "publish"):
        assert any(f": {step} started" in line for line in lines), step
        assert any(f": {step} ok in " in line for line in lines), step
    # each line starts with an ISO timestamp
    assert all(line[:4].isdigit() and line[10] == "T" for line in lines)


def test_nothing_written_outside_the_output(nights: dict) -> None:
    base: Path = nights["base"]
    assert sorted(p.name for p in base.iterdir()) == ["var", "www"]
    assert sorted(p.name for p in (base / "www").iterdir()) == [
        ".nightly.lock",
        "berichte",
        "live",
        "releases",
    ]
