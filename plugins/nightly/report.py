"""The report of a run, for editors (an HTML page in German) and for machines (JSON).

What it says:
- the steps with their outcome and time;
- what changed: the new, changed and deleted Leistungen, offices and online services of this run's sync (the
  store's history rows of the run), also per subsite (where the object has pages: the Gebiete of its
  Zustaendigkeiten, current and just deleted; every Leistung also has its Land portal page); for each changed
  Leistung what changed in its text, per section and language, as a word diff (:mod:`.diff`);
- what was quarantined and why (file, record, reason);
- warnings: the sync's warnings (markup the renderer removes), Leistungen without a responsible office in
  some Gemeinde, offices without opening hours, missing translations per language, cycles in the category
  tree;
- the figures of the build and the check, and the check's problems.

``collect`` reads the store (read-only) and the portal's structure; ``render_html`` turns the report into a
self-contained page (escaped by Jinja2; links relative to where the page is written).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader
from lxml import etree
from pydantic import ValidationError

from content_sync.models import (
    Leistung,
    Model,
    Onlinedienst,
    Organisationseinheit,
    Textmodul,
    Zustaendigkeit,
)
from content_sync.store import Store

from . import diff

CHANGE_WORDS = {"new": "neu", "changed": "geaendert", "deleted": "geloescht"}
KLASSEN = {"Leistung": Leistung, "Organisationseinheit": Organisationseinheit, "Onlinedienst": Onlinedienst}
LIST_LIMIT = 50  # names listed per warning (the counts are complete)


def _model(model: type[Model], data: str | None) -> Any:
    if not data:
        return None
    try:
        return model.model_validate_json(data)
    except ValidationError:
        return None


def _name(obj: Any, key: str) -> str:
    if obj is None:
        return key
    name = obj.namen.de if hasattr(obj, "namen") else ""
    return name or key


def id_hint(fragment: str | None) -> str | None:
    """The raw id of a record whose id was refused, escaped (control and invisible characters as \\u…)."""
    if not fragment:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    try:
        root = etree.fromstring(fragment.encode("utf-8"), parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == "id":
            text = (el.text or "").strip()
            shown = ascii(text)[1:-1]
            return shown if len(shown) <= 80 else shown[:77] + "..."
    return None


def kategorien_zyklen(leistungen: Iterable[Leistung]) -> list[dict[str, Any]]:
    """Cycles in the category tree (``uebergeordneteKategorieID``), each once; never loops itself."""
    parent: dict[str, str] = {}
    wo: dict[str, str] = {}
    for lb in leistungen:
        for k in lb.kategorien:
            if k.uebergeordnet and k.id not in parent:
                parent[k.id] = k.uebergeordnet
                wo[k.id] = lb.ref.key
    cycles: list[dict[str, Any]] = []
    done: set[str] = set()
    for start in sorted(parent):
        path: list[str] = []
        on_path: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = parent.get(node)
        if node is not None and node in on_path:
            cycle = path[on_path[node] :]
            cycles.append(
                {"kategorien": [*cycle, node], "leistungen": sorted({wo[c] for c in cycle if c in wo})}
            )
        done.update(path)
    return cycles


def collect(
    store_path: Path,
    run_id: int | None,
    *,
    pelican_settings: Path | None,
) -> dict[str, Any]:
    """Changes, quarantine and warnings of the sync run ``run_id``, from the store and the portal structure.

    A changed object's ``pfad`` is the output path of its page (relative to the release root).
    """
    with Store(store_path, readonly=True) as store:
        portal = _portal(store, pelican_settings)
        out: dict[str, Any] = {
            "aenderungen": {},
            "aenderungen_je_subsite": [],
            "quarantaene": [],
            "warnungen": {},
        }
        if run_id is not None:
            _changes(store, run_id, portal, out)
            fragments = store.quarantine_fragments(run_id)
            for q, fragment in zip(store.quarantine(run_id), fragments, strict=True):
                out["quarantaene"].append(
                    {
                        "datei": q.file,
                        "klasse": q.klasse,
                        "id": q.record_id,
                        "id_roh": None if q.record_id else id_hint(fragment),
                        "grund": q.reason,
                    }
                )
            out["warnungen"]["sync"] = [
                {"datei": w["file"], "klasse": w["klasse"], "id": w["record_id"], "text": w["message"]}
                for w in store.warnings(run_id)
            ]
        if portal is not None:
            out["warnungen"].update(_portal_warnings(portal))
            out["warnungen"]["inhalte_bereinigt"] = _sanitised(store, portal)
        else:
            leistungen = list(store.leistungen())
            out["warnungen"]["kategorien_zyklen"] = kategorien_zyklen(leistungen)
    return out


def _portal(store: Store, pelican_settings: Path | None) -> Any:
    """The portal's structure as the build sees it (None if the settings cannot be read)."""
    if pelican_settings is None:
        return None
    from pelican.settings import read_settings

    from plugins.portal_pages.settings import PortalPagesSettings
    from plugins.portal_pages.site import Portal

    raw = read_settings(str(pelican_settings)).get("PORTAL_PAGES") or {}
    config = PortalPagesSettings.model_validate({**raw, "store": str(store.path)})
    return Portal(config, store)


