"""The SQLite store: current objects, their history, sync runs, quarantine, warnings, source state.

One sync is one transaction (``Store.sync_transaction``); each document inside it is a savepoint, so a
document that breaks half-way is undone alone. Readers (the site build) use the typed accessors and never
see SQL. Objects are stored as canonical JSON (sorted keys), hashed with SHA-256: an unchanged object keeps
its version, a changed one gets version + 1 and a history row.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from content_sync.models import (
    MODELS,
    Leistung,
    Model,
    ObjektRef,
    Onlinedienst,
    Organisationseinheit,
    Zustaendigkeit,
)

SCHEMA_VERSION = 1
M = TypeVar("M", bound=Model)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    klasse TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    hash TEXT NOT NULL,
    data TEXT NOT NULL,
    source_file TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    sync_run INTEGER NOT NULL,
    owner TEXT,                       -- embedded Zustaendigkeit: key of the OE it came in
    PRIMARY KEY (klasse, key)
);
CREATE INDEX IF NOT EXISTS objects_owner ON objects (owner) WHERE owner IS NOT NULL;
CREATE TABLE IF NOT EXISTS history (
    klasse TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    change TEXT NOT NULL CHECK (change IN ('new', 'changed', 'deleted')),
    hash TEXT,
    data TEXT,
    changed_at TEXT NOT NULL,
    sync_run INTEGER NOT NULL,
    PRIMARY KEY (klasse, key, version)
);
CREATE TABLE IF NOT EXISTS sync_runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL,
    error TEXT,
    files INTEGER NOT NULL DEFAULT 0,
    files_unchanged INTEGER NOT NULL DEFAULT 0,
    new INTEGER NOT NULL DEFAULT 0,
    changed INTEGER NOT NULL DEFAULT 0,
    deleted INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    quarantined INTEGER NOT NULL DEFAULT 0,
    deletes_unknown INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    sync_run INTEGER NOT NULL,
    file TEXT NOT NULL,
    klasse TEXT,
    record_id TEXT,
    reason TEXT NOT NULL,
    fragment TEXT
);
CREATE TABLE IF NOT EXISTS warnings (
    id INTEGER PRIMARY KEY,
    sync_run INTEGER NOT NULL,
    file TEXT NOT NULL,
    klasse TEXT,
    record_id TEXT,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS source_state (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    sha256 TEXT
);
"""


def canonical_json(obj: Model) -> str:
    return json.dumps(obj.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(data: str) -> str:
    return hashlib.sha256(data.encode()).hexdigest()


@dataclass
class Counts:
    new: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    quarantined: int = 0
    deletes_unknown: int = 0
    warnings: int = 0
    per_klasse: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, klasse: str, what: str, n: int = 1) -> None:
        setattr(self, what, getattr(self, what) + n)
        bucket = self.per_klasse.setdefault(klasse, {})
        bucket[what] = bucket.get(what, 0) + n

    def merge(self, other: Counts) -> None:
        for klasse, bucket in other.per_klasse.items():
            for what, n in bucket.items():
                self.add(klasse, what, n)


@dataclass(frozen=True)
class SyncRun:
    id: int
    source: str
    started_at: str
    finished_at: str | None
    outcome: str
    error: str | None
    files: int
    files_unchanged: int
    new: int
    changed: int
    deleted: int
    unchanged: int
    quarantined: int
    deletes_unknown: int
    warnings: int


@dataclass(frozen=True)
class QuarantineEntry:
    sync_run: int
    file: str
    klasse: str | None
    record_id: str | None
    reason: str


