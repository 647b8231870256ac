"""One function per XZuFi element: lxml element in, validated model out.

Every element may repeat; every text comes per ``languageCode``; the children ``code`` and ``name`` of code
types are not namespaced (XÖV convention), so lookups accept both. Element order is never relied upon.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from lxml import etree
from pydantic import BaseModel, ValidationError

from content_sync.errors import RecordError
from content_sync.models import (
    Ansprechpunkt,
    Begriff,
    Code,
    FachlicheFreigabe,
    Hyperlink,
    Kategorie,
    Kommunikation,
    Kostenart,
    Leistung,
    Leistungsadressat,
    Mehrsprachig,
    ObjektRef,
    Onlinedienst,
    OnlinedienstLink,
    Organisationseinheit,
    Textmodul,
    Versionsinformation,
    Zeitraum,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.xzufi.codes import KANAL, normalise_language
from content_sync.xzufi.namespaces import ARS_URN_PREFIX, XSI, localname

Element = etree._Element
M = TypeVar("M", bound=BaseModel)


class Ctx:
    """What element functions need to know about the document: its namespace and the fallback agency."""

    def __init__(self, ns: str, default_agency: str) -> None:
        self.ns = ns
        self.default_agency = default_agency

    def all(self, el: Element, name: str) -> list[Element]:
        """Children with local name ``name`` in the document's namespace or in none."""
        return [c for c in el if isinstance(c.tag, str) and c.tag in (f"{{{self.ns}}}{name}", name)]

    def one(self, el: Element, name: str) -> Element | None:
        found = self.all(el, name)
        return found[0] if found else None

    def path(self, el: Element, *names: str) -> list[Element]:
        current = [el]
        for name in names:
            current = [c for parent in current for c in self.all(parent, name)]
        return current


# --- small value readers -------------------------------------------------------------------------------------


def text_of(el: Element | None) -> str | None:
    """The element's text; if it holds markup as child elements, that markup serialised."""
    if el is None:
        return None
    if len(el) == 0:
        value = el.text or ""
    else:
        parts = [el.text or ""]
        for child in el:
            raw = etree.tostring(child, encoding="unicode", with_tail=True)
            parts.append(raw)
        value = "".join(parts)
    value = value.strip()
    return value or None


def sprache_of(el: Element, ctx: Ctx) -> str:
    attr = el.get("languageCode")
    if attr is None:
        child = ctx.one(el, "languageCode")
        attr = text_of(child)
    try:
        return normalise_language(attr)
    except ValueError as exc:
        raise RecordError(str(exc)) from None


def mehrsprachig(elements: Iterable[Element], ctx: Ctx) -> Mehrsprachig:
    """Texts per ``languageCode``; repeated texts of one language are joined in document order."""
    out: dict[str, str] = {}
    for el in elements:
        value = text_of(el)
        if value is None:
            continue
        lang = sprache_of(el, ctx)
        out[lang] = f"{out[lang]}\n{value}" if lang in out else value
    return Mehrsprachig(out)


def code_of(el: Element | None, ctx: Ctx) -> Code | None:
    if el is None:
        return None
    value = text_of(ctx.one(el, "code"))
    if value is None:
        return None
    return Code(list_uri=el.get("listURI"), code=value, name=text_of(ctx.one(el, "name")))


def codes_of(elements: Iterable[Element], ctx: Ctx) -> tuple[Code, ...]:
    return tuple(c for c in (code_of(e, ctx) for e in elements) if c is not None)


def ref_of(el: Element | None, ctx: Ctx, default_agency: str | None = None) -> ObjektRef | None:
    value = text_of(el)
    if el is None or value is None:
        return None
    agency = el.get("schemeAgencyID") or default_agency or ctx.default_agency
    return ObjektRef(agency=agency.strip(), id=value)


def required_ref(el: Element, ctx: Ctx, what: str) -> ObjektRef:
    ref = ref_of(ctx.one(el, "id"), ctx)
    if ref is None:
        raise RecordError(f"{what} without id")
    return ref


def parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise RecordError(f"invalid date {value!r}") from None


def parse_datetime(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"invalid date-time {value!r}") from None


def parse_decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise RecordError(f"invalid amount {value!r}") from None


def parse_int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise RecordError(f"invalid number {value!r}") from None


def ars_of(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith(ARS_URN_PREFIX):
        value = value[len(ARS_URN_PREFIX) :]
    return value


def links_of(elements: Iterable[Element], ctx: Ctx) -> tuple[Hyperlink, ...]:
    out = []
    for el in elements:
        uri = text_of(ctx.one(el, "uri"))
        if uri is None:
            continue
        lang = el.get("languageCode") or text_of(ctx.one(el, "languageCode"))
        out.append(
            Hyperlink(
                uri=uri,
                titel=text_of(ctx.one(el, "titel")),
                beschreibung=text_of(ctx.one(el, "beschreibung")),
                sprache=normalise_language(lang) if lang else None,
            )
        )
    return tuple(out)


def _validate(model: type[M], data: dict[str, Any], record_id: str | None) -> M:
    try:
        return model(**data)
    except ValidationError as exc:
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'record'}: {err['msg']}" for err in exc.errors()
        )
        raise RecordError(reasons, record_id) from None


# --- Leistung ------------------------------------------------------------------------------------------------


def _dauer_fields(el: Element, ctx: Ctx) -> dict[str, Any]:
    """Fields of a Frist/Bearbeitungsdauer: ``fristDauer`` or ``fristStichtag``, or the fields directly."""
    dauer = ctx.one(el, "fristDauer")
    stichtag = ctx.one(el, "fristStichtag")
    src = dauer if dauer is not None else el
    fields: dict[str, Any] = {
        "dauer": parse_int(text_of(ctx.one(src, "dauer"))),
        "einheit": _einheit(ctx.one(src, "einheit"), ctx),
        "dauer_bis": parse_int(text_of(ctx.one(src, "dauerBis"))),
        "einheit_bis": _einheit(ctx.one(src, "einheitBis"), ctx),
        "beschreibung": mehrsprachig(ctx.all(el, "beschreibung"), ctx),
    }
    if stichtag is not None:
        fields["stichtag_von"] = text_of(ctx.one(stichtag, "von"))
        fields["stichtag_bis"] = text_of(ctx.one(stichtag, "bis"))
    return fields


def _einheit(el: Element | None, ctx: Ctx) -> str | None:
    if el is None:
        return None
    code = code_of(el, ctx)
    value = code.code if code else text_of(el)
    return value.upper() if value else None


def _kosten(el: Element, ctx: Ctx) -> dict[str, Any]:
    typ = code_of(ctx.one(el, "typ"), ctx)
    betrag_el = ctx.one(el, "betrag")
    unter = ctx.one(el, "betragUntergrenze")
    ober = ctx.one(el, "betragObergrenze")
    frei = ctx.all(el, "beschreibungKostenfreiheit")
    variabel = ctx.all(el, "beschreibungVariabilitaet")
    fields: dict[str, Any] = {"typ": typ.code if typ else None}
    waehrung_el = betrag_el if betrag_el is not None else unter if unter is not None else ober
    if waehrung_el is not None:
        fields["waehrung"] = waehrung_el.get("waehrung") or waehrung_el.get("currencyCode") or "EUR"
    if betrag_el is not None:
        fields.update(art=Kostenart.FIX, betrag=parse_decimal(text_of(betrag_el)))
    elif unter is not None or ober is not None or variabel:
        fields.update(
            art=Kostenart.VARIABEL,
            betrag=parse_decimal(text_of(unter)),
            betrag_bis=parse_decimal(text_of(ober)),
        )
    else:
        fields["art"] = Kostenart.FREI
    vorkasse = text_of(ctx.one(el, "vorkasse"))
    if vorkasse is not None:
        fields["vorkasse"] = vorkasse.lower() in ("true", "1")
    fields["beschreibung"] = mehrsprachig([*ctx.all(el, "beschreibung"), *frei, *variabel], ctx)
    return fields


