"""An Atom feed (RFC 4287) per subsite and language of the services that changed: what changed, and when.

``<subsite>/aenderungen.atom`` and ``<subsite>/<language folder>/aenderungen.atom`` list the newest changes
(at most :data:`EINTRAEGE`) of the services offered in that subsite, newest first, from the store's history:

- **which changes**: the newest :data:`KANDIDATEN` history rows of Leistungen (``Store.recent_changes``):
  changed versions whose text or other fields differ for a reader (a new Versionsinformation alone is no
  news), new services, and in the Land portal's feed also services that were removed. The objects of the
  first sync are the initial stock, not news.
- **which services a subsite offers**: as its pages do: a Gemeinde and the Land portal every service, a Kreis
  or Regierungsbezirk those with a responsible Gebiet in its chain (``Portal.angebot``). An entry links to
  the service page the subsite's pages link to (the Gemeinde's, the Kreis's or the Land's).
- **when**: the data's dates, never the build's: the version's ``Versionsinformation.geaendert`` (a date
  without a zone is taken in the site's ``TIMEZONE``), else when the sync took it over (the history row);
  the feed's ``updated`` is its newest entry's (an empty feed: the newest change the store knows). The same
  store gives the same bytes, so incremental and full builds agree and unchanged feeds are not rewritten.
- **what**: the summary names the changed sections ("Kosten geändert", "Fristen geändert"), each also as an
  ``atom:category`` (term: the section id, e.g. ``kosten``, ``fristen``: a reader can filter for fees or
  deadlines); the content (HTML) shows the word diff of each section in the feed's language (else German).
- **ids** are ``tag:`` URIs (RFC 4151) of the site's host (``site_url``), else of ``kontakt_email``; they
  never change for an entry. **Links** are absolute with ``site_url``; without it they are relative to the
  feed's own address (valid Atom; most feed readers resolve them, some do not: set ``site_url``).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from lxml import etree
from markupsafe import Markup, escape

from content_sync.models import GebietArt, Leistung, Textmodul
from content_sync.store import Store

from .aenderungen import (
    ABSCHNITT,
    N_,
    Teil,
    Unterschied,
    Vergleich,
    klartext,
    leistung_aus_json,
    vergleiche,
)
from .i18n import load_translations
from .render import write_if_changed
from .settings import Sprache
from .site import Portal, Subsite
from .urls import href, sprach_prefix

log = logging.getLogger(__name__)
DATEI = "aenderungen.atom"
EINTRAEGE = 30  # entries per feed
KANDIDATEN = 500  # newest history rows of Leistungen a build looks at
TAG_JAHR = "2026"  # the year in every tag: id (RFC 4151); never change it, or every id changes
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# messages of the feeds (the section titles are in aenderungen.ABSCHNITTE)
NEU = N_("Neue Leistung")
GELOESCHT = N_("Leistung entfernt")
GELOESCHT_TEXT = N_("Diese Leistung wird nicht mehr angeboten.")
TITEL = N_("Änderungen an Leistungen: %(ort)s")
UNTERTITEL = N_("Neue und geänderte Verwaltungsleistungen für %(ort)s, die neuesten zuerst.")
ENTFERNT = N_("entfernt: %(text)s")
HINZU = N_("neu: %(text)s")
AUSGELASSEN = N_("(unveränderter Text ausgelassen)")
ALLE_SPRACHEN = N_("Angaben in allen Sprachen")
GEAENDERT_ALLGEMEIN = N_("Leistungsbeschreibung geändert")  # the version before could not be read


@dataclass(frozen=True)
class Aenderung:
    """One change of a Leistung: a new version, a new service, or its removal."""

    key: str
    version: int
    art: str  # neu | geaendert | geloescht
    datum: datetime  # with a zone
    leistung: Leistung  # this version (removed: the last one)
    vergleich: Vergleich | None = None  # geaendert: what changed


Eintrag = tuple[Aenderung, tuple[Subsite, str] | None]  # a change, and the page it links to (subsite, rest)


def _datum(lb: Leistung | None, changed_at: str, zone: tzinfo) -> datetime:
    """The version's own date (Versionsinformation.geaendert), else when the sync took it over."""
    geaendert = lb.versionsinformation.geaendert if lb and lb.versionsinformation else None
    value = geaendert or datetime.fromisoformat(changed_at)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(zone)


