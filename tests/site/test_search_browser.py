"""The search and the place chooser in real Chromium, by keyboard only; axe with results on screen."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def flows(node, chromium, site_url):
    proc = subprocess.run(
        [node, str(ROOT / "tests/site/search_flow.mjs")],
        input=json.dumps({"base": site_url.rstrip("/") + "/"}),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PORTAL_CHROMIUM": chromium},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_type_a_query_see_the_result_open_it(flows):
    s = flows["search"]
    assert s["statusRole"] == "status" and "Treffer für „perso“" in s["status"]
    assert any("Personalausweis beantragen" in r for r in s["results"])
    assert all("zuständig: " in r for r in s["results"])
    assert s["url"].endswith("?q=perso")
    assert s["focusedResult"]["tag"] == "A" and "personalausweis" in s["focusedResult"]["href"]
    assert "/wanfried/leistungen/" in s["opened"]["url"] and "Personalausweis" in s["opened"]["h1"]


def test_search_page_with_results_passes_axe(flows):
    assert flows["search"]["axe"] == []


def test_plz_with_several_gemeinden_offers_a_choice(flows):
    c = flows["chooser"]
    assert "2 Orte gefunden" in c["status"]
    assert any("Ehrenberg" in o for o in c["options"]) and any("Hilders" in o for o in c["options"])
    assert c["focused"]["tag"] == "A"
    assert c["landed"]["url"].rstrip("/").endswith(c["focused"]["href"].rstrip("/").split("/")[-1])
    assert c["landed"]["h1"].startswith("Verwaltungsleistungen in ")


def test_unique_plz_and_place_name_lead_straight_to_the_subsite(flows):
    assert flows["direct-37281"].endswith("/wanfried/")
    assert flows["direct-Eschwege"].endswith("/eschwege/")
