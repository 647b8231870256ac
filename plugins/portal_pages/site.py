"""The portal's structure, computed once from the store: subsites, who is responsible where, page paths.

A page is rendered once per (Leistung, Gebiet that has a Zustaendigkeit for it) and language, plus one
Land-level page per Leistung (the Land's own services with their office, or the general description with
the hint to choose a place). For a place, the responsible office for a Leistung is the Zustaendigkeit whose
Gebiet is the most specific one that contains the place (Gemeinde, then Kreis, then Regierungsbezirk, then
Land). Output grows with the Zustaendigkeiten, not with Leistungen x Gemeinden.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml

from content_sync.gebiete import Gebietsverzeichnis, pad, verzeichnis
from content_sync.models import (
    Gebiet,
    GebietArt,
    Leistung,
    Leistungsadressat,
    Onlinedienst,
    Organisationseinheit,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.store import Store

from .i18n import initial, sort_key
from .settings import PortalPagesSettings
from .urls import RESERVED, objekt_slug, slugify

LAND_ARS = "060000000000"
_REST: dict[tuple[str, str], str] = {}  # Leistung key, name -> path below a subsite (slugify is slow)


@dataclass(frozen=True)
class Lebenslage:
    code: str
    zielgruppe: str  # buerger | unternehmen
    name: dict[str, str]

    @property
    def slug(self) -> str:
        return slugify(self.name.get("de", self.code))


@dataclass
class Subsite:
    gebiet: Gebiet
    slug: str  # '' for the Land portal at the root

    @property
    def path(self) -> str:
        return f"{self.slug}/" if self.slug else ""

    @property
    def ist_land(self) -> bool:
        return self.gebiet.art is GebietArt.LAND


@dataclass(frozen=True, eq=False)
class Angebot:
    """What a place's residents get for one Leistung: where the page is and who is responsible."""

    leistung: Leistung
    gebiet: Gebiet | None  # the Gebiet of the responsible Zustaendigkeit (None: nobody known)
    subsite: Subsite  # where the service page to link to lives
    stellen: list[Organisationseinheit] = field(default_factory=list)
    onlinedienste: list[Onlinedienst] = field(default_factory=list)


def _load_yaml(path: Path | None, bundled: str) -> object:
    if path is not None:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    text = resources.files("content_sync.data").joinpath(bundled).read_text(encoding="utf-8")
    return yaml.safe_load(text)


