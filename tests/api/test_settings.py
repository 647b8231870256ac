"""CONTENT_API is validated like PORTAL_PAGES: a wrong key or value stops the build and names the key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from plugins.content_api.settings import ContentApiSettings
from plugins.content_api.tabellen import BehoerdeZeile, LeistungZeile, spalten
from plugins.portal_pages.settings import PluginConfigError
from tests.conftest import ROOT

from .conftest import pelican_settings


def test_the_project_settings_are_valid_and_name_a_licence() -> None:
    config = ContentApiSettings.from_pelican(pelican_settings())
    assert config.pfad == "api/v1" and config.lizenz.startswith("http://dcat-ap.de/def/licenses/")


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"lizens": "x"}, "CONTENT_API.lizens"),
        ({"pfad": "../etwas"}, "CONTENT_API.pfad"),
        ({"pfad": "/api"}, "CONTENT_API.pfad"),
        ({"lizenz": "keine URL"}, "CONTENT_API.lizenz"),
        ({"brotli_qualitaet": 12}, "CONTENT_API.brotli_qualitaet"),
        ({"kurztext_zeichen": 5}, "CONTENT_API.kurztext_zeichen"),
    ],
)
def test_a_wrong_setting_is_refused_by_name(raw: dict, named: str) -> None:
    with pytest.raises(PluginConfigError, match=re.escape(named)):
        ContentApiSettings.from_pelican({"CONTENT_API": raw})


def test_no_settings_key_means_the_defaults() -> None:
    assert ContentApiSettings.from_pelican({}) == ContentApiSettings()


def test_the_readme_documents_the_csv_columns() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Content API", 1)[1].split("\n## ", 1)[0]
    for model in (LeistungZeile, BehoerdeZeile):
        for column in spalten(model):
            assert f"`{column}`" in section, f"README: column {column} of {model.__name__} is not documented"


def test_the_readme_names_every_file_kind(tmp_path: Path) -> None:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Content API", 1)[1]
    for name in (
        "index.json",
        "catalog.json",
        "lebenslagen.json",
        "behoerden.json",
        "leistungen.csv",
        ".schema.json",
    ):
        assert name in section


def test_urls_are_absolute_with_a_site_url_and_root_relative_without() -> None:
    from plugins.content_api.inhalte import Pfade

    assert Pfade("", "api/v1").api_url("de/leistungen/lb-1.json") == "/api/v1/de/leistungen/lb-1.json"
    mit = Pfade("https://portal.example/hessen/", "api/v1")
    assert mit.api_url("index.json") == "https://portal.example/hessen/api/v1/index.json"
    assert mit.url("wanfried/") == "https://portal.example/hessen/wanfried/"
    assert mit.schema("leistung") == "https://portal.example/hessen/api/v1/schemas/leistung.schema.json"


def test_the_plugin_needs_portal_pages() -> None:
    from plugins.content_api.content_api import ContentApiGenerator

    generator = object.__new__(ContentApiGenerator)
    generator.context = {}
    with pytest.raises(PluginConfigError, match="needs portal_pages"):
        generator.generate_output(None)
