"""One Jinja2 environment per language: gettext from the theme's catalogs, Babel for numbers and dates.

Templates are written in German; ``theme/translations/<katalog>/LC_MESSAGES/messages.po`` holds the other
languages. The ``.mo`` files are compiled from the ``.po`` files when they are missing or older (they are not
committed). A missing catalog is a warning, and the page shows German UI strings.
"""

from __future__ import annotations

import functools
import gettext
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from content_sync.models import Dauer, Mehrsprachig, Zeiteinheit

from .settings import Sprache

log = logging.getLogger(__name__)
WOCHENTAGE = ["MO", "DI", "MI", "DO", "FR", "SA", "SO"]
DE_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "Ä": "a", "Ö": "o", "Ü": "u"})


def compile_catalogs(translations: Path) -> None:
    """``messages.po`` -> ``messages.mo`` where the .mo is missing or older."""
    for po in sorted(translations.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=None)
        with mo.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=False)


def load_translations(translations: Path, katalog: str) -> gettext.NullTranslations:
    if not katalog:
        return gettext.NullTranslations()
    mo = translations / katalog / "LC_MESSAGES" / "messages.mo"
    if not mo.exists():
        log.warning("no catalog %s: pages in this language show the German interface texts", mo)
        return gettext.NullTranslations()
    return Translations.load(str(translations), [katalog])


@functools.lru_cache(maxsize=65536)  # a pure function of the text; a Hessen build sorts the same names a lot
def sort_key(text: str) -> str:
    """German dictionary order (DIN 5007-1): ä with a, ö with o, ü with u, ß as ss; case and accents ignored."""
    folded = text.translate(DE_FOLD).casefold()
    folded = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in folded if not unicodedata.combining(c))


def initial(text: str) -> str:
    """The letter a name is filed under in the A-Z index."""
    key = sort_key(text.strip())
    for char in key:
        if char.isalnum():
            return char.upper() if char.isascii() and char.isalpha() else ("0–9" if char.isdigit() else char)
    return "#"


@dataclass(frozen=True)
class Textwahl:
    """A text chosen for a page's language: the text, its actual language, and whether it is a fallback."""

    text: str
    sprache: str
    fallback: bool


