"""Faults of the source and of the steps: the run fails cleanly with its step's exit code and the live site stays
byte for byte as it was, or the run takes the good data and publishes it.

The HTTP source is a real server on 127.0.0.1 (the scripted server of tests/content_sync/test_http_source.py)
serving night 2 of the demo; the site starts as night 1, published (``published_site``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import document, leistung_xml
from tests.content_sync.test_http_source import Reply, ScriptedServer, _Handler, _Server, http_server, static
from tests.nightly.conftest import (
    DEMO,
    KLEIN,
    ROOT,
    Site,
    assert_complete_release,
    expect,
    last_report,
    live_target,
    run_nightly,
    store_state,
    tree_digest,
)

__all__ = ["http_server"]  # the fixture, imported to be used here

NACHT_2 = DEMO / "nacht-2"
FILES = ["leistungen.xml", "organisationseinheiten.xml", "zustaendigkeiten.xml"]
SLOW = 1.2  # seconds: longer than PORTAL_SYNC_READ_TIMEOUT (0.5) in the tests' environment


@pytest.fixture
def site(published_site: Site, tmp_path: Path) -> Site:
    return published_site.copy_to(tmp_path / "site")


def before(site: Site) -> dict:
    target = live_target(site.output)
    assert target is not None
    return {
        "target": target,
        "digest": tree_digest(site.output / "releases" / target),
        "objects": store_state(site.store)["objects"],
        "runs": store_state(site.store)["runs"],
        "releases": sorted(p.name for p in (site.output / "releases").iterdir()),
    }


def assert_unchanged(site: Site, was: dict, *, store_changed: bool = False) -> None:
    """The live site is exactly as it was; no unfinished release is left; the store only if allowed."""
    assert live_target(site.output) == was["target"]
    assert tree_digest(site.output / "releases" / was["target"]) == was["digest"]
    assert sorted(p.name for p in (site.output / "releases").iterdir()) == was["releases"]
    state = store_state(site.store)
    assert state["integrity"] == ["ok"]
    if not store_changed:
        assert state["objects"] == was["objects"]


def serve_night_2(server: ScriptedServer, **replies: list[Reply]) -> None:
    server.serve("/index.txt", static("".join(f"{n}\n" for n in FILES).encode()))
    for name in FILES:
        body = (NACHT_2 / name).read_bytes()
        if name in replies:
            server.script(f"/{name}", *replies[name])
        else:
            server.serve(f"/{name}", static(body))


def body(name: str) -> bytes:
    return (NACHT_2 / name).read_bytes()


def truncated(name: str) -> Reply:
    data = body(name)
    return Reply(200, data[: len(data) // 2], content_length=len(data))


def failed_at_sync(site: Site, proc, was: dict, words: str) -> None:
    expect(proc, 10)
    assert_unchanged(site, was)
    report = last_report(site.output)
    assert report["ergebnis"] == "fehlgeschlagen" and report["fehlgeschlagener_schritt"] == "sync"
    assert words in report["fehler"], report["fehler"]
    assert [s["status"] for s in report["schritte"]] == ["fehlgeschlagen"] + ["uebersprungen"] * 5
    assert "FAILED at sync (exit 10); the live site is unchanged" in proc.stdout
    runs = store_state(site.store)["runs"]
    assert runs[:-1] == was["runs"] and runs[-1][1] == "failed"  # the failed run is recorded, nothing else


def published_night_2(site: Site, proc, was: dict) -> dict:
    expect(proc, 0)
    new = live_target(site.output)
    assert new != was["target"]
    assert_complete_release(site.output, new)
    assert tree_digest(site.output / "releases" / was["target"]) == was["digest"]  # the old one: untouched
    report = last_report(site.output)
    assert {e["key"] for e in report["aenderungen"]["Leistung"]["neu"]} == {
        "DEMO-HE:LB-1021",
        "DEMO-HE:LB-1022",
    }
    return report


# --- the source ------------------------------------------------------------------------------------------


def test_source_down(site: Site) -> None:
    was = before(site)
    server = _Server(("127.0.0.1", 0), _Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}/index.txt"
    server.server_close()  # nobody listens there now

    proc = run_nightly(url, site.store, site.output)

    failed_at_sync(site, proc, was, "cannot connect")


def test_source_answers_500(site: Site, http_server: ScriptedServer) -> None:
    was = before(site)
    serve_night_2(http_server, **{"zustaendigkeiten.xml": [Reply(500, b"kaputt")]})

    proc = run_nightly(http_server.url, site.store, site.output)

    failed_at_sync(site, proc, was, "HTTP 500")
    assert len(http_server.requests("/zustaendigkeiten.xml")) == 2  # one retry (PORTAL_SYNC_RETRIES=1)


def test_source_answers_500_once_then_the_data(site: Site, http_server: ScriptedServer) -> None:
    was = before(site)
    serve_night_2(
        http_server, **{"leistungen.xml": [Reply(500, b"kaputt"), Reply(200, body("leistungen.xml"))]}
    )

    proc = run_nightly(http_server.url, site.store, site.output, "--no-vnu")

    published_night_2(site, proc, was)


def test_source_too_slow(site: Site, http_server: ScriptedServer) -> None:
    was = before(site)
    serve_night_2(
        http_server,
        **{"organisationseinheiten.xml": [Reply(200, body("organisationseinheiten.xml"), delay=SLOW)]},
    )

    proc = run_nightly(http_server.url, site.store, site.output)

    failed_at_sync(site, proc, was, "timed out")


def test_source_slow_once_then_in_time(site: Site, http_server: ScriptedServer) -> None:
    was = before(site)
    name = "organisationseinheiten.xml"
    serve_night_2(http_server, **{name: [Reply(200, body(name), stall=SLOW), Reply(200, body(name))]})

    proc = run_nightly(http_server.url, site.store, site.output, "--no-vnu")

    published_night_2(site, proc, was)


def test_source_sends_a_truncated_file(site: Site, http_server: ScriptedServer) -> None:
    was = before(site)
    serve_night_2(http_server, **{"leistungen.xml": [truncated("leistungen.xml")]})

    proc = run_nightly(http_server.url, site.store, site.output)

    failed_at_sync(site, proc, was, "truncated")


def test_source_sends_a_truncated_file_once(site: Site, http_server: ScriptedServer) -> None:
    was = before(site)
    serve_night_2(
        http_server, **{"leistungen.xml": [truncated("leistungen.xml"), Reply(200, body("leistungen.xml"))]}
    )

    proc = run_nightly(http_server.url, site.store, site.output, "--no-vnu")

    published_night_2(site, proc, was)


def test_truncated_document_sent_whole_is_quarantined_the_rest_published(
    site: Site, http_server: ScriptedServer
) -> None:
    """The HTTP answer is complete, the XML in it is cut off: that document is quarantined, the others go on."""
    was = before(site)
    cut = body("organisationseinheiten.xml")[:3000]
    serve_night_2(http_server, **{"organisationseinheiten.xml": [Reply(200, cut)]})

    proc = run_nightly(http_server.url, site.store, site.output, "--no-vnu")

    report = published_night_2(site, proc, was)
    [entry] = report["quarantaene"]
    assert entry["datei"] == f"{http_server.url}/organisationseinheiten.xml" or entry["datei"].endswith(
        "organisationseinheiten.xml"
    )
    assert "not well-formed" in entry["grund"] and entry["klasse"] is None
    # the office that moves in night 2 did not move: its document never arrived
    assert not report["aenderungen"]["Organisationseinheit"]["geaendert"]


def test_a_valid_file_among_corrupt_ones(site: Site, tmp_path: Path) -> None:
    was = before(site)
    folder = tmp_path / "quelle"
    folder.mkdir()
    good = document(
        leistung_xml("GUT-1", leika="99990000000777", name="Gute Leistung aus der Nacht", agency="NACHT")
    )
    files = {
        "a-kaputt.xml": good[: len(good) // 2],
        "b-muell.xml": b"\x00\x01 kein XML \xff",
        "c-doctype.xml": document(
            leistung_xml("XXE-1", name="&xxe;", agency="NACHT"),
            prolog='<!DOCTYPE x:transfer [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        ),
        "d-gut.xml": good,
        "e-leer.xml": b"",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)

    proc = run_nightly(folder, site.store, site.output)

    expect(proc, 0)
    new = live_target(site.output)
    assert new != was["target"]
    report = last_report(site.output)
    assert {q["datei"] for q in report["quarantaene"]} == {
        "a-kaputt.xml",
        "b-muell.xml",
        "c-doctype.xml",
        "e-leer.xml",
    }
    assert [e["key"] for e in report["aenderungen"]["Leistung"]["neu"]] == ["NACHT:GUT-1"]
    page = site.output / "live" / report["aenderungen"]["Leistung"]["neu"][0]["pfad"] / "index.html"
    assert "Gute Leistung aus der Nacht" in page.read_text(encoding="utf-8")
    assert "/etc/passwd" not in page.read_text(encoding="utf-8")


# --- the steps after the sync ------------------------------------------------------------------------------


def settings_file(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "pelicanconf_test.py"
    path.write_text(
        f"__file__ = {str(KLEIN)!r}\nexec(open(__file__, encoding='utf-8').read())\n{extra}\n",
        encoding="utf-8",
    )
    return path


def test_validate_fails_on_a_store_without_leistungen(tmp_path: Path) -> None:
    folder = tmp_path / "quelle"
    folder.mkdir()
    (folder / "nur-stelle.xml").write_bytes(
        document(
            '<x:organisationseinheit><x:id schemeAgencyID="T">OE-1</x:id>'
            '<x:name><x:name languageCode="de">Amt</x:name></x:name></x:organisationseinheit>'
        )
    )
    output = tmp_path / "www"

    proc = run_nightly(folder, tmp_path / "store.sqlite", output)

    expect(proc, 11)
    assert live_target(output) is None and not list((output / "releases").glob("*"))
    assert "no Leistung" in last_report(output)["fehler"]


def test_build_fails(site: Site, tmp_path: Path) -> None:
    was = before(site)
    broken = settings_file(tmp_path, 'PORTAL_PAGES = {**PORTAL_PAGES, "gibt_es_nicht": 1}')

    proc = run_nightly(DEMO / "nacht-2", site.store, site.output, settings=broken)

    expect(proc, 12)
    assert_unchanged(site, was, store_changed=True)  # the sync committed; the site did not change
    report = last_report(site.output)
    assert report["fehlgeschlagener_schritt"] == "build" and "gibt_es_nicht" in report["fehler"]


def test_index_fails_without_the_search_plugin(site: Site, tmp_path: Path) -> None:
    was = before(site)
    no_search = settings_file(tmp_path, 'PLUGINS = ["plugins.portal_pages"]')

    proc = run_nightly(DEMO / "nacht-2", site.store, site.output, "--no-vnu", settings=no_search)

    expect(proc, 13)
    assert_unchanged(site, was, store_changed=True)
    assert "search index" in last_report(site.output)["fehler"]


@pytest.mark.slow
def test_check_fails_on_an_inline_script_and_live_stays(site: Site, tmp_path: Path) -> None:
    """A theme that puts an inline script and a broken link into every page: the check stops the release."""
    was = before(site)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme, ignore=shutil.ignore_patterns("*.mo"))
    base = theme / "templates" / "base.html"
    base.write_text(
        base.read_text(encoding="utf-8").replace(
            "</body>", '<script>alert("böse")</script><a href="gibt-es-nicht/">kaputt</a>\n</body>'
        ),
        encoding="utf-8",
    )
    bad_theme = settings_file(tmp_path, f"THEME = {str(theme)!r}")

    proc = run_nightly(DEMO / "nacht-2", site.store, site.output, "--no-vnu", settings=bad_theme)

    expect(proc, 14)
    assert_unchanged(site, was, store_changed=True)
    report = last_report(site.output)
    problems = report["pruefung"]["probleme"]
    assert report["pruefung"]["probleme_gesamt"] > 1000
    assert any(p["art"] == "sicherheit" and "inline <script>" in p["text"] for p in problems)
    assert any(p["art"] == "link" and "gibt-es-nicht/ does not exist" in p["text"] for p in problems)