def lesen(store: Store, zone: tzinfo, kandidaten: int = KANDIDATEN) -> list[Aenderung]:
    """The newest changes of Leistungen, newest first (see the module's docstring for which)."""
    out: list[Aenderung] = []
    for row in store.recent_changes("Leistung", kandidaten):
        change = row["change"]
        if change == "deleted":
            lb = leistung_aus_json(row["before"])
            if lb is not None:
                out.append(
                    Aenderung(
                        row["key"], row["version"], "geloescht", _datum(None, row["changed_at"], zone), lb
                    )
                )
            continue
        lb = leistung_aus_json(row["data"])
        if lb is None:
            continue
        datum = _datum(lb, row["changed_at"], zone)
        if change == "new":
            out.append(Aenderung(row["key"], row["version"], "neu", datum, lb))
            continue
        vorher = leistung_aus_json(row["before"])
        vergleich = vergleiche(vorher, lb) if vorher is not None else None
        if vergleich is not None and not vergleich:
            continue  # only the Versionsinformation changed: nothing a reader would see
        out.append(Aenderung(row["key"], row["version"], "geaendert", datum, lb, vergleich))
    out.sort(key=lambda a: (-a.datum.timestamp(), a.key, -a.version))
    return out


def _stand(portal: Portal, store: Store, aenderungen: list[Aenderung], zone: tzinfo) -> datetime:
    """The ``updated`` of a feed without entries: the newest change the store knows (never the build time)."""
    if aenderungen:
        return aenderungen[0].datum
    dates = [
        _datum(lb, "1970-01-01T00:00:00+00:00", zone)
        for lb in portal.leistungen.values()
        if lb.versionsinformation and lb.versionsinformation.geaendert
    ]
    if dates:
        return max(dates)
    runs = [r for r in store.runs() if r.outcome == "ok" and r.finished_at]
    return (
        datetime.fromisoformat(runs[-1].finished_at or "").astimezone(zone)
        if runs
        else datetime(2026, 1, 1, tzinfo=zone)
    )


# --- one feed -------------------------------------------------------------------------------------------


