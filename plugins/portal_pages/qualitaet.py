"""Data quality for editors: what the data lacks, as a page of the built site and as ``portal qualitaet``.

The findings (:func:`pruefen`):

- **missing sections**: services without a section the quality criteria expect (``qualitaet.yaml``: Volltext,
  Teaser or Kurztext, Erforderliche Unterlagen, Kosten, Verfahrensablauf, Fristen, Rechtsgrundlagen, Zuständige
  Stelle …), in German;
- **no responsible office in some Gemeinde**: for each Gemeinde with a subsite, the most specific Gebiet of its
  chain (Gemeinde, Kreis, Regierungsbezirk, Land) with Zuständigkeiten for the service names no known office
  (nobody, or an online service only); per service the number of such Gemeinden and their names (the first
  :data:`GEMEINDEN_LIMIT`);
- **offices without opening hours** (neither structured nor as text) **or without an e-mail address** (neither
  their own nor one of a contact point);
- **texts missing in an expected language** (``PORTAL_PAGES["qualitaet"]["sprachen"]``, default ``en``):
  services without a name in it, and services with a German section that has no text in it;
- **external links that fail**, only when asked (``portal qualitaet --links``; :mod:`.linkpruefung`).

Every list is complete in the JSON (``portal qualitaet --json``); the page shows the first :data:`LIMIT` of
each with the count. The page ``redaktion/datenqualitaet/`` is rendered in every language with the site's
templates, is ``noindex``, not in the sitemap, and linked from nowhere public (the nightly report links to it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from content_sync.gebiete import pad
from content_sync.models import Kanal, Leistung, Organisationseinheit, ZielArt
from content_sync.store import Store

from .aenderungen import ABSCHNITT, ABSCHNITTE, hat_text
from .i18n import sort_key
from .linkpruefung import Ergebnis, externe_links, pruefe_links
from .pages import Seite
from .settings import PluginConfigError, PortalPagesSettings
from .site import Portal

KRITERIEN = Path(__file__).with_name("qualitaet.yaml")
SEITE_REST = "redaktion/datenqualitaet/"
LIMIT = 50  # entries per finding on the page (the counts and the JSON are complete)
GEMEINDEN_LIMIT = 20  # Gemeinden named per service without a responsible office
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class Kriterium(BaseModel):
    """An expected section: met when one of ``abschnitte`` has content (or, with ``zustaendigkeit``, when a
    Zuständigkeit names an office)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    abschnitte: list[str] = Field(min_length=1)
    zustaendigkeit: bool = False

    @field_validator("abschnitte")
    @classmethod
    def _bekannt(cls, value: list[str]) -> list[str]:
        unknown = [a for a in value if a not in ABSCHNITT]
        if unknown:
            raise ValueError(f"unknown sections {unknown}; known: {', '.join(ABSCHNITT)}")
        return value


