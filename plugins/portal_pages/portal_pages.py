"""Wiring: which Pelican signal calls what. The table is the whole story."""

from __future__ import annotations

from typing import Any

from pelican import signals

from .generator import PortalPagesGenerator
from .settings import PortalPagesSettings


def _validate_settings(pelican: Any) -> None:
    PortalPagesSettings.from_pelican(pelican.settings)  # raises PluginConfigError, naming the key


def _get_generators(_pelican: Any) -> type[PortalPagesGenerator]:
    return PortalPagesGenerator


SIGNAL_HANDLERS = {
    "initialized": _validate_settings,
    "get_generators": _get_generators,
}


def register() -> None:
    for name, handler in SIGNAL_HANDLERS.items():
        getattr(signals, name).connect(handler)
