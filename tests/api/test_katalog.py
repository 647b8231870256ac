"""catalog.json: DCAT-AP.de (JSON-LD) with the licence from the settings and dates only from the data."""

from __future__ import annotations

import re
from pathlib import Path

from plugins.content_api.settings import DL_BY_DE

from .conftest import api_bauen, lies


def test_catalogue_describes_each_place_with_licence_geocoding_and_distributions(api: Path) -> None:
    kat = lies(api / "catalog.json")
    assert kat["@type"] == "dcat:Catalog" and kat["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    assert kat["dct:license"] == {"@id": DL_BY_DE}
    assert kat["dct:publisher"]["foaf:name"] == "Landesredaktion Hessen (Demo)"
    datasets = {d["@id"].rsplit("#", 1)[1]: d for d in kat["dcat:dataset"]}
    assert len(datasets) == 46
    wanfried = datasets["wanfried"]
    assert wanfried["dcatde:politicalGeocodingURI"] == {
        "@id": "http://dcat-ap.de/def/politicalGeocoding/regionalKey/066360013013"
    }
    assert wanfried["dcatde:politicalGeocodingLevelURI"]["@id"].endswith("/Level/municipality")
    assert datasets["werra-meissner-kreis"]["dcatde:politicalGeocodingURI"]["@id"].endswith(
        "districtKey/06636"
    )
    assert datasets["hessen"]["dcatde:politicalGeocodingURI"]["@id"].endswith("stateKey/06")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", wanfried["dct:modified"]["@value"])
    assert wanfried["dcat:contactPoint"]["vcard:hasEmail"] == {
        "@id": "mailto:redaktion@verwaltungsportal.example"
    }
    formate = sorted(d["dct:format"]["@id"].rsplit("/", 1)[1] for d in wanfried["dcat:distribution"])
    assert formate == ["CSV", "CSV", "JSON", "JSON"]
    for dist in wanfried["dcat:distribution"]:
        assert dist["dct:license"] == {"@id": DL_BY_DE}
        assert (api.parent.parent / dist["dcat:downloadURL"]["@id"].lstrip("/")).is_file()
    [service] = kat["dcat:service"]
    assert service["dcat:endpointDescription"] == {"@id": "/api/v1/index.json"}
    assert len(service["dcat:servesDataset"]) == 46


def test_licence_publisher_and_base_url_come_from_the_settings(tmp_path: Path, demo_store: Path) -> None:
    stats = api_bauen(
        demo_store,
        tmp_path,
        lizenz="http://dcat-ap.de/def/licenses/cc-by/4.0",
        lizenz_name="Creative Commons Namensnennung 4.0",
        herausgeber="Testredaktion",
        pfad="daten/v2",
    )
    kat = lies(tmp_path / "daten/v2/catalog.json")
    assert kat["dct:license"]["@id"] == "http://dcat-ap.de/def/licenses/cc-by/4.0"
    assert (
        kat["dcat:dataset"][0]["dcat:distribution"][0]["dcatde:licenseAttributionByText"] == "Testredaktion"
    )
    index = lies(tmp_path / "daten/v2/index.json")
    assert index["lizenz"] == {
        "titel": "Creative Commons Namensnennung 4.0",
        "url": kat["dct:license"]["@id"],
    }
    assert index["vorlagen"]["leistung"] == "/daten/v2/{sprache}/leistungen/{id}.json"
    assert stats.geschrieben == stats.dateien > 1000 and not (tmp_path / "api").exists()