class _Feed:
    """Writes the feeds of one build: ids, links and texts as the settings and the languages want them."""

    def __init__(self, portal: Portal, translations: Path) -> None:
        self.portal = portal
        self.config = portal.settings
        parts = urllib.parse.urlsplit(self.config.site_url)
        self.base = self.config.site_url.rstrip("/") + "/" if parts.scheme and parts.netloc else ""
        authority = parts.hostname or (self.config.kontakt_email.lower() or "verwaltungsportal.invalid")
        self.tag = f"tag:{authority},{TAG_JAHR}:aenderungen/"
        self.gettext: dict[str, Callable[[str], str]] = {
            s.code: load_translations(translations, s.katalog).gettext for s in self.config.sprachen
        }
        self._inhalte: dict[tuple[str, int, str], _Inhalt] = {}

    def link(self, von: str, ziel: str) -> str:
        """A link from the feed at ``von`` to the output path ``ziel``: absolute with site_url, else relative."""
        return self.base + ziel if self.base else href(von, ziel)

    def eintraege(self, subsite: Subsite, aenderungen: list[Aenderung]) -> list[Eintrag]:
        """The subsite's entries, each with the page it links to (None: a removed service)."""
        alle = subsite.ist_land or subsite.gebiet.art is GebietArt.GEMEINDE
        out: list[Eintrag] = []
        for a in aenderungen:
            lb = self.portal.leistungen.get(a.key)
            if lb is None:  # removed (also a change of a service removed since): only the Land portal says so
                if a.art == "geloescht" and subsite.ist_land:
                    out.append((a, None))
            elif a.art != "geloescht":
                angebot = self.portal.angebot(lb, subsite.gebiet.ars)
                if alle or angebot.gebiet is not None:
                    out.append((a, (angebot.subsite, Portal.leistung_rest(lb))))
            if len(out) >= EINTRAEGE:
                break
        return out

    def xml(
        self,
        subsite: Subsite,
        sprache: Sprache,
        eintraege: list[Eintrag],
        stand: datetime,
    ) -> str:
        gt = self.gettext[sprache.code]
        ordner = sprach_prefix(subsite.path, sprache.ordner)
        pfad = ordner + DATEI
        feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
        feed.set(XML_LANG, sprache.code)
        _sub(feed, "id", self.tag + _quote(ordner))
        _sub(feed, "title", gt(TITEL) % {"ort": subsite.gebiet.kurzname})
        _sub(feed, "subtitle", gt(UNTERTITEL) % {"ort": subsite.gebiet.name})
        _sub(feed, "updated", _rfc3339(eintraege[0][0].datum if eintraege else stand))
        author = _sub(feed, "author")
        _sub(author, "name", self.config.site_name)
        if self.config.kontakt_email:
            _sub(author, "email", self.config.kontakt_email)
        _sub(feed, "link", rel="self", type="application/atom+xml", href=self.link(pfad, pfad))
        _sub(
            feed,
            "link",
            rel="alternate",
            type="text/html",
            hreflang=sprache.code,
            href=self.link(pfad, ordner),
        )
        for a, ziel in eintraege:
            self._entry(feed, a, ziel, sprache, ordner, pfad, gt)
        body = etree.tostring(feed, encoding="unicode", pretty_print=True)
        return '<?xml version="1.0" encoding="utf-8"?>\n' + body

    def _entry(
        self,
        feed: etree._Element,
        a: Aenderung,
        ziel: tuple[Subsite, str] | None,
        sprache: Sprache,
        ordner: str,
        pfad: str,
        gt: Callable[[str], str],
    ) -> None:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{self.tag}{_quote(ordner)}leistung/{_quote(a.key)}/{a.version}")
        inhalt = self._inhalt(a, sprache, gt)
        title = _sub(entry, "title", inhalt.titel)
        if inhalt.titel_sprache:
            title.set(XML_LANG, inhalt.titel_sprache)
        _sub(entry, "updated", _rfc3339(a.datum))
        if ziel is not None:
            seite = sprach_prefix(ziel[0].path, sprache.ordner) + ziel[1]
            _sub(entry, "link", rel="alternate", type="text/html", href=self.link(pfad, seite))
        for term, label in inhalt.kategorien:
            _sub(entry, "category", term=term, label=label)
        _sub(entry, "summary", inhalt.summary, type="text")
        if inhalt.content:
            _sub(entry, "content", inhalt.content, type="html")

    def _inhalt(self, a: Aenderung, sprache: Sprache, gt: Callable[[str], str]) -> _Inhalt:
        """What an entry says in a language: the same in every subsite's feed, so made once."""
        key = (a.key, a.version, sprache.code)
        found = self._inhalte.get(key)
        if found is not None:
            return found
        name = a.leistung.namen.in_sprache(sprache.code)
        titel = name[1] if name else a.leistung.leika[0]
        titel_sprache = name[0] if name and name[0] != sprache.code else None
        if a.art == "geaendert" and a.vergleich is not None:
            kategorien = tuple((ab, gt(ABSCHNITT[ab].titel)) for ab in a.vergleich.abschnitte)
            summary = "; ".join(a.vergleich.zusammenfassung(gt))
            content = _diff_html(a.vergleich.in_sprache(sprache.code), sprache, gt)
        elif a.art == "geaendert":
            kategorien, summary, content = (), gt(GEAENDERT_ALLGEMEIN), Markup("")
        elif a.art == "neu":
            kategorien, summary = (("neu", gt(NEU)),), gt(NEU)
            content = _kurz_html(a.leistung, sprache)
        else:
            kategorien, summary = (("entfernt", gt(GELOESCHT)),), gt(GELOESCHT)
            content = Markup("<p>{}</p>").format(gt(GELOESCHT_TEXT))
        found = self._inhalte[key] = _Inhalt(titel, titel_sprache, kategorien, summary, str(content))
        return found


