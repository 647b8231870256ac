"""theme/static/js/oeffnungslogik.js in node: Easter and the public holidays of Hessen, and "open now" at fixed
instants (the office's clock is Hessen's, whatever the visitor's time zone; summer time; the turn of the year)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, timedelta

import pytest
from dateutil.easter import easter

from tests.conftest import ROOT

LOGIK = ROOT / "theme" / "static" / "js" / "oeffnungslogik.js"
ZEITEN = "MO 08:00-12:00 MO 12:00-14:00 DO 14:00-18:00"


def run_node(script: str) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.fail("Node.js is missing: install Node.js 20 (apt-get install nodejs)", pytrace=False)
    code = f"const L = require({json.dumps(str(LOGIK))});\nprocess.stdout.write(JSON.stringify((() => {{ {script} }})()));"
    proc = subprocess.run(
        [node, "-e", code], capture_output=True, text=True, timeout=60, env={"TZ": "Asia/Tokyo"}
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_easter_matches_an_independent_implementation_for_every_gregorian_year():
    got = run_node("const o = {}; for (let y = 1583; y <= 2299; y++) o[y] = L.ostersonntag(y); return o;")
    expected = {str(y): easter(y).isoformat() for y in range(1583, 2300)}
    assert got == expected
    # and some by heart: early, late, this decade
    assert (got["2008"], got["2038"], got["2285"], got["2026"]) == (
        "2008-03-23",
        "2038-04-25",
        "2285-03-22",
        "2026-04-05",
    )


def test_public_holidays_of_hessen():
    got = run_node("return L.feiertage(2026);")
    assert got == {
        "2026-01-01": "neujahr",
        "2026-04-03": "karfreitag",
        "2026-04-05": "ostersonntag",
        "2026-04-06": "ostermontag",
        "2026-05-01": "maifeiertag",
        "2026-05-14": "himmelfahrt",
        "2026-05-24": "pfingstsonntag",
        "2026-05-25": "pfingstmontag",
        "2026-06-04": "fronleichnam",
        "2026-10-03": "einheit",
        "2026-12-25": "weihnachten1",
        "2026-12-26": "weihnachten2",
    }
    # not in Hessen: Heilige Drei Könige, Reformationstag, Allerheiligen, Buß- und Bettag; nor Heiligabend
    others = ["2026-01-06", "2026-10-31", "2026-11-01", "2026-11-18", "2026-12-24", "2026-12-31"]
    assert run_node(f"return {json.dumps(others)}.map(L.feiertag);") == [None] * len(others)
    # the moving ones follow Easter in every year
    for year in (2024, 2025, 2027, 2030):
        got = run_node(f"return L.feiertage({year});")
        e = easter(year)
        for days, key in [
            (-2, "karfreitag"),
            (1, "ostermontag"),
            (39, "himmelfahrt"),
            (50, "pfingstmontag"),
            (60, "fronleichnam"),
        ]:
            assert got[(e + timedelta(days=days)).isoformat()] == key, (year, key)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # Monday, two adjacent slots: open until the second one ends
        ("2026-06-08T09:00:00+02:00", {"offen": True, "bis": 14 * 60, "feiertag": None, "naechste": None}),
        (
            "2026-06-08T07:59:00+02:00",
            {
                "offen": False,
                "bis": None,
                "feiertag": None,
                "naechste": {"tage": 0, "wochentag": 0, "von": 480},
            },
        ),
        # the end of a slot is closed; next: Thursday afternoon
        (
            "2026-06-08T14:00:00+02:00",
            {
                "offen": False,
                "bis": None,
                "feiertag": None,
                "naechste": {"tage": 3, "wochentag": 3, "von": 840},
            },
        ),
        # Wednesday before Fronleichnam (Thursday 4 June 2026): the Thursday is skipped, next is Monday
        (
            "2026-06-03T09:00:00+02:00",
            {
                "offen": False,
                "bis": None,
                "feiertag": None,
                "naechste": {"tage": 5, "wochentag": 0, "von": 480},
            },
        ),
        # Fronleichnam itself, in the afternoon slot's time
        (
            "2026-06-04T15:00:00+02:00",
            {
                "offen": False,
                "bis": None,
                "feiertag": "fronleichnam",
                "naechste": {"tage": 4, "wochentag": 0, "von": 480},
            },
        ),
        # Ostermontag 2027 (Easter 28 March), winter time before, summer time after 28 March
        (
            "2027-03-29T09:00:00+02:00",
            {
                "offen": False,
                "bis": None,
                "feiertag": "ostermontag",
                "naechste": {"tage": 3, "wochentag": 3, "von": 840},
            },
        ),
        # New Year's Eve, Thursday 23:30: Neujahr (Friday) is closed anyway, next is Monday 4 January 2027
        (
            "2026-12-31T23:30:00+01:00",
            {
                "offen": False,
                "bis": None,
                "feiertag": None,
                "naechste": {"tage": 4, "wochentag": 0, "von": 480},
            },
        ),
        # 07:30 UTC on a Monday in summer is 09:30 in Hessen: open (the node process runs in Tokyo time)
        ("2026-07-06T07:30:00Z", {"offen": True, "bis": 14 * 60, "feiertag": None, "naechste": None}),
        # 06:30 UTC on a Monday in winter is 07:30 in Hessen: not yet
        (
            "2026-12-07T06:30:00Z",
            {
                "offen": False,
                "bis": None,
                "feiertag": None,
                "naechste": {"tage": 0, "wochentag": 0, "von": 480},
            },
        ),
    ],
)
def test_status_at_fixed_instants(instant, expected):
    got = run_node(f"return L.status(L.zeiten({json.dumps(ZEITEN)}), new Date({json.dumps(instant)}));")
    assert got == expected


def test_clock_of_hessen_across_the_summer_time_switches():
    got = run_node(
        'return ["2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"]'
        ".map((t) => L.inHessen(new Date(t)));"
    )
    assert [(g["datum"], g["minute"]) for g in got] == [
        ("2026-03-29", 90),  # 01:30 CET
        ("2026-03-29", 210),  # 03:30 CEST (02:00 -> 03:00)
        ("2026-10-25", 150),  # 02:30 CEST
        ("2026-10-25", 150),  # 02:30 CET (03:00 -> 02:00): the hour comes twice
    ]
    assert {g["wochentag"] for g in got} == {6}  # Sundays


def test_no_structured_hours_no_next_opening():
    assert run_node('return L.status(L.zeiten(""), new Date("2026-06-08T09:00:00+02:00"));') == {
        "offen": False,
        "bis": None,
        "feiertag": None,
        "naechste": None,
    }
    assert date(2026, 6, 8).weekday() == 0  # the instants above are the weekdays they claim to be