def parse_leistung(el: Element, ctx: Ctx) -> Leistung:
    ref = required_ref(el, ctx, "Leistung")
    rid = ref.key
    texte: dict[Textmodul, dict[str, str]] = {}
    modul_links: dict[Textmodul, list[Hyperlink]] = {}
    for modul in ctx.all(el, "modulText"):
        code = code_of(ctx.one(modul, "leikaTextmodul"), ctx)
        if code is None:
            raise RecordError("modulText without leikaTextmodul/code", rid)
        try:
            key = Textmodul(code.code)
        except ValueError:
            raise RecordError(f"unknown LeiKa-Textmodul code {code.code!r}", rid) from None
        for lang, value in mehrsprachig(ctx.all(modul, "inhalt"), ctx).root.items():
            bucket = texte.setdefault(key, {})
            bucket[lang] = f"{bucket[lang]}\n{value}" if lang in bucket else value
        links = links_of(ctx.all(modul, "weiterfuehrenderLink"), ctx)
        if links:
            modul_links.setdefault(key, []).extend(links)

    leika = [c.code for c in codes_of(ctx.all(el, "referenzLeiKa"), ctx)]
    leika += [v for v in (text_of(e) for e in ctx.all(el, "referenzLeistungsschluessel")) if v]

    kosten, kosten_text = [], []
    for modul in ctx.all(el, "modulKosten"):
        kosten += [_kosten(k, ctx) for k in ctx.all(modul, "kosten")]
        kosten_text += ctx.all(modul, "beschreibung")
    fristen, fristen_text = [], []
    for modul in ctx.all(el, "modulFrist"):
        for f in ctx.all(modul, "frist"):
            typ = code_of(ctx.one(f, "typ"), ctx)
            fristen.append({**_dauer_fields(f, ctx), "typ": typ.code if typ else None})
        fristen_text += ctx.all(modul, "beschreibung")
    dauer, dauer_text = [], []
    for modul in ctx.all(el, "modulBearbeitungsdauer"):
        dauer += [_dauer_fields(d, ctx) for d in ctx.all(modul, "bearbeitungsdauer")]
        dauer_text += ctx.all(modul, "beschreibung")

    begriffe = []
    for b in ctx.path(el, "modulBegriffImKontext", "begriffImKontext"):
        typ = code_of(ctx.one(b, "typ"), ctx)
        for wort in ctx.all(b, "begriff"):
            value = text_of(wort)
            if value:
                begriffe.append(
                    Begriff(begriff=value, sprache=sprache_of(wort, ctx), typ=typ.code if typ else None)
                )

    freigabe = None
    for modul in ctx.all(el, "modulFachlicheFreigabe"):
        freigabe = FachlicheFreigabe(
            am=parse_date(text_of(ctx.one(modul, "fachlichFreigegebenAm"))),
            durch=mehrsprachig(ctx.all(modul, "fachlichFreigegebenDurch"), ctx),
        )

    ursprung = links_of(ctx.all(el, "modulUrsprungsportal"), ctx)
    kategorien = [
        Kategorie(
            id=text_of(ctx.one(k, "id")) or "",
            uebergeordnet=text_of(ctx.one(k, "uebergeordneteKategorieID")),
            klasse=_kategorie_klasse(ctx.one(k, "klasse"), ctx),
            bezeichnung=mehrsprachig(ctx.all(k, "bezeichnung"), ctx),
        )
        for k in ctx.all(el, "kategorie")
        if text_of(ctx.one(k, "id"))
    ]
    adressaten = []
    for code in codes_of(ctx.all(el, "leistungsadressat"), ctx):
        try:
            adressaten.append(Leistungsadressat(code.code))
        except ValueError:
            raise RecordError(f"unknown Leistungsadressat code {code.code!r}", rid) from None
    vn = code_of(ctx.one(el, "vertrauensniveau"), ctx)
    data = {
        "ref": ref,
        "leika": tuple(leika),
        "texte": {k: Mehrsprachig(v) for k, v in sorted(texte.items())},
        "modul_links": {k: tuple(v) for k, v in sorted(modul_links.items())},
        "kosten": tuple(kosten),
        "kosten_text": mehrsprachig(kosten_text, ctx),
        "fristen": tuple(fristen),
        "fristen_text": mehrsprachig(fristen_text, ctx),
        "bearbeitungsdauer": tuple(dauer),
        "bearbeitungsdauer_text": mehrsprachig(dauer_text, ctx),
        "begriffe": tuple(begriffe),
        "fachliche_freigabe": freigabe,
        "ursprungsportal": ursprung,
        "klassifizierung": codes_of(ctx.all(el, "klassifizierung"), ctx),
        "kategorien": tuple(kategorien),
        "adressaten": tuple(dict.fromkeys(adressaten)),
        "typisierung": tuple(c.code for c in codes_of(ctx.all(el, "typisierung"), ctx)),
        "vertrauensniveau": vn.code if vn else None,
        "gueltigkeit": tuple(_zeitraeume(ctx.all(el, "gueltigkeit"), ctx)),
        "gueltigkeit_gebiete": tuple(
            a for a in (ars_of(text_of(g)) for g in ctx.all(el, "gueltigkeitGebietID")) if a
        ),
        "versionsinformation": _versionsinformation(el, ctx),
        "sprachversionen": tuple(sprache_of(s, ctx) for s in ctx.all(el, "sprachversion")),
    }
    if not leika:
        raise RecordError("Leistung without LeiKa key (referenzLeiKa/code)", rid)
    return _validate(Leistung, data, rid)


