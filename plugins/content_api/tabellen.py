"""CSV exports per subsite and language: ``leistungen.csv`` and ``behoerden.csv``.

UTF-8 without byte order mark, comma-separated, fields quoted where needed (RFC 4180), CRLF line ends,
one header row. The columns are the fields of the row models below, in order (documented in the README);
lists are joined with " | ". The published JSON Schema of a row (``leistungen-csv-zeile``) validates each
row read as a dict of strings.
"""

from __future__ import annotations

import csv
import io

from pydantic import BaseModel, ConfigDict, Field

from .modelle import Behoerde, LeistungEintrag

TRENNER = " | "


class CsvZeile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LeistungZeile(CsvZeile):
    id: str = Field(description="id of the service (file name of its JSON)")
    leika: str = Field(description="LeiKa keys, ' | '-separated")
    name: str
    sprache: str = Field(description="language of the name")
    kurztext: str
    kurztext_sprache: str
    lebenslagen: str = Field(description="Lebenslage codes, ' | '-separated")
    ebene: str = Field(
        pattern="^(gemeinde|kreis|regierungsbezirk|land)?$",
        description="gemeinde, kreis, regierungsbezirk, land; empty: nobody known",
    )
    gebiet_ars: str = Field(description="12-digit ARS of the responsible Gebiet")
    gebiet: str = Field(description="name of the responsible Gebiet")
    stellen: str = Field(description="ids of the responsible offices, ' | '-separated")
    onlinedienst: str = Field(description="URL of the (first) online service, if there is one")
    seite: str = Field(description="URL of the page")
    texte: str = Field(description="URL of the service's description (JSON)")


class BehoerdeZeile(CsvZeile):
    id: str
    name: str
    sprache: str
    strasse: str
    hausnummer: str
    plz: str
    ort: str
    telefon: str = Field(description="first phone number")
    email: str = Field(description="first e-mail address")
    web: str = Field(description="first web address (http(s) only)")
    oeffnungszeiten: str = Field(description="'MO 08:00-12:00 | DO 14:00-18:00'")
    oeffnungszeiten_hinweis: str
    barrierefreiheit: str
    seite: str = Field(description="URL of the office's page")


def leistung_zeile(e: LeistungEintrag) -> LeistungZeile:
    z = e.zustaendigkeit
    return LeistungZeile(
        id=e.id,
        leika=TRENNER.join(e.leika),
        name=e.name,
        sprache=e.sprache,
        kurztext=e.kurztext,
        kurztext_sprache=e.kurztext_sprache,
        lebenslagen=TRENNER.join(e.lebenslagen),
        ebene=z.ebene if z else "",
        gebiet_ars=z.ars if z else "",
        gebiet=z.name if z else "",
        stellen=TRENNER.join(s.id for s in e.stellen),
        onlinedienst=next((od.url for od in e.onlinedienste if od.url), ""),
        seite=e.seite,
        texte=e.texte,
    )


def behoerde_zeile(b: Behoerde) -> BehoerdeZeile:
    a = b.anschrift

    def erste(kanal: str) -> str:
        return next((k.kennung for k in b.kontakt if k.kanal == kanal and k.url), "")

    return BehoerdeZeile(
        id=b.id,
        name=b.name,
        sprache=b.sprache,
        strasse=(a.strasse or "") if a else "",
        hausnummer=(a.hausnummer or "") if a else "",
        plz=(a.plz or "") if a else "",
        ort=(a.ort or "") if a else "",
        telefon=erste("telefon"),
        email=erste("email"),
        web=erste("web"),
        oeffnungszeiten=TRENNER.join(f"{z.tag} {z.von}-{z.bis}" for z in b.oeffnungszeiten),
        oeffnungszeiten_hinweis=b.oeffnungszeiten_hinweis or "",
        barrierefreiheit=b.barrierefreiheit or "",
        seite=b.seite,
    )


def spalten(modell: type[CsvZeile]) -> list[str]:
    """The column names: the fields' names as published (aliases)."""
    return [feld.alias or name for name, feld in modell.model_fields.items()]


def csv_zeilen(modell: type[CsvZeile], zeilen: list[CsvZeile], *, kopf: bool = False) -> list[str]:
    """Each row as its line of the file (with its CRLF; a field is one line, so a row is one line);
    ``kopf``: the header row first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    texte = []
    reihen = ([spalten(modell)] if kopf else []) + [
        [_eine_zeile(getattr(zeile, name)) for name in modell.model_fields] for zeile in zeilen
    ]
    for reihe in reihen:
        writer.writerow(reihe)
        texte.append(out.getvalue())
        out.seek(0)
        out.truncate()
    return texte


def csv_bytes(modell: type[CsvZeile], zeilen: list[CsvZeile]) -> bytes:
    return "".join(csv_zeilen(modell, zeilen, kopf=True)).encode("utf-8")


def _eine_zeile(value: str) -> str:
    """Line breaks inside a field are legal CSV but break naive readers: a field is one line."""
    return " ".join(value.split()) if ("\n" in value or "\r" in value) else value
