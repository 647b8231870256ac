"""``portal preview FILE``: the pages one draft changes, with a banner, and nothing else touched."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from lxml import html as lxml_html

from plugins.portal_pages.vorschau import preview
from tests.conftest import DEMO, ROOT

DRAFT = DEMO / "nacht-2" / "leistungen.xml"  # night 2's services: 3 changed, 2 new, 2 deleted


def fingerprint(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(folder)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def run_preview(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "content_sync", "preview", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_preview_renders_only_the_changed_pages_with_a_banner(tmp_path, demo_store, demo_site):
    store_before = hashlib.sha256(demo_store.read_bytes()).hexdigest()
    live_before = fingerprint(demo_site)
    out = tmp_path / "vorschau"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = preview(DRAFT, store=demo_store, live=demo_site, output=out)
    finally:
        os.chdir(cwd)

    # nothing live was touched
    assert hashlib.sha256(demo_store.read_bytes()).hexdigest() == store_before
    assert fingerprint(demo_site) == live_before

    pages = set(result["pages"])
    changed = "wanfried/leistungen/personalausweis-beantragen--lb-1001/index.html"
    assert changed in pages
    assert "17,50" in (out / changed).read_text("utf-8")  # the draft's fee
    # pages the draft does not touch are not in the preview (search pages, the places list, unchanged services)
    assert not any(p.endswith("suche/index.html") for p in pages)
    assert "orte/index.html" not in pages
    assert not any("wohnsitz-anmelden" in p for p in pages)
    assert 0 < len(pages) < 7224 / 4
    # the deleted Kinderreisepass would disappear from the live site
    assert any("kinderreisepass-beantragen--lb-1004" in p for p in result["entfiele"])

    # every page of the preview carries the banner, and the index lists the pages with working links
    written = [p for p in out.rglob("*.html")]
    assert len(written) == len(pages) + 1  # + vorschau/index.html
    for page in written:
        doc = lxml_html.fromstring(page.read_bytes())
        banner = doc.xpath('//*[contains(concat(" ", @class, " "), " portal-vorschau ")]')
        assert banner and banner[0].text_content().strip(), page
        if "/en/" not in str(page) and "/ar/" not in str(page):
            assert "Vorschau" in banner[0].text_content(), page
    index = lxml_html.fromstring((out / "vorschau" / "index.html").read_bytes())
    links = [a.get("href") for a in index.xpath("//main//a")]
    assert len(links) == len(pages)
    for href in links:
        assert (out / "vorschau" / href).resolve().is_file(), href
    assert "kinderreisepass-beantragen--lb-1004" in index.text_content()


def test_preview_command_reports_a_broken_draft_and_changes_nothing(tmp_path, demo_store, demo_site):
    broken = tmp_path / "entwurf.xml"
    broken.write_text("<xzufi:transfer xmlns:xzufi='x'><leistung>", encoding="utf-8")
    store_before = hashlib.sha256(demo_store.read_bytes()).hexdigest()
    done = run_preview(
        str(broken), "--store", str(demo_store), "--live", str(demo_site), "--output", str(tmp_path / "o")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "not in the preview: " in done.stdout and "entwurf.xml" in done.stdout
    assert "0 pages changed or new" in done.stdout
    assert hashlib.sha256(demo_store.read_bytes()).hexdigest() == store_before


def test_preview_refuses_the_live_folder_and_a_missing_file(tmp_path, demo_store, demo_site):
    done = run_preview(
        str(DRAFT), "--store", str(demo_store), "--live", str(demo_site), "--output", str(demo_site)
    )
    assert done.returncode == 1 and "must not be the live site" in done.stdout
    done = run_preview(str(tmp_path / "nope.xml"), "--store", str(demo_store))
    assert done.returncode == 1 and "nope.xml: no such file" in done.stdout
