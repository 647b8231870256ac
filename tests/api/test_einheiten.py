"""Units (einheiten.py): a build computes only the service descriptions and places whose inputs changed, and
its output is always that of a build from scratch."""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import pytest

from content_sync.sync import run_sync
from plugins.content_api.ausgabe import Statistik, daten_bytes, eintrag_bytes, liste_bytes
from plugins.content_api.content_api import plane
from plugins.content_api.einheiten import STAND
from tests.conftest import DEMO, ROOT

from .conftest import api_bauen, baum, mtimes, portal_aus

TEASER = "stellt Ihnen die Gemeinde sofort einen vorläufigen Personalausweis aus"  # LB-1002's, in nacht-1


@pytest.fixture
def gebaut(tmp_path: Path, demo_store: Path) -> tuple[Path, Path, Statistik]:
    """A copy of the demo store and the API built from it (from scratch)."""
    store = tmp_path / "p.sqlite"
    shutil.copyfile(demo_store, store)
    out = tmp_path / "out"
    return store, out, api_bauen(store, out)


def einheiten_je_sprache(store: Path) -> tuple[int, int]:
    """(units of one language: a description per service, each place's lists and its offices; languages)."""
    portal = portal_aus(store)
    return len(portal.leistungen) + 2 * len(portal.subsites), len(portal.settings.sprachen)


def test_a_build_from_scratch_computes_every_unit(gebaut: tuple[Path, Path, Statistik]) -> None:
    store, out, first = gebaut
    je_sprache, sprachen = einheiten_je_sprache(store)
    assert first.berechnet == je_sprache * sprachen and first.uebersprungen == 0
    assert (out / STAND).is_file()


def test_unchanged_input_computes_no_unit_and_touches_no_file(gebaut: tuple[Path, Path, Statistik]) -> None:
    store, out, first = gebaut
    inhalt, zeiten = baum(out / "api"), mtimes(out / "api")
    again = api_bauen(store, out)
    assert again.berechnet == 0 and again.uebersprungen == first.berechnet
    assert again.geschrieben == 0 and again.unveraendert == again.dateien == first.dateien
    assert (again.bytes, again.nach_art) == (first.bytes, first.nach_art)
    assert baum(out / "api") == inhalt and mtimes(out / "api") == zeiten


def _aendere_teaser(store: Path, tmp: Path) -> None:
    """The next night changes one service's teaser: its document again, with that one text changed."""
    quelle = tmp / "nacht"
    quelle.mkdir()
    text = (DEMO / "nacht-1" / "leistungen-01.xml").read_text(encoding="utf-8")
    assert text.count(TEASER) == 1
    neu = text.replace(TEASER, "gibt Ihnen die Gemeinde gleich einen vorläufigen Personalausweis")
    (quelle / "leistungen-01.xml").write_text(neu, encoding="utf-8")
    assert run_sync(str(quelle), store).ok


def test_a_changed_service_computes_only_the_units_that_show_it(
    gebaut: tuple[Path, Path, Statistik], tmp_path: Path
) -> None:
    store, out, first = gebaut
    fremd = out / "api/v1/de/orte/hessen/behoerden.json"  # no service's text is in an office list
    zeit = fremd.stat().st_mtime_ns
    _aendere_teaser(store, tmp_path)

    stats = api_bauen(store, out)
    portal = portal_aus(store)
    lb = next(lb for lb in portal.leistungen.values() if lb.ref.id == "LB-1002")
    orte = [p for p in plane(portal) if any(a.leistung.ref.key == lb.ref.key for a in p.eigene)]
    assert 1 < len(orte) < len(portal.subsites)
    # per language its description and the lists of each place whose own list has it (not their offices)
    assert stats.berechnet == len(portal.settings.sprachen) * (1 + len(orte))
    assert stats.uebersprungen == first.berechnet - stats.berechnet
    assert 0 < stats.geschrieben < stats.dateien / 10
    assert "gibt Ihnen die Gemeinde gleich" in (out / "api/v1/de/leistungen/lb-1002.json").read_text("utf-8")
    assert fremd.stat().st_mtime_ns == zeit

    full = tmp_path / "full"
    api_bauen(store, full)
    assert baum(out) == baum(full)  # the files, the manifest and the units' record


def test_a_changed_api_setting_computes_everything(
    gebaut: tuple[Path, Path, Statistik], tmp_path: Path
) -> None:
    store, out, first = gebaut
    stats = api_bauen(store, out, kurztext_zeichen=60)
    assert stats.berechnet == first.berechnet and stats.uebersprungen == 0
    assert stats.geschrieben > 0
    full = tmp_path / "full"
    api_bauen(store, full, kurztext_zeichen=60)
    assert baum(out) == baum(full)


