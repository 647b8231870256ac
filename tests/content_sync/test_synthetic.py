"""The Hessen-scale synthetic export (content_sync.synthetic), at a small scale."""

from __future__ import annotations

import filecmp
import re
import shutil
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from content_sync.cli import EXIT_OK, main
from content_sync.gebiete import verzeichnis
from content_sync.models import (
    GebietArt,
    Leistung,
    Onlinedienst,
    Organisationseinheit,
    Textmodul,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.store import Store
from content_sync.sync import run_sync
from content_sync.synthetic import AGENCY, DEFAULT_SEED, erzeugung, plan, textbank, write_hessen_export
from content_sync.xzufi import Loesche, Quarantaene, Schreibe, Warnung, iter_document
from tests.conftest import DEMO

SCALE = 0.02
GEMEINDEN = [g for g in verzeichnis().by_art(GebietArt.GEMEINDE) if g.bevoelkerung]
KREISFREIE = [g for g in GEMEINDEN if g.kreisfrei]
KREISE = verzeichnis().by_art(GebietArt.KREIS)


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> tuple[Path, dict]:
    target = tmp_path_factory.mktemp("hessen")
    return target, write_hessen_export(target, scale=SCALE)


def read_export(folder: Path) -> tuple[dict[str, list], list]:
    """Every event of the documents listed in index.txt, per class; fails on anything not clean."""
    objects: dict[str, list] = defaultdict(list)
    deletes = []
    names = [n for n in (folder / "index.txt").read_text("utf-8").splitlines() if n and not n.startswith("#")]
    for name in names:
        with (folder / name).open("rb") as fh:
            for event in iter_document(fh, name):
                assert not isinstance(event, Quarantaene | Warnung), event
                if isinstance(event, Loesche):
                    deletes.append(event)
                    continue
                assert isinstance(event, Schreibe)
                objects[event.klasse].append(event.obj)
                if event.klasse == "Organisationseinheit":
                    objects["eingebettet"].extend(event.eingebettet)
    return objects, deletes


def test_same_seed_same_bytes(export, tmp_path):
    first, _ = export
    write_hessen_export(tmp_path, scale=SCALE)
    for night in ("nacht-1", "nacht-2"):
        files = sorted(p.name for p in (first / night).iterdir())
        assert files == sorted(p.name for p in (tmp_path / night).iterdir())
        _, mismatch, errors = filecmp.cmpfiles(first / night, tmp_path / night, files, shallow=False)
        assert (mismatch, errors) == ([], [])
    other = tmp_path / "other-seed"
    write_hessen_export(other, seed=7, scale=SCALE)
    assert (other / "nacht-1" / "leistungen-01.xml").read_bytes() != (
        first / "nacht-1" / "leistungen-01.xml"
    ).read_bytes()


def test_counts_scale_as_specified(export):
    folder, result = export
    assert (result["Leistung"], result["Onlinedienst"]) == (round(3600 * SCALE), round(3200 * SCALE))
    assert result["leistungen_je_ebene"] == {"gemeinde": 7, "kreis": 6, "rp": 1, "land": 58}
    # one office per Gemeinde at least: below scale ~0.04 the floor, not 11,250 * scale
    floor = len(GEMEINDEN) + len(KREISE) + len(KREISFREIE) + 3 + round(150 * SCALE)
    assert result["Organisationseinheit"] == max(round(11250 * SCALE), floor) == floor
    z = result["zustaendigkeiten_je_ebene"]
    assert z == {
        "gemeinde": 7 * len(GEMEINDEN),
        "kreis": 6 * (len(KREISE) + len(KREISFREIE)),
        "rp": 1 * 3,
        "land": 58,
        "onlinedienst": result["Onlinedienst"],
    }
    assert result["Zustaendigkeit"] == sum(z.values())
    assert 0.25 <= result["sprachen"]["en"] / result["Leistung"] <= 0.4
    assert result["sprachen"]["de-x-ls"] >= 1
    listed = [n for n in (folder / "nacht-1" / "index.txt").read_text("utf-8").splitlines() if n[:1] != "#"]
    assert result["files"] == {"nacht-1": len(listed), "nacht-2": 3}
    assert sorted(p.name for p in (folder / "nacht-1").glob("*.xml")) == sorted(listed)


def test_full_scale_plan():
    """The plan of the full scale (nothing written): the counts of the brief."""
    p = plan(scale=1.0)
    assert (len(p.nacht_1), len(p.onlinedienste), len(p.bueros)) == (3600, 3200, 11250)
    per_level = Counter(lb.ebene for lb in p.nacht_1)
    assert per_level == {"gemeinde": 350, "kreis": 300, "rp": 40, "land": 2910}
    zst = {e: len(p.einheiten[e]) * per_level[e] for e in per_level}
    assert zst == {"gemeinde": 350 * 422, "kreis": 300 * 26, "rp": 40 * 3, "land": 2910}
    total = sum(zst.values()) + len(p.onlinedienste)
    assert 150_000 <= total <= 165_000
    assert zst["gemeinde"] / total > 0.8
    offices = Counter(len(e.bueros) for e in p.einheiten["gemeinde"])
    assert min(offices) >= 4, "Bürgerbüro, Standesamt, Ordnungsamt, Kasse at least"
    frankfurt = next(e for e in p.einheiten["gemeinde"] if e.gebiet == "064120000000")
    assert len(frankfurt.bueros) == max(offices), "the biggest place has the most offices"
    assert len(p.geaendert) == 36 and len(p.neu) == 5 and len(p.geloescht) == 5


def test_documents_parse_and_proportions(export):
    folder, result = export
    objects, deletes = read_export(folder / "nacht-1")
    assert not deletes
    leistungen: list[Leistung] = objects["Leistung"]
    zst: list[Zustaendigkeit] = objects["Zustaendigkeit"] + objects["eingebettet"]
    assert len(leistungen) == result["Leistung"]
    assert len(objects["Onlinedienst"]) == result["Onlinedienst"]
    assert len(objects["Organisationseinheit"]) == result["Organisationseinheit"]
    assert len(zst) == result["Zustaendigkeit"]
    # ids and LeiKa keys: unique, ours, not the demo's
    for klasse in ("Leistung", "Onlinedienst", "Organisationseinheit"):
        refs = [o.ref for o in objects[klasse]]
        assert {r.agency for r in refs} == {AGENCY}
        assert len({r.id for r in refs}) == len(refs)
    assert len({z.ref.key for z in zst}) == len(zst)
    keys = [k for lb in leistungen for k in lb.leika]
    assert len(set(keys)) == len(keys) and all(re.fullmatch(r"99\d{12}", k) for k in keys)
    demo_keys = set()
    for f in (DEMO / "nacht-1").glob("leistungen-*.xml"):
        demo_keys |= set(re.findall(r"<code>(99\d{12})</code>", f.read_text("utf-8")))
    assert demo_keys and not demo_keys & set(keys)
    # Zustaendigkeiten: every Gemeinde with inhabitants, every Kreis and kreisfreie Stadt; the proportions
    vz = verzeichnis()
    level: Counter[str] = Counter()
    for z in zst:
        g = vz.get(z.gebiete[0])
        assert g is not None
        if z.ziel_art is ZielArt.ONLINEDIENST:
            level["onlinedienst"] += 1
        elif z.eingebettet:  # Gemeinde offices carry their Zustaendigkeiten
            assert g.art is GebietArt.GEMEINDE and g.bevoelkerung
            level["gemeinde"] += 1
        else:  # transfer objects: Kreis (or kreisfreie Stadt), Regierungsbezirk, Land
            level[{12: "kreis", 3: "rp", 2: "land"}[len(z.gebiete[0])]] += 1
    assert dict(level) == result["zustaendigkeiten_je_ebene"]
    total = sum(level.values())
    assert level["gemeinde"] / total > 0.8
    assert 0.02 < level["kreis"] / total < 0.1
    embedded_gebiete = {z.gebiete[0] for z in objects["eingebettet"]}
    assert embedded_gebiete == {g.ars for g in GEMEINDEN}
    kreis_gebiete = {
        z.gebiete[0]
        for z in objects["Zustaendigkeit"]
        if z.ziel_art is ZielArt.ORGANISATIONSEINHEIT and len(z.gebiete[0]) == 12
    }
    assert kreis_gebiete == {g.ars for g in KREISE} | {g.ars for g in KREISFREIE}
    # Lebenslagen and languages
    codes = {k.id for lb in leistungen for k in lb.kategorien}
    assert codes and all(re.fullmatch(r"[BU]\d\d", c) for c in codes)
    assert Counter(lang for lb in leistungen for lang in lb.namen.sprachen)["de"] == len(leistungen)


def test_texts_are_varied_within_the_demo_spread(export):
    folder, _ = export
    objects, _ = read_export(folder / "nacht-1")
    leistungen: list[Leistung] = objects["Leistung"]
    names = [lb.namen.de for lb in leistungen]
    assert len(set(names)) == len(names)
    bank = textbank()
    inside = total = 0
    for modul in (Textmodul.VOLLTEXT, Textmodul.UNTERLAGEN, Textmodul.VERFAHRENSABLAUF):
        texts = [lb.text(modul).de for lb in leistungen if lb.text(modul).de]
        assert len(set(texts)) == len(texts), f"{modul.name}: every text differs"
        demo = bank.laengen[(modul, "de")]
        inside += sum(demo[0] <= len(t) <= demo[-1] for t in texts)
        total += len(texts)
        assert 0.7 <= statistics.median(len(t) for t in texts) / statistics.median(demo) <= 1.3
    assert inside / total >= 0.9


def test_offices_sit_in_their_gemeinde(export):
    folder, _ = export
    objects, _ = read_export(folder / "nacht-1")
    offices: list[Organisationseinheit] = objects["Organisationseinheit"]
    vz = verzeichnis()
    for o in offices:
        a = o.anschriften[0]
        g = vz.get(a.ars or "")
        assert g is not None and g.art is GebietArt.GEMEINDE
        assert a.plz in g.plz and a.ort == g.kurzname and a.strasse and a.hausnummer
        mails = [k.kennung for k in o.kommunikation if k.kanal.value == "email"]
        assert mails and all(m.endswith(".example") for m in mails)
        assert any("000-" in k.kennung for k in o.kommunikation if k.kanal.value == "telefon")
    assert sum(1 for o in offices if o.oeffnungszeiten) > len(offices) / 2


def test_sync_reports_exactly_the_delta(export, store_path):
    folder, result = export
    first = run_sync(str(folder / "nacht-1"), store_path)
    assert first.ok, first.error
    assert first.counts.quarantined == 0 and first.counts.warnings == 0
    assert first.counts.per_klasse == {
        klasse: {"new": result[klasse]}
        for klasse in ("Leistung", "Onlinedienst", "Organisationseinheit", "Zustaendigkeit")
    }
    second = run_sync(str(folder / "nacht-2"), store_path)
    assert second.ok, second.error
    assert second.counts.quarantined == 0 and second.counts.warnings == 0
    delta = result["nacht_2"]
    got = {
        klasse: {k: n for k, n in bucket.items() if k != "unchanged"}
        for klasse, bucket in second.counts.per_klasse.items()
    }
    assert {k: v for k, v in got.items() if v} == delta
    assert delta["Leistung"] == {"changed": 1, "new": 5, "deleted": 5}
    assert delta["Organisationseinheit"] == {"changed": 10}

    p = plan(scale=SCALE)
    with Store(store_path, readonly=True) as store:
        for lb in p.geloescht:
            assert store.get(Leistung, lb.ref) is None
            assert not [z for z in store.zustaendigkeiten() if z.leistung == lb.ref]
        for lb in p.neu:
            assert store.get(Leistung, lb.ref) is not None
            assert any(z.leistung == lb.ref for z in store.zustaendigkeiten())
        for lb in p.geaendert:
            assert store.history("Leistung", lb.ref.key)[-1]["change"] == "changed"
        for o in p.umbenannt:
            assert store.get(Organisationseinheit, o.ref).namen.de != o.name_de
        for o in p.umgezogen:
            versions = store.versions(Organisationseinheit, o.ref.key)
            assert versions[-1].anschriften[0] != versions[-2].anschriften[0]
        assert store.counts()["Leistung"] == result["Leistung"]
        od_left = {od.ref.key for od in store.onlinedienste()}
        assert all(isinstance(od, Onlinedienst) for od in store.onlinedienste())
        assert len(od_left) == result["Onlinedienst"] - delta.get("Onlinedienst", {}).get("deleted", 0)


def test_cli_generate_hessen(tmp_path, capsys):
    assert main(["generate-hessen", "--out", str(tmp_path), "--scale", "0.01", "--seed", "3"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "36 Leistungen" in out and "Organisationseinheiten" in out and " s" in out
    assert (tmp_path / "nacht-1" / "index.txt").exists() and (tmp_path / "nacht-2" / "index.txt").exists()
    with pytest.raises(SystemExit):
        main(["generate-hessen", "--scale", "-1"])


def test_the_benchmark_writes_the_export_again_for_another_scale(export, tmp_path):
    """The export records the scale it was written with; portal bench build writes it again when asked for
    another scale (it used to measure a full-scale export left in demo/hessen under --scale 0.02), and uses
    an export without that record (someone's own) as it is."""

    from plugins.portal_pages.bench import muss_erzeugen

    target, _counts = export
    assert erzeugung(target) == {"scale": SCALE, "seed": DEFAULT_SEED}
    assert not muss_erzeugen(target, SCALE, regenerate=False)
    assert muss_erzeugen(target, 1.0, regenerate=False)
    assert muss_erzeugen(target, SCALE, regenerate=True)
    assert muss_erzeugen(tmp_path / "nothing", SCALE, regenerate=False)
    eigene = tmp_path / "eigene"
    shutil.copytree(target / "nacht-1", eigene / "nacht-1")
    assert erzeugung(eigene) is None and not muss_erzeugen(eigene, 1.0, regenerate=False)
