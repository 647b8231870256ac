"""Computing only what changed: the API's files in units whose inputs are digested without building them.

A unit is what one language publishes for one service (``<lang>/leistungen/<id>.json``), for one place
(``leistungen.json``, ``leistungen.csv`` and ``lebenslagen.json`` of ``<lang>/orte/<ort>/``) or for one
place's offices (``behoerden.json`` and ``behoerden.csv`` there: a new service changes every place's lists
but seldom its offices). Its digest covers everything those files are made from:

- per language (:func:`sprach_hash`): the plugin's code and the code it calls (texts, formats, URLs, the
  model), the versions of the libraries that shape text (babel, nh3, lxml, pydantic), ``CONTENT_API``, the
  language's settings and its translation catalog, ``site_url``, the Lebenslagen taxonomy;
- a service (:meth:`Digests.leistung`): its content hash in the store and the codes of its Lebenslagen;
- a place (:meth:`Digests.ort`): its ``OrtPlan`` resolved to keys: the place and its ``kette`` (ARS, name,
  level, slug, key in the API), for each service it lists the service's digest, the responsible Gebiet,
  its offices and online services; its Lebenslagen lists. An office counts with its content hash and
  where its page lives, an online service with its content hash;
- a place's offices (:meth:`Digests.behoerden`): the place, and its offices as above.

The digests of the last build are kept beside the manifest (``.content-api-einheiten.json``) with the files
each unit wrote (kind, SHA-256, size). A unit whose digest is unchanged is not computed when each of its
files is still in the manifest with the same SHA-256 and on disk with its size and compressed copies: its
manifest entries are carried forward (:meth:`Ausgabe.behalte`). A state file that is missing, unreadable or
of another format means every unit is computed.

A place's unit also records its service list as it lies in ``leistungen.json`` (:class:`Liste`): where the
first entry starts, and each entry in the file's order with its digest (:meth:`Digests.ort`: the place and
the entry's ``Angebot``, as above) and its length in bytes. When the place is computed again (one of its
services changed), an entry whose digest and language digest are those of the last build is taken from the
last build's ``leistungen.json`` (its bytes, cut out at the recorded offsets) and ``leistungen.csv`` (its
line) instead of being made again (:class:`AlteListe`), provided both files are still the bytes the state
records. A Land-level fee change makes every Gemeinde's list change by a few entries: the rest of each list
is carried over.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import content_sync.gebiete
import content_sync.models
from content_sync.models import Gebiet, Leistung, Organisationseinheit
from plugins.portal_pages import barrierefreiheit, filters, i18n, sanitize, site, urls
from plugins.portal_pages.render import write_atomic
from plugins.portal_pages.settings import Sprache
from plugins.portal_pages.site import Angebot, Portal, Subsite

from .ausgabe import Ausgabe, Datei
from .settings import ContentApiSettings

if TYPE_CHECKING:
    from .content_api import OrtPlan

log = logging.getLogger(__name__)
STAND = ".content-api-einheiten.json"
FORMAT = 3
EINTRAG_ZEICHEN = 24  # hex digits kept of an entry's digest (96 bits; there are 160,000 entries per language)
# the code outside this package that shapes the files (imported above for their paths)
FREMDER_CODE = (
    barrierefreiheit,
    filters,
    i18n,
    sanitize,
    site,
    urls,
    content_sync.models,
    content_sync.gebiete,
)
BIBLIOTHEKEN = ("babel", "nh3", "lxml", "pydantic", "pydantic-core")


@dataclass(frozen=True)
class Liste:
    """A place's service list as it lies in its ``leistungen.json``: the offset of the first entry, and each
    entry in the file's order: the service's id, the entry's digest, the entry's length in bytes (entries
    are separated by one comma)."""

    ab: int
    eintraege: tuple[tuple[str, str, int], ...]


@dataclass
class Einheit:
    """A unit of the last (or this) build: its digest and the files it wrote; for a place, the language
    digest it was made with and its service list (None: nothing to carry over from)."""

    digest: str
    dateien: dict[str, Datei]
    sprache: str = ""
    liste: Liste | None = None

    def als_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "digest": self.digest,
            "dateien": {rel: list(d) for rel, d in sorted(self.dateien.items())},
        }
        if self.liste is not None:
            data["sprache"] = self.sprache
            data["liste"] = {"ab": self.liste.ab, "eintraege": [list(e) for e in self.liste.eintraege]}
        return data


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _kompakt(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# --- the state file -------------------------------------------------------------------------------------


def _einheit(data: Any) -> Einheit:
    """One unit from the state file; ValueError when it does not have the expected shape."""
    if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
        raise ValueError("unit without digest")
    dateien: dict[str, Datei] = {}
    for rel, eintrag in dict(data["dateien"]).items():
        art, digest, groesse = eintrag
        if not (isinstance(art, str) and isinstance(digest, str) and type(groesse) is int):
            raise ValueError(f"bad entry for {rel}")
        dateien[str(rel)] = (art, digest, groesse)
    liste = None
    if "liste" in data:
        ab, eintraege = data["liste"]["ab"], tuple(tuple(e) for e in data["liste"]["eintraege"])
        if type(ab) is not int or not all(
            len(e) == 3 and isinstance(e[0], str) and isinstance(e[1], str) and type(e[2]) is int
            for e in eintraege
        ):
            raise ValueError("bad service list")
        liste = Liste(ab, eintraege)
    return Einheit(data["digest"], dateien, str(data.get("sprache", "")), liste)


def lies_stand(root: Path) -> dict[str, Einheit]:
    """The units of the last build; empty (every unit is computed) when there is no readable record."""
    path = root / STAND
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        return {str(name): _einheit(e) for name, e in dict(data["einheiten"]).items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("%s unreadable (%s): computing every API file", path, exc)
        return {}


def schreibe_stand(root: Path, einheiten: dict[str, Einheit]) -> None:
    data = {"format": FORMAT, "einheiten": {name: e.als_json() for name, e in sorted(einheiten.items())}}
    write_atomic(root / STAND, json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8"))


@dataclass
class AlteListe:
    """The entries of a place's service list that the last build made from the same inputs: by the service's
    id, the entry's bytes in ``leistungen.json`` and its line of ``leistungen.csv`` (with its CRLF)."""

    eintraege: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)

    @classmethod
    def lesen(
        cls, aus: Ausgabe, alt: Einheit | None, sprache: str, dateien: tuple[str, str], neu: dict[str, str]
    ) -> AlteListe:
        """``dateien``: the place's ``leistungen.json`` and ``leistungen.csv``; ``neu``: this build's entry
        digests. Nothing is taken when the language digest differs, or a file is not the bytes the last build
        recorded for it (changed or removed by hand since): then every entry is made again."""
        if alt is None or alt.liste is None or alt.sprache != sprache:
            return cls()
        try:
            daten, tabelle = [aus.lies(rel) for rel in dateien]
        except OSError:
            return cls()
        for rel, data in zip(dateien, (daten, tabelle), strict=True):
            eintrag = alt.dateien.get(rel)
            if eintrag is None or eintrag[1] != hashlib.sha256(data).hexdigest():
                return cls()
        # the files are the bytes the record was made with, so its offsets hold (checked all the same)
        zeilen = tabelle.split(b"\r\n")  # a row is one line (tabellen._eine_zeile)
        stuecke = _stuecke(daten, alt.liste)
        if stuecke is None or zeilen[-1] != b"" or len(zeilen) != len(stuecke) + 2:
            log.warning("%s and %s do not match their record: making every entry", *dateien)
            return cls()
        return cls(
            {
                key: (stueck, zeile + b"\r\n")
                for (key, digest, _n), stueck, zeile in zip(
                    alt.liste.eintraege, stuecke, zeilen[1:-1], strict=True
                )
                if neu.get(key) == digest
            }
        )