def _changes(store: Store, run_id: int, portal: Any, out: dict[str, Any]) -> None:
    rows = store.run_changes(run_id)
    aenderungen: dict[str, dict[str, list[dict[str, Any]]]] = {
        k: {"neu": [], "geaendert": [], "geloescht": []} for k in KLASSEN
    }
    # Zustaendigkeiten as they are now and as they were before this run deleted them: where things show
    zst: list[Zustaendigkeit] = list(portal.zustaendigkeiten) if portal is not None else []
    for row in rows:
        if row["klasse"] == "Zustaendigkeit" and row["change"] == "deleted":
            z = _model(Zustaendigkeit, row["before"])
            if z is not None:
                zst.append(z)
    gebiete_von: dict[str, set[str]] = defaultdict(set)
    for z in zst:
        gebiete_von[f"Leistung:{z.leistung.key}"].update(z.gebiete)
        gebiete_von[
            f"{'Organisationseinheit' if z.ziel_art.value == 'organisationseinheit' else 'Onlinedienst'}:{z.ziel.key}"
        ].update(z.gebiete)
    je_subsite: dict[str, dict[str, Any]] = {}
    diffs = 0
    for row in rows:
        klasse = row["klasse"]
        if klasse not in KLASSEN:
            continue
        obj = _model(KLASSEN[klasse], row["data"] if row["change"] != "deleted" else row["before"])
        entry: dict[str, Any] = {"key": row["key"], "name": _name(obj, row["key"])}
        if klasse == "Leistung" and row["change"] == "changed":  # what changed in its text (diff.py)
            aenderung = diff.textaenderung(row["before"], row["data"], mit_diff=diffs < diff.DIFF_LIMIT)
            if aenderung is not None:
                entry["aenderung"] = aenderung
                diffs += 1
        pfad = _link(portal, klasse, row["change"], obj) if portal is not None else None
        if pfad is not None:
            entry["pfad"] = pfad
        aenderungen[klasse][CHANGE_WORDS[row["change"]]].append(entry)
        if portal is None or klasse == "Onlinedienst":
            continue
        subsites = {}
        for ars in gebiete_von.get(f"{klasse}:{row['key']}", set()):
            sub = portal.subsite_fuer(ars)
            if sub is not None:
                subsites[sub.path] = sub
        if klasse == "Leistung" or not subsites:
            subsites[portal.land.path] = portal.land
        for sub in subsites.values():
            bucket = je_subsite.setdefault(
                sub.path,
                {
                    "subsite": sub.path,
                    "name": sub.gebiet.kurzname,
                    "art": sub.gebiet.art.value,
                    "Leistung": {"neu": [], "geaendert": [], "geloescht": []},
                    "Organisationseinheit": {"neu": [], "geaendert": [], "geloescht": []},
                },
            )
            bucket[klasse][CHANGE_WORDS[row["change"]]].append({"key": entry["key"], "name": entry["name"]})
    out["aenderungen"] = aenderungen
    out["aenderungen_je_subsite"] = [je_subsite[p] for p in sorted(je_subsite, key=lambda p: (p != "", p))]


def _link(portal: Any, klasse: str, change: str, obj: Any) -> str | None:
    """The output path of the object's page (Land page of a Leistung, home page of an office)."""
    if change == "deleted" or obj is None:
        return None
    if klasse == "Leistung" and obj.ref.key in portal.leistungen:
        return portal.land.path + portal.leistung_rest(portal.leistungen[obj.ref.key])
    if klasse == "Organisationseinheit" and obj.ref.key in portal.oes:
        subsite, rest = portal.stelle_ort(portal.oes[obj.ref.key])
        return subsite.path + rest
    return None


def _portal_warnings(portal: Any) -> dict[str, Any]:
    from plugins.portal_pages.qualitaet import ohne_zustaendige_stelle

    # the rule of the data-quality page: the most specific Zustaendigkeit of a Gemeinde's chain names no office
    ohne_stelle = [
        {k: e[k] for k in ("key", "name", "anzahl", "von", "gemeinden")}
        for e in ohne_zustaendige_stelle(portal, gemeinden_limit=LIST_LIMIT)
    ]
    ohne_zeiten = [
        {"key": key, "name": _name(oe, key)}
        for key, oe in sorted(portal.oes.items())
        if not oe.oeffnungszeiten and not oe.oeffnungszeiten_text
    ]
    uebersetzungen: dict[str, Any] = {}
    for sprache in portal.settings.sprachen[1:]:
        code = sprache.code
        ohne_name = []
        unvollstaendig = []
        for key, lb in sorted(portal.leistungen.items()):
            if not (lb.namen.get(code) or "").strip():
                ohne_name.append({"key": key, "name": _name(lb, key)})
            fehlend = sorted(
                m.value
                for m, texte in lb.texte.items()
                if m not in (Textmodul.LEISTUNGSBEZEICHNUNG,) and texte.get("de") and not texte.get(code)
            )
            if fehlend:
                unvollstaendig.append({"key": key, "name": _name(lb, key), "module": fehlend})
        uebersetzungen[code] = {
            "sprache": sprache.name,
            "ohne_name": ohne_name,
            "texte_fehlen": unvollstaendig,
        }
    return {
        "ohne_zustaendige_stelle": ohne_stelle,
        "ohne_oeffnungszeiten": ohne_zeiten,
        "fehlende_uebersetzungen": uebersetzungen,
        "kategorien_zyklen": kategorien_zyklen(portal.leistungen.values()),
    }