def _kategorie_klasse(el: Element | None, ctx: Ctx) -> str | None:
    if el is None:
        return None
    code = code_of(el, ctx)
    if code is not None:
        return code.code
    return text_of(ctx.one(el, "id")) or text_of(el)


def _zeitraeume(elements: Iterable[Element], ctx: Ctx) -> Iterator[Zeitraum]:
    for el in elements:
        yield Zeitraum(
            beginn=parse_datetime(text_of(ctx.one(el, "beginn"))),
            ende=parse_datetime(text_of(ctx.one(el, "ende"))),
        )


def _versionsinformation(el: Element, ctx: Ctx) -> Versionsinformation | None:
    v = ctx.one(el, "versionsinformation")
    if v is None:
        v = ctx.one(el, "versionsinformationen")
    if v is None:
        return None
    return Versionsinformation(
        erstellt=parse_datetime(text_of(ctx.one(v, "erstelltDatumZeit"))),
        geaendert=parse_datetime(text_of(ctx.one(v, "geaendertDatumZeit"))),
        version=text_of(ctx.one(v, "version")),
    )


# --- Organisationseinheit ------------------------------------------------------------------------------------


def _kommunikation(elements: Iterable[Element], ctx: Ctx) -> list[Kommunikation]:
    out = []
    for k in elements:
        kanal = code_of(ctx.one(k, "kanal"), ctx)
        kennung = text_of(ctx.one(k, "kennung"))
        if kennung is None:
            continue
        key = (kanal.code if kanal else "").lower()
        out.append(
            Kommunikation(
                kanal=KANAL.get(key, "sonstiges"),
                kennung=kennung,
                zusatz=mehrsprachig(ctx.all(k, "zusatz"), ctx),
            )
        )
    return out


def _anschrift(el: Element, ctx: Ctx) -> dict[str, Any]:
    typ = code_of(ctx.one(el, "typ"), ctx)
    regional = ctx.path(el, "verwaltungspolitischeKodierung", "regionalschluessel")
    ars = code_of(regional[0], ctx) if regional else None
    return {
        "typ": typ.code if typ else None,
        "strasse": text_of(ctx.one(el, "strasse")),
        "hausnummer": text_of(ctx.one(el, "hausnummer")),
        "postfach": text_of(ctx.one(el, "postfach")),
        "plz": text_of(ctx.one(el, "postleitzahl")),
        "ort": text_of(ctx.one(el, "ort")),
        "ars": ars_of(ars.code) if ars else None,
        "zusatz": mehrsprachig(ctx.all(el, "zusatz"), ctx),
    }


