"""Own pages and local additions ("Eigener Inhalt") of the Wanfried example in the demo build, and how the
Markdown is read (Pelican's readers): languages, fallbacks, metadata errors named with the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pelican.settings import read_settings

from plugins.portal_pages.gemeinde_inhalte import (
    ABSCHNITTE,
    TEXTMODUL_ABSCHNITT,
    Leser,
    lade_seiten,
    lade_zusaetze,
)
from plugins.portal_pages.settings import DEFAULT_SPRACHEN, PluginConfigError
from tests.conftest import ROOT

from .conftest import SITES, leistung_path, page


@pytest.fixture(scope="module")
def leser() -> Leser:
    return Leser(read_settings(str(ROOT / "pelicanconf.py")), list(DEFAULT_SPRACHEN))


def md(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- own pages ----------------------------------------------------------------------------------------------


def test_own_pages_in_every_language_with_german_as_the_marked_fallback(demo_site: Path) -> None:
    de = page(demo_site, "wanfried/freibad/")
    assert de.xpath("//h1")[0].text == "Freibad Wanfried" and not de.xpath("//h1/@lang")
    assert de.xpath("//title")[0].text.startswith("Freibad Wanfried – Wanfried")
    assert [h.get("id") for h in de.xpath("//main//h2")] == [
        "oeffnungszeiten",
        "eintritt",
        "barrierefreiheit-freibad",
    ]
    en = page(demo_site, "wanfried/en/freibad/")
    assert en.xpath("//h1")[0].text == "Wanfried open-air pool" and not en.xpath("//main//*[@lang='de']")
    assert not en.xpath("//div[contains(@class,'kern-alert')]")  # translated: no note
    for folder, note in (
        ("ar", "هذه الصفحة غير متوفرة بلغتك بعد."),
        ("en", "This page is not yet available in your language."),
    ):
        doc = page(demo_site, f"wanfried/{folder}/abfallkalender/")
        (h1,) = doc.xpath("//h1")
        assert (h1.text, h1.get("lang"), h1.get("dir")) == ("Abfallkalender und Sperrmüll", "de", "ltr")
        assert doc.xpath("//div[contains(@class,'portal-redaktion')]/@lang") == ["de"]
        assert note in doc.xpath("string(//div[contains(@class,'kern-alert')])"), folder
    # the language switcher and hreflang alternates lead to the page in each language
    alternates = {
        a.get("hreflang"): a.get("href") for a in de.xpath("//head/link[@rel='alternate'][@hreflang]")
    }
    assert (
        alternates["en"] == "../../wanfried/en/freibad/" and alternates["ar"] == "../../wanfried/ar/freibad/"
    )
    sitemap = (demo_site / "wanfried" / "sitemap.xml").read_text("utf-8")
    assert "<loc>wanfried/freibad/</loc>" in sitemap and "<loc>wanfried/abfallkalender/</loc>" in sitemap


def test_reading_pages_language_from_file_name_or_metadata(tmp_path: Path, leser: Leser) -> None:
    md(tmp_path, "seiten/verein.md", "Title: Vereine\nReihenfolge: 2\n\nText")
    md(tmp_path, "seiten/verein.en.md", "Title: Clubs\n\nText")
    md(tmp_path, "seiten/verein-arabisch.md", "Title: نوادي\nLang: ar\nSlug: verein\n\nنص")
    md(tmp_path, "seiten/verein.leichte-sprache.md", "Title: Vereine in Leichter Sprache\n\nText")
    md(tmp_path, "seiten/amt.md", "Title: Amt\nSummary: Ein *kurzer* Text\nReihenfolge: 1\n\nText")
    md(tmp_path, "seiten/entwurf.md", "Title: Entwurf\nStatus: draft\n\nNoch nicht")
    seiten = lade_seiten(tmp_path, leser)
    assert [s.slug for s in seiten] == ["amt", "verein"]  # by Reihenfolge; the draft is not built
    verein = seiten[1]
    assert dict(verein.titel.root) == {
        "de": "Vereine",
        "en": "Clubs",
        "ar": "نوادي",
        "de-x-ls": "Vereine in Leichter Sprache",
    }
    assert seiten[0].zusammenfassung.de == "Ein kurzer Text"  # plain text for the list


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"seiten/x.md": "Title: X\nFarbe: rot\n\nText"}, "seiten/x.md: unknown metadata farbe"),
        ({"seiten/x.md": "Summary: kein Titel\n\nText"}, "seiten/x.md: Title: missing"),
        ({"seiten/x.en.md": "Title: X\n\nText"}, "seiten/x.en.md: no German variant of 'x'"),
        ({"seiten/leistungen.md": "Title: X\n\nText"}, "seiten/leistungen.md: slug 'leistungen'"),
        (
            {"seiten/x.md": "Title: X\nLang: fr\n\nText"},
            "seiten/x.md: language 'fr' is not one of the site's",
        ),
        ({"seiten/x.md": "Title: X\nReihenfolge: erst\n\nText"}, "Reihenfolge: 'erst' is not a number"),
        (
            {"seiten/x.md": "Title: X\n\nA", "seiten/y.md": "Title: Y\nSlug: x\n\nB"},
            "a second 'de' variant of 'x'",
        ),
    ],
)
def test_page_problems_name_the_file(
    tmp_path: Path, leser: Leser, files: dict[str, str], message: str
) -> None:
    for name, text in files.items():
        md(tmp_path, name, text)
    with pytest.raises(PluginConfigError) as err:
        lade_seiten(tmp_path, leser)
    assert message in str(err.value), err.value


# --- local additions ------------------------------------------------------------------------------------------


def test_replaced_section_shows_the_local_text_labelled_not_the_state_text(demo_site: Path) -> None:
    doc = page(demo_site, leistung_path(demo_site, "wanfried", "lb-1116"))
    (kosten,) = doc.xpath("//section[h2[@id='kosten']]")
    text = kosten.text_content()
    assert "Lokale Information: Stadt Wanfried" in text
    assert "72,00 Euro" in text and "600,00 Euro" in text
    assert (
        "Üblich sind etwa 50 bis 120 Euro" not in text and "900,00" not in text
    )  # the state's text is replaced
    # the same service in another Gemeinde keeps the state text
    other = page(demo_site, leistung_path(demo_site, "eschwege", "lb-1116"))
    assert (
        "Üblich sind etwa 50 bis 120 Euro" in other.text_content()
        and "72,00 Euro" not in other.text_content()
    )


def test_added_section_follows_its_section_with_its_own_heading(demo_site: Path) -> None:
    doc = page(demo_site, leistung_path(demo_site, "wanfried", "lb-1116"))
    ids = [h.get("id") for h in doc.xpath("//main//section/h2")]
    assert ids[ids.index("hinweise") + 1] == "hinweise-eigen"
    (added,) = doc.xpath("//section[h2[@id='hinweise-eigen']]")
    assert added.xpath("h2")[0].text == "Hunde in Wanfried"  # its Title
    assert "Lokale Information: Stadt Wanfried" in added.text_content() and "Hundekot" in added.text_content()
    assert "Assistenzhunde" in doc.xpath("string(//section[h2[@id='hinweise']])")  # the state text stays
    fz = page(demo_site, leistung_path(demo_site, "wanfried", "lb-1012"))
    (h2,) = fz.xpath("//section/h2[@id='verfahrensablauf-eigen']")
    assert h2.text == "Verfahrensablauf in Wanfried"  # no Title: the section's name and the place


def test_local_additions_per_language_and_german_fallback(demo_site: Path) -> None:
    en = page(demo_site, leistung_path(demo_site, "wanfried", "lb-1116", "en"))
    kosten = en.xpath("//section[h2[@id='kosten']]")[0]
    assert (
        "EUR 72.00" in kosten.text_content()
        and "Local information: Town of Wanfried" in kosten.text_content()
    )
    ls = page(demo_site, leistung_path(demo_site, "wanfried", "lb-1116", "leichte-sprache"))
    assert "Für den ersten Hund: 72 Euro." in ls.xpath("string(//section[h2[@id='kosten']])")
    ar = page(demo_site, leistung_path(demo_site, "wanfried", "lb-1116", "ar"))
    (text,) = ar.xpath("//section[h2[@id='kosten']]//div[contains(@class,'portal-text')]")
    assert text.get("lang") == "de" and "72,00 Euro" in text.text_content()
    assert ar.xpath("//section[h2[@id='kosten']]//p[contains(@class,'portal-fallback')]")


def test_reading_local_additions(tmp_path: Path, leser: Leser, demo_store: Path) -> None:
    from content_sync.store import Store

    with Store(demo_store, readonly=True) as store:
        leistungen = {lb.ref.key: lb for lb in store.leistungen()}
    md(tmp_path, "leistungen/LB-1001.md", "Textmodul: 8\nModus: ergaenzen\n\nA")
    md(tmp_path, "leistungen/99102013104000/kosten.md", "Abschnitt: Kosten\nModus: ersetzen\n\nB")
    md(tmp_path, "leistungen/99102013104000/kosten.en.md", "C")
    md(
        tmp_path,
        "leistungen/andere.md",
        "Leistung: DEMO-HE:LB-1012\nAbschnitt: fristen\nModus: ergaenzen\n\nD",
    )
    found = {
        (z.leistung, z.abschnitt, z.modus, tuple(sorted(z.inhalt.root)))
        for z in lade_zusaetze(tmp_path, leser, leistungen)
    }
    assert found == {
        ("DEMO-HE:LB-1001", "unterlagen", "ergaenzen", ("de",)),
        ("DEMO-HE:LB-1116", "kosten", "ersetzen", ("de", "en")),
        ("DEMO-HE:LB-1012", "fristen", "ergaenzen", ("de",)),
    }
    assert set(TEXTMODUL_ABSCHNITT.values()) <= set(ABSCHNITTE)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"lb-1001.md": "Modus: ergaenzen\n\nA"}, "lb-1001.md: Abschnitt: '(missing)'"),
        (
            {"lb-1001.md": "Abschnitt: gebuehren\nModus: ergaenzen\n\nA"},
            "Abschnitt: 'gebuehren'; one of beschreibung",
        ),
        ({"lb-1001.md": "Textmodul: 24\nModus: ergaenzen\n\nA"}, "Textmodul: '24' is not shown as a section"),
        (
            {"lb-1001.md": "Abschnitt: kosten\nModus: anhaengen\n\nA"},
            "Modus: 'anhaengen'; one of ergaenzen, ersetzen",
        ),
        ({"lb-1001.md": "Abschnitt: kosten\nModus: ersetzen\nPrio: 1\n\nA"}, "unknown metadata prio"),
        ({"lb-1001.en.md": "Abschnitt: kosten\nModus: ersetzen\n\nA"}, "lb-1001.en.md: no German variant"),
        (
            {
                "lb-1001.md": "Abschnitt: kosten\nModus: ersetzen\n\nA",
                "lb-1001.en.md": "Modus: ergaenzen\n\nB",
            },
            "lb-1001.en.md: Abschnitt/Modus differ from the German variant",
        ),
        (
            {
                "lb-1001.md": "Abschnitt: kosten\nModus: ersetzen\n\nA",
                "x.md": "Leistung: lb-1001\nAbschnitt: kosten\nModus: ergaenzen\n\nB",
            },
            "a second local addition to 'kosten' of DEMO-HE:LB-1001",
        ),
    ],
)
def test_local_addition_problems_name_the_file(tmp_path, leser, demo_store, files, message) -> None:
    from content_sync.store import Store

    with Store(demo_store, readonly=True) as store:
        leistungen = {lb.ref.key: lb for lb in store.leistungen()}
    for name, text in files.items():
        md(tmp_path, f"leistungen/{name}", text)
    with pytest.raises(PluginConfigError) as err:
        lade_zusaetze(tmp_path, leser, leistungen)
    assert message in str(err.value), err.value


def test_a_leistung_that_does_not_exist_is_a_warning_with_file_and_id(
    tmp_path, leser, demo_store, caplog
) -> None:
    from content_sync.store import Store

    with Store(demo_store, readonly=True) as store:
        leistungen = {lb.ref.key: lb for lb in store.leistungen()}
    path = md(tmp_path, "leistungen/lb-9999.md", "Abschnitt: kosten\nModus: ersetzen\n\nA")
    md(tmp_path, "leistungen/lb-1116/kosten.md", "Abschnitt: kosten\nModus: ersetzen\n\nB")
    with caplog.at_level("WARNING"):
        found = lade_zusaetze(tmp_path, leser, leistungen)
    assert [z.leistung for z in found] == ["DEMO-HE:LB-1116"]  # the rest goes on
    (record,) = [r for r in caplog.records if "does not exist" in r.getMessage()]
    assert str(path) in record.getMessage() and "'lb-9999'" in record.getMessage()


def test_the_demo_examples_are_read(leser: Leser, demo_store: Path) -> None:
    from content_sync.store import Store

    with Store(demo_store, readonly=True) as store:
        leistungen = {lb.ref.key: lb for lb in store.leistungen()}
    found = sorted(
        (z.leistung, z.abschnitt, z.modus) for z in lade_zusaetze(SITES / "wanfried", leser, leistungen)
    )
    assert found == [
        ("DEMO-HE:LB-1012", "verfahrensablauf", "ergaenzen"),
        ("DEMO-HE:LB-1116", "hinweise", "ergaenzen"),
        ("DEMO-HE:LB-1116", "kosten", "ersetzen"),
    ]
