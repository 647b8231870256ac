"""Fixtures of the editors' tests (issue 7: the change report's diff, the data-quality page, the Atom feeds).

The demo's two nights synced into one store (night 2 changes the fees of Personalausweis and
Meldebescheinigung and the processing time of Führungszeugnis, adds two services, removes two), and the small
site of the nightly tests (tests/nightly/pelicanconf_klein.py: the Land, Wanfried, its Kreis and
Regierungsbezirk) built from it once per session.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from content_sync.models import Leistung
from content_sync.store import Store
from content_sync.sync import run_sync
from plugins.nightly import checks
from plugins.portal_pages.commands import build_site
from tests.conftest import DEMO, ROOT

KLEIN = ROOT / "tests" / "nightly" / "pelicanconf_klein.py"


def sync(source: Path, store: Path) -> int:
    result = run_sync(str(source), store)
    assert result.ok, result.error
    return result.run_id


def build_klein(store: Path, out: Path, **portal_pages: object) -> dict:
    """The small site from ``store`` into ``out`` (PORTAL_PAGES overrides in ``portal_pages``)."""
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return build_site(KLEIN, store=str(store), output=str(out), portal_pages=portal_pages or None)
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def zwei_naechte(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with the demo's night 1 and night 2 (sync runs 1 and 2). Copy it before writing to it."""
    store = tmp_path_factory.mktemp("naechte") / "portal.sqlite"
    assert sync(DEMO / "nacht-1", store) == 1
    assert sync(DEMO / "nacht-2", store) == 2
    return store


@pytest.fixture(scope="session")
def klein_site(zwei_naechte: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small site built after night 2."""
    out = tmp_path_factory.mktemp("klein") / "output"
    build_klein(zwei_naechte, out)
    return out


@pytest.fixture
def store_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """A function that copies a store (with its WAL files) into this test's folder and returns the copy."""

    def copy(store: Path) -> Path:
        target = tmp_path / "kopie" / store.name
        target.parent.mkdir(parents=True, exist_ok=True)
        for f in store.parent.glob(store.name + "*"):
            shutil.copy2(f, target.parent / f.name)
        return target

    return copy


def versionen(store: Path, key: str) -> list[Leistung]:
    with Store(store, readonly=True) as s:
        return s.versions(Leistung, key)


def vnu(root: Path, pages: list[str]) -> list[str]:
    """The Nu HTML Checker's errors on ``pages`` (relative to ``root``); a missing tool is an error too."""
    return [str(p) for p in checks.run_vnu(root, pages, marker="tests-editors")]


def portal_aus(store: Path, **overrides: object):  # -> Portal (imported late: Pelican)
    """The portal's structure as the small site's build sees it (PORTAL_PAGES overrides in ``overrides``)."""
    from pelican.settings import read_settings

    from plugins.portal_pages.settings import PortalPagesSettings
    from plugins.portal_pages.site import Portal

    raw = read_settings(str(KLEIN))["PORTAL_PAGES"]
    config = PortalPagesSettings.model_validate({**raw, "store": str(store), **overrides})
    with Store(store, readonly=True) as s:
        return Portal(config, s)