def _sanitised(store: Store, portal: Any) -> list[dict[str, Any]]:
    """What the pages show differently from the data: markup removed or shown as text, links left out. (The
    sync warns about the texts of Leistungen itself; this covers names, offices and links.)"""
    from content_sync.xzufi.parse import _RISKY
    from plugins.portal_pages.filters import sichere_url

    files = {k: store.source_files(k) for k in KLASSEN}
    out: list[dict[str, Any]] = []

    def add(klasse: str, key: str, text: str) -> None:
        out.append({"datei": files[klasse].get(key, ""), "klasse": klasse, "id": key, "text": text})

    def risky(value: str) -> list[str]:
        return [what for pattern, what in _RISKY if pattern.search(value)]

    for key, lb in sorted(portal.leistungen.items()):
        for lang, name in sorted(lb.namen.root.items()):
            if "<" in name or ">" in name:
                add("Leistung", key, f"name ({lang}) contains markup: shown as text")
        links = [link for group in lb.modul_links.values() for link in group] + list(lb.ursprungsportal)
        for link in links:
            if not sichere_url(link.uri):
                add("Leistung", key, f"link {link.uri[:60]!r} is no http(s) URL: not shown")
    for key, oe in sorted(portal.oes.items()):
        for label, texts in (
            ("name", oe.namen),
            ("beschreibung", oe.beschreibung),
            ("oeffnungszeiten", oe.oeffnungszeiten_text),
            ("barrierefreiheit", oe.barrierefreiheit),
        ):
            for lang, value in sorted(texts.root.items()):
                found = risky(value)
                if found:
                    add("Organisationseinheit", key, f"{label} ({lang}) contains {', '.join(found)}: removed")
        for k in oe.kommunikation:
            if k.kanal.value == "web" and not sichere_url(k.kennung):
                add(
                    "Organisationseinheit",
                    key,
                    f"web address {k.kennung[:60]!r} is no http(s) URL: shown as text",
                )
            elif k.kanal.value == "sonstiges" and "@" in k.kennung:
                add(
                    "Organisationseinheit",
                    key,
                    f"{k.kennung[:60]!r} is no valid e-mail address: shown as text",
                )
    for key, od in sorted(portal.ods.items()):
        for link in od.links:
            if not sichere_url(link.uri):
                add("Onlinedienst", key, f"link {link.uri[:60]!r} is no http(s) URL: not shown")
    return out


# --- the page ---------------------------------------------------------------------------------------------

STATUS_WORDS = {"ok": "erfolgreich", "fehlgeschlagen": "fehlgeschlagen", "uebersprungen": "nicht ausgeführt"}
SCHRITT_NAMEN = {
    "sync": "Daten abholen (sync)",
    "validate": "Datenbestand prüfen (validate)",
    "build": "Seiten erzeugen (build)",
    "index": "Suchindex prüfen (index)",
    "check": "Seiten prüfen (check)",
    "publish": "Veröffentlichen (publish)",
}
KLASSEN_WORTE = {
    "Leistung": ("Leistungen", "Leistung"),
    "Organisationseinheit": ("Behörden und Stellen", "Stelle"),
    "Onlinedienst": ("Onlinedienste", "Onlinedienst"),
}
AENDERUNG_WORTE = {"neu": "neu", "geaendert": "geändert", "geloescht": "gelöscht"}


_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent), autoescape=True, keep_trailing_newline=True
)


def render_html(report: dict[str, Any], *, css: str) -> str:
    """The report as a page; ``css`` is the path from the page to the release root (stylesheets, links)."""
    ergebnis = "erfolgreich" if report.get("ergebnis") == "ok" else "fehlgeschlagen"
    return _ENV.get_template("bericht.html").render(
        r=report,
        css=css,
        ergebnis_wort=ergebnis,
        schritt_namen=SCHRITT_NAMEN,
        status_worte=STATUS_WORDS,
        klassen_worte=KLASSEN_WORTE,
        aenderung_worte=AENDERUNG_WORTE,
        limit=LIST_LIMIT,
        sprach_wort=diff.sprach_wort,
        art_wort=diff.art_wort,
    )


def render_index(berichte: Path, live_name: str) -> str:
    laeufe = []
    for path in sorted(berichte.glob("*.json"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        n = sum(len(v) for gruppen in (data.get("aenderungen") or {}).values() for v in gruppen.values())
        laeufe.append(
            {
                "lauf": path.stem,
                "ergebnis": "erfolgreich" if data.get("ergebnis") == "ok" else "fehlgeschlagen",
                "aenderungen": n,
                "quarantaene": len(data.get("quarantaene") or []),
            }
        )
    return _ENV.get_template("berichte.html").render(laeufe=laeufe, live=live_name)
