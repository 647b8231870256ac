"""XZuFi 2.2.0 / 2.3.1: hardened streaming parse into ``content_sync.models``."""

from content_sync.xzufi.parse import (
    Loesche,
    Quarantaene,
    Schreibe,
    Warnung,
    iter_document,
)

__all__ = ["Loesche", "Quarantaene", "Schreibe", "Warnung", "iter_document"]
