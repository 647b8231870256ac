"""Write models as an XZuFi 2.2.0 transfer message (``schreibe``/``loesche``), the way a Redaktionssystem exports.

Used for the bundled demo export and the Hessen-scale generator; the parser reads back exactly what this
writes (a round-trip test holds both to that). Output is deterministic: same models, same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from lxml import etree

from content_sync.models import (
    Anschrift,
    Code,
    Dauer,
    Frist,
    Hyperlink,
    Kommunikation,
    Kosten,
    Kostenart,
    Leistung,
    Mehrsprachig,
    ObjektRef,
    Onlinedienst,
    Organisationseinheit,
    Textmodul,
    Versionsinformation,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.xzufi.codes import (
    ANSCHRIFTTYP_LIST,
    KANAL_CODE,
    LEISTUNGSADRESSAT_LIST,
    ONLINEDIENSTLINKTYP_LIST,
    TEXTMODUL_LIST,
    VERTRAUENSNIVEAU_LIST,
)
from content_sync.xzufi.namespaces import XSI, XZUFI_2_2_0

NS = XZUFI_2_2_0
NSMAP = {"xzufi": NS, "xsi": XSI}


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _sub(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, _q(name), {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def _id(parent: etree._Element, name: str, ref: ObjektRef, scheme_id: str | None = None) -> None:
    attrs = {"schemeAgencyID": ref.agency}
    if scheme_id:
        attrs["schemeID"] = scheme_id
    _sub(parent, name, ref.id, **attrs)


def _code(
    parent: etree._Element, name: str, code: str, list_uri: str | None = None, label: str | None = None
):
    el = _sub(parent, name, **({"listURI": list_uri} if list_uri else {}))
    etree.SubElement(el, "code").text = code  # XÖV: code children are not namespaced
    if label:
        etree.SubElement(el, "name").text = label
    return el


def _texts(parent: etree._Element, name: str, texts: Mehrsprachig) -> None:
    for lang, value in sorted(texts.root.items()):
        _sub(parent, name, value, languageCode=lang)


def _links(parent: etree._Element, name: str, links: Iterable[Hyperlink]) -> None:
    for link in links:
        el = _sub(parent, name, **({"languageCode": link.sprache} if link.sprache else {}))
        _sub(el, "uri", link.uri)
        if link.titel:
            _sub(el, "titel", link.titel)
        if link.beschreibung:
            _sub(el, "beschreibung", link.beschreibung)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _version(parent: etree._Element, v: Versionsinformation | None) -> None:
    if v is None:
        return
    el = _sub(parent, "versionsinformation")
    if v.erstellt:
        _sub(el, "erstelltDatumZeit", _iso(v.erstellt))
    if v.geaendert:
        _sub(el, "geaendertDatumZeit", _iso(v.geaendert))
    if v.version:
        _sub(el, "version", v.version)


def _dauer(el: etree._Element, d: Dauer) -> None:
    if d.stichtag_von or d.stichtag_bis:
        st = _sub(el, "fristStichtag")
        if d.stichtag_von:
            _sub(st, "von", d.stichtag_von)
        if d.stichtag_bis:
            _sub(st, "bis", d.stichtag_bis)
    if d.dauer is not None:
        fd = _sub(el, "fristDauer")
        _sub(fd, "dauer", str(d.dauer))
        if d.einheit:
            _sub(fd, "einheit", d.einheit.value)
        if d.dauer_bis is not None:
            _sub(fd, "dauerBis", str(d.dauer_bis))
        if d.einheit_bis:
            _sub(fd, "einheitBis", d.einheit_bis.value)
    _texts(el, "beschreibung", d.beschreibung)


def _kosten(parent: etree._Element, k: Kosten) -> None:
    el = _sub(parent, "kosten")
    if k.typ:
        _code(el, "typ", k.typ)
    if k.art is Kostenart.FIX and k.betrag is not None:
        _sub(el, "betrag", f"{k.betrag:.2f}", waehrung=k.waehrung)
    elif k.art is Kostenart.VARIABEL:
        if k.betrag is not None:
            _sub(el, "betragUntergrenze", f"{k.betrag:.2f}", waehrung=k.waehrung)
        if k.betrag_bis is not None:
            _sub(el, "betragObergrenze", f"{k.betrag_bis:.2f}", waehrung=k.waehrung)
    if k.vorkasse is not None:
        _sub(el, "vorkasse", "true" if k.vorkasse else "false")
    _texts(el, "beschreibung", k.beschreibung)


def leistung_element(lb: Leistung) -> etree._Element:
    el = etree.Element(_q("leistung"), nsmap=NSMAP)
    _id(el, "id", lb.ref)
    for key in lb.leika:
        _code(el, "referenzLeiKa", key, "urn:de:fim:leika:leistung")
    position = 0
    for modul in Textmodul:
        texts = lb.texte.get(modul)
        links = lb.modul_links.get(modul, ())
        if not texts and not links:
            continue
        position += 1
        m = _sub(el, "modulText")
        _sub(m, "positionDarstellung", str(position))
        _code(m, "leikaTextmodul", modul.value, TEXTMODUL_LIST)
        _texts(m, "inhalt", texts or Mehrsprachig({}))
        _links(m, "weiterfuehrenderLink", links)
    if lb.fristen or lb.fristen_text:
        m = _sub(el, "modulFrist")
        for f in lb.fristen:
            fe = _sub(m, "frist")
            if isinstance(f, Frist) and f.typ:
                _code(fe, "typ", f.typ)
            _dauer(fe, f)
        _texts(m, "beschreibung", lb.fristen_text)
    if lb.kosten or lb.kosten_text:
        m = _sub(el, "modulKosten")
        for k in lb.kosten:
            _kosten(m, k)
        _texts(m, "beschreibung", lb.kosten_text)
    if lb.bearbeitungsdauer or lb.bearbeitungsdauer_text:
        m = _sub(el, "modulBearbeitungsdauer")
        for d in lb.bearbeitungsdauer:
            _dauer(_sub(m, "bearbeitungsdauer"), d)
        _texts(m, "beschreibung", lb.bearbeitungsdauer_text)
    if lb.begriffe:
        m = _sub(el, "modulBegriffImKontext")
        for b in lb.begriffe:
            be = _sub(m, "begriffImKontext")
            _sub(be, "begriff", b.begriff, languageCode=b.sprache)
            if b.typ:
                _code(be, "typ", b.typ)
    if lb.fachliche_freigabe:
        m = _sub(el, "modulFachlicheFreigabe")
        if lb.fachliche_freigabe.am:
            _sub(m, "fachlichFreigegebenAm", lb.fachliche_freigabe.am.isoformat())
        _texts(m, "fachlichFreigegebenDurch", lb.fachliche_freigabe.durch)
    _links(el, "modulUrsprungsportal", lb.ursprungsportal)
    for t in lb.typisierung:
        _code(el, "typisierung", t, "urn:de:fim:leika:typisierung")
    if lb.vertrauensniveau:
        _code(el, "vertrauensniveau", lb.vertrauensniveau, VERTRAUENSNIVEAU_LIST)
    for a in lb.adressaten:
        _code(el, "leistungsadressat", a.value, LEISTUNGSADRESSAT_LIST)
    for k in lb.kategorien:
        ke = _sub(el, "kategorie")
        _sub(ke, "id", k.id)
        if k.uebergeordnet:
            _sub(ke, "uebergeordneteKategorieID", k.uebergeordnet)
        if k.klasse:
            _code(ke, "klasse", k.klasse)
        _texts(ke, "bezeichnung", k.bezeichnung)
    for c in lb.klassifizierung:
        _write_code(el, "klassifizierung", c)
    for z in lb.gueltigkeit:
        ze = _sub(el, "gueltigkeit")
        if z.beginn:
            _sub(ze, "beginn", _iso(z.beginn))
        if z.ende:
            _sub(ze, "ende", _iso(z.ende))
    for g in lb.gueltigkeit_gebiete:
        _sub(el, "gueltigkeitGebietID", g)
    _version(el, lb.versionsinformation)
    for lang in lb.sprachversionen:
        sv = _sub(el, "sprachversion")
        _sub(sv, "languageCode", lang)
    return el


def _write_code(parent: etree._Element, name: str, c: Code) -> None:
    _code(parent, name, c.code, c.list_uri, c.name)


def _kommunikation(parent: etree._Element, items: Iterable[Kommunikation]) -> None:
    for k in items:
        ke = _sub(parent, "kommunikation")
        _code(ke, "kanal", KANAL_CODE.get(k.kanal, k.kanal.value), "urn:xoev-de:fim:codeliste:xzufi.kanal")
        _sub(ke, "kennung", k.kennung)
        _texts(ke, "zusatz", k.zusatz)


def _anschrift(parent: etree._Element, a: Anschrift) -> None:
    el = _sub(parent, "anschrift")
    if a.typ:
        el_typ = _code(el, "typ", a.typ.value, ANSCHRIFTTYP_LIST)
        el_typ.set("listVersionID", "2.0")
    for name, value in (
        ("strasse", a.strasse),
        ("hausnummer", a.hausnummer),
        ("postfach", a.postfach),
        ("postleitzahl", a.plz),
        ("ort", a.ort),
    ):
        if value:
            _sub(el, name, value)
    if a.ars:
        vk = _sub(el, "verwaltungspolitischeKodierung")
        _code(vk, "regionalschluessel", a.ars, "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs")
    _texts(el, "zusatz", a.zusatz)


def organisationseinheit_element(oe: Organisationseinheit, zustaendigkeiten: Iterable[Zustaendigkeit] = ()):
    el = etree.Element(_q("organisationseinheit"), nsmap=NSMAP)
    el.set(f"{{{XSI}}}type", "xzufi:OrganisationseinheitErweitert")
    _id(el, "id", oe.ref)
    name = _sub(el, "name")
    _texts(name, "name", oe.namen)
    _texts(el, "beschreibung", oe.beschreibung)
    if oe.uebergeordnet:
        _id(el, "uebergeordneteOrganisationseinheitID", oe.uebergeordnet)
    for a in oe.anschriften:
        _anschrift(el, a)
    _kommunikation(el, oe.kommunikation)
    if oe.oeffnungszeiten or oe.oeffnungszeiten_text:
        oz = _sub(el, "oeffnungszeiten")
        for z in oe.oeffnungszeiten:
            ze = _sub(oz, "oeffnungszeit")
            _code(ze, "wochentag", z.tag.value)
            _sub(ze, "von", z.von.strftime("%H:%M"))
            _sub(ze, "bis", z.bis.strftime("%H:%M"))
        _texts(oz, "hinweis", oe.oeffnungszeiten_text)
    for ap in oe.ansprechpunkte:
        ae = _sub(el, "ansprechpunkt")
        _texts(ae, "bezeichnung", ap.bezeichnung)
        _kommunikation(ae, ap.kommunikation)
    _texts(el, "hinweisBarrierefreiheit", oe.barrierefreiheit)
    for z in zustaendigkeiten:
        ze = _sub(el, "zustaendigkeit")
        _id(ze, "id", z.ref, "ZustaendigkeitOrganisationseinheit")
        _id(ze, "leistungID", z.leistung)
        for g in z.gebiete:
            _sub(ze, "gebietID", g)
        if z.rolle:
            _write_code(ze, "rolle", z.rolle)
    _version(el, oe.versionsinformation)
    return el


def onlinedienst_element(od: Onlinedienst) -> etree._Element:
    el = etree.Element(_q("onlinedienst"), nsmap=NSMAP)
    el.set(f"{{{XSI}}}type", "xzufi:OnlinedienstErweitert")
    _id(el, "id", od.ref)
    _texts(el, "bezeichnung", od.namen)
    for link in od.links:
        le = _sub(el, "link")
        if link.typ:
            _code(le, "typ", link.typ, ONLINEDIENSTLINKTYP_LIST)
        _sub(le, "link", link.uri)
        if link.titel:
            _sub(le, "titel", link.titel)
        if link.sprache:
            _sub(le, "languageCode", link.sprache)
    if od.vertrauensniveau:
        _code(el, "vertrauensniveau", od.vertrauensniveau, VERTRAUENSNIVEAU_LIST)
    for lang in od.sprachversionen:
        sv = _sub(el, "sprachversion")
        _sub(sv, "languageCode", lang)
    _version(el, od.versionsinformation)
    return el


def zustaendigkeit_transfer_element(ziel: ObjektRef, items: Iterable[Zustaendigkeit]) -> etree._Element:
    el = etree.Element(_q("zustaendigkeitTransferObjekt"), nsmap=NSMAP)
    _id(el, "uebergeordnetesObjektID", ziel)
    for z in items:
        ze = _sub(el, "zustaendigkeit")
        schema = (
            "ZustaendigkeitOnlinedienst"
            if z.ziel_art is ZielArt.ONLINEDIENST
            else "ZustaendigkeitOrganisationseinheit"
        )
        _id(ze, "id", z.ref, schema)
        _id(ze, "leistungID", z.leistung)
        for g in z.gebiete:
            _sub(ze, "gebietID", g)
        if z.rolle:
            _write_code(ze, "rolle", z.rolle)
    return el


def message(
    schreibe: Iterable[etree._Element],
    loesche: Iterable[tuple[str, ObjektRef]] = (),
    *,
    erstellt: datetime,
    nachricht_id: str,
    sender: str = "Landesredaktion Hessen (Demo)",
) -> bytes:
    """A whole transfer message as UTF-8 bytes with XML declaration."""
    root = etree.Element(_q("xzufi.transfer.schreibeLoesche"), nsmap=NSMAP)
    root.set("xzufiVersion", "2.2.0")
    root.set("produktbezeichnung", "Demo-Redaktionssystem")
    root.set("produkthersteller", "Verwaltungsportal-Projekt")
    kopf = _sub(root, "nachrichtenkopf")
    _sub(kopf, "nachrichtUUID", nachricht_id)
    _sub(kopf, "erstelltDatumZeit", erstellt.isoformat())
    _sub(kopf, "sender", sender)
    for obj in schreibe:
        wrapper = _sub(root, "schreibe")
        wrapper.append(obj)
    for klasse, ref in loesche:
        le = _sub(root, "loesche", klasse=klasse)
        _id(le, "id", ref)
    etree.cleanup_namespaces(root, top_nsmap=NSMAP)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
