"""Write the bundled demo export (XZuFi 2.2.0) from the authoring YAML in ``demo/source``.

    python -m tools.demo_export            # writes demo/xzufi/nacht-1 and demo/xzufi/nacht-2
    python -m tools.demo_export --check    # exit 1 if the committed XML differs from what the YAML gives

Night 1 is a full export; night 2 ("the next night") is the delta a Redaktionssystem sends the night after:
the changed and new Leistungen, deletes, and the office that moved. Output is deterministic.
"""

from __future__ import annotations

import argparse
import copy
import filecmp
import sys
import tempfile
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from content_sync.models import (
    Anschrift,
    Ansprechpunkt,
    Begriff,
    Code,
    Dauer,
    FachlicheFreigabe,
    Frist,
    Hyperlink,
    Kategorie,
    Kommunikation,
    Kosten,
    Leistung,
    Leistungsadressat,
    Mehrsprachig,
    ObjektRef,
    Oeffnungszeit,
    Onlinedienst,
    OnlinedienstLink,
    Organisationseinheit,
    Textmodul,
    Versionsinformation,
    ZielArt,
    Zustaendigkeit,
)
from content_sync.xzufi import write

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "demo" / "source"
TARGET = ROOT / "demo" / "xzufi"
AGENCY = "DEMO-HE"  # a demo Redaktion id: clearly not a real one
PER_FILE = 20
NIGHT_1 = datetime(2026, 11, 26, 2, 0, 0)
NIGHT_2 = datetime(2026, 11, 27, 2, 0, 0)

TEXT_KEYS = {
    "name": Textmodul.LEISTUNGSNAME,
    "bezeichnung": Textmodul.LEISTUNGSBEZEICHNUNG,
    "teaser": Textmodul.TEASER,
    "kurztext": Textmodul.KURZTEXT,
    "volltext": Textmodul.VOLLTEXT,
    "unterlagen": Textmodul.UNTERLAGEN,
    "voraussetzungen": Textmodul.VORAUSSETZUNGEN,
    "verfahrensablauf": Textmodul.VERFAHRENSABLAUF,
    "formulare": Textmodul.FORMULARE,
    "rechtsgrundlagen": Textmodul.RECHTSGRUNDLAGEN,
    "rechtsbehelf": Textmodul.RECHTSBEHELF,
    "hinweise": Textmodul.HINWEISE,
    "weiterfuehrende_informationen": Textmodul.WEITERFUEHRENDE_INFORMATIONEN,
}
MODULE_TEXT_KEYS = {"kosten", "fristen", "bearbeitungsdauer"}
ADRESSAT = {"buerger": Leistungsadressat.BUERGER, "unternehmen": Leistungsadressat.UNTERNEHMEN}
ANSCHRIFT = {"besucher": "002", "haus": "001", "post": "006", "postfach": "003", "liefer": "005"}
ROLLE = Code(list_uri="urn:de:portal:codeliste:zustaendigkeitsrolle", code="01", name="Zuständige Stelle")


def ref(local_id: str) -> ObjektRef:
    return ObjektRef(agency=AGENCY, id=local_id)


def texts(values: dict[str, Any] | None) -> Mehrsprachig:
    return Mehrsprachig({k: str(v).strip() for k, v in (values or {}).items() if v})


def _per_lang(entry: dict[str, Any], key: str) -> dict[str, str]:
    return {lang: t[key] for lang, t in entry.get("texte", {}).items() if t.get(key)}


