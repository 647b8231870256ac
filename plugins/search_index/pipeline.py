"""The German lunr pipeline, the same on both sides.

Index (Python, lunr.py):  trimmer-de, stopWordFilter-de, umlaut-de, stemmer-de
Query (browser, lunr.js): umlaut-de, stemmer-de        (the serialised index names this search pipeline)

``stemmer-de`` is the Snowball German stemmer: NLTK's here, lunr-languages' in the browser (they agree word
for word). ``umlaut-de`` is ours, registered under the same name in ``theme/static/js/suchlogik.js``: it maps
the spellings ae, oe, ue to ä, ö, ü (not after q) before stemming, so "Fuehrerschein" and "Führerschein"
give one stem; ß becomes ss in the stemmer. ``trimmer-de`` and the stop-word filter run at build time only.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lunr.builder import Builder
from lunr.pipeline import Pipeline
from lunr.stop_word_filter import generate_stop_word_filter
from lunr.token import Token
from nltk.stem.snowball import SnowballStemmer

HERE = Path(__file__).resolve().parent
WORD_CHARACTERS = "A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff0-9"
_UMLAUT = re.compile(r"(?<!q)ue|ae|oe")
_UMLAUT_MAP = {"ae": "ä", "oe": "ö", "ue": "ü"}
_TRIM = re.compile(rf"^[^{WORD_CHARACTERS}]*([{WORD_CHARACTERS}]+)[^{WORD_CHARACTERS}]*$")


def fold_umlaut(text: str) -> str:
    """``fuehrerschein`` -> ``führerschein`` (the German2 Snowball rule; never after q: ``quelle``)."""
    return _UMLAUT.sub(lambda m: _UMLAUT_MAP[m.group(0)], text)


def umlaut_de(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    return token.update(lambda s, metadata=None: fold_umlaut(s))


def trimmer_de(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    def trim(s: str, metadata: object = None) -> str:
        match = _TRIM.match(s)
        return match.group(1) if match else s

    return token.update(trim)


_stemmer = SnowballStemmer("german")


def stemmer_de(token: Token, i: int | None = None, tokens: list[Token] | None = None) -> Token:
    return token.update(lambda s, metadata=None: _stemmer.stem(s))


def stem(word: str) -> str:
    """What the query pipeline makes of one (lower-case) word: for tests and the compound splitter."""
    return _stemmer.stem(fold_umlaut(word.lower()))


@cache
def stopwoerter() -> frozenset[str]:
    lines = (HERE / "stopwoerter.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


@cache
def _registered() -> dict[str, object]:
    stop = generate_stop_word_filter(sorted(stopwoerter()), language="de")
    functions = {
        "trimmer-de": trimmer_de,
        "stopWordFilter-de": stop,
        "umlaut-de": umlaut_de,
        "stemmer-de": stemmer_de,
    }
    for name, fn in functions.items():
        Pipeline.register_function(fn, name)
    return functions


def german_builder() -> Builder:
    f = _registered()
    builder = Builder()
    builder.pipeline.reset()
    builder.search_pipeline.reset()
    for name in ("trimmer-de", "stopWordFilter-de", "umlaut-de", "stemmer-de"):
        builder.pipeline.add(f[name])
    for name in ("umlaut-de", "stemmer-de"):
        builder.search_pipeline.add(f[name])
    return builder