@dataclass(frozen=True)
class _Inhalt:
    titel: str
    titel_sprache: str | None  # the title's language where it is not the feed's (a German fallback)
    kategorien: tuple[tuple[str, str], ...]  # (term, label)
    summary: str
    content: str  # HTML


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    for k, v in attrs.items():
        el.set(k, v)
    if text is not None:
        el.text = text
    return el


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="/:@-._~!$&'()*+,;=")


def _rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def _zeilen(text: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in text.split("\n"))


def _teile_html(teile: tuple[Teil, ...], gt: Callable[[str], str]) -> Markup:
    out = []
    for op, text in teile:
        if op == "…":
            out.append(Markup('<span title="{}">…</span>').format(gt(AUSGELASSEN)))
        elif op == "-":
            out.append(Markup("<del>[{}]</del>").format(escape(gt(ENTFERNT)) % {"text": _zeilen(text)}))
        elif op == "+":
            out.append(Markup("<ins>[{}]</ins>").format(escape(gt(HINZU)) % {"text": _zeilen(text)}))
        else:
            out.append(_zeilen(text))
    return Markup(" ").join(out)


def _attrs(code: str | None, sprache: Sprache) -> Markup:
    """lang (and dir) of a text in another language than the feed's."""
    if code is None or code == sprache.code:
        return Markup("")
    return Markup(' lang="{}" dir="{}"').format(code, "rtl" if code == "ar" else "ltr")


def _diff_html(unterschiede: list[Unterschied], sprache: Sprache, gt: Callable[[str], str]) -> Markup:
    parts = []
    for u in unterschiede:
        titel = gt(u.titel) if u.sprache is not None else f"{gt(u.titel)} ({gt(ALLE_SPRACHEN)})"
        parts.append(Markup("<p><strong>{}</strong></p>").format(titel))
        # the language-neutral values (amounts, durations) are compared as German lines
        code = u.sprache or "de"
        parts.append(Markup("<p{}>{}</p>").format(_attrs(code, sprache), _teile_html(u.teile, gt)))
    return Markup("").join(parts)


def _kurz_html(lb: Leistung, sprache: Sprache) -> Markup:
    """A new service: its teaser (or Kurztext) in the feed's language, else German."""
    for modul in (Textmodul.TEASER, Textmodul.KURZTEXT):
        found = lb.text(modul).in_sprache(sprache.code)
        if found:
            return Markup("<p{}>{}</p>").format(_attrs(found[0], sprache), _zeilen(klartext(found[1])))
    return Markup("")


# --- every feed of a build ------------------------------------------------------------------------------


def schreiben(portal: Portal, output: Path, translations: Path, zeitzone: str) -> int:
    """Write the feed of every subsite and language into ``output``; returns how many files changed."""
    zone = ZoneInfo(zeitzone)
    with Store(portal.settings.store, readonly=True) as store:
        aenderungen = lesen(store, zone)
        stand = _stand(portal, store, aenderungen, zone)
    feeds = _Feed(portal, translations)
    changed = 0
    for subsite in portal.subsites.values():
        eintraege = feeds.eintraege(subsite, aenderungen)
        for sprache in portal.settings.sprachen:
            text = feeds.xml(subsite, sprache, eintraege, stand)
            target = output / sprach_prefix(subsite.path, sprache.ordner) / DATEI
            target.parent.mkdir(parents=True, exist_ok=True)
            changed += write_if_changed(target, text)
    log.info("feeds: %d changes, %d files rewritten", len(aenderungen), changed)
    return changed


__all__ = ["DATEI", "Aenderung", "lesen", "schreiben"]
