"""The built demo site: languages, fallbacks, machine-readable data, security posture, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from content_sync.sync import run_sync
from tests.conftest import ROOT, build, document, leistung_xml

SERVICE = "wanfried/leistungen/personalausweis-beantragen--lb-1001/"
LANGS = {
    "": ("de", "ltr"),
    "en/": ("en", "ltr"),
    "ar/": ("ar", "rtl"),
    "leichte-sprache/": ("de-x-ls", "ltr"),
}


def page(site: Path, path: str):
    file = site / path / "index.html" if path.endswith("/") or not path else site / path
    return lxml_html.fromstring(file.read_bytes())


def lang_path(path: str, folder: str) -> str:
    sub, _, rest = path.partition("/")
    return f"{sub}/{folder}{rest}" if folder else path


@pytest.mark.parametrize("folder", LANGS, ids=lambda f: f.strip("/") or "de")
def test_every_language_sets_lang_dir_and_hreflang(demo_site, folder):
    doc = page(demo_site, lang_path(SERVICE, folder))
    lang, direction = LANGS[folder]
    assert doc.get("lang") == lang and doc.get("dir") == direction
    alternates = {
        a.get("hreflang"): a.get("href") for a in doc.xpath("//head/link[@rel='alternate'][@hreflang]")
    }
    assert set(alternates) == {"de", "en", "ar", "de-x-ls"}
    for target in alternates.values():  # every alternate exists
        resolved = (demo_site / lang_path(SERVICE, folder) / target).resolve()
        assert (resolved / "index.html").exists(), target
    switcher = doc.xpath("//nav[contains(@class,'portal-sprachwahl')]//a")
    assert {a.get("hreflang") for a in switcher} == {"de", "en", "ar", "de-x-ls"}
    assert all(a.get("lang") and a.get("dir") for a in switcher)


def test_arabic_page_shows_german_text_marked_and_noted(demo_site):
    doc = page(demo_site, lang_path(SERVICE, "ar/"))
    fallback = doc.xpath("//div[contains(@class,'portal-text')][@lang='de']")
    assert fallback and all(d.get("dir") == "ltr" for d in fallback)
    notes = doc.xpath("//p[contains(@class,'portal-fallback')]")
    assert len(notes) == len(fallback)
    assert doc.xpath("//h1")[0].get("lang") == "de"
    # the note is in the page's language (Arabic), the text it announces in German
    assert doc.xpath("//p[contains(@class,'portal-fallback')]")[0].get("lang") is None


def test_english_page_uses_english_text_and_formats(demo_site):
    doc = page(demo_site, lang_path(SERVICE, "en/"))
    assert doc.xpath("//h1")[0].text_content().strip() == "Apply for an identity card"
    assert not doc.xpath("//h1[@lang]")
    text = doc.text_content()
    assert "€46.00" in text  # Babel, en_GB
    de = page(demo_site, SERVICE).text_content()
    assert "46,00\xa0€" in de  # Babel, de_DE


def test_service_page_sections_in_fim_order_and_hidden_when_empty(demo_site):
    doc = page(demo_site, SERVICE)
    ids = [s.get("id") for s in doc.xpath("//section/h2")]
    order = [
        "beschreibung",
        "onlinedienst",
        "ansprechpartner",
        "unterlagen",
        "formulare",
        "voraussetzungen",
        "rechtsgrundlagen",
        "rechtsbehelf",
        "verfahrensablauf",
        "fristen",
        "bearbeitungsdauer",
        "kosten",
        "hinweise",
        "links",
        "gueltigkeit",
        "freigabe",
        "stichwoerter",
    ]
    assert ids == [i for i in order if i in ids]
    assert {"beschreibung", "ansprechpartner", "kosten", "freigabe"} <= set(ids)
    card = doc.xpath("//section[h2[@id='ansprechpartner']]//div[contains(@class,'portal-kontaktkarte')]")[0]
    assert "Marktstraße 2" in card.text_content() and "Montag" in card.text_content()
    assert card.xpath(".//a[starts-with(@href,'tel:')]") and card.xpath(".//a[starts-with(@href,'mailto:')]")
    osm = card.xpath(".//a[contains(@href,'openstreetmap.org')]")[0]
    assert osm.get("rel") == "noopener noreferrer"


def test_json_ld(demo_site):
    doc = page(demo_site, SERVICE)
    (block,) = doc.xpath("//script[@type='application/ld+json']")
    data = json.loads(block.text)
    types = {item["@type"] for item in data["@graph"]}
    assert {"GovernmentService", "BreadcrumbList"} <= types
    service = next(i for i in data["@graph"] if i["@type"] == "GovernmentService")
    assert service["identifier"] == ["99008001012000"]
    assert service["serviceOperator"][0]["@type"] == "GovernmentOffice"
    assert service["areaServed"]["name"] == "Wanfried, Stadt"
    assert any("serviceLocation" in c for c in service["availableChannel"])
    office_page = next((demo_site / "wanfried" / "behoerden").glob("stadtverwaltung-wanfried*/index.html"))
    office = json.loads(
        lxml_html.fromstring(office_page.read_bytes()).xpath("//script[@type='application/ld+json']")[0].text
    )
    gov = next(i for i in office["@graph"] if i["@type"] == "GovernmentOffice")
    assert gov["openingHoursSpecification"][0]["dayOfWeek"] == "Monday"


def test_no_inline_script_no_event_handlers_no_foreign_assets(demo_site):
    for file in demo_site.rglob("*.html"):
        doc = lxml_html.fromstring(file.read_bytes())
        for script in doc.xpath("//script"):
            assert script.get("type") == "application/ld+json" or script.get("src"), file
        assert not doc.xpath("//@*[starts-with(name(), 'on')]"), file
        assert not doc.xpath("//@style"), file
        for attr in doc.xpath("//link/@href | //script/@src | //img/@src"):
            assert not re.match(r"^(https?:)?//", attr), (file, attr)
        csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
        assert csp and "default-src 'self'" in csp[0] and "unsafe-inline" not in csp[0], file


def test_sitemaps_and_robots(demo_site):
    sitemap = (demo_site / "wanfried" / "sitemap.xml").read_text("utf-8")
    assert f"<loc>{SERVICE}</loc>" in sitemap
    assert 'hreflang="ar" href="wanfried/ar/leistungen/' in sitemap
    assert (demo_site / "robots.txt").read_text("utf-8").startswith("User-agent: *")


def test_kern_css_is_only_what_the_pages_use(demo_site):
    full = (ROOT / "node_modules/@kern-ux/native/dist/kern.min.css").stat().st_size
    used = (demo_site / "theme/vendor/kern.css").stat().st_size
    assert used < full / 2
    assert ".kern-alert" in (demo_site / "theme/vendor/kern.css").read_text("utf-8")


def test_editorial_pages_in_every_language(demo_site):
    for folder in ("", "en/", "ar/", "leichte-sprache/"):
        doc = page(demo_site, f"{folder}impressum/")
        assert doc.xpath("//h1") and "Demo" in doc.text_content()


def test_a_changed_title_leaves_a_redirect(tmp_path, demo_store):
    store = tmp_path / "p.sqlite"
    store.write_bytes(Path(demo_store).read_bytes())
    renamed = document(leistung_xml("LB-1001", agency="DEMO-HE", name="Personalausweis neu beantragen"))
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "a.xml").write_bytes(renamed)
    assert run_sync(str(folder), store).ok
    out = tmp_path / "out"
    build(store, out)
    new = out / "wanfried/leistungen/personalausweis-neu-beantragen--lb-1001/index.html"
    old = out / SERVICE / "index.html"
    assert new.exists() and old.exists()
    refresh = lxml_html.fromstring(old.read_bytes()).xpath("//meta[@http-equiv='refresh']/@content")[0]
    assert refresh.endswith("personalausweis-neu-beantragen--lb-1001/")


def test_same_input_same_bytes(demo_site, demo_store, tmp_path):
    again = tmp_path / "again"
    build(demo_store, again)
    first = {p.relative_to(demo_site): p.read_bytes() for p in demo_site.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    differing = [str(k) for k in first if first[k] != second[k]]
    assert not differing, differing[:10]
