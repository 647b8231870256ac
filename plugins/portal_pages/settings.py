"""The plugin's one settings key, ``PORTAL_PAGES``, validated: a wrong key fails the build loudly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
    lebenslagen: Path | None = Field(default=None, description="taxonomy file (default: the bundled one)")
    pvlagen_mapping: Path | None = Field(default=None, description="PV-Lagen -> Lebenslage mapping file")

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
