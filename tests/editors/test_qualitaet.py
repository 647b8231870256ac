"""The data-quality findings (plugins/portal_pages/qualitaet.py), `portal qualitaet`, and the page
redaktion/datenqualitaet/ of the built site (valid HTML, axe, noindex, not in the sitemap, not linked)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from content_sync.models import (
    Dauer,
    Frist,
    Hyperlink,
    Kanal,
    Kommunikation,
    Kosten,
    Kostenart,
    Leistung,
    Mehrsprachig,
    ObjektRef,
    Oeffnungszeit,
    Onlinedienst,
    OnlinedienstLink,
    Organisationseinheit,
    Textmodul,
    Wochentag,
    Zeiteinheit,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.xzufi.write import (
    leistung_element,
    message,
    onlinedienst_element,
    organisationseinheit_element,
    zustaendigkeit_transfer_element,
)
from plugins.nightly import checks
from plugins.portal_pages import qualitaet
from plugins.portal_pages.settings import PluginConfigError
from tests.conftest import ROOT
from tests.editors.conftest import KLEIN, portal_aus, sync, vnu
from tests.editors.linkserver import Protokoll, linkserver

WANFRIED = "066360013013"
KREIS = "06636"
SEITE = qualitaet.SEITE_REST + "index.html"
SPRACH_ORDNER = ("", "en/", "ar/", "leichte-sprache/")


def ref(local: str) -> ObjektRef:
    return ObjektRef(agency="TEST", id=local)


def texte(**by_code: dict[str, str]) -> dict[Textmodul, Mehrsprachig]:
    return {Textmodul(code.removeprefix("m")): Mehrsprachig(v) for code, v in by_code.items()}


def kleine_daten(base: str) -> list[tuple[str, bytes]]:
    """Three services, two offices, one online service; links to the local server at ``base``.

    LB-VOLL has every expected section, in German and English, and an office for the whole Kreis;
    LB-LUECKE has a name and a Volltext, an office in Wanfried only, no English texts;
    LB-OD has an online service for the Land only (no office anywhere) and an English name.
    """
    voll = Leistung(
        ref=ref("LB-VOLL"),
        leika=("99008001012000",),
        texte=texte(
            m03={"de": "Vollständige Leistung", "en": "Complete service"},
            m06={"de": f'<p>Volltext mit <a href="{base}/weg">Link</a>.</p>', "en": "<p>Full text.</p>"},
            m24={"de": "Kurz.", "en": "Short."},
            m08={"de": "<ul><li>Ausweis</li></ul>", "en": "<ul><li>ID</li></ul>"},
            m09={"de": "<p>Wohnsitz.</p>", "en": "<p>Residence.</p>"},
            m11={"de": "<p>Antrag stellen.</p>", "en": "<p>Apply.</p>"},
            m07={"de": "<p>§ 1 Gesetz</p>", "en": "<p>Section 1</p>"},
        ),
        modul_links={Textmodul.WEITERFUEHRENDE_INFORMATIONEN: (Hyperlink(uri=f"{base}/ok", titel="Mehr"),)},
        kosten=(Kosten(art=Kostenart.FIX, betrag=Decimal("10.00")),),
        fristen=(Frist(dauer=1, einheit=Zeiteinheit.MONAT),),
        bearbeitungsdauer=(Dauer(dauer=2, einheit=Zeiteinheit.WOCHE),),
    )
    luecke = Leistung(
        ref=ref("LB-LUECKE"),
        leika=("99008001012001",),
        texte=texte(m03={"de": "Lückenhafte Leistung"}, m06={"de": "<p>Nur ein Volltext.</p>"}),
        ursprungsportal=(Hyperlink(uri=f"{base}/kaputt"),),
    )
    od_leistung = Leistung(
        ref=ref("LB-OD"),
        leika=("99008001012002",),
        texte=texte(
            m03={"de": "Nur online", "en": "Online only"},
            m06={"de": "<p>Online.</p>", "en": "<p>Online.</p>"},
        ),
    )
    oe_a = Organisationseinheit(
        ref=ref("OE-A"),
        namen=Mehrsprachig({"de": "Bürgerbüro"}),
        kommunikation=(Kommunikation(kanal=Kanal.EMAIL, kennung="buergerbuero@test.example"),),
        oeffnungszeiten=(Oeffnungszeit(tag=Wochentag.MO, von=time(8), bis=time(12)),),
    )
    oe_b = Organisationseinheit(
        ref=ref("OE-B"),
        namen=Mehrsprachig({"de": "Ordnungsamt"}),
        kommunikation=(Kommunikation(kanal=Kanal.WEB, kennung=f"{base}/langsam"),),
    )
    od = Onlinedienst(
        ref=ref("OD-1"),
        namen=Mehrsprachig({"de": "Antrag online"}),
        links=(OnlinedienstLink(uri=f"{base}/alt"),),
    )

    def zst(local: str, leistung: ObjektRef, ziel: ObjektRef, art: ZielArt, gebiet: str) -> Zustaendigkeit:
        return Zustaendigkeit(
            ref=ref(local), leistung=leistung, ziel=ziel, ziel_art=art, gebiete=(gebiet,), eingebettet=True
        )

    schreibe = [
        leistung_element(voll),
        leistung_element(luecke),
        leistung_element(od_leistung),
        onlinedienst_element(od),
        organisationseinheit_element(
            oe_a,
            [
                zst("Z-1", voll.ref, oe_a.ref, ZielArt.ORGANISATIONSEINHEIT, KREIS),
                zst("Z-2", luecke.ref, oe_a.ref, ZielArt.ORGANISATIONSEINHEIT, WANFRIED),
            ],
        ),
        organisationseinheit_element(oe_b),
        zustaendigkeit_transfer_element(
            od.ref, [zst("Z-3", od_leistung.ref, od.ref, ZielArt.ONLINEDIENST, "06")]
        ),
    ]
    return [("daten.xml", message(schreibe, erstellt=datetime(2026, 11, 27, 2, 0), nachricht_id="qualitaet"))]


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, Protokoll]]:
    with linkserver() as found:
        yield found


@pytest.fixture(scope="module")
def klein(server: tuple[str, Protokoll], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store of :func:`kleine_daten`."""
    folder = tmp_path_factory.mktemp("qualitaet-daten")
    files = kleine_daten(server[0])
    for name, data in files:
        (folder / name).write_bytes(data)
    (folder / "index.txt").write_text("\n".join(n for n, _ in files) + "\n", encoding="utf-8")
    store = folder / "portal.sqlite"
    sync(folder, store)
    return store


