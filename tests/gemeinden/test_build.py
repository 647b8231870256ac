"""A municipality's folder in real builds: kept across the next night's sync, rendered again exactly when its
files change, sanitised, sections the state text lacks, warnings that name the file and the build goes on."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content_sync.store import Store
from content_sync.sync import run_sync
from plugins.portal_pages.gemeinde_inhalte import zeigt
from plugins.portal_pages.settings import PluginConfigError
from tests.conftest import DEMO

from .conftest import leistung_path, page


def test_local_additions_survive_the_next_night_and_the_state_text_is_updated(
    demo_store: Path, tmp_path: Path, sites_copy: Path, small_build
) -> None:
    store = tmp_path / "p.sqlite"
    shutil.copyfile(demo_store, store)
    out = tmp_path / "out"
    small_build(sites_copy, out, store)
    path = leistung_path(out, "wanfried", "lb-1012")
    before = page(out, path).text_content()
    assert "Im Bürgerbüro im Rathaus (Marktstraße 2)" in before
    assert "innerhalb von ein bis drei Wochen" not in before

    assert run_sync(str(DEMO / "nacht-2"), store).ok  # the next night: LB-1012's Bearbeitungsdauer changes
    result = small_build(sites_copy, out, store)
    assert 0 < result["rendered"] < result["pages"]
    doc = page(out, path)
    assert "innerhalb von ein bis drei Wochen nach Eingang" in doc.xpath(
        "string(//section[h2[@id='bearbeitungsdauer']])"
    )
    added = doc.xpath("string(//section[h2[@id='verfahrensablauf-eigen']])")
    assert "Lokale Information: Stadt Wanfried" in added and "Im Bürgerbüro im Rathaus" in added
    hund = page(out, leistung_path(out, "wanfried", "lb-1116")).xpath("string(//section[h2[@id='kosten']])")
    assert "72,00 Euro" in hund


def test_a_changed_local_file_renders_exactly_its_pages_again(
    tmp_path: Path, sites_copy: Path, small_build
) -> None:
    out = tmp_path / "out"
    small_build(sites_copy, out)
    assert small_build(sites_copy, out)["rendered"] == 0  # nothing changed, nothing rendered

    local = sites_copy / "wanfried" / "leistungen" / "lb-1012.md"
    local.write_text(
        local.read_text("utf-8").replace("ohne Termin", "nach Terminvereinbarung"), encoding="utf-8"
    )
    result = small_build(sites_copy, out)
    assert (
        result["rendered"] == 3
    )  # the service page in de, en, ar (the English text did not change: fallback)
    assert "nach Terminvereinbarung" in page(out, leistung_path(out, "wanfried", "lb-1012")).text_content()

    own = sites_copy / "wanfried" / "seiten" / "abfallkalender.md"
    own.write_text(own.read_text("utf-8").replace("alle zwei Wochen", "jede Woche"), encoding="utf-8")
    assert (
        small_build(sites_copy, out)["rendered"] == 3
    )  # the page in each language, not the start page's list
    assert "jede Woche" in page(out, "wanfried/ar/abfallkalender/").text_content()

    local.unlink()  # removed: the page shows the state text alone again
    (sites_copy / "wanfried" / "leistungen" / "lb-1012.en.md").unlink()
    assert small_build(sites_copy, out)["rendered"] == 3
    assert not page(out, leistung_path(out, "wanfried", "lb-1012")).xpath("//*[@id='verfahrensablauf-eigen']")


def test_changed_colours_render_the_subsites_pages_again_and_replace_the_file(
    tmp_path: Path, sites_copy: Path, small_build
) -> None:
    out = tmp_path / "out"
    first = small_build(sites_copy, out)
    (old,) = (out / "wanfried" / "gestaltung").glob("farben-*.css")
    settings = sites_copy / "wanfried" / "site.toml"
    settings.write_text(
        settings.read_text("utf-8").replace('"#1f5130"   #', '"#004b76"   #'), encoding="utf-8"
    )
    result = small_build(sites_copy, out)
    wanfried = sum(1 for s in (out / "wanfried").rglob("*.html"))
    assert result["rendered"] == wanfried < first["pages"]  # every page of Wanfried, nothing else
    (new,) = (out / "wanfried" / "gestaltung").glob("farben-*.css")
    assert new != old and not old.exists() and "#004b76" in new.read_text("utf-8")
    assert new.name in (out / "wanfried" / "index.html").read_text("utf-8")


def test_too_little_contrast_stops_the_build_with_file_and_key(
    tmp_path: Path, sites_copy: Path, small_build
) -> None:
    settings = sites_copy / "wanfried" / "site.toml"
    settings.write_text(
        settings.read_text("utf-8").replace('text = "#ffffff"', 'text = "#2e7d32"'), encoding="utf-8"
    )
    with pytest.raises(PluginConfigError) as err:
        small_build(sites_copy)
    assert f"{settings}: farben: text #2e7d32 on hintergrund #1f5130 has a contrast of 1.80:1" in str(
        err.value
    )


def test_sanitised_html_sections_the_state_lacks_and_warnings(
    demo_store: Path, tmp_path: Path, small_build, caplog
) -> None:
    from plugins.portal_pages.settings import PortalPagesSettings
    from plugins.portal_pages.site import Portal

    with Store(demo_store, readonly=True) as store:
        portal = Portal(PortalPagesSettings(store=demo_store, gebiete=["066360013013"]), store)
    wanfried = portal.subsites["066360013013"]
    # a Leistung with a Wanfried page whose state text has no Formulare section, and one at Kreis level
    ohne = next(lb for lb in portal.eigene_leistungen(wanfried) if not zeigt(lb, "formulare", "de"))
    kreis = next(
        lb
        for lb in portal.leistungen.values()
        if portal.angebot(lb, wanfried.gebiet.ars).subsite.slug == "werra-meissner-kreis"
    )
    sites = tmp_path / "sites"
    (sites / "wanfried" / "seiten").mkdir(parents=True)
    (sites / "wanfried" / "leistungen").mkdir()
    (sites / "wanfried" / "seiten" / "test.md").write_text(
        'Title: Test\n\nText <script>alert(1)</script> <a href="javascript:alert(1)">x</a> '
        '<img src="x.png" onerror="alert(1)"> <span style="color:red">rot</span>\n\n## Teil {#teil}\n',
        encoding="utf-8",
    )
    (sites / "wanfried" / "leistungen" / f"{ohne.ref.id}.md").write_text(
        "Abschnitt: formulare\nModus: ergaenzen\nTitle: Formulare im Rathaus\n\n"
        "## Weg damit\n\nDas Formular liegt im Rathaus aus. <script>alert(2)</script>\n",
        encoding="utf-8",
    )
    missing = sites / "wanfried" / "leistungen" / "lb-0000.md"
    missing.write_text("Abschnitt: kosten\nModus: ersetzen\n\nX", encoding="utf-8")
    elsewhere = sites / "wanfried" / "leistungen" / f"{kreis.ref.id}.md"
    elsewhere.write_text("Abschnitt: kosten\nModus: ersetzen\n\nY", encoding="utf-8")
    (sites / "nirgendwo").mkdir()
    out = tmp_path / "out"
    with caplog.at_level("WARNING"):
        small_build(sites, out)
    messages = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(str(missing) in m and "'lb-0000' does not exist" in m for m in messages), messages
    assert any(
        str(elsewhere) in m and "has no service page in the subsite wanfried" in m for m in messages
    ), messages
    assert any("nirgendwo" in m and "no subsite 'nirgendwo'" in m for m in messages), messages

    text = (out / "wanfried" / "test" / "index.html").read_text("utf-8")
    main = text[text.index("<main") : text.index("</main>")]
    for bad in ("<script", "javascript:", "onerror", "style=", "<img"):
        assert bad not in main, bad
    assert '<h2 id="teil">Teil</h2>' in main  # an own page keeps its headings

    doc = page(out, leistung_path(out, "wanfried", ohne.ref.id.lower()))
    (section,) = doc.xpath("//section[h2[@id='formulare']]")  # a section the state text does not have
    assert section.xpath("h2")[0].text == "Formulare im Rathaus"
    assert (
        "Das Formular liegt im Rathaus aus." in section.text_content() and "<script" not in doc.text_content()
    )
    assert (
        not section.xpath(".//h2[text()='Weg damit']") and "Weg damit" in section.text_content()
    )  # no heading
    assert doc.xpath("//nav[contains(@class,'portal-inhalt')]//a[@href='#formulare']")  # listed on the page
    ids = [h.get("id") for h in doc.xpath("//main//section/h2")]
    assert ids.index("formulare") < ids.index("gueltigkeit")
