"""Settings: defaults, then a TOML settings file, then the environment, then command-line flags.

The file is ``portal.toml`` in the working directory, or the one named by ``--settings`` or ``PORTAL_SETTINGS``.
Its ``[sync]`` table holds the keys of :class:`SyncSettings`; the environment overrides each key as
``PORTAL_SYNC_<KEY>`` (for example ``PORTAL_SYNC_STORE=/var/lib/portal/portal.sqlite``). Unknown keys and
invalid values are refused with a message that names them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from content_sync.errors import SettingsError

DEFAULT_FILE = "portal.toml"


class SyncSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str | None = Field(
        default=None, description="folder, .zip archive or http(s) URL of an index.txt"
    )
    store: Path = Field(default=Path("var/portal.sqlite"), description="the SQLite store")
    connect_timeout: float = Field(default=10.0, gt=0, description="seconds to connect to an HTTP source")
    read_timeout: float = Field(
        default=60.0, gt=0, description="seconds to wait for data from an HTTP source"
    )
    retries: int = Field(default=3, ge=0, le=10, description="further attempts after a failed HTTP request")
    backoff: float = Field(default=2.0, ge=0, description="seconds before the first retry; doubles each time")
    max_document_bytes: int = Field(
        default=512 * 1024 * 1024, gt=0, description="size cap per XZuFi document"
    )
    default_agency: str = Field(
        default="unbekannt", min_length=1, description="schemeAgencyID when none given"
    )
    land: str = Field(default="06", pattern=r"^\d{2}$", description="the Land of the portal (ARS prefix)")


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sync: SyncSettings = SyncSettings()


def _from_env(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in SyncSettings.model_fields:
        value = env.get(f"PORTAL_SYNC_{name.upper()}")
        if value is not None and value != "":
            out.setdefault("sync", {})[name] = value
    return out


def load_settings(
    path: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    env = os.environ if env is None else env
    data: dict[str, dict[str, Any]] = {}
    file = Path(path) if path else Path(env.get("PORTAL_SETTINGS", DEFAULT_FILE))
    if path is not None or "PORTAL_SETTINGS" in env or file.exists():
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SettingsError(f"settings file {file} not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"settings file {file}: {exc}") from None
    for layer in (_from_env(env), overrides or {}):
        for section, values in layer.items():
            data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise SettingsError(f"invalid settings ({file}): {problems}") from None