def _keys(liste: dict[str, Any]) -> list[str]:
    return [e["key"] for e in liste["eintraege"]]


def test_findings_of_a_small_store(klein: Path) -> None:
    q = qualitaet.pruefen(portal_aus(klein, gebiete=[KREIS]))
    fehlt = {e["key"]: e["fehlt"] for e in q["fehlende_abschnitte"]["eintraege"]}
    alles_ausser_volltext = [
        "teaser",
        "unterlagen",
        "voraussetzungen",
        "kosten",
        "verfahrensablauf",
        "bearbeitungsdauer",
        "fristen",
        "rechtsgrundlagen",
    ]
    assert fehlt == {
        "TEST:LB-LUECKE": alles_ausser_volltext,  # its Zustaendigkeit names an office: zustaendige_stelle met
        "TEST:LB-OD": [*alles_ausser_volltext, "zustaendige_stelle"],  # an online service is no office
    }
    assert {k["id"]: k["fehlt"] for k in q["kriterien"]}["zustaendige_stelle"] == 1
    ohne = {e["key"]: e for e in q["ohne_zustaendige_stelle"]["eintraege"]}
    assert set(ohne) == {"TEST:LB-LUECKE", "TEST:LB-OD"}
    von = q["zahlen"]["gemeinden"]
    assert von > 10 and ohne["TEST:LB-OD"]["anzahl"] == von
    assert (
        ohne["TEST:LB-LUECKE"]["anzahl"] == von - 1 and "Wanfried" not in ohne["TEST:LB-LUECKE"]["gemeinden"]
    )
    assert len(ohne["TEST:LB-OD"]["gemeinden"]) == von  # every one named: fewer than GEMEINDEN_LIMIT
    kurz = {e["key"]: e for e in qualitaet.ohne_zustaendige_stelle(portal_aus(klein, gebiete=[KREIS]), 3)}
    assert kurz["TEST:LB-OD"]["anzahl"] == von and len(kurz["TEST:LB-OD"]["gemeinden"]) == 3  # the first
    assert _keys(q["ohne_oeffnungszeiten"]) == ["TEST:OE-B"] and _keys(q["ohne_email"]) == ["TEST:OE-B"]
    (en,) = q["sprachen"]
    assert en["code"] == "en" and en["name"] == "English"
    assert _keys(en["ohne_name"]) == ["TEST:LB-LUECKE"]
    assert [(e["key"], e["abschnitte"]) for e in en["texte_fehlen"]["eintraege"]] == [
        ("TEST:LB-LUECKE", ["beschreibung"])
    ]
    assert q["links"] == {"anzahl": 5, "geprueft": False}
    # a service links to its Land page, an office to its page
    luecke = next(e for e in q["fehlende_abschnitte"]["eintraege"] if e["key"] == "TEST:LB-LUECKE")
    assert (luecke["subsite"], luecke["rest"]) == ("", "leistungen/lueckenhafte-leistung--lb-luecke/")


