"""The plugin's one settings key, ``CONTENT_API``, validated like ``PORTAL_PAGES``: a wrong key stops the build."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from plugins.portal_pages.settings import PluginConfigError

DL_BY_DE = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"


class ContentApiSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    pfad: str = Field(
        default="api/v1",
        pattern=r"^[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)*$",
        description="folder of the API below the output root, with its version (api/v1)",
    )
    lizenz: str = Field(
        default=DL_BY_DE,
        pattern=r"^https?://\S+$",
        description="URI of the data licence (DCAT-AP.de licence vocabulary, http://dcat-ap.de/def/licenses/)",
    )
    lizenz_name: str = Field(
        default="Datenlizenz Deutschland – Namensnennung – Version 2.0", min_length=1, description="its name"
    )
    namensnennung: str = Field(
        default="", description="attribution text the licence asks for ('' = the publisher's name)"
    )
    herausgeber: str = Field(default="Landesredaktion", min_length=1, description="publisher of the data")
    herausgeber_url: str = Field(default="", pattern=r"^(https?://\S+)?$", description="publisher's web site")
    kontakt_email: str = Field(
        default="", description="contact of the data set ('' = PORTAL_PAGES['kontakt_email'])"
    )
    titel: str = Field(default="Verwaltungsleistungen", min_length=1, description="title of the data set")
    beschreibung: str = Field(
        default="Leistungsbeschreibungen, zuständige Stellen und Online-Dienste aus dem Verwaltungsportal",
        description="description of the data set (DCAT catalogue)",
    )
    contributor_id: str = Field(
        default="",
        pattern=r"^(https?://\S+)?$",
        description="dcatde:contributorID (the GovData contributor URI), '' = none",
    )
    kurztext_zeichen: int = Field(
        default=200, ge=40, description="characters of the short text in the indexes"
    )
    antwort_zeichen: int = Field(default=300, ge=80, description="at most this many characters of the answer")
    brotli_qualitaet: int = Field(
        default=8,
        ge=0,
        le=11,
        description="brotli quality of the .br copies (10, 11: some 7 % smaller, 40 x slower)",
    )

    @classmethod
    def from_pelican(cls, settings: dict[str, Any]) -> ContentApiSettings:
        try:
            return cls.model_validate(settings.get("CONTENT_API", {}))
        except ValidationError as exc:
            problems = "; ".join(
                f"CONTENT_API.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise PluginConfigError(problems) from None
