"""`portal bench search`: the lunr figures on the demo build (no browser, no Pagefind: those run only in the
command), and the parts that map Pagefind's results and count its bytes."""

from __future__ import annotations

import gzip
import json

import pytest

from content_sync.cli import _parser
from plugins.search_index import bench


@pytest.fixture(scope="module")
def lunr(demo_site, demo_store) -> bench.Ergebnis:
    return bench.bench_lunr(demo_site, demo_store, "wanfried", browser=False, runs=1)


def test_the_first_query_downloads_the_scripts_the_index_the_results_and_the_map(lunr):
    assert [d.path for d in lunr.erste] == [
        "theme/vendor/lunr/lunr.min.js",
        "theme/vendor/lunr/lunr.stemmer.support.min.js",
        "theme/vendor/lunr/lunr.de.min.js",
        "theme/js/suchlogik.js",
        "theme/js/suche.js",
        "suchindex/index-de.json",
        "suchindex/docs-de.json",
        "wanfried/suchkarte.json",
    ]


def test_figures_are_consistent(lunr, demo_site):
    assert lunr.erste_bytes == lunr.erste_summe == sum(d.gesendet for d in lunr.erste)
    for d in lunr.erste:
        data = (demo_site / d.path).read_bytes()
        assert d.bytes == len(data)
        assert 0 < d.gesendet < d.bytes
        assert d.gesendet == bench.gzip_size(data) == len(gzip.compress(data, 9, mtime=0))
    assert lunr.weitere_bytes == 0
    assert lunr.build_sekunden > 0
    assert 0.9 <= lunr.recall3 <= 1.0
    assert 0 <= lunr.recall1 <= lunr.recall3


def test_the_report_prints_each_file_the_total_and_the_table(lunr):
    text = bench.report([lunr], "wanfried", 55)
    assert f"{lunr.erste_summe:,}" in text
    assert "wanfried/suchkarte.json" in text
    header = [line for line in text.splitlines() if line.startswith("design")]
    assert header and all(
        h in header[0] for h in ("first query (gz)", "further query", "index build s", "recall@1", "recall@3")
    )
    assert text.splitlines()[-1].startswith("lunr (our design)")


def test_recall_counts_the_expected_keys_among_the_first_k():
    queries = [{"q": "a", "leika": ["1"]}, {"q": "b", "leika": ["2", "3"]}]
    leika_of = {"x": {"1"}, "y": {"2"}, "z": {"9"}}
    results = {"a": ["z", "x"], "b": ["y"]}
    assert bench.recall(results, leika_of, queries, 1)[0] == pytest.approx((0 + 0.5) / 2)
    assert bench.recall(results, leika_of, queries, 3)[0] == pytest.approx((1 + 0.5) / 2)


def test_a_pagefind_result_url_maps_back_to_the_leistung():
    assert bench.ref_from_url("/leistungen/personalausweis-beantragen--lb-1001/") == "lb-1001"
    assert bench.ref_from_url("http://127.0.0.1:9/leistungen/a-b--lb-7/index.html") == "lb-7"


def test_pre_compressed_files_count_as_they_are_others_at_gzip_9():
    text = json.dumps({"w": ["personalausweis"] * 50}).encode()
    packed = gzip.compress(text)
    assert bench.counted_size(packed) == len(packed)
    assert bench.counted_size(text) == bench.gzip_size(text) < len(text)


def test_the_pagefind_corpus_is_one_marked_page_per_leistung(demo_site, demo_store, tmp_path):
    pages = bench.pagefind_corpus(demo_site, tmp_path)
    assert {bench.ref_from_url(p) for p in pages} == set(bench.leika_by_ref(demo_store))
    html = (tmp_path / pages[0]).read_text(encoding="utf-8")
    assert html.count("data-pagefind-body") == 1
    assert "<main data-pagefind-body" in html
    assert not (demo_site / pages[0]).read_text(encoding="utf-8").count("data-pagefind-body")


def test_the_command_is_portal_bench_search():
    args = _parser().parse_args(["bench", "search", "--site", "out", "--subsite", "wanfried"])
    assert args.handler is bench.run_bench_search
    assert (args.site, args.subsite, args.runs) == ("out", "wanfried", 3)
