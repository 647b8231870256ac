"""``catalog.json``: a DCAT-AP.de description of the data (JSON-LD) that open-data portals can harvest.

One ``dcat:Catalog`` with a ``dcat:DataService`` (the API: ``index.json`` and the JSON Schemas) and one
``dcat:Dataset`` per subsite (its services and offices as CSV and JSON, German), each with its political
geocoding (Destatis keys in the dcat-ap.de vocabularies) and ``dct:modified`` from the data (the newest
Versionsinformation of what it lists): the file changes only when the data does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from content_sync.models import GebietArt

from .settings import ContentApiSettings

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcatap": "http://data.europa.eu/r5r/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
EU = "http://publications.europa.eu/resource/authority"
IANA = "https://www.iana.org/assignments/media-types"
GEO = "http://dcat-ap.de/def/politicalGeocoding"
SPRACHEN_EU = {"de": "DEU", "de-x-ls": "DEU", "en": "ENG", "ar": "ARA"}
EBENE = {
    GebietArt.GEMEINDE: "municipality",
    GebietArt.KREIS: "administrativeDistrict",
    GebietArt.REGIERUNGSBEZIRK: "state",  # a Regierungsbezirk is part of the Land's administration
    GebietArt.LAND: "state",
}


class JsonLd(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Ref(JsonLd):
    id_: str = Field(alias="@id")


class Datum(JsonLd):
    value: str = Field(alias="@value", pattern=r"^\d{4}-\d\d-\d\d$")
    type_: Literal["xsd:date"] = Field(default="xsd:date", alias="@type")


class Organisation(JsonLd):
    type_: Literal["foaf:Organization"] = Field(default="foaf:Organization", alias="@type")
    name: str = Field(alias="foaf:name")
    homepage: Ref | None = Field(default=None, alias="foaf:homepage")


class Kontaktpunkt(JsonLd):
    type_: Literal["vcard:Organization"] = Field(default="vcard:Organization", alias="@type")
    fn: str = Field(alias="vcard:fn")
    email: Ref = Field(alias="vcard:hasEmail")


class Distribution(JsonLd):
    id_: str = Field(alias="@id")
    type_: Literal["dcat:Distribution"] = Field(default="dcat:Distribution", alias="@type")
    title: str = Field(alias="dct:title")
    access_url: Ref = Field(alias="dcat:accessURL")
    download_url: Ref = Field(alias="dcat:downloadURL")
    media_type: Ref = Field(alias="dcat:mediaType")
    format: Ref = Field(alias="dct:format")
    license: Ref = Field(alias="dct:license")
    attribution: str = Field(alias="dcatde:licenseAttributionByText")
    conforms_to: Ref | None = Field(default=None, alias="dct:conformsTo")
    language: list[Ref] = Field(alias="dct:language")
    availability: Ref = Field(alias="dcatap:availability")


class Dataset(JsonLd):
    id_: str = Field(alias="@id")
    type_: Literal["dcat:Dataset"] = Field(default="dcat:Dataset", alias="@type")
    title: str = Field(alias="dct:title")
    description: str = Field(alias="dct:description")
    identifier: str = Field(alias="dct:identifier")
    publisher: Organisation = Field(alias="dct:publisher")
    contact: Kontaktpunkt | None = Field(default=None, alias="dcat:contactPoint")
    contributor: Ref | None = Field(default=None, alias="dcatde:contributorID")
    theme: list[Ref] = Field(alias="dcat:theme")
    keyword: list[str] = Field(alias="dcat:keyword")
    language: list[Ref] = Field(alias="dct:language")
    geocoding: Ref = Field(alias="dcatde:politicalGeocodingURI")
    geocoding_level: Ref = Field(alias="dcatde:politicalGeocodingLevelURI")
    modified: Datum | None = Field(default=None, alias="dct:modified")
    periodicity: Ref = Field(alias="dct:accrualPeriodicity")
    access_rights: Ref = Field(alias="dct:accessRights")
    landing_page: Ref = Field(alias="dcat:landingPage")
    distribution: list[Distribution] = Field(alias="dcat:distribution")


class DataService(JsonLd):
    id_: str = Field(alias="@id")
    type_: Literal["dcat:DataService"] = Field(default="dcat:DataService", alias="@type")
    title: str = Field(alias="dct:title")
    endpoint_url: Ref = Field(alias="dcat:endpointURL")
    endpoint_description: Ref = Field(alias="dcat:endpointDescription")
    license: Ref = Field(alias="dct:license")
    serves: list[Ref] = Field(alias="dcat:servesDataset")


class Katalog(JsonLd):
    context: dict[str, str] = Field(alias="@context")
    id_: str = Field(alias="@id")
    type_: Literal["dcat:Catalog"] = Field(default="dcat:Catalog", alias="@type")
    title: str = Field(alias="dct:title")
    description: str = Field(alias="dct:description")
    publisher: Organisation = Field(alias="dct:publisher")
    language: list[Ref] = Field(alias="dct:language")
    license: Ref = Field(alias="dct:license")
    homepage: Ref = Field(alias="foaf:homepage")
    modified: Datum | None = Field(default=None, alias="dct:modified")
    dataset: list[Dataset] = Field(alias="dcat:dataset")
    service: list[DataService] = Field(alias="dcat:service")


def geocoding(art: GebietArt, ars: str) -> tuple[str, str]:
    """The dcat-ap.de political geocoding URI and level of a Gebiet (12-digit ARS)."""
    if art is GebietArt.LAND:
        uri = f"{GEO}/stateKey/{ars[:2]}"
    elif art is GebietArt.REGIERUNGSBEZIRK:
        uri = f"{GEO}/governmentDistrictKey/{ars[:3]}"
    elif art is GebietArt.KREIS:
        uri = f"{GEO}/districtKey/{ars[:5]}"
    else:
        uri = f"{GEO}/regionalKey/{ars}"
    return uri, f"{GEO}/Level/{EBENE[art]}"


@dataclass(frozen=True)
class OrtDatensatz:
    """What the catalogue says about one subsite's files (URLs as published)."""

    schluessel: str
    name: str
    art: GebietArt
    ars: str
    seite: str
    leistungen_csv: str
    behoerden_csv: str
    leistungen_json: str
    behoerden_json: str
    anzahl_leistungen: int
    anzahl_behoerden: int
    geaendert: str | None  # ISO date


