"""A client of the published files only, over HTTP from a local server (the way an app or a chatbot uses the
API): "Which office in Wanfried handles dog tax (Hundesteuer), and when is it open?"."""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def server(demo_site: Path) -> Iterator[str]:
    handler = functools.partial(_Stumm, directory=str(demo_site))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{httpd.server_address[1]}/"
        finally:
            httpd.shutdown()
            thread.join(5)


class _Stumm(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ApiClient:
    """What a chatbot needs: find the place, find the service, walk the place's chain to its responsible
    level, read the office. Everything through URLs the API itself publishes."""

    def __init__(self, base: str, sprache: str = "de") -> None:
        self.base = base
        self.sprache = sprache
        self.abrufe: list[str] = []
        self.index = self.hole("/api/v1/index.json")

    def hole(self, url: str, *, komprimiert: bool = False) -> Any:
        full = urllib.parse.urljoin(self.base, url)
        self.abrufe.append(full)
        with urllib.request.urlopen(full + (".gz" if komprimiert else ""), timeout=10) as resp:
            assert resp.status == 200
            body = resp.read()
        return json.loads(gzip.decompress(body) if komprimiert else body)

    def vorlage(self, name: str, **werte: str) -> str:
        return self.index["vorlagen"][name].format(sprache=self.sprache, **werte)

    def ort(self, name: str) -> dict[str, Any]:
        treffer = [o for o in self.index["orte"] if o["kurzname"].casefold() == name.casefold()]
        assert len(treffer) == 1, treffer
        return treffer[0]

    def finde_leistung(self, ort: dict[str, Any], suchwort: str) -> str:
        """The Land's list names every service: find one by a word in its name, short text or its terms."""
        land = ort["kette"][-1]
        liste = self.hole(self.vorlage("ort_leistungen", ort=land), komprimiert=True)["leistungen"]
        wort = suchwort.casefold()
        treffer = [e for e in liste if wort in e["name"].casefold()]
        treffer = treffer or [e for e in liste if wort in e["kurztext"].casefold()]
        assert treffer, f"nothing about {suchwort}"
        return sorted(treffer, key=lambda e: len(e["name"]))[0]["id"]

    def zustaendig(self, ort: dict[str, Any], leistung_id: str) -> tuple[str, dict[str, Any]]:
        """The first list in the place's chain that names the service has its responsible level."""
        for schluessel in ort["kette"]:
            liste = self.hole(self.vorlage("ort_leistungen", ort=schluessel))
            for eintrag in liste["leistungen"]:
                if eintrag["id"] == leistung_id:
                    return schluessel, eintrag
        raise AssertionError(f"{leistung_id} is in no list of {ort['kette']}")

    def frage(self, ortsname: str, suchwort: str) -> dict[str, Any]:
        ort = self.ort(ortsname)
        schluessel, leistung = self.zustaendig(ort, self.finde_leistung(ort, suchwort))
        # the offices a list names are in the behoerden.json of the same place
        behoerden = self.hole(self.vorlage("ort_behoerden", ort=schluessel))["behoerden"]
        stelle = next(b for b in behoerden if b["id"] == leistung["stellen"][0]["id"])
        zeiten: dict[str, list[str]] = {}
        for z in stelle["oeffnungszeiten"]:
            zeiten.setdefault(z["tag_name"], []).append(f"{z['von']}–{z['bis']}")
        return {
            "leistung": leistung["name"],
            "ebene": leistung["zustaendigkeit"]["ebene"],
            "stelle": stelle["name"],
            "anschrift": f"{stelle['anschrift']['strasse']} {stelle['anschrift']['hausnummer']}, "
            f"{stelle['anschrift']['plz']} {stelle['anschrift']['ort']}",
            "telefon": next((k["kennung"] for k in stelle["kontakt"] if k["kanal"] == "telefon"), None),
            "geoeffnet": zeiten,
            "hinweis": stelle["oeffnungszeiten_hinweis"],
            "antwort": leistung["antwort"],
        }


def test_which_office_in_wanfried_handles_dog_tax_and_when_is_it_open(server: str) -> None:
    client = ApiClient(server)
    antwort = client.frage("Wanfried", "Hundesteuer")
    assert antwort["leistung"] == "Hund zur Hundesteuer anmelden"
    assert antwort["ebene"] == "gemeinde"
    assert antwort["stelle"] == "Stadt Wanfried – Ordnungs- und Gewerbeamt"
    assert antwort["anschrift"] == "Marktstraße 2, 37281 Wanfried"
    assert antwort["telefon"] == "+49 5655 000-140"
    # the office has no fixed opening hours in the data; the page says what the data says, and so does the API
    assert antwort["geoeffnet"] == {}
    assert antwort["hinweis"] == "Sprechzeiten nach Vereinbarung."
    kurz = antwort["antwort"]
    assert kurz["gebuehr"] == "Gebühr: 50,00\xa0€ bis 900,00\xa0€"
    assert kurz["onlinedienst"]["url"] == "https://service.example-gemeinde.hessen.de/hundesteuer-anmeldung"
    assert kurz["text"].startswith("Wenn Sie einen Hund halten") and len(kurz["text"]) <= 300
    assert kurz["stelle"] == antwort["stelle"]
    # index, the Land's list (pre-compressed), Wanfried's list, Wanfried's offices: four requests
    assert len(client.abrufe) == 4


def test_opening_hours_of_the_office_for_an_id_card(server: str) -> None:
    antwort = ApiClient(server).frage("Wanfried", "Personalausweis beantragen")
    assert antwort["stelle"] == "Stadtverwaltung Wanfried – Bürgerbüro und Standesamt"
    assert antwort["geoeffnet"] == {
        "Montag": ["08:00–12:00"],
        "Dienstag": ["08:00–12:00"],
        "Donnerstag": ["08:00–12:00", "14:00–18:00"],
        "Freitag": ["08:00–12:00"],
    }


def test_a_kreis_service_is_found_along_the_chain_in_english(server: str) -> None:
    client = ApiClient(server, "en")
    antwort = client.frage("Wanfried", "vehicle")
    assert antwort["ebene"] == "kreis"
    assert antwort["stelle"].startswith("Werra-Meissner District")
    assert any("/werra-meissner-kreis/leistungen.json" in url for url in client.abrufe)
    assert "Monday" in antwort["geoeffnet"] or antwort["hinweis"]
