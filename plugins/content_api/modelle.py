"""The API's response models: every JSON file the plugin writes is one of these, dumped with sorted keys.

The published JSON Schemas (``<api>/schemas/<name>.schema.json``) are ``model_json_schema()`` of the models
in :data:`SCHEMAS`; unknown keys are forbidden, so a schema catches a file that grew a key by mistake.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Ebene = Literal["gemeinde", "kreis", "regierungsbezirk", "land"]
Url = str  # absolute (with PORTAL_PAGES['site_url']) or root-relative ("/wanfried/...")


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Dokument(ApiModel):
    """A file of the API: it names its schema."""

    schema_: Url = Field(alias="$schema", description="URL of this file's JSON Schema")


# --- parts ------------------------------------------------------------------------------------------------


class XzufiId(ApiModel):
    agency: str = Field(description="schemeAgencyID: the Redaktion that issued the id")
    id: str = Field(description="the object's id in XZuFi")


class Link(ApiModel):
    url: Url
    titel: str | None = None


class Abschnitt(ApiModel):
    """A section of a service description, as on the page."""

    schluessel: str = Field(description="volltext, unterlagen, voraussetzungen, ... (see the README)")
    modul: str | None = Field(description="LeiKa text module code ('06'), null for kosten, fristen, dauer")
    sprache: str = Field(description="language of the text (German where the requested one is missing)")
    html: str = Field(description="sanitised HTML (allow-list of the portal pages)")
    text: str = Field(description="plain text: one line per paragraph, list item and table row")
    links: list[Link] = Field(default_factory=list, description="further links of this module (http(s) only)")


class Kostenposten(ApiModel):
    art: Literal["fix", "variabel", "frei"]
    betrag: str | None = Field(description="decimal amount, e.g. '37.00'")
    betrag_bis: str | None = Field(description="upper amount of a variable fee")
    waehrung: str
    vorkasse: bool | None
    typ: str | None = Field(description="Kostentyp code (001-018)")
    text: str = Field(description="the fee in words of the language, as on the page ('Gebühr: 37,00 €')")
    beschreibung: str | None = Field(description="plain-text note on this fee")


class Zeitangabe(ApiModel):
    """A deadline (Frist) or processing time (Bearbeitungsdauer)."""

    text: str = Field(description="in words of the language ('1 bis 3 Wochen')")
    dauer: int | None
    einheit: str | None = Field(description="JAHR, MONAT, WOCHE, TAG, WERKTAG, ARBEITSTAG, STUNDE, ...")
    dauer_bis: int | None
    einheit_bis: str | None
    stichtag_von: str | None
    stichtag_bis: str | None
    typ: str | None = Field(default=None, description="Fristtyp code (deadlines only)")
    beschreibung: str | None = Field(description="plain-text note")


class Freigabe(ApiModel):
    am: str | None = Field(description="ISO date of the fachliche Freigabe")
    durch: str | None


class LebenslageRef(ApiModel):
    code: str
    name: str
    zielgruppe: Literal["buerger", "unternehmen"]


class Zustaendigkeit(ApiModel):
    """The Gebiet whose Zustaendigkeit applies: the most specific one containing the place."""

    ebene: Ebene
    ars: str = Field(pattern=r"^\d{12}$", description="12-digit Amtlicher Regionalschlüssel")
    name: str


class OrtRef(ApiModel):
    schluessel: str = Field(description="the subsite's key in API paths (orte/<schluessel>/)")
    ars: str = Field(pattern=r"^\d{12}$")
    name: str = Field(description="official name (Destatis)")
    kurzname: str
    art: Ebene
    seite: Url = Field(description="the subsite's start page in this language")


# --- offices and online services ---------------------------------------------------------------------------


class Anschrift(ApiModel):
    typ: str | None = Field(description="hausanschrift, besucheranschrift, postfach, postanschrift, ...")
    strasse: str | None
    hausnummer: str | None
    postfach: str | None
    plz: str | None
    ort: str | None
    zusatz: str | None
    karte: Url | None = Field(description="the address on OpenStreetMap (a search link)")


class Kontakt(ApiModel):
    kanal: Literal["telefon", "fax", "email", "web", "sonstiges"]
    kennung: str = Field(description="number, address or URL as in the data")
    url: Url | None = Field(description="tel:, mailto: or http(s) link; null where the value is none")
    zusatz: str | None


class Oeffnungszeit(ApiModel):
    tag: Literal["MO", "DI", "MI", "DO", "FR", "SA", "SO"]
    tag_name: str = Field(description="the weekday in the language")
    von: str = Field(pattern=r"^\d\d:\d\d$")
    bis: str = Field(pattern=r"^\d\d:\d\d$")


class Ansprechpunkt(ApiModel):
    bezeichnung: str | None
    kontakt: list[Kontakt]


class Behoerde(ApiModel):
    """An office (Organisationseinheit) with everything its page shows."""

    id: str = Field(description="the office's id in API paths")
    xzufi: XzufiId
    name: str
    sprache: str = Field(description="language of the name (German where the requested one is missing)")
    beschreibung: str | None = Field(description="sanitised HTML")
    anschrift: Anschrift | None = Field(description="the visitor address (else the first one)")
    anschriften: list[Anschrift]
    oeffnungszeiten: list[Oeffnungszeit] = Field(description="Monday first, times in order")
    oeffnungszeiten_hinweis: str | None
    kontakt: list[Kontakt]
    ansprechpunkte: list[Ansprechpunkt]
    barrierefreiheit: str | None
    seite: Url = Field(description="the office's page in this language")
    ort: str = Field(
        description="schluessel of the subsite where its page (and its behoerden.json entry) lives"
    )


class Onlinedienst(ApiModel):
    id: str
    xzufi: XzufiId
    name: str
    url: Url | None = Field(description="the online service (http(s) only; null if the data has none)")
    vertrauensniveau: str | None = Field(description="code: 00 none, 10/15 low, 20/30 substantial, 40 high")


# --- the conversational answer ------------------------------------------------------------------------------


class Antwort(ApiModel):
    """What a chatbot can say about a service in a place without cutting a long text itself."""

    name: str
    name_sprache: str = Field(description="language of the name (German where the requested one is missing)")
    text: str = Field(description="one or two plain sentences from the teaser or the short text")
    sprache: str = Field(description="language of the text (German where the requested one is missing)")
    gebuehr: str | None = Field(description="the fee in words ('Gebühr: 50,00 € bis 900,00 €'), if known")
    onlinedienst: Link | None = Field(description="the online service to do it, if there is one")
    stelle: str | None = Field(description="name of the responsible office")
    seite: Url = Field(description="the page with everything")


# --- the files -----------------------------------------------------------------------------------------------


class LeistungTexte(Dokument):
    """``<lang>/leistungen/<id>.json``: the description of a service, the same in every place."""

    id: str
    xzufi: XzufiId
    sprache: str = Field(description="the requested language")
    leika: list[str] = Field(description="LeiKa keys (14 digits)")
    name: str
    name_sprache: str
    kurztext: str = Field(description="teaser or short text, plain, at most CONTENT_API['kurztext_zeichen']")
    kurztext_sprache: str
    abschnitte: list[Abschnitt] = Field(description="every section with content, in the order of the page")
    kosten: list[Kostenposten]
    fristen: list[Zeitangabe]
    bearbeitungsdauer: list[Zeitangabe]
    begriffe: list[str] = Field(description="synonyms and search words in the language")
    lebenslagen: list[LebenslageRef]
    adressaten: list[Literal["buerger", "unternehmen", "verwaltung"]]
    fachliche_freigabe: Freigabe | None
    stand: str | None = Field(description="ISO date of the last change (Versionsinformation)")
    ursprungsportal: list[Link]
    seite: Url = Field(description="the Land portal's page of the service")


class StelleRef(ApiModel):
    id: str = Field(description="the office's record is in behoerden.json of the same place")
    name: str
    sprache: str


class LeistungEintrag(ApiModel):
    """A service in a subsite's list: who is responsible here, the online services, the short answer."""

    id: str
    leika: list[str]
    name: str
    sprache: str = Field(description="language of the name (German where the requested one is missing)")
    kurztext: str
    kurztext_sprache: str
    lebenslagen: list[str] = Field(description="codes of its Lebenslagen (see lebenslagen.json)")
    zustaendigkeit: Zustaendigkeit | None = Field(description="null: nobody known (general description)")
    stellen: list[StelleRef] = Field(description="the responsible offices (records in behoerden.json)")
    onlinedienste: list[Onlinedienst]
    antwort: Antwort
    seite: Url = Field(description="the service's page for this place")
    texte: Url = Field(description="the description with every section (leistungen/<id>.json)")