def leistung(entry: dict[str, Any], lebenslagen: dict[str, dict[str, Any]]) -> Leistung:
    texte: dict[Textmodul, Mehrsprachig] = {}
    for key, modul in TEXT_KEYS.items():
        per_lang = _per_lang(entry, key)
        if per_lang:
            texte[modul] = texts(per_lang)
    if Textmodul.LEISTUNGSBEZEICHNUNG not in texte:
        texte[Textmodul.LEISTUNGSBEZEICHNUNG] = texts({"de": entry["texte"]["de"]["name"]})
    links = tuple(Hyperlink(uri=link["uri"], titel=link.get("titel")) for link in entry.get("links", []))
    dauer = entry.get("bearbeitungsdauer")
    geaendert = _datetime(entry["geaendert"])
    return Leistung(
        ref=ref(entry["id"]),
        leika=tuple(str(k) for k in entry["leika"]),
        texte=texte,
        modul_links={Textmodul.WEITERFUEHRENDE_INFORMATIONEN: links} if links else {},
        kosten=tuple(_kosten(k) for k in entry.get("kosten", [])),
        kosten_text=texts(_per_lang(entry, "kosten")),
        fristen=tuple(
            Frist(
                dauer=f.get("dauer"),
                einheit=f.get("einheit"),
                dauer_bis=f.get("bis"),
                einheit_bis=f.get("einheit_bis"),
                typ=f.get("typ"),
            )
            for f in entry.get("fristen", [])
        ),
        fristen_text=texts(_per_lang(entry, "fristen")),
        bearbeitungsdauer=(
            (
                Dauer(
                    dauer=dauer.get("dauer"),
                    einheit=dauer.get("einheit"),
                    dauer_bis=dauer.get("bis"),
                    einheit_bis=dauer.get("einheit_bis")
                    or (dauer.get("einheit") if dauer.get("bis") else None),
                ),
            )
            if dauer
            else ()
        ),
        bearbeitungsdauer_text=texts(_per_lang(entry, "bearbeitungsdauer")),
        begriffe=tuple(
            Begriff(begriff=str(word), sprache=lang)
            for lang, words in sorted((entry.get("begriffe") or {}).items())
            for word in words
        ),
        fachliche_freigabe=FachlicheFreigabe(
            am=_date(entry["freigabe"]["am"]), durch=texts({"de": entry["freigabe"]["durch"]})
        ),
        kategorien=tuple(
            Kategorie(id=code, klasse="lebenslage", bezeichnung=texts(lebenslagen[code]["name"]))
            for code in entry["lebenslagen"]
        ),
        klassifizierung=tuple(
            Code(list_uri="urn:xoev-de:fim:codeliste:pvlagen", code=str(c)) for c in entry.get("pvlagen", [])
        ),
        adressaten=tuple(ADRESSAT[a] for a in entry["adressat"]),
        typisierung=(str(entry["typisierung"]),) if entry.get("typisierung") else (),
        gueltigkeit_gebiete=("06",),
        versionsinformation=Versionsinformation(
            erstellt=datetime.combine(_date(entry["freigabe"]["am"]), datetime.min.time()),
            geaendert=geaendert,
            version=str(entry.get("version", "1")),
        ),
        sprachversionen=tuple(sorted(entry["texte"])),
    )


