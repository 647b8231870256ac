"""Screenshots for the documentation (docs/screenshots/), taken in the same Chromium setup as the audit:
the Wanfried start page and a service page in German and Arabic, at desktop and phone width, full page.

A full-page screenshot is as wide as the page's content: a PNG wider than the viewport means the page
scrolls sideways on that screen, which the test reports.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT
from .pages import GEMEINDE, LANGUAGES

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "docs" / "screenshots"
WIDTHS = {"desktop": 1280, "phone": 375}
HEIGHT = 900
SERVICE = "personalausweis-beantragen--"  # Personalausweis beantragen, whatever its id
MAX_BYTES = 3_000_000
# the pages' clock: a Tuesday morning in Hessen, when the demo's Bürgerbüro is open ("Jetzt geöffnet").
# Without it the screenshots changed with the time of the test run (and the working tree after each run).
ZEIT = "2026-11-24T09:30:00Z"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_screenshots(
    site_dir: Path, site_url: str, run_browser: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    services = sorted(p.name for p in (site_dir / GEMEINDE / "leistungen").glob(f"{SERVICE}*"))
    assert services, f"no {SERVICE}* page in {GEMEINDE}leistungen/"
    service = f"leistungen/{services[0]}/"
    pages = {
        "start": GEMEINDE,
        "leistung-de": GEMEINDE + service,
        "leistung-ar": f"{GEMEINDE}{LANGUAGES['ar'][0]}/{service}",
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shots = []
    for name, path in pages.items():
        for device, width in WIDTHS.items():
            target = SCREENSHOTS / f"{name}-{device}.png"
            target.unlink(missing_ok=True)
            shots.append({"url": site_url + path, "path": str(target), "width": width, "height": HEIGHT})

    t0 = time.perf_counter()
    result = run_browser({"screenshots": shots, "zeit": ZEIT})
    print(f"\n{len(shots)} screenshots in {time.perf_counter() - t0:.1f} s")

    problems = []
    for shot, done in zip(shots, result["screenshots"], strict=True):
        target = Path(shot["path"])
        name = target.relative_to(ROOT)
        if done["status"] != 200:
            problems.append(f"{name}: {shot['url']} answered {done['status']}")
        if not target.is_file():
            problems.append(f"{name} was not written")
            continue
        data = target.read_bytes()
        width, height = _png_size(data)
        print(f"  {name}: {width}x{height}, {len(data) // 1024} KiB")
        if width != shot["width"]:
            problems.append(
                f"{name}: {width} px wide for a {shot['width']} px screen (the page scrolls sideways)"
            )
        if height < HEIGHT:
            problems.append(f"{name}: only {height} px high")
        if not 20_000 < len(data) < MAX_BYTES:
            problems.append(f"{name}: {len(data)} bytes")
    assert not problems, "\n".join(problems)