def test_expected_languages_are_a_setting(klein: Path) -> None:
    q = qualitaet.pruefen(portal_aus(klein, gebiete=[KREIS], qualitaet={"sprachen": ["en", "ar"]}))
    assert [s["code"] for s in q["sprachen"]] == ["en", "ar"]
    assert _keys(q["sprachen"][1]["ohne_name"]) == ["TEST:LB-LUECKE", "TEST:LB-OD", "TEST:LB-VOLL"]


def test_links_are_checked_only_when_asked(klein: Path, server: tuple[str, Protokoll]) -> None:
    base, protokoll = server
    portal = portal_aus(klein, gebiete=[KREIS], qualitaet={"links": {"timeout": 0.5, "pause": 0}})
    protokoll.reset()
    q = qualitaet.pruefen(portal)
    assert protokoll.anfragen == []  # the findings alone ask no server
    qualitaet.links_pruefen(portal, q)
    links = q["links"]
    assert links["geprueft"] and links["anzahl"] == 5
    fehler = {e["url"].removeprefix(base): e for e in links["fehler"]["eintraege"]}
    assert set(fehler) == {"/weg", "/kaputt", "/langsam"}
    assert fehler["/weg"]["status"] == 404 and fehler["/kaputt"]["grund"] == "HTTP 500"
    assert "keine Antwort" in fehler["/langsam"]["grund"]
    assert fehler["/weg"]["wo"] == [
        {
            "klasse": "Leistung",
            "key": "TEST:LB-VOLL",
            "name": "Vollständige Leistung",
            "feld": "Textmodul 06: Text",
        }
    ]
    assert fehler["/langsam"]["wo"][0]["klasse"] == "Organisationseinheit"
    (umgeleitet,) = links["umgeleitet"]["eintraege"]
    assert umgeleitet["url"] == f"{base}/alt" and umgeleitet["ziel"] == f"{base}/ok"


def test_criteria_file_is_validated(tmp_path: Path) -> None:
    assert [k.id for k in qualitaet.kriterien_laden()][:3] == ["beschreibung", "teaser", "unterlagen"]
    bad = tmp_path / "k.yaml"
    bad.write_text("kriterien:\n  - {id: kosten, abschnitte: [gebuehren]}\n", encoding="utf-8")
    with pytest.raises(PluginConfigError, match=r"unknown sections \['gebuehren'\]"):
        qualitaet.kriterien_laden(bad)
    bad.write_text("kriterien:\n  - {id: kosten, abschnitt: [kosten]}\n", encoding="utf-8")
    with pytest.raises(PluginConfigError, match="abschnitt"):
        qualitaet.kriterien_laden(bad)


# --- portal qualitaet -----------------------------------------------------------------------------------


def settings_file(tmp_path: Path, qualitaet_settings: dict[str, Any]) -> Path:
    path = tmp_path / "pelicanconf_test.py"
    path.write_text(
        "import runpy\n"
        f"globals().update({{k: v for k, v in runpy.run_path({str(KLEIN)!r}).items() if k.isupper()}})\n"
        f"PORTAL_PAGES = {{**PORTAL_PAGES, 'gebiete': [{KREIS!r}], 'qualitaet': {qualitaet_settings!r}}}\n",
        encoding="utf-8",
    )
    return path


