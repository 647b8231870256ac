"""What changed between two versions of a Leistung: per section (Textmodul) and language, word by word.

Shared by the nightly report (``plugins/nightly/diff.py``: a readable diff per changed service) and the Atom
feeds of changed services (``feeds.py``: what changed, when).

- A **section** (:data:`ABSCHNITTE`) is what the service page shows under one heading: the name, each LeiKa
  text module, and Fristen, Bearbeitungsdauer and Kosten, which have a text per language *and*
  language-neutral values (amounts, durations). Those values are compared as German lines of their own
  (``sprache`` None), so a changed fee shows once, not once per language.
- Texts are compared as **sanitised plain text**: the editor HTML goes through the same allow-list as the
  pages (:func:`sanitize.clean_html`), then loses its markup; block ends (paragraphs, list items, cells)
  become line breaks. A change of markup alone is no change of text.
- The diff is **word-level** (:mod:`difflib` over words and line breaks); long unchanged stretches are cut to
  :data:`KONTEXT` words around each change, long removed or added stretches to :data:`MAX_TEIL` words.
- A diff is a tuple of parts ``(op, text)``: ``"="`` unchanged, ``"-"`` removed, ``"+"`` added, ``"…"`` left
  out (text ``""``). Line breaks inside a part are ``"\\n"``.

Section titles are German msgids (marked with ``N_`` for the catalogs): the report shows them as they are,
the templates and the feeds translate them with the page's gettext.
"""

from __future__ import annotations

import difflib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nh3
from pydantic import ValidationError

from content_sync.models import Dauer, Frist, Kosten, Kostenart, Leistung, Mehrsprachig, Textmodul

from .sanitize import clean_html

KONTEXT = 8  # unchanged words kept before and after each change
MAX_TEIL = 150  # words of one removed or added stretch (longer ones are cut, marked "…")
MAX_WOERTER = (
    6000  # above this many words per side the texts are compared line by line (difflib is quadratic)
)
SPRACH_ORDNUNG = {"de": 0, "de-x-ls": 1, "en": 2, "ar": 3}


def N_(text: str) -> str:  # the conventional name of a gettext marker: babel extracts it
    """Marks a message for the catalogs; it is translated where it is shown."""
    return text


def _modul(code: Textmodul) -> Callable[[Leistung], Mehrsprachig]:
    return lambda lb: lb.text(code)


def _kosten_zeilen(lb: Leistung) -> list[str]:
    return [_kosten_zeile(k) for k in lb.kosten]


def _fristen_zeilen(lb: Leistung) -> list[str]:
    return [_dauer_zeile(f) for f in lb.fristen]


def _dauer_zeilen(lb: Leistung) -> list[str]:
    return [_dauer_zeile(d) for d in lb.bearbeitungsdauer]


@dataclass(frozen=True)
class Abschnitt:
    """A section of a service description as the service page shows it."""

    id: str
    titel: str  # German msgid (the heading on the service page where there is one)
    texte: Callable[[Leistung], Mehrsprachig]
    angaben: Callable[[Leistung], list[str]] | None = None  # language-neutral values, as German lines
    html: bool = True  # the texts are editor HTML (names are plain text)


