"""Accessibility beyond the checklist: the Erklärung zur Barrierefreiheit, generated at build time, and the
index of everything offered in Leichte Sprache.

The statement is made from three sources, each honest about what it is:

- ``pruefung.yaml`` (checked in, in the content folder): the body responsible, the standard applied, the
  manual test (date, who, method, the test steps with their results; ``offen`` while not done) and the known
  barriers with reason and alternative, each text in the site's languages.
- ``automatisch.json`` (checked in, written by ``portal a11y-report``): the automated results of a built
  site: axe-core on one page of each type and language, the Nu HTML Checker on every page, the link check;
  with the date of the run and the tools' versions. Missing: the statement says there is none.
- the build itself: which sign-language videos of BITV 2.0 Anlage 2 are missing (settings), and how many
  service descriptions are not (fully) in each language (the store).

Every known barrier is listed, wherever it comes from; the site is "vollständig vereinbar" only when there is
none, every manual test step is done and passed, and an automated run found nothing.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import date, datetime
from html import unescape
from pathlib import Path
from typing import Any, Literal

import yaml
from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from content_sync.models import Leistung, Mehrsprachig, Model, Textmodul, leer

from .i18n import sort_key
from .settings import DGS_THEMEN, PluginConfigError, PortalPagesSettings, Sprache

Ergebnis = Literal["erfuellt", "teilweise", "nicht_erfuellt", "nicht_anwendbar", "offen"]
NICHT_BESTANDEN = ("teilweise", "nicht_erfuellt")
# the text modules a service page shows (names: 02/03; the rest in FIM order)
SICHTBARE_MODULE = (
    Textmodul.KURZTEXT,
    Textmodul.VOLLTEXT,
    Textmodul.RECHTSGRUNDLAGEN,
    Textmodul.UNTERLAGEN,
    Textmodul.VORAUSSETZUNGEN,
    Textmodul.VERFAHRENSABLAUF,
    Textmodul.FORMULARE,
    Textmodul.WEITERFUEHRENDE_INFORMATIONEN,
    Textmodul.HINWEISE,
    Textmodul.TEASER,
    Textmodul.RECHTSBEHELF,
)
LS = "de-x-ls"
LS_SEITE = "info-leichte-sprache"  # the editorial page with the explanations in Leichte Sprache
LS_INDEX_REST = "alles-in-leichter-sprache/"
ERKLAERUNG_REST = "barrierefreiheit/"


# --- pruefung.yaml ----------------------------------------------------------------------------------------


class Pruefschritt(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    titel: Mehrsprachig
    ergebnis: Ergebnis
    bemerkung: Mehrsprachig = Field(default_factory=leer)
    automatisch: bool = Field(
        default=False, description="also covered by the automated browser tests (tests/site)"
    )


class Barriere(Model):
    titel: Mehrsprachig
    beschreibung: Mehrsprachig
    grund: Mehrsprachig
    alternative: Mehrsprachig = Field(default_factory=leer)
    pruefschritt: str | None = None


class Stelle(Model):
    name: Mehrsprachig
    anschrift: str = Field(min_length=1)


class HandPruefung(Model):
    datum: date | None = Field(default=None, description="when the manual test was done (None: not yet)")
    durch: Mehrsprachig = Field(default_factory=leer)
    methode: Mehrsprachig
    umgebung: tuple[str, ...] = ()
    schritte: tuple[Pruefschritt, ...] = Field(min_length=1)


class PruefDaten(Model):
    """The checked-in file ``pruefung.yaml``."""

    demo: bool = False
    stelle: Stelle
    erstellt: date
    standard: tuple[str, ...] = Field(min_length=1)
    pruefung: HandPruefung
    barrieren: tuple[Barriere, ...] = ()
    hinweis_landesrecht: Mehrsprachig = Field(default_factory=leer)
    hinweis_schlichtung: Mehrsprachig = Field(default_factory=leer)

    @model_validator(mode="after")
    def _consistent(self) -> PruefDaten:
        ids = [s.id for s in self.pruefung.schritte]
        if len(set(ids)) != len(ids):
            raise ValueError(f"test step ids must be unique: {ids}")
        for b in self.barrieren:
            if b.pruefschritt is not None and b.pruefschritt not in ids:
                raise ValueError(f"barrier {b.titel.de!r} names the unknown test step {b.pruefschritt!r}")
        described = {b.pruefschritt for b in self.barrieren}
        for s in self.pruefung.schritte:
            if s.ergebnis in NICHT_BESTANDEN and s.id not in described:
                raise ValueError(f"test step {s.id!r} is {s.ergebnis!r}: a barrier must describe it")
            if self.pruefung.datum is None and s.ergebnis != "offen":
                raise ValueError(f"test step {s.id!r} has a result but the manual test has no date")
        if self.pruefung.datum is not None and self.pruefung.datum < self.erstellt:
            raise ValueError("the manual test cannot be older than the first statement ('erstellt')")
        return self


# --- automatisch.json -------------------------------------------------------------------------------------


class Befund(Model):
    seite: str
    text: str


class AutoTeil(Model):
    seiten: int = Field(ge=0)
    anzahl: int = Field(ge=0, description="problems found (all of them; befunde lists the first ones)")
    befunde: tuple[Befund, ...] = ()


class Automatisch(Model):
    """The file ``portal a11y-report`` writes."""

    format: Literal[1] = 1
    datum: datetime
    werkzeuge: dict[str, str]
    regeln: tuple[str, ...]
    seiten_gesamt: int = Field(ge=0)
    axe: AutoTeil
    axe_seiten: tuple[str, ...] = ()
    html: AutoTeil
    links: AutoTeil

    @property
    def probleme(self) -> int:
        return self.axe.anzahl + self.html.anzahl + self.links.anzahl


# --- loading ----------------------------------------------------------------------------------------------


def _pfad(path: Path, content: Path) -> Path:
    return path if path.is_absolute() else content / path


def lade_pruefung(path: Path) -> PruefDaten:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PluginConfigError(
            f"{path}: cannot be read ({exc.strerror}); see the README, Accessibility"
        ) from None
    except yaml.YAMLError as exc:
        raise PluginConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return PruefDaten.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise PluginConfigError(f"{path}: {problems}") from None


def lade_automatisch(path: Path) -> Automatisch | None:
    """The automated results, or None when there are none yet (the statement says so)."""
    if not path.exists():
        return None
    try:
        return Automatisch.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise PluginConfigError(f"{path}: not a result of 'portal a11y-report': {exc}") from None


# --- the statement ----------------------------------------------------------------------------------------
# Pydantic models rather than dataclasses: the incremental build fingerprints a page's data, and a model is
# fingerprinted by its JSON.


class Daten(BaseModel):
    model_config = ConfigDict(frozen=True)


class Sprachluecke(Daten):
    """Service descriptions of which some shown text is missing in a language (and shown in German)."""

    sprache: Sprache
    fehlend: int
    gesamt: int


class BekannteBarriere(Daten):
    """A known barrier: from the manual test (``barriere``), or found by the build itself."""

    art: Literal["pruefung", "dgs", "sprache", "automatisch"]
    barriere: Barriere | None = None
    dgs_themen: list[str] = []
    luecke: Sprachluecke | None = None
    befunde: list[Befund] = []
    anzahl: int = 0


class Erklaerung(Daten):
    daten: PruefDaten
    automatisch: Automatisch | None
    barrieren: list[BekannteBarriere]
    vereinbarkeit: Literal["vollstaendig", "teilweise"]
    stand: date  # the last update: the newest of the first statement, the manual and the automated test
    offen: int  # manual test steps not done yet
    melden_an: str
    schlichtungsstelle: str
    dgs_themen: list[str]  # the Anlage 2 topics that have a video

    @property
    def schritte_je_ergebnis(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.daten.pruefung.schritte:
            out[s.ergebnis] = out.get(s.ergebnis, 0) + 1
        return out


def _fehlt_in(lb: Leistung, code: str) -> bool:
    texte = [lb.namen, lb.kosten_text, lb.fristen_text, lb.bearbeitungsdauer_text]
    texte += [lb.text(m) for m in SICHTBARE_MODULE]
    return any((t.get("de") or "").strip() and not (t.get(code) or "").strip() for t in texte)


def sprachluecken(config: PortalPagesSettings, leistungen: list[Leistung]) -> list[Sprachluecke]:
    out = []
    for s in config.sprachen[1:]:
        fehlend = sum(1 for lb in leistungen if _fehlt_in(lb, s.code))
        if fehlend:
            out.append(Sprachluecke(sprache=s, fehlend=fehlend, gesamt=len(leistungen)))
    return out


def erklaerung(
    config: PortalPagesSettings,
    daten: PruefDaten,
    automatisch: Automatisch | None,
    leistungen: list[Leistung],
) -> Erklaerung:
    """The statement's content: every known barrier, and whether the site conforms."""
    barrieren = [BekannteBarriere(art="pruefung", barriere=b) for b in daten.barrieren]
    fehlende = [t for t in DGS_THEMEN if t not in config.barrierefreiheit.dgs]
    if fehlende:
        barrieren.append(BekannteBarriere(art="dgs", dgs_themen=fehlende))
    barrieren += [
        BekannteBarriere(art="sprache", luecke=luecke) for luecke in sprachluecken(config, leistungen)
    ]
    if automatisch is not None and automatisch.probleme:
        befunde = [*automatisch.axe.befunde, *automatisch.html.befunde, *automatisch.links.befunde]
        barrieren.append(BekannteBarriere(art="automatisch", befunde=befunde, anzahl=automatisch.probleme))
    offen = sum(1 for s in daten.pruefung.schritte if s.ergebnis == "offen")
    bestanden = all(s.ergebnis in ("erfuellt", "nicht_anwendbar") for s in daten.pruefung.schritte)
    vollstaendig = not barrieren and bestanden and automatisch is not None
    daten_stand = [daten.erstellt]
    if daten.pruefung.datum:
        daten_stand.append(daten.pruefung.datum)
    if automatisch is not None:
        daten_stand.append(automatisch.datum.date())
    return Erklaerung(
        daten=daten,
        automatisch=automatisch,
        barrieren=barrieren,
        vereinbarkeit="vollstaendig" if vollstaendig else "teilweise",
        stand=max(daten_stand),
        offen=offen,
        melden_an=config.melden_an,
        schlichtungsstelle=config.barrierefreiheit.schlichtungsstelle,
        dgs_themen=[t for t in DGS_THEMEN if t in config.barrierefreiheit.dgs],
    )


