"""A demo store and one full build of the demo site, shared by the plugin tests (built once per session)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from content_sync.sync import run_sync
from plugins.portal_pages.commands import build_site
from tests.conftest import DEMO, ROOT


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store") / "portal.sqlite"
    assert run_sync(str(DEMO / "nacht-1"), store).ok
    return store


@pytest.fixture(scope="session")
def demo_site(demo_store, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site") / "output"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        build_site(ROOT / "pelicanconf.py", store=str(demo_store), output=str(out))
    finally:
        os.chdir(cwd)
    return out