@dataclass(frozen=True)
class KatalogDaten:
    katalog_url: str
    index_url: str
    api_url: str
    csv_schema_url: dict[str, str]  # "l", "b": JSON Schema of a row of leistungen.csv, behoerden.csv
    json_schema_url: dict[str, str]  # "l", "b": JSON Schema of leistungen.json, behoerden.json
    homepage: str
    site_name: str
    sprachen: list[str]
    kontakt_email: str
    orte: list[OrtDatensatz]


def _ref(value: str) -> Ref:
    return Ref(id_=value)


def katalog(config: ContentApiSettings, d: KatalogDaten) -> Katalog:
    herausgeber = Organisation(
        name=config.herausgeber, homepage=_ref(config.herausgeber_url) if config.herausgeber_url else None
    )
    kontakt = (
        Kontaktpunkt(fn=config.herausgeber, email=_ref(f"mailto:{d.kontakt_email}"))
        if d.kontakt_email
        else None
    )
    attribution = config.namensnennung or config.herausgeber
    sprachen = [
        _ref(f"{EU}/language/{c}") for c in dict.fromkeys(SPRACHEN_EU.get(s, "DEU") for s in d.sprachen)
    ]
    deutsch = [_ref(f"{EU}/language/DEU")]

    def distribution(url: str, titel: str, art: str, schema: str) -> Distribution:
        media = "text/csv" if art == "CSV" else "application/json"
        return Distribution(
            id_=f"{url}#distribution",
            title=titel,
            access_url=_ref(url),
            download_url=_ref(url),
            media_type=_ref(f"{IANA}/{media}"),
            format=_ref(f"{EU}/file-type/{art}"),
            license=_ref(config.lizenz),
            attribution=attribution,
            conforms_to=_ref(schema),
            language=deutsch,
            availability=_ref(f"{EU}/planned-availability/AVAILABLE"),
        )

    datasets = []
    for o in d.orte:
        uri, level = geocoding(o.art, o.ars)
        datasets.append(
            Dataset(
                id_=f"{d.api_url}#{o.schluessel}",
                title=f"{config.titel}: {o.name}",
                description=(
                    f"{config.beschreibung}. {o.name}: {o.anzahl_leistungen} Leistungen, für die dieses Gebiet "
                    f"selbst zuständig ist, und {o.anzahl_behoerden} Behörden (die übrigen Leistungen für seine "
                    "Einwohner stehen bei den übergeordneten Gebieten)."
                ),
                identifier=f"{d.api_url}#{o.schluessel}",
                publisher=herausgeber,
                contact=kontakt,
                contributor=_ref(config.contributor_id) if config.contributor_id else None,
                theme=[_ref(f"{EU}/data-theme/GOVE")],
                keyword=["Verwaltungsleistungen", "Zuständigkeiten", "Behörden", "FIM", "LeiKa", o.name],
                language=sprachen,
                geocoding=_ref(uri),
                geocoding_level=_ref(level),
                modified=Datum(value=o.geaendert) if o.geaendert else None,
                periodicity=_ref(f"{EU}/frequency/DAILY"),
                access_rights=_ref(f"{EU}/access-right/PUBLIC"),
                landing_page=_ref(o.seite),
                distribution=[
                    distribution(
                        o.leistungen_csv, f"Leistungen {o.name} (CSV)", "CSV", d.csv_schema_url["l"]
                    ),
                    distribution(o.behoerden_csv, f"Behörden {o.name} (CSV)", "CSV", d.csv_schema_url["b"]),
                    distribution(
                        o.leistungen_json, f"Leistungen {o.name} (JSON)", "JSON", d.json_schema_url["l"]
                    ),
                    distribution(
                        o.behoerden_json, f"Behörden {o.name} (JSON)", "JSON", d.json_schema_url["b"]
                    ),
                ],
            )
        )
    dates = [o.geaendert for o in d.orte if o.geaendert]
    return Katalog(
        context=CONTEXT,
        id_=d.katalog_url,
        title=f"{config.titel} – {d.site_name}",
        description=config.beschreibung,
        publisher=herausgeber,
        language=sprachen,
        license=_ref(config.lizenz),
        homepage=_ref(d.homepage),
        modified=Datum(value=max(dates)) if dates else None,
        dataset=datasets,
        service=[
            DataService(
                id_=f"{d.api_url}#api",
                title=f"{config.titel} – Content-API ({d.site_name})",
                endpoint_url=_ref(d.api_url),
                endpoint_description=_ref(d.index_url),
                license=_ref(config.lizenz),
                serves=[_ref(ds.id_) for ds in datasets],
            )
        ],
    )
