"""Search documents from the models: one per Leistung and search language, with weighted fields.

Fields (boost): ``name`` the citizen-facing name (10); ``synonyme`` Begriffe im Kontext plus our synonym file
(5); ``teile`` the parts of compound words of name and Begriffe, split from a vocabulary built from our own
texts (3); ``leika`` the Leistungsschlüssel (3); ``kurz`` teaser or short text (2); ``text`` the description,
cut to a word budget (1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from content_sync.models import Leistung, Mehrsprachig, Textmodul
from plugins.portal_pages.sanitize import plain_text
from plugins.portal_pages.urls import id_slug

from .pipeline import fold_umlaut, stopwoerter

HERE = Path(__file__).resolve().parent
FIELDS = {"name": 10, "synonyme": 5, "teile": 3, "leika": 3, "kurz": 2, "text": 1}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


@dataclass(frozen=True)
class Suchdokument:
    ref: str
    name: str
    synonyme: str
    teile: str
    leika: str
    kurz: str
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.ref, **{f: getattr(self, f) for f in FIELDS}}


def normalise(text: str) -> str:
    """Leichte Sprache's medio-point joins its word again (Personal·ausweis -> Personalausweis)."""
    return text.replace("\u00b7", "").replace("\u00ad", "")


@cache
def _gefaltet(wort: str) -> str:
    """A word in lower case with its umlauts folded (remembered: the texts of 3,600 Leistungen have some 2.5
    million words, but only tens of thousands of different ones)."""
    return fold_umlaut(wort.lower())


def words(text: str) -> list[str]:
    return [_gefaltet(w) for w in _WORD.findall(normalise(text))]


@cache
def synonyme(path: Path = HERE / "synonyme.yaml") -> dict[str, list[str]]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): [str(v) for v in vs] for k, vs in raw.items()}


def _text(texte: Mehrsprachig, sprache: str) -> str:
    found = texte.in_sprache(sprache)
    return plain_text(found[1]) if found else ""


def ref_for(lb: Leistung) -> str:
    return id_slug(lb.ref.id)


class Vokabular:
    """Words that stand alone somewhere in our texts: the known parts for splitting compounds."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.words = {w for t in texts for w in words(t) if len(w) >= 4 and w not in stopwoerter()}

    def teile(self, word: str) -> list[str]:
        """``personalausweis`` -> ``[ausweis, personal]``; ``fahrzeugzulassung`` -> ``[zulassung, fahrzeug]``."""
        if len(word) < 7:
            return []
        found: list[str] = []
        for i in range(3, len(word) - 3):
            head, tail = word[:i], word[i:]
            if tail in self.words and tail != word:
                found.append(tail)
                for h in (head, head[:-1] if head.endswith("s") else None):  # Fugen-s: Zulassungs|stelle
                    if h and len(h) >= 4 and h in self.words:
                        found.append(h)
        return list(dict.fromkeys(found))


def dokumente(leistungen: Iterable[Leistung], sprache: str, text_woerter: int) -> list[Suchdokument]:
    leistungen = sorted(leistungen, key=lambda lb: lb.ref.key)
    vokabular = Vokabular(t for lb in leistungen for modul in lb.texte.values() for t in modul.root.values())
    out = []
    for lb in leistungen:
        name = _text(lb.namen, sprache)
        begriffe = [b.begriff for b in lb.begriffe if b.sprache in (sprache, "de")]
        kurz = _text(lb.text(Textmodul.TEASER), sprache) or _text(lb.text(Textmodul.KURZTEXT), sprache)
        haystack = " ".join(words(" ".join([name, *begriffe, kurz])))
        extra = [
            k for k, targets in synonyme().items() if any(fold_umlaut(t.lower()) in haystack for t in targets)
        ]
        teile = [p for w in words(" ".join([name, *begriffe])) for p in vokabular.teile(w)]
        volltext = _text(lb.text(Textmodul.VOLLTEXT), sprache) or _text(lb.text(Textmodul.KURZTEXT), sprache)
        out.append(
            Suchdokument(
                ref=ref_for(lb),
                name=normalise(name),
                synonyme=normalise(" ".join([*begriffe, *extra])),
                teile=" ".join(dict.fromkeys(teile)),
                leika=" ".join(lb.leika),
                kurz=normalise(kurz),
                text=" ".join(normalise(volltext).split()[:text_woerter]),
            )
        )
    return out
