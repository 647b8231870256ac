"""content_api: the static content API (JSON, CSV, JSON Schema, DCAT-AP.de catalogue) written at build time."""

from .content_api import register

__all__ = ["register"]
