"""A municipality's own texts, in Markdown, read by Pelican's readers (``pelican.readers.Readers``).

**Own pages**, ``sites/<slug>/seiten/<name>.md``: rendered into that subsite only, at ``<subsite>/<name>/``,
in every language of the site; a language variant is ``<name>.en.md`` (or ``Lang: en`` in the file's
metadata; a language folder name such as ``leichte-sprache`` works too). A language without a variant shows
the German one, marked, with a note. Metadata: ``Title`` (needed), ``Summary`` (shown in the list on the
start page), ``Slug``, ``Lang``, ``Reihenfolge`` (a number: the list's order), ``Status: draft`` (not built).

**Local additions** ("Eigener Inhalt"), ``sites/<slug>/leistungen/<leistung>.md`` (or several in a folder,
``leistungen/<leistung>/<name>.md``), each with language variants like the pages: an extra section after a
section of the state text (``Modus: ergaenzen``) or a section's content replaced (``Modus: ersetzen``), shown
on that subsite's service page as local information. ``<leistung>`` is the Leistung's id (``lb-1001``, case
does not matter), its LeiKa key, or ``Leistung: AGENCY:ID`` in the metadata. The section is ``Abschnitt:``
(one of :data:`ABSCHNITTE`) or ``Textmodul:`` (a LeiKa text module code, 05-25). ``Title`` is the heading of
an added section (default: the section's name). They live outside the store, so a nightly sync never touches
them; a Leistung that no longer exists is a warning naming the file.

HTML from Markdown goes through the project's nh3 allow-list in the templates (own pages: ``redaktionell``,
with headings; local additions: ``sicher``, without: the service page's headings stay ours).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from content_sync.models import Leistung, Mehrsprachig, Textmodul

from .i18n import sort_key
from .sanitize import plain_text
from .settings import PluginConfigError, Sprache
from .urls import RESERVED, id_slug

log = logging.getLogger(__name__)

Modus = Literal["ergaenzen", "ersetzen"]
MODI: tuple[str, ...] = ("ergaenzen", "ersetzen")
# The sections of the service page (leistung.html) that a municipality can add to or replace, in page order,
# with the text modules each shows. fristen, bearbeitungsdauer and kosten are the structured fields with
# their texts.
ABSCHNITTE: dict[str, tuple[Textmodul, ...]] = {
    "beschreibung": (Textmodul.VOLLTEXT, Textmodul.KURZTEXT),
    "unterlagen": (Textmodul.UNTERLAGEN,),
    "formulare": (Textmodul.FORMULARE,),
    "voraussetzungen": (Textmodul.VORAUSSETZUNGEN,),
    "rechtsgrundlagen": (Textmodul.RECHTSGRUNDLAGEN,),
    "rechtsbehelf": (Textmodul.RECHTSBEHELF,),
    "verfahrensablauf": (Textmodul.VERFAHRENSABLAUF,),
    "fristen": (),
    "bearbeitungsdauer": (),
    "kosten": (),
    "hinweise": (Textmodul.HINWEISE, Textmodul.WEITERFUEHRENDE_INFORMATIONEN),
}
TEXTMODUL_ABSCHNITT = {m.value: name for name, module in ABSCHNITTE.items() for m in module}
SEITEN_META = {"reader", "title", "titel", "slug", "lang", "summary", "reihenfolge", "status"}
ZUSATZ_META = {"reader", "title", "titel", "slug", "lang", "leistung", "abschnitt", "textmodul", "modus"}
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,78}[a-z0-9])?$")


class Inhalt(BaseModel):
    """Page data: pydantic models, so the incremental build fingerprints them by their JSON."""

    model_config = ConfigDict(frozen=True)


class EigeneSeite(Inhalt):
    slug: str
    titel: Mehrsprachig
    inhalt: Mehrsprachig  # HTML from Markdown, sanitised when shown
    zusammenfassung: Mehrsprachig
    reihenfolge: int = 0
    quelle: str  # the German file, for messages

    def eintrag(self) -> SeitenEintrag:
        return SeitenEintrag(slug=self.slug, titel=self.titel, zusammenfassung=self.zusammenfassung)


class SeitenEintrag(Inhalt):
    """An own page as the start page lists it (only what the list shows: its fingerprint)."""

    slug: str
    titel: Mehrsprachig
    zusammenfassung: Mehrsprachig


class Zusatz(Inhalt):
    """One local addition to one section of one Leistung's text, in every language it was written in."""

    leistung: str  # the Leistung's key
    abschnitt: str
    modus: Modus
    titel: Mehrsprachig
    inhalt: Mehrsprachig
    quelle: str


