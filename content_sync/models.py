"""The domain models: the contract between the sync and the site build.

Every model is frozen and forbids unknown fields; values are validated once, here, at the boundary. Texts that
come per ``languageCode`` are :class:`Mehrsprachig` (language -> text). Text that holds editor HTML is typed
:data:`Html`: it is kept exactly as delivered and must be sanitised when it is rendered (``plugins`` do that).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)

DEFAULT_LANGUAGE = "de"

ARS_RE = re.compile(r"^\d{2,12}$")


def _check_leika(value: str) -> str:
    if not re.fullmatch(r"\d{14}", value):
        raise ValueError(f"LeiKa key {value!r} must be exactly 14 digits, has {len(value)} characters")
    return value


def _check_ars(value: str) -> str:
    if not ARS_RE.fullmatch(value):
        raise ValueError(f"ARS {value!r} must be 2 to 12 digits")
    return value


LeikaSchluessel = Annotated[str, AfterValidator(_check_leika)]
ARS = Annotated[str, AfterValidator(_check_ars)]
# Editor HTML from the source, unsanitised. Never render it without plugins' sanitiser.
Html = Annotated[str, Field(json_schema_extra={"contentMediaType": "text/html", "x-sanitise": True})]
Sprache = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


# Caps against output amplification: a name is shown on every list page of every subsite, a text on every page
# of its object; libxml2 alone would let a text node of up to 10 MB through.
MAX_TEXT = 100_000  # characters of any one string (a text module per language, a link, a term)
MAX_NAME = 1_000  # characters of a name (Leistung, office, online service) per language


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_max_length=MAX_TEXT)


class Mehrsprachig(RootModel[dict[Sprache, str]]):
    """A text per language code, e.g. ``{"de": "Personalausweis", "en": "ID card"}``."""

    model_config = ConfigDict(frozen=True, str_max_length=MAX_TEXT)

    def __bool__(self) -> bool:
        return any(v.strip() for v in self.root.values())

    @property
    def sprachen(self) -> tuple[str, ...]:
        return tuple(sorted(self.root))

    def get(self, sprache: str) -> str | None:
        return self.root.get(sprache)

    def in_sprache(self, sprache: str, fallback: str = DEFAULT_LANGUAGE) -> tuple[str, str] | None:
        """The text in ``sprache``, else in ``fallback``: ``(language actually used, text)`` or None."""
        for lang in (sprache, fallback):
            text = self.root.get(lang)
            if text and text.strip():
                return lang, text
        return None

    @property
    def de(self) -> str:
        return self.root.get(DEFAULT_LANGUAGE, "")


def leer() -> Mehrsprachig:
    """The empty text (one shared instance: models are frozen, nobody changes it)."""
    return _LEER


def _check_identifier(value: str) -> str:
    """Ids end up in URLs and file names: refuse control, format (bidi, zero-width) and separator characters."""
    if value.isascii() and value.isprintable():  # the common case, and none of the refused characters
        bad = []
    else:
        bad = sorted(
            {f"U+{ord(c):04X}" for c in value if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")}
        )
    if bad:
        raise ValueError(f"identifier contains control or invisible characters ({', '.join(bad)})")
    if value != value.strip():
        raise ValueError("identifier has leading or trailing white space")
    if "/" in value or "\\" in value or value in (".", ".."):
        raise ValueError("identifier contains a path separator ('/' or '\\') or is '.' or '..'")
    return value


def _check_agency(value: str) -> str:
    if ":" in value:  # the separator of agency and id in a key: "A:B" + "C" and "A" + "B:C" would clash
        raise ValueError("schemeAgencyID contains ':', which separates agency and id in keys")
    return value


def _check_name(value: Mehrsprachig) -> Mehrsprachig:
    """Names are shown everywhere: not longer than MAX_NAME, no direction override (it disguises text)."""
    for lang, text in sorted(value.root.items()):
        if len(text) > MAX_NAME:
            raise ValueError(f"name ({lang}) has {len(text)} characters, at most {MAX_NAME} are allowed")
        overrides = sorted({f"U+{ord(c):04X}" for c in text if c in "\u202d\u202e"})
        if overrides:
            raise ValueError(f"name ({lang}) contains a direction override ({', '.join(overrides)})")
    return value


Identifier = Annotated[str, Field(min_length=1, max_length=128), AfterValidator(_check_identifier)]
Name = Annotated[Mehrsprachig, AfterValidator(_check_name)]


_LEER = Mehrsprachig({})


class ObjektRef(Model):
    """An XZuFi identifier. Ids are unique only together with ``schemeAgencyID`` (the Redaktion)."""

    agency: Annotated[Identifier, AfterValidator(_check_agency)]
    id: Identifier

    @cached_property  # computed millions of times by a Hessen-scale build; not a field (not dumped, not compared)
    def key(self) -> str:
        return f"{self.agency}:{self.id}"

    @classmethod
    def from_key(cls, key: str) -> ObjektRef:
        agency, _, local = key.partition(":")
        return cls(agency=agency, id=local)


class Code(Model):
    """An XÖV code value: list URI, code, and the optional name."""

    list_uri: str | None = None
    code: str
    name: str | None = None


class Hyperlink(Model):
    uri: str
    titel: str | None = None
    beschreibung: str | None = None
    sprache: str | None = None


class Textmodul(StrEnum):
    """LeiKa-Textmodul codes, code list urn:de:xzufi:codeliste:leistungstextmodulleika."""

    LEISTUNGSBEZEICHNUNG = "02"
    LEISTUNGSNAME = "03"
    KURZTEXT = "05"
    VOLLTEXT = "06"
    RECHTSGRUNDLAGEN = "07"
    UNTERLAGEN = "08"
    VORAUSSETZUNGEN = "09"
    VERFAHRENSABLAUF = "11"
    FORMULARE = "14"
    WEITERFUEHRENDE_INFORMATIONEN = "15"
    HINWEISE = "16"
    URHEBER = "18"
    ZUSTAENDIGE_STELLE = "22"
    ANSPRECHPUNKT = "23"
    TEASER = "24"
    RECHTSBEHELF = "25"


class Zeiteinheit(StrEnum):
    JAHR = "JAHR"
    MONAT = "MONAT"
    WOCHE = "WOCHE"
    TAG = "TAG"
    WERKTAG = "WERKTAG"
    ARBEITSTAG = "ARBEITSTAG"
    STUNDE = "STUNDE"
    MINUTE = "MINUTE"
    SEKUNDE = "SEKUNDE"


class Dauer(Model):
    """A duration (``dauer`` ``einheit``, optionally up to ``dauer_bis`` ``einheit_bis``) or a fixed date span."""

    dauer: int | None = Field(default=None, ge=0)
    einheit: Zeiteinheit | None = None
    dauer_bis: int | None = Field(default=None, ge=0)
    einheit_bis: Zeiteinheit | None = None
    stichtag_von: str | None = None
    stichtag_bis: str | None = None
    beschreibung: Mehrsprachig = Field(default_factory=leer)


class Frist(Dauer):
    typ: str | None = None  # Fristtyp code 001/002/003/005/006/009


class Kostenart(StrEnum):
    FIX = "fix"
    VARIABEL = "variabel"
    FREI = "frei"


class Kosten(Model):
    typ: str | None = None  # Kostentyp code 001-018
    art: Kostenart
    betrag: Decimal | None = None
    betrag_bis: Decimal | None = None
    waehrung: str = "EUR"
    vorkasse: bool | None = None
    beschreibung: Mehrsprachig = Field(default_factory=leer)


class Begriff(Model):
    """A term in context (``modulBegriffImKontext``): synonym, search word, Stichwort."""

    begriff: str
    sprache: str
    typ: str | None = None


class FachlicheFreigabe(Model):
    am: date | None = None
    durch: Mehrsprachig = Field(default_factory=leer)


class Zeitraum(Model):
    beginn: datetime | date | None = None
    ende: datetime | date | None = None


class Versionsinformation(Model):
    erstellt: datetime | None = None
    geaendert: datetime | None = None
    version: str | None = None


class Kategorie(Model):
    id: str
    uebergeordnet: str | None = None
    klasse: str | None = None
    bezeichnung: Mehrsprachig = Field(default_factory=leer)


class Leistungsadressat(StrEnum):
    BUERGER = "001"
    UNTERNEHMEN = "002"
    VERWALTUNG = "003"


class Leistung(Model):
    """A Leistungsbeschreibung (service description)."""

    ref: ObjektRef
    leika: tuple[LeikaSchluessel, ...] = Field(min_length=1)
    texte: dict[Textmodul, Mehrsprachig] = Field(default_factory=dict)
    modul_links: dict[Textmodul, tuple[Hyperlink, ...]] = Field(default_factory=dict)
    kosten: tuple[Kosten, ...] = ()
    kosten_text: Mehrsprachig = Field(default_factory=leer)
    fristen: tuple[Frist, ...] = ()
    fristen_text: Mehrsprachig = Field(default_factory=leer)
    bearbeitungsdauer: tuple[Dauer, ...] = ()
    bearbeitungsdauer_text: Mehrsprachig = Field(default_factory=leer)
    begriffe: tuple[Begriff, ...] = ()
    fachliche_freigabe: FachlicheFreigabe | None = None
    ursprungsportal: tuple[Hyperlink, ...] = ()
    klassifizierung: tuple[Code, ...] = ()
    kategorien: tuple[Kategorie, ...] = ()
    adressaten: tuple[Leistungsadressat, ...] = ()
    typisierung: tuple[str, ...] = ()
    vertrauensniveau: str | None = None
    gueltigkeit: tuple[Zeitraum, ...] = ()
    gueltigkeit_gebiete: tuple[ARS, ...] = ()
    versionsinformation: Versionsinformation | None = None
    sprachversionen: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _name_length(self) -> Leistung:
        _check_name(self.namen)
        return self

    @property  # not cached: model_copy(update=...) would carry a cached name over to the changed copy
    def namen(self) -> Mehrsprachig:
        """Citizen-facing name: Textmodul 03, per language falling back to 02 (the PVOG rule)."""
        merged = dict(self.texte.get(Textmodul.LEISTUNGSBEZEICHNUNG, leer()).root)
        merged.update({k: v for k, v in self.texte.get(Textmodul.LEISTUNGSNAME, leer()).root.items() if v})
        return Mehrsprachig(merged)

    def text(self, modul: Textmodul) -> Mehrsprachig:
        return self.texte.get(modul, leer())

    @property
    def sprachen(self) -> tuple[str, ...]:
        """Languages in which this Leistung has a name (the minimum for a page in that language)."""
        return self.namen.sprachen


class Anschrifttyp(StrEnum):
    HAUSANSCHRIFT = "001"
    BESUCHERANSCHRIFT = "002"
    POSTFACH = "003"
    GROSSEMPFAENGERPOSTFACH = "004"
    LIEFERANSCHRIFT = "005"
    POSTANSCHRIFT = "006"


class Anschrift(Model):
    typ: Anschrifttyp | None = None
    strasse: str | None = None
    hausnummer: str | None = None
    postfach: str | None = None
    plz: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = None
    ort: str | None = None
    ars: ARS | None = None
    zusatz: Mehrsprachig = Field(default_factory=leer)


class Kanal(StrEnum):
    TELEFON = "telefon"
    FAX = "fax"
    EMAIL = "email"
    WEB = "web"
    SONSTIGES = "sonstiges"


# An e-mail address as far as a mailto: link needs it: no white space, quotes, brackets or separators.
_EMAIL = re.compile(r"[^\s\"<>()\[\]\\,;:@]+@[^\s\"<>()\[\]\\,;:@]+\.[^\s\"<>()\[\]\\,;:@]+")


class Kommunikation(Model):
    kanal: Kanal
    kennung: str = Field(min_length=1, max_length=500)
    zusatz: Mehrsprachig = Field(default_factory=leer)

    @model_validator(mode="before")
    @classmethod
    def _email_or_text(cls, data: object) -> object:
        """An e-mail "address" that is none is kept as text (``sonstiges``): it must not become a mailto: link."""
        if isinstance(data, dict) and data.get("kanal") in (Kanal.EMAIL, "email"):
            kennung = data.get("kennung")
            if not isinstance(kennung, str) or not _EMAIL.fullmatch(kennung.strip()):
                return {**data, "kanal": Kanal.SONSTIGES}
        return data


class Wochentag(StrEnum):
    MO = "MO"
    DI = "DI"
    MI = "MI"
    DO = "DO"
    FR = "FR"
    SA = "SA"
    SO = "SO"


class Oeffnungszeit(Model):
    tag: Wochentag
    von: time
    bis: time


class Ansprechpunkt(Model):
    bezeichnung: Mehrsprachig = Field(default_factory=leer)
    kommunikation: tuple[Kommunikation, ...] = ()


class Organisationseinheit(Model):
    ref: ObjektRef
    namen: Name
    beschreibung: Mehrsprachig = Field(default_factory=leer)
    uebergeordnet: ObjektRef | None = None
    anschriften: tuple[Anschrift, ...] = ()
    kommunikation: tuple[Kommunikation, ...] = ()
    oeffnungszeiten: tuple[Oeffnungszeit, ...] = ()
    oeffnungszeiten_text: Mehrsprachig = Field(default_factory=leer)
    ansprechpunkte: tuple[Ansprechpunkt, ...] = ()
    barrierefreiheit: Mehrsprachig = Field(default_factory=leer)
    versionsinformation: Versionsinformation | None = None


class OnlinedienstLink(Model):
    typ: str | None = None
    uri: str
    titel: str | None = None
    sprache: str | None = None


class Onlinedienst(Model):
    ref: ObjektRef
    namen: Name
    links: tuple[OnlinedienstLink, ...] = ()
    vertrauensniveau: str | None = None
    sprachversionen: tuple[str, ...] = ()
    versionsinformation: Versionsinformation | None = None


class ZielArt(StrEnum):
    ORGANISATIONSEINHEIT = "organisationseinheit"
    ONLINEDIENST = "onlinedienst"


class Zustaendigkeit(Model):
    """Leistung L is handled by an Organisationseinheit or Onlinedienst for the Gebiete given (ARS)."""

    ref: ObjektRef
    leistung: ObjektRef
    ziel: ObjektRef
    ziel_art: ZielArt
    gebiete: tuple[ARS, ...] = Field(min_length=1)
    rolle: Code | None = None
    eingebettet: bool = False  # True: came inside an Organisationseinheit, replaced with it


class GebietArt(StrEnum):
    LAND = "land"
    REGIERUNGSBEZIRK = "regierungsbezirk"
    KREIS = "kreis"
    GEMEINDE = "gemeinde"


class Gebiet(Model):
    """A place of the Destatis Gemeindeverzeichnis, keyed by its 12-digit (padded) ARS."""

    ars: Annotated[str, StringConstraints(pattern=r"^\d{12}$")]
    art: GebietArt
    name: str
    kurzname: str
    uebergeordnet: str | None = None
    kreisfrei: bool = False
    plz: tuple[str, ...] = ()
    bevoelkerung: int | None = None


Klasse = Literal["Leistung", "Organisationseinheit", "Onlinedienst", "Zustaendigkeit"]
MODELS: dict[str, type[Model]] = {
    "Leistung": Leistung,
    "Organisationseinheit": Organisationseinheit,
    "Onlinedienst": Onlinedienst,
    "Zustaendigkeit": Zustaendigkeit,
}
