"""The content API plugin: after portal_pages has read the store, write the API's files below ``<pfad>``.

Layout (``<api>`` = ``CONTENT_API['pfad']``, ``api/v1``; ``<lang>`` = de, en, de-x-ls, ar; ``<ort>`` = the
subsite's slug, the Land by its name; ``<id>`` = the id part of the object's page slug):

    <api>/index.json                              languages, subsites (with their chain), URL templates
    <api>/catalog.json                            DCAT-AP.de (JSON-LD)
    <api>/schemas/<name>.schema.json              JSON Schema of every kind of file (from the models)
    <api>/<lang>/leistungen/<id>.json             a service's description: the same in every place
    <api>/<lang>/orte/<ort>/leistungen.json       the services this Gebiet is responsible for itself, each with
                                                  its offices, online services and short answer
    <api>/<lang>/orte/<ort>/behoerden.json        the offices whose page lives here, and those it names
    <api>/<lang>/orte/<ort>/lebenslagen.json      the Lebenslagen tree for the place's residents
    <api>/<lang>/orte/<ort>/leistungen.csv        the services of leistungen.json as a table
    <api>/<lang>/orte/<ort>/behoerden.csv         the offices of behoerden.json as a table

Like the pages, the files grow with the Zustaendigkeiten, not with Leistungen x Gemeinden: a service's
texts are written once per language, and a place lists only what its own Gebiet is responsible for; its
residents' other services are in the lists of the places in its ``kette`` (Kreis, Regierungsbezirk, Land),
the first list naming a service wins (the rule of ``Portal.angebot``). A place's services are in one file,
not one file each: at Hessen scale that would be 640,000 files (and their copies) for the nightly job to
copy into every release.

A build computes only the units (a service's description, a place's files, per language) whose inputs
changed since the last one: see einheiten.py.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import Generator
from pydantic import BaseModel

from content_sync.models import GebietArt, Leistung, Organisationseinheit
from plugins.portal_pages.i18n import Formate, compile_catalogs, load_translations
from plugins.portal_pages.parallel import im_fork
from plugins.portal_pages.render import phase
from plugins.portal_pages.settings import PluginConfigError
from plugins.portal_pages.site import Angebot, Portal, Subsite

from . import dcat, tabellen
from . import modelle as m
from .ausgabe import Ausgabe, Statistik, eintrag_bytes, liste_bytes
from .einheiten import (
    AlteListe,
    Digests,
    Einheit,
    Liste,
    code_hash,
    einheit_digest,
    lies_stand,
    schreibe_stand,
    sprach_hash,
)
from .inhalte import Inhalte, Pfade, objekt_id, ort_schluessel
from .settings import ContentApiSettings

log = logging.getLogger(__name__)
THEME_ROOT = Path(__file__).resolve().parents[2] / "theme"
VERSION = "1"
SCHEMAS: dict[str, type[BaseModel]] = {
    "index": m.ApiIndex,
    "katalog": dcat.Katalog,
    "leistung": m.LeistungTexte,
    "ort-leistungen": m.OrtLeistungen,
    "ort-behoerden": m.OrtBehoerden,
    "ort-lebenslagen": m.OrtLebenslagen,
    "leistungen-csv-zeile": tabellen.LeistungZeile,
    "behoerden-csv-zeile": tabellen.BehoerdeZeile,
}
VORLAGEN = {
    "leistung": "{sprache}/leistungen/{id}.json",
    "ort_leistungen": "{sprache}/orte/{ort}/leistungen.json",
    "ort_behoerden": "{sprache}/orte/{ort}/behoerden.json",
    "ort_lebenslagen": "{sprache}/orte/{ort}/lebenslagen.json",
    "ort_leistungen_csv": "{sprache}/orte/{ort}/leistungen.csv",
    "ort_behoerden_csv": "{sprache}/orte/{ort}/behoerden.csv",
}


def schema_bytes(model: type[BaseModel]) -> bytes:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **model.model_json_schema(by_alias=True),
    }
    return (json.dumps(schema, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


@dataclass
class OrtPlan:
    """What one subsite publishes, independent of the language."""

    subsite: Subsite
    kette: list[Subsite]  # the subsites above it, most specific first
    eigene: list[Angebot]  # the services its own Gebiet is responsible for (its service pages)
    lebenslagen: dict[str, list[str]]  # Lebenslage code -> ids of the services its Lebenslage page lists
    stellen: list[Organisationseinheit]  # the offices whose page lives here, and those its services name


def plane(portal: Portal) -> list[OrtPlan]:
    heimat: dict[str, list[Organisationseinheit]] = defaultdict(list)
    for key, oe in sorted(portal.oes.items()):
        heimat[portal.stellen_heimat[key].gebiet.ars].append(oe)
    # a Gemeinde and the Land list every service under its Lebenslagen: one list for all of them
    alle = _lebenslagen(portal, list(portal.leistungen.values()))
    plaene = []
    for subsite in portal.subsites.values():
        ars = subsite.gebiet.ars
        kette = [portal.subsites[g.ars] for g in portal.gebiete.kette(ars)[1:] if g.ars in portal.subsites]
        eigene = sorted(
            (portal.angebot(lb, ars) for lb in portal.eigene_leistungen(subsite)),
            key=lambda a: objekt_id(a.leistung.ref.id),
        )
        if subsite.gebiet.art is GebietArt.GEMEINDE or subsite.ist_land:
            lebenslagen = alle
        else:  # as the pages: a Kreis or RB lists what it or a Gebiet above is responsible for
            sichtbar = [a.leistung for a in portal.angebote(subsite) if a.gebiet is not None]
            lebenslagen = _lebenslagen(portal, sichtbar)
        keys = {oe.ref.key for oe in heimat.get(ars, [])} | {oe.ref.key for a in eigene for oe in a.stellen}
        stellen = sorted((portal.oes[k] for k in keys), key=lambda oe: objekt_id(oe.ref.id))
        plaene.append(OrtPlan(subsite, kette, eigene, lebenslagen, stellen))
    return plaene


def _lebenslagen(portal: Portal, leistungen: list[Leistung]) -> dict[str, list[str]]:
    """Lebenslage code -> the sorted ids of those of ``leistungen`` that belong to it."""
    out: dict[str, list[str]] = defaultdict(list)
    for lb in leistungen:
        for ll in portal.lebenslagen_von(lb):
            out[ll.code].append(objekt_id(lb.ref.id))
    return {code: sorted(ids) for code, ids in out.items()}


def _pruefe_ids(portal: Portal) -> None:
    """File names come from ids: two objects of a kind must never share one (the sync keeps ids unique)."""
    for kind, refs in (
        ("Leistung", [lb.ref for lb in portal.leistungen.values()]),
        ("Organisationseinheit", [oe.ref for oe in portal.oes.values()]),
    ):
        seen: dict[str, str] = {}
        for ref in refs:
            other = seen.setdefault(objekt_id(ref.id), ref.key)
            if other != ref.key:
                raise PluginConfigError(f"content_api: {kind} {ref.key} and {other} would share a file name")


def _geaendert(objekte: list[Any]) -> str | None:
    dates = [
        o.versionsinformation.geaendert.date().isoformat()
        for o in objekte
        if o.versionsinformation and o.versionsinformation.geaendert
    ]
    return max(dates) if dates else None


def schreibe_api(
    portal: Portal, config: ContentApiSettings, output: Path, theme: Path, jobs: int = 1
) -> Statistik:
    """Write every file of the API into ``output`` (only those whose bytes changed) and return the figures.
    A unit (a service's description, a place's files; einheiten.py) whose inputs are unchanged is not
    computed: its files stay as they are. With ``jobs`` > 1 the languages are written in that many worker
    processes (they inherit the portal, nothing is pickled on the way in)."""
    _pruefe_ids(portal)
    aus = Ausgabe(output, config.brotli_qualitaet)
    translations = theme / "translations"
    compile_catalogs(translations)
    orte = ort_schluessel(portal)
    plaene = plane(portal)
    job = dict(
        portal=portal,
        config=config,
        aus=aus,
        translations=translations,
        pfade=Pfade(portal.settings.site_url, config.pfad),
        orte=orte,
        plaene=plaene,
        **_vorbereiten(portal, config, aus.root, translations, orte, plaene),
    )
    einheiten: dict[str, Einheit] = {}
    sprachen = list(range(len(portal.settings.sprachen)))
    for neu, statistik, erledigt in im_fork(functools.partial(_schreibe_sprache, job), sprachen, jobs):
        aus.uebernehme(neu, statistik)
        einheiten.update(erledigt)
    api, pfade = config.pfad, job["pfade"]
    for name, model in SCHEMAS.items():
        aus.schreibe(f"{api}/schemas/{name}.schema.json", schema_bytes(model), "schemas")
    aus.json(f"{api}/index.json", _index(portal, config, pfade, orte, plaene), "index")
    aus.json(f"{api}/catalog.json", _katalog(portal, config, pfade, orte, plaene), "katalog", ohne_null=True)
    statistik = aus.abschliessen(config.pfad)
    schreibe_stand(aus.root, einheiten)  # after the manifest: a unit is skipped only if both agree
    return statistik


def _vorbereiten(
    portal: Portal,
    config: ContentApiSettings,
    root: Path,
    translations: Path,
    orte: dict[str, str],
    plaene: list[OrtPlan],
) -> dict[str, Any]:
    """The last build's units and the digests of this one's (their language-independent part, and one
    digest per language). Should anything go wrong, there are none: every unit is computed."""
    try:
        code = code_hash()
        digests = Digests(portal, orte)
        return {
            "stand": lies_stand(root),
            "sprach_hashes": [
                sprach_hash(portal, config, s, translations, code) for s in portal.settings.sprachen
            ],
            "leistung_digests": {key: digests.leistung(lb) for key, lb in portal.leistungen.items()},
            "ort_digests": {p.subsite.gebiet.ars: digests.ort(p) for p in plaene},
            "behoerden_digests": {p.subsite.gebiet.ars: digests.behoerden(p) for p in plaene},
        }
    except Exception:  # the digests only save time: computing everything is always right
        log.warning("content api: cannot digest the inputs, computing every file", exc_info=True)
        return {
            "stand": {},
            "sprach_hashes": None,
            "leistung_digests": {},
            "ort_digests": {},
            "behoerden_digests": {},
        }


def _eintrag_digests(plan: OrtPlan, digests: list[str] | None) -> dict[str, str]:
    """The digest of each entry of a place's service list, by the service's id."""
    if digests is None:
        return {}
    return {objekt_id(a.leistung.ref.id): d for a, d in zip(plan.eigene, digests, strict=True)}


@dataclass
class _Einheiten:
    """One language's units: each is computed, or skipped when its digest is that of the last build and
    its files are still there (they are carried forward)."""

    aus: Ausgabe
    stand: dict[str, Einheit]  # the last build's units
    sprach_hash: str | None  # None: no digests, every unit is computed (and none recorded)
    erledigt: dict[str, Einheit] = field(default_factory=dict)

    def einheit(
        self, name: str, basis: str | None, berechnen: Callable[[Einheit | None], Liste | None]
    ) -> None:
        """``berechnen`` gets the last build's record of the unit (None: there is none to go by); it returns
        a place's service list as it wrote it, recorded with the unit."""
        if self.sprach_hash is None or basis is None:
            berechnen(None)
            self.aus.statistik.berechnet += 1
            return
        digest = einheit_digest(self.sprach_hash, basis)
        alt = self.stand.get(name)
        if alt is not None and alt.digest == digest and self.aus.behalte(alt.dateien):
            self.erledigt[name] = alt
            self.aus.statistik.uebersprungen += 1
            return
        with self.aus.einheit() as dateien:
            liste = berechnen(alt)
        self.erledigt[name] = Einheit(digest, dateien, self.sprach_hash, liste)
        self.aus.statistik.berechnet += 1


