"""The list of pages: for every subsite and language, which template renders which path with what data.

A :class:`Seite` is everything one output file needs; the generator renders them. Keeping the list apart
from rendering lets tests (and the incremental build) look at the pages without writing any.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from content_sync.models import GebietArt, Organisationseinheit

from .i18n import sort_key
from .settings import Sprache
from .site import Angebot, Lebenslage, Portal, Subsite
from .urls import sprach_prefix


@dataclass
class Seite:
    template: str
    subsite: Subsite
    rest: str  # path below the subsite's language folder: "" (start page), "leistungen/x/", "404.html"
    sprache: Sprache
    data: dict[str, Any] = field(default_factory=dict)
    sitemap: bool = True
    anywhere: bool = False  # served at any address (the 404 page): its links start at the site root
    # language code -> the rest of this page in that language where it is not ``rest`` (an A-Z letter that
    # language does not have: its A-Z overview)
    sprach_rest: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return sprach_prefix(self.subsite.path, self.sprache.ordner) + self.rest

    @property
    def save_as(self) -> str:
        return self.path + "index.html" if self.path == "" or self.path.endswith("/") else self.path


def gruppen_ordnen(groups: dict[str, list[Angebot]]) -> list[tuple[str, list[Angebot]]]:
    """A-Z groups by letter, letters A-Z first, then digits and others."""
    return sorted(groups.items(), key=lambda kv: (not kv[0].isalpha() or not kv[0].isascii(), kv[0]))


# every A-Z has a page for each of these letters, with services or without (its navigation stays the same when
# a letter gets its first service or loses its last, so the other letters' pages are not rendered again)
ABC = tuple(chr(c) for c in range(ord("A"), ord("Z") + 1))


def az_slug(buchstabe: str) -> str:
    """An A-Z group's URL part: its letter (``a``), ``0-9``, else the character's code point (``u0627``)."""
    if buchstabe.isascii() and buchstabe.isalpha():
        return buchstabe.lower()
    return "0-9" if buchstabe == "0–9" else f"u{ord(buchstabe[0]):04x}"


def seiten(portal: Portal) -> Iterator[Seite]:
    """Every page of the portal, in a deterministic order."""
    for subsite in portal.subsites.values():
        angebote = portal.angebote(subsite)  # in the order of portal.leistungen
        # a Kreis, RB or the Land lists what it is responsible for itself, and what is above it
        alle = subsite.gebiet.art is GebietArt.GEMEINDE or subsite.ist_land
        stellen: list[Organisationseinheit] | None = None
        lebenslagen: list[Lebenslage] | None = None
        codes = portal.lebenslagen_codes()  # by place in portal.leistungen, as ``angebote``
        top = _top(portal, angebote, alle)
        listen = []
        for sprache in portal.settings.sprachen:
            # put in this language's order once (an index permutation, no sorting): every list keeps it
            geordnet: list[Angebot] = []
            by_ll: dict[str, list[Angebot]] = defaultdict(list)
            gruppen: dict[str, list[Angebot]] = defaultdict(list)  # the A-Z
            initialen = portal.initialen(sprache.code)
            for i in portal.reihenfolge(sprache.code):
                a = angebote[i]
                if alle or a.gebiet is not None:
                    geordnet.append(a)
                    gruppen[initialen[i]].append(a)
                    for code in codes[i]:
                        by_ll[code].append(a)
            if lebenslagen is None or stellen is None:
                lebenslagen = [ll for ll in portal.lebenslagen if by_ll.get(ll.code)]
                stellen = _stellen_fuer(portal, geordnet)
            listen.append((sprache, geordnet, by_ll, gruppen_ordnen(gruppen)))
        # the A-Z letters of every language: a letter page links its counterpart where that language has it
        buchstaben = {sprache.code: {az_slug(b) for b, _e in az} for sprache, _g, _l, az in listen}
        for slugs in buchstaben.values():
            slugs.update(az_slug(b) for b in ABC)
        for sprache, geordnet, by_ll, az in listen:
            yield from _subsite_seiten(
                portal,
                subsite,
                sprache,
                geordnet,
                by_ll,
                az,
                buchstaben,
                lebenslagen or [],
                stellen or [],
                top,
            )


def _top(portal: Portal, angebote: list[Angebot], alle: bool) -> list[Angebot]:
    """The most-used services offered here (``angebote`` in the order of portal.leistungen), in their order."""
    wichtig = portal.top_keys()
    found = [angebote[i] for key in wichtig if (i := portal.position(key)) is not None]
    return sorted(
        (a for a in found if alle or a.gebiet is not None), key=lambda a: wichtig[a.leistung.ref.key]
    )


def _stellen_fuer(portal: Portal, angebote: list[Angebot]) -> list[Organisationseinheit]:
    keys = {oe.ref.key for a in angebote for oe in a.stellen}
    return [portal.oes[k] for k in sorted(keys)]


def _subsite_seiten(
    portal: Portal,
    subsite: Subsite,
    sprache: Sprache,
    angebote: list[Angebot],
    by_ll: dict[str, list[Angebot]],
    gruppen: list[tuple[str, list[Angebot]]],
    buchstaben: dict[str, set[str]],
    lebenslagen: list[Lebenslage],
    stellen: list[Organisationseinheit],
    top: list[Angebot],
) -> Iterator[Seite]:
    kinder = _kinder(portal, subsite)
    yield Seite(
        "start.html",
        subsite,
        "",
        sprache,
        {
            "lebenslagen": lebenslagen,
            "anzahl": {code: len(v) for code, v in by_ll.items()},
            "top": top,
            "rathaus": portal.rathaus(subsite) if not subsite.ist_land else None,
            "kinder": kinder,
            "anzahl_leistungen": len(angebote),
        },
    )
    for ll in lebenslagen:
        yield Seite(
            "lebenslage.html",
            subsite,
            portal.lebenslage_rest(ll),
            sprache,
            {
                "lebenslage": ll,
                "angebote": by_ll[ll.code],  # in the order of ``angebote``: sorted
            },
        )
    yield from _a_z(subsite, sprache, gruppen, buchstaben)
    yield Seite(
        "behoerden.html",
        subsite,
        "behoerden/",
        sprache,
        {
            "stellen": sorted(stellen, key=lambda oe: sort_key(oe.namen.de)),
        },
    )
    yield Seite("suche.html", subsite, "suche/", sprache, {})
    yield Seite("404.html", subsite, "404.html", sprache, {}, sitemap=False, anywhere=True)
    for lb in portal.eigene_leistungen(subsite):
        # own Gebiet: its offices; on the Land portal without a Land-level office: the general description
        angebot = portal.angebot(lb, subsite.gebiet.ars)
        rest = portal.leistung_rest(lb)
        data = {"lb": lb, "angebot": angebot, "lebenslagen": portal.lebenslagen_von(lb)}
        yield Seite("leistung.html", subsite, rest, sprache, data)
        alte = [portal.leistung_rest(lb, alt) for alt in portal.fruehere_namen.get(lb.ref.key, [])]
        yield from _weiterleitungen(subsite, sprache, rest, alte)
    eigene_stellen = portal.stellen_von(subsite)
    for oe in eigene_stellen:
        if portal.stellen_heimat[oe.ref.key] is not subsite:
            continue
        rest = portal.stelle_ort(oe)[1]
        leistungen = sorted(
            portal.leistungen_der_stelle(oe),
            key=lambda lg: portal.rang(sprache.code)[lg[0].ref.key][0],
        )
        yield Seite("stelle.html", subsite, rest, sprache, {"oe": oe, "leistungen": leistungen})
        alte = [portal.stelle_ort(oe, alt)[1] for alt in portal.fruehere_namen.get(oe.ref.key, [])]
        yield from _weiterleitungen(subsite, sprache, rest, alte)
    if subsite.ist_land:
        schon = {oe.ref.key for oe in eigene_stellen}
        yield Seite("orte.html", subsite, "orte/", sprache, {"kreise": _orte(portal)})
        for oe in portal.oes.values():
            if portal.stellen_heimat[oe.ref.key] is subsite and oe.ref.key not in schon:
                yield Seite(
                    "stelle.html",
                    subsite,
                    portal.stelle_ort(oe)[1],
                    sprache,
                    {
                        "oe": oe,
                        "leistungen": [],
                    },
                )


def _a_z(
    subsite: Subsite,
    sprache: Sprache,
    gruppen: list[tuple[str, list[Angebot]]],
    buchstaben: dict[str, set[str]],
) -> Iterator[Seite]:
    """The A-Z: an overview of the letters (with how many services each has) and a page per letter. One page
    with every service would be megabytes at Hessen scale (3,600 services with their teasers), and a change of
    one service would render it again on every subsite; a letter's page changes only with its own services."""
    vorhanden = dict(gruppen)
    gruppen = [(b, vorhanden.get(b, [])) for b in ABC] + [(b, e) for b, e in gruppen if b not in ABC]
    navigation = [(b, az_slug(b)) for b, _e in gruppen]
    yield Seite(
        "a-z.html",
        subsite,
        "a-z/",
        sprache,
        {
            "uebersicht": [(b, az_slug(b), len(e)) for b, e in gruppen],
            "anzahl_leistungen": sum(len(e) for _b, e in gruppen),
        },
    )
    for buchstabe, eintraege in gruppen:
        rest = f"a-z/{az_slug(buchstabe)}/"
        anderswo = {
            code: "a-z/"
            for code, slugs in buchstaben.items()
            if code != sprache.code and az_slug(buchstabe) not in slugs
        }
        yield Seite(
            "a-z-buchstabe.html",
            subsite,
            rest,
            sprache,
            {"buchstabe": buchstabe, "eintraege": eintraege, "navigation": navigation},
            sprach_rest=anderswo,
        )


