"""Gebiete: Land, Regierungsbezirke, Kreise and Gemeinden from the Destatis Gemeindeverzeichnis, with PLZ.

Source data (bundled in ``content_sync/data``, see ``SOURCES.md`` there): the Hessen table derived from
GV100AD (Stand 30.11.2021) and the Hessian postcodes of GeoNames. A PLZ belongs to a Gemeinde when GeoNames
names the Gemeinde itself as the place of that PLZ in the same Kreis, and every Gemeinde also gets the PLZ of
its seat of administration. Postcodes of large customers (companies, authorities) map to no Gemeinde.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from importlib import resources

from content_sync.models import Gebiet, GebietArt

GEMEINDEN_CSV = "gemeinden_hessen_gv100ad_2021-11-30.csv"
PLZ_CSV = "plz_hessen_geonames.csv"
LAND = {"06": "Hessen"}
QUELLE = "Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD, Stand 30.11.2021"


def pad(ars: str) -> str:
    """An ARS of 2 to 12 digits, padded to 12 with zeros (``06`` -> ``060000000000``)."""
    return ars.ljust(12, "0")


def kurzname(name: str) -> str:
    """``Wanfried, Stadt`` -> ``Wanfried``; ``Kassel, documenta-Stadt`` -> ``Kassel``."""
    return name.split(",", 1)[0].strip()


class Gebietsverzeichnis:
    """All Gebiete of the bundled Land, keyed by padded 12-digit ARS."""

    def __init__(self, gebiete: dict[str, Gebiet]) -> None:
        self._gebiete = gebiete
        self._ketten: dict[str, tuple[Gebiet, ...]] = {}
        self._plz: dict[str, list[str]] = defaultdict(list)
        for g in gebiete.values():
            for plz in g.plz:
                self._plz[plz].append(g.ars)

    def __len__(self) -> int:
        return len(self._gebiete)

    def __iter__(self) -> Iterator[Gebiet]:
        return iter(sorted(self._gebiete.values(), key=lambda g: g.ars))

    def get(self, ars: str) -> Gebiet | None:
        """The Gebiet for an ARS of any length from 2 to 12 digits."""
        if not ars.isdigit() or not 2 <= len(ars) <= 12:
            return None
        return self._gebiete.get(pad(ars))

    def __contains__(self, ars: object) -> bool:
        return isinstance(ars, str) and self.get(ars) is not None

    def by_art(self, art: GebietArt) -> list[Gebiet]:
        return [g for g in self if g.art is art]

    def kette(self, ars: str) -> list[Gebiet]:
        """The Gebiet and every Gebiet above it, most specific first (Gemeinde, Kreis, RB, Land)."""
        cached = self._ketten.get(ars)
        if cached is None:
            cached = self._ketten[ars] = tuple(self._kette(ars))
        return list(cached)

    def _kette(self, ars: str) -> list[Gebiet]:
        out = []
        current = self.get(ars)
        while current is not None:
            out.append(current)
            current = self.get(current.uebergeordnet) if current.uebergeordnet else None
        return out

    def enthaelt(self, aussen: str, innen: str) -> bool:
        """True when Gebiet ``aussen`` is ``innen`` or contains it."""
        target = pad(aussen)
        return any(g.ars == target for g in self.kette(innen))

    def gemeinden_fuer_plz(self, plz: str) -> list[Gebiet]:
        return [self._gebiete[a] for a in sorted(set(self._plz.get(plz, [])))]

    def alle_plz(self) -> dict[str, list[str]]:
        return {plz: sorted(set(ars)) for plz, ars in sorted(self._plz.items())}


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("content_sync.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _plz_by_gemeinde(gemeinden: list[dict[str, str]]) -> dict[str, set[str]]:
    by_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in gemeinden:
        by_name[(row["kreis_schluessel"], kurzname(row["name"]).lower())].append(row["ars"])
    out: dict[str, set[str]] = defaultdict(set)
    for row in _rows(PLZ_CSV):
        plz = row["zipcode"].strip()
        if not re.fullmatch(r"\d{5}", plz):
            continue
        for ars in by_name.get((row["community_code"], row["place"].strip().lower()), []):
            out[ars].add(plz)
    for row in gemeinden:
        if row["plz_verwaltungssitz"]:
            out[row["ars"]].add(row["plz_verwaltungssitz"])
    return out


@cache
def verzeichnis() -> Gebietsverzeichnis:
    """The bundled Gemeindeverzeichnis (read once per process)."""
    rows = _rows(GEMEINDEN_CSV)
    plz = _plz_by_gemeinde(rows)
    gebiete: dict[str, Gebiet] = {}
    for land_key, land_name in LAND.items():
        gebiete[pad(land_key)] = Gebiet(
            ars=pad(land_key), art=GebietArt.LAND, name=land_name, kurzname=land_name
        )
    for row in rows:
        rb = row["regierungsbezirk_schluessel"]
        rb_name = row["regierungsbezirk_name"].replace("Reg.-Bez.", "Regierungsbezirk")
        gebiete.setdefault(
            pad(rb),
            Gebiet(
                ars=pad(rb),
                art=GebietArt.REGIERUNGSBEZIRK,
                name=rb_name,
                kurzname=kurzname(rb_name),
                uebergeordnet=pad(rb[:2]),
            ),
        )
        kreisfrei = row["kreis_typ"] == "Kreisfreie Stadt"
        kreis = row["kreis_schluessel"]
        if not kreisfrei:
            kreis_name = row["kreis_name"]
            if row["kreis_typ"] == "Landkreis" and "Kreis" not in kreis_name and "kreis" not in kreis_name:
                kreis_name = f"Landkreis {kreis_name}"
            gebiete.setdefault(
                pad(kreis),
                Gebiet(
                    ars=pad(kreis),
                    art=GebietArt.KREIS,
                    name=kreis_name,
                    kurzname=kreis_name,
                    uebergeordnet=pad(rb),
                ),
            )
        gebiete[row["ars"]] = Gebiet(
            ars=row["ars"],
            art=GebietArt.GEMEINDE,
            name=row["name"],
            kurzname=kurzname(row["name"]),
            uebergeordnet=pad(rb) if kreisfrei else pad(kreis),
            kreisfrei=kreisfrei,
            plz=tuple(sorted(plz.get(row["ars"], ()))),
            bevoelkerung=int(row["bevoelkerung"]) if row["bevoelkerung"] else None,
        )
    return Gebietsverzeichnis(gebiete)