def _schreibe_sprache(
    job: dict[str, Any], nummer: int
) -> tuple[dict[str, str], Statistik, dict[str, Einheit]]:
    """Every file of one language: the descriptions, then each subsite's files."""
    portal: Portal = job["portal"]
    config: ContentApiSettings = job["config"]
    sprache = portal.settings.sprachen[nummer]
    aus: Ausgabe = job["aus"].teil()
    api = config.pfad
    formate = Formate(sprache, load_translations(job["translations"], sprache.katalog))
    inh = Inhalte(portal, config, sprache, formate, job["pfade"], job["orte"])
    sprach_hashes: list[str] | None = job["sprach_hashes"]
    einheiten = _Einheiten(aus, job["stand"], sprach_hashes[nummer] if sprach_hashes else None)
    leistung_digests: dict[str, str] = job["leistung_digests"]
    for lb in sorted(portal.leistungen.values(), key=lambda lb: objekt_id(lb.ref.id)):
        einheiten.einheit(
            inh.leistung_datei(lb),
            leistung_digests.get(lb.ref.key),
            functools.partial(_schreibe_leistung, aus, api, inh, lb),
        )
    ort_digests: dict[str, tuple[str, list[str]]] = job["ort_digests"]
    behoerden_digests: dict[str, str] = job["behoerden_digests"]
    for plan in job["plaene"]:
        ars = plan.subsite.gebiet.ars
        ort, eintrag_digests = ort_digests.get(ars) or (None, None)
        eintraege = _eintrag_digests(plan, eintrag_digests)
        einheiten.einheit(
            inh.ort_datei(plan.subsite, ""),
            ort,
            functools.partial(_schreibe_ort, aus, api, inh, plan, eintraege, einheiten.sprach_hash or ""),
        )
        einheiten.einheit(
            inh.ort_datei(plan.subsite, "behoerden"),
            behoerden_digests.get(ars),
            functools.partial(_schreibe_behoerden, aus, api, inh, plan),
        )
    return aus.neu, aus.statistik, einheiten.erledigt