def _stuecke(daten: bytes, liste: Liste) -> list[bytes] | None:
    """The entries' bytes, cut out of ``leistungen.json`` at the recorded offsets; None when what lies
    between them is not the list's bracket, commas and closing bracket."""
    if daten[liste.ab - 1 : liste.ab] != b"[":
        return None
    stuecke = []
    pos = liste.ab
    for i, (_key, _digest, laenge) in enumerate(liste.eintraege):
        stuecke.append(daten[pos : pos + laenge])
        pos += laenge
        if daten[pos : pos + 1] != (b"," if i < len(liste.eintraege) - 1 else b"]"):
            return None
        pos += 1
    return stuecke


# --- digests --------------------------------------------------------------------------------------------


def code_hash() -> str:
    """The source of this package and of the code it calls, and the versions of the text libraries."""
    paket = sorted(Path(__file__).resolve().parent.glob("*.py"))
    fremd = sorted(Path(str(modul.__file__)).resolve() for modul in FREMDER_CODE)
    h = hashlib.sha256()
    for path in [*paket, *fremd]:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in BIBLIOTHEKEN:
        try:
            h.update(f"{name}={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-\0".encode())
    return h.hexdigest()


def katalog_hash(translations: Path, sprache: Sprache) -> str:
    """The compiled catalog the language's texts come from ('' when it has none)."""
    if not sprache.katalog:
        return ""
    mo = translations / sprache.katalog / "LC_MESSAGES" / "messages.mo"
    return hashlib.sha256(mo.read_bytes()).hexdigest() if mo.exists() else "-"