class _Kriterien(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kriterien: list[Kriterium] = Field(min_length=1)


def kriterien_laden(path: Path | None = None) -> list[Kriterium]:
    """The criteria file (default: the bundled ``qualitaet.yaml``); a wrong one is refused, naming the key."""
    path = path or KRITERIEN
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return _Kriterien.model_validate(raw).kriterien
    except OSError as exc:
        raise PluginConfigError(f"quality criteria {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PluginConfigError(f"quality criteria {path}: not YAML ({exc})") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PluginConfigError(f"quality criteria {path}: {problems}") from None


# --- the findings ---------------------------------------------------------------------------------------


def _liste(eintraege: list[dict[str, Any]]) -> dict[str, Any]:
    return {"anzahl": len(eintraege), "eintraege": eintraege}


def _leistung(lb: Leistung) -> dict[str, Any]:
    """A service as the page names and links it (its Land-level page exists for every service)."""
    return {
        "key": lb.ref.key,
        "name": lb.namen.de or lb.leika[0],
        "subsite": "",
        "rest": Portal.leistung_rest(lb),
    }


def _stelle(portal: Portal, oe: Organisationseinheit) -> dict[str, Any]:
    subsite, rest = portal.stelle_ort(oe)
    return {"key": oe.ref.key, "name": oe.namen.de or oe.ref.key, "subsite": subsite.path, "rest": rest}


def hat_inhalt(lb: Leistung, abschnitt: str, sprache: str = "de") -> bool:
    """The section has a text in ``sprache`` (sanitised, not empty) or structured values."""
    ab = ABSCHNITT[abschnitt]
    if hat_text(ab.texte(lb).get(sprache), ist_html=ab.html):
        return True
    return ab.angaben is not None and bool(ab.angaben(lb))


def _texte_in(lb: Leistung, sprache: str) -> set[str]:
    """The sections of a Leistung that have a text in ``sprache`` (names aside)."""
    return {
        a.id
        for a in ABSCHNITTE
        if a.id not in ("name", "bezeichnung") and hat_text(a.texte(lb).get(sprache), ist_html=a.html)
    }


def fehlende_abschnitte(portal: Portal, kriterien: list[Kriterium]) -> list[dict[str, Any]]:
    """Per service the criteria it does not meet, services sorted by name."""
    mit_stelle = {
        z.leistung.key
        for z in portal.zustaendigkeiten
        if z.ziel_art is ZielArt.ORGANISATIONSEINHEIT and z.ziel.key in portal.oes
    }
    out = []
    for lb in _nach_name(portal):
        fehlt = [
            k.id
            for k in kriterien
            if not any(hat_inhalt(lb, a) for a in k.abschnitte)
            and not (k.zustaendigkeit and lb.ref.key in mit_stelle)
        ]
        if fehlt:
            out.append({**_leistung(lb), "fehlt": fehlt})
    return out


def ohne_zustaendige_stelle(portal: Portal, gemeinden_limit: int = GEMEINDEN_LIMIT) -> list[dict[str, Any]]:
    """Services for which some Gemeinde (with a subsite) has no responsible office: the most specific Gebiet of
    its chain that has Zuständigkeiten for the service names no known office (``Portal.zustaendig``'s rule).
    Each: key, name, ``anzahl`` of such Gemeinden, ``von`` all, ``gemeinden`` (the first names)."""
    gemeinden = sorted(
        (s.gebiet for s in portal.subsites.values() if s.gebiet.art.value == "gemeinde"),
        key=lambda g: sort_key(g.kurzname),
    )
    # Leistung key -> {padded ARS: whether its Zuständigkeiten there name a known office}
    ebenen: dict[str, dict[str, bool]] = defaultdict(dict)
    for z in portal.zustaendigkeiten:
        stelle = z.ziel_art is ZielArt.ORGANISATIONSEINHEIT and z.ziel.key in portal.oes
        for g in z.gebiete:
            if portal.gebiete.get(g) is not None:
                ars = pad(g)
                ebenen[z.leistung.key][ars] = ebenen[z.leistung.key].get(ars, False) or stelle
    ketten = {g.ars: [x.ars for x in portal.gebiete.kette(g.ars)] for g in gemeinden}
    out = []
    for key, lb in sorted(portal.leistungen.items()):
        ebene = ebenen.get(key, {})
        darueber: dict[str, bool] = {}  # the answer for the chain above a Gemeinde, per Kreis
        fehlt = []
        for g in gemeinden:
            kette = ketten[g.ars]
            if kette[0] in ebene:
                ok = ebene[kette[0]]
            else:
                oben = kette[1] if len(kette) > 1 else ""
                if oben not in darueber:
                    darueber[oben] = next((ebene[a] for a in kette[1:] if a in ebene), False)
                ok = darueber[oben]
            if not ok:
                fehlt.append(g.kurzname)
        if fehlt:
            out.append(
                {
                    **_leistung(lb),
                    "anzahl": len(fehlt),
                    "von": len(gemeinden),
                    "gemeinden": fehlt[:gemeinden_limit],
                }
            )
    return sorted(out, key=lambda e: (-e["anzahl"], sort_key(e["name"])))


def _hat_email(oe: Organisationseinheit) -> bool:
    kanaele = list(oe.kommunikation) + [k for p in oe.ansprechpunkte for k in p.kommunikation]
    return any(k.kanal is Kanal.EMAIL for k in kanaele)


def fehlende_sprachen(portal: Portal, sprachen: list[str]) -> list[dict[str, Any]]:
    """Per expected language: services without a name in it, and services whose German sections have no text
    in it (name and Leistungsbezeichnung aside)."""
    namen = {s.code: s.name for s in portal.settings.sprachen}
    leistungen = _nach_name(portal)
    deutsch = {lb.ref.key: _texte_in(lb, "de") for lb in leistungen} if sprachen else {}
    out = []
    for code in sprachen:
        ohne_name = []
        unvollstaendig = []
        for lb in leistungen:
            if not (lb.namen.get(code) or "").strip():
                ohne_name.append(_leistung(lb))
            vorhanden = _texte_in(lb, code)
            fehlt = [a.id for a in ABSCHNITTE if a.id in deutsch[lb.ref.key] and a.id not in vorhanden]
            if fehlt:
                unvollstaendig.append({**_leistung(lb), "abschnitte": fehlt})
        out.append(
            {
                "code": code,
                "name": namen.get(code, code),
                "ohne_name": _liste(ohne_name),
                "texte_fehlen": _liste(unvollstaendig),
            }
        )
    return out


def _nach_name(portal: Portal) -> list[Leistung]:
    return sorted(portal.leistungen.values(), key=lambda lb: (sort_key(lb.namen.de), lb.ref.key))


def pruefen(portal: Portal, kriterien: list[Kriterium] | None = None) -> dict[str, Any]:
    """Every finding but the link check (see the module's docstring), complete, as JSON-able data."""
    kriterien = kriterien if kriterien is not None else kriterien_laden(portal.settings.qualitaet.kriterien)
    fehlend = fehlende_abschnitte(portal, kriterien)
    stellen = sorted(portal.oes.values(), key=lambda oe: (sort_key(oe.namen.de), oe.ref.key))
    return {
        "version": 1,
        "zahlen": {
            "leistungen": len(portal.leistungen),
            "stellen": len(portal.oes),
            "onlinedienste": len(portal.ods),
            "gemeinden": sum(1 for s in portal.subsites.values() if s.gebiet.art.value == "gemeinde"),
        },
        "titel": {a.id: a.titel for a in ABSCHNITTE},  # German msgids: the templates translate them
        "kriterien": [
            {
                "id": k.id,
                "abschnitte": k.abschnitte,
                "zustaendigkeit": k.zustaendigkeit,
                "fehlt": sum(1 for e in fehlend if k.id in e["fehlt"]),
            }
            for k in kriterien
        ],
        "fehlende_abschnitte": _liste(fehlend),
        "ohne_zustaendige_stelle": _liste(ohne_zustaendige_stelle(portal)),
        "ohne_oeffnungszeiten": _liste(
            [_stelle(portal, oe) for oe in stellen if not oe.oeffnungszeiten and not oe.oeffnungszeiten_text]
        ),
        "ohne_email": _liste([_stelle(portal, oe) for oe in stellen if not _hat_email(oe)]),
        "sprachen": fehlende_sprachen(portal, portal.settings.qualitaet.sprachen),
        "links": {"anzahl": len(externe_links(portal)), "geprueft": False},
    }


def begrenzt(daten: Any, limit: int = LIMIT) -> Any:
    """The findings with every list cut to its first ``limit`` entries (the counts stay complete)."""
    if isinstance(daten, dict):
        if set(daten) == {"anzahl", "eintraege"}:
            return {"anzahl": daten["anzahl"], "eintraege": daten["eintraege"][:limit]}
        return {k: begrenzt(v, limit) for k, v in daten.items()}
    if isinstance(daten, list):
        return [begrenzt(v, limit) for v in daten]
    return daten


def links_pruefen(portal: Portal, daten: dict[str, Any], fortschritt: Any = None) -> None:
    """Check the external links (network!) and put the failing and permanently redirected ones in ``daten``."""
    links = externe_links(portal)
    t0 = time.monotonic()
    ergebnisse = pruefe_links(
        links, portal.settings.qualitaet.links, kontakt=portal.settings.kontakt_email, fortschritt=fortschritt
    )

    def eintrag(e: Ergebnis) -> dict[str, Any]:
        wo = [{"klasse": f.klasse, "key": f.key, "name": f.name, "feld": f.feld} for f in links[e.url]]
        return {**e.as_dict(), "wo": wo}

    daten["links"] = {
        "anzahl": len(links),
        "geprueft": True,
        "sekunden": round(time.monotonic() - t0, 1),
        "fehler": _liste([eintrag(e) for e in ergebnisse if not e.ok]),
        "umgeleitet": _liste([eintrag(e) for e in ergebnisse if e.dauerhaft_umgeleitet]),
    }


# --- the page in the built site -------------------------------------------------------------------------


def seiten(portal: Portal) -> list[Seite]:
    """The data-quality page in every language (one computation; the page's data is its fingerprint)."""
    daten = begrenzt(pruefen(portal))
    return [
        Seite("datenqualitaet.html", portal.land, SEITE_REST, sprache, {"q": daten}, sitemap=False)
        for sprache in portal.settings.sprachen
    ]


# --- portal qualitaet -----------------------------------------------------------------------------------


def add_qualitaet(sub: Any) -> None:
    p = sub.add_parser(
        "qualitaet",
        help="report what the data lacks: missing sections, responsible offices, contact data, translations; "
        "--links also checks the external links",
    )
    p.add_argument("--pelican-settings", default="pelicanconf.py", help="Pelican settings (PORTAL_PAGES)")
    p.add_argument("--store", help="SQLite store (default: PORTAL_PAGES['store'] in the settings)")
    p.add_argument("--links", action="store_true", help="also request every external link (network; slow)")
    p.add_argument("--out", type=Path, help="write the report to FILE.html (a page) or FILE.json")
    p.add_argument("--json", action="store_true", help="JSON (on stdout, or into --out)")
    p.set_defaults(handler=run_qualitaet)


def run_qualitaet(args: argparse.Namespace, _settings: Any) -> int:
    from pelican.settings import read_settings

    t0 = time.monotonic()
    try:
        raw = dict(read_settings(str(args.pelican_settings)).get("PORTAL_PAGES") or {})
        if args.store:
            raw["store"] = args.store
        config = PortalPagesSettings.model_validate(raw)
        kriterien = kriterien_laden(config.qualitaet.kriterien)
    except (ValidationError, PluginConfigError, OSError) as exc:
        print(f"portal qualitaet: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        with Store(config.store, readonly=True) as store:
            portal = Portal(config, store)
    except (FileNotFoundError, OSError) as exc:
        print(f"portal qualitaet: {exc}", file=sys.stderr)
        return EXIT_FAILED
    daten = pruefen(portal, kriterien)
    if args.links:
        n = daten["links"]["anzahl"]
        print(f"checking {n} external links …", file=sys.stderr)
        links_pruefen(portal, daten, fortschritt=_fortschritt)
    daten["sekunden"] = round(time.monotonic() - t0, 2)
    as_json = args.json or (args.out is not None and args.out.suffix.lower() == ".json")
    if args.out is not None:
        text = (
            json.dumps(daten, ensure_ascii=False, indent=1) + "\n" if as_json else datei_html(portal, daten)
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    elif as_json:
        print(json.dumps(daten, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(zusammenfassung(daten) + (f"\nReport: {args.out}" if args.out is not None else ""))
    return EXIT_OK


def _fortschritt(n: int, total: int) -> None:
    if n == total or n % 25 == 0:
        print(f"  {n}/{total} links checked", file=sys.stderr)


def zusammenfassung(daten: dict[str, Any]) -> str:
    """The findings in a few lines (English, like the other commands' summaries)."""
    z = daten["zahlen"]
    lines = [
        f"Data quality of {z['leistungen']} Leistungen, {z['stellen']} offices, {z['gemeinden']} Gemeinden "
        f"({daten['sekunden']:.1f} s):",
        f"  {daten['fehlende_abschnitte']['anzahl']} Leistungen miss expected sections: "
        + ", ".join(f"{k['id']} {k['fehlt']}" for k in daten["kriterien"]),
        f"  {daten['ohne_zustaendige_stelle']['anzahl']} Leistungen have no responsible office in some Gemeinde",
        f"  {daten['ohne_oeffnungszeiten']['anzahl']} offices without opening hours, "
        f"{daten['ohne_email']['anzahl']} without an e-mail address",
    ]
    for s in daten["sprachen"]:
        lines.append(
            f"  {s['code']}: {s['ohne_name']['anzahl']} Leistungen without a name, "
            f"{s['texte_fehlen']['anzahl']} with sections missing"
        )
    links = daten["links"]
    if links.get("geprueft"):
        lines.append(
            f"  {links['anzahl']} external links checked in {links['sekunden']:.1f} s: "
            f"{links['fehler']['anzahl']} fail, {links['umgeleitet']['anzahl']} permanently redirected"
        )
        lines += [f"    {e['url']}: {e['grund']}" for e in links["fehler"]["eintraege"][:20]]
    else:
        lines.append(f"  {links['anzahl']} external links (not checked: --links)")
    return "\n".join(lines)


def datei_html(portal: Portal, daten: dict[str, Any]) -> str:
    """The report as one self-contained HTML file in German (styles of its own, no script, nothing loaded);
    links to the pages only with ``site_url``."""
    from .generator import THEME_ROOT, make_environments

    sprache = portal.settings.sprachen[0]
    env = make_environments(THEME_ROOT, [sprache])[sprache.code]
    basis = portal.settings.site_url.rstrip("/") + "/" if portal.settings.site_url else None
    return env.get_template("datenqualitaet-datei.html").render(
        q=begrenzt(daten), basis=basis, sprache=sprache, config=portal.settings
    )