def _schreibe_leistung(
    aus: Ausgabe, api: str, inh: Inhalte, lb: Leistung, _alt: Einheit | None
) -> Liste | None:
    aus.json(f"{api}/{inh.leistung_datei(lb)}", inh.leistung_texte(lb), "leistung")
    return None


def _schreibe_ort(
    aus: Ausgabe,
    api: str,
    inh: Inhalte,
    plan: OrtPlan,
    eintraege: dict[str, str],
    sprache: str,
    alt: Einheit | None,
) -> Liste | None:
    """A place's service list (JSON and CSV) and Lebenslagen. An entry of the service list that the last
    build made from the same inputs is taken from that build's files (einheiten.AlteListe); the others are
    made. Returns the service list as written (None without entry digests: nothing to carry over)."""
    sub = plan.subsite
    leistungen_json = f"{api}/{inh.ort_datei(sub, 'leistungen.json')}"
    leistungen_csv = f"{api}/{inh.ort_datei(sub, 'leistungen.csv')}"
    vorher = AlteListe.lesen(aus, alt, sprache, (leistungen_json, leistungen_csv), eintraege).eintraege
    keys = [objekt_id(a.leistung.ref.id) for a in plan.eigene]
    daten: list[bytes] = []
    zeilen: list[bytes | None] = []  # None: the line of an entry made here (all made at once below)
    neue: list[tabellen.CsvZeile] = []
    for key, a in zip(keys, plan.eigene, strict=True):
        gleich = vorher.get(key)
        if gleich is None:
            e = inh.eintrag(sub, a)
            daten.append(eintrag_bytes(e.model_dump(mode="json", by_alias=True)))
            zeilen.append(None)
            neue.append(tabellen.leistung_zeile(e))
        else:
            daten.append(gleich[0])
            zeilen.append(gleich[1])
    aus.statistik.eintraege_neu += len(neue)
    aus.statistik.eintraege_alt += len(plan.eigene) - len(neue)
    kopf = inh.ort_leistungen(sub, plan.kette, []).model_dump(mode="json", by_alias=True)
    del kopf["leistungen"]
    data, ab = liste_bytes(kopf, "leistungen", daten)
    aus.schreibe(leistungen_json, data, "ort")
    gemacht = iter(z.encode("utf-8") for z in tabellen.csv_zeilen(tabellen.LeistungZeile, neue))
    csv = [z.encode("utf-8") for z in tabellen.csv_zeilen(tabellen.LeistungZeile, [], kopf=True)]
    aus.schreibe(leistungen_csv, b"".join(csv + [z or next(gemacht) for z in zeilen]), "csv")
    aus.json(
        f"{api}/{inh.ort_datei(sub, 'lebenslagen.json')}", inh.ort_lebenslagen(sub, plan.lebenslagen), "ort"
    )
    if not eintraege:
        return None
    return Liste(ab, tuple((k, eintraege[k], len(d)) for k, d in zip(keys, daten, strict=True)))


