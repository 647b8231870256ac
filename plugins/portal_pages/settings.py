"""The plugin's one settings key, ``PORTAL_PAGES``, validated: a wrong key fails the build loudly."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator


class PluginConfigError(Exception):
    """PORTAL_PAGES in pelicanconf.py is invalid."""


class Sprache(BaseModel):
    """A language of the site."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(description="content language code as in the data: de, en, ar, de-x-ls")
    ordner: str = Field(description="folder below a subsite ('' for the default language)")
    locale: str = Field(description="Babel locale for numbers and dates (Leichte Sprache: de_DE)")
    katalog: str = Field(description="gettext catalog name in theme/translations ('' = templates as written)")
    name: str = Field(description="the language's name in itself, for the language switcher")
    dir: str = Field(default="ltr", pattern="^(ltr|rtl)$")


DEFAULT_SPRACHEN = [
    Sprache(code="de", ordner="", locale="de_DE", katalog="", name="Deutsch"),
    Sprache(code="en", ordner="en", locale="en_GB", katalog="en", name="English"),
    Sprache(
        code="de-x-ls", ordner="leichte-sprache", locale="de_DE", katalog="de_LS", name="Leichte Sprache"
    ),
    Sprache(code="ar", ordner="ar", locale="ar", katalog="ar", name="العربية", dir="rtl"),
]


# BITV 2.0 Anlage 2: the four explanations on the start page, in Deutsche Gebärdensprache (and Leichte Sprache)
DgsThema = Literal["inhalt", "navigation", "erklaerung", "hinweise"]
DGS_THEMEN: tuple[str, ...] = ("inhalt", "navigation", "erklaerung", "hinweise")
_EMAIL = re.compile(r"^[^@\s<>\"',;:()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")
_RELATIVE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class DgsVideo(BaseModel):
    """One sign-language video slot (BITV 2.0 Anlage 2): a download link with size and duration, and a
    text alternative."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    datei: str = Field(
        description="the video: an https URL, or a path below the output root (e.g. medien/dgs/inhalt.mp4)"
    )
    typ: str = Field(default="video/mp4", pattern=r"^video/[a-z0-9.+-]+$", description="its media type")
    bytes: int = Field(gt=0, description="file size in bytes, shown with the download link")
    sekunden: int = Field(gt=0, le=86_400, description="duration in seconds, shown with the download link")
    text: str = Field(min_length=1, max_length=20_000, description="text alternative: what is signed, German")

    @field_validator("datei")
    @classmethod
    def _datei(cls, value: str) -> str:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme:
            if parts.scheme != "https" or not parts.netloc or re.search(r"[\s\"<>\\^`{|}]", value):
                raise ValueError(f"{value!r}: an https URL, or a path below the output root")
            return value
        if not _RELATIVE_FILE.fullmatch(value) or ".." in PurePosixPath(value).parts:
            raise ValueError(f"{value!r}: a path below the output root (letters, digits, . _ - /), no '..'")
        return value


class BarrierefreiheitSettings(BaseModel):
    """Erklärung zur Barrierefreiheit, "Barriere melden", the sign-language videos of the start page."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    melden_an: str = Field(
        default="", description="e-mail address of 'Barriere melden' on every page ('' = kontakt_email)"
    )
    schlichtungsstelle: str = Field(
        default="https://www.schlichtungsstelle-bgg.de",
        description="the Schlichtungsstelle nach § 16 BGG, linked from the Erklärung zur Barrierefreiheit",
    )
    pruefung: Path = Field(
        default=Path("barrierefreiheit/pruefung.yaml"),
        description="the manual test results and known barriers (relative: to Pelican's content folder)",
    )
    automatisch: Path = Field(
        default=Path("barrierefreiheit/automatisch.json"),
        description="the automated results written by 'portal a11y-report' (relative: to the content folder)",
    )
    dgs: dict[DgsThema, DgsVideo] = Field(
        default_factory=dict,
        description="sign-language videos by topic of BITV 2.0 Anlage 2 (inhalt, navigation, erklaerung, "
        "hinweise); a topic without a video is shown as missing and listed as a known barrier",
    )

    @field_validator("melden_an")
    @classmethod
    def _email(cls, value: str) -> str:
        if value and not _EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @field_validator("schlichtungsstelle")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urllib.parse.urlsplit(value)
        if parts.scheme != "https" or not parts.netloc or re.search(r"[\s\"<>\\^`{|}]", value):
            raise ValueError(f"{value!r} is not an https URL")
        return value