def test_a_changed_catalog_computes_every_unit_of_its_language(
    gebaut: tuple[Path, Path, Statistik], tmp_path: Path
) -> None:
    store, out, _first = gebaut
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme" / "translations", theme / "translations")
    assert api_bauen(store, out, theme=theme).berechnet == 0  # the same catalogs elsewhere
    po = theme / "translations/en/LC_MESSAGES/messages.po"
    mo = po.with_suffix(".mo")
    po.write_text(po.read_text("utf-8").replace('msgstr "free of charge"', 'msgstr "at no cost"'), "utf-8")
    os.utime(po, ns=(mo.stat().st_mtime_ns + 10**9,) * 2)  # newer than its .mo: compiled again

    stats = api_bauen(store, out, theme=theme)
    je_sprache, sprachen = einheiten_je_sprache(store)
    assert stats.berechnet == je_sprache  # English only: the other languages do not use its catalog
    assert stats.uebersprungen == je_sprache * (sprachen - 1)
    assert "at no cost" in (out / "api/v1/en/orte/wanfried/leistungen.json").read_text("utf-8")
    full = tmp_path / "full"
    api_bauen(store, full, theme=theme)
    assert baum(out) == baum(full)


@pytest.mark.parametrize(
    "datei", ["api/v1/de/leistungen/lb-1116.json", "api/v1/en/orte/wanfried/behoerden.csv.gz"]
)
def test_a_deleted_file_of_an_unchanged_unit_is_written_again(
    gebaut: tuple[Path, Path, Statistik], datei: str
) -> None:
    store, out, _first = gebaut
    vorher = (out / datei).read_bytes()
    (out / datei).unlink()
    stats = api_bauen(store, out)
    assert stats.berechnet == 1 and stats.geschrieben == 1
    assert (out / datei).read_bytes() == vorher


@pytest.mark.parametrize(
    "kaputt",
    [b"{not json", b'{"format": 99, "einheiten": {}}', b'{"format": 1, "einheiten": {"x": {"digest": 1}}}'],
)
def test_an_unreadable_record_of_units_computes_everything(
    gebaut: tuple[Path, Path, Statistik], caplog: pytest.LogCaptureFixture, kaputt: bytes
) -> None:
    store, out, first = gebaut
    inhalt = baum(out / "api")
    (out / STAND).write_bytes(kaputt)
    with caplog.at_level(logging.WARNING):
        stats = api_bauen(store, out)
    assert "unreadable" in caplog.text
    assert stats.berechnet == first.berechnet and stats.uebersprungen == 0
    assert stats.geschrieben == 0 and baum(out / "api") == inhalt
    assert api_bauen(store, out).berechnet == 0  # recorded again


def test_a_record_that_disagrees_with_the_manifest_computes_the_unit(
    gebaut: tuple[Path, Path, Statistik],
) -> None:
    """As after a build that died between writing the manifest and the record: the files are not what the
    record says, so the unit is computed."""
    store, out, _first = gebaut
    data = json.loads((out / STAND).read_text("utf-8"))
    eintrag = data["einheiten"]["de/leistungen/lb-1116.json"]["dateien"]["api/v1/de/leistungen/lb-1116.json"]
    eintrag[1] = "0" * 64
    (out / STAND).write_text(json.dumps(data), "utf-8")
    stats = api_bauen(store, out)
    assert stats.berechnet == 1 and stats.geschrieben == 0


def test_a_place_computed_again_carries_its_unchanged_list_entries_over(
    gebaut: tuple[Path, Path, Statistik], tmp_path: Path
) -> None:
    """A changed service changes one entry in each list that has it; the rest of each list is taken from the
    last build's files, and the files are those of a build from scratch."""
    store, out, first = gebaut
    assert first.eintraege_alt == 0 and first.eintraege_neu > 0
    _aendere_teaser(store, tmp_path)
    stats = api_bauen(store, out)
    portal = portal_aus(store)
    orte = [p for p in plane(portal) if any(a.leistung.ref.id == "LB-1002" for a in p.eigene)]
    sprachen = len(portal.settings.sprachen)
    assert stats.eintraege_neu == sprachen * len(orte)  # the changed entry of each list, nothing else
    assert stats.eintraege_alt == sprachen * sum(len(p.eigene) - 1 for p in orte) > 0
    full = tmp_path / "full"
    api_bauen(store, full)
    assert baum(out) == baum(full)


