"""The Atom feed per subsite and language of changed services: what changed and when, from the store's
history; valid Atom (RFC 4287's rules, checked here with lxml), deterministic, linked from every page."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from lxml import etree
from lxml import html as lxml_html

from plugins.portal_pages import feeds
from tests.editors.conftest import portal_aus

A = "{http://www.w3.org/2005/Atom}"
NS = {"a": "http://www.w3.org/2005/Atom"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TAG_URI = re.compile(r"^tag:[^,:]+(@[^,:]+)?,\d{4}(-\d{2}(-\d{2})?)?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]+$")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
THEME = Path(__file__).resolve().parents[2] / "theme"


def atom_probleme(path: Path) -> list[str]:
    """What breaks RFC 4287 (the essentials): the elements each feed and entry must have exactly once, dates
    in RFC 3339 with a zone, ids as absolute IRIs (tag: URIs: RFC 4151), an author for every entry, a link or
    content for every entry, unique entry ids, text constructs of a known type, content that parses."""
    out: list[str] = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    feed = etree.parse(str(path), parser).getroot()
    if feed.tag != f"{A}feed":
        return [f"root is {feed.tag}, not atom:feed"]

    def once(el: etree._Element, name: str, where: str) -> etree._Element | None:
        found = el.findall(f"a:{name}", NS)
        if len(found) != 1:
            out.append(f"{where}: {len(found)} atom:{name}, must be exactly one")
        return found[0] if found else None

    def check_id(el: etree._Element | None, where: str) -> str:
        value = (el.text or "") if el is not None else ""
        if not IRI.match(value) or (value.startswith("tag:") and not TAG_URI.match(value)):
            out.append(f"{where}: id {value!r} is no absolute IRI / valid tag: URI")
        return value

    def check_date(el: etree._Element | None, where: str) -> None:
        if el is not None and not RFC3339.match(el.text or ""):
            out.append(f"{where}: date {el.text!r} is not RFC 3339 with a zone")

    def check_text(el: etree._Element | None, where: str) -> None:
        if el is not None and el.get("type", "text") not in ("text", "html", "xhtml"):
            out.append(f"{where}: text construct of type {el.get('type')!r}")

    def check_links(el: etree._Element, where: str) -> None:
        seen = set()
        for link in el.findall("a:link", NS):
            if not link.get("href"):
                out.append(f"{where}: atom:link without href")
            rel = link.get("rel", "alternate")
            if rel == "alternate":
                key = (link.get("type"), link.get("hreflang"))
                if key in seen:
                    out.append(f"{where}: two alternate links of type {key}")
                seen.add(key)

    check_id(once(feed, "id", "feed"), "feed")
    check_text(once(feed, "title", "feed"), "feed title")
    check_date(once(feed, "updated", "feed"), "feed")
    if len(feed.findall("a:subtitle", NS)) > 1:
        out.append("feed: more than one atom:subtitle")
    check_links(feed, "feed")
    if len(feed.findall("a:link[@rel='self']", NS)) != 1:
        out.append("feed: no atom:link rel=self")
    feed_author = feed.find("a:author/a:name", NS) is not None
    ids = set()
    for n, entry in enumerate(feed.findall("a:entry", NS)):
        where = f"entry {n}"
        ids.add(check_id(once(entry, "id", where), where))
        check_text(once(entry, "title", where), where)
        check_date(once(entry, "updated", where), where)
        check_links(entry, where)
        summary, content = entry.find("a:summary", NS), entry.find("a:content", NS)
        check_text(summary, where)
        if content is None and entry.find("a:link[@rel='alternate']", NS) is None:
            out.append(f"{where}: neither atom:content nor a link rel=alternate")
        if content is not None:
            if content.get("type") == "html":
                lxml_html.fragment_fromstring(content.text or "", create_parent="div")
            elif content.get("type") not in (None, "text", "xhtml"):
                out.append(f"{where}: content of type {content.get('type')!r} without src")
        if not feed_author and entry.find("a:author/a:name", NS) is None:
            out.append(f"{where}: no author (neither the feed's nor its own)")
        for cat in entry.findall("a:category", NS):
            if not cat.get("term"):
                out.append(f"{where}: atom:category without term")
    if len(ids) != len(feed.findall("a:entry", NS)):
        out.append("two entries with the same id")
    return out


def entries(path: Path) -> list[dict[str, object]]:
    feed = etree.parse(str(path)).getroot()
    out = []
    for e in feed.findall("a:entry", NS):
        link = e.find("a:link[@rel='alternate']", NS)
        title = e.find("a:title", NS)
        out.append(
            {
                "key": e.findtext("a:id", namespaces=NS).rsplit("leistung/", 1)[1],
                "title": title.text,
                "title_lang": title.get(XML_LANG),
                "updated": e.findtext("a:updated", namespaces=NS),
                "summary": e.findtext("a:summary", namespaces=NS),
                "terms": [c.get("term") for c in e.findall("a:category", NS)],
                "labels": [c.get("label") for c in e.findall("a:category", NS)],
                "href": link.get("href") if link is not None else None,
                "content": e.findtext("a:content", namespaces=NS) or "",
            }
        )
    return out


def resolves(site: Path, feed: Path, href: str) -> bool:
    """A relative link of a feed (relative to the feed's own address) names a file of the site."""
    base = "http://x/" + feed.relative_to(site).as_posix()
    path = unquote(urlsplit(urljoin(base, href)).path).lstrip("/")
    target = site / path
    return (target / "index.html").is_file() if path.endswith("/") or not path else target.is_file()


def test_every_subsite_and_language_has_a_valid_feed(klein_site: Path) -> None:
    found = sorted(klein_site.rglob(feeds.DATEI))
    starts = [p.parent for p in klein_site.rglob("index.html") if (p.parent / "suche").is_dir()]
    assert len(found) == len(starts) > 4 * 4  # every subsite start page in every language has its feed
    for path in found:
        assert atom_probleme(path) == [], path
        root = etree.parse(str(path)).getroot()
        for link in root.iter(f"{A}link"):
            assert resolves(klein_site, path, link.get("href")), (path, link.get("href"))


def test_wanfried_lists_night_2_newest_first_with_what_changed(klein_site: Path) -> None:
    path = klein_site / "wanfried" / feeds.DATEI
    got = entries(path)
    assert [(e["key"], e["updated"], e["summary"], e["terms"]) for e in got] == [
        ("DEMO-HE:LB-1001/2", "2026-11-26T16:20:00+01:00", "Kosten geändert", ["kosten"]),
        ("DEMO-HE:LB-1022/1", "2026-11-26T14:10:00+01:00", "Neue Leistung", ["neu"]),
        ("DEMO-HE:LB-1021/1", "2026-11-26T14:00:00+01:00", "Neue Leistung", ["neu"]),
        ("DEMO-HE:LB-1009/2", "2026-11-26T11:05:00+01:00", "Kosten geändert", ["kosten"]),
        (
            "DEMO-HE:LB-1012/2",
            "2026-11-26T09:40:00+01:00",
            "Bearbeitungsdauer geändert",
            ["bearbeitungsdauer"],
        ),
    ]
    root = etree.parse(str(path)).getroot()
    assert root.findtext("a:updated", namespaces=NS) == "2026-11-26T16:20:00+01:00"  # the newest change's
    assert root.get(XML_LANG) == "de"
    assert root.findtext("a:title", namespaces=NS) == "Änderungen an Leistungen: Wanfried"
    perso = got[0]
    assert perso["title"] == "Personalausweis beantragen"
    assert perso["href"] == "../wanfried/leistungen/personalausweis-beantragen--lb-1001/"
    assert "<del>[entfernt: 15,00]</del> <ins>[neu: 17,50]</ins> Euro." in perso["content"]
    assert "<ins>[neu: 8,00]</ins>" in got[3]["content"]  # the amount, besides the texts


@pytest.mark.parametrize("subsite", ["wanfried", "werra-meissner-kreis", "regierungsbezirk-kassel"])
def test_entries_link_the_page_the_subsites_pages_link_to(klein_site: Path, subsite: str) -> None:
    """A service the Kreis or the Land is responsible for: the Kreis's or Land's page, as the A-Z links it."""
    feed = klein_site / subsite / feeds.DATEI
    linked = {
        (az.parent / a.get("href")).resolve()
        for az in (klein_site / subsite / "a-z").glob("*/index.html")  # the A-Z's letter pages
        for a in lxml_html.parse(str(az)).getroot().xpath("//main//a[contains(@href, 'leistungen/')]")
    }
    got = entries(feed)
    assert got
    for e in got:
        assert (feed.parent / e["href"]).resolve() in linked, e


def test_a_kreis_lists_what_it_offers_the_land_also_removals(klein_site: Path) -> None:
    kreis = [e["key"] for e in entries(klein_site / "werra-meissner-kreis" / feeds.DATEI)]
    assert kreis == ["DEMO-HE:LB-1009/2", "DEMO-HE:LB-1012/2"]  # Wanfried's own services are not the Kreis's
    land = {e["key"]: e for e in entries(klein_site / feeds.DATEI)}
    assert set(land) == {
        "DEMO-HE:LB-1001/2",
        "DEMO-HE:LB-1004/2",
        "DEMO-HE:LB-1005/2",
        "DEMO-HE:LB-1009/2",
        "DEMO-HE:LB-1012/2",
        "DEMO-HE:LB-1021/1",
        "DEMO-HE:LB-1022/1",
    }
    weg = land["DEMO-HE:LB-1004/2"]
    assert (
        weg["title"] == "Kinderreisepass beantragen" and weg["href"] is None and weg["terms"] == ["entfernt"]
    )
    assert "nicht mehr angeboten" in weg["content"]


def test_the_english_feed_is_in_english(klein_site: Path) -> None:
    path = klein_site / "wanfried" / "en" / feeds.DATEI
    root = etree.parse(str(path)).getroot()
    assert root.get(XML_LANG) == "en"
    assert root.findtext("a:title", namespaces=NS) == "Changes to services: Wanfried"
    got = {e["key"]: e for e in entries(path)}
    perso = got["DEMO-HE:LB-1001/2"]
    assert perso["title"] == "Apply for an identity card" and perso["title_lang"] is None
    assert perso["summary"] == "Costs changed" and perso["labels"] == ["Costs"]
    assert perso["href"] == "../../wanfried/en/leistungen/personalausweis-beantragen--lb-1001/"
    assert "<ins>[new: 17.50.]</ins>" in perso["content"]
    express = got["DEMO-HE:LB-1022/1"]  # no English name: the German one, marked as German
    assert express["title"] == "Express-Reisepass beantragen" and express["title_lang"] == "de"


def test_same_store_same_bytes(klein_site: Path, zwei_naechte: Path, tmp_path: Path) -> None:
    """No build time in a feed: written again later from the same store, every feed is byte for byte the same;
    written into the built site, none is rewritten."""
    portal = portal_aus(zwei_naechte)
    assert feeds.schreiben(portal, klein_site, THEME / "translations", "Europe/Berlin") == 0
    again = tmp_path / "again"
    feeds.schreiben(portal, again, THEME / "translations", "Europe/Berlin")
    for path in sorted(again.rglob(feeds.DATEI)):
        assert path.read_bytes() == (klein_site / path.relative_to(again)).read_bytes()


def test_after_the_first_night_the_feeds_are_empty_and_valid(demo_store: Path, tmp_path: Path) -> None:
    """The first sync is the initial stock, not news."""
    portal = portal_aus(demo_store)
    feeds.schreiben(portal, tmp_path, THEME / "translations", "Europe/Berlin")
    path = tmp_path / "wanfried" / feeds.DATEI
    assert entries(path) == [] and atom_probleme(path) == []
    newest = max(
        lb.versionsinformation.geaendert for lb in portal.leistungen.values() if lb.versionsinformation
    )
    updated = etree.parse(str(path)).getroot().findtext("a:updated", namespaces=NS)
    assert datetime.fromisoformat(updated).replace(tzinfo=None) == newest


def test_with_site_url_links_are_absolute(zwei_naechte: Path, tmp_path: Path) -> None:
    portal = portal_aus(zwei_naechte, site_url="https://portal.example/hessen")
    feeds.schreiben(portal, tmp_path, THEME / "translations", "Europe/Berlin")
    path = tmp_path / "wanfried" / feeds.DATEI
    assert atom_probleme(path) == []
    root = etree.parse(str(path)).getroot()
    assert root.findtext("a:id", namespaces=NS) == "tag:portal.example,2026:aenderungen/wanfried/"
    self_link = root.find("a:link[@rel='self']", NS).get("href")
    assert self_link == "https://portal.example/hessen/wanfried/aenderungen.atom"
    first = entries(path)[0]
    assert (
        first["href"]
        == "https://portal.example/hessen/wanfried/leistungen/personalausweis-beantragen--lb-1001/"
    )


@pytest.mark.parametrize(
    ("page", "feed"),
    [
        ("wanfried/index.html", "wanfried/aenderungen.atom"),
        ("wanfried/en/index.html", "wanfried/en/aenderungen.atom"),
        ("wanfried/ar/a-z/index.html", "wanfried/ar/aenderungen.atom"),
        ("a-z/index.html", "aenderungen.atom"),
        ("leichte-sprache/redaktion/datenqualitaet/index.html", "leichte-sprache/aenderungen.atom"),
    ],
)
def test_pages_link_their_subsites_feed(klein_site: Path, page: str, feed: str) -> None:
    doc = lxml_html.parse(str(klein_site / page)).getroot()
    (link,) = doc.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']")
    assert link.get("title")
    assert ((klein_site / page).parent / link.get("href")).resolve() == (klein_site / feed).resolve()
    assert (klein_site / feed).is_file()


def test_start_page_has_a_visible_link_to_its_feed(klein_site: Path) -> None:
    doc = lxml_html.parse(str(klein_site / "wanfried" / "index.html")).getroot()
    (a,) = doc.xpath("//main//a[@type='application/atom+xml']")
    assert a.get("href").endswith(feeds.DATEI) and "Atom" in a.text_content()