class LinkpruefungSettings(BaseModel):
    """How ``portal qualitaet --links`` checks external links (qualitaet.py, linkpruefung.py)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout: float = Field(default=10.0, gt=0, le=120, description="seconds per connect and per read")
    parallel: int = Field(default=8, ge=1, le=64, description="requests at the same time, in all")
    je_host: int = Field(default=2, ge=1, le=16, description="requests at the same time to one host")
    pause: float = Field(default=1.0, ge=0, le=60, description="seconds between two requests to one host")


class QualitaetSettings(BaseModel):
    """The data-quality page (``redaktion/datenqualitaet/``) and ``portal qualitaet``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sprachen: list[str] = Field(
        default_factory=lambda: ["en"],
        description="content languages every Leistung should have its texts in (besides German)",
    )
    kriterien: Path | None = Field(
        default=None, description="the expected sections (default: plugins/portal_pages/qualitaet.yaml)"
    )
    links: LinkpruefungSettings = Field(default_factory=LinkpruefungSettings)

    @field_validator("sprachen")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*", code):
                raise ValueError(f"{code!r} is no language code (de, en, de-x-ls, ar …)")
        return value


class PortalPagesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    store: Path = Field(description="the SQLite store written by 'portal sync'")
    site_name: str = Field(default="Verwaltungsportal Hessen", description="shown in the header and titles")
    site_url: str = Field(default="", description="absolute base URL for sitemaps and JSON-LD; '' = relative")
    sprachen: list[Sprache] = Field(default_factory=lambda: list(DEFAULT_SPRACHEN))
    gebiete: list[str] = Field(
        default_factory=list,
        description="ARS prefixes of the Gemeinden that get a subsite ([] = all); their Kreise, "
        "Regierungsbezirke and the Land follow",
    )
    top_leika: list[str] = Field(default_factory=list, description="LeiKa keys of the most-used services")
    kontakt_email: str = Field(default="", description="feedback address shown in the footer")
    jobs: int = Field(default=0, ge=0, description="worker processes for rendering (0 = one per CPU core)")
    incremental: bool = Field(default=True, description="render only pages whose inputs changed")
    vorschau: Path | None = Field(
        default=None,
        description="preview build ('portal preview'): the live site's manifest; render only the pages whose "
        "fingerprint differs from it, with a 'Vorschau' banner, and list them (not a setting for pelicanconf)",
    )
    lebenslagen: Path | None = Field(default=None, description="taxonomy file (default: the bundled one)")
    pvlagen_mapping: Path | None = Field(default=None, description="PV-Lagen -> Lebenslage mapping file")
    barrierefreiheit: BarrierefreiheitSettings = Field(default_factory=BarrierefreiheitSettings)
    qualitaet: QualitaetSettings = Field(default_factory=QualitaetSettings)
    sites_ordner: Path = Field(
        default=Path("sites"),
        description="the municipalities' folders, one per subsite (sites/<slug>/: site.toml, seiten/, "
        "leistungen/; see plugins/portal_pages/gemeinden.py); a missing folder means none",
    )

    @field_validator("kontakt_email")
    @classmethod
    def _kontakt(cls, value: str) -> str:
        if value and not _EMAIL.fullmatch(value):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value

    @property
    def melden_an(self) -> str:
        """Where 'Barriere melden' writes to: the configured address, else the editors' one ('' = none)."""
        return self.barrierefreiheit.melden_an or self.kontakt_email

    @field_validator("sprachen")
    @classmethod
    def _default_first(cls, value: list[Sprache]) -> list[Sprache]:
        if not value or value[0].ordner != "":
            raise ValueError("the first language is the default one and must have ordner ''")
        ordner = [s.ordner for s in value]
        if len(set(ordner)) != len(ordner):
            raise ValueError("language folders must be unique")
        return value

    @classmethod
    def from_pelican(cls, settings: dict[str, Any]) -> PortalPagesSettings:
        raw = settings.get("PORTAL_PAGES")
        if raw is None:
            raise PluginConfigError("PORTAL_PAGES is missing in the Pelican settings")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"PORTAL_PAGES.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise PluginConfigError(problems) from None
