"""What the XZuFi writer writes, the parser reads back into equal models (demo export and edge cases)."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal

from content_sync.models import (
    Anschrift,
    Begriff,
    Dauer,
    FachlicheFreigabe,
    Frist,
    Kommunikation,
    Kosten,
    Leistung,
    Mehrsprachig,
    ObjektRef,
    Oeffnungszeit,
    Organisationseinheit,
    Textmodul,
    Versionsinformation,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.xzufi import Schreibe, iter_document, write
from tests.conftest import DEMO


def read(data: bytes) -> list[Schreibe]:
    return [e for e in iter_document(io.BytesIO(data), "rt.xml") if isinstance(e, Schreibe)]


def test_leistung_round_trip_with_every_part():
    lb = Leistung(
        ref=ObjektRef(agency="A", id="LB-1"),
        leika=("99008001012000", "99008001012001"),
        texte={
            Textmodul.LEISTUNGSNAME: Mehrsprachig(
                {"de": "Personalausweis", "en": "ID card", "ar": "بطاقة الهوية"}
            ),
            Textmodul.VOLLTEXT: Mehrsprachig({"de": "<p>Text &amp; mehr <a href='x'>Link</a></p>"}),
        },
        kosten=(
            Kosten(art="fix", betrag=Decimal("37.00")),
            Kosten(art="variabel", betrag=Decimal("1"), betrag_bis=Decimal("9.5")),
        ),
        kosten_text=Mehrsprachig({"de": "Gebühr"}),
        fristen=(Frist(dauer=2, einheit="WOCHE", typ="001"),),
        bearbeitungsdauer=(Dauer(dauer=3, einheit="WOCHE", dauer_bis=4, einheit_bis="WOCHE"),),
        begriffe=(Begriff(begriff="Perso", sprache="de"),),
        fachliche_freigabe=FachlicheFreigabe(am=date(2025, 1, 2), durch=Mehrsprachig({"de": "HMdI"})),
        adressaten=("001",),
        typisierung=("4",),
        gueltigkeit_gebiete=("06",),
        versionsinformation=Versionsinformation(geaendert=datetime(2025, 3, 4, 5, 6, 7), version="2"),
        sprachversionen=("ar", "de", "en"),
    )
    data = write.message([write.leistung_element(lb)], erstellt=datetime(2026, 1, 1), nachricht_id="x")
    (s,) = read(data)
    assert s.obj == lb


def test_office_with_embedded_zustaendigkeit_round_trip():
    oe = Organisationseinheit(
        ref=ObjektRef(agency="A", id="OE-1"),
        namen=Mehrsprachig({"de": "Bürgerbüro"}),
        anschriften=(
            Anschrift(
                typ="002",
                strasse="Marktstraße",
                hausnummer="2",
                plz="37281",
                ort="Wanfried",
                ars="066360013013",
            ),
        ),
        kommunikation=(Kommunikation(kanal="telefon", kennung="+49 5655 000-1"),),
        oeffnungszeiten=(Oeffnungszeit(tag="MO", von=time(8), bis=time(12)),),
    )
    z = Zustaendigkeit(
        ref=ObjektRef(agency="A", id="Z-1"),
        leistung=ObjektRef(agency="A", id="LB-1"),
        ziel=oe.ref,
        ziel_art=ZielArt.ORGANISATIONSEINHEIT,
        gebiete=("066360013013",),
        eingebettet=True,
    )
    data = write.message(
        [write.organisationseinheit_element(oe, [z])], erstellt=datetime(2026, 1, 1), nachricht_id="x"
    )
    (s,) = read(data)
    assert s.obj == oe and s.eingebettet == (z,)


def test_demo_export_reads_back_and_rewrites_identically():
    """Parse every demo file and write its Leistungen again: the same bytes per element."""
    for path in sorted((DEMO / "nacht-1").glob("leistungen-*.xml")):
        schreibe = read(path.read_bytes())
        assert schreibe, path
        again = write.message(
            [write.leistung_element(s.obj) for s in schreibe],
            erstellt=datetime(2026, 11, 26, 2, 0, 0),
            nachricht_id=f"nacht-1-{path.name}",
        )
        assert again == path.read_bytes(), path.name