class OrtLeistungen(Dokument):
    """``<lang>/orte/<ort>/leistungen.json``: the services this subsite's Gebiet is responsible for itself.

    The services offered to the place's residents are these, then those of each place in ``kette`` (its
    Kreis, Regierungsbezirk, the Land) that are not listed yet: the first list that names a service wins.
    """

    sprache: str
    ort: OrtRef
    kette: list[OrtRef] = Field(description="the subsites above, most specific first: where to look next")
    leistungen: list[LeistungEintrag]


class OrtBehoerden(Dokument):
    """``<lang>/orte/<ort>/behoerden.json``: the offices whose page lives in this subsite, and the offices
    its ``leistungen.json`` names (``ort`` of an office says where its page lives)."""

    sprache: str
    ort: OrtRef
    behoerden: list[Behoerde]


class LebenslageEintrag(ApiModel):
    code: str
    name: str
    sprache: str
    seite: Url = Field(description="the Lebenslage's page in this subsite")
    leistungen: list[str] = Field(description="ids of the services in it for this place's residents")


class Zielgruppe(ApiModel):
    code: Literal["buerger", "unternehmen"]
    lebenslagen: list[LebenslageEintrag]


class OrtLebenslagen(Dokument):
    """``<lang>/orte/<ort>/lebenslagen.json``: the Lebenslagen tree (Zielgruppe, Lebenslage, services)."""

    sprache: str
    ort: OrtRef
    zielgruppen: list[Zielgruppe]


class SpracheEintrag(ApiModel):
    code: str = Field(description="language code as in the data and in API paths: de, en, de-x-ls, ar")
    name: str
    richtung: Literal["ltr", "rtl"]


class OrtEintrag(ApiModel):
    schluessel: str
    ars: str = Field(pattern=r"^\d{12}$")
    name: str
    kurzname: str
    art: Ebene
    kette: list[str] = Field(description="schluessel of this subsite and those above, most specific first")


class ApiIndex(Dokument):
    """``index.json``: where everything is."""

    version: str
    name: str
    herausgeber: str
    lizenz: Link
    namensnennung: str
    katalog: Url = Field(description="DCAT-AP.de description (JSON-LD)")
    sprachen: list[SpracheEintrag]
    vorlagen: dict[str, Url] = Field(description="URL templates: {sprache}, {ort}, {id}")
    schemas: dict[str, Url]
    orte: list[OrtEintrag]