def _kosten(k: dict[str, Any]) -> Kosten:
    if k["art"] == "fix":
        return Kosten(art="fix", betrag=Decimal(str(k["betrag"])))
    if k["art"] == "variabel":
        return Kosten(art="variabel", betrag=_dec(k.get("von")), betrag_bis=_dec(k.get("bis")))
    return Kosten(art="frei")


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _datetime(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def onlinedienste(entry: dict[str, Any]) -> list[tuple[Onlinedienst, str]]:
    out = []
    for od in entry.get("onlinedienste", []):
        names = texts(od["name"])
        out.append(
            (
                Onlinedienst(
                    ref=ref(od["id"]),
                    namen=names,
                    links=(OnlinedienstLink(typ="01", uri=od["url"], titel=names.de, sprache="de"),),
                    vertrauensniveau=str(od.get("vertrauensniveau")) if od.get("vertrauensniveau") else None,
                    sprachversionen=names.sprachen,
                ),
                str(od.get("gebiet", "06")),
            )
        )
    return out


def organisationseinheit(entry: dict[str, Any]) -> Organisationseinheit:
    return Organisationseinheit(
        ref=ref(entry["id"]),
        namen=texts(entry["name"]),
        beschreibung=texts(entry.get("beschreibung")),
        uebergeordnet=ref(entry["uebergeordnet"]) if entry.get("uebergeordnet") else None,
        anschriften=tuple(
            Anschrift(
                typ=ANSCHRIFT[a["typ"]],
                strasse=a.get("strasse"),
                hausnummer=_str(a.get("hausnummer")),
                postfach=_str(a.get("postfach")),
                plz=_str(a.get("plz")),
                ort=a.get("ort"),
                ars=_str(a.get("ars")),
            )
            for a in entry.get("anschriften", [])
        ),
        kommunikation=tuple(_kommunikation(entry.get("kommunikation", []))),
        oeffnungszeiten=tuple(
            Oeffnungszeit(tag=tag, von=z["von"], bis=z["bis"])
            for z in entry.get("oeffnungszeiten", [])
            for tag in z["tage"]
        ),
        oeffnungszeiten_text=texts(entry.get("oeffnungszeiten_hinweis")),
        ansprechpunkte=tuple(
            Ansprechpunkt(
                bezeichnung=texts(a["bezeichnung"]), kommunikation=tuple(_kommunikation(a["kommunikation"]))
            )
            for a in entry.get("ansprechpunkte", [])
        ),
        barrierefreiheit=texts(entry.get("barrierefreiheit")),
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _kommunikation(items: Iterable[dict[str, Any]]) -> Iterable[Kommunikation]:
    for k in items:
        yield Kommunikation(kanal=k["kanal"], kennung=str(k["kennung"]), zusatz=texts(k.get("zusatz")))


def zustaendigkeiten(
    leistungen: list[dict[str, Any]], oes: list[dict[str, Any]]
) -> dict[str, list[Zustaendigkeit]]:
    """Per office, the Zustaendigkeiten its ``zustaendig`` entries give (see orte.yaml's header)."""
    groups: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for oe in oes:
        for entry in oe.get("zustaendig", []):
            groups.setdefault((entry["ebene"], str(entry["gebiet"])), []).append((oe["id"], entry))
    out: dict[str, list[Zustaendigkeit]] = {}
    for (ebene, gebiet), entries in sorted(groups.items()):
        for lb in leistungen:
            if lb["ebene"] != ebene:
                continue
            oe_id = _choose(lb, entries)
            if oe_id is None:
                continue
            out.setdefault(oe_id, []).append(
                Zustaendigkeit(
                    ref=ref(f"ZST-{oe_id}-{lb['id']}-{gebiet}"),
                    leistung=ref(lb["id"]),
                    ziel=ref(oe_id),
                    ziel_art=ZielArt.ORGANISATIONSEINHEIT,
                    gebiete=(gebiet,),
                    rolle=ROLLE,
                )
            )
    return out


def _choose(lb: dict[str, Any], entries: list[tuple[str, dict[str, Any]]]) -> str | None:
    for oe_id, e in entries:
        if lb["id"] in e.get("leistungen", []):
            return oe_id
    for oe_id, e in entries:
        if set(e.get("lebenslagen") or []) & set(lb["lebenslagen"]):
            return oe_id
    for oe_id, e in entries:
        if not e.get("lebenslagen") and not e.get("leistungen"):
            return oe_id
    return None


def load_leistungen() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for file in sorted((SOURCE / "leistungen").glob("*.yaml")):
        entries += yaml.safe_load(file.read_text(encoding="utf-8")) or []
    ids = [e["id"] for e in entries]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise SystemExit(f"duplicate Leistung ids in demo/source/leistungen: {dupes}")
    return sorted(entries, key=lambda e: e["id"])


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class Night:
    """The state of the demo data on one night."""

    def __init__(
        self, leistungen: list[dict[str, Any]], oes: list[dict[str, Any]], lebenslagen: dict
    ) -> None:
        self.leistungen = leistungen
        self.oes = oes
        self.lebenslagen = lebenslagen

    def leistung_models(self) -> dict[str, Leistung]:
        return {e["id"]: leistung(e, self.lebenslagen) for e in self.leistungen}

    def od_models(self) -> dict[str, tuple[Onlinedienst, str, str]]:
        out = {}
        for e in self.leistungen:
            for od, gebiet in onlinedienste(e):
                out[od.ref.id] = (od, gebiet, e["id"])
        return out

    def oe_models(self) -> dict[str, Organisationseinheit]:
        return {e["id"]: organisationseinheit(e) for e in self.oes}

    def zst(self) -> dict[str, list[Zustaendigkeit]]:
        return zustaendigkeiten(self.leistungen, self.oes)

    def embedded(self, oe_id: str) -> bool:
        """Gemeinde offices carry their Zustaendigkeiten inside (source-system form), others get
        zustaendigkeitTransferObjekt messages (PVOG form): both forms are in the demo."""
        return any(
            z["ebene"] == "gemeinde" for z in next(o for o in self.oes if o["id"] == oe_id)["zustaendig"]
        )


def od_zustaendigkeit(od: Onlinedienst, gebiet: str, leistung_id: str) -> Zustaendigkeit:
    return Zustaendigkeit(
        ref=ref(f"ZST-{od.ref.id}-{leistung_id}-{gebiet}"),
        leistung=ref(leistung_id),
        ziel=od.ref,
        ziel_art=ZielArt.ONLINEDIENST,
        gebiete=(gebiet,),
    )


def write_night_1(night: Night, out: Path) -> None:
    lbs = night.leistung_models()
    files: list[str] = []
    ordered = [lbs[k] for k in sorted(lbs)]
    for n, start in enumerate(range(0, len(ordered), PER_FILE), start=1):
        name = f"leistungen-{n:02d}.xml"
        chunk = ordered[start : start + PER_FILE]
        _write(out / name, [write.leistung_element(lb) for lb in chunk], [], NIGHT_1, f"nacht-1-{name}")
        files.append(name)
    ods = night.od_models()
    _write(
        out / "onlinedienste.xml",
        [write.onlinedienst_element(ods[k][0]) for k in sorted(ods)],
        [],
        NIGHT_1,
        "nacht-1-onlinedienste",
    )
    files.append("onlinedienste.xml")
    zst = night.zst()
    oes = night.oe_models()
    _write(
        out / "organisationseinheiten.xml",
        [
            write.organisationseinheit_element(oes[k], zst.get(k, []) if night.embedded(k) else [])
            for k in sorted(oes)
        ],
        [],
        NIGHT_1,
        "nacht-1-organisationseinheiten",
    )
    files.append("organisationseinheiten.xml")
    transfer = [
        write.zustaendigkeit_transfer_element(ref(k), zst[k]) for k in sorted(zst) if not night.embedded(k)
    ]
    transfer += [
        write.zustaendigkeit_transfer_element(od.ref, [od_zustaendigkeit(od, gebiet, lb_id)])
        for od, gebiet, lb_id in (ods[k] for k in sorted(ods))
    ]
    _write(out / "zustaendigkeiten.xml", transfer, [], NIGHT_1, "nacht-1-zustaendigkeiten")
    files.append("zustaendigkeiten.xml")
    _index(out, files)


def write_night_2(night1: Night, spec: dict[str, Any], out: Path) -> Night:
    by_id = {e["id"]: e for e in night1.leistungen}
    changed_ids = [c["id"] for c in spec["geaendert"]]
    for c in spec["geaendert"]:
        by_id[c["id"]] = deep_merge(by_id[c["id"]], c["patch"])
    for e in spec["neu"]:
        by_id[e["id"]] = e
    for gone in spec["geloescht"]:
        del by_id[gone]
    oes = copy.deepcopy(night1.oes)
    moved = spec["umzug"]
    for oe in oes:
        if oe["id"] == moved["id"]:
            oe["anschriften"] = moved["anschriften"]
    night2 = Night(sorted(by_id.values(), key=lambda e: e["id"]), oes, night1.lebenslagen)

    lbs = night2.leistung_models()
    new_ids = [e["id"] for e in spec["neu"]]
    _write(
        out / "leistungen.xml",
        [write.leistung_element(lbs[i]) for i in sorted(changed_ids + new_ids)],
        [("Leistung", ref(i)) for i in sorted(spec["geloescht"])],
        NIGHT_2,
        "nacht-2-leistungen",
    )
    ods = night2.od_models()
    new_ods = sorted(k for k, (_, _, lb) in ods.items() if lb in new_ids)
    zst = night2.zst()
    oe_models = night2.oe_models()
    _write(
        out / "organisationseinheiten.xml",
        [
            write.organisationseinheit_element(
                oe_models[moved["id"]], zst.get(moved["id"], []) if night2.embedded(moved["id"]) else []
            )
        ],
        [],
        NIGHT_2,
        "nacht-2-organisationseinheiten",
    )
    # Zustaendigkeiten of the new Leistungen: embedded ones come with their office, the rest as transfer
    touched_oes = sorted({z.ziel.id for zs in zst.values() for z in zs if z.leistung.id in new_ids})
    embedded = [k for k in touched_oes if night2.embedded(k) and k != moved["id"]]
    transfer = [
        write.zustaendigkeit_transfer_element(ref(k), [z for z in zst[k] if z.leistung.id in new_ids])
        for k in touched_oes
        if not night2.embedded(k)
    ]
    transfer += [
        write.zustaendigkeit_transfer_element(ods[k][0].ref, [od_zustaendigkeit(*ods[k])]) for k in new_ods
    ]
    _write(
        out / "zustaendigkeiten.xml",
        [write.onlinedienst_element(ods[k][0]) for k in new_ods]
        + [write.organisationseinheit_element(oe_models[k], zst.get(k, [])) for k in embedded]
        + transfer,
        [],
        NIGHT_2,
        "nacht-2-zustaendigkeiten",
    )
    _index(out, ["leistungen.xml", "organisationseinheiten.xml", "zustaendigkeiten.xml"])
    return night2


def _write(path: Path, schreibe: list, loesche: list, when: datetime, nachricht: str) -> None:
    data = write.message(schreibe, loesche, erstellt=when, nachricht_id=nachricht)
    path.write_bytes(data)


def _index(out: Path, files: list[str]) -> None:
    lines = ["# XZuFi-Export (Demo) – Dateien in der Reihenfolge, in der sie zu lesen sind", *files]
    (out / "index.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def build(target: Path) -> None:
    lebenslagen = {e["code"]: e for e in yaml.safe_load((SOURCE / "lebenslagen.yaml").read_text("utf-8"))}
    orte = yaml.safe_load((SOURCE / "orte.yaml").read_text("utf-8"))
    night1 = Night(load_leistungen(), orte["organisationseinheiten"], lebenslagen)
    for sub in ("nacht-1", "nacht-2"):
        (target / sub).mkdir(parents=True, exist_ok=True)
        for old in (target / sub).iterdir():
            old.unlink()
    write_night_1(night1, target / "nacht-1")
    spec_file = SOURCE / "naechste-nacht.yaml"
    if spec_file.exists():
        write_night_2(night1, yaml.safe_load(spec_file.read_text("utf-8")), target / "nacht-2")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="compare with the committed export, write nothing"
    )
    args = parser.parse_args(argv)
    if not args.check:
        build(TARGET)
        print(f"wrote {TARGET}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        diff = []
        for sub in ("nacht-1", "nacht-2"):
            cmp = filecmp.dircmp(Path(tmp) / sub, TARGET / sub)
            diff += [f"{sub}/{n}" for n in cmp.diff_files + cmp.left_only + cmp.right_only]
        if diff:
            print("demo export is out of date, run: python -m tools.demo_export\n  " + "\n  ".join(diff))
            return 1
    print("demo export matches demo/source")
    return 0


if __name__ == "__main__":
    sys.exit(main())
