"""search_index: the client-side search (lunr) and the place chooser data, written at build time."""

from .search_index import register

__all__ = ["register"]