@pytest.mark.parametrize("datei", ["leistungen.json", "leistungen.csv"])
def test_a_list_changed_by_hand_is_made_again_entry_by_entry(
    gebaut: tuple[Path, Path, Statistik], tmp_path: Path, datei: str
) -> None:
    """Entries are carried over only from files that are the bytes the last build recorded: a list edited
    since (here: a name in it) is not a source, every entry of that place is made again."""
    store, out, _first = gebaut
    _aendere_teaser(store, tmp_path)
    liste = out / "api/v1/de/orte/wanfried" / datei
    text = liste.read_bytes().decode("utf-8")  # read_text would turn the CSV's CRLF into LF
    anzahl = len(
        json.loads((out / "api/v1/de/orte/wanfried/leistungen.json").read_text("utf-8"))["leistungen"]
    )
    assert "Personalausweis beantragen" in text
    liste.write_bytes(text.replace("Personalausweis beantragen", "Ausweis von Hand").encode("utf-8"))
    stats = api_bauen(store, out)
    portal = portal_aus(store)
    orte = [p for p in plane(portal) if any(a.leistung.ref.id == "LB-1002" for a in p.eigene)]
    assert "wanfried" in {p.subsite.path.strip("/") for p in orte}
    # wanfried's German list whole; in each other list (wanfried's in other languages too) the changed entry
    assert stats.eintraege_neu == anzahl + len(portal.settings.sprachen) * len(orte) - 1
    full = tmp_path / "full"
    api_bauen(store, full)
    assert baum(out) == baum(full)


@pytest.mark.parametrize(
    "kopf",
    [
        {"$schema": "s", "kette": [{"a": 1}], "ort": {"name": "Wanfried, Stadt"}, "sprache": "de"},
        {"ort": "nur danach", "z": None},
        {"a": "nur davor", "b": ["ä", "\u2028", '"leistungen":[]']},
        {},
    ],
)
@pytest.mark.parametrize("anzahl", [0, 1, 3])
def test_a_list_is_written_as_its_entries_side_by_side(kopf: dict[str, object], anzahl: int) -> None:
    """The bytes of a place's list made from its entries' bytes are those of dumping it whole, and the
    recorded offsets cut the entries out again."""
    eintraege = [
        {"id": f"l-{i}", "name": f"Eintrag {i} – „ä“", "z": [i, None, {"b": 1, "a": 2}]}
        for i in range(anzahl)
    ]
    teile = [eintrag_bytes(e) for e in eintraege]
    data, ab = liste_bytes(kopf, "leistungen", teile)
    assert data == daten_bytes({**kopf, "leistungen": eintraege})
    pos = ab
    for teil in teile:
        assert data[pos : pos + len(teil)] == teil
        pos += len(teil) + 1
    assert data[ab - 1 : ab] == b"["
    with pytest.raises(ValueError, match="both"):
        liste_bytes({"leistungen": []}, "leistungen", teile)


@pytest.mark.parametrize(("fehler", "sprache"), [("ab", "de"), ("laenge", "en")])
def test_a_record_whose_offsets_do_not_fit_the_list_makes_every_entry(
    gebaut: tuple[Path, Path, Statistik],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    fehler: str,
    sprache: str,
) -> None:
    """The offsets come from the record, the bytes from the file: should they not fit (a record written by
    a faulty build), nothing is cut out of the list at the wrong place: its entries are made again. (One
    case a language: Pelican's log filter drops a warning it has given before.)"""
    store, out, _first = gebaut
    data = json.loads((out / STAND).read_text("utf-8"))
    liste = data["einheiten"][f"{sprache}/orte/wanfried/"]["liste"]
    if fehler == "ab":
        liste["ab"] += 1
    else:
        liste["eintraege"][0][2] += 1
    (out / STAND).write_text(json.dumps(data), "utf-8")
    _aendere_teaser(store, tmp_path)
    anzahl = len(liste["eintraege"])
    with caplog.at_level(logging.WARNING):
        stats = api_bauen(store, out)
    liste_json, liste_csv = (f"api/v1/{sprache}/orte/wanfried/leistungen.{e}" for e in ("json", "csv"))
    assert f"{liste_json} and {liste_csv} do not match their record" in caplog.text
    portal = portal_aus(store)
    orte = [p for p in plane(portal) if any(a.leistung.ref.id == "LB-1002" for a in p.eigene)]
    assert stats.eintraege_neu == anzahl + len(portal.settings.sprachen) * len(orte) - 1
    full = tmp_path / "full"
    api_bauen(store, full)
    assert baum(out) == baum(full)