def _schreibe_behoerden(aus: Ausgabe, api: str, inh: Inhalte, plan: OrtPlan, _alt: Einheit | None) -> None:
    """A place's offices (JSON and CSV): a unit of their own, as a new service changes the place's lists
    but seldom its offices."""
    sub = plan.subsite
    behoerden = inh.ort_behoerden(sub, plan.stellen)
    aus.json(f"{api}/{inh.ort_datei(sub, 'behoerden.json')}", behoerden, "ort")
    zeilen_b = [tabellen.behoerde_zeile(b) for b in behoerden.behoerden]
    aus.schreibe(
        f"{api}/{inh.ort_datei(sub, 'behoerden.csv')}",
        tabellen.csv_bytes(tabellen.BehoerdeZeile, zeilen_b),
        "csv",
    )


def _index(
    portal: Portal, config: ContentApiSettings, pfade: Pfade, orte: dict[str, str], plaene: list[OrtPlan]
) -> m.ApiIndex:
    return m.ApiIndex(
        schema_=pfade.schema("index"),
        version=VERSION,
        name=portal.settings.site_name,
        herausgeber=config.herausgeber,
        lizenz=m.Link(url=config.lizenz, titel=config.lizenz_name),
        namensnennung=config.namensnennung or config.herausgeber,
        katalog=pfade.api_url("catalog.json"),
        sprachen=[
            m.SpracheEintrag(code=s.code, name=s.name, richtung=s.dir) for s in portal.settings.sprachen
        ],
        vorlagen={k: pfade.api_url(v) for k, v in VORLAGEN.items()},
        schemas={name: pfade.schema(name) for name in SCHEMAS},
        orte=[
            m.OrtEintrag(
                schluessel=orte[p.subsite.gebiet.ars],
                ars=p.subsite.gebiet.ars,
                name=p.subsite.gebiet.name,
                kurzname=p.subsite.gebiet.kurzname,
                art=p.subsite.gebiet.art.value,
                kette=[orte[s.gebiet.ars] for s in [p.subsite, *p.kette]],
            )
            for p in plaene
        ],
    )