class Store:
    """A portal data store in one SQLite file."""

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            if not self.path.exists():
                raise FileNotFoundError(f"store {self.path} does not exist: run 'portal sync' first")
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(SCHEMA)
            self.db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing: only inside a transaction ---------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    @contextmanager
    def savepoint(self, name: str = "document") -> Iterator[None]:
        self.db.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self.db.execute(f"ROLLBACK TO {name}")
            self.db.execute(f"RELEASE {name}")
            raise
        else:
            self.db.execute(f"RELEASE {name}")

    def begin_run(self, source: str, started_at: str) -> int:
        cur = self.db.execute(
            "INSERT INTO sync_runs (source, started_at, outcome) VALUES (?, ?, 'running')",
            (source, started_at),
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        *,
        outcome: str,
        finished_at: str,
        counts: Counts,
        files: int = 0,
        files_unchanged: int = 0,
        error: str | None = None,
    ) -> None:
        self.db.execute(
            """UPDATE sync_runs SET outcome=?, finished_at=?, error=?, files=?, files_unchanged=?, new=?,
               changed=?, deleted=?, unchanged=?, quarantined=?, deletes_unknown=?, warnings=? WHERE id=?""",
            (
                outcome,
                finished_at,
                error,
                files,
                files_unchanged,
                counts.new,
                counts.changed,
                counts.deleted,
                counts.unchanged,
                counts.quarantined,
                counts.deletes_unknown,
                counts.warnings,
                run_id,
            ),
        )

    def record_failed_run(self, source: str, started_at: str, finished_at: str, error: str) -> int:
        """A run that failed is still recorded, in a transaction of its own after the rollback."""
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO sync_runs (source, started_at, finished_at, outcome, error) "
                "VALUES (?, ?, ?, 'failed', ?)",
                (source, started_at, finished_at, error),
            )
        return int(cur.lastrowid or 0)

    def upsert(
        self,
        klasse: str,
        obj: Model,
        *,
        key: str,
        source_file: str,
        now: str,
        run_id: int,
        owner: str | None = None,
    ) -> str:
        """Write one object; returns 'new', 'changed' or 'unchanged'."""
        data = canonical_json(obj)
        digest = content_hash(data)
        row = self.db.execute(
            "SELECT version, hash FROM objects WHERE klasse=? AND key=?", (klasse, key)
        ).fetchone()
        if row is not None and row["hash"] == digest:
            if owner is not None:
                self.db.execute("UPDATE objects SET owner=? WHERE klasse=? AND key=?", (owner, klasse, key))
            return "unchanged"
        if row is None:
            last = self.db.execute(
                "SELECT MAX(version) AS v FROM history WHERE klasse=? AND key=?", (klasse, key)
            ).fetchone()
            version = (last["v"] or 0) + 1
            change = "new"
        else:
            version = row["version"] + 1
            change = "changed"
        self.db.execute(
            """INSERT INTO objects (klasse, key, version, hash, data, source_file, changed_at, sync_run, owner)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (klasse, key) DO UPDATE SET version=excluded.version, hash=excluded.hash,
               data=excluded.data, source_file=excluded.source_file, changed_at=excluded.changed_at,
               sync_run=excluded.sync_run, owner=excluded.owner""",
            (klasse, key, version, digest, data, source_file, now, run_id, owner),
        )
        self.db.execute(
            "INSERT INTO history (klasse, key, version, change, hash, data, changed_at, sync_run) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (klasse, key, version, change, digest, data, now, run_id),
        )
        return change

    def delete(self, klasse: str, key: str, *, now: str, run_id: int) -> bool:
        row = self.db.execute(
            "SELECT version FROM objects WHERE klasse=? AND key=?", (klasse, key)
        ).fetchone()
        if row is None:
            return False
        self.db.execute("DELETE FROM objects WHERE klasse=? AND key=?", (klasse, key))
        self.db.execute(
            "INSERT INTO history (klasse, key, version, change, hash, data, changed_at, sync_run) "
            "VALUES (?, ?, ?, 'deleted', NULL, NULL, ?, ?)",
            (klasse, key, row["version"] + 1, now, run_id),
        )
        return True

    def owned_keys(self, owner: str) -> set[str]:
        rows = self.db.execute("SELECT key FROM objects WHERE klasse='Zustaendigkeit' AND owner=?", (owner,))
        return {r["key"] for r in rows}

    def add_quarantine(
        self,
        run_id: int,
        file: str,
        klasse: str | None,
        record_id: str | None,
        reason: str,
        fragment: str | None,
    ) -> None:
        self.db.execute(
            "INSERT INTO quarantine (sync_run, file, klasse, record_id, reason, fragment) VALUES (?, ?, ?, ?, ?, ?)",
            (run_id, file, klasse, record_id, reason, fragment),
        )

    def add_warning(
        self, run_id: int, file: str, klasse: str | None, record_id: str | None, msg: str
    ) -> None:
        self.db.execute(
            "INSERT INTO warnings (sync_run, file, klasse, record_id, message) VALUES (?, ?, ?, ?, ?)",
            (run_id, file, klasse, record_id, msg),
        )

    def source_state(self, url: str) -> dict[str, str | None]:
        row = self.db.execute(
            "SELECT etag, last_modified, sha256 FROM source_state WHERE url=?", (url,)
        ).fetchone()
        return dict(row) if row else {"etag": None, "last_modified": None, "sha256": None}

    def set_source_state(self, url: str, etag: str | None, last_modified: str | None, sha256: str) -> None:
        self.db.execute(
            """INSERT INTO source_state (url, etag, last_modified, sha256) VALUES (?, ?, ?, ?)
               ON CONFLICT (url) DO UPDATE SET etag=excluded.etag, last_modified=excluded.last_modified,
               sha256=excluded.sha256""",
            (url, etag, last_modified, sha256),
        )

    # --- reading ------------------------------------------------------------------------------------------

    def iter_objects(self, model: type[M]) -> Iterator[M]:
        klasse = model.__name__
        rows = self.db.execute("SELECT data FROM objects WHERE klasse=? ORDER BY key", (klasse,))
        for row in rows:
            yield model.model_validate_json(row["data"])

    def get(self, model: type[M], ref: ObjektRef | str) -> M | None:
        key = ref if isinstance(ref, str) else ref.key
        row = self.db.execute(
            "SELECT data FROM objects WHERE klasse=? AND key=?", (model.__name__, key)
        ).fetchone()
        return model.model_validate_json(row["data"]) if row else None

    def hashes(self, klasse: str) -> dict[str, str]:
        """key -> content hash of every current object of a klasse (what incremental builds compare)."""
        rows = self.db.execute("SELECT key, hash FROM objects WHERE klasse=?", (klasse,))
        return {r["key"]: r["hash"] for r in rows}

    def keys(self, klasse: str) -> set[str]:
        return {r["key"] for r in self.db.execute("SELECT key FROM objects WHERE klasse=?", (klasse,))}

    def leistungen(self) -> Iterator[Leistung]:
        return self.iter_objects(Leistung)

    def organisationseinheiten(self) -> Iterator[Organisationseinheit]:
        return self.iter_objects(Organisationseinheit)

    def onlinedienste(self) -> Iterator[Onlinedienst]:
        return self.iter_objects(Onlinedienst)

    def zustaendigkeiten(self) -> Iterator[Zustaendigkeit]:
        return self.iter_objects(Zustaendigkeit)

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT klasse, COUNT(*) AS n FROM objects GROUP BY klasse ORDER BY klasse")
        found = {r["klasse"]: r["n"] for r in rows}
        return {k: found.get(k, 0) for k in MODELS}

    def runs(self) -> list[SyncRun]:
        rows = self.db.execute("SELECT * FROM sync_runs ORDER BY id")
        return [SyncRun(**dict(r)) for r in rows]

    def last_run(self) -> SyncRun | None:
        runs = self.runs()
        return runs[-1] if runs else None

    def quarantine(self, run_id: int | None = None) -> list[QuarantineEntry]:
        sql = "SELECT sync_run, file, klasse, record_id, reason FROM quarantine"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " WHERE sync_run=?"
            params = (run_id,)
        return [QuarantineEntry(**dict(r)) for r in self.db.execute(sql + " ORDER BY id", params)]

    def warnings(self, run_id: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT sync_run, file, klasse, record_id, message FROM warnings"
        params: tuple[Any, ...] = ()
        if run_id is not None:
            sql += " WHERE sync_run=?"
            params = (run_id,)
        return [dict(r) for r in self.db.execute(sql + " ORDER BY id", params)]

    def history(self, klasse: str, key: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT version, change, hash, changed_at, sync_run FROM history WHERE klasse=? AND key=? "
            "ORDER BY version",
            (klasse, key),
        )
        return [dict(r) for r in rows]

    def versions(self, model: type[M], key: str) -> list[M]:
        """Every earlier and the current version of an object, oldest first (deletions left out)."""
        rows = self.db.execute(
            "SELECT data FROM history WHERE klasse=? AND key=? AND data IS NOT NULL ORDER BY version",
            (model.__name__, key),
        )
        return [model.model_validate_json(r["data"]) for r in rows]

    def snapshot(self) -> list[tuple[str, str, int, str]]:
        """Every current object as (klasse, key, version, hash): what tests compare before and after."""
        rows = self.db.execute("SELECT klasse, key, version, hash FROM objects ORDER BY klasse, key")
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def run_changes(self, run_id: int) -> list[dict[str, Any]]:
        """Every history row a sync run wrote (klasse, key, change, version, data), each with the data of the
        version before it (``before``: what a changed or deleted object was), ordered by klasse and key."""
        rows = self.db.execute(
            """SELECT h.klasse, h.key, h.change, h.version, h.data, p.data AS before
               FROM history h LEFT JOIN history p
               ON p.klasse = h.klasse AND p.key = h.key AND p.version = h.version - 1
               WHERE h.sync_run = ? ORDER BY h.klasse, h.key, h.version""",
            (run_id,),
        )
        return [dict(r) for r in rows]

    def recent_changes(self, klasse: str, limit: int) -> list[dict[str, Any]]:
        """The ``limit`` newest history rows of a klasse (newest first: by time, run, key, version), each with
        the data of the version before it (``before``), as :meth:`run_changes`. Left out: the objects the
        first sync of that klasse brought (the initial stock is no change)."""
        rows = self.db.execute(
            """WITH recent AS (
                 SELECT rowid FROM history
                 WHERE klasse = ?1 AND NOT (change = 'new' AND sync_run = (
                   SELECT MIN(sync_run) FROM history WHERE klasse = ?1))
                 ORDER BY changed_at DESC, sync_run DESC, key, version DESC LIMIT ?2)
               SELECT h.klasse, h.key, h.change, h.version, h.changed_at, h.sync_run, h.data, p.data AS before
               FROM history h LEFT JOIN history p
               ON p.klasse = h.klasse AND p.key = h.key AND p.version = h.version - 1
               WHERE h.rowid IN (SELECT rowid FROM recent)
               ORDER BY h.changed_at DESC, h.sync_run DESC, h.key, h.version DESC""",
            (klasse, limit),
        )
        return [dict(r) for r in rows]

    def quarantine_fragments(self, run_id: int) -> list[str | None]:
        """The XML fragments of a run's quarantine entries, in the order of :meth:`quarantine`."""
        rows = self.db.execute("SELECT fragment FROM quarantine WHERE sync_run=? ORDER BY id", (run_id,))
        return [r["fragment"] for r in rows]

    def integrity_check(self) -> list[str]:
        """SQLite's ``PRAGMA integrity_check``: ``["ok"]`` for a sound file, else the problems it found."""
        return [r[0] for r in self.db.execute("PRAGMA integrity_check")]

    def source_files(self, klasse: str) -> dict[str, str]:
        """key -> the file each current object of a klasse came from (for messages to editors)."""
        rows = self.db.execute("SELECT key, source_file FROM objects WHERE klasse=?", (klasse,))
        return {r["key"]: r["source_file"] for r in rows}
