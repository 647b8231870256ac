"""Small filters and tests for the templates (no language in them: language-dependent ones are in i18n)."""

from __future__ import annotations

import json
import re
import urllib.parse
from collections import defaultdict

from content_sync.models import Anschrift, Anschrifttyp, Oeffnungszeit, Organisationseinheit

from .barrierefreiheit import mailto
from .i18n import WOCHENTAGE
from .sanitize import clean_editorial, clean_html, plain_text


def groupby_tag(zeiten: tuple[Oeffnungszeit, ...]) -> list[tuple[str, list[Oeffnungszeit]]]:
    """Opening hours grouped by weekday, Monday first, times in order."""
    by_day: dict[str, list[Oeffnungszeit]] = defaultdict(list)
    for z in zeiten:
        by_day[z.tag.value].append(z)
    return [(tag, sorted(by_day[tag], key=lambda z: z.von)) for tag in WOCHENTAGE if tag in by_day]


def tel(nummer: str) -> str:
    """``+49 5655 000-110`` -> ``+495655000110`` for a tel: link."""
    return re.sub(r"[^\d+]", "", nummer)


def besucheranschrift(oe: Organisationseinheit) -> Anschrift | None:
    order = [Anschrifttyp.BESUCHERANSCHRIFT, Anschrifttyp.HAUSANSCHRIFT]
    for typ in order:
        for a in oe.anschriften:
            if a.typ is typ:
                return a
    return next((a for a in oe.anschriften if a.strasse), oe.anschriften[0] if oe.anschriften else None)


def osm_link(a: Anschrift) -> str:
    """A plain link to the address on OpenStreetMap (a search; nothing is embedded)."""
    query = " ".join(p for p in (a.strasse, a.hausnummer, a.plz, a.ort) if p)
    return "https://www.openstreetmap.org/search?query=" + urllib.parse.quote(query)


_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}]')


def sichere_url(value: object) -> bool:
    """An http(s) URL with a host and nothing a URL may not contain (white space, quotes, brackets): safe to
    put into an href, and valid HTML there."""
    if not isinstance(value, str) or _NOT_IN_URL.search(value):
        return False
    parts = urllib.parse.urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def oeffnungszeiten_daten(zeiten: tuple[Oeffnungszeit, ...]) -> str:
    """The structured opening hours for the browser (oeffnungszeiten.js), Monday first, times in order:
    ``MO 08:00-12:00 DO 08:00-12:00 DO 14:00-18:00``."""
    return " ".join(
        f"{tag} {z.von:%H:%M}-{z.bis:%H:%M}" for tag, tag_zeiten in groupby_tag(zeiten) for z in tag_zeiten
    )


def json_attr(value: object) -> str:
    """JSON for a data attribute (the template escapes it for the attribute; characters stay as they are)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def dauer_iso(sekunden: int) -> str:
    """A duration for ``<time datetime>``: ``PT4M30S``."""
    minuten, rest = divmod(sekunden, 60)
    stunden, minuten = divmod(minuten, 60)
    return (
        "PT" + "".join(f"{n}{u}" for n, u in ((stunden, "H"), (minuten, "M"), (rest, "S")) if n)
        if sekunden
        else "PT0S"
    )


FILTERS = {
    "sicher": clean_html,
    "redaktionell": clean_editorial,
    "mailto": mailto,
    "oeffnungszeiten_daten": oeffnungszeiten_daten,
    "json_attr": json_attr,
    "dauer_iso": dauer_iso,
    "nur_text": plain_text,
    "groupby_tag": groupby_tag,
    "tel": tel,
    "besucheranschrift": besucheranschrift,
    "osm_link": osm_link,
}
TESTS = {"sichere_url": sichere_url}
