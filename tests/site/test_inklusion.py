"""Inclusion beyond axe's rules, in real Chromium (tests/site/inklusion.mjs records, these tests judge):

- keyboard only: choose a place, search, open a service, switch the language, tick the checklist, reach its
  print button, with a visible focus (computed outline or box-shadow) on an element in view at every step;
- 320 px wide and 200 % text without horizontal scrolling;
- forced colours and the dark scheme (the system's, and the toggle, stored only after the visitor chooses)
  passing axe;
- prefers-reduced-motion: no smooth scrolling, no transitions (and both without it: the check can fail);
- the checklist of documents, "jetzt geöffnet / geschlossen" on fixed dates (public holidays of Hessen, seen
  from another time zone), "Barriere melden", and the print view.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from lxml import html as lxml_html

from tests.conftest import ROOT

from .pages import GEMEINDE, find_pages

pytestmark = pytest.mark.browser

SCRIPT = ROOT / "tests" / "site" / "inklusion.mjs"
SERVICE = f"{GEMEINDE}leistungen/personalausweis-beantragen--lb-1001/"


def _stelle(site: Path) -> tuple[str, str]:
    """A Wanfried office with structured opening hours on Monday: (its path, its data-zeiten)."""
    for index in sorted((site / GEMEINDE / "behoerden").glob("*/index.html")):
        found = re.search(r'data-zeiten="([^"]*)"', index.read_text(encoding="utf-8"))
        if found and "MO " in found.group(1):
            return index.parent.relative_to(site).as_posix() + "/", found.group(1)
    raise AssertionError(f"no office in {GEMEINDE}behoerden/ with opening hours on Monday")


def _slots(zeiten: str) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for tag, von, bis in re.findall(r"([A-Z]{2}) (\d\d:\d\d)-(\d\d:\d\d)", zeiten):
        out.setdefault(tag, []).append((von, bis))
    return out


def _plus30(hhmm: str) -> str:
    h, m = map(int, hhmm.split(":"))
    return f"{h + (m + 30) // 60:02d}:{(m + 30) % 60:02d}"


@pytest.fixture(scope="module")
def job(site_dir: Path, site_url: str) -> dict:
    pages = find_pages(site_dir)
    stelle, zeiten = _stelle(site_dir)
    slots = _slots(zeiten)
    montag = slots["MO"][0]
    reflow = [
        "",
        GEMEINDE,
        SERVICE,
        f"{GEMEINDE}ar/leistungen/personalausweis-beantragen--lb-1001/",
        stelle,
        pages["lebenslage"].path("de"),
        f"{GEMEINDE}a-z/",
        f"{GEMEINDE}suche/",
        "orte/",
        "barrierefreiheit/",
        "ar/barrierefreiheit/",
        "leichte-sprache/barrierefreiheit/",
        "alles-in-leichter-sprache/",
    ]
    farben = [
        "",
        GEMEINDE,
        SERVICE,
        f"{GEMEINDE}ar/leistungen/personalausweis-beantragen--lb-1001/",
        stelle,
        f"{GEMEINDE}suche/",
        "barrierefreiheit/",
        "alles-in-leichter-sprache/",
    ]
    uhr = [
        # Monday 8 June 2026, half an hour into the first slot (summer time: +02:00)
        {"name": "montag", "zeit": f"2026-06-08T{_plus30(montag[0])}:00+02:00", "bis": montag[1]},
        # Pfingstmontag (Easter 2026: 5 April, + 50 days), the same time
        {"name": "pfingstmontag", "zeit": f"2026-05-25T{_plus30(montag[0])}:00+02:00"},
        # Karfreitag 2027 (Easter 2027: 28 March, - 2 days), winter time
        {"name": "karfreitag", "zeit": f"2027-03-26T{_plus30(montag[0])}:00+01:00"},
        # Fronleichnam 2026 (a Thursday: Easter + 60 days), a holiday in Hessen
        {"name": "fronleichnam", "zeit": f"2026-06-04T{_plus30(montag[0])}:00+02:00"},
        # Sunday 7 June 2026 noon: closed, open again tomorrow
        {"name": "sonntag", "zeit": "2026-06-07T12:00:00+02:00"},
        # 23:30 on Monday in Hessen: closed, although it is the afternoon (17:30) where the visitor's browser is
        {"name": "spaet", "zeit": "2026-06-08T23:30:00+02:00"},
    ]
    return {
        "base": site_url,
        "reflow": reflow,
        "farben": farben,
        "service": SERVICE,
        "stelle": stelle,
        "zeiten": zeiten,
        "uhr": uhr,
        "zeitzone": "America/New_York",
    }


@pytest.fixture(scope="module")
def seen(job: dict, node: str, chromium: str) -> dict:
    proc = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={**os.environ, "PORTAL_CHROMIUM": chromium},
    )
    assert proc.returncode == 0, f"{SCRIPT.name} failed:\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout)


def test_keyboard_only_journey_with_visible_focus_at_every_step(seen: dict) -> None:
    t = seen["tastatur"]
    assert t["ort"].endswith("/wanfried/"), t["ort"]
    assert "wanfried/suche/?q=Personalausweis" in t["suche"]
    assert "personalausweis-beantragen" in t["leistung"]["url"] and "Personalausweis" in t["leistung"]["h1"]
    assert t["sprache"]["lang"] == "en" and "/wanfried/en/leistungen/" in t["sprache"]["url"]
    assert t["angehakt"] and t["nachNeuladen"], "the tick is kept in the browser across a reload"
    assert t["speicher"] == ["portal-checkliste:DEMO-HE:LB-1001:en"], "nothing else is stored"
    assert t["druckknopf"] == "Print checklist"
    steps = t["schritte"]
    assert len(steps) > 20
    bad = [s for s in steps if not (s.get("tag") and s["sichtbar"] and s["imBild"])]
    assert not bad, "focus not visible (or not in view) at:\n" + "\n".join(
        f"  {s['seite']}: <{s['tag']}> {s.get('text')!r} outline {s.get('outline')}, shadow {s.get('schatten')}"
        for s in bad
    )
    # every kind of control was reached: links, the fields, the language switcher, a checkbox, buttons
    assert {"A", "INPUT", "BUTTON"} <= {s["tag"] for s in steps}
    assert not t["fehler"], t["fehler"]


def test_print_view_shows_link_targets_and_the_checklist_boxes(seen: dict) -> None:
    d = seen["druck"]
    assert d["kopf"] is False and d["fuss"] is False, "header and footer are not printed"
    assert d["knoepfe"] is False, "the checklist's buttons are not printed"
    assert d["kasten"] is True, "the tick boxes are printed"
    assert d["ziel"] and d["ziel"]["href"] in d["ziel"]["after"], d["ziel"]
    assert d["farbe"] == "rgb(0, 0, 0)"


def test_320_px_and_200_percent_text_without_horizontal_scrolling(seen: dict, job: dict) -> None:
    records = seen["reflow"]
    assert len(records) == 3 * len(job["reflow"])
    bad = [r for r in records if r["scroll"] > r["sichtbar"]]
    assert not bad, "horizontal scrolling:\n" + "\n".join(
        f"  /{r['path']} at {r['breite']} px, text {r['schrift'] * 100:.0f} %: {r['scroll']} > {r['sichtbar']} "
        f"({', '.join(r['breit'])})"
        for r in bad
    )


def _lightness(colour: str) -> float:
    """0 (black) to 1 (white) for the rgb() or oklch() a browser computes."""
    if colour.startswith("oklch("):
        value = colour[6:].split()[0]
        return float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
    r, g, b = (int(x) / 255 for x in re.findall(r"\d+", colour)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.mark.parametrize("modus", ["dunkel", "erzwungen", "erzwungen-dunkel"])
def test_dark_scheme_and_forced_colours_pass_axe(seen: dict, job: dict, modus: str) -> None:
    records = [r for r in seen["farben"] if r["modus"] == modus]
    assert [r["path"] for r in records] == job["farben"]
    problems = [f"/{r['path']}: {v}" for r in records for v in r["verstoesse"]]
    problems += [f"/{r['path']}: console: {e}" for r in records for e in r["fehler"]]
    assert not problems, f"{modus}:\n" + "\n".join(problems)
    for r in records:
        dark = _lightness(r["schema"]["hintergrund"]) < 0.3
        assert dark == modus.endswith("dunkel"), (r["path"], r["schema"])
        assert _lightness(r["schema"]["text"]) > 0.7 if dark else _lightness(r["schema"]["text"]) < 0.3
        assert r["schema"]["forced"] == modus.startswith("erzwungen")


def test_colour_scheme_toggle_stores_only_the_visitors_choice(seen: dict) -> None:
    s = seen["schalter"]
    assert s["vorher"] == {
        "gespeichert": None,
        "schluessel": [],
        "thema": None,
        "gedrueckt": "false",
        "sichtbar": True,
        "hintergrund": s["vorher"]["hintergrund"],
    }, "nothing is stored before the visitor chooses"
    assert _lightness(s["vorher"]["hintergrund"]) > 0.9
    g = s["gewaehlt"]
    assert (g["gespeichert"], g["schluessel"], g["thema"], g["gedrueckt"]) == (
        "dunkel",
        ["portal-farbschema"],
        "dark",
        "true",
    )
    assert _lightness(g["hintergrund"]) < 0.3
    assert s["verstoesse"] == [], s["verstoesse"]
    assert s["andereSeite"]["thema"] == "dark" and s["andereSeite"]["gedrueckt"] == "true", (
        "kept on the next page"
    )
    z = s["zurueck"]
    assert (z["gespeichert"], z["schluessel"], z["thema"], z["gedrueckt"]) == (None, [], None, "false"), (
        "back to the system's setting: nothing stored"
    )
    assert not s["fehler"], s["fehler"]


def test_reduced_motion_is_respected(seen: dict) -> None:
    b = seen["bewegung"]
    assert b["reduce"]["scroll"] == "auto" and b["reduce"]["bewegt"] == 0 and b["reduce"]["animationen"] == 0
    # without the wish there is motion to switch off: the check above can fail
    assert b["no-preference"]["scroll"] == "smooth" and b["no-preference"]["bewegt"] > 0


def test_checklist_plain_without_javascript_ticks_kept_in_the_browser_only(seen: dict) -> None:
    c = seen["checkliste"]
    assert c["ohneJs"]["kaesten"] == 0 and c["ohneJs"]["eintraege"] >= 3
    assert "☐" in c["ohneJsDruck"], "printed without JavaScript: a box to tick on paper"
    m = c["mitJs"]
    assert m["kaesten"] == m["eintraege"] == c["ohneJs"]["eintraege"] and m["beschriftet"]
    assert m["speicher"] == [], "nothing stored before a tick"
    [(key, value)] = c["nachHaken"]
    assert key == "portal-checkliste:DEMO-HE:LB-1001:de"
    assert len(json.loads(value)) == 1 and all(re.fullmatch(r"[0-9a-z]+", h) for h in json.loads(value)), (
        "only hashes of the ticked items, no text"
    )
    assert c["verstoesse"] == [], c["verstoesse"]
    assert c["nachLeeren"] == {"speicher": [], "an": 0}
    assert not c["fehler"], c["fehler"]


def test_open_now_or_closed_with_the_public_holidays_of_hessen(seen: dict, job: dict) -> None:
    by_name = {u["name"]: u for u in seen["oeffnungszeiten"]}
    for u in seen["oeffnungszeiten"]:
        assert u["status"] and not u["status"]["hidden"] and not u["fehler"], u
    bis = job["uhr"][0]["bis"]
    assert by_name["montag"]["status"]["text"] == f"Jetzt geöffnet, bis {bis} Uhr."
    for name, holiday in [
        ("pfingstmontag", "Pfingstmontag"),
        ("karfreitag", "Karfreitag"),
        ("fronleichnam", "Fronleichnam"),
    ]:
        text = by_name[name]["status"]["text"]
        assert text.startswith(f"Heute ist ein Feiertag: {holiday}. Jetzt geschlossen."), text
    assert by_name["sonntag"]["status"]["text"].startswith("Jetzt geschlossen. Wieder geöffnet morgen ab ")
    spaet = by_name["spaet"]["status"]["text"]
    assert spaet.startswith("Jetzt geschlossen. Wieder geöffnet ") and "heute" not in spaet
    assert seen["oeffnungszeitenOhneJs"] is True, "without JavaScript the status line stays hidden"


def test_barriere_melden_carries_the_page_address(seen: dict, site_url: str) -> None:
    with_js = seen["melden"]["mitJs"]
    assert with_js["href"].startswith("mailto:barrierefreiheit@verwaltungsportal.example?subject=")
    assert quote(with_js["seite"], safe="") in with_js["href"], "the full address the browser shows"
    without = seen["melden"]["ohneJs"]
    assert quote("/" + SERVICE, safe="") in without["href"] and "127.0.0.1" not in without["href"]
    assert "subject=Barriere%20melden%3A%20Personalausweis%20beantragen" in without["href"]


def test_every_page_has_barriere_melden_with_its_own_path(site_dir: Path, site_pages: list[Path]) -> None:
    """Not a browser test: the built pages themselves (the link works without JavaScript)."""
    missing = []
    for file in site_pages:
        text = file.read_text(encoding="utf-8")
        if 'http-equiv="refresh"' in text:
            continue  # a redirect page has no body to report on
        rel = file.relative_to(site_dir).as_posix()
        path = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        found = re.search(r'<a class="kern-link portal-barriere-melden" href="([^"]+)"', text)
        if not found or quote("/" + path, safe="") not in found.group(1):
            missing.append(rel)
    assert len(site_pages) > 1000
    assert not missing, f"{len(missing)} pages without their own 'Barriere melden' link, e.g. {missing[:5]}"


def test_start_pages_carry_the_bitv_section(site_dir: Path) -> None:
    for path in [
        "index.html",
        f"{GEMEINDE}index.html",
        f"{GEMEINDE}en/index.html",
        "leichte-sprache/index.html",
    ]:
        doc = lxml_html.fromstring((site_dir / path).read_bytes())
        ls = doc.get_element_by_id("leichte-sprache")
        assert ls.get("lang") == (None if path.startswith("leichte-sprache") else "de-x-ls"), path
        links = [a.get("href").split("#")[-1] for a in ls.iter("a")]
        assert links[:4] == ["was-gibt-es", "bedienung", "barrierefreiheit", "angebote"], links
        dgs = doc.get_element_by_id("gebaerdensprache")
        assert len(dgs.find_class("portal-dgs__eintrag")) == 4
        assert dgs.xpath(".//img[@alt='']/@src")[0].endswith("theme/img/dgs.svg")
