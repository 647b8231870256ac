"""The comparison of two versions of a Leistung (plugins/portal_pages/aenderungen.py): sanitised plain text per
section and language, a word diff, the language-neutral values of Kosten, Fristen and Bearbeitungsdauer."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from content_sync.models import Frist, Kosten, Kostenart, Leistung, Mehrsprachig, Textmodul, Zeiteinheit
from plugins.portal_pages.aenderungen import ABSCHNITTE, KONTEXT, klartext, vergleiche, wortdiff
from tests.editors.conftest import versionen


def test_klartext_is_what_the_page_shows_without_markup() -> None:
    html = (
        "<p>Erster  Absatz mit <strong>fett</strong> &amp; Entity.</p>"
        "<ul><li>eins</li><li>zwei<br>drei</li></ul><script>alert('x')</script><p>Ende</p>"
    )
    assert klartext(html) == "Erster Absatz mit fett & Entity.\neins\nzwei\ndrei\nEnde"
    assert klartext("") == "" and klartext(None) == ""
    assert klartext("<b>A</b>  &lt;Name&gt;", ist_html=False) == "<b>A</b> &lt;Name&gt;"  # names: text as is


def test_wortdiff_marks_removed_and_added_words() -> None:
    teile = wortdiff("Die Gebühr beträgt 15,00 Euro.", "Die Gebühr beträgt 17,50 Euro.")
    assert teile == (("=", "Die Gebühr beträgt"), ("-", "15,00"), ("+", "17,50"), ("=", "Euro."))
    assert wortdiff("", "neu hier") == (("+", "neu hier"),)
    assert wortdiff("weg", "") == (("-", "weg"),)


def test_wortdiff_cuts_long_unchanged_stretches_to_the_context() -> None:
    vorne = " ".join(f"v{i}" for i in range(40))
    hinten = " ".join(f"h{i}" for i in range(40))
    teile = wortdiff(f"{vorne} alt {hinten}", f"{vorne} neu {hinten}")
    assert teile[0] == ("…", "")
    assert teile[1] == ("=", " ".join(f"v{i}" for i in range(40 - KONTEXT, 40)))
    assert teile[2:4] == (("-", "alt"), ("+", "neu"))
    assert teile[4] == ("=", " ".join(f"h{i}" for i in range(KONTEXT)))
    assert teile[5] == ("…", "")


def test_wortdiff_keeps_line_breaks() -> None:
    teile = wortdiff("eins\nzwei\ndrei", "eins\nzwei\nvier")
    assert teile == (("=", "eins\nzwei\n"), ("-", "drei"), ("+", "vier"))


def test_night_2_fee_change_of_personalausweis(zwei_naechte: Path) -> None:
    alt, neu = versionen(zwei_naechte, "DEMO-HE:LB-1001")
    v = vergleiche(alt, neu)
    assert v.abschnitte == ("kosten",)
    assert v.zusammenfassung() == ["Kosten geändert"]
    assert [(u.abschnitt, u.sprache, u.art) for u in v.unterschiede] == [
        ("kosten", "de", "geaendert"),
        ("kosten", "en", "geaendert"),
    ]
    de = v.unterschiede[0].teile
    assert ("-", "15,00") in de and ("+", "17,50") in de
    assert v.weitere == ()  # the new Versionsinformation alone is no change of content


def test_night_2_structured_fees_and_durations_are_compared_once(zwei_naechte: Path) -> None:
    alt, neu = versionen(zwei_naechte, "DEMO-HE:LB-1009")
    neutral = [u for u in vergleiche(alt, neu).unterschiede if u.sprache is None]
    assert [(u.abschnitt, u.teile) for u in neutral] == [
        ("kosten", (("=", "Gebühr:"), ("-", "5,00"), ("+", "8,00"), ("=", "€"), ("-", "bis 10,00 €")))
    ]
    alt, neu = versionen(zwei_naechte, "DEMO-HE:LB-1012")
    v = vergleiche(alt, neu)
    assert v.zusammenfassung() == ["Bearbeitungsdauer geändert"]
    neutral = [u for u in v.unterschiede if u.sprache is None]
    assert neutral[0].teile == (("=", "1 Woche bis"), ("-", "2"), ("+", "3"), ("=", "Wochen"))


def _geaendert(lb: Leistung, **update: object) -> Leistung:
    return lb.model_copy(update=update)


def test_name_fristen_new_and_removed_sections_and_other_fields(zwei_naechte: Path) -> None:
    (alt,) = versionen(zwei_naechte, "DEMO-HE:LB-1003")
    texte = dict(alt.texte)
    texte[Textmodul.LEISTUNGSNAME] = Mehrsprachig(
        {**alt.text(Textmodul.LEISTUNGSNAME).root, "de": "Reisepass neu"}
    )
    texte[Textmodul.URHEBER] = Mehrsprachig({"de": "<p>Landesredaktion</p>"})
    texte.pop(Textmodul.RECHTSGRUNDLAGEN)
    neu = _geaendert(
        alt,
        texte=texte,
        fristen=(Frist(dauer=3, einheit=Zeiteinheit.MONAT, typ="001"),),
        fristen_text=Mehrsprachig({"de": "<p>Drei Monate vor Ablauf beantragen.</p>"}),
        kosten=(*alt.kosten, Kosten(art=Kostenart.FIX, betrag=Decimal("6.00"))),
        begriffe=(),
    )
    v = vergleiche(alt, neu)
    assert v.abschnitte == ("name", "rechtsgrundlagen", "fristen", "kosten", "urheber")
    arten = {(u.abschnitt, u.sprache): u.art for u in v.unterschiede}
    assert arten[("name", "de")] == "geaendert"
    assert arten[("rechtsgrundlagen", "de")] == "entfernt"
    assert arten[("fristen", "de")] == "neu" and arten[("fristen", None)] == "neu"
    assert arten[("urheber", "de")] == "neu"
    fristen = next(u for u in v.unterschiede if u.abschnitt == "fristen" and u.sprache is None)
    assert fristen.teile == (("+", "3 Monate (Fristtyp 001)"),)
    kosten = next(u for u in v.unterschiede if u.abschnitt == "kosten" and u.sprache is None)
    assert ("+", "Gebühr: 6,00 €") in [(op, t.split("\n")[-1]) for op, t in kosten.teile]
    assert "Fristen geändert" in v.zusammenfassung() and "Stichwörter geändert" in v.zusammenfassung()
    assert v.weitere == ("Stichwörter",)
    # the report's JSON shape
    d = v.as_dict()
    assert d["abschnitte"][0] == "name" and d["unterschiede"][0]["diff"][0][0] in "=-+…"


def test_markup_alone_is_no_change(zwei_naechte: Path) -> None:
    (alt,) = versionen(zwei_naechte, "DEMO-HE:LB-1003")
    texte = dict(alt.texte)
    volltext = alt.text(Textmodul.VOLLTEXT).root
    texte[Textmodul.VOLLTEXT] = Mehrsprachig({k: f"<div>{v}</div>" for k, v in volltext.items()})
    v = vergleiche(alt, _geaendert(alt, texte=texte))
    assert not v and v.zusammenfassung() == []


def test_every_textmodul_belongs_to_a_section() -> None:
    covered = {m for m in Textmodul}
    leistung = Leistung.model_validate(
        {
            "ref": {"agency": "T", "id": "1"},
            "leika": ["99000000000000"],
            "texte": {m.value: {"de": m.value} for m in covered},
        }
    )
    found = {ab.texte(leistung).get("de") for ab in ABSCHNITTE}
    assert {m.value for m in covered} <= found