class EigenerInhalt(Inhalt):
    """The local additions on one service page in one language."""

    name: Mehrsprachig  # the municipality, for the label "Lokale Information: …"
    abschnitte: dict[str, Zusatz]  # sections the state text shows: added after, or replaced
    uebrige: tuple[Zusatz, ...] = ()  # sections the state text does not show: shown after its last one

    @property
    def alle(self) -> list[Zusatz]:
        return [*self.abschnitte.values(), *self.uebrige]


def zeigt(lb: Leistung, abschnitt: str, sprache: str) -> bool:
    """Whether the service page in ``sprache`` shows this section of the state text (as leistung.html
    decides: a text in the language or in German, or structured fees, deadlines, durations)."""
    strukturiert = {"fristen": lb.fristen, "bearbeitungsdauer": lb.bearbeitungsdauer, "kosten": lb.kosten}
    texte = {
        "fristen": lb.fristen_text,
        "bearbeitungsdauer": lb.bearbeitungsdauer_text,
        "kosten": lb.kosten_text,
    }
    if abschnitt in strukturiert:
        return bool(strukturiert[abschnitt]) or texte[abschnitt].in_sprache(sprache) is not None
    return any(lb.text(m).in_sprache(sprache) is not None for m in ABSCHNITTE[abschnitt])


def eigener_inhalt(name: Mehrsprachig, zusaetze: list[Zusatz], lb: Leistung, sprache: str) -> EigenerInhalt:
    order = list(ABSCHNITTE)
    zusaetze = sorted(zusaetze, key=lambda z: order.index(z.abschnitt))
    return EigenerInhalt(
        name=name,
        abschnitte={z.abschnitt: z for z in zusaetze if zeigt(lb, z.abschnitt, sprache)},
        uebrige=tuple(z for z in zusaetze if not zeigt(lb, z.abschnitt, sprache)),
    )


# --- reading with Pelican ---------------------------------------------------------------------------------


class Leser:
    """Pelican's readers with the portal's settings; the language comes from ``Lang:`` or the file name
    (``name.en.md``), German when neither says."""

    def __init__(self, pelican_settings: dict[str, Any], sprachen: list[Sprache]) -> None:
        from pelican.readers import Readers

        settings = {
            **pelican_settings,
            # name.md, name.en.md, name.leichte-sprache.md: the slug and the language from the file name
            "FILENAME_METADATA": r"(?P<slug>[^.]+)(?:\.(?P<lang>[A-Za-z][A-Za-z0-9_-]*))?",
            "PATH_METADATA": "",
            "DEFAULT_LANG": "de",
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
        }
        self.readers = Readers(settings)
        self.sprachen = sprachen

    def lies(self, base: Path, path: Path) -> tuple[dict[str, Any], str, str]:
        """(metadata with lowercase keys, HTML, language code) of one Markdown file."""
        from pelican.contents import Page

        try:
            page = self.readers.read_file(
                str(base), str(path.relative_to(base)), content_class=Page, context={}
            )
        except Exception as exc:  # a reader's error: name the file
            raise PluginConfigError(f"{path}: cannot be read: {exc}") from None
        meta = {k.lower(): v for k, v in page.metadata.items()}
        return meta, str(page.content or ""), self.sprache(path, meta)

    def sprache(self, path: Path, meta: dict[str, Any]) -> str:
        wert = str(meta.get("lang") or "de")
        for s in self.sprachen:
            if wert in (s.code, s.ordner) and wert:
                return s.code
        if wert == "de":
            return "de"
        known = ", ".join(f"{s.code}" + (f" ({s.ordner})" if s.ordner else "") for s in self.sprachen)
        raise PluginConfigError(f"{path}: language {wert!r} is not one of the site's: {known}")


