"""Fixtures of the municipality tests: the demo site (built from pelicanconf.py, so with the Wanfried example in
sites/wanfried/), and small builds with a sites folder of a test's own."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

from plugins.portal_pages.commands import build_site
from plugins.portal_pages.settings import DEFAULT_SPRACHEN
from tests.conftest import ROOT

WANFRIED = "066360013013"
SITES = ROOT / "sites"


def page(site: Path, path: str) -> Any:
    """The parsed page at ``path`` (a folder: its index.html)."""
    target = site / path
    if path.endswith("/") or not path:
        target = target / "index.html"
    return lxml_html.fromstring(target.read_bytes())


def leistung_path(site: Path, subsite: str, lb_id: str, ordner: str = "") -> str:
    """The path of a subsite's service page by the Leistung's id (lb-1116), in a language folder."""
    (found,) = (site / subsite / "leistungen").glob(f"*--{lb_id}")
    return f"{subsite}/{ordner + '/' if ordner else ''}leistungen/{found.name}/"


def build_with(
    store: Path, out: Path, sites: Path, sprachen: tuple[str, ...] = ("de", "en", "ar"), **extra: Any
):
    """A small build: Wanfried and the Gebiete above it, these languages, this sites folder."""
    settings = {
        "sites_ordner": str(sites),
        "gebiete": [WANFRIED],
        "sprachen": [s.model_dump() for s in DEFAULT_SPRACHEN if s.code in sprachen],
        **extra,
    }
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return build_site(ROOT / "pelicanconf.py", store=str(store), output=str(out), portal_pages=settings)
    finally:
        os.chdir(cwd)


@pytest.fixture
def sites_copy(tmp_path: Path) -> Path:
    """A copy of the project's sites/ folder, to change in a test."""
    target = tmp_path / "sites"
    shutil.copytree(SITES, target)
    return target


@pytest.fixture
def small_build(demo_store: Path, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """build(sites, out=…, store=…, **settings): a small build (Wanfried, de/en/ar), by default of the demo
    store into tmp_path/out."""

    def run(sites: Path, out: Path | None = None, store: Path | None = None, **extra: Any) -> dict[str, Any]:
        return build_with(store or demo_store, out or tmp_path / "out", sites, **extra)

    return run