# In the order of the service page (leistung.html: the sections of the Hessen portal in FIM order).
ABSCHNITTE: tuple[Abschnitt, ...] = (
    Abschnitt("name", N_("Name"), lambda lb: lb.namen, html=False),
    Abschnitt("bezeichnung", N_("Leistungsbezeichnung"), _modul(Textmodul.LEISTUNGSBEZEICHNUNG), html=False),
    Abschnitt("teaser", N_("Teaser"), _modul(Textmodul.TEASER)),
    Abschnitt("kurztext", N_("Kurztext"), _modul(Textmodul.KURZTEXT)),
    Abschnitt("beschreibung", N_("Beschreibung"), _modul(Textmodul.VOLLTEXT)),
    Abschnitt("unterlagen", N_("Erforderliche Unterlagen"), _modul(Textmodul.UNTERLAGEN)),
    Abschnitt("formulare", N_("Formulare"), _modul(Textmodul.FORMULARE)),
    Abschnitt("voraussetzungen", N_("Voraussetzungen"), _modul(Textmodul.VORAUSSETZUNGEN)),
    Abschnitt("rechtsgrundlagen", N_("Rechtsgrundlage(n)"), _modul(Textmodul.RECHTSGRUNDLAGEN)),
    Abschnitt("rechtsbehelf", N_("Rechtsbehelf"), _modul(Textmodul.RECHTSBEHELF)),
    Abschnitt("verfahrensablauf", N_("Verfahrensablauf"), _modul(Textmodul.VERFAHRENSABLAUF)),
    Abschnitt("fristen", N_("Fristen"), lambda lb: lb.fristen_text, _fristen_zeilen),
    Abschnitt(
        "bearbeitungsdauer", N_("Bearbeitungsdauer"), lambda lb: lb.bearbeitungsdauer_text, _dauer_zeilen
    ),
    Abschnitt("kosten", N_("Kosten"), lambda lb: lb.kosten_text, _kosten_zeilen),
    Abschnitt("hinweise", N_("Hinweise (Besonderheiten)"), _modul(Textmodul.HINWEISE)),
    Abschnitt(
        "weiterfuehrende_informationen",
        N_("Weiterführende Informationen"),
        _modul(Textmodul.WEITERFUEHRENDE_INFORMATIONEN),
    ),
    Abschnitt("zustaendige_stelle", N_("Zuständige Stelle"), _modul(Textmodul.ZUSTAENDIGE_STELLE)),
    Abschnitt("ansprechpunkt", N_("Ansprechpunkt"), _modul(Textmodul.ANSPRECHPUNKT)),
    Abschnitt("urheber", N_("Urheber"), _modul(Textmodul.URHEBER)),
)
ABSCHNITT: dict[str, Abschnitt] = {a.id: a for a in ABSCHNITTE}

# Fields of a Leistung outside the sections: a change there is named, not diffed. Not compared: ref, the
# Versionsinformation (it changes with every version) and the fields the sections cover.
WEITERE_FELDER: dict[str, str] = {
    "leika": N_("Leistungsschlüssel"),
    "modul_links": N_("Weiterführende Links"),
    "begriffe": N_("Stichwörter"),
    "fachliche_freigabe": N_("Fachliche Freigabe"),
    "ursprungsportal": N_("Ursprungsportal"),
    "klassifizierung": N_("Klassifizierung"),
    "kategorien": N_("Kategorien"),
    "adressaten": N_("Leistungsadressaten"),
    "typisierung": N_("Typisierung"),
    "vertrauensniveau": N_("Vertrauensniveau"),
    "gueltigkeit": N_("Gültigkeit"),
    "gueltigkeit_gebiete": N_("Gültigkeitsgebiet"),
    "sprachversionen": N_("Sprachversionen"),
}
ART_WORTE = {"neu": "neu", "geaendert": "geändert", "entfernt": "entfernt"}
GEAENDERT = N_("%(abschnitt)s geändert")  # the phrase of the summary: "Kosten geändert"


# --- plain text -----------------------------------------------------------------------------------------

_BLOCK_ENDE = re.compile(
    r"<\s*br\b[^>]*>|<\s*/\s*(?:p|li|dd|dt|tr|th|td|caption|blockquote|ul|ol|dl|table)\s*>", re.IGNORECASE
)


def leistung_aus_json(data: str | None) -> Leistung | None:
    """A version of a Leistung as the store keeps it (its JSON), or None if there is none or it is unreadable."""
    if not data:
        return None
    try:
        return Leistung.model_validate_json(data)
    except ValidationError:
        return None


def klartext(value: str | None, *, ist_html: bool = True) -> str:
    """Sanitised plain text: what a page shows of the value, without markup, one line per block, white
    space collapsed."""
    if not value:
        return ""
    if ist_html:
        marked = _BLOCK_ENDE.sub("\n", str(clean_html(value)))
        value = html.unescape(nh3.clean(marked, tags=set()))
    lines = (" ".join(line.split()) for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


_OHNE_INHALT = {"script", "style", "template", "iframe", "object", "svg", "math", "noscript"}  # as clean_html


def hat_text(value: str | None, *, ist_html: bool = True) -> bool:
    """Whether :func:`klartext` of the value would not be empty (one pass, for the data-quality checks)."""
    if not value or not value.strip():
        return False
    if ist_html and "<" in value:
        value = nh3.clean(value, tags=set(), clean_content_tags=_OHNE_INHALT)
    return bool(html.unescape(value).strip()) if "&" in value else bool(value.strip())


def _betrag(value: Any) -> str:
    if value is None:
        return "?"
    text = f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text} €"