def _markdown_dateien(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.md") if p.is_file()) if folder.is_dir() else []


def _unbekannt(path: Path, meta: dict[str, Any], erlaubt: set[str]) -> None:
    extra = sorted(set(meta) - erlaubt)
    if extra:
        raise PluginConfigError(
            f"{path}: unknown metadata {', '.join(extra)}; known: "
            f"{', '.join(sorted(k.capitalize() for k in erlaubt - {'reader', 'titel'}))}"
        )


def reservierte_slugs(sprachen: list[Sprache]) -> set[str]:
    """Names an own page cannot have: the subsite's own folders and files, the languages, the shared ones."""
    return (
        RESERVED
        | {"gestaltung", "suchindex", "suchkarte", "index"}
        | {s.ordner for s in sprachen if s.ordner}
    )


def lade_seiten(ordner: Path, leser: Leser) -> list[EigeneSeite]:
    """Every own page of one municipality (``seiten/``), German first, its language variants merged."""
    folder = ordner / "seiten"
    gruppen: dict[str, dict[str, tuple[Path, dict[str, Any], str]]] = defaultdict(dict)
    reserviert = reservierte_slugs(leser.sprachen)
    for path in _markdown_dateien(folder):
        meta, html, sprache = leser.lies(folder, path)
        _unbekannt(path, meta, SEITEN_META)
        if str(meta.get("status", "published")).lower() == "draft":
            continue
        slug = str(meta.get("slug") or "")
        if not _SLUG.fullmatch(slug) or slug in reserviert:
            raise PluginConfigError(
                f"{path}: slug {slug!r}: lowercase letters, digits and '-', not one of {', '.join(sorted(reserviert))}"
            )
        if not str(meta.get("title") or meta.get("titel") or "").strip():
            raise PluginConfigError(f"{path}: Title: missing (the page's heading)")
        if sprache in gruppen[slug]:
            raise PluginConfigError(
                f"{path}: a second {sprache!r} variant of {slug!r} ({gruppen[slug][sprache][0]})"
            )
        gruppen[slug][sprache] = (path, meta, html)
    out = []
    for slug, varianten in sorted(gruppen.items()):
        if "de" not in varianten:
            some = next(iter(varianten.values()))[0]
            raise PluginConfigError(f"{some}: no German variant of {slug!r}: it is what other languages show")
        path, meta, _ = varianten["de"]
        try:
            reihenfolge = int(meta.get("reihenfolge", 0))
        except ValueError:
            raise PluginConfigError(f"{path}: Reihenfolge: {meta['reihenfolge']!r} is not a number") from None
        out.append(
            EigeneSeite(
                slug=slug,
                titel=Mehrsprachig(
                    {c: str(m.get("title") or m.get("titel")) for c, (_, m, _) in varianten.items()}
                ),
                inhalt=Mehrsprachig({c: html for c, (_, _, html) in varianten.items()}),
                zusammenfassung=Mehrsprachig(
                    {
                        c: plain_text(str(m["summary"]))
                        for c, (_, m, _) in varianten.items()
                        if m.get("summary")
                    }
                ),
                reihenfolge=reihenfolge,
                quelle=str(path),
            )
        )
    return sorted(out, key=lambda s: (s.reihenfolge, sort_key(s.titel.de), s.slug))


def finde_leistung(leistungen: dict[str, Leistung], wert: str) -> list[Leistung]:
    """The Leistungen a file name or ``Leistung:`` means: by key (``AGENCY:ID``), id, id as in the URL, or
    LeiKa key; case does not matter."""
    w = wert.strip().lower()
    return [
        lb
        for key, lb in leistungen.items()
        if w in (key.lower(), lb.ref.id.lower(), id_slug(lb.ref.id).lower()) or w in lb.leika
    ]


def lade_zusaetze(ordner: Path, leser: Leser, leistungen: dict[str, Leistung]) -> list[Zusatz]:
    """Every local addition of one municipality (``leistungen/``). A Leistung that does not exist (any more)
    is a warning naming the file and the id; every other problem stops the build with the file and key."""
    folder = ordner / "leistungen"
    # (what names the Leistung, addition's name) -> language -> (path, metadata, html)
    gruppen: dict[tuple[str, str], dict[str, tuple[Path, dict[str, Any], str]]] = defaultdict(dict)
    for path in _markdown_dateien(folder):
        rel = path.relative_to(folder)
        if len(rel.parts) > 2:
            raise PluginConfigError(f"{path}: leistungen/<leistung>.md or leistungen/<leistung>/<name>.md")
        meta, html, sprache = leser.lies(folder, path)
        _unbekannt(path, meta, ZUSATZ_META)
        stamm = path.name.split(".", 1)[0]
        wer = str(meta.get("leistung") or (rel.parts[0] if len(rel.parts) == 2 else stamm))
        key = (wer, f"{rel.parts[0]}/{stamm}" if len(rel.parts) == 2 else stamm)
        if sprache in gruppen[key]:
            raise PluginConfigError(f"{path}: a second {sprache!r} variant ({gruppen[key][sprache][0]})")
        gruppen[key][sprache] = (path, meta, html)
    out: list[Zusatz] = []
    seen: dict[tuple[str, str], Path] = {}
    for (wer, _name), varianten in sorted(gruppen.items()):
        if "de" not in varianten:
            some = next(iter(varianten.values()))[0]
            raise PluginConfigError(f"{some}: no German variant: it is what other languages show")
        path, meta, _ = varianten["de"]
        abschnitt, modus = _abschnitt_und_modus(path, meta)
        for code, (p, m, _) in varianten.items():
            # a variant may repeat what the German one says, or leave it out; it may not say otherwise
            eigen = {k: m[k] for k in ("abschnitt", "textmodul", "modus") if k in m}
            if code == "de" or not eigen:
                continue
            geerbt = {"modus": meta.get("modus")}
            if "abschnitt" not in eigen and "textmodul" not in eigen:
                geerbt.update({k: meta[k] for k in ("abschnitt", "textmodul") if k in meta})
            if _abschnitt_und_modus(p, {**geerbt, **eigen}) != (abschnitt, modus):
                raise PluginConfigError(f"{p}: Abschnitt/Modus differ from the German variant {path}")
        treffer = finde_leistung(leistungen, wer)
        if not treffer:
            log.warning(
                "%s: Leistung %r does not exist (any more); this local addition is not shown. "
                "Remove the file, or name the Leistung that replaced it (Leistung: <id>)",
                path,
                wer,
            )
            continue
        if len(treffer) > 1:
            keys = ", ".join(sorted(lb.ref.key for lb in treffer))
            raise PluginConfigError(
                f"{path}: {wer!r} names several Leistungen ({keys}); write Leistung: <key>"
            )
        lb = treffer[0]
        if (lb.ref.key, abschnitt) in seen:
            raise PluginConfigError(
                f"{path}: a second local addition to {abschnitt!r} of {lb.ref.key} ({seen[(lb.ref.key, abschnitt)]})"
            )
        seen[(lb.ref.key, abschnitt)] = path
        out.append(
            Zusatz(
                leistung=lb.ref.key,
                abschnitt=abschnitt,
                modus=modus,  # type: ignore[arg-type]
                titel=Mehrsprachig(
                    {
                        c: str(m.get("title") or m.get("titel"))
                        for c, (_, m, _) in varianten.items()
                        if m.get("title") or m.get("titel")
                    }
                ),
                inhalt=Mehrsprachig({c: html for c, (_, _, html) in varianten.items()}),
                quelle=str(path),
            )
        )
    return out


def _abschnitt_und_modus(path: Path, meta: dict[str, Any]) -> tuple[str, str]:
    abschnitt = str(meta.get("abschnitt") or "").strip().lower()
    modul = str(meta.get("textmodul") or "").strip()
    if abschnitt and modul:
        raise PluginConfigError(f"{path}: Abschnitt and Textmodul: give one of them")
    if modul:
        modul = modul.zfill(2)
        if modul not in TEXTMODUL_ABSCHNITT:
            raise PluginConfigError(
                f"{path}: Textmodul: {modul!r} is not shown as a section; "
                f"one of {', '.join(sorted(TEXTMODUL_ABSCHNITT))}"
            )
        abschnitt = TEXTMODUL_ABSCHNITT[modul]
    if abschnitt not in ABSCHNITTE:
        raise PluginConfigError(
            f"{path}: Abschnitt: {abschnitt or '(missing)'!r}; one of {', '.join(ABSCHNITTE)} (or Textmodul: 05-25)"
        )
    modus = str(meta.get("modus") or "").strip().lower()
    if modus not in MODI:
        raise PluginConfigError(f"{path}: Modus: {modus or '(missing)'!r}; one of {', '.join(MODI)}")
    return abschnitt, modus
