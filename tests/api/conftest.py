"""The content API tests read the files of the demo site built once per session (tests/conftest.py), and
build the API alone (without the pages) where they need a changed store or other settings."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pelican.settings import read_settings

from content_sync.store import Store
from plugins.content_api.ausgabe import Statistik
from plugins.content_api.content_api import schreibe_api
from plugins.content_api.settings import ContentApiSettings
from plugins.portal_pages.settings import PortalPagesSettings
from plugins.portal_pages.site import Portal
from tests.conftest import ROOT


@pytest.fixture(scope="session")
def api(demo_site: Path) -> Path:
    """The API folder of the demo build."""
    return demo_site / "api" / "v1"


def lies(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def pelican_settings() -> dict[str, Any]:
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return read_settings(str(ROOT / "pelicanconf.py"))
    finally:
        os.chdir(cwd)


def portal_aus(store: Path) -> Portal:
    settings = pelican_settings()
    pp = PortalPagesSettings.model_validate({**settings["PORTAL_PAGES"], "store": str(store)})
    with Store(pp.store, readonly=True) as st:
        return Portal(pp, st)


def api_bauen(store: Path, out: Path, *, theme: Path = ROOT / "theme", **content_api: Any) -> Statistik:
    """Write only the API (no pages) from a store into ``out`` with the project's settings and overrides."""
    settings = pelican_settings()
    config = ContentApiSettings.model_validate({**settings.get("CONTENT_API", {}), **content_api})
    return schreibe_api(portal_aus(store), config, out, theme)


def baum(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) and its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
