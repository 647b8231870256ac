"""portal_pages: the data-driven pages of the portal, rendered from the content_sync store."""

from .portal_pages import register

__all__ = ["register"]
