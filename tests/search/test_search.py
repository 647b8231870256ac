"""The search: the real lunr.js in node on the index the Python build writes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from content_sync.store import Store
from plugins.portal_pages.settings import PortalPagesSettings
from plugins.portal_pages.site import Portal
from plugins.search_index import bench
from plugins.search_index.documents import Vokabular, ref_for
from plugins.search_index.pipeline import stem
from plugins.search_index.search_index import build_index, indexes_if_changed, subsite_map
from tests.api.conftest import portal_aus
from tests.conftest import ROOT

HERE = Path(__file__).resolve().parent
QUERIES = yaml.safe_load((HERE / "queries.yaml").read_text(encoding="utf-8"))


def run_node(payload: dict) -> dict:
    proc = subprocess.run(
        ["node", str(HERE / "run_queries.cjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def portal(demo_store):
    with Store(demo_store, readonly=True) as store:
        return Portal(PortalPagesSettings(store=demo_store), store)


@pytest.fixture(scope="module")
def index_file(portal, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("idx") / "index-de.json"
    path.write_text(json.dumps(build_index(portal, "de", 60)), encoding="utf-8")
    return path


def recall(portal, results: dict[str, list[str]], k: int) -> tuple[float, list[str]]:
    """The same figure `portal bench search` prints (plugins/search_index/bench.py)."""
    leika_of = {ref_for(lb): set(lb.leika) for lb in portal.leistungen.values()}
    return bench.recall(results, leika_of, QUERIES, k)


def test_queries_cover_the_brief():
    assert len(QUERIES) >= 40
    keys = {k for c in QUERIES for k in c["leika"]}
    assert all(len(k) == 14 for k in keys)


def test_recall_in_the_real_lunr_js(portal, index_file):
    results = run_node({"index": str(index_file), "queries": [c["q"] for c in QUERIES], "limit": 10})[
        "results"
    ]
    r1, _ = recall(portal, results, 1)
    r3, misses = recall(portal, results, 3)
    print(f"recall@1 {r1:.2f}, recall@3 {r3:.2f} over {len(QUERIES)} queries")
    assert r3 >= 0.9, "\n".join(misses)


GERMAN_WORDS = [
    "Führerschein",
    "Fuehrerschein",
    "Straße",
    "Strasse",
    "Anmeldung",
    "anmelden",
    "Personalausweis",
    "Häuser",
    "Gebühren",
    "Gebuehren",
    "Bescheinigungen",
    "Einbürgerung",
    "Zuständigkeit",
    "Öffnungszeiten",
    "Oeffnungszeiten",
    "Maßnahme",
    "Quelle",
    "Bauaufsichtsbehörde",
    "Kindertagesstätte",
    "Müllabfuhr",
    "beantragt",
    "beantragen",
    "Ausweise",
    "Fahrzeuge",
    "Genehmigungen",
    "Steuer",
    "Feuerwerk",
    "aktuell",
]


def test_browser_and_build_stem_every_word_alike():
    stems = run_node({"stem": GERMAN_WORDS})["stems"]
    assert stems == {w: stem(w) for w in GERMAN_WORDS}


def test_umlauts_and_sharp_s_in_either_spelling():
    assert stem("Führerschein") == stem("Fuehrerschein")
    assert stem("Straße") == stem("Strasse")
    assert stem("Quelle") == "quell"  # no umlaut after q


def test_compound_parts_come_from_our_own_vocabulary():
    v = Vokabular(["Der Ausweis und die Zulassung", "Fahrzeug", "Personal"])
    assert v.teile("personalausweis") == ["ausweis", "personal"]
    assert v.teile("fahrzeugzulassung") == ["zulassung", "fahrzeug"]
    assert v.teile("hund") == []


def test_indexes_built_in_workers_are_those_of_one_process(portal, tmp_path):
    one, two = tmp_path / "one", tmp_path / "two"
    erste = indexes_if_changed(portal, ["de", "en"], 0, one, jobs=1)
    assert erste == indexes_if_changed(portal, ["de", "en"], 0, two, jobs=2)
    assert [built for _size, built in erste] == [True, True]
    for sprache in ("de", "en"):
        a, b = (d / "suchindex" / f"index-{sprache}.json" for d in (one, two))
        assert (
            a.read_bytes() == b.read_bytes() and len(a.read_bytes()) == erste[["de", "en"].index(sprache)][0]
        )
    # the same input again: nothing is built, in either way
    assert [built for _s, built in indexes_if_changed(portal, ["de", "en"], 0, two, jobs=2)] == [False, False]


def test_every_subsite_gets_its_search_map(demo_store, demo_site):
    """The maps are written over worker processes, a share of the subsites each: every subsite has its own."""
    portal = portal_aus(demo_store)  # with the project's settings, as the demo site was built
    assert len(portal.subsites) > 2
    for subsite in portal.subsites.values():
        karte = json.loads((demo_site / subsite.path / "suchkarte.json").read_text(encoding="utf-8"))
        assert karte == subsite_map(portal, subsite)