class Portal:
    """Everything the templates need, read from the store once."""

    def __init__(
        self, settings: PortalPagesSettings, store: Store, gebiete: Gebietsverzeichnis | None = None
    ):
        self.settings = settings
        self.gebiete = gebiete or verzeichnis()
        self.leistungen: dict[str, Leistung] = {lb.ref.key: lb for lb in store.leistungen()}
        self.oes: dict[str, Organisationseinheit] = {oe.ref.key: oe for oe in store.organisationseinheiten()}
        self.ods: dict[str, Onlinedienst] = {od.ref.key: od for od in store.onlinedienste()}
        self.zustaendigkeiten: list[Zustaendigkeit] = list(store.zustaendigkeiten())
        # content hash of every object, keyed by its key: the incremental build's view of change
        self.hashes: dict[str, str] = {}
        for klasse in ("Leistung", "Organisationseinheit", "Onlinedienst"):
            self.hashes.update({f"{klasse}:{k}": h for k, h in store.hashes(klasse).items()})
        self.lebenslagen = [
            Lebenslage(e["code"], e["zielgruppe"], dict(e["name"]))
            for e in _load_yaml(settings.lebenslagen, "lebenslagen.yaml")  # type: ignore[union-attr]
        ]
        self._pvlagen: dict[str, str] = {
            str(k): str(v)
            for k, v in (_load_yaml(settings.pvlagen_mapping, "pvlagen_mapping.yaml") or {}).items()  # type: ignore[union-attr]
        }
        # (leistung key, padded gebiet ARS) -> Zustaendigkeiten
        self._zst: dict[tuple[str, str], list[Zustaendigkeit]] = defaultdict(list)
        for z in self.zustaendigkeiten:
            for g in z.gebiete:
                if self.gebiete.get(g) is not None:
                    self._zst[(z.leistung.key, pad(g))].append(z)
        # the same, indexed by Gebiet and by target office, so nothing scans all Zustaendigkeiten per page
        self._zst_by_gebiet: dict[str, list[tuple[str, list[Zustaendigkeit]]]] = defaultdict(list)
        self._zst_by_ziel: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._gebiete_von: dict[str, set[str]] = defaultdict(set)  # Leistung key -> ARS with Zustaendigkeiten
        for (lb_key, ars), zs in sorted(self._zst.items()):
            self._zst_by_gebiet[ars].append((lb_key, zs))
            self._gebiete_von[lb_key].add(ars)
            for z in zs:
                self._zst_by_ziel[z.ziel.key].append((lb_key, ars))
        self.subsites = self._subsites()
        self._angebote: dict[tuple[str, tuple[str, ...]], Angebot] = {}
        self._angebote_von: dict[str, list[Angebot]] = {}
        self._position: dict[str, int] | None = None  # Leistung key -> its place in self.leistungen
        self._ll_codes: list[tuple[str, ...]] | None = None
        self._initialen: dict[str, list[str]] = {}
        self._name_cache: dict[tuple[str, str], str] = {}
        self._raenge: dict[str, dict[str, tuple[int, str]]] = {}
        self._reihenfolgen: dict[str, list[int]] = {}
        self._top: dict[str, tuple[int, int]] | None = None
        self._lebenslagen_von: dict[int, list[Lebenslage]] = {}  # by id: the Leistungen live as long
        self.fruehere_namen: dict[str, list[str]] = {}
        for kind, objects in (("Leistung", self.leistungen), ("Organisationseinheit", self.oes)):
            model = Leistung if kind == "Leistung" else Organisationseinheit
            for key, obj in objects.items():
                names = [v.namen.de for v in store.versions(model, key)]
                old = [n for n in dict.fromkeys(names) if n and n != obj.namen.de]
                if old:
                    self.fruehere_namen[key] = old

    # --- Lebenslagen ------------------------------------------------------------------------------------

    @cached_property
    def lebenslagen_by_code(self) -> dict[str, Lebenslage]:
        return {ll.code: ll for ll in self.lebenslagen}

    def lebenslagen_von(self, lb: Leistung) -> list[Lebenslage]:
        found = self._lebenslagen_von.get(id(lb))
        if found is None:
            codes = [k.id for k in lb.kategorien if k.id in self.lebenslagen_by_code]
            codes += [self._pvlagen[c.code] for c in lb.klassifizierung if c.code in self._pvlagen]
            found = [self.lebenslagen_by_code[c] for c in dict.fromkeys(codes)]
            self._lebenslagen_von[id(lb)] = found
        return list(found)

    def lebenslagen_codes(self) -> list[tuple[str, ...]]:
        """The codes of each Leistung's Lebenslagen, by its place in ``self.leistungen``."""
        if self._ll_codes is None:
            self._ll_codes = [
                tuple(ll.code for ll in self.lebenslagen_von(lb)) for lb in self.leistungen.values()
            ]
        return self._ll_codes

    def zielgruppen(self, lb: Leistung) -> set[str]:
        out = {ll.zielgruppe for ll in self.lebenslagen_von(lb)}
        if Leistungsadressat.BUERGER in lb.adressaten:
            out.add("buerger")
        if Leistungsadressat.UNTERNEHMEN in lb.adressaten:
            out.add("unternehmen")
        return out

    # --- subsites ---------------------------------------------------------------------------------------

    def _subsites(self) -> dict[str, Subsite]:
        wanted = self.settings.gebiete
        gemeinden = [
            g
            for g in self.gebiete.by_art(GebietArt.GEMEINDE)
            if (g.bevoelkerung or 0) > 0 and (not wanted or any(g.ars.startswith(p) for p in wanted))
        ]
        chosen: dict[str, Gebiet] = {}
        for g in gemeinden:
            for member in self.gebiete.kette(g.ars):
                chosen[member.ars] = member
        for _lb, ars in self._zst:  # every Gebiet with a Zustaendigkeit has pages (within the selection)
            g = self.gebiete.get(ars)
            if g is None or (
                g.art is GebietArt.GEMEINDE and wanted and not any(ars.startswith(p) for p in wanted)
            ):
                continue
            for member in self.gebiete.kette(ars):
                chosen.setdefault(member.ars, member)
        land = self.gebiete.get(LAND_ARS)
        assert land is not None
        chosen[land.ars] = land
        subsites: dict[str, Subsite] = {}
        used = set(RESERVED)
        order = {GebietArt.LAND: 0, GebietArt.REGIERUNGSBEZIRK: 1, GebietArt.KREIS: 2, GebietArt.GEMEINDE: 3}
        for g in sorted(chosen.values(), key=lambda g: (order[g.art], g.ars)):
            if g.art is GebietArt.LAND:
                subsites[g.ars] = Subsite(g, "")
                continue
            slug = slugify(g.kurzname)
            if slug in used:
                kreis = self.gebiete.get(g.uebergeordnet or "")
                slug = f"{slug}-{slugify(kreis.kurzname)}" if kreis else f"{slug}-{g.ars}"
            if slug in used:
                slug = f"{slug}-{g.ars}"
            used.add(slug)
            subsites[g.ars] = Subsite(g, slug)
        return subsites

    def struktur(self) -> str:
        """The site's shape (which subsites exist, under which slug): part of every page's fingerprint.
        Where an office's page lives is part of the fingerprint of each page that shows that office."""
        return json.dumps([[s.gebiet.ars, s.slug] for s in self.subsites.values()], separators=(",", ":"))

    @property
    def land(self) -> Subsite:
        return self.subsites[LAND_ARS]

    def subsite_fuer(self, ars: str) -> Subsite | None:
        return self.subsites.get(pad(ars))

    # --- responsibility ---------------------------------------------------------------------------------

    def zustaendig(self, lb: Leistung, ars: str) -> tuple[Gebiet, list[Zustaendigkeit]] | None:
        """The most specific Gebiet containing ``ars`` that has Zustaendigkeiten for ``lb``, with them."""
        key = lb.ref.key
        for g in self.gebiete.kette(ars):
            found = self._zst.get((key, g.ars))
            if found:
                return g, found
        return None

    def angebot(self, lb: Leistung, ars: str) -> Angebot:
        i = self.position(lb.ref.key)
        if i is not None and self.leistungen[lb.ref.key] is lb:  # the chain's list has it (memoised)
            return self._angebote_kette(self.gebiete.kette(ars))[i]
        return self._geteilt(lb, lb.ref.key, self.gebiete.kette(ars))

    def position(self, key: str) -> int | None:
        """A Leistung's place in ``self.leistungen`` (and in every ``angebote()`` list)."""
        if self._position is None:
            self._position = {k: i for i, k in enumerate(self.leistungen)}
        return self._position.get(key)

    def _geteilt(self, lb: Leistung, key: str, kette: list[Gebiet]) -> Angebot:
        """The Angebot for a place, shared by every place whose chain meets the same Gebiete with
        Zustaendigkeiten (a Land-level service is one object for all 447 subsites): built once, and the
        incremental build's fingerprints memoise per object."""
        mit = self._gebiete_von.get(key)
        treffer = tuple(g for g in kette if g.ars in mit) if mit else ()
        memo_key = (key, tuple(g.ars for g in treffer))
        found = self._angebote.get(memo_key)
        if found is None:
            found = self._angebote[memo_key] = self._angebot(lb, key, treffer)
        return found

    def _angebot(self, lb: Leistung, key: str, kette: Sequence[Gebiet]) -> Angebot:
        gebiet: Gebiet | None = None
        zst: list[Zustaendigkeit] = []
        ods: list[Onlinedienst] = []
        for g in kette:
            found = self._zst.get((key, g.ars))
            if not found:
                continue
            if gebiet is None:
                gebiet, zst = g, found
            ods += [
                self.ods[z.ziel.key]
                for z in found
                if z.ziel_art is ZielArt.ONLINEDIENST and z.ziel.key in self.ods
            ]
        if gebiet is None:
            return Angebot(lb, None, self.land, [], _unique(ods))
        stellen = [
            self.oes[z.ziel.key]
            for z in zst
            if z.ziel_art is ZielArt.ORGANISATIONSEINHEIT and z.ziel.key in self.oes
        ]
        sub = self.subsites.get(gebiet.ars) or self.land
        return Angebot(lb, gebiet, sub, _unique(stellen), _unique(ods))

    def angebote(self, subsite: Subsite) -> list[Angebot]:
        """Every Leistung for the residents of a subsite, each with its responsible level."""
        return list(self._angebote_kette(self.gebiete.kette(subsite.gebiet.ars)))

    def _angebote_kette(self, kette: list[Gebiet]) -> list[Angebot]:
        """The Angebote for a chain of Gebiete (most specific first), in the order of ``self.leistungen``,
        memoised by its first Gebiet (the page list and the search map both ask). A Leistung without
        Zustaendigkeiten in the chain's first Gebiet has the same Angebot as for the rest of the chain, so
        only those with some are looked at again: a Gemeinde costs its own few hundred, not all 3,600."""
        found = self._angebote_von.get(kette[0].ars)
        if found is None:
            if len(kette) == 1:
                found = [self._geteilt(lb, key, kette) for key, lb in self.leistungen.items()]
            else:
                found = list(self._angebote_kette(kette[1:]))
                for key, _zs in self._zst_by_gebiet.get(kette[0].ars, ()):
                    i = self.position(key)
                    if i is not None:
                        found[i] = self._geteilt(self.leistungen[key], key, kette)
            self._angebote_von[kette[0].ars] = found
        return found

    def name(self, lb: Leistung, sprache: str) -> str:
        """The Leistung's name in a language (German as fallback), memoised: lists sort by it a lot."""
        key = (lb.ref.key, sprache)
        found = self._name_cache.get(key)
        if found is None:
            hit = lb.namen.in_sprache(sprache)
            found = self._name_cache[key] = hit[1] if hit else lb.leika[0]
        return found

    def initialen(self, sprache: str) -> list[str]:
        """The A-Z initial of each Leistung in this language, by its place in ``self.leistungen``."""
        found = self._initialen.get(sprache)
        if found is None:
            rang = self.rang(sprache)
            found = self._initialen[sprache] = [rang[key][1] for key in self.leistungen]
        return found

    def rang(self, sprache: str) -> dict[str, tuple[int, str]]:
        """Leistung key -> (position in this language's alphabetical order, initial for the A-Z): sorted
        once for all Leistungen, so each list sorts by an integer."""
        found = self._raenge.get(sprache)
        if found is None:
            keyed = []
            for key, lb in self.leistungen.items():
                name = self.name(lb, sprache)
                keyed.append((sort_key(name), key, initial(name)))
            keyed.sort()
            found = self._raenge[sprache] = {key: (i, ini) for i, (_s, key, ini) in enumerate(keyed)}
        return found

    def reihenfolge(self, sprache: str) -> list[int]:
        """Positions in ``self.leistungen`` (and in every ``angebote()`` list) in this language's order."""
        found = self._reihenfolgen.get(sprache)
        if found is None:
            rang = self.rang(sprache)
            keys = list(self.leistungen)
            found = self._reihenfolgen[sprache] = sorted(range(len(keys)), key=lambda i: rang[keys[i]][0])
        return found

    def top_keys(self) -> dict[str, tuple[int, int]]:
        """Leistung key -> its place among the most-used services (``top_leika``, in that order)."""
        if self._top is None:
            order = {leika: n for n, leika in reversed(list(enumerate(self.settings.top_leika)))}
            self._top = {
                key: (min(order[k] for k in lb.leika if k in order), n)
                for n, (key, lb) in enumerate(self.leistungen.items())
                if any(k in order for k in lb.leika)
            }
        return self._top

    def eigene_leistungen(self, subsite: Subsite) -> list[Leistung]:
        """Leistungen with a Zustaendigkeit for exactly this subsite's Gebiet: they get pages here."""
        if subsite.ist_land:
            return list(self.leistungen.values())
        keys = {k for k, _zs in self._zst_by_gebiet.get(subsite.gebiet.ars, [])}
        return [lb for key, lb in self.leistungen.items() if key in keys]

    def stellen_von(self, subsite: Subsite) -> list[Organisationseinheit]:
        """Offices whose page lives in this subsite: those responsible for its own Gebiet."""
        keys = {
            z.ziel.key
            for _lb, zs in self._zst_by_gebiet.get(subsite.gebiet.ars, [])
            for z in zs
            if z.ziel_art is ZielArt.ORGANISATIONSEINHEIT
        }
        return [self.oes[k] for k in sorted(keys) if k in self.oes]

    @cached_property
    def stellen_heimat(self) -> dict[str, Subsite]:
        """The subsite where each office's page lives (its most specific responsible Gebiet)."""
        order = {GebietArt.GEMEINDE: 0, GebietArt.KREIS: 1, GebietArt.REGIERUNGSBEZIRK: 2, GebietArt.LAND: 3}
        home: dict[str, Subsite] = {}
        for (_lb, ars), zs in sorted(self._zst.items()):
            sub = self.subsites.get(ars)
            if sub is None:
                continue
            for z in zs:
                if z.ziel_art is not ZielArt.ORGANISATIONSEINHEIT:
                    continue
                current = home.get(z.ziel.key)
                if current is None or order[sub.gebiet.art] < order[current.gebiet.art]:
                    home[z.ziel.key] = sub
        for key in self.oes:
            home.setdefault(key, self.land)
        return home

    def leistungen_der_stelle(self, oe: Organisationseinheit) -> list[tuple[Leistung, Gebiet]]:
        out = []
        for lb_key, ars in dict.fromkeys(self._zst_by_ziel.get(oe.ref.key, [])):
            if lb_key in self.leistungen:
                gebiet = self.gebiete.get(ars)
                assert gebiet is not None
                out.append((self.leistungen[lb_key], gebiet))
        return out

    def rathaus(self, subsite: Subsite) -> Organisationseinheit | None:
        """The town hall's contact: the office with the most Zustaendigkeiten for this Gebiet."""
        counts: dict[str, int] = defaultdict(int)
        for _lb, zs in self._zst_by_gebiet.get(subsite.gebiet.ars, []):
            for z in zs:
                if z.ziel_art is ZielArt.ORGANISATIONSEINHEIT and z.ziel.key in self.oes:
                    counts[z.ziel.key] += 1
        if not counts:
            return None
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return self.oes[best]

    # --- paths: (subsite, rest); the language folder goes between them (urls.sprach_prefix) ------------

    @staticmethod
    def leistung_rest(lb: Leistung, name: str | None = None) -> str:
        title = name or lb.namen.de or lb.leika[0]
        key = (lb.ref.id, title)  # a pure function of its inputs, so the memo is safe across builds
        found = _REST.get(key)
        if found is None:
            found = _REST[key] = f"leistungen/{objekt_slug(title, lb.ref.id)}/"
        return found

    def stelle_ort(self, oe: Organisationseinheit, name: str | None = None) -> tuple[Subsite, str]:
        return self.stellen_heimat[oe.ref.key], f"behoerden/{objekt_slug(name or oe.namen.de, oe.ref.id)}/"

    @staticmethod
    def lebenslage_rest(ll: Lebenslage) -> str:
        return f"lebenslagen/{ll.slug}/"


T = TypeVar("T")


def _unique(items: list[T]) -> list[T]:
    seen: set[int] = set()
    out = []
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out
