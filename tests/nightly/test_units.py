"""The parts of the nightly job on their own: release folders, the check's scan (and that it can fail), the
sample, the category cycles, the progress output, the documented exit codes."""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path

import pytest

from plugins.nightly import checks, job, report
from plugins.nightly.progress import Ausgabe
from plugins.nightly.releases import MANIFEST, ReleaseError, Releases
from plugins.portal_pages import render
from tests.nightly.conftest import ROOT

# --- releases ---------------------------------------------------------------------------------------------


def make_release(
    rel: Releases, name: str, files: dict[str, str], manifest: list[str], complete: bool = True
) -> None:
    folder = rel.path(name)
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text, encoding="utf-8")
    (folder / MANIFEST).write_text(json.dumps({p: "x" for p in manifest}), encoding="utf-8")
    if complete:
        rel.mark_complete(name, {"lauf": name})


def test_manifest_name_is_the_builds() -> None:
    assert MANIFEST == render.MANIFEST


def test_prepare_links_pages_and_copies_the_rest(tmp_path: Path) -> None:
    rel = Releases(tmp_path)
    make_release(
        rel,
        "A",
        {
            "a/index.html": "a",
            "suchindex/index-de.json": "{}",
            "bericht/index.html": "alt",
            "bericht.json": "{}",
        },
        ["a/index.html"],
    )
    os.symlink("/etc/passwd", rel.path("A") / "link")
    counts = rel.prepare("B", "A")
    b = rel.path("B")
    assert counts == {"verlinkt": 1, "kopiert": 2}  # the page linked; the index and the manifest copied
    assert (b / "a/index.html").stat().st_ino == (rel.path("A") / "a/index.html").stat().st_ino
    assert (b / "suchindex/index-de.json").stat().st_ino != (
        rel.path("A") / "suchindex/index-de.json"
    ).stat().st_ino
    assert (
        not (b / "bericht").exists()
        and not (b / "bericht.json").exists()
        and not (b / ".release.json").exists()
    )
    assert not (b / "link").exists() and not (b / "link").is_symlink()
    # writing a copied file in place does not change the old release; a page is replaced, not written into
    (b / "suchindex/index-de.json").write_text("neu", encoding="utf-8")
    render.write_atomic(b / "a/index.html", "neu")
    assert (rel.path("A") / "suchindex/index-de.json").read_text() == "{}"
    assert (rel.path("A") / "a/index.html").read_text() == "a"


def test_switch_prune_previous_cleanup(tmp_path: Path) -> None:
    rel = Releases(tmp_path, keep=2)
    for name in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        make_release(rel, name, {"index.html": name}, ["index.html"])
        rel.switch(name)
        assert os.readlink(tmp_path / "live") == f"releases/{name}"
    make_release(rel, "20260104T000000Z", {"index.html": "x"}, ["index.html"], complete=False)
    with pytest.raises(ReleaseError, match="not complete"):
        rel.switch("20260104T000000Z")
    assert rel.live_id() == "20260103T000000Z"
    assert rel.previous() == "20260102T000000Z"
    rel.switch("20260101T000000Z")  # a rollback to the oldest: it is kept while live
    assert rel.prune() == []  # newest two complete + the live one
    rel.switch("20260103T000000Z")
    assert rel.prune() == ["20260101T000000Z"]
    (tmp_path / ".live.tmp-123").symlink_to("releases/20260103T000000Z")
    assert sorted(rel.cleanup()) == [".live.tmp-123", "20260104T000000Z"]
    assert rel.complete() == ["20260102T000000Z", "20260103T000000Z"]


def test_live_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    rel = Releases(tmp_path)
    (tmp_path / "live").mkdir()
    make_release(rel, "A", {"index.html": "a"}, ["index.html"])
    with pytest.raises(ReleaseError, match="not a symlink"):
        rel.switch("A")
    assert (tmp_path / "live").is_dir()