def sprach_hash(
    portal: Portal, config: ContentApiSettings, sprache: Sprache, translations: Path, code: str
) -> str:
    """What every unit of a language is made from besides its own objects."""
    taxonomie = [[ll.code, ll.zielgruppe, sorted(ll.name.items())] for ll in portal.lebenslagen]
    return _sha(
        _kompakt(
            [
                code,
                config.model_dump(mode="json"),
                sprache.model_dump(mode="json"),
                katalog_hash(translations, sprache),
                portal.settings.site_url,
                portal.land.path,
                taxonomie,
            ]
        )
    )


def einheit_digest(sprache: str, basis: str) -> str:
    return _sha(f"{sprache}\x1f{basis}")


@dataclass
class Digests:
    """The language-independent digests of the units, from the store's content hashes (computed once per
    build, before the workers fork). Services, offices and Lebenslagen lists recur: each is digested once."""

    portal: Portal
    orte: dict[str, str]  # ARS -> key in API paths
    _objekte: dict[str, str] = field(default_factory=dict)
    _leistungen: dict[str, str] = field(default_factory=dict)
    _stellen: dict[str, str] = field(default_factory=dict)
    _gebiete: dict[str, str] = field(default_factory=dict)
    _listen: dict[int, tuple[object, str]] = field(default_factory=dict)

    def objekt(self, klasse: str, obj: Any) -> str:
        """The store's content hash of an object (the hash of its JSON when the store has none)."""
        key = f"{klasse}:{obj.ref.key}"
        found = self._objekte.get(key)
        if found is None:
            found = self.portal.hashes.get(key) or _sha(obj.model_dump_json())
            self._objekte[key] = found
        return found

    def leistung(self, lb: Leistung) -> str:
        """A service's description: its content and its Lebenslagen (the taxonomy is in the language's)."""
        key = lb.ref.key
        found = self._leistungen.get(key)
        if found is None:
            codes = [ll.code for ll in self.portal.lebenslagen_von(lb)]
            found = self._leistungen[key] = _sha(_kompakt([self.objekt("Leistung", lb), codes]))
        return found

    def stelle(self, oe: Organisationseinheit) -> str:
        """An office: its content and where its page lives."""
        key = oe.ref.key
        found = self._stellen.get(key)
        if found is None:
            heimat = self.portal.stellen_heimat[key]
            teile = [self.objekt("Organisationseinheit", oe), self._subsite(heimat)]
            found = self._stellen[key] = _sha(_kompakt(teile))
        return found

    def _gebiet(self, g: Gebiet | None) -> str:
        ars = g.ars if g is not None else ""
        found = self._gebiete.get(ars)
        if found is None:
            found = self._gebiete[ars] = _kompakt(_gebiet(g))
        return found

    def angebot(self, a: Angebot) -> str:
        """A line of a place's list: the service, the responsible Gebiet, its offices and online services.
        (A place's own Angebote are its own objects: there is nothing to share, and 160,000 at Hessen scale.)
        """
        stellen = ",".join([self.stelle(oe) for oe in a.stellen])
        dienste = ",".join([self.objekt("Onlinedienst", od) for od in a.onlinedienste])
        return f"\n{self.leistung(a.leistung)}|{self._gebiet(a.gebiet)}|{stellen}|{dienste}"

    def _lebenslagen(self, liste: dict[str, list[str]]) -> str:
        found = self._listen.get(id(liste))
        if found is None:  # the Gemeinden share one list: digested once
            found = self._listen[id(liste)] = (liste, _sha(_kompakt(sorted(liste.items()))))
        return found[1]

    def _subsite(self, subsite: Subsite) -> list[Any]:
        return [self.orte[subsite.gebiet.ars], subsite.path, _gebiet(subsite.gebiet)]

    def behoerden(self, plan: OrtPlan) -> str:
        """A place's offices: the place (its key and URL are in the files) and each office."""
        return _sha(_kompakt([self._subsite(plan.subsite), [self.stelle(oe) for oe in plan.stellen]]))

    def ort(self, plan: OrtPlan) -> tuple[str, list[str]]:
        """A place's lists, and each entry of its service list (in the order of ``plan.eigene``): the
        place (its URLs are in the entry) and the entry's Angebot. (The place's offices are not in its
        lists: an entry names its own, which are in its Angebot's digest.)"""
        ort = _kompakt(self._subsite(plan.subsite))
        kopf = [ort, [self._subsite(s) for s in plan.kette], self._lebenslagen(plan.lebenslagen)]
        h = hashlib.sha256(_kompakt(kopf).encode())
        eintraege = []
        for a in plan.eigene:
            angebot = self.angebot(a).encode()
            h.update(angebot)
            eintraege.append(hashlib.sha256(ort.encode() + angebot).hexdigest()[:EINTRAG_ZEICHEN])
        return h.hexdigest(), eintraege


def _gebiet(g: Gebiet | None) -> list[str] | None:
    return [g.ars, g.art.value, g.name, g.kurzname] if g is not None else None