def _oeffnungszeiten(el: Element, ctx: Ctx) -> tuple[list[dict[str, Any]], list[Element]]:
    zeiten, hinweise = [], []
    for block in ctx.all(el, "oeffnungszeiten"):
        for z in ctx.all(block, "oeffnungszeit"):
            tag = code_of(ctx.one(z, "wochentag"), ctx)
            zeiten.append(
                {
                    "tag": tag.code.upper() if tag else None,
                    "von": text_of(ctx.one(z, "von")),
                    "bis": text_of(ctx.one(z, "bis")),
                }
            )
        hinweise += ctx.all(block, "hinweis")
    return zeiten, hinweise


def parse_organisationseinheit(el: Element, ctx: Ctx) -> tuple[Organisationseinheit, list[Zustaendigkeit]]:
    ref = required_ref(el, ctx, "Organisationseinheit")
    rid = ref.key
    namen_el = [n2 for n in ctx.all(el, "name") for n2 in (ctx.all(n, "name") or [n])]
    zeiten, hinweise = _oeffnungszeiten(el, ctx)
    for z in zeiten:
        if z["tag"] is None or z["von"] is None or z["bis"] is None:
            raise RecordError("oeffnungszeit needs wochentag, von and bis", rid)
    data = {
        "ref": ref,
        "namen": mehrsprachig(namen_el, ctx),
        "beschreibung": mehrsprachig(ctx.all(el, "beschreibung"), ctx),
        "uebergeordnet": ref_of(ctx.one(el, "uebergeordneteOrganisationseinheitID"), ctx, ref.agency),
        "anschriften": tuple(_anschrift(a, ctx) for a in ctx.all(el, "anschrift")),
        "kommunikation": tuple(_kommunikation(ctx.all(el, "kommunikation"), ctx)),
        "oeffnungszeiten": tuple(zeiten),
        "oeffnungszeiten_text": mehrsprachig(hinweise, ctx),
        "ansprechpunkte": tuple(
            Ansprechpunkt(
                bezeichnung=mehrsprachig(ctx.all(a, "bezeichnung"), ctx),
                kommunikation=tuple(_kommunikation(ctx.all(a, "kommunikation"), ctx)),
            )
            for a in ctx.all(el, "ansprechpunkt")
        ),
        "barrierefreiheit": mehrsprachig(ctx.all(el, "hinweisBarrierefreiheit"), ctx),
        "versionsinformation": _versionsinformation(el, ctx),
    }
    if not data["namen"]:
        raise RecordError("Organisationseinheit without name", rid)
    oe = _validate(Organisationseinheit, data, rid)
    zustaendigkeiten = [
        _zustaendigkeit(z, ctx, ziel=ref, ziel_art=ZielArt.ORGANISATIONSEINHEIT, eingebettet=True)
        for z in ctx.all(el, "zustaendigkeit")
    ]
    return oe, zustaendigkeiten


# --- Onlinedienst --------------------------------------------------------------------------------------------


def parse_onlinedienst(el: Element, ctx: Ctx) -> Onlinedienst:
    ref = required_ref(el, ctx, "Onlinedienst")
    links = []
    for link in ctx.all(el, "link"):
        typ = code_of(ctx.one(link, "typ"), ctx)
        uri = text_of(ctx.one(link, "link"))
        if uri is None:
            continue
        lang = link.get("languageCode") or text_of(ctx.one(link, "languageCode"))
        links.append(
            OnlinedienstLink(
                typ=typ.code if typ else None,
                uri=uri,
                titel=text_of(ctx.one(link, "titel")),
                sprache=normalise_language(lang) if lang else None,
            )
        )
    vn = code_of(ctx.one(el, "vertrauensniveau"), ctx)
    data = {
        "ref": ref,
        "namen": mehrsprachig([*ctx.all(el, "bezeichnung"), *ctx.all(el, "name")], ctx),
        "links": tuple(links),
        "vertrauensniveau": vn.code if vn else None,
        "sprachversionen": tuple(sprache_of(s, ctx) for s in ctx.all(el, "sprachversion")),
        "versionsinformation": _versionsinformation(el, ctx),
    }
    if not data["namen"]:
        raise RecordError("Onlinedienst without bezeichnung", ref.key)
    return _validate(Onlinedienst, data, ref.key)


