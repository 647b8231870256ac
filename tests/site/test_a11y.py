"""Accessibility (axe-core, WCAG 2.0/2.1 A and AA) and privacy of every page type in every language, in a
real Chromium: one browser, one page, reused (tests/site/axe_run.mjs).

Besides axe's violations, each visit records every request to a host other than 127.0.0.1 (the portal
embeds nothing external: no fonts, no maps, no analytics), sub-resources that failed (a stylesheet or font
that is missing), and console errors (a Content-Security-Policy violation shows up there).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .pages import KINDS, LANGUAGES, find_pages

pytestmark = pytest.mark.browser


# A page with known faults, audited with the others: proves that each check can fail.
CANARY_PATH = "/__axe__/canary.html"
CANARY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Kanarienvogel</title></head>
<body><main><h1>Kanarienvogel</h1><img src="http://example.invalid/bild.png">
<script>throw new Error("canary");</script></main></body></html>"""


@pytest.fixture(scope="module")
def audit(site_dir: Path, site_url: str, run_browser: Callable[[dict[str, Any]], dict[str, Any]]) -> dict:
    """(kind, language) -> the record of axe_run.mjs for that page; ("canary", "") -> the known-bad page."""
    pages = find_pages(site_dir)
    wanted = [
        (kind, language, site_url + ort.path(language))
        for kind, ort in pages.items()
        for language in LANGUAGES
    ]
    canary_url = site_url.rstrip("/") + CANARY_PATH
    t0 = time.perf_counter()
    result = run_browser(
        {"audit": [url for _, _, url in wanted] + [canary_url], "pages": {CANARY_PATH: CANARY}}
    )
    print(f"\naxe: {len(wanted)} pages audited in {time.perf_counter() - t0:.1f} s")
    records = result["audit"]
    assert [r["url"] for r in records] == [url for _, _, url in wanted] + [canary_url]
    out = {
        (kind, language): {**record, "expected_status": pages[kind].status}
        for (kind, language, _), record in zip(wanted, records[:-1], strict=True)
    }
    out[("canary", "")] = records[-1]
    return out


def test_the_audit_can_fail(audit: dict) -> None:
    """The known-bad page: axe, the request log and the console log each report its fault."""
    canary = audit[("canary", "")]
    assert {"html-has-lang", "image-alt"} <= {v["id"] for v in canary["violations"]}, canary["violations"]
    assert any("example.invalid" in r for r in canary["external"]), canary["external"]
    assert any("canary" in e["text"] for e in canary["console"]), canary["console"]


def _violations(record: dict) -> str:
    lines = []
    for v in record["violations"]:
        lines.append(f"  {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html']}")
            lines.extend(f"      {line}" for line in node["summary"].splitlines() if line.strip())
    return "\n".join(lines)


def _console_errors(record: dict) -> list[str]:
    errors = record["console"]
    if record["expected_status"] == 404:
        # Chromium logs the 404 of the document itself as "Failed to load resource"; that one is the point
        errors = [
            e
            for e in errors
            if not (e["text"].startswith("Failed to load resource") and e["url"] == record["url"])
        ]
    return [f"{e['text']} ({e['url']})" for e in errors]


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("kind", KINDS)
def test_page_is_accessible_and_private(audit: dict, kind: str, language: str) -> None:
    record = audit[(kind, language)]
    url = record["url"]
    _, lang, direction = LANGUAGES[language]
    problems = []
    if record["status"] != record["expected_status"]:
        problems.append(f"HTTP status {record['status']}, expected {record['expected_status']}")
    if (record["lang"], record["dir"]) != (lang, direction):
        problems.append(
            f'<html lang="{record["lang"]}" dir="{record["dir"]}">, expected lang="{lang}" dir="{direction}"'
        )
    if not record["passes"]:
        problems.append("axe checked nothing")
    if record["violations"]:
        problems.append(f"{len(record['violations'])} axe violations:\n{_violations(record)}")
    if record["external"]:
        problems.append("requests to other hosts:\n" + "\n".join(f"  {r}" for r in record["external"]))
    if record["failed"]:
        problems.append("failed sub-resources:\n" + "\n".join(f"  {r}" for r in record["failed"]))
    if errors := _console_errors(record):
        problems.append("console errors:\n" + "\n".join(f"  {e}" for e in errors))
    assert not problems, f"{kind} in {language} ({url}, {record['title']!r}):\n" + "\n".join(problems)
