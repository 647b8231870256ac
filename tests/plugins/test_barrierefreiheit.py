"""The Erklärung zur Barrierefreiheit and what it is made from (plugins/portal_pages/barrierefreiheit.py):
the manual results file, the automated results, the known barriers the build finds, the sections of the Leichte
Sprache page, "Barriere melden", the settings; and the built statement, index and start pages."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from lxml import html as lxml_html
from markupsafe import Markup

from content_sync.models import Leistung, Mehrsprachig, ObjektRef, Textmodul
from plugins.portal_pages.barrierefreiheit import (
    Automatisch,
    erklaerung,
    lade_automatisch,
    lade_pruefung,
    leichte_sprache,
    ls_abschnitte,
    mailto,
    sprachluecken,
)
from plugins.portal_pages.commands import build_site
from plugins.portal_pages.settings import DEFAULT_SPRACHEN, PluginConfigError, PortalPagesSettings
from tests.conftest import ROOT

CHECKED_IN = ROOT / "content" / "barrierefreiheit"
VIDEO = {"datei": "https://medien.example/dgs/{t}.mp4", "bytes": 31_000_000, "sekunden": 95, "text": "Text."}


def _schritt(sid: str, ergebnis: str = "erfuellt") -> dict[str, Any]:
    return {"id": sid, "titel": {"de": f"Schritt {sid}"}, "ergebnis": ergebnis}


def _daten(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "erstellt": "2026-01-15",
        "stelle": {"name": {"de": "Amt"}, "anschrift": "Weg 1, 65185 Wiesbaden"},
        "standard": ["BITV 2.0"],
        "pruefung": {
            "datum": "2026-02-01",
            "durch": {"de": "Prüfstelle"},
            "methode": {"de": "Von Hand."},
            "schritte": [_schritt("tastatur"), _schritt("zoom")],
        },
    }
    data.update(changes)
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "pruefung.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _automatisch(probleme: int = 0) -> Automatisch:
    befunde = [{"seite": "a/index.html", "text": f"color-contrast ({i})"} for i in range(probleme)]
    return Automatisch.model_validate(
        {
            "datum": "2026-03-01T10:00:00Z",
            "werkzeuge": {"axe-core": "4.14.1"},
            "regeln": ["wcag2a"],
            "seiten_gesamt": 10,
            "axe": {"seiten": 4, "anzahl": probleme, "befunde": befunde},
            "html": {"seiten": 10, "anzahl": 0},
            "links": {"seiten": 10, "anzahl": 0},
        }
    )


def _leistung(texte: dict[str, dict[str, str]]) -> Leistung:
    return Leistung(
        ref=ObjektRef(agency="T", id="LB-1"),
        leika=("99008001012000",),
        texte={Textmodul(k): Mehrsprachig(v) for k, v in texte.items()},
    )


VOLL = _leistung(
    {
        "03": {"de": "Ausweis", "en": "ID", "ar": "هوية", "de-x-ls": "Aus·weis"},
        "06": {"de": "Text", "en": "Text", "ar": "نص", "de-x-ls": "Text"},
    }
)
LUECKE = _leistung({"03": {"de": "Pass", "en": "Passport"}, "06": {"de": "Text", "en": ""}})


def _config(**barrierefreiheit: Any) -> PortalPagesSettings:
    return PortalPagesSettings(store=Path("x.sqlite"), barrierefreiheit=barrierefreiheit)


def _alle_videos() -> dict[str, Any]:
    return {
        t: {**VIDEO, "datei": VIDEO["datei"].format(t=t)}
        for t in ("inhalt", "navigation", "erklaerung", "hinweise")
    }


# --- the manual results file ------------------------------------------------------------------------------


def test_the_checked_in_files_are_valid():
    daten = lade_pruefung(CHECKED_IN / "pruefung.yaml")
    assert daten.stelle.anschrift and daten.pruefung.schritte
    # honest: nobody has tested by hand yet, so there is no date and no result
    assert daten.pruefung.datum is None and {s.ergebnis for s in daten.pruefung.schritte} == {"offen"}
    for b in daten.barrieren:
        assert set(b.titel.root) == {"de", "en", "ar", "de-x-ls"}, b.titel
    auto = lade_automatisch(CHECKED_IN / "automatisch.json")
    assert auto is not None, "run 'portal a11y-report' (README, Accessibility)"
    assert auto.html.seiten == auto.seiten_gesamt, "the checked-in results come from a run on every page"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"pruefung": {**_daten()["pruefung"], "schritte": [_schritt("a", "nicht_erfuellt")]}},
            "a barrier must",
        ),
        (
            {"pruefung": {**_daten()["pruefung"], "datum": None}},
            "has a result but the manual test has no date",
        ),
        ({"pruefung": {**_daten()["pruefung"], "schritte": [_schritt("a"), _schritt("a")]}}, "unique"),
        ({"pruefung": {**_daten()["pruefung"], "schritte": [_schritt("a", "bestanden")]}}, "ergebnis"),
        (
            {
                "barrieren": [
                    {
                        "titel": {"de": "X"},
                        "beschreibung": {"de": "X"},
                        "grund": {"de": "X"},
                        "pruefschritt": "b",
                    }
                ]
            },
            "unknown test step",
        ),
        ({"gepruft": True}, "gepruft"),
        ({"erstellt": "2026-03-01"}, "older than the first statement"),
    ],
)
def test_a_wrong_results_file_stops_the_build_with_its_reason(tmp_path, change, message):
    with pytest.raises(PluginConfigError, match=message):
        lade_pruefung(_write(tmp_path, _daten(**change)))


def test_missing_or_broken_automated_results(tmp_path):
    assert lade_automatisch(tmp_path / "none.json") is None
    broken = tmp_path / "automatisch.json"
    broken.write_text('{"format": 1, "datum": "gestern"}', encoding="utf-8")
    with pytest.raises(PluginConfigError, match="portal a11y-report"):
        lade_automatisch(broken)


# --- the statement: barriers and conformance --------------------------------------------------------------


def test_fully_compliant_only_without_any_barrier_open_step_or_missing_run(tmp_path):
    daten = lade_pruefung(_write(tmp_path, _daten()))
    config = _config(dgs=_alle_videos())
    e = erklaerung(config, daten, _automatisch(), [VOLL])
    assert e.vereinbarkeit == "vollstaendig" and e.barrieren == [] and e.offen == 0
    assert e.stand == date(2026, 3, 1), "the newest of statement, manual and automated test"
    assert erklaerung(config, daten, None, [VOLL]).vereinbarkeit == "teilweise", "no automated run yet"
    offen = lade_pruefung(
        _write(tmp_path, _daten(pruefung={**_daten()["pruefung"], "schritte": [_schritt("a", "offen")]}))
    )
    e = erklaerung(config, offen, _automatisch(), [VOLL])
    assert e.vereinbarkeit == "teilweise" and e.offen == 1


def test_every_kind_of_known_barrier_is_listed(tmp_path):
    data = _daten(
        pruefung={**_daten()["pruefung"], "schritte": [_schritt("tastatur", "teilweise")]},
        barrieren=[
            {
                "titel": {"de": "Fokus im Kalender"},
                "beschreibung": {"de": "…"},
                "grund": {"de": "…"},
                "alternative": {"de": "Telefon"},
                "pruefschritt": "tastatur",
            }
        ],
    )
    daten = lade_pruefung(_write(tmp_path, data))
    config = _config(dgs={"inhalt": {**VIDEO, "datei": "medien/inhalt.mp4"}})
    e = erklaerung(config, daten, _automatisch(probleme=3), [VOLL, LUECKE])
    arten = [b.art for b in e.barrieren]
    assert arten == ["pruefung", "dgs", "sprache", "sprache", "sprache", "automatisch"], arten
    assert e.barrieren[0].barriere.titel.de == "Fokus im Kalender"
    assert e.barrieren[1].dgs_themen == ["navigation", "erklaerung", "hinweise"]
    assert [(b.luecke.sprache.code, b.luecke.fehlend, b.luecke.gesamt) for b in e.barrieren[2:5]] == [
        ("en", 1, 2),
        ("de-x-ls", 1, 2),
        ("ar", 1, 2),
    ]
    assert e.barrieren[5].anzahl == 3 and len(e.barrieren[5].befunde) == 3
    assert e.vereinbarkeit == "teilweise" and e.dgs_themen == ["inhalt"]


def test_language_gaps_count_a_text_shown_in_german():
    config = _config()
    assert sprachluecken(config, [VOLL]) == []
    gaps = {g.sprache.code: g.fehlend for g in sprachluecken(config, [VOLL, LUECKE])}
    # LUECKE: the name is English but the text is not (an empty English text counts as missing)
    assert gaps == {"en": 1, "de-x-ls": 1, "ar": 1}


# --- Leichte Sprache --------------------------------------------------------------------------------------


def _page(slug: str, lang: str, content: str = "", startseite: str = "", translations=()) -> Any:
    meta = {"startseite": startseite} if startseite else {}
    return SimpleNamespace(
        slug=slug, lang=lang, title=f"{slug} ({lang})", content=content, metadata=meta,
        translations=list(translations), source_path=f"{lang}/{slug}.md",
    )  # fmt: skip


def test_start_page_sections_come_from_the_leichte_sprache_page():
    ls = _page(
        "info-leichte-sprache",
        "de-x-ls",
        '<h2 id="a">Was gibt <em>es</em>?</h2><p>x</p><h2>Ohne Id</h2><h2 id="b">So &amp; so</h2>',
        startseite="b, a",
    )
    assert [(a.id, a.titel) for a in ls_abschnitte(ls)] == [("b", "So & so"), ("a", "Was gibt es?")]
    with pytest.raises(PluginConfigError, match=r"lacks: \['c'\]"):
        ls_abschnitte(_page("info-leichte-sprache", "de-x-ls", '<h2 id="a">A</h2>', startseite="a, c"))


def test_index_of_leichte_sprache_lists_pages_and_services_with_texts_in_it():
    de = _page("impressum", "de", translations=[_page("impressum", "de-x-ls")])
    only_de = _page("datenschutz", "de", translations=[_page("datenschutz", "en")])
    result = leichte_sprache([only_de, de], [VOLL, LUECKE])
    assert [(s.slug, sorted(s.titel)) for s in result.seiten] == [("impressum", ["de", "de-x-ls"])]
    assert [(x.leistung.namen.de, x.teile, x.von) for x in result.leistungen] == [("Ausweis", 2, 2)]


# --- "Barriere melden" ------------------------------------------------------------------------------------


def test_mailto_is_rfc_6068_and_plain_text():
    url = mailto("a@b.example", Markup("Seite &amp; Titel"), "Zeile 1\nÄ & ? #")
    assert (
        url == "mailto:a@b.example?subject=Seite%20%26%20Titel&body=Zeile%201%0D%0A%C3%84%20%26%20%3F%20%23"
    )


# --- settings ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"melden_an": "kein-at-zeichen"},
        {"schlichtungsstelle": "http://www.schlichtungsstelle-bgg.de"},
        {"dgs": {"inhalt": {**VIDEO, "datei": "../geheim.mp4"}}},
        {"dgs": {"inhalt": {**VIDEO, "datei": "javascript:alert(1)"}}},
        {"dgs": {"inhalt": {**VIDEO, "bytes": 0}}},
        {"dgs": {"inhalt": {**VIDEO, "typ": "text/html"}}},
        {"dgs": {"startseite": VIDEO}},
        {"dgs": {"inhalt": {**VIDEO, "untertitel": True}}},
    ],
)
def test_wrong_accessibility_settings_are_refused(bad):
    with pytest.raises(ValueError):
        _config(**bad)


def test_barriere_melden_falls_back_to_the_editors_address():
    assert PortalPagesSettings(store=Path("x"), kontakt_email="r@x.example").melden_an == "r@x.example"
    both = PortalPagesSettings(
        store=Path("x"), kontakt_email="r@x.example", barrierefreiheit={"melden_an": "b@x.example"}
    )
    assert both.melden_an == "b@x.example"


# --- the built demo site ----------------------------------------------------------------------------------


def _doc(site: Path, path: str) -> Any:
    return lxml_html.fromstring((site / path / "index.html").read_bytes())


def test_built_statement_in_every_language(demo_site):
    auto = lade_automatisch(CHECKED_IN / "automatisch.json")
    assert auto is not None
    for folder, lang in [("", "de"), ("en/", "en"), ("ar/", "ar"), ("leichte-sprache/", "de-x-ls")]:
        doc = _doc(demo_site, f"{folder}barrierefreiheit")
        assert doc.get("lang") == lang
        ids = {s.get("aria-labelledby") for s in doc.xpath("//section")}
        assert {
            "geltungsbereich",
            "vereinbarkeit",
            "bekannte-barrieren",
            "pruefung",
            "kontakt",
            "schlichtung",
        } <= ids
        assert doc.xpath("//a[@href='https://www.schlichtungsstelle-bgg.de']"), lang
        assert doc.xpath("//a[@href='mailto:barrierefreiheit@verwaltungsportal.example']"), lang
        assert doc.xpath(f"//time[@datetime='{auto.datum.date().isoformat()}']"), (
            "the date of the automated run"
        )
        # the demo has no sign-language videos, and no manual test yet: both said, in every language
        assert len(doc.xpath("//div[@class='portal-barriere']")) >= 2
        assert len(doc.xpath("//table[contains(@class,'portal-pruefschritte')]/tbody/tr")) == 9
    de = _doc(demo_site, "barrierefreiheit").text_content()
    assert "teilweise vereinbar" in de and "Videos in Deutscher Gebärdensprache fehlen" in de
    assert "Eine Prüfung von Hand hat noch nicht stattgefunden" in de
    assert f"Nu HTML Checker: {auto.html.seiten:,} Seiten".replace(",", ".") in de
    ls = _doc(demo_site, "leichte-sprache/barrierefreiheit")
    assert ls.xpath("//h1")[0].text_content() == "Barriere·freiheit"


def test_built_index_of_leichte_sprache(demo_site):
    doc = _doc(demo_site, "alles-in-leichter-sprache")
    services = doc.xpath("//section[@aria-labelledby='leistungen-ls']//a")
    assert services and all("/leichte-sprache/leistungen/" in a.get("href") for a in services)
    assert all(a.get("hreflang") == "de-x-ls" for a in services)
    assert any(
        a.text_content() == "Personal·ausweis beantragen" and a.get("lang") == "de-x-ls" for a in services
    )
    pages = [a.get("href") for a in doc.xpath("//section[@aria-labelledby='seiten']//a")]
    assert "../leichte-sprache/barrierefreiheit/" in pages and "../leichte-sprache/impressum/" in pages


def test_a_changed_results_file_rebuilds_the_statement_and_nothing_else(demo_store, tmp_path):
    """A build with other results: all videos configured, everything tested and passed, one language only.
    Then only the results file changes: the incremental build renders the statement pages alone."""
    auto = tmp_path / "automatisch.json"
    auto.write_text(json.dumps(_automatisch().model_dump(mode="json")), encoding="utf-8")
    pruefung = _write(tmp_path, _daten())
    deutsch = [DEFAULT_SPRACHEN[0].model_dump()]
    settings = {
        "sprachen": deutsch,
        "gebiete": ["066360013013"],
        "barrierefreiheit": {
            "melden_an": "b@x.example",
            "pruefung": str(pruefung),
            "automatisch": str(auto),
            "dgs": _alle_videos(),
        },
    }
    out = tmp_path / "site"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        build_site(ROOT / "pelicanconf.py", store=str(demo_store), output=str(out), portal_pages=settings)
        doc = _doc(out, "barrierefreiheit")
        text = doc.text_content()
        assert "vollständig vereinbar" in text and "Es sind keine Barrieren bekannt." in text
        assert "Geprüft am 1. Februar 2026 von: Prüfstelle." in text
        assert [td.text_content() for td in doc.xpath("//table//tbody//td[1]")] == ["erfüllt", "erfüllt"]
        start = _doc(out, "")
        links = start.xpath("//section[contains(@class,'portal-bitv')]//a[@type='video/mp4']")
        assert [a.get("href") for a in links] == [
            VIDEO["datei"].format(t=t) for t in ("inhalt", "navigation", "erklaerung", "hinweise")
        ]
        assert "1 Minute 35 Sekunden" in start.text_content() and "31,0 MB" in start.text_content()
        assert not start.xpath("//*[@id='leichte-sprache']"), "no Leichte Sprache in a site without it"
        assert re.search(r"Barriere%20melden", (out / "index.html").read_text(encoding="utf-8"))

        pruefung.write_text(
            yaml.safe_dump(_daten(pruefung={**_daten()["pruefung"], "schritte": [_schritt("tastatur", "nicht_erfuellt")]}, barrieren=[{"titel": {"de": "Fokus fehlt"}, "beschreibung": {"de": "…"}, "grund": {"de": "…"}, "pruefschritt": "tastatur"}]), allow_unicode=True),
            encoding="utf-8",
        )  # fmt: skip
        again = build_site(
            ROOT / "pelicanconf.py", store=str(demo_store), output=str(out), portal_pages=settings
        )
    finally:
        os.chdir(cwd)
    assert again["rendered"] == 1, "only the statement depends on the results file"
    text = _doc(out, "barrierefreiheit").text_content()
    assert "teilweise vereinbar" in text and "Fokus fehlt" in text and "nicht erfüllt" in text
