"""The parser, element by element, for XZuFi 2.2.0 and 2.3.1."""

from __future__ import annotations

import io
from datetime import date, time
from decimal import Decimal

import pytest

from content_sync.errors import InvalidDocument
from content_sync.models import (
    Kanal,
    Kostenart,
    Leistung,
    Leistungsadressat,
    Onlinedienst,
    Organisationseinheit,
    Textmodul,
    Wochentag,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.xzufi import Loesche, Quarantaene, Schreibe, Warnung, iter_document
from tests.conftest import NS22, NS231, document, leistung_xml, oe_xml, zst_xml

VERSIONS = pytest.mark.parametrize("ns", [NS22, NS231], ids=["xzufi-2.2.0", "xzufi-2.3.1"])


def events(data: bytes, name: str = "test.xml", **kw):
    return list(iter_document(io.BytesIO(data), name, **kw))


def only(evts, kind, klasse=None):
    return [e for e in evts if isinstance(e, kind) and (klasse is None or e.klasse == klasse)]


def one_leistung(xml: str, ns: str = NS22) -> Leistung:
    evts = events(document(xml, ns=ns))
    assert not only(evts, Quarantaene), only(evts, Quarantaene)
    (s,) = only(evts, Schreibe, "Leistung")
    assert isinstance(s.obj, Leistung)
    return s.obj


@VERSIONS
def test_minimal_leistung(ns):
    lb = one_leistung(leistung_xml(), ns)
    assert lb.ref.key == "TEST:LB-1"
    assert lb.leika == ("99008001012000",)
    assert lb.namen.de == "Personalausweis beantragen"
    assert lb.kosten == () and lb.fristen == () and lb.fachliche_freigabe is None  # optional parts missing


@VERSIONS
def test_root_element_name_does_not_matter(ns):
    for root in ("transfer", "xzufi.transfer.schreibeLoesche", "irgendwas"):
        evts = events(document(leistung_xml(), ns=ns, root=root))
        assert len(only(evts, Schreibe)) == 1


def test_2_3_1_referenzLeistungsschluessel():
    xml = leistung_xml(leika="99008001012000").replace(
        '<x:referenzLeiKa listURI="urn:de:fim:leika:leistung"><code>99008001012000</code></x:referenzLeiKa>',
        '<x:referenzLeistungsschluessel schemeID="leika">99085001012000</x:referenzLeistungsschluessel>',
    )
    assert one_leistung(xml, NS231).leika == ("99085001012000",)


def test_repeated_leika_and_repeated_inhalt_per_language():
    xml = leistung_xml(
        extra="<x:referenzLeiKa><code>99008001012001</code></x:referenzLeiKa>",
        texts="""
        <x:modulText><x:leikaTextmodul><code>06</code></x:leikaTextmodul>
          <x:inhalt languageCode="de">&lt;p&gt;Erster Absatz&lt;/p&gt;</x:inhalt>
          <x:inhalt languageCode="en-GB">&lt;p&gt;English&lt;/p&gt;</x:inhalt>
          <x:inhalt languageCode="de">&lt;p&gt;Zweiter Absatz&lt;/p&gt;</x:inhalt>
          <x:inhalt languageCode="de-LS">&lt;p&gt;Leichte Sprache&lt;/p&gt;</x:inhalt>
        </x:modulText>
        <x:modulText><x:leikaTextmodul><code>06</code></x:leikaTextmodul>
          <x:inhalt languageCode="ar">&lt;p&gt;نص&lt;/p&gt;</x:inhalt>
        </x:modulText>""",
    )
    lb = one_leistung(xml)
    assert lb.leika == ("99008001012000", "99008001012001")
    volltext = lb.text(Textmodul.VOLLTEXT)
    assert volltext.get("de") == "<p>Erster Absatz</p>\n<p>Zweiter Absatz</p>"
    assert volltext.get("en") == "<p>English</p>"  # en-GB normalised
    assert volltext.get("de-x-ls") == "<p>Leichte Sprache</p>"  # Leichte Sprache spelling normalised
    assert volltext.get("ar") == "<p>نص</p>"


def test_name_falls_back_from_03_to_02_per_language():
    xml = leistung_xml(
        texts="""<x:modulText><x:leikaTextmodul><code>02</code></x:leikaTextmodul>
          <x:inhalt languageCode="de">Personalausweis Ausstellung</x:inhalt>
          <x:inhalt languageCode="en">Identity card issue</x:inhalt></x:modulText>"""
    )
    lb = one_leistung(xml)
    assert lb.namen.get("de") == "Personalausweis beantragen"  # 03 wins
    assert lb.namen.get("en") == "Identity card issue"  # only 02 in English


def test_text_modules_links_and_code_children_unqualified_or_qualified():
    xml = leistung_xml(
        texts="""<x:modulText><x:leikaTextmodul><x:code>08</x:code></x:leikaTextmodul>
          <x:inhalt languageCode="de">&lt;ul&gt;&lt;li&gt;Foto&lt;/li&gt;&lt;/ul&gt;</x:inhalt>
          <x:weiterfuehrenderLink languageCode="de"><x:uri>https://example.org/foto</x:uri>
             <x:titel>Fotomustertafel</x:titel></x:weiterfuehrenderLink>
        </x:modulText>"""
    )
    lb = one_leistung(xml)
    assert lb.text(Textmodul.UNTERLAGEN).de == "<ul><li>Foto</li></ul>"
    (link,) = lb.modul_links[Textmodul.UNTERLAGEN]
    assert (link.uri, link.titel, link.sprache) == ("https://example.org/foto", "Fotomustertafel", "de")


def test_kosten_fix_variabel_frei():
    xml = leistung_xml(
        extra="""<x:modulKosten>
          <x:kosten><x:typ><code>001</code></x:typ><x:betrag waehrung="EUR">37.00</x:betrag>
             <x:beschreibung languageCode="de">unter 24 Jahren 22,80 Euro</x:beschreibung></x:kosten>
          <x:kosten><x:betragUntergrenze>10</x:betragUntergrenze><x:betragObergrenze>50,5</x:betragObergrenze></x:kosten>
          <x:kosten><x:beschreibungKostenfreiheit languageCode="de">gebührenfrei</x:beschreibungKostenfreiheit></x:kosten>
          <x:beschreibung languageCode="de">&lt;p&gt;Gebühren nach PAuswGebV&lt;/p&gt;</x:beschreibung>
        </x:modulKosten>"""
    )
    lb = one_leistung(xml)
    fix, var, frei = lb.kosten
    assert (fix.art, fix.betrag, fix.typ, fix.waehrung) == (Kostenart.FIX, Decimal("37.00"), "001", "EUR")
    assert fix.beschreibung.de == "unter 24 Jahren 22,80 Euro"
    assert (var.art, var.betrag, var.betrag_bis) == (Kostenart.VARIABEL, Decimal("10"), Decimal("50.5"))
    assert frei.art is Kostenart.FREI and frei.beschreibung.de == "gebührenfrei"
    assert lb.kosten_text.de == "<p>Gebühren nach PAuswGebV</p>"


def test_fristen_bearbeitungsdauer_freigabe_begriffe_and_classification():
    xml = leistung_xml(
        extra="""
        <x:modulFrist><x:frist><x:typ><code>001</code></x:typ>
            <x:fristDauer><x:dauer>2</x:dauer><x:einheit>WOCHE</x:einheit></x:fristDauer></x:frist>
          <x:frist><x:fristStichtag><x:von>2026-01-01</x:von><x:bis>2026-03-31</x:bis></x:fristStichtag></x:frist>
          <x:beschreibung languageCode="de">innerhalb von zwei Wochen</x:beschreibung></x:modulFrist>
        <x:modulBearbeitungsdauer><x:bearbeitungsdauer><x:fristDauer><x:dauer>3</x:dauer><x:einheit>WOCHE</x:einheit>
            <x:dauerBis>4</x:dauerBis><x:einheitBis>WOCHE</x:einheitBis></x:fristDauer></x:bearbeitungsdauer>
        </x:modulBearbeitungsdauer>
        <x:modulBegriffImKontext>
          <x:begriffImKontext><x:begriff languageCode="de">Perso</x:begriff><x:typ><code>001</code></x:typ></x:begriffImKontext>
          <x:begriffImKontext><x:begriff languageCode="en">ID card</x:begriff></x:begriffImKontext>
        </x:modulBegriffImKontext>
        <x:modulFachlicheFreigabe><x:fachlichFreigegebenAm>2025-09-15</x:fachlichFreigegebenAm>
          <x:fachlichFreigegebenDurch languageCode="de">Hessisches Ministerium des Innern</x:fachlichFreigegebenDurch>
        </x:modulFachlicheFreigabe>
        <x:modulUrsprungsportal><x:uri>https://verwaltungsportal.hessen.de/x</x:uri><x:titel>Hessen</x:titel></x:modulUrsprungsportal>
        <x:klassifizierung listURI="urn:xoev-de:fim:codeliste:pvlagen"><code>2100400</code></x:klassifizierung>
        <x:kategorie><x:id>B01</x:id><x:klasse><code>lebenslage</code></x:klasse>
          <x:bezeichnung languageCode="de">Ausweise</x:bezeichnung></x:kategorie>
        <x:leistungsadressat><code>001</code></x:leistungsadressat>
        <x:leistungsadressat><code>002</code></x:leistungsadressat>
        <x:typisierung><code>4</code></x:typisierung>
        <x:gueltigkeit><x:beginn>2025-01-01</x:beginn></x:gueltigkeit>
        <x:gueltigkeitGebietID>06</x:gueltigkeitGebietID>
        <x:versionsinformation><x:geaendertDatumZeit>2025-10-01T09:30:00</x:geaendertDatumZeit>
          <x:version>3</x:version></x:versionsinformation>
        <x:sprachversion><x:languageCode>de</x:languageCode></x:sprachversion>
        <x:sprachversion><x:languageCode>en</x:languageCode></x:sprachversion>"""
    )
    lb = one_leistung(xml)
    frist, stichtag = lb.fristen
    assert (frist.typ, frist.dauer, frist.einheit) == ("001", 2, "WOCHE")
    assert (stichtag.stichtag_von, stichtag.stichtag_bis) == ("2026-01-01", "2026-03-31")
    assert lb.fristen_text.de == "innerhalb von zwei Wochen"
    (dauer,) = lb.bearbeitungsdauer
    assert (dauer.dauer, dauer.dauer_bis, dauer.einheit_bis) == (3, 4, "WOCHE")
    assert [(b.begriff, b.sprache, b.typ) for b in lb.begriffe] == [
        ("Perso", "de", "001"),
        ("ID card", "en", None),
    ]
    assert lb.fachliche_freigabe.am == date(2025, 9, 15)
    assert lb.fachliche_freigabe.durch.de == "Hessisches Ministerium des Innern"
    assert lb.ursprungsportal[0].uri == "https://verwaltungsportal.hessen.de/x"
    assert lb.klassifizierung[0].code == "2100400"
    assert (lb.kategorien[0].id, lb.kategorien[0].klasse) == ("B01", "lebenslage")
    assert lb.adressaten == (Leistungsadressat.BUERGER, Leistungsadressat.UNTERNEHMEN)
    assert lb.typisierung == ("4",)
    assert lb.gueltigkeit_gebiete == ("06",)
    assert lb.versionsinformation.version == "3"
    assert lb.sprachversionen == ("de", "en")


def test_organisationseinheit_with_everything_and_embedded_zustaendigkeit():
    xml = oe_xml(
        extra="""
        <x:anschrift><x:typ listURI="urn:xoev-de:fim:codeliste:xzufi.anschrifttyp" listVersionID="2.0"><code>002</code></x:typ>
          <x:strasse>Marktstraße</x:strasse><x:hausnummer>2</x:hausnummer><x:postleitzahl>37281</x:postleitzahl>
          <x:ort>Wanfried</x:ort>
          <x:verwaltungspolitischeKodierung><x:regionalschluessel><code>066360013013</code></x:regionalschluessel>
          </x:verwaltungspolitischeKodierung></x:anschrift>
        <x:anschrift><x:typ><code>006</code></x:typ><x:postfach>1120</x:postfach><x:postleitzahl>37279</x:postleitzahl>
          <x:ort>Wanfried</x:ort></x:anschrift>
        <x:kommunikation><x:kanal><code>01</code></x:kanal><x:kennung>+49 5655 000-110</x:kennung>
          <x:zusatz languageCode="de">Zentrale</x:zusatz></x:kommunikation>
        <x:kommunikation><x:kanal><code>03</code></x:kanal><x:kennung>info@wanfried.example</x:kennung></x:kommunikation>
        <x:oeffnungszeiten>
          <x:oeffnungszeit><x:wochentag><code>MO</code></x:wochentag><x:von>08:00</x:von><x:bis>12:00</x:bis></x:oeffnungszeit>
          <x:oeffnungszeit><x:wochentag><code>do</code></x:wochentag><x:von>14:00</x:von><x:bis>18:00</x:bis></x:oeffnungszeit>
          <x:hinweis languageCode="de">und nach Vereinbarung</x:hinweis>
        </x:oeffnungszeiten>
        <x:ansprechpunkt><x:bezeichnung languageCode="de">Meldewesen</x:bezeichnung>
          <x:kommunikation><x:kanal><code>01</code></x:kanal><x:kennung>+49 5655 000-120</x:kennung></x:kommunikation>
        </x:ansprechpunkt>
        <x:hinweisBarrierefreiheit languageCode="de">Stufenloser Zugang</x:hinweisBarrierefreiheit>
        <x:zustaendigkeit><x:leistungID>LB-1</x:leistungID><x:gebietID>066360013013</x:gebietID></x:zustaendigkeit>
        <x:zustaendigkeit><x:leistungID>LB-2</x:leistungID>
          <x:gebietID>urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs:066360013013</x:gebietID>
        </x:zustaendigkeit>"""
    )
    (s,) = only(events(document(xml)), Schreibe)
    oe = s.obj
    assert isinstance(oe, Organisationseinheit)
    besucher, post = oe.anschriften
    assert (besucher.strasse, besucher.hausnummer, besucher.plz, besucher.ort, besucher.ars) == (
        "Marktstraße",
        "2",
        "37281",
        "Wanfried",
        "066360013013",
    )
    assert (post.typ.value, post.postfach) == ("006", "1120")
    assert [(k.kanal, k.kennung) for k in oe.kommunikation] == [
        (Kanal.TELEFON, "+49 5655 000-110"),
        (Kanal.EMAIL, "info@wanfried.example"),
    ]
    assert oe.oeffnungszeiten[1].tag is Wochentag.DO and oe.oeffnungszeiten[1].von == time(14, 0)
    assert oe.oeffnungszeiten_text.de == "und nach Vereinbarung"
    assert oe.ansprechpunkte[0].bezeichnung.de == "Meldewesen"
    assert oe.barrierefreiheit.de == "Stufenloser Zugang"
    z1, z2 = s.eingebettet
    assert isinstance(z1, Zustaendigkeit) and z1.eingebettet and z1.ziel == oe.ref
    assert z1.leistung.key == "TEST:LB-1" and z2.gebiete == ("066360013013",)  # URN form accepted
    assert z1.ref.id.startswith("zst-") and z1.ref != z2.ref  # derived, stable ids


def test_zustaendigkeit_transfer_object_for_office_and_online_service():
    od = """<x:onlinedienst><x:id schemeAgencyID="TEST">OD-1</x:id>
        <x:bezeichnung languageCode="de">Online beantragen</x:bezeichnung>
        <x:link><x:typ><code>01</code></x:typ><x:link>https://example.org/antrag</x:link></x:link>
        <x:vertrauensniveau><code>30</code></x:vertrauensniveau></x:onlinedienst>"""
    transfer = """<x:zustaendigkeitTransferObjekt>
        <x:uebergeordnetesObjektID schemeAgencyID="TEST">OD-1</x:uebergeordnetesObjektID>
        <x:zustaendigkeit><x:id schemeAgencyID="TEST" schemeID="ZustaendigkeitOnlinedienst">Z-OD</x:id>
          <x:leistungID schemeAgencyID="TEST">LB-1</x:leistungID><x:gebietID>06</x:gebietID>
          <x:rolle><code>01</code><name>Zuständige Stelle</name></x:rolle></x:zustaendigkeit>
        <x:zustaendigkeit><x:id schemeAgencyID="TEST" schemeID="ZustaendigkeitOnlinedienst">Z-OD2</x:id>
          <x:leistungID schemeAgencyID="TEST">LB-2</x:leistungID><x:gebietID>06</x:gebietID><x:gebietID>064</x:gebietID>
        </x:zustaendigkeit></x:zustaendigkeitTransferObjekt>"""
    evts = events(document(od, transfer, zst_xml("Z-OE", "LB-1", "OE-1")))
    (onl,) = only(evts, Schreibe, "Onlinedienst")
    assert isinstance(onl.obj, Onlinedienst)
    assert onl.obj.links[0].uri == "https://example.org/antrag" and onl.obj.vertrauensniveau == "30"
    zs = [e.obj for e in only(evts, Schreibe, "Zustaendigkeit")]
    assert [(z.ref.id, z.ziel_art, z.gebiete) for z in zs] == [
        ("Z-OD", ZielArt.ONLINEDIENST, ("06",)),
        ("Z-OD2", ZielArt.ONLINEDIENST, ("06", "064")),
        ("Z-OE", ZielArt.ORGANISATIONSEINHEIT, ("066360013013",)),
    ]
    assert zs[0].rolle.name == "Zuständige Stelle"


def test_loesche_each_klasse_and_several_ids():
    loesche = (
        '<x:loesche klasse="Leistung"><x:id schemeAgencyID="TEST">LB-1</x:id>'
        '<x:id schemeAgencyID="TEST">LB-2</x:id></x:loesche>'
        '<x:loesche klasse="Organisationseinheit"><x:id schemeAgencyID="TEST">OE-1</x:id></x:loesche>'
        '<x:loesche klasse="Zustaendigkeit"><x:id schemeAgencyID="TEST">Z-1</x:id></x:loesche>'
        '<x:loesche klasse="LeistungSpezialisierung"><x:id schemeAgencyID="TEST">S-1</x:id></x:loesche>'
        '<x:loesche klasse="Unsinn"><x:id schemeAgencyID="TEST">U-1</x:id></x:loesche>'
    )
    evts = events(document(loesche=loesche))
    assert [(e.klasse, e.ref.key) for e in only(evts, Loesche)] == [
        ("Leistung", "TEST:LB-1"),
        ("Leistung", "TEST:LB-2"),
        ("Organisationseinheit", "TEST:OE-1"),
        ("Zustaendigkeit", "TEST:Z-1"),
    ]
    assert len(only(evts, Warnung)) == 1  # Spezialisierung: not supported, said so
    (q,) = only(evts, Quarantaene)
    assert "unknown klasse 'Unsinn'" in q.reason


def test_ids_are_unique_only_with_agency():
    evts = events(document(leistung_xml(agency="A"), leistung_xml(agency="B")))
    assert [e.obj.ref.key for e in only(evts, Schreibe)] == ["A:LB-1", "B:LB-1"]


def test_missing_agency_takes_the_default():
    xml = leistung_xml().replace(' schemeAgencyID="TEST"', "")
    (s,) = only(events(document(xml), default_agency="L100040"), Schreibe)
    assert s.obj.ref.key == "L100040:LB-1"


def test_unknown_schreibe_child_is_a_warning():
    evts = events(document('<x:spezialisierung><x:id schemeAgencyID="T">S</x:id></x:spezialisierung>'))
    (w,) = only(evts, Warnung)
    assert "spezialisierung" in w.message


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "no element found"),
        (b'<?xml version="1.0"?><foo xmlns="urn:other"/>', "not an XZuFi"),
        (document(leistung_xml())[:-40], "not well-formed"),
    ],
    ids=["empty", "foreign-namespace", "truncated"],
)
def test_invalid_documents(data, reason):
    with pytest.raises(InvalidDocument) as info:
        events(data, "export.xml")
    assert info.value.file == "export.xml" and reason in str(info.value)


def test_memory_is_released_while_streaming():
    """Many records: the tree built by iterparse must not keep the records that were already handed out."""
    import tracemalloc

    body = "".join(f"<x:schreibe>{leistung_xml(f'LB-{i}')}</x:schreibe>" for i in range(3000)).encode()
    head = f'<?xml version="1.0"?><x:t xmlns:x="{NS22}">'.encode()
    data = head + body + b"</x:t>"
    tracemalloc.start()
    count = 0
    for e in iter_document(io.BytesIO(data), "big.xml"):
        count += isinstance(e, Schreibe)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 3000
    assert peak < len(data)  # held less than the document itself
