"""One sync: read every document of a source and apply it to the store, in one transaction.

Rules:
- ``schreibe`` creates or updates; ``loesche`` deletes (klasse + id); a delete of an unknown id is counted.
- A broken record is quarantined (file, record id, reason) and the rest goes on; a broken document is
  quarantined whole (its savepoint is rolled back) and the other documents go on.
- The same object written twice in one run: the first wins, the later one is quarantined as a duplicate.
- After all documents, every Zustaendigkeit must point to a known Leistung, a known target and a known
  Gebiet of the Land; otherwise it is quarantined. Zustaendigkeiten of a deleted object are deleted with it.
- If the source fails (network, archive, missing file), nothing is written; the failed run is recorded.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from content_sync.errors import InvalidDocument, SyncError
from content_sync.gebiete import verzeichnis
from content_sync.models import ZielArt, Zustaendigkeit
from content_sync.settings import SyncSettings
from content_sync.sources import Document, open_source
from content_sync.store import Counts, QuarantineEntry, Store
from content_sync.xzufi import Loesche, Quarantaene, Schreibe, Warnung, iter_document

log = logging.getLogger(__name__)
# The page address of a Leistung or an office carries its local id (slugified: without the agency, in lower
# case); two objects whose ids differ only there would get the same address.
URL_KLASSEN = ("Leistung", "Organisationseinheit")


@dataclass
class SyncResult:
    source: str
    outcome: str  # "ok" or "failed"
    run_id: int
    counts: Counts = field(default_factory=Counts)
    files: int = 0
    files_unchanged: int = 0
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    warnings: int = 0
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class _Run:
    """The state of one sync inside its transaction."""

    def __init__(self, store: Store, run_id: int, now: str, land: str) -> None:
        self.store = store
        self.run_id = run_id
        self.now = now
        self.land = land
        self.counts = Counts()
        self.written: dict[tuple[str, str], str] = {}  # (klasse, key) -> file, for duplicate detection
        # (klasse, local id in lower case) -> key: the store before this run, then each committed document
        self.url_ids: dict[tuple[str, str], str] = {}
        for klasse in URL_KLASSEN:
            for key in sorted(store.keys(klasse)):
                self.url_ids.setdefault((klasse, key.partition(":")[2].lower()), key)
        self._doc_url_ids: dict[tuple[str, str], str] = {}

    def apply_document(self, doc: Document, max_bytes: int, default_agency: str) -> None:
        doc_counts = Counts()
        doc_written: dict[tuple[str, str], str] = {}
        self._doc_url_ids = {}
        try:
            with self.store.savepoint(), doc.open() as fh:
                for event in iter_document(fh, doc.name, max_bytes=max_bytes, default_agency=default_agency):
                    self._apply(event, doc.name, doc_counts, doc_written)
        except InvalidDocument as exc:
            log.warning("quarantined document %s", exc)
            self.store.add_quarantine(self.run_id, doc.name, None, None, exc.reason, None)
            self.counts.add("Dokument", "quarantined")
            return
        self.counts.merge(doc_counts)
        self.written.update(doc_written)
        self.url_ids.update(self._doc_url_ids)
        if doc.state is not None:
            s = doc.state
            self.store.set_source_state(s.url, s.etag, s.last_modified, s.sha256)

    def _apply(self, event: object, file: str, counts: Counts, written: dict[tuple[str, str], str]) -> None:
        if isinstance(event, Schreibe):
            self._schreibe(event.klasse, event.obj, file, counts, written)
            if event.klasse == "Organisationseinheit":
                self._eingebettet(event, file, counts, written)
        elif isinstance(event, Loesche):
            self._loesche(event.klasse, event.ref.key, counts)
        elif isinstance(event, Quarantaene):
            self.store.add_quarantine(
                self.run_id, file, event.klasse, event.record_id, event.reason, event.fragment
            )
            counts.add(event.klasse or "Dokument", "quarantined")
        elif isinstance(event, Warnung):
            self.store.add_warning(self.run_id, file, event.klasse, event.record_id, event.message)
            counts.add(event.klasse or "Dokument", "warnings")

    def _schreibe(
        self,
        klasse: str,
        obj: object,
        file: str,
        counts: Counts,
        written: dict[tuple[str, str], str],
        owner: str | None = None,
    ) -> bool:
        key = obj.ref.key  # type: ignore[attr-defined]
        first = self.written.get((klasse, key)) or written.get((klasse, key))
        if first is not None:
            reason = (
                f"duplicate id: {klasse} {key} was already written by {first} in this run; kept the first"
            )
            fragment = json.dumps(obj.model_dump(mode="json"), ensure_ascii=False)  # type: ignore[attr-defined]
            self.store.add_quarantine(self.run_id, file, klasse, key, reason, fragment)
            counts.add(klasse, "quarantined")
            return False
        if klasse in URL_KLASSEN:
            local = (klasse, obj.ref.id.lower())  # type: ignore[attr-defined]
            other = self._doc_url_ids.get(local) or self.url_ids.get(local)
            if other is not None and other != key:
                reason = (
                    f"id clash: {klasse} {key} would get the page address of {other} (page addresses carry "
                    f"the id without its agency, in lower case); kept {other}"
                )
                fragment = json.dumps(obj.model_dump(mode="json"), ensure_ascii=False)  # type: ignore[attr-defined]
                self.store.add_quarantine(self.run_id, file, klasse, key, reason, fragment)
                counts.add(klasse, "quarantined")
                return False
            self._doc_url_ids[local] = key
        written[(klasse, key)] = file
        change = self.store.upsert(
            klasse,
            obj,
            key=key,
            source_file=file,
            now=self.now,
            run_id=self.run_id,
            owner=owner,  # type: ignore[arg-type]
        )
        counts.add(klasse, change)
        return True

    def _eingebettet(
        self, event: Schreibe, file: str, counts: Counts, written: dict[tuple[str, str], str]
    ) -> None:
        owner = event.obj.ref.key  # type: ignore[attr-defined]
        before = self.store.owned_keys(owner)
        now_keys = set()
        for z in event.eingebettet:
            if self._schreibe("Zustaendigkeit", z, file, counts, written, owner=owner):
                now_keys.add(z.ref.key)  # type: ignore[attr-defined]
        for key in sorted(before - now_keys):
            if self.store.delete("Zustaendigkeit", key, now=self.now, run_id=self.run_id):
                counts.add("Zustaendigkeit", "deleted")

    def _loesche(self, klasse: str, key: str, counts: Counts) -> None:
        if self.store.delete(klasse, key, now=self.now, run_id=self.run_id):
            counts.add(klasse, "deleted")
            if klasse == "Organisationseinheit":
                for owned in sorted(self.store.owned_keys(key)):
                    if self.store.delete("Zustaendigkeit", owned, now=self.now, run_id=self.run_id):
                        counts.add("Zustaendigkeit", "deleted")
        else:
            counts.add(klasse, "deletes_unknown")

    def check_references(self) -> None:
        """Quarantine Zustaendigkeiten that point nowhere; drop those whose target was deleted.

        Streams the references out of the stored JSON with SQL (no model per row), so memory stays flat
        however many Zustaendigkeiten there are; only the few broken ones are loaded as models.
        """
        leistungen = self.store.keys("Leistung")
        ziele = {
            ZielArt.ORGANISATIONSEINHEIT.value: (
                "Organisationseinheit",
                self.store.keys("Organisationseinheit"),
            ),
            ZielArt.ONLINEDIENST.value: ("Onlinedienst", self.store.keys("Onlinedienst")),
        }
        gebiete = verzeichnis()
        rows = self.store.db.execute(
            """SELECT key,
                      json_extract(data, '$.leistung.agency') || ':' || json_extract(data, '$.leistung.id'),
                      json_extract(data, '$.ziel.agency') || ':' || json_extract(data, '$.ziel.id'),
                      json_extract(data, '$.ziel_art'),
                      json_extract(data, '$.gebiete')
               FROM objects WHERE klasse = 'Zustaendigkeit'"""
        )
        problems: list[tuple[str, str, str | None]] = []  # (key, reason, deleted target klasse/key or None)
        for key, leistung, ziel, art, gebiete_json in rows:
            klasse, known = ziele[art]
            if leistung not in leistungen:
                problems.append((key, f"refers to unknown Leistung {leistung}", f"Leistung|{leistung}"))
            elif ziel not in known:
                problems.append((key, f"refers to unknown {klasse} {ziel}", f"{klasse}|{ziel}"))
            else:
                unknown = [
                    g for g in json.loads(gebiete_json) if g.startswith(self.land) and g not in gebiete
                ]
                if unknown:
                    problems.append((key, f"refers to unknown Gebiet (ARS) {', '.join(unknown)}", None))
        for key, reason, target in problems:
            z = self.store.get(Zustaendigkeit, key)
            self.store.delete("Zustaendigkeit", key, now=self.now, run_id=self.run_id)
            if target is not None:
                klasse, target_key = target.split("|", 1)
                if self.store.history(klasse, target_key):
                    self.counts.add("Zustaendigkeit", "deleted")  # its target was deleted: cascade
                    continue
            assert z is not None
            self._quarantine_z(z, reason)

    def _quarantine_z(self, z: Zustaendigkeit, reason: str) -> None:
        file = self._source_file("Zustaendigkeit", z.ref.key)
        self.store.add_quarantine(
            self.run_id,
            file,
            "Zustaendigkeit",
            z.ref.key,
            f"Zustaendigkeit {z.ref.key} {reason}",
            json.dumps(z.model_dump(mode="json"), ensure_ascii=False),
        )
        # it was counted as new/changed when written; it is not in the store now
        self.counts.add("Zustaendigkeit", "quarantined")

    def _source_file(self, klasse: str, key: str) -> str:
        return self.written.get((klasse, key), "(earlier sync)")


def run_sync(
    source_spec: str,
    store_path: str | Path,
    settings: SyncSettings | None = None,
    *,
    clock: Callable[[], str] = _now,
) -> SyncResult:
    """Sync ``source_spec`` into the store at ``store_path``. Never raises for source or data problems."""
    settings = settings or SyncSettings()
    started = clock()
    t0 = time.perf_counter()
    store = Store(store_path)
    try:
        try:
            source = open_source(source_spec, settings, store.source_state)
        except SyncError as exc:
            run_id = store.record_failed_run(source_spec, started, clock(), str(exc))
            return SyncResult(source_spec, "failed", run_id, error=str(exc), seconds=time.perf_counter() - t0)
        try:
            with store.transaction():
                run_id = store.begin_run(source_spec, started)
                run = _Run(store, run_id, started, settings.land)
                files = unchanged_files = 0
                for doc in source.documents():
                    files += 1
                    if doc.not_modified:
                        unchanged_files += 1
                        continue
                    run.apply_document(doc, settings.max_document_bytes, settings.default_agency)
                run.check_references()
                store.finish_run(
                    run_id,
                    outcome="ok",
                    finished_at=clock(),
                    counts=run.counts,
                    files=files,
                    files_unchanged=unchanged_files,
                )
        except SyncError as exc:
            run_id = store.record_failed_run(source_spec, started, clock(), str(exc))
            return SyncResult(source_spec, "failed", run_id, error=str(exc), seconds=time.perf_counter() - t0)
        finally:
            source.close()
        return SyncResult(
            source=source_spec,
            outcome="ok",
            run_id=run_id,
            counts=run.counts,
            files=files,
            files_unchanged=unchanged_files,
            quarantine=store.quarantine(run_id),
            warnings=run.counts.warnings,
            seconds=time.perf_counter() - t0,
        )
    finally:
        store.close()


def summary(result: SyncResult, store_counts: dict[str, int] | None = None) -> str:
    """The human summary printed by ``portal sync``."""
    c = result.counts
    lines = [
        f"Sync of {result.source}: {'OK' if result.ok else 'FAILED'} (run {result.run_id}, "
        f"{result.seconds:.1f} s)"
    ]
    if not result.ok:
        lines.append(f"  error: {result.error}")
        lines.append("  the store was not changed")
        return "\n".join(lines)
    lines.append(f"  files: {result.files} read, {result.files_unchanged} not modified since the last sync")
    lines.append(
        f"  objects: {c.new} new, {c.changed} changed, {c.deleted} deleted, {c.unchanged} unchanged, "
        f"{c.quarantined} quarantined, {c.deletes_unknown} deletes of unknown ids, {c.warnings} warnings"
    )
    for klasse in ("Leistung", "Organisationseinheit", "Onlinedienst", "Zustaendigkeit", "Dokument"):
        bucket = c.per_klasse.get(klasse)
        if not bucket:
            continue
        parts = [
            f"{bucket[k]} {k.replace('_', ' ')}"
            for k in ("new", "changed", "deleted", "unchanged", "quarantined", "deletes_unknown")
            if bucket.get(k)
        ]
        if parts:
            lines.append(f"    {klasse}: {', '.join(parts)}")
    if result.quarantine:
        lines.append("  quarantined:")
        for q in result.quarantine:
            record = f" {q.klasse} {q.record_id}" if q.record_id else (f" {q.klasse}" if q.klasse else "")
            lines.append(f"    {q.file}:{record}: {q.reason}")
    if store_counts:
        lines.append("  store now holds: " + ", ".join(f"{n} {k}" for k, n in store_counts.items()))
    return "\n".join(lines)


__all__ = ["SyncResult", "run_sync", "summary"]