def _kosten_zeile(k: Kosten) -> str:
    if k.art is Kostenart.FREI:
        line = "kostenfrei"
    elif k.art is Kostenart.VARIABEL:
        line = f"Gebühr: {_betrag(k.betrag)} bis {_betrag(k.betrag_bis)}"
    else:
        line = f"Gebühr: {_betrag(k.betrag)}"
    if k.waehrung != "EUR":
        line += f" ({k.waehrung})"
    if k.vorkasse:
        line += ", Vorkasse"
    beschreibung = klartext(k.beschreibung.de).replace("\n", " ")
    return f"{line} ({beschreibung})" if beschreibung else line


_EINHEITEN = {
    "JAHR": ("Jahr", "Jahre"),
    "MONAT": ("Monat", "Monate"),
    "WOCHE": ("Woche", "Wochen"),
    "TAG": ("Tag", "Tage"),
    "WERKTAG": ("Werktag", "Werktage"),
    "ARBEITSTAG": ("Arbeitstag", "Arbeitstage"),
    "STUNDE": ("Stunde", "Stunden"),
    "MINUTE": ("Minute", "Minuten"),
    "SEKUNDE": ("Sekunde", "Sekunden"),
}


def _menge(n: int, einheit: Any) -> str:
    if einheit is None:
        return str(n)
    one, many = _EINHEITEN.get(str(einheit.value), (str(einheit.value), str(einheit.value)))
    return f"{n} {one if n == 1 else many}"


def _dauer_zeile(d: Dauer) -> str:
    if d.dauer is not None and d.dauer_bis is not None and d.dauer_bis != d.dauer:
        line = f"{_menge(d.dauer, d.einheit)} bis {_menge(d.dauer_bis, d.einheit_bis or d.einheit)}"
    elif d.dauer is not None:
        line = _menge(d.dauer, d.einheit)
    elif d.stichtag_von or d.stichtag_bis:
        line = f"vom {d.stichtag_von or '…'} bis zum {d.stichtag_bis or '…'}"
    else:
        line = "ohne Angabe"
    if isinstance(d, Frist) and d.typ:
        line += f" (Fristtyp {d.typ})"
    beschreibung = klartext(d.beschreibung.de).replace("\n", " ")
    return f"{line}: {beschreibung}" if beschreibung else line


# --- the word diff --------------------------------------------------------------------------------------

Teil = tuple[str, str]


def _woerter(text: str, *, zeilen: bool = False) -> list[str]:
    """Words, with a ``"\\n"`` token between lines (``zeilen``: whole lines as tokens)."""
    out: list[str] = []
    for i, line in enumerate(text.split("\n")):
        if i:
            out.append("\n")
        if zeilen:
            out.append(line)
        else:
            out.extend(line.split())
    return out


def _fuegen(tokens: list[str]) -> str:
    text = " ".join(tokens)
    return text.replace(" \n ", "\n").replace(" \n", "\n").replace("\n ", "\n").strip(" ")


def _gekuerzt(tokens: list[str], op: str) -> list[Teil]:
    """A removed or added stretch; beyond MAX_TEIL words its middle is left out."""
    if len(tokens) <= MAX_TEIL:
        return [(op, _fuegen(tokens))]
    half = MAX_TEIL // 2
    return [(op, _fuegen(tokens[:half])), ("…", ""), (op, _fuegen(tokens[-half:]))]


def wortdiff(alt: str, neu: str, *, kontext: int = KONTEXT) -> tuple[Teil, ...]:
    """The word-level diff of two plain texts; unchanged stretches cut to ``kontext`` words per side."""
    zeilen = max(len(alt.split()), len(neu.split())) > MAX_WOERTER
    a, b = _woerter(alt, zeilen=zeilen), _woerter(neu, zeilen=zeilen)
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    parts: list[Teil] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            words = a[i1:i2]
            head = 0 if n == 0 else kontext  # after a change
            tail = 0 if n == len(ops) - 1 else kontext  # before a change
            if len(words) > head + tail + 2:
                if head:
                    parts.append(("=", _fuegen(words[:head])))
                parts.append(("…", ""))
                if tail:
                    parts.append(("=", _fuegen(words[-tail:])))
            else:
                parts.append(("=", _fuegen(words)))
            continue
        if i2 > i1:
            parts.extend(_gekuerzt(a[i1:i2], "-"))
        if j2 > j1:
            parts.extend(_gekuerzt(b[j1:j2], "+"))
    return tuple(p for p in parts if p[1].strip() or p[0] == "…")