# --- the scan: it finds what it must -----------------------------------------------------------------------


def head(root: str = "") -> str:
    return (
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>t</title>'
        '<link rel="icon" href="data:,"><script type="application/ld+json">{"a": 1}</script>'
        f'<script src="{root}theme/js/x.js" defer></script></head><body id="top">'
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<p><a href="#top">ok</a> <a href="b/">ok</a> <a href="https://example.org/">ext</a></p>', []),
        ("<script>alert(1)</script>", ["inline <script>"]),
        ('<script src="https://evil.example/x.js"></script>', ["from elsewhere"]),
        ('<script src="b/x.js"></script>', ["not one of our files", "b/x.js does not exist"]),
        ('<p onclick="x()">x</p>', ["event handler attribute onclick"]),
        ('<a href="javascript:alert(1)">x</a>', ["javascript: URL"]),
        ('<a href=" jav&#x09;ascript:alert(1)">x</a>', ["javascript: URL"]),
        ('<img src="data:image/png;base64,AAAA" alt="">', ["data: URL"]),
        ('<link rel="stylesheet" href="data:text/css,x">', ["data: URL"]),
        ('<iframe src="b/"></iframe>', ["<iframe> element"]),
        ("<style>p{}</style>", ["<style> element"]),
        ('<p style="color:red">x</p>', ["style attribute"]),
        ('<meta http-equiv="refresh" content="0; url=https://evil.example/">', ["meta refresh"]),
        ('<meta http-equiv="refresh" content="0; url=b/">', []),
        ('<script type="application/ld+json">{"url": "javascript:alert(1)"}</script>', ["JSON-LD value"]),
        ('<a href="missing/">x</a>', ["missing/ does not exist"]),
        ('<a href="#nowhere">x</a>', ["no id 'nowhere' on this page"]),
        ('<a href="b/#nowhere">x</a>', ["no id 'nowhere' in b/index.html"]),
        ('<a href="b">x</a>', ["without the closing '/'"]),
        ('<a href="../../x/">x</a>', ["leaves the site"]),
        ('<p id="d"></p><p id="d"></p>', ["used more than once"]),
    ],
)
def test_scan_finds(tmp_path: Path, body: str, expected: list[str]) -> None:
    (tmp_path / "theme" / "js").mkdir(parents=True)
    (tmp_path / "theme" / "js" / "x.js").write_text("", encoding="utf-8")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "index.html").write_text(
        head("../") + '<p id="b">b</p></body></html>', encoding="utf-8"
    )
    (tmp_path / "index.html").write_text(head() + body + "</body></html>", encoding="utf-8")
    result = checks.scan(tmp_path)
    texts = [p.text for p in result.probleme]
    assert len(texts) == len(expected), texts
    for text, want in zip(texts, expected, strict=True):
        assert want in text
    assert {s.rel for s in result.seiten} == {"index.html", "b/index.html"}


def test_sample_is_deterministic_and_covers_each_kind() -> None:
    seiten = [
        checks.Seite(f"{sub}/{lang}/leistungen/x{i}/index.html", lang, "leistungen/seite")
        for sub in ("a", "b")
        for lang in ("de", "en")
        for i in range(50)
    ] + [checks.Seite("index.html", "de", "start")]
    one = checks.sample(seiten, zufall=10, seed=6, neu=["b/en/leistungen/x7/index.html"], neu_max=5)
    two = checks.sample(seiten, zufall=10, seed=6, neu=["b/en/leistungen/x7/index.html"], neu_max=5)
    assert one == two and len(one) in (3 + 10, 3 + 10 + 1)  # the new page may be among the random ones
    assert "index.html" in one and "b/en/leistungen/x7/index.html" in one
    assert checks.sample(seiten, zufall=10, seed=7) != checks.sample(seiten, zufall=10, seed=6)


# --- the report's helpers -----------------------------------------------------------------------------------


