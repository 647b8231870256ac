"""Hardened, streaming parse of one XZuFi document into a stream of events.

Hardening: a document with a DOCTYPE is refused before any entity could be used (no DTD is loaded, no entity
is resolved, no network is touched); libxml2's default limits stay on (``huge_tree=False``: depth, text size);
the bytes read are capped. Streaming: ``iterparse`` hands us each ``schreibe``/``loesche`` when it ends; we
turn it into events and clear it, so memory stays flat however large the export is.

A broken *record* becomes a :class:`Quarantaene` event and the document goes on. A broken *document* raises
:class:`~content_sync.errors.InvalidDocument`; the caller decides what happens to what was read before.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree
from pydantic import ValidationError

from content_sync.errors import InvalidDocument, RecordError
from content_sync.models import Leistung, Model, ObjektRef
from content_sync.xzufi.elements import (
    Ctx,
    parse_leistung,
    parse_onlinedienst,
    parse_organisationseinheit,
    parse_zustaendigkeit_transfer,
    record_id_guess,
    ref_of,
)
from content_sync.xzufi.namespaces import SUPPORTED, localname, namespace

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
FRAGMENT_MAX = 16 * 1024
LOESCHE_KLASSEN = {
    "Leistung": "Leistung",
    "Organisationseinheit": "Organisationseinheit",
    "Onlinedienst": "Onlinedienst",
    "Zustaendigkeit": "Zustaendigkeit",
}
UNSUPPORTED_KLASSEN = {"LeistungSpezialisierung", "Spezialisierung"}


@dataclass(frozen=True)
class Schreibe:
    klasse: str
    obj: Model
    # For an Organisationseinheit: the Zustaendigkeiten embedded in it. They replace the ones it had before.
    eingebettet: tuple[Model, ...] = ()


@dataclass(frozen=True)
class Loesche:
    klasse: str
    ref: ObjektRef


@dataclass(frozen=True)
class Quarantaene:
    klasse: str | None
    record_id: str | None
    reason: str
    fragment: str


@dataclass(frozen=True)
class Warnung:
    klasse: str | None
    record_id: str | None
    message: str


Event = Schreibe | Loesche | Quarantaene | Warnung


class _CappedReader:
    """A file wrapper that refuses to read more than ``limit`` bytes."""

    def __init__(self, raw: BinaryIO, limit: int, filename: str) -> None:
        self.raw = raw
        self.limit = limit
        self.filename = filename
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size and size > 0 else 65536)
        self.count += len(chunk)
        if self.count > self.limit:
            raise InvalidDocument(self.filename, f"larger than the limit of {self.limit} bytes")
        return chunk


def iter_document(
    stream: BinaryIO,
    filename: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    default_agency: str = "unbekannt",
) -> Iterator[Event]:
    """Parse one XZuFi document; yield events in document order. Raises InvalidDocument."""
    reader = _CappedReader(stream, max_bytes, filename)
    context = etree.iterparse(
        reader,
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    ctx: Ctx | None = None
    try:
        for event, el in context:
            if ctx is None:
                ctx = _start_document(el, filename, default_agency)
                continue
            if event != "end" or namespace(el.tag) != ctx.ns:
                continue
            name = localname(el.tag)
            if name == "schreibe":
                yield from _schreibe(el, ctx)
            elif name == "loesche":
                yield from _loesche(el, ctx)
            else:
                continue
            _release(el)
    except etree.XMLSyntaxError as exc:
        raise InvalidDocument(filename, f"not well-formed XML: {_syntax_message(exc)}") from None
    except InvalidDocument:
        raise
    except (ValueError, LookupError) as exc:  # e.g. an unknown encoding declaration
        raise InvalidDocument(filename, f"cannot be read: {exc}") from None
    if ctx is None:
        raise InvalidDocument(filename, "empty document")


def _start_document(root: etree._Element, filename: str, default_agency: str) -> Ctx:
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise InvalidDocument(
            filename, "DOCTYPE declarations are not allowed (DTDs and entities are refused)"
        )
    ns = namespace(root.tag)
    if ns not in SUPPORTED:
        ns = next((uri for uri in (root.nsmap or {}).values() if uri in SUPPORTED), "")
    if not ns:
        raise InvalidDocument(
            filename,
            f"not an XZuFi 2.2.0 or 2.3.1 document (root element {localname(root.tag)!r}, "
            f"namespace {namespace(root.tag) or 'none'!r})",
        )
    return Ctx(ns, default_agency)


def _syntax_message(exc: etree.XMLSyntaxError) -> str:
    msg = str(exc.msg or exc)
    line = getattr(exc, "lineno", None)
    return f"{msg} (line {line})" if line else msg


def _release(el: etree._Element) -> None:
    """Free what has been read: the element itself and every earlier sibling."""
    el.clear(keep_tail=False)
    parent = el.getparent()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def _fragment(el: etree._Element) -> str:
    raw = etree.tostring(el, encoding="unicode")
    return raw if len(raw) <= FRAGMENT_MAX else raw[:FRAGMENT_MAX] + "\n<!-- truncated -->"


def _schreibe(el: etree._Element, ctx: Ctx) -> Iterator[Event]:
    for child in el:
        if not isinstance(child.tag, str):
            continue
        name = localname(child.tag)
        klasse = {
            "leistung": "Leistung",
            "organisationseinheit": "Organisationseinheit",
            "onlinedienst": "Onlinedienst",
            "zustaendigkeitTransferObjekt": "Zustaendigkeit",
        }.get(name)
        if klasse is None:
            yield Warnung(
                None, record_id_guess(child, ctx), f"schreibe/{name} is not supported and was skipped"
            )
            continue
        try:
            yield from _record(child, klasse, ctx)
        except (RecordError, ValidationError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, RecordError) else _validation_reason(exc)
            record_id = (exc.record_id if isinstance(exc, RecordError) else None) or record_id_guess(
                child, ctx
            )
            yield Quarantaene(klasse, record_id, reason, _fragment(child))


def _record(el: etree._Element, klasse: str, ctx: Ctx) -> Iterator[Event]:
    if klasse == "Leistung":
        leistung = parse_leistung(el, ctx)
        yield Schreibe(klasse, leistung)
        for message in html_warnings(leistung):
            yield Warnung(klasse, leistung.ref.key, message)
    elif klasse == "Organisationseinheit":
        oe, zustaendigkeiten = parse_organisationseinheit(el, ctx)
        yield Schreibe(klasse, oe, eingebettet=tuple(zustaendigkeiten))
    elif klasse == "Onlinedienst":
        yield Schreibe(klasse, parse_onlinedienst(el, ctx))
    else:
        for z in parse_zustaendigkeit_transfer(el, ctx):
            yield Schreibe(klasse, z)


def _loesche(el: etree._Element, ctx: Ctx) -> Iterator[Event]:
    klasse_attr = el.get("klasse") or ""
    ids = ctx.all(el, "id")
    if klasse_attr in UNSUPPORTED_KLASSEN:
        yield Warnung(
            klasse_attr, None, f"loesche of klasse {klasse_attr!r} is not supported and was skipped"
        )
        return
    klasse = LOESCHE_KLASSEN.get(klasse_attr)
    if klasse is None:
        yield Quarantaene(None, None, f"loesche with unknown klasse {klasse_attr!r}", _fragment(el))
        return
    if not ids:
        yield Quarantaene(klasse, None, "loesche without id", _fragment(el))
        return
    for id_el in ids:
        try:
            ref = ref_of(id_el, ctx)
        except (ValidationError, ValueError) as exc:
            yield Quarantaene(klasse, None, f"loesche: {_validation_reason(exc)}", _fragment(el))
            continue
        if ref is None:
            yield Quarantaene(klasse, None, "loesche with an empty id", _fragment(el))
            continue
        yield Loesche(klasse, ref)


def _validation_reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}" for err in exc.errors()
        )
    return str(exc)


_RISKY = [
    (re.compile(r"<\s*script", re.I), "a script element"),
    (re.compile(r"<\s*(iframe|object|embed|frame)", re.I), "an embedded frame or object"),
    (re.compile(r"<\s*style|style\s*=", re.I), "style markup"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an event handler attribute"),
    (re.compile(r"(javascript|vbscript|data)\s*:", re.I), "a javascript:, vbscript: or data: URL"),
    (
        re.compile(r"<\s*(form|input|button|meta|link|base|svg)\b", re.I),
        "a form, meta, link, base or svg element",
    ),
]


def html_warnings(leistung: Leistung) -> Iterator[str]:
    """Say which texts hold markup that the renderer's sanitiser will remove (the data is kept as sent)."""
    sources = [(f"Textmodul {m.value}", t) for m, t in leistung.texte.items()]
    sources += [
        ("Kosten", leistung.kosten_text),
        ("Fristen", leistung.fristen_text),
        ("Bearbeitungsdauer", leistung.bearbeitungsdauer_text),
    ]
    for label, texts in sources:
        for lang, html in sorted(texts.root.items()):
            found = [what for pattern, what in _RISKY if pattern.search(html)]
            if found:
                yield f"{label} ({lang}) contains {', '.join(found)}: removed when rendered"