# --- Zustaendigkeit ------------------------------------------------------------------------------------------

SCHEMA_ZIEL = {
    "ZustaendigkeitOrganisationseinheit": ZielArt.ORGANISATIONSEINHEIT,
    "ZustaendigkeitOnlinedienst": ZielArt.ONLINEDIENST,
}


def _zustaendigkeit(
    el: Element, ctx: Ctx, *, ziel: ObjektRef, ziel_art: ZielArt, eingebettet: bool
) -> Zustaendigkeit:
    leistung = ref_of(ctx.one(el, "leistungID"), ctx, ziel.agency)
    gebiete = tuple(a for a in (ars_of(text_of(g)) for g in ctx.all(el, "gebietID")) if a)
    id_el = ctx.one(el, "id")
    ref = ref_of(id_el, ctx, ziel.agency)
    if leistung is None:
        raise RecordError(f"Zustaendigkeit of {ziel.key} without leistungID", ref.key if ref else None)
    if ref is None:
        # Embedded Zustaendigkeiten often carry no id of their own: derive a stable one.
        digest = hashlib.sha256(f"{ziel.key}|{leistung.key}|{','.join(gebiete)}".encode()).hexdigest()[:16]
        ref = ObjektRef(agency=ziel.agency, id=f"zst-{digest}")
    rolle = code_of(ctx.one(el, "rolle"), ctx)
    data = {
        "ref": ref,
        "leistung": leistung,
        "ziel": ziel,
        "ziel_art": ziel_art,
        "gebiete": gebiete,
        "rolle": rolle,
        "eingebettet": eingebettet,
    }
    if not gebiete:
        raise RecordError(f"Zustaendigkeit {ref.key} without gebietID", ref.key)
    return _validate(Zustaendigkeit, data, ref.key)


def parse_zustaendigkeit_transfer(el: Element, ctx: Ctx) -> list[Zustaendigkeit]:
    ziel = ref_of(ctx.one(el, "uebergeordnetesObjektID"), ctx)
    if ziel is None:
        raise RecordError("zustaendigkeitTransferObjekt without uebergeordnetesObjektID")
    out = []
    for z in ctx.all(el, "zustaendigkeit"):
        id_el = ctx.one(z, "id")
        schema = id_el.get("schemeID") if id_el is not None else None
        ziel_art = SCHEMA_ZIEL.get(schema or "", ZielArt.ORGANISATIONSEINHEIT)
        if schema and schema not in SCHEMA_ZIEL:
            raise RecordError(f"unknown Zustaendigkeit schemeID {schema!r}", text_of(id_el))
        out.append(_zustaendigkeit(z, ctx, ziel=ziel, ziel_art=ziel_art, eingebettet=False))
    return out


def xsi_type(el: Element) -> str | None:
    return el.get(f"{{{XSI}}}type")


def record_id_guess(el: Element, ctx: Ctx) -> str | None:
    """Best-effort id of a broken record, for the quarantine message."""
    try:
        ref = ref_of(ctx.one(el, "id"), ctx) or ref_of(ctx.one(el, "uebergeordnetesObjektID"), ctx)
    except Exception:
        return None
    return ref.key if ref else None


__all__ = [
    "Ctx",
    "localname",
    "parse_leistung",
    "parse_onlinedienst",
    "parse_organisationseinheit",
    "parse_zustaendigkeit_transfer",
    "record_id_guess",
]
