"""Text for machines: sanitised HTML, plain text that keeps paragraphs and list items apart, short texts and
the first sentences of a text (for the conversational answer).

Plain text is always made from the *sanitised* HTML, so nothing the allow-list removes (scripts, styles,
event handlers, unsafe links) reaches the API in either form.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from plugins.portal_pages.sanitize import clean_html, plain_text

BLOCK = {"p", "ul", "ol", "li", "table", "tr", "caption", "dl", "dt", "dd", "blockquote"}
CELL = {"td", "th"}
# words before a full stop that do not end a sentence (German and English abbreviations)
ABKUERZUNGEN = {
    "abs",
    "art",
    "bspw",
    "bzw",
    "ca",
    "d",
    "dr",
    "e",
    "etc",
    "evtl",
    "gem",
    "ggf",
    "h",
    "i",
    "inkl",
    "max",
    "min",
    "nr",
    "s",
    "sog",
    "str",
    "u",
    "usw",
    "v",
    "vgl",
    "z",
    "e.g",
    "i.e",
    "no",
    "approx",
}
_SATZENDE = re.compile(r"[.!?؟](?=\s)")


def sicheres_html(html: str | None) -> str:
    """The allow-list sanitiser of the pages (nh3): what the pages show, the API publishes."""
    return str(clean_html(html))


def klartext(html: str | None) -> str:
    """Plain text of a text module: one line per paragraph, list item ('- ' or '1. ') and table row."""
    return klartext_aus_sicherem(sicheres_html(html))


def klartext_aus_sicherem(cleaned: str) -> str:
    """:func:`klartext` of HTML that has been through :func:`sicheres_html` already."""
    if not cleaned.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(cleaned, create_parent="div")
    except (etree.ParserError, ValueError):
        return plain_text(cleaned)
    parts: list[str] = []
    zaehler: list[int] = []  # item numbers of the open <ol> lists (0 for <ul>)
    # iterwalk, not recursion: the data may nest lists thousands of levels deep
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in ("ol", "ul"):
                zaehler.append(0 if tag == "ul" else 1)
            if tag == "li":
                if zaehler and zaehler[-1]:
                    parts.append(f"\n{zaehler[-1]}. ")
                    zaehler[-1] += 1
                else:
                    parts.append("\n- ")
            elif tag in BLOCK or tag == "br":
                parts.append("\n")
            if el.text and tag:
                parts.append(el.text)
        else:
            if tag in ("ol", "ul") and zaehler:
                zaehler.pop()
            if tag in BLOCK:
                parts.append("\n")
            elif tag in CELL:
                parts.append(" ")
            if el.tail and el is not root:
                parts.append(el.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    text = "\n".join(line for line in lines if line and line != "-")
    # libxml2 gives up on absurdly deep markup: then the text without line structure, as the pages have it
    return text or plain_text(cleaned)


def einzeilig(text: str) -> str:
    return " ".join(text.split())


def kuerzen(text: str, zeichen: int) -> str:
    """At most ``zeichen`` characters, cut at a word boundary with an ellipsis."""
    text = einzeilig(text)
    if len(text) <= zeichen:
        return text
    cut = text[: zeichen - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:–- ") + "…"


def saetze(text: str) -> list[str]:
    """The sentences of a plain text (abbreviations like 'z. B.' and ordinals like '2.' do not end one)."""
    text = einzeilig(text)
    out: list[str] = []
    start = 0
    for match in _SATZENDE.finditer(text):
        end = match.end()
        if match.group() == ".":
            wort = text[start : end - 1].rsplit(" ", 1)[-1].lower()
            if wort.rstrip(".") in ABKUERZUNGEN or wort.isdigit() or len(wort) == 1:
                continue
        out.append(text[start:end].strip())
        start = end
    rest = text[start:].strip()
    if rest:
        out.append(rest)
    return [s for s in out if s]


def erste_saetze(texte: list[str], zeichen: int, hoechstens: int = 2) -> str:
    """One or two sentences from the first texts (teaser, then short text), together at most ``zeichen``
    characters; never empty when a text is there (a first sentence that is too long is cut)."""
    alle = list(dict.fromkeys(satz for text in texte for satz in saetze(text)))
    if not alle:
        return ""
    gewaehlt = [kuerzen(alle[0], zeichen)]
    for satz in alle[1:hoechstens]:
        if len(" ".join([*gewaehlt, satz])) > zeichen:
            break
        gewaehlt.append(satz)
    return " ".join(gewaehlt)
