"""What changed in the text of each changed Leistung of a run: for the report (JSON and the HTML page).

The comparison itself (sections, sanitised plain text, word diff) is :mod:`plugins.portal_pages.aenderungen`,
shared with the Atom feeds; this module applies it to a sync run's history rows (each changed row carries the
version before it, ``Store.run_changes``) and bounds the report's size: the first :data:`DIFF_LIMIT` changed
Leistungen get their diff, the others their summary only (``"gekuerzt": true``).

In the report, a changed Leistung's entry gets ``aenderung``::

    {"abschnitte": ["kosten"], "zusammenfassung": ["Kosten geändert"], "weitere": [],
     "unterschiede": [{"abschnitt": "kosten", "titel": "Kosten", "sprache": "de", "art": "geaendert",
                       "diff": [["…", ""], ["=", "für den Direktversand per Post"], ["-", "15,00"],
                                ["+", "17,50"], ["=", "Euro."]]}, ...],
     "gekuerzt": false}

``sprache`` None: the language-neutral values of a section (amounts, durations); ``diff`` parts: ``=``
unchanged, ``-`` removed, ``+`` added, ``…`` unchanged text left out.
"""

from __future__ import annotations

from typing import Any

from plugins.portal_pages.aenderungen import ART_WORTE, leistung_aus_json, vergleiche

DIFF_LIMIT = 200  # changed Leistungen per report with their full diff (the others: the summary only)
SPRACH_WORTE = {"de": "Deutsch", "en": "Englisch", "de-x-ls": "Leichte Sprache", "ar": "Arabisch"}


def textaenderung(before: str | None, data: str | None, *, mit_diff: bool = True) -> dict[str, Any] | None:
    """The ``aenderung`` of a changed Leistung from the JSON of its two versions (None if one is unreadable)."""
    alt, neu = leistung_aus_json(before), leistung_aus_json(data)
    if alt is None or neu is None:
        return None
    out = vergleiche(alt, neu).as_dict()
    out["gekuerzt"] = not mit_diff
    if not mit_diff:
        out["unterschiede"] = []
    return out


def sprach_wort(code: str | None) -> str:
    """The German name of a content language, for the report ("alle Sprachen" for neutral values)."""
    if code is None:
        return "alle Sprachen"
    return SPRACH_WORTE.get(code, code)


def art_wort(art: str) -> str:
    return ART_WORTE.get(art, art)
