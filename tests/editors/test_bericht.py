"""The nightly report shows per changed service what changed in its text: a word diff per section and language
(JSON and the HTML page, which passes the Nu HTML Checker)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from content_sync.models import Frist, Mehrsprachig, Textmodul, Zeiteinheit
from content_sync.xzufi.write import leistung_element, message
from plugins.nightly import diff, report
from tests.editors.conftest import KLEIN, sync, versionen, vnu


def bericht(store: Path, run_id: int) -> dict[str, Any]:
    """The report of a run as the nightly job writes it (the parts the page needs)."""
    data = report.collect(store, run_id, pelican_settings=KLEIN)
    return {
        "lauf": "20261127T023000Z",
        "ergebnis": "ok",
        "exit_code": 0,
        "fehlgeschlagener_schritt": None,
        "fehler": None,
        "gestartet": "2026-11-27T03:30:00+01:00",
        "beendet": "2026-11-27T03:31:00+01:00",
        "quelle": "demo",
        "release": "20261127T023000Z",
        "live_vorher": None,
        "live_nachher": "20261127T023000Z",
        "schritte": [],
        "sync": None,
        "build": {"seiten": 1, "gerendert": 1, "geloescht": 0},
        "pruefung": None,
        **data,
    }


def geaendert(r: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["key"]: e for e in r["aenderungen"]["Leistung"]["geaendert"]}


@pytest.fixture(scope="module")
def nacht_2(zwei_naechte: Path) -> dict[str, Any]:
    return bericht(zwei_naechte, 2)


def test_each_changed_service_says_what_changed(nacht_2: dict[str, Any]) -> None:
    changed = geaendert(nacht_2)
    assert set(changed) == {"DEMO-HE:LB-1001", "DEMO-HE:LB-1009", "DEMO-HE:LB-1012"}
    assert changed["DEMO-HE:LB-1001"]["aenderung"]["zusammenfassung"] == ["Kosten geändert"]
    assert changed["DEMO-HE:LB-1012"]["aenderung"]["abschnitte"] == ["bearbeitungsdauer"]
    perso = changed["DEMO-HE:LB-1001"]["aenderung"]["unterschiede"]
    assert [(u["abschnitt"], u["sprache"], u["art"]) for u in perso] == [
        ("kosten", "de", "geaendert"),
        ("kosten", "en", "geaendert"),
    ]
    assert ["-", "15,00"] in perso[0]["diff"] and ["+", "17,50"] in perso[0]["diff"]
    assert ["-", "15.00."] in perso[1]["diff"] and ["+", "17.50."] in perso[1]["diff"]
    melde = changed["DEMO-HE:LB-1009"]["aenderung"]["unterschiede"]
    assert any(u["sprache"] is None and ["+", "8,00"] in u["diff"] for u in melde)  # the amount itself
    # new and removed services have no diff; the report is JSON as it is written
    assert all("aenderung" not in e for e in nacht_2["aenderungen"]["Leistung"]["neu"])
    assert json.loads(json.dumps(nacht_2, ensure_ascii=False)) == nacht_2


def test_the_page_shows_the_diff_with_labels_for_screen_readers(
    nacht_2: dict[str, Any], tmp_path: Path
) -> None:
    html = report.render_html(nacht_2, css="../")
    assert (
        '<del><span class="kern-sr-only">entfernt: </span>15,00</del> '
        '<ins><span class="kern-sr-only">neu: </span>17,50</ins>'
    ) in html
    # the English diff is marked as English, its labels as German
    assert '<p class="kern-body" lang="en">' in html
    assert '<span class="kern-sr-only" lang="de">neu: </span>17.50.</ins>' in html
    assert "Personalausweis beantragen</a> <code>DEMO-HE:LB-1001</code>: Kosten geändert" in html
    assert "(Englisch, geändert)" in html and "(alle Sprachen, geändert)" in html
    assert 'href="../redaktion/datenqualitaet/"' in html  # the editors' data-quality page
    page = tmp_path / "bericht" / "index.html"
    page.parent.mkdir()
    page.write_text(html, encoding="utf-8")
    assert vnu(tmp_path, ["bericht/index.html"]) == []


def test_the_number_of_diffs_is_bounded(zwei_naechte: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(diff, "DIFF_LIMIT", 1)
    r = bericht(zwei_naechte, 2)
    entries = r["aenderungen"]["Leistung"]["geaendert"]
    assert [bool(e["aenderung"]["unterschiede"]) for e in entries] == [True, False, False]
    assert [e["aenderung"]["gekuerzt"] for e in entries] == [False, True, True]
    assert entries[2]["aenderung"]["zusammenfassung"] == ["Bearbeitungsdauer geändert"]  # the summary stays
    assert "Wortvergleich nur für die ersten Leistungen" in report.render_html(r, css="../")


def test_a_changed_name_and_new_deadlines_from_a_real_sync(
    zwei_naechte: Path, store_copy: Callable[[Path], Path], source_dir: Callable[..., Path], tmp_path: Path
) -> None:
    store = store_copy(zwei_naechte)
    (alt,) = versionen(store, "DEMO-HE:LB-1003")
    texte = dict(alt.texte)
    texte[Textmodul.LEISTUNGSNAME] = Mehrsprachig(
        {**alt.text(Textmodul.LEISTUNGSNAME).root, "de": "Reisepass für Erwachsene beantragen"}
    )
    neu = alt.model_copy(
        update={
            "texte": texte,
            "fristen": (Frist(dauer=6, einheit=Zeiteinheit.MONAT),),
            "fristen_text": Mehrsprachig(
                {
                    "de": "<p>Beantragen Sie den Pass <em>sechs Monate</em> vor der Reise.</p>",
                    "ar": "<p>قبل ستة أشهر</p>",
                }
            ),
        }
    )
    xml = message([leistung_element(neu)], erstellt=datetime(2026, 11, 28, 2, 0), nachricht_id="nacht-3")
    assert sync(source_dir(("leistungen.xml", xml)), store) == 3
    r = bericht(store, 3)
    (entry,) = r["aenderungen"]["Leistung"]["geaendert"]
    assert entry["name"] == "Reisepass für Erwachsene beantragen"
    a = entry["aenderung"]
    assert a["abschnitte"] == ["name", "fristen"]
    assert a["zusammenfassung"] == ["Name geändert", "Fristen geändert"]
    fristen = {u["sprache"]: u for u in a["unterschiede"] if u["abschnitt"] == "fristen"}
    assert fristen[None]["diff"] == [["+", "6 Monate"]] and fristen[None]["art"] == "neu"
    assert fristen["de"]["diff"] == [["+", "Beantragen Sie den Pass sechs Monate vor der Reise."]]
    html = report.render_html(r, css="../")
    assert '<p class="kern-body" lang="ar" dir="rtl">' in html
    page = tmp_path / "bericht.html"
    page.write_text(html, encoding="utf-8")
    assert vnu(tmp_path, ["bericht.html"]) == []