def _katalog(
    portal: Portal, config: ContentApiSettings, pfade: Pfade, orte: dict[str, str], plaene: list[OrtPlan]
) -> dcat.Katalog:
    de = portal.settings.sprachen[0]

    def datei(plan: OrtPlan, name: str) -> str:
        return pfade.api_url(f"{de.code}/orte/{orte[plan.subsite.gebiet.ars]}/{name}")

    daten = dcat.KatalogDaten(
        katalog_url=pfade.api_url("catalog.json"),
        index_url=pfade.api_url("index.json"),
        api_url=pfade.api_url(""),
        csv_schema_url={"l": pfade.schema("leistungen-csv-zeile"), "b": pfade.schema("behoerden-csv-zeile")},
        json_schema_url={"l": pfade.schema("ort-leistungen"), "b": pfade.schema("ort-behoerden")},
        homepage=pfade.url(""),
        site_name=portal.settings.site_name,
        sprachen=[s.code for s in portal.settings.sprachen],
        kontakt_email=config.kontakt_email or portal.settings.kontakt_email,
        orte=[
            dcat.OrtDatensatz(
                schluessel=orte[p.subsite.gebiet.ars],
                name=p.subsite.gebiet.name,
                art=p.subsite.gebiet.art,
                ars=p.subsite.gebiet.ars,
                seite=pfade.url(p.subsite.path),
                leistungen_csv=datei(p, "leistungen.csv"),
                behoerden_csv=datei(p, "behoerden.csv"),
                leistungen_json=datei(p, "leistungen.json"),
                behoerden_json=datei(p, "behoerden.json"),
                anzahl_leistungen=len(p.eigene),
                anzahl_behoerden=len(p.stellen),
                geaendert=_geaendert([a.leistung for a in p.eigene] + list(p.stellen)),
            )
            for p in plaene
        ],
    )
    return dcat.katalog(config, daten)


# --- Pelican -------------------------------------------------------------------------------------------------


class ContentApiGenerator(Generator):
    def generate_context(self) -> None:
        self.config = ContentApiSettings.from_pelican(self.settings)

    def generate_output(self, writer: Any) -> None:
        portal: Portal | None = self.context.get("portal")
        if portal is None:
            raise PluginConfigError("content_api needs portal_pages (list it first in PLUGINS)")
        t0 = time.perf_counter()
        theme = Path(self.settings.get("THEME", THEME_ROOT))
        jobs = portal.settings.jobs or os.cpu_count() or 1
        stats = schreibe_api(portal, self.config, Path(self.output_path), theme, jobs)
        self.context["content_api_stats"] = stats
        phase(self.context, "content api", time.perf_counter() - t0)
        log.info(
            "content api: %d files, %s B (%d written, %d unchanged, %d deleted; units: %d computed, "
            "%d skipped; list entries: %d made, %d carried over) in %.1f s, %d workers",
            stats.dateien,
            f"{stats.bytes:,}",
            stats.geschrieben,
            stats.unveraendert,
            stats.geloescht,
            stats.berechnet,
            stats.uebersprungen,
            stats.eintraege_neu,
            stats.eintraege_alt,
            time.perf_counter() - t0,
            min(jobs, len(portal.settings.sprachen)),
        )


def _get_generators(_pelican: Any) -> type[ContentApiGenerator]:
    return ContentApiGenerator


def _validate(pelican: Any) -> None:
    ContentApiSettings.from_pelican(pelican.settings)


SIGNAL_HANDLERS = {
    "initialized": _validate,
    "get_generators": _get_generators,
}


def register() -> None:
    for name, handler in SIGNAL_HANDLERS.items():
        getattr(signals, name).connect(handler)