def _weiterleitungen(subsite: Subsite, sprache: Sprache, ziel: str, alte: list[str]) -> Iterator[Seite]:
    """A changed title changes the slug: the old URL keeps working as a redirect page to the new one."""
    for alt in alte:
        if alt != ziel:
            yield Seite("weiterleitung.html", subsite, alt, sprache, {"ziel": ziel}, sitemap=False)


def _kinder(portal: Portal, subsite: Subsite) -> list[Subsite]:
    """The subsites directly below: a Kreis's Gemeinden, the Land's Kreise and kreisfreie Städte."""
    out = []
    for other in portal.subsites.values():
        parent = other.gebiet.uebergeordnet
        if other.gebiet.art is GebietArt.REGIERUNGSBEZIRK:
            continue
        if subsite.ist_land:
            if other.gebiet.art is GebietArt.KREIS or (
                other.gebiet.art is GebietArt.GEMEINDE and other.gebiet.kreisfrei
            ):
                out.append(other)
        elif parent == subsite.gebiet.ars:
            out.append(other)
    return sorted(out, key=lambda s: sort_key(s.gebiet.kurzname))


def _orte(portal: Portal) -> list[tuple[Subsite, list[Subsite]]]:
    """Every place with a subsite, by Kreis (a kreisfreie Stadt stands alone)."""
    groups: dict[str, list[Subsite]] = defaultdict(list)
    for s in portal.subsites.values():
        if s.gebiet.art is GebietArt.GEMEINDE and not s.gebiet.kreisfrei and s.gebiet.uebergeordnet:
            groups[s.gebiet.uebergeordnet].append(s)
    out = []
    for s in portal.subsites.values():
        if s.gebiet.art is GebietArt.KREIS or (s.gebiet.art is GebietArt.GEMEINDE and s.gebiet.kreisfrei):
            out.append((s, sorted(groups.get(s.gebiet.ars, []), key=lambda g: sort_key(g.gebiet.kurzname))))
    return sorted(out, key=lambda kv: sort_key(kv[0].gebiet.kurzname))
