"""Writing the API's files: deterministic bytes, pre-compressed copies, and only what changed.

- JSON is dumped with sorted keys, no insignificant white space, UTF-8 (not ASCII-escaped), and a final
  newline; nothing in it comes from the clock.
- Beside every file ``<file>.gz`` (gzip level 6, mtime 0, no file name: the same bytes every time) and
  ``<file>.br`` (brotli), for a web server that serves pre-compressed files (nginx ``gzip_static``,
  ``brotli_static``). Level 6, not 9: on a Gemeinde's service list 9 is 1.5 times slower for 1.4 % fewer
  bytes, and the .gz copy only serves clients without brotli. The gzip copies are made with zlib-ng, which
  takes half the time of zlib at level 6 for the same size (200 place lists of the Hessen-scale data:
  0.34 s against 0.69 s, 9.91 % against 9.90 % of the raw bytes); the manifest records its version, so a
  build with another one writes every copy again.
- A manifest in the output folder (``.content-api-manifest.json``) holds the SHA-256 of each file written;
  a file whose new bytes have the recorded digest, and that is still there with its copies, is not written
  again, so an incremental build touches only what changed. Files of the last build that this build does
  not write are deleted (a deleted service's files go with it). The files of a unit that is not computed
  again (einheiten.py) are carried forward with their recorded digests (:meth:`Ausgabe.behalte`).
- Every file is written to a temporary name and renamed into place: a reader never sees half a file, and a
  file hard-linked into another release is replaced, never changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import brotli
from pydantic import BaseModel
from zlib_ng import gzip_ng

from plugins.portal_pages.render import write_atomic

log = logging.getLogger(__name__)
MANIFEST = ".content-api-manifest.json"
KOPIEN = (".gz", ".br")
Datei = tuple[str, str, int]  # a file written: its kind, SHA-256, size

GZIP_STUFE = 6
# how the copies are made; a manifest of another one means every copy is made again
VERFAHREN = f"gzip{GZIP_STUFE}-zlib-ng{metadata.version('zlib-ng')}-br{{}}-brotli{metadata.version('brotli')}"


def json_bytes(model: BaseModel, *, ohne_null: bool = False) -> bytes:
    return daten_bytes(model.model_dump(mode="json", by_alias=True, exclude_none=ohne_null))


def _kompakt(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def daten_bytes(data: Any) -> bytes:
    """JSON data (as a model dumps it, or as a file of ours reads back) as the bytes of a file."""
    return (_kompakt(data) + "\n").encode("utf-8")


def eintrag_bytes(data: Any) -> bytes:
    """One item of a list as :func:`daten_bytes` writes it inside the list (compact JSON has no context)."""
    return _kompakt(data).encode("utf-8")


def liste_bytes(kopf: dict[str, Any], feld: str, eintraege: list[bytes]) -> tuple[bytes, int]:
    """``daten_bytes({**kopf, feld: items})`` from the items' bytes (:func:`eintrag_bytes`), and the offset of
    the list's first item in it. With sorted keys and no white space the file is its parts laid side by
    side, so items carried over from the last build's file are spliced in as bytes, not decoded and dumped
    again."""
    if feld in kopf:
        raise ValueError(f"{feld!r} is both in the head and the list")
    vor = _kompakt({k: v for k, v in kopf.items() if k < feld})[:-1]  # "{...", without its "}"
    nach = _kompakt({k: v for k, v in kopf.items() if k > feld})[1:]  # "...}", without its "{"
    anfang = f"{vor}{',' if len(vor) > 1 else ''}{_kompakt(feld)}:[".encode()
    ende = f"]{',' if len(nach) > 1 else ''}{nach}\n".encode()
    return anfang + b",".join(eintraege) + ende, len(anfang)


def gzip_bytes(data: bytes) -> bytes:
    return gzip_ng.compress(data, compresslevel=GZIP_STUFE, mtime=0)


def brotli_bytes(data: bytes, qualitaet: int) -> bytes:
    return brotli.compress(data, quality=qualitaet)


@dataclass
class Statistik:
    dateien: int = 0  # files of the API (without the compressed copies)
    bytes: int = 0  # their size
    bytes_gz: int = 0  # size of the .gz copies of the files written in this build
    geschrieben: int = 0
    unveraendert: int = 0
    geloescht: int = 0
    berechnet: int = 0  # units computed (einheiten.py): a service's description or a place's files
    uebersprungen: int = 0  # units whose inputs are unchanged: their files are carried forward
    eintraege_neu: int = 0  # entries of the places' service lists made in this build
    eintraege_alt: int = 0  # entries taken over from the last build's lists (einheiten.AlteListe)
    nach_art: dict[str, list[int]] = field(default_factory=dict)  # kind -> [files, bytes]


class Ausgabe:
    """Collects the files of one build; :meth:`abschliessen` deletes what is gone and saves the manifest."""

    def __init__(self, root: Path, brotli_qualitaet: int) -> None:
        self.root = root.resolve()
        self.qualitaet = brotli_qualitaet
        self.verfahren = VERFAHREN.format(brotli_qualitaet)
        self.alt: dict[str, str] = {}  # the last build's files and their digests
        self.ohne_manifest = True  # no record of the last build: what is in the folder is unknown
        gleich = False  # the last build compressed the same way: its copies can stay
        manifest = self.root / MANIFEST
        if manifest.exists():
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
                self.alt = {str(k): str(v) for k, v in data["dateien"].items()}
                gleich = data.get("verfahren") == self.verfahren
                self.ohne_manifest = False
            except (OSError, ValueError, KeyError, AttributeError):
                log.warning("%s unreadable: writing every API file", manifest)
        self.behalten = self.alt if gleich else {}
        self.neu: dict[str, str] = {}
        self.statistik = Statistik()
        self._einheit: dict[str, Datei] | None = None  # the files of the unit being computed

    def teil(self) -> Ausgabe:
        """A collector for a worker process: the same folder and manifest, its own list of files."""
        teil = object.__new__(Ausgabe)
        teil.root, teil.qualitaet, teil.verfahren = self.root, self.qualitaet, self.verfahren
        teil.alt, teil.behalten, teil.ohne_manifest = self.alt, self.behalten, self.ohne_manifest
        teil.neu, teil.statistik, teil._einheit = {}, Statistik(), None
        return teil

    def uebernehme(self, neu: dict[str, str], statistik: Statistik) -> None:
        """Take over what a worker wrote."""
        doppelt = set(neu) & set(self.neu)
        if doppelt:
            raise ValueError(f"two API files would be written to {sorted(doppelt)[0]}")
        self.neu.update(neu)
        s = self.statistik
        for name in (
            "dateien",
            "bytes",
            "bytes_gz",
            "geschrieben",
            "unveraendert",
            "berechnet",
            "uebersprungen",
            "eintraege_neu",
            "eintraege_alt",
        ):
            setattr(s, name, getattr(s, name) + getattr(statistik, name))
        for art, (dateien, groesse) in statistik.nach_art.items():
            zaehler = s.nach_art.setdefault(art, [0, 0])
            zaehler[0] += dateien
            zaehler[1] += groesse

    def _ziel(self, rel: str) -> Path:
        """The file's path; ``rel`` is made of our own slugs, but it is checked like a path from the data."""
        teile = rel.split("/")
        if rel.startswith("/") or "\\" in rel or any(t in ("", ".", "..") for t in teile):
            raise ValueError(f"refusing to write outside the output folder: {rel!r}")
        return self.root.joinpath(*teile)

    def lies(self, rel: str) -> bytes:
        """A file as it is in the folder now (the last build's, until this build writes it)."""
        return self._ziel(rel).read_bytes()

    def _zaehle(self, rel: str, digest: str, art: str, groesse: int) -> None:
        if rel in self.neu:
            raise ValueError(f"two API files would be written to {rel}")
        self.neu[rel] = digest
        s = self.statistik
        s.dateien += 1
        s.bytes += groesse
        zaehler = s.nach_art.setdefault(art, [0, 0])
        zaehler[0] += 1
        zaehler[1] += groesse

    def _vorhanden(self, rel: str, digest: str, groesse: int) -> bool:
        """The last build wrote these bytes (by the manifest), and the file is there with its copies."""
        if self.behalten.get(rel) != digest:
            return False
        pfad = os.fspath(self._ziel(rel))
        try:
            info = os.stat(pfad)
        except OSError:
            return False
        return (
            stat.S_ISREG(info.st_mode)
            and info.st_size == groesse
            and all(os.path.isfile(pfad + k) for k in KOPIEN)
        )

    def schreibe(self, rel: str, data: bytes, art: str) -> None:
        digest = hashlib.sha256(data).hexdigest()
        self._zaehle(rel, digest, art, len(data))
        if self._einheit is not None:
            self._einheit[rel] = (art, digest, len(data))
        s = self.statistik
        if self._vorhanden(rel, digest, len(data)):
            s.unveraendert += 1
            return
        target = self._ziel(rel)
        write_atomic(target, data)
        gz = gzip_bytes(data)
        write_atomic(target.with_name(target.name + ".gz"), gz)
        write_atomic(target.with_name(target.name + ".br"), brotli_bytes(data, self.qualitaet))
        s.geschrieben += 1
        s.bytes_gz += len(gz)

    @contextmanager
    def einheit(self) -> Iterator[dict[str, Datei]]:
        """Collect the files written inside the block (those of one unit, see einheiten.py)."""
        self._einheit = dateien = {}
        try:
            yield dateien
        finally:
            self._einheit = None

    def behalte(self, dateien: dict[str, Datei]) -> bool:
        """Carry forward the files of a unit that is not computed again, if each is what the last build
        wrote: in its manifest with this digest, on disk with this size and the copies. Else nothing is
        recorded and False returned (the unit must be computed)."""
        if any(rel in self.neu or not self._vorhanden(rel, d, g) for rel, (_a, d, g) in dateien.items()):
            return False
        for rel, (art, digest, groesse) in dateien.items():
            self._zaehle(rel, digest, art, groesse)
            self.statistik.unveraendert += 1
        return True

    def json(self, rel: str, model: BaseModel, art: str, *, ohne_null: bool = False) -> None:
        self.schreibe(rel, json_bytes(model, ohne_null=ohne_null), art)

    def abschliessen(self, ordner: str) -> Statistik:
        """Delete the last build's files that this one did not write (all files in ``ordner`` that it did not
        write, when there is no manifest to tell), then record this build's files."""
        weg = set(self.alt) - set(self.neu)
        if self.ohne_manifest and (self.root / ordner).is_dir():
            for path in sorted((self.root / ordner).rglob("*")):
                rel = path.relative_to(self.root).as_posix()
                basis = rel.removesuffix(".gz").removesuffix(".br")
                if path.is_file() and basis not in self.neu:
                    weg.add(basis)
        for rel in sorted(weg):
            target = self._ziel(rel)
            for path in (target, *(target.with_name(target.name + k) for k in KOPIEN)):
                if path.is_file():
                    path.unlink()
            self.statistik.geloescht += 1
            _remove_empty_parents(target.parent, self.root)
        manifest = {"verfahren": self.verfahren, "dateien": dict(sorted(self.neu.items()))}
        write_atomic(
            self.root / MANIFEST, json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode("utf-8")
        )
        return self.statistik


def _remove_empty_parents(folder: Path, stop: Path) -> None:
    while folder != stop and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
