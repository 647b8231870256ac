"""The Wanfried example in the demo build (sites/wanfried/): name, logo and colours on its pages only, the town
hall's contact from its settings, its links; no inline style anywhere (CSP)."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import SITES, page

LANGS = {"": "de", "en/": "en", "ar/": "ar", "leichte-sprache/": "de-x-ls"}


def _stylesheets(doc) -> list[str]:
    return [link.get("href") for link in doc.xpath("//head/link[@rel='stylesheet']")]


def test_every_wanfried_page_shows_its_name_logo_and_colours(demo_site: Path) -> None:
    pages = sorted((demo_site / "wanfried").rglob("*.html"))
    assert len(pages) > 300
    colours = next((demo_site / "wanfried" / "gestaltung").glob("farben-*.css"))
    logo = next((demo_site / "wanfried" / "gestaltung").glob("logo-*.svg"))
    assert logo.read_bytes() == (SITES / "wanfried" / "logo.svg").read_bytes()
    for path in pages:
        doc = page(demo_site, path.relative_to(demo_site).as_posix())
        if doc.xpath("//meta[@http-equiv='refresh']"):
            continue  # a redirect page left behind by a renamed service
        sheets = _stylesheets(doc)
        where = path.relative_to(demo_site)
        assert any(s.endswith("theme/css/gemeinde.css") for s in sheets), where
        assert any(s.endswith(f"wanfried/gestaltung/{colours.name}") for s in sheets), where
        (img,) = doc.xpath("//header//a[@class='portal-gemeinde-marke']/img")
        assert img.get("src").endswith(f"wanfried/gestaltung/{logo.name}") and img.get("alt"), where
        assert (img.get("width"), img.get("height")) == ("64", "64")


def test_name_and_logo_text_in_the_pages_language(demo_site: Path) -> None:
    seen = {}
    for folder, lang in LANGS.items():
        doc = page(demo_site, f"wanfried/{folder}")
        (marke,) = doc.xpath("//a[@class='portal-gemeinde-marke']")
        seen[lang] = (marke.text_content().strip(), marke.xpath("img")[0].get("alt"))
        here = demo_site / "wanfried" / folder
        assert (here / marke.get("href")).resolve() == here.resolve()  # its own start page
    assert seen["de"] == ("Stadt Wanfried", "Logo der Stadt Wanfried: eine Brücke über die Werra")
    assert seen["en"][0] == "Town of Wanfried" and "bridge" in seen["en"][1]
    assert seen["ar"][0] == "مدينة فانفريد"
    # Leichte Sprache has no name of its own: the German one, marked with its language
    doc = page(demo_site, "wanfried/leichte-sprache/")
    assert doc.xpath("//a[@class='portal-gemeinde-marke']//span[@lang='de']")[0].text == "Stadt Wanfried"
    assert "Brücke über einen Fluss" in seen["de-x-ls"][1]


def test_other_subsites_are_not_touched(demo_site: Path) -> None:
    for path in ("eschwege/", "werra-meissner-kreis/", "", "kassel/en/"):
        doc = page(demo_site, path)
        assert not doc.xpath("//*[contains(@class,'portal-gemeinde')]"), path
        assert not any("gemeinde" in s or "gestaltung" in s for s in _stylesheets(doc)), path
    assert [p.parent.parent.name for p in demo_site.glob("*/freibad/index.html")] == [
        "wanfried"
    ]  # own page: only there


def test_no_inline_style_and_the_colours_only_as_custom_properties(demo_site: Path) -> None:
    for path in [*(demo_site / "wanfried").rglob("index.html")][:400]:
        text = path.read_text("utf-8")
        assert " style=" not in text and "<style" not in text, path
    (css,) = (demo_site / "wanfried" / "gestaltung").glob("farben-*.css")
    declarations = re.findall(r"^\s+([-\w]+):", css.read_text("utf-8"), re.MULTILINE)
    assert declarations and all(d.startswith("--portal-gemeinde-") for d in declarations)


def test_the_town_halls_contact_comes_from_the_settings(demo_site: Path) -> None:
    doc = page(demo_site, "wanfried/")
    (section,) = doc.xpath("//section[h2[@id='rathaus']]")
    text = section.text_content()
    assert "Rathaus Wanfried – Bürgerbüro" in text and "Marktstraße 2" in text and "37281 Wanfried" in text
    assert "Donnerstag auch 14 bis 18 Uhr" in text
    assert section.xpath(".//a[@href='tel:+495655000110']") and section.xpath(
        ".//a[@href='mailto:buergerbuero@wanfried.example']"
    )
    assert "Stadtverwaltung Wanfried" not in text  # the computed card is replaced
    assert not doc.xpath("//script[contains(@src,'oeffnungszeiten.js')]")  # its script with it
    en = page(demo_site, "wanfried/en/").xpath("//section[h2[@id='rathaus']]")[0].text_content()
    assert "Wanfried Town Hall – Citizens' Office" in en and "Thursday also 2 pm to 6 pm" in en
    # a Gemeinde without settings keeps the computed contact
    assert page(demo_site, "eschwege/").xpath(
        "//section[h2[@id='rathaus']]//div[contains(@class,'portal-kontaktkarte')]"
    )


def test_links_and_own_pages_on_the_start_page(demo_site: Path) -> None:
    doc = page(demo_site, "wanfried/")
    (section,) = doc.xpath("//section[h2[@id='gemeinde-seiten']]")
    assert section.xpath("h2")[0].text == "Informationen aus Wanfried"
    pages = [(a.text_content().strip(), a.get("href")) for a in section.xpath(".//ul[1]//a")]
    assert pages == [
        ("Freibad Wanfried", "../wanfried/freibad/"),
        ("Abfallkalender und Sperrmüll", "../wanfried/abfallkalender/"),
    ]
    links = section.xpath(".//ul[contains(@class,'portal-gemeinde-links')]//a")
    assert [(a.text, a.get("href"), a.get("rel")) for a in links] == [
        ("Website der Stadt Wanfried", "https://www.wanfried.example/", "noopener noreferrer"),
        (
            "Veranstaltungen in Wanfried",
            "https://www.wanfried.example/veranstaltungen/",
            "noopener noreferrer",
        ),
    ]
    # in Arabic: the translated title where there is one, else the German one marked lang="de"
    ar = page(demo_site, "wanfried/ar/").xpath("//section[h2[@id='gemeinde-seiten']]//ul[1]//a")
    assert [a.xpath("string(.//span/@lang)") for a in ar] == ["de", "de"]
    en = page(demo_site, "wanfried/en/").xpath("//section[h2[@id='gemeinde-seiten']]//ul[1]//a")
    assert en[0].text_content().strip() == "Wanfried open-air pool"


def test_logo_and_colours_files_are_tracked_and_stale_ones_deleted(demo_site: Path) -> None:
    import json

    listed = json.loads((demo_site / ".portal-gemeinden.json").read_text("utf-8"))
    assert (
        sorted(p.relative_to(demo_site).as_posix() for p in (demo_site / "wanfried/gestaltung").iterdir())
        == listed
    )
