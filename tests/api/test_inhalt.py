"""What the API says: the same as the pages, by the same rules (responsibility, languages, safe HTML)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugins.content_api.inhalte import objekt_id
from plugins.content_api.texte import saetze
from plugins.portal_pages.site import Portal

from .conftest import lies, portal_aus


@pytest.fixture(scope="module")
def portal(demo_store: Path) -> Portal:
    return portal_aus(demo_store)


def _liste(api: Path, sprache: str, ort: str) -> dict:
    return lies(api / sprache / "orte" / ort / "leistungen.json")


def _pfad(site: Path, url: str) -> Path:
    """A root-relative URL of the demo (site_url is '') as a file of the site."""
    assert url.startswith("/"), url
    target = site / url.lstrip("/")
    return target / "index.html" if url.endswith("/") else target


def test_the_chain_gives_every_place_the_responsibility_of_its_pages(api: Path, portal: Portal) -> None:
    """Per place, walking its chain reproduces Portal.angebot for every service (the pages' rule)."""
    index = lies(api / "index.json")
    listen = {}
    for ort in index["orte"]:
        for schluessel in ort["kette"]:
            if schluessel not in listen:
                listen[schluessel] = {e["id"]: e for e in _liste(api, "de", schluessel)["leistungen"]}
    for subsite in portal.subsites.values():
        ort = next(o for o in index["orte"] if o["ars"] == subsite.gebiet.ars)
        for lb in portal.leistungen.values():
            lid = objekt_id(lb.ref.id)
            eintrag = next(listen[k][lid] for k in ort["kette"] if lid in listen[k])
            angebot = portal.angebot(lb, subsite.gebiet.ars)
            assert (eintrag["zustaendigkeit"] or {}).get("ars") == (
                angebot.gebiet.ars if angebot.gebiet else None
            )
            assert [s["id"] for s in eintrag["stellen"]] == [objekt_id(oe.ref.id) for oe in angebot.stellen]
            assert [o["id"] for o in eintrag["onlinedienste"]] == [
                objekt_id(o.ref.id) for o in angebot.onlinedienste
            ]
    assert len(listen["hessen"]) == len(portal.leistungen)  # the Land's list names every service


def test_every_url_in_the_api_points_to_a_published_file(api: Path, demo_site: Path) -> None:
    urls: set[str] = set()

    def sammle(value: object) -> None:
        if isinstance(value, dict):
            for key, v in value.items():
                if key in ("seite", "texte") and isinstance(v, str):
                    urls.add(v)
                else:
                    sammle(v)
        elif isinstance(value, list):
            for v in value:
                sammle(v)

    for path in api.rglob("*.json"):
        if "schemas" not in path.parts:
            sammle(lies(path))
    missing = [u for u in sorted(urls) if not _pfad(demo_site, u).is_file()]
    assert not missing, missing[:10]
    assert len(urls) > 1500


def test_a_service_description_has_every_section_as_safe_html_and_plain_text(api: Path) -> None:
    texte = lies(api / "de/leistungen/lb-1116.json")
    assert texte["name"] == "Hund zur Hundesteuer anmelden" and texte["leika"] == ["99102013104000"]
    schluessel = [a["schluessel"] for a in texte["abschnitte"]]
    assert schluessel[:4] == ["teaser", "kurztext", "volltext", "unterlagen"]
    assert {
        "voraussetzungen",
        "verfahrensablauf",
        "rechtsgrundlagen",
        "kosten",
        "fristen",
        "hinweise",
    } <= set(schluessel)
    unterlagen = next(a for a in texte["abschnitte"] if a["schluessel"] == "unterlagen")
    assert unterlagen["modul"] == "08" and unterlagen["html"].startswith("<ul><li>")
    assert unterlagen["text"].startswith("- Angaben zur Halterin")
    assert unterlagen["text"].count("\n- ") == 4  # one line per list item
    verfahren = next(a for a in texte["abschnitte"] if a["schluessel"] == "verfahrensablauf")
    assert verfahren["text"].startswith("1. Sie melden den Hund") and "\n3. " in verfahren["text"]
    assert texte["kosten"] == [
        {
            "art": "variabel",
            "beschreibung": None,
            "betrag": "50.00",
            "betrag_bis": "900.00",
            "text": "Gebühr: 50,00\xa0€ bis 900,00\xa0€",
            "typ": None,
            "vorkasse": None,
            "waehrung": "EUR",
        }
    ]
    assert [f["text"] for f in texte["fristen"]] == ["2 Wochen"]
    assert [d["text"] for d in texte["bearbeitungsdauer"]] == ["1 bis 3 Wochen"]
    assert [ll["code"] for ll in texte["lebenslagen"]] == ["B09", "B11"]
    assert texte["stand"] == "2026-06-16" and texte["fachliche_freigabe"]["am"] == "2025-03-03"


def test_no_file_holds_markup_the_pages_would_not_show(api: Path) -> None:
    for path in api.rglob("*.json"):
        text = path.read_text(encoding="utf-8").lower()
        for bad in ("<script", "javascript:", "onclick=", "<iframe", "<style", "data:text"):
            assert bad not in text, f"{path}: {bad}"


def test_languages_fall_back_to_german_and_say_so(api: Path) -> None:
    behoerden = {b["id"]: b for b in lies(api / "en/orte/wanfried/behoerden.json")["behoerden"]}
    assert behoerden["oe-0321"]["sprache"] == "en"
    assert behoerden["oe-0321"]["name"] == "Town of Wanfried – Citizens' Office and Registry Office"
    assert behoerden["oe-0323"]["sprache"] == "de"  # no English name in the data
    assert behoerden["oe-0323"]["name"] == "Stadt Wanfried – Stadtkasse und Steueramt"
    assert [z["tag_name"] for z in behoerden["oe-0323"]["oeffnungszeiten"]] == [
        "Monday",
        "Tuesday",
        "Thursday",
    ]
    arabisch = lies(api / "ar/leistungen/lb-1116.json")
    assert arabisch["sprache"] == "ar" and arabisch["kosten"][0]["text"].startswith("الرسوم")
    ls = next(e for e in _liste(api, "de-x-ls", "wanfried")["leistungen"] if e["id"] == "lb-1116")
    assert ls["antwort"]["name"] == "Hund anmelden" and ls["antwort"]["sprache"] == "de-x-ls"
    assert ls["seite"] == "/wanfried/leichte-sprache/leistungen/hund-zur-hundesteuer-anmelden--lb-1116/"
    assert ls["antwort"]["onlinedienst"]["titel"] == "Hund im Internet anmelden"


def test_the_short_answer_is_one_or_two_sentences(api: Path) -> None:
    for eintrag in _liste(api, "de", "hessen")["leistungen"]:
        antwort = eintrag["antwort"]
        assert 0 < len(antwort["text"]) <= 300, eintrag["id"]
        assert 1 <= len(saetze(antwort["text"])) <= 2, antwort["text"]
        assert "\n" not in antwort["text"] and "<" not in antwort["text"]


def test_offices_are_in_their_home_place_and_where_a_list_names_them(api: Path, portal: Portal) -> None:
    daheim: dict[str, dict] = {}
    for path in api.glob("de/orte/*/behoerden.json"):
        data = lies(path)
        ort = data["ort"]["schluessel"]
        hier = {b["id"]: b for b in data["behoerden"]}
        for b in data["behoerden"]:
            if b["ort"] == ort:
                assert b["id"] not in daheim, f"{b['id']} has two homes"
                daheim[b["id"]] = b
        for eintrag in lies(path.with_name("leistungen.json"))["leistungen"]:
            for stelle in eintrag["stellen"]:
                assert stelle["name"] == hier[stelle["id"]]["name"], (ort, stelle)
    assert len(daheim) == len(portal.oes)  # each office has exactly one home place
    for path in api.glob("de/orte/*/behoerden.json"):
        for b in lies(path)["behoerden"]:
            assert b == daheim[b["id"]]  # the same record wherever it is listed


def test_lebenslagen_tree_per_place(api: Path, demo_site: Path) -> None:
    baum = lies(api / "de/orte/wanfried/lebenslagen.json")
    assert [z["code"] for z in baum["zielgruppen"]] == ["buerger", "unternehmen"]
    buerger = {ll["code"]: ll for ll in baum["zielgruppen"][0]["lebenslagen"]}
    assert "lb-1116" in buerger["B09"]["leistungen"] and "lb-1116" in buerger["B11"]["leistungen"]
    for z in baum["zielgruppen"]:
        for ll in z["lebenslagen"]:
            assert _pfad(demo_site, ll["seite"]).is_file()
    assert json.dumps(baum, ensure_ascii=False).count('"leistungen"') == sum(
        len(z["lebenslagen"]) for z in baum["zielgruppen"]
    )