def portal_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "content_sync", "qualitaet", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_command_json_with_links(klein: Path, tmp_path: Path, server: tuple[str, Protokoll]) -> None:
    conf = settings_file(tmp_path, {"links": {"timeout": 0.5, "pause": 0}})
    proc = portal_cli(
        "--pelican-settings", str(conf), "--store", str(klein), "--links", "--json", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["links"]["geprueft"] and data["links"]["fehler"]["anzahl"] == 3
    assert data["fehlende_abschnitte"]["anzahl"] == 2 and data["sekunden"] >= 0
    assert "checking 5 external links" in proc.stderr


def test_command_summary_and_html_file(klein: Path, tmp_path: Path) -> None:
    conf = settings_file(tmp_path, {})
    out = tmp_path / "berichte" / "qualitaet.html"
    proc = portal_cli("--pelican-settings", str(conf), "--store", str(klein), "--out", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "2 Leistungen miss expected sections" in proc.stdout
    assert "5 external links (not checked: --links)" in proc.stdout and f"Report: {out}" in proc.stdout
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html and "Lückenhafte Leistung" in html and 'name="robots"' in html
    assert "href=" not in html  # no site_url: names without links
    assert vnu(out.parent, [out.name]) == []
    (tmp_path / "q.json").unlink(missing_ok=True)
    proc = portal_cli("--pelican-settings", str(conf), "--store", str(klein), "--out", "q.json", cwd=tmp_path)
    assert (
        proc.returncode == 0 and json.loads((tmp_path / "q.json").read_text(encoding="utf-8"))["version"] == 1
    )


def test_command_refuses_bad_settings_and_a_missing_store(klein: Path, tmp_path: Path) -> None:
    conf = settings_file(tmp_path, {"sprachen": ["Englisch!"]})
    proc = portal_cli("--pelican-settings", str(conf), "--store", str(klein), cwd=tmp_path)
    assert proc.returncode == 2 and "no language code" in proc.stderr
    (tmp_path / "k.yaml").write_text("kriterien: []\n", encoding="utf-8")
    conf = settings_file(tmp_path, {"kriterien": str(tmp_path / "k.yaml")})
    proc = portal_cli("--pelican-settings", str(conf), "--store", str(klein), cwd=tmp_path)
    assert proc.returncode == 2 and "quality criteria" in proc.stderr
    conf = settings_file(tmp_path, {})
    proc = portal_cli(
        "--pelican-settings", str(conf), "--store", str(tmp_path / "fehlt.sqlite"), cwd=tmp_path
    )
    assert proc.returncode == 1 and "does not exist" in proc.stderr


# --- the page in the built site -------------------------------------------------------------------------


def test_the_page_exists_in_every_language_noindex_not_in_the_sitemap(klein_site: Path) -> None:
    for ordner in SPRACH_ORDNER:
        doc = lxml_html.parse(str(klein_site / ordner / SEITE)).getroot()
        assert doc.xpath("//head/meta[@name='robots']/@content") == ["noindex, nofollow"]
        assert doc.xpath("//h1")[0].text_content().strip()
    assert "datenqualitaet" not in (klein_site / "sitemap.xml").read_text(encoding="utf-8")
    assert not any("datenqualitaet" in p.read_text(encoding="utf-8") for p in klein_site.rglob("sitemap.xml"))


def test_no_public_page_links_to_it(klein_site: Path) -> None:
    linking = []
    for page in klein_site.rglob("*.html"):
        rel = page.relative_to(klein_site).as_posix()
        if rel.endswith(SEITE):
            continue
        if "datenqualitaet" in page.read_text(encoding="utf-8"):
            linking.append(rel)
    assert linking == []


def test_the_demo_page_lists_what_is_missing(klein_site: Path) -> None:
    page = klein_site / SEITE
    doc = lxml_html.parse(str(page)).getroot()
    rows = {
        tr.xpath("string(td[1]/a)"): tr.xpath("string(td[2])")
        for tr in doc.xpath("//section[@aria-labelledby='abschnitte']//table[2]//tbody/tr")
    }
    assert rows["Express-Reisepass beantragen"] == "Voraussetzungen, Fristen"
    # every link of the page resolves
    for a in doc.xpath("//main//a[@href]"):
        target = (page.parent / a.get("href")).resolve()
        assert (target / "index.html").is_file(), a.get("href")
    assert "portal qualitaet --links" in doc.text_content()  # links are not checked in the build
    en = lxml_html.parse(str(klein_site / "en" / SEITE)).getroot()
    name = en.xpath("//main//a[.='Express-Reisepass beantragen']")[0]
    assert name.get("lang") == "de" and "/en/leistungen/" in name.get("href")


def test_the_page_and_the_start_pages_are_valid_html(klein_site: Path) -> None:
    pages = [f"{o}{SEITE}" for o in SPRACH_ORDNER] + ["wanfried/index.html", "wanfried/ar/index.html"]
    assert vnu(klein_site, pages) == []


@pytest.mark.browser
def test_the_page_passes_axe(klein_site: Path) -> None:
    problems = checks.run_axe(klein_site, [f"{o}{SEITE}" for o in SPRACH_ORDNER], marker="tests-editors")
    assert [str(p) for p in problems] == []


def test_the_command_agrees_with_the_page(zwei_naechte: Path, klein_site: Path, tmp_path: Path) -> None:
    proc = portal_cli("--pelican-settings", str(KLEIN), "--store", str(zwei_naechte), "--json", cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    doc = lxml_html.parse(str(klein_site / SEITE)).getroot()
    shown = doc.xpath("string((//section[@aria-labelledby='ueberblick']//dd)[2])")
    assert int(shown) == data["fehlende_abschnitte"]["anzahl"] > 0