# --- comparing two versions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unterschied:
    """One section in one language (``sprache`` None: its language-neutral values) that changed."""

    abschnitt: str
    sprache: str | None
    art: str  # neu | geaendert | entfernt
    teile: tuple[Teil, ...]

    @property
    def titel(self) -> str:
        return ABSCHNITT[self.abschnitt].titel

    def as_dict(self) -> dict[str, Any]:
        return {
            "abschnitt": self.abschnitt,
            "titel": self.titel,
            "sprache": self.sprache,
            "art": self.art,
            "diff": [list(t) for t in self.teile],
        }


@dataclass(frozen=True)
class Vergleich:
    """Everything that changed between two versions of a Leistung."""

    abschnitte: tuple[str, ...]  # ids of the changed sections, in the page's order
    unterschiede: tuple[Unterschied, ...]
    weitere: tuple[str, ...]  # German labels of other changed fields (links, keys, terms ...)

    def __bool__(self) -> bool:
        return bool(self.abschnitte or self.weitere)

    def zusammenfassung(self, gettext: Callable[[str], str] | None = None) -> list[str]:
        """``["Kosten geändert", "Fristen geändert"]``: one phrase per changed section, then the other fields
        (translated with ``gettext`` if given)."""
        gt = gettext or _deutsch
        phrase = gt(GEAENDERT)
        out = [phrase % {"abschnitt": gt(ABSCHNITT[a].titel)} for a in self.abschnitte]
        if self.weitere:
            out.append(phrase % {"abschnitt": ", ".join(gt(w) for w in self.weitere)})
        return out

    def in_sprache(self, sprache: str) -> list[Unterschied]:
        """The differences a reader of ``sprache`` needs: per changed section, that language's, else the
        German one, and the language-neutral values."""
        out = []
        for a in self.abschnitte:
            here = [u for u in self.unterschiede if u.abschnitt == a]
            texts = [u for u in here if u.sprache == sprache] or [u for u in here if u.sprache == "de"]
            out += texts + [u for u in here if u.sprache is None]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "abschnitte": list(self.abschnitte),
            "zusammenfassung": self.zusammenfassung(),
            "weitere": list(self.weitere),
            "unterschiede": [u.as_dict() for u in self.unterschiede],
        }


def _deutsch(text: str) -> str:
    return text


def _sprachen(*texte: Mehrsprachig) -> list[str]:
    codes = {code for t in texte for code in t.root}
    return sorted(codes, key=lambda c: (SPRACH_ORDNUNG.get(c, 9), c))


def _unterschied(abschnitt: str, sprache: str | None, alt: str, neu: str) -> Unterschied | None:
    if alt == neu:
        return None
    art = "neu" if not alt else "entfernt" if not neu else "geaendert"
    return Unterschied(abschnitt, sprache, art, wortdiff(alt, neu))


def vergleiche(alt: Leistung, neu: Leistung) -> Vergleich:
    """What changed from ``alt`` to ``neu`` (two versions of one Leistung)."""
    unterschiede: list[Unterschied] = []
    for ab in ABSCHNITTE:
        t_alt, t_neu = ab.texte(alt), ab.texte(neu)
        if t_alt != t_neu:
            for sprache in _sprachen(t_alt, t_neu):
                u = _unterschied(
                    ab.id,
                    sprache,
                    klartext(t_alt.get(sprache), ist_html=ab.html),
                    klartext(t_neu.get(sprache), ist_html=ab.html),
                )
                if u is not None:
                    unterschiede.append(u)
        if ab.angaben is not None:
            u = _unterschied(ab.id, None, "\n".join(ab.angaben(alt)), "\n".join(ab.angaben(neu)))
            if u is not None:
                unterschiede.append(u)
    abschnitte = tuple(dict.fromkeys(u.abschnitt for u in unterschiede))
    weitere = tuple(
        label for feld, label in WEITERE_FELDER.items() if getattr(alt, feld) != getattr(neu, feld)
    )
    return Vergleich(abschnitte, tuple(unterschiede), weitere)
