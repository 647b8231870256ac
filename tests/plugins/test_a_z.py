"""The A-Z: an overview with every letter's count, and a page per letter (A-Z always, digits and other
characters where services start with them); every service a subsite offers is on exactly one letter page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from plugins.portal_pages.pages import ABC, az_slug

ORTE = ["wanfried", "werra-meissner-kreis", ""]


def _links(page: Path) -> list[str]:
    root = lxml_html.parse(str(page)).getroot()
    return [a.get("href") for a in root.xpath("//main//ul[@class='portal-leistungsliste']//a")]


@pytest.mark.parametrize("ort", ORTE)
@pytest.mark.parametrize("sprache", ["", "en/"])
def test_every_service_of_a_subsite_is_on_exactly_one_letter_page(demo_site: Path, ort: str, sprache: str):
    az = demo_site / ort / sprache / "a-z"
    briefe = sorted(p.parent for p in az.glob("*/index.html"))
    assert {p.name for p in briefe} >= {b.lower() for b in ABC}  # every letter, with services or without
    gesehen: dict[str, str] = {}
    for brief in briefe:
        for href in _links(brief / "index.html"):
            ziel = str((brief / href).resolve())
            assert ziel not in gesehen, f"{href} on {brief.name} and {gesehen[ziel]}"
            gesehen[ziel] = brief.name
            assert (brief / href / "index.html").resolve().is_file(), href
    # the services of the subsite's Lebenslagen are all somewhere in its A-Z
    for lebenslage in (demo_site / ort / sprache / "lebenslagen").glob("*/index.html"):
        for href in _links(lebenslage):
            assert str((lebenslage.parent / href).resolve()) in gesehen, href
    # the overview counts what the letter pages list
    uebersicht = lxml_html.parse(str(az / "index.html")).getroot()
    for li in uebersicht.xpath("//main//li"):
        link = li.xpath(".//a")[0]
        anzahl = int(re.search(r"\d+", li.xpath(".//span")[0].text_content()).group())
        brief = (az / link.get("href")).resolve()
        assert anzahl == len(_links(brief / "index.html")), brief.name


def test_a_letter_page_marks_itself_and_its_language_switch_finds_a_page(demo_site: Path):
    for page in (demo_site / "wanfried" / "a-z").glob("*/index.html"):
        root = lxml_html.parse(str(page)).getroot()
        aktuell = root.xpath("//main//nav//a[@aria-current='page']")
        assert len(aktuell) == 1 and az_slug(aktuell[0].text_content().strip()) == page.parent.name
        for link in root.xpath("//link[@rel='alternate'][@hreflang]"):
            target = (page.parent / link.get("href")).resolve()
            assert (target / "index.html").is_file(), link.get("href")


def test_az_slug():
    assert az_slug("P") == "p"
    assert az_slug("0–9") == "0-9"
    assert az_slug("ا") == "u0627"
