"""The bundled demo export: night 1, night 1 again, and "the next night"."""

from __future__ import annotations

import yaml

from content_sync.models import Leistung, Organisationseinheit, Textmodul
from content_sync.store import Store
from content_sync.sync import run_sync, summary
from tests.conftest import DEMO, ROOT

SOURCE = ROOT / "demo" / "source"


def demo_source():
    leistungen = []
    for f in sorted((SOURCE / "leistungen").glob("*.yaml")):
        leistungen += yaml.safe_load(f.read_text("utf-8"))
    orte = yaml.safe_load((SOURCE / "orte.yaml").read_text("utf-8"))
    nacht2 = yaml.safe_load((SOURCE / "naechste-nacht.yaml").read_text("utf-8"))
    return leistungen, orte, nacht2


def test_demo_data_meets_the_brief():
    leistungen, orte, _ = demo_source()
    assert len(leistungen) >= 80
    english = [e for e in leistungen if "en" in e["texte"]]
    leichte = [e for e in leistungen if "de-x-ls" in e["texte"]]
    assert len(english) * 3 >= len(leistungen), "English for at least a third"
    assert len(leichte) >= 5, "Leichte Sprache for at least five"
    assert sum(len(e.get("onlinedienste", [])) for e in leistungen) >= 20
    assert {"buerger", "unternehmen"} <= {a for e in leistungen for a in e["adressat"]}
    assert all(e["lebenslagen"] for e in leistungen), "a Lebenslage for every Leistung"
    assert len(orte["orte"]) >= 5


def test_night_1_then_again_then_next_night(store_path):
    leistungen, orte, nacht2 = demo_source()
    n_od = sum(len(e.get("onlinedienste", [])) for e in leistungen)

    first = run_sync(str(DEMO / "nacht-1"), store_path)
    assert first.ok, first.error
    per = first.counts.per_klasse
    assert per["Leistung"] == {"new": len(leistungen)}
    assert per["Organisationseinheit"] == {"new": len(orte["organisationseinheiten"])}
    assert per["Onlinedienst"] == {"new": n_od}
    assert per["Zustaendigkeit"]["new"] > len(leistungen)
    assert first.counts.quarantined == 0 and first.counts.warnings == 0
    with Store(store_path, readonly=True) as store:
        before = store.snapshot()

    again = run_sync(str(DEMO / "nacht-1"), store_path)
    assert again.ok
    assert (again.counts.new, again.counts.changed, again.counts.deleted) == (0, 0, 0)
    assert again.counts.unchanged == first.counts.new
    with Store(store_path, readonly=True) as store:
        assert store.snapshot() == before

    night2 = run_sync(str(DEMO / "nacht-2"), store_path)
    assert night2.ok, night2.error
    lb = night2.counts.per_klasse["Leistung"]
    assert lb == {
        "changed": len(nacht2["geaendert"]),
        "new": len(nacht2["neu"]),
        "deleted": len(nacht2["geloescht"]),
    }
    assert night2.counts.per_klasse["Organisationseinheit"].get("changed") == 1
    assert night2.counts.quarantined == 0
    with Store(store_path, readonly=True) as store:
        after = {(k, key): (v, h) for k, key, v, h in store.snapshot()}
        old = {(k, key): (v, h) for k, key, v, h in before}
        changed = sorted(key for key in after.keys() & old.keys() if after[key] != old[key])
        assert [key for key in changed if key[0] == "Leistung"] == [
            ("Leistung", f"DEMO-HE:{c['id']}") for c in sorted(nacht2["geaendert"], key=lambda c: c["id"])
        ]
        assert [key for key in changed if key[0] == "Organisationseinheit"] == [
            ("Organisationseinheit", f"DEMO-HE:{nacht2['umzug']['id']}")
        ]
        moved = store.get(Organisationseinheit, f"DEMO-HE:{nacht2['umzug']['id']}")
        assert moved.anschriften[0].strasse == nacht2["umzug"]["anschriften"][0]["strasse"]
        for gone in nacht2["geloescht"]:
            assert store.get(Leistung, f"DEMO-HE:{gone}") is None
            assert all(z.leistung.id != gone for z in store.zustaendigkeiten()), "Zustaendigkeiten go with it"
        lb1001 = store.get(Leistung, "DEMO-HE:LB-1001")
        assert "17,50" in lb1001.kosten_text.de
        assert store.history("Leistung", "DEMO-HE:LB-1001")[-1]["version"] == 2
        new = store.get(Leistung, f"DEMO-HE:{nacht2['neu'][0]['id']}")
        assert new.text(Textmodul.LEISTUNGSNAME).de == nacht2["neu"][0]["texte"]["de"]["name"]
    text = summary(night2)
    assert "Leistung: 2 new, 3 changed, 2 deleted" in text


def test_demo_languages_arrive_normalised(store_path):
    assert run_sync(str(DEMO / "nacht-1"), store_path).ok
    with Store(store_path, readonly=True) as store:
        langs = {lang for lb in store.leistungen() for lang in lb.namen.sprachen}
    assert {"de", "en", "de-x-ls"} <= langs