def erklaerung_aus_dateien(
    config: PortalPagesSettings, content: Path, leistungen: list[Leistung]
) -> Erklaerung:
    b = config.barrierefreiheit
    daten = lade_pruefung(_pfad(b.pruefung, content))
    return erklaerung(config, daten, lade_automatisch(_pfad(b.automatisch, content)), leistungen)


# --- Leichte Sprache --------------------------------------------------------------------------------------


class LsAbschnitt(Daten):
    """A section of the Leichte Sprache page that the start pages link to (BITV 2.0 Anlage 2 Teil 2)."""

    id: str
    titel: str


class LsLeistung(Daten):
    leistung: Leistung
    teile: int  # shown texts in Leichte Sprache
    von: int  # shown texts in German


class LsSeite(Daten):
    slug: str
    titel: dict[str, str]  # language -> the page's title in it (at least German and Leichte Sprache)


class LeichteSprache(Daten):
    abschnitte: list[LsAbschnitt]
    seiten: list[LsSeite]
    leistungen: list[LsLeistung]


_H2 = re.compile(r"<h2[^>]*\bid=\"([^\"]+)\"[^>]*>(.*?)</h2>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def ls_abschnitte(page: Any) -> list[LsAbschnitt]:
    """The sections named in the page's ``Startseite:`` metadata (ids of its h2, ``{#id}`` in Markdown), in
    that order; a named id the page lacks stops the build."""
    wanted = [w.strip() for w in str(page.metadata.get("startseite", "")).split(",") if w.strip()]
    found = {
        m.group(1): " ".join(unescape(_TAG.sub("", m.group(2))).split()) for m in _H2.finditer(page.content)
    }
    missing = [w for w in wanted if w not in found]
    if missing:
        raise PluginConfigError(f"{page.source_path}: 'Startseite:' names sections it lacks: {missing}")
    return [LsAbschnitt(id=w, titel=found[w]) for w in wanted]


def _texte(lb: Leistung) -> list[Mehrsprachig]:
    return [lb.namen, *(lb.text(m) for m in SICHTBARE_MODULE)]


def leichte_sprache(pages: list[Any], leistungen: list[Leistung]) -> LeichteSprache:
    """Everything offered in Leichte Sprache: editorial pages with a version in it, and services with texts."""
    abschnitte: list[LsAbschnitt] = []
    seiten = []
    for page in sorted(pages, key=lambda p: p.slug):
        variants = {v.lang: v for v in [page, *getattr(page, "translations", [])]}
        if LS not in variants:
            continue
        seiten.append(
            LsSeite(slug=page.slug, titel={lang: str(v.title) for lang, v in sorted(variants.items())})
        )
        if page.slug == LS_SEITE:
            abschnitte = ls_abschnitte(variants[LS])
    angebote = []
    for lb in leistungen:
        texte = [t for t in _texte(lb) if (t.get("de") or "").strip()]
        teile = sum(1 for t in texte if (t.get(LS) or "").strip())
        if teile:
            angebote.append(LsLeistung(leistung=lb, teile=teile, von=len(texte)))
    angebote.sort(
        key=lambda a: (sort_key(a.leistung.namen.get(LS) or a.leistung.namen.de), a.leistung.ref.key)
    )
    return LeichteSprache(abschnitte=abschnitte, seiten=seiten, leistungen=angebote)


# --- "Barriere melden" ------------------------------------------------------------------------------------


def seiten_adresse(config: PortalPagesSettings, path: str) -> str:
    """The page's address as far as the build knows it: absolute with ``site_url``, else the path from the
    portal's root (the browser fills in the full address, barriere-melden in portal.js)."""
    if config.site_url:
        return config.site_url.rstrip("/") + "/" + path
    return "/" + path


def mailto(adresse: str, betreff: str, text: str) -> str:
    """A ``mailto:`` URL (RFC 6068): subject and body percent-encoded as UTF-8, line breaks as CRLF. Texts that
    come escaped for HTML (a template's translated Markup) are unescaped first: the e-mail is plain text."""
    betreff, text = (t.unescape() if isinstance(t, Markup) else t for t in (betreff, text))
    body = text.replace("\r\n", "\n").replace("\n", "\r\n")
    query = f"subject={urllib.parse.quote(betreff, safe='')}&body={urllib.parse.quote(body, safe='')}"
    return f"mailto:{adresse}?{query}"