class Formate:
    """The Babel formatting for one language, exposed to the templates as filters and globals."""

    def __init__(self, sprache: Sprache, gt: gettext.NullTranslations) -> None:
        self.sprache = sprache
        self.locale = Locale.parse(sprache.locale)
        self.gt = gt

    def betrag(self, value: Decimal | float | None) -> str:
        if value is None:
            return ""
        return format_currency(value, "EUR", locale=self.locale)

    def zahl(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def datum(self, value: date | None) -> str:
        return format_date(value, "long", locale=self.locale) if value else ""

    def datum_iso(self, value: date | None) -> str:
        return value.isoformat() if value else ""

    def uhrzeit(self, value: time) -> str:
        return format_time(value, "HH:mm", locale=self.locale)

    def wochentag(self, code: str) -> str:
        return get_day_names("wide", locale=self.locale)[WOCHENTAGE.index(code)]

    def einheit(self, einheit: Zeiteinheit | None, n: int) -> str:
        ng = self.gt.ngettext
        words = {
            Zeiteinheit.JAHR: ng("%(num)d Jahr", "%(num)d Jahre", n),
            Zeiteinheit.MONAT: ng("%(num)d Monat", "%(num)d Monate", n),
            Zeiteinheit.WOCHE: ng("%(num)d Woche", "%(num)d Wochen", n),
            Zeiteinheit.TAG: ng("%(num)d Tag", "%(num)d Tage", n),
            Zeiteinheit.WERKTAG: ng("%(num)d Werktag", "%(num)d Werktage", n),
            Zeiteinheit.ARBEITSTAG: ng("%(num)d Arbeitstag", "%(num)d Arbeitstage", n),
            Zeiteinheit.STUNDE: ng("%(num)d Stunde", "%(num)d Stunden", n),
            Zeiteinheit.MINUTE: ng("%(num)d Minute", "%(num)d Minuten", n),
            Zeiteinheit.SEKUNDE: ng("%(num)d Sekunde", "%(num)d Sekunden", n),
        }
        if einheit is None:
            return self.zahl(n)
        return words[einheit] % {"num": n}

    def dauer(self, d: Dauer) -> str:
        """``3 bis 4 Wochen``, ``2 Wochen``, or a date span, in words of the page's language."""
        if d.dauer is not None and d.dauer_bis is not None and d.dauer_bis != d.dauer:
            einheit_bis = d.einheit_bis or d.einheit
            if einheit_bis == d.einheit:
                return self.gt.gettext("%(von)s bis %(bis)s") % {
                    "von": self.zahl(d.dauer),
                    "bis": self.einheit(einheit_bis, d.dauer_bis),
                }
            return self.gt.gettext("%(von)s bis %(bis)s") % {
                "von": self.einheit(d.einheit, d.dauer),
                "bis": self.einheit(einheit_bis, d.dauer_bis),
            }
        if d.dauer is not None:
            return self.einheit(d.einheit, d.dauer)
        if d.stichtag_von or d.stichtag_bis:
            return self.gt.gettext("vom %(von)s bis zum %(bis)s") % {
                "von": d.stichtag_von or "…",
                "bis": d.stichtag_bis or "…",
            }
        return ""

    def dateigroesse(self, n: int) -> str:
        """A file size for a download link: ``12,3 MB``, ``850 kB`` (decimal units, as file managers show)."""
        if n >= 1_000_000:
            zahl = format_decimal(n / 1_000_000, "#,##0.0", locale=self.locale)
            return self.gt.gettext("%(zahl)s MB") % {"zahl": zahl}
        zahl = format_decimal(max(1, round(n / 1000)), locale=self.locale)
        return self.gt.gettext("%(zahl)s kB") % {"zahl": zahl}

    def spieldauer(self, sekunden: int) -> str:
        """A video's duration in words: ``2 Minuten 45 Sekunden``."""
        minuten, rest = divmod(sekunden, 60)
        teile = []
        if minuten:
            teile.append(self.einheit(Zeiteinheit.MINUTE, minuten))
        if rest or not minuten:
            teile.append(self.einheit(Zeiteinheit.SEKUNDE, rest))
        return " ".join(teile)

    def feiertage(self) -> dict[str, str]:
        """The public holidays of Hessen by the keys of theme/static/js/oeffnungslogik.js, in words."""
        gettext = self.gt.gettext  # the name babel's extractor looks for
        return {
            "neujahr": gettext("Neujahr"),
            "karfreitag": gettext("Karfreitag"),
            "ostersonntag": gettext("Ostersonntag"),
            "ostermontag": gettext("Ostermontag"),
            "maifeiertag": gettext("1. Mai"),
            "himmelfahrt": gettext("Christi Himmelfahrt"),
            "pfingstsonntag": gettext("Pfingstsonntag"),
            "pfingstmontag": gettext("Pfingstmontag"),
            "fronleichnam": gettext("Fronleichnam"),
            "einheit": gettext("Tag der Deutschen Einheit"),
            "weihnachten1": gettext("1. Weihnachtstag"),
            "weihnachten2": gettext("2. Weihnachtstag"),
        }

    def wahl(self, texte: Mehrsprachig | None) -> Textwahl | None:
        """The text in the page's language, else German (marked as fallback), else None."""
        if texte is None:
            return None
        found = texte.in_sprache(self.sprache.code)
        if found is None:
            return None
        lang, text = found
        return Textwahl(text, lang, lang != self.sprache.code)


def environment(
    templates: list[Path], translations: Path, sprache: Sprache, extra: dict[str, Callable[..., object]]
) -> Environment:
    """A fresh environment for one language (never an overlay: overlays share globals and filters)."""
    env = Environment(
        loader=FileSystemLoader([str(t) for t in templates]),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    gt = load_translations(translations, sprache.katalog)
    env.install_gettext_translations(gt, newstyle=True)  # type: ignore[attr-defined]
    fmt = Formate(sprache, gt)
    env.filters.update(
        betrag=fmt.betrag,
        datum=fmt.datum,
        datum_iso=fmt.datum_iso,
        uhrzeit=fmt.uhrzeit,
        wochentag=fmt.wochentag,
        dauer=fmt.dauer,
        zahl=fmt.zahl,
        dateigroesse=fmt.dateigroesse,
        spieldauer=fmt.spieldauer,
        initial=initial,
    )
    env.globals.update(wahl=fmt.wahl, feiertage=fmt.feiertage, sprache=sprache, Markup=Markup, **extra)
    return env
