"""The named errors of the sync. Callers catch what they mean."""

from __future__ import annotations


class PortalError(Exception):
    """Base class of every error this project raises on purpose."""


class SettingsError(PortalError):
    """The settings file or the environment holds an invalid value."""


class SyncError(PortalError):
    """A sync could not complete; the store is left as it was."""


class SourceUnavailable(SyncError):
    """The source could not be read (network, HTTP status, corrupt archive, missing file)."""


class InvalidDocument(SyncError):
    """A whole XZuFi document is unusable (not well-formed, truncated, DOCTYPE, too large).

    Carries the file name so that the message names it.
    """

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = file
        self.reason = reason


class RecordError(PortalError):
    """One record inside a document is invalid; it is quarantined, the rest goes on."""

    def __init__(self, reason: str, record_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.record_id = record_id