class _Lb:
    def __init__(self, key: str, kategorien: list[tuple[str, str | None]]) -> None:
        from types import SimpleNamespace

        self.ref = SimpleNamespace(key=key)
        self.kategorien = [SimpleNamespace(id=i, uebergeordnet=u) for i, u in kategorien]


def test_category_cycles_are_found_once_and_never_loop() -> None:
    chain = [(f"K{i}", f"K{i + 1}") for i in range(20000)] + [("K20000", "K5")]  # a long chain into a cycle
    leistungen = [
        _Lb("L1", [("A", "B"), ("B", "A"), ("C", "C")]),
        _Lb("L2", [("D", "A"), ("E", None)]),
        _Lb("L3", chain),
    ]
    t0 = time.perf_counter()
    cycles = report.kategorien_zyklen(leistungen)
    assert time.perf_counter() - t0 < 2
    found = sorted(tuple(c["kategorien"]) for c in cycles)
    assert ("A", "B", "A") in found and ("C", "C") in found
    assert len(cycles) == 3
    long = next(c for c in cycles if "K5" in c["kategorien"])
    assert long["kategorien"][0] == "K5" and len(long["kategorien"]) == 20000 - 5 + 2


def test_id_hint_escapes() -> None:
    fragment = '<x:leistung xmlns:x="urn:x"><x:id schemeAgencyID="A">LB-\u202e1\u0000</x:id></x:leistung>'
    assert report.id_hint(fragment.replace("\u0000", "")) == "LB-\\u202e1"
    assert report.id_hint(None) is None and report.id_hint("kein xml <") is None


# --- progress ---------------------------------------------------------------------------------------------


def test_progress_on_a_terminal_and_in_a_log() -> None:
    tty = io.StringIO()
    out = Ausgabe(tty, tty=True, lauf="L")
    out.step(3, 6, "build")
    out.progress(0.5, "portal build")
    out.end_step("build ok in 1.0 s")
    text = tty.getvalue()
    assert "\r\033[K[3/6] build [############............]  50 %" in text and text.endswith(
        "build ok in 1.0 s\n"
    )

    plain = io.StringIO()
    out = Ausgabe(plain, tty=False, lauf="L")
    out.step(3, 6, "build")
    out.progress(0.5, "portal build")
    out.end_step("build ok in 1.0 s")
    lines = plain.getvalue().splitlines()
    assert len(lines) == 2 and "\r" not in plain.getvalue()
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d portal nightly L: build started$", lines[0])


# --- documented ---------------------------------------------------------------------------------------------


def test_exit_codes_are_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## The nightly job") :]
    for code in (0, 1, 2, 3, 4, *job.EXIT_STEP.values()):
        assert re.search(rf"^\| {code} +\|", section, re.M), f"exit code {code} is not in the README's table"
    for step, code in job.EXIT_STEP.items():
        assert re.search(rf"^\| {code} +\| `?{step}", section, re.M), step
    for name in ("portal-nightly.service", "portal-nightly.timer", "portal-nightly.cron"):
        assert (ROOT / "deploy" / name).is_file() and name in section


@pytest.mark.browser
def test_axe_smoke_test_finds_violations(tmp_path: Path) -> None:
    """``--axe``: axe-core in Chromium over pages of a release folder; a page with faults is reported."""
    good = '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Gut</title></head><body><main><h1>Gut</h1></main></body></html>'
    bad = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Schlecht</title></head><body><img src="x.png"></body></html>'
    (tmp_path / "gut").mkdir()
    (tmp_path / "gut" / "index.html").write_text(good, encoding="utf-8")
    (tmp_path / "schlecht.html").write_text(bad, encoding="utf-8")
    problems = checks.run_axe(tmp_path, ["gut/index.html", "schlecht.html"], marker="test-axe")
    assert {p.seite for p in problems} == {"schlecht.html"}, problems
    assert {"html-has-lang", "image-alt"} <= {p.text.split(" ")[0] for p in problems}
