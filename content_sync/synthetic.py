"""A Hessen-scale synthetic XZuFi 2.2.0 export, written on demand, deterministic (same seed, same bytes).

    portal generate-hessen [--out demo/hessen] [--seed 2026] [--scale 1.0]

writes ``nacht-1/`` (a full export with ``index.txt``, in the form of the bundled demo export) and ``nacht-2/``
(the next night's delta: 1 % of the Leistungen changed in text and fees, 5 new, 5 deleted with their
Onlinedienste, 10 offices moved or renamed). At scale 1.0: 3,600 Leistungen, 3,200 Onlinedienste, 11,250
Organisationseinheiten and about 160,000 Zustaendigkeiten for every Gemeinde with inhabitants and every Kreis
of the bundled Gemeindeverzeichnis (350 Leistungen at Gemeinde level, 300 at Kreis level – the kreisfreie
Städte do those themselves –, 40 at Regierungsbezirk level, the rest at Land level).

``scale`` multiplies every count of the export; the Gebiete stay the real ones, so the Zustaendigkeiten scale
with the Leistungen of each level. Every real Gemeinde needs at least one office to be responsible for its
Gemeinde-level Leistungen, so below a scale of about 0.04 the number of offices is that floor (one per
Gemeinde, Kreis, kreisfreie Stadt and Regierungsbezirk, and the Land's). The next night changes 1 % of the
Leistungen at any scale, and always has its 5 new and 5 deleted Leistungen and 10 changed offices.

Texts come from the 80 demo Leistungen (parsed from ``demo/xzufi/nacht-1``): every synthetic Leistung takes one
as its template, gets a name of its own ("<Objekt> <Verrichtung>" from ``data/synthetic_hessen.yaml``) and
recombined sections whose lengths stay within the spread of the demo texts. Nothing here is real: ids are of
the agency ``SYN-HE``, LeiKa keys start with ``99900``, streets are invented, e-mail and web addresses end in
``.example``, phone numbers have the fictitious extension ``000-…``.

Streaming: documents are built and written one file at a time (at most 200 Leistungen, 500 offices or
5,000 Zustaendigkeiten each); nothing holds the whole export.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from content_sync.gebiete import verzeichnis
from content_sync.models import (
    Anschrift,
    Anschrifttyp,
    Ansprechpunkt,
    Begriff,
    Code,
    FachlicheFreigabe,
    Gebiet,
    GebietArt,
    Kategorie,
    Kommunikation,
    Kosten,
    Leistung,
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
from content_sync.xzufi import Schreibe, iter_document, write

ROOT = Path(__file__).resolve().parent.parent
DEMO_EXPORT = ROOT / "demo" / "xzufi" / "nacht-1"
DEFAULT_OUT = Path("demo") / "hessen"
DEFAULT_SEED = 2026
ERZEUGUNG = "erzeugung.json"  # beside nacht-1/ and nacht-2/: the seed and scale it was written with
AGENCY = "SYN-HE"
SENDER = "Landesredaktion Hessen (synthetische Daten)"
NIGHT_1 = datetime(2026, 11, 26, 2, 0, 0)
NIGHT_2 = datetime(2026, 11, 27, 2, 0, 0)
LAND = "06"
EBENEN = ("land", "rp", "kreis", "gemeinde")

# counts at scale 1.0
LEISTUNGEN = 3600
ONLINEDIENSTE = 3200
ORGANISATIONSEINHEITEN = 11250
LEISTUNGEN_JE_EBENE = {"gemeinde": 350, "kreis": 300, "rp": 40}  # the rest: Land
LAND_BEHOERDEN = 150
RP_DEZERNATE = 20  # per Regierungsbezirk
KREIS_AEMTER = 15  # per Kreis
KREISFREI_AEMTER = 8  # per kreisfreie Stadt, for its Kreis tasks
GEMEINDE_GRUNDAEMTER = 4  # Bürgerbüro, Standesamt, Ordnungsamt, Kasse; bigger places get more by population
GROESSEN_EXPONENT = 0.75  # extra offices grow with population ** this
# the next night
GEAENDERT_ANTEIL = 0.01
NEU = 5
GELOESCHT = 5
UMGEZOGEN = 5
UMBENANNT = 5
NEU_EBENEN = ("gemeinde", "kreis", "land", "gemeinde", "rp")
# sizes of the files
JE_DATEI = {"leistungen": 200, "onlinedienste": 800, "organisationseinheiten": 500, "zustaendigkeiten": 5000}

ENGLISCH_ANTEIL = 1 / 3
LEICHTE_SPRACHE_ANTEIL = 0.01
ROLLE = Code(list_uri="urn:de:portal:codeliste:zustaendigkeitsrolle", code="01", name="Zuständige Stelle")
VERTRAUENSNIVEAUS = ("00", "10", "10", "20", "20", "30", "30", "40")


def ref(local_id: str) -> ObjektRef:
    return ObjektRef(agency=AGENCY, id=local_id)


def _mix(*values: int) -> int:
    """A small deterministic hash of integers (Python's ``hash`` of str is salted per process)."""
    h = 0x811C9DC5
    for v in values:
        h = ((h ^ (v & 0xFFFFFFFF)) * 0x01000193) & 0xFFFFFFFF
        h ^= h >> 15
    return h


def _slug(text: str) -> str:
    text = text.lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _scaled(n: int, scale: float, minimum: int = 0) -> int:
    return max(minimum, int(Decimal(str(n * scale)).quantize(Decimal(1), ROUND_HALF_UP)))


@cache
def vokabular() -> dict[str, Any]:
    text = resources.files("content_sync.data").joinpath("synthetic_hessen.yaml").read_text("utf-8")
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 (safe loader)


@cache
def lebenslagen() -> dict[str, dict[str, Any]]:
    text = resources.files("content_sync.data").joinpath("lebenslagen.yaml").read_text("utf-8")
    return {e["code"]: e for e in yaml.safe_load(text)}


# ─── the demo Leistungen as templates ───────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Vorlage:
    """A demo Leistung as the template of synthetic ones."""

    nr: int
    leistung: Leistung
    ebene: str  # gemeinde | kreis | rp | land
    lebenslagen: tuple[str, ...]

    @property
    def sprachen(self) -> tuple[str, ...]:
        return self.leistung.namen.sprachen

    @property
    def kategorie(self) -> str:
        """What kind of Leistung the template is, in the terms of the vocabulary's Verrichtungen."""
        name = (self.leistung.namen.de + " " + self.leistung.text(Textmodul.LEISTUNGSBEZEICHNUNG).de).lower()
        for kategorie, words in KATEGORIE_WOERTER:
            if any(w in name for w in words):
                return kategorie
        return "erlaubnis"


KATEGORIE_WOERTER = (
    ("abgabe", ("steuer", "beitrag", "gebühr")),
    (
        "leistung",
        ("geld", "zuschuss", "förderung", "vorschuss", "leistungen", "erstattung", "betreuungsplatz"),
    ),
    ("anzeige", ("anmelden", "abmelden", "ummelden", "anzeigen", "melden", "registrieren", "abholung")),
    (
        "dokument",
        ("urkunde", "bescheinigung", "ausweis", "pass", "zeugnis", "auskunft", "beglaubigung", "card"),
    ),
)


def _ebene(gebiet: str) -> str | None:
    g = verzeichnis().get(gebiet)
    if g is None:
        return None
    if g.art is GebietArt.GEMEINDE:
        return None if g.kreisfrei else "gemeinde"  # a kreisfreie Stadt does both: look at the others
    return {GebietArt.KREIS: "kreis", GebietArt.REGIERUNGSBEZIRK: "rp", GebietArt.LAND: "land"}[g.art]


@cache
def vorlagen(export: Path = DEMO_EXPORT) -> tuple[Vorlage, ...]:
    """The Leistungen of the demo export with the level of their offices' Zustaendigkeiten."""
    index = export / "index.txt"
    if not index.is_file():
        raise FileNotFoundError(f"the demo export is needed as the source of the texts: {index} is missing")
    names = [
        line.strip()
        for line in index.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    leistungen: dict[str, Leistung] = {}
    ebenen: dict[str, set[str]] = defaultdict(set)
    for name in names:
        with (export / name).open("rb") as fh:
            for event in iter_document(fh, name):
                if not isinstance(event, Schreibe):
                    continue
                zst = list(event.eingebettet) if event.klasse == "Organisationseinheit" else []
                if event.klasse == "Leistung":
                    leistungen[event.obj.ref.key] = event.obj  # type: ignore[assignment]
                elif event.klasse == "Zustaendigkeit":
                    zst = [event.obj]
                for z in zst:
                    if z.ziel_art is ZielArt.ORGANISATIONSEINHEIT:  # type: ignore[attr-defined]
                        for g in z.gebiete:  # type: ignore[attr-defined]
                            ebene = _ebene(g)
                            if ebene:
                                ebenen[z.leistung.key].add(ebene)  # type: ignore[attr-defined]
    out = []
    for nr, key in enumerate(sorted(leistungen)):
        lb = leistungen[key]
        found = ebenen.get(key, set())
        ebene = next((e for e in ("gemeinde", "kreis", "rp", "land") if e in found), "land")
        codes = tuple(k.id for k in lb.kategorien if k.id in lebenslagen())
        out.append(Vorlage(nr, lb, ebene, codes or ("B01",)))
    return tuple(out)


# ─── texts: recombined sentences within the spread of the demo ─────────────────────────────────────────

_BLOCK = re.compile(r"<(p|ul|ol)>(.*?)</\1>", re.S)
_ITEM = re.compile(r"<li>(.*?)</li>", re.S)
_SENTENCE_END = re.compile(r"(?<=[^\d\s][.!?])\s+(?=[A-ZÄÖÜ„(])")  # not after "31." (dates)
_ABKUERZUNG = re.compile(r"(?:^|\s)(?:[A-Za-zÄÖÜäöü]{1,2}|bzw|usw|ggf|vgl|inkl|zzgl|Abs|Nr|ca)\.$")
_TAG = re.compile(r"<[^>]+>")
VARIIERT = tuple(m for m in Textmodul if m not in (Textmodul.LEISTUNGSNAME, Textmodul.LEISTUNGSBEZEICHNUNG))


@dataclass(frozen=True)
class Abschnitt:
    """A text section taken apart: sentences (``plain``, ``p``) or list items with intro paragraphs."""

    art: str
    einheiten: tuple[str, ...]
    intro: tuple[str, ...] = ()
    tag: str = "ul"


def _balanced(unit: str) -> str:
    unit = unit.strip()
    if unit.count("<strong>") != unit.count("</strong>"):
        unit = unit.replace("<strong>", "").replace("</strong>", "")
    return unit


def _saetze(text: str) -> list[str]:
    out: list[str] = []
    for piece in _SENTENCE_END.split(text.strip()):
        if out and _ABKUERZUNG.search(out[-1]):  # "z. B. Die …" is one sentence
            out[-1] += " " + piece
        elif piece.strip():
            out.append(piece)
    return [_balanced(s) for s in out]


def abschnitt(html: str) -> Abschnitt:
    html = " ".join(html.split())
    if "<li>" in html:
        items = tuple(_balanced(i) for i in _ITEM.findall(html))
        intro = tuple(_balanced(inner) for tag, inner in _BLOCK.findall(html) if tag == "p")
        return Abschnitt("list", items, intro, "ol" if "<ol>" in html else "ul")
    if html.startswith("<"):
        paras = [inner for tag, inner in _BLOCK.findall(html) if tag == "p"] or [_TAG.sub("", html)]
        return Abschnitt("p", tuple(s for p in paras for s in _saetze(p)))
    return Abschnitt("plain", tuple(_saetze(html)))


class Textbank:
    """Sections of the demo Leistungen, their lengths, and donor sentences per section, language, Lebenslage."""

    def __init__(self, vorlagen: tuple[Vorlage, ...]) -> None:
        self.abschnitte: dict[tuple[int, Textmodul, str], Abschnitt] = {}
        self.laengen: dict[tuple[Textmodul, str], list[int]] = defaultdict(list)
        self.spender: dict[tuple[Textmodul, str, str, str | None], list[str]] = defaultdict(list)
        for v in vorlagen:
            for modul in VARIIERT:
                for lang, html in v.leistung.text(modul).root.items():
                    if not html.strip():
                        continue
                    a = abschnitt(html)
                    self.abschnitte[(v.nr, modul, lang)] = a
                    self.laengen[(modul, lang)].append(len(" ".join(html.split())))
                    for code in (None, *v.lebenslagen):
                        self.spender[(modul, lang, a.art, code)].extend(a.einheiten)
        for key, units in self.spender.items():
            self.spender[key] = sorted(set(units))
        for lengths in self.laengen.values():
            lengths.sort()

    def text(
        self, rng: random.Random, v: Vorlage, modul: Textmodul, lang: str, codes: tuple[str, ...]
    ) -> str:
        a = self.abschnitte[(v.nr, modul, lang)]
        lengths = self.laengen[(modul, lang)]
        target = min(lengths[-1], max(lengths[0], rng.choice(lengths) * rng.uniform(0.85, 1.15)))
        units = list(a.einheiten)
        if a.art == "list" and a.tag == "ul":
            rng.shuffle(units)
        elif a.art != "list" and len(units) > 2:
            rest = units[1:]
            rng.shuffle(rest)
            units = units[:1] + rest
        per_unit = {"plain": 1, "p": 4.5, "list": 9}[a.art]  # separators and tags
        size = sum(len(i) + 7 for i in a.intro) + (11 if a.art == "list" else 0)
        size += sum(len(u) + per_unit for u in units)
        low, high = max(lengths[0], target * 0.9), min(lengths[-1], target * 1.1)
        pool = self.spender.get((modul, lang, a.art, rng.choice(codes))) or self.spender.get(
            (modul, lang, a.art, None), []
        )
        for _ in range(32):
            if size < low and pool:  # add the donor (of four drawn) that comes closest to the target
                drawn = {pool[rng.randrange(len(pool))] for _ in range(4)} - set(units)
                fits = {d for d in drawn if size + len(d) + per_unit <= high}
                drawn = fits or {d for d in drawn if size + len(d) + per_unit <= lengths[-1]}
                if not drawn:
                    continue
                u = min(sorted(drawn), key=lambda d: abs(size + len(d) + per_unit - target))
                at = len(units) - 1 if a.tag == "ol" and a.art == "list" else rng.randint(1, len(units))
                units.insert(max(at, 0), u)
                size += len(u) + per_unit
            elif size > high and len(units) > 1:  # drop the one (never the first) that comes closest
                i = min(
                    range(1, len(units)), key=lambda k: (abs(size - len(units[k]) - per_unit - target), k)
                )
                size -= len(units.pop(i)) + per_unit
            else:
                break
        if units == list(a.einheiten) and pool:  # still the template's: swap in a donor of similar length
            i = rng.randrange(1, len(units)) if len(units) > 1 else len(units)
            old = len(units[i]) if i < len(units) else 0
            drawn = sorted({pool[rng.randrange(len(pool))] for _ in range(4)} - set(units))
            if drawn:
                units[i : i + 1] = [min(drawn, key=lambda d: abs(len(d) - old))]
        return self._render(rng, a, units)

    @staticmethod
    def _render(rng: random.Random, a: Abschnitt, units: list[str]) -> str:
        if a.art == "plain":
            return " ".join(units)
        if a.art == "list":
            intro = "".join(f"<p>{p}</p>" for p in a.intro)
            return f"{intro}<{a.tag}>" + "".join(f"<li>{u}</li>" for u in units) + f"</{a.tag}>"
        paras, i = [], 0
        while i < len(units):
            n = rng.randint(1, 3)
            paras.append("<p>" + " ".join(units[i : i + n]) + "</p>")
            i += n
        return "".join(paras)


@cache
def textbank() -> Textbank:
    return Textbank(vorlagen())


# ─── amounts in fee texts ──────────────────────────────────────────────────────────────────────────────

_NUM_DE = r"(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d{2})?"
_NUM_EN = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{2})?"
# "46,00 Euro", "50 bis 120 Euro", "zwischen 30 und 1.000 Euro"; "EUR 46.00", "EUR 20 to 120", "EUR 100 and 600"
_BETRAG_DE = re.compile(rf"(?<![\d.,])({_NUM_DE})(?=\s*Euro|\s+(?:bis|und)\s+(?:zu\s+)?{_NUM_DE}\s*Euro)")
_BETRAG_EN = re.compile(rf"(?<=EUR )({_NUM_EN})(?:(\s+(?:to|and)\s+)({_NUM_EN}))?")


def _neuer_betrag(old: Decimal, faktor: Decimal) -> Decimal:
    """The amount times ``faktor``: to 50 cents (whole euros for whole-euro amounts); zero stays zero."""
    if old == 0:
        return old
    if old == old.to_integral_value() and old.as_tuple().exponent >= 0:
        return max(Decimal(1), (old * faktor).quantize(Decimal(1), ROUND_HALF_UP))
    new = (old * faktor * 2).quantize(Decimal(1), ROUND_HALF_UP) / 2
    return max(new, Decimal("0.50")).quantize(Decimal("0.01"))


def _de(amount: Decimal) -> str:
    """German notation: 1.234,50; whole euros without cents when ``amount`` has no decimals."""
    if amount.as_tuple().exponent >= 0:
        return f"{int(amount):,}".replace(",", ".")
    euros, cents = f"{amount:.2f}".split(".")
    return f"{int(euros):,}".replace(",", ".") + "," + cents


def _en(amount: Decimal) -> str:
    return f"{int(amount):,}" if amount.as_tuple().exponent >= 0 else f"{amount:,.2f}"


def _parse_de(text: str) -> Decimal:
    euros, _, cents = text.replace(".", "").partition(",")
    return Decimal(f"{euros}.{cents}") if cents else Decimal(euros)


def _betraege(text: str, lang: str, faktor: Decimal) -> str:
    """The amounts of a fee text times ``faktor``."""
    if lang == "en":

        def en(m: re.Match[str]) -> str:
            first = _en(_neuer_betrag(Decimal(m[1].replace(",", "")), faktor))
            if not m[3]:
                return first
            return first + m[2] + _en(_neuer_betrag(Decimal(m[3].replace(",", "")), faktor))

        return _BETRAG_EN.sub(en, text)
    return _BETRAG_DE.sub(lambda m: _de(_neuer_betrag(_parse_de(m[1]), faktor)), text)


def _kosten(kosten: Kosten, faktor: Decimal) -> Kosten:
    return kosten.model_copy(
        update={
            "betrag": None if kosten.betrag is None else _neuer_betrag(kosten.betrag, faktor),
            "betrag_bis": None if kosten.betrag_bis is None else _neuer_betrag(kosten.betrag_bis, faktor),
        }
    )


# ─── names ─────────────────────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Name:
    de: str
    ls: str
    en: str
    bezeichnung_de: str
    bezeichnung_en: str
    objekt: str
    objekt_en: str
    leika: str
    lebenslage: str
    kategorie: str


def _namen() -> dict[tuple[str, str], tuple[list[Name], list[Name]]]:
    """Per Lebenslage and Kategorie: names without and with a Kontext, in vocabulary order."""
    vok = vokabular()
    out: dict[tuple[str, str], tuple[list[Name], list[Name]]] = {}
    nr = 0
    for code, objekte in vok["objekte"].items():
        for obj_raw, gen, en, kategorie in objekte:
            plain, narrowed = out.setdefault((code, kategorie), ([], []))
            nr += 1
            obj = obj_raw.replace("|", "")
            obj_ls = obj_raw.replace("|", "·")
            en_bare = re.sub(r"^(a|an|the) ", "", en)
            kontexte = [None] + [k for k in vok["kontexte"] if kategorie in k["kategorien"]]
            for v in vok["verrichtungen"][kategorie]:
                for k in kontexte:
                    ctx_de = f" {k['de']}" if k else ""
                    ctx_en = f" {k['en']}" if k else ""
                    de = v["de"].format(obj=obj, gen=gen, ctx=ctx_de)
                    name = Name(
                        de=de,
                        ls=v["de"].format(obj=obj_ls, gen=gen.replace(obj, obj_ls), ctx=ctx_de),
                        en=v["en"].format(en=en, ctx=ctx_en),
                        bezeichnung_de=f"{obj} {v['nomen']}{ctx_de}",
                        bezeichnung_en=(en_bare[:1].upper() + en_bare[1:] + ctx_en),
                        objekt=obj,
                        objekt_en=en_bare,
                        leika=f"99{900 + nr // 1000:03d}{nr % 1000:03d}{v['code']:03d}{k['code'] if k else 0:03d}",
                        lebenslage=code,
                        kategorie=kategorie,
                    )
                    (narrowed if k else plain).append(name)
    return out


# ─── the plan: what exists, decided up front (cheap); texts and elements are made while writing ────────


@dataclass(frozen=True)
class LPlan:
    nr: int
    id: str
    ebene: str
    vorlage: int
    sprachen: tuple[str, ...]
    name: Name
    lebenslagen: tuple[str, ...]
    neu: bool = False  # appears in night 2
    ref: ObjektRef = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", ref(self.id))


@dataclass
class OPlan:
    nr: int
    id: str
    ebene: str  # gemeinde | kreis | rp | land
    einheit: str  # the Gebiet it serves: Gemeinde or kreisfreie Stadt ARS, Kreis ARS, RP key, "06"
    ort: Gebiet  # the Gemeinde it sits in
    name_de: str
    name_en: str
    mail: str
    domain: str
    lebenslagen: frozenset[str]
    alle: bool
    platz: int  # position within its Einheit (0: the main office)
    typ: dict[str, Any] = field(default_factory=dict)
    uebergeordnet: str | None = None
    ref: ObjektRef = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.ref = ref(self.id)

    @property
    def eingebettet(self) -> bool:
        """Gemeinde offices carry their Zustaendigkeiten inside; the others get zustaendigkeitTransferObjekt."""
        return self.ebene == "gemeinde"


@dataclass(frozen=True)
class ODPlan:
    nr: int
    id: str
    leistung: LPlan
    gebiet: str
    ref: ObjektRef = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ref", ref(self.id))


@dataclass(frozen=True)
class Einheit:
    """A Gebiet with Zustaendigkeiten of one level, and the offices that share them."""

    nr: int
    ebene: str
    gebiet: str
    bueros: tuple[OPlan, ...]

    def waehle(self, lb: LPlan, seed: int, cache: dict[tuple[str, ...], list[OPlan]]) -> OPlan:
        """The office of this Gebiet for a Leistung: one that has one of its Lebenslagen, else the general one."""
        cands = cache.get(lb.lebenslagen)
        if cands is None:
            cands = [o for o in self.bueros if o.lebenslagen & set(lb.lebenslagen)]
            cands = cands or [o for o in self.bueros if o.alle] or list(self.bueros[:1])
            cache[lb.lebenslagen] = cands
        return cands[_mix(seed, lb.nr, self.nr) % len(cands)]


def _art(g: Gebiet) -> str:
    suffix = g.name.split(",", 1)[1].lower() if "," in g.name else ""
    return "Stadt" if g.kreisfrei or "stadt" in suffix or "krst" in suffix else "Gemeinde"


def _art_en(g: Gebiet) -> str:
    if _art(g) == "Gemeinde":
        return "Municipality of"
    return "City of" if (g.bevoelkerung or 0) >= 100_000 else "Town of"


def _vorwahl(plz: str) -> str:
    return ("5" if plz.startswith("3") else "6") + plz[1:4]


@dataclass
class Plan:
    seed: int
    scale: float
    leistungen: list[LPlan]  # night 1 and the new ones of night 2 (neu=True)
    bueros: list[OPlan]
    einheiten: dict[str, list[Einheit]]  # per level
    onlinedienste: list[ODPlan]
    geaendert: list[LPlan]
    geloescht: list[LPlan]
    umgezogen: list[OPlan]
    umbenannt: list[OPlan]

    @property
    def nacht_1(self) -> list[LPlan]:
        return [lb for lb in self.leistungen if not lb.neu]

    @property
    def neu(self) -> list[LPlan]:
        return [lb for lb in self.leistungen if lb.neu]


def plan(seed: int = DEFAULT_SEED, scale: float = 1.0) -> Plan:
    """Decide every object (not its texts): Leistungen, offices, Onlinedienste, and the next night's delta."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)  # noqa: S311 (test data, not cryptography)
    leistungen = _plan_leistungen(rng, scale)
    bueros, einheiten = _plan_bueros(scale)
    nacht_1 = [lb for lb in leistungen if not lb.neu]
    n_od = min(_scaled(ONLINEDIENSTE, scale), len(nacht_1))
    mit_od = sorted(rng.sample(range(len(nacht_1)), n_od))
    kreise = [e.gebiet for e in einheiten["kreis"]]
    gemeinden = [e.gebiet for e in einheiten["gemeinde"]]
    ods = []
    for j, i in enumerate(mit_od, start=1):
        lb = nacht_1[i]
        gebiet = LAND  # mostly the Land's online service
        roll = _mix(seed, 7, lb.nr) % 100
        if lb.ebene == "kreis" and roll < 30 and kreise:
            gebiet = kreise[_mix(seed, 8, lb.nr) % len(kreise)]
        elif lb.ebene == "gemeinde" and roll < 20 and gemeinden:
            gebiet = gemeinden[_mix(seed, 9, lb.nr) % len(gemeinden)]
        ods.append(ODPlan(j, f"OD-{j:05d}", lb, gebiet))
    order = list(range(len(nacht_1)))
    rng.shuffle(order)
    n_changed = _scaled(len(nacht_1) * GEAENDERT_ANTEIL, 1.0, 1)
    geloescht = sorted((nacht_1[i] for i in order[:GELOESCHT]), key=lambda lb: lb.nr)
    geaendert = sorted((nacht_1[i] for i in order[GELOESCHT : GELOESCHT + n_changed]), key=lambda lb: lb.nr)
    picked = rng.sample(bueros, min(len(bueros), UMGEZOGEN + UMBENANNT))
    return Plan(
        seed=seed,
        scale=scale,
        leistungen=leistungen,
        bueros=bueros,
        einheiten=einheiten,
        onlinedienste=ods,
        geaendert=geaendert,
        geloescht=geloescht,
        umgezogen=sorted(picked[:UMGEZOGEN], key=lambda o: o.nr),
        umbenannt=sorted(picked[UMGEZOGEN:], key=lambda o: o.nr),
    )


def _plan_leistungen(rng: random.Random, scale: float) -> list[LPlan]:
    n = _scaled(LEISTUNGEN, scale, 1)
    counts = {e: min(_scaled(c, scale), n) for e, c in LEISTUNGEN_JE_EBENE.items()}
    ebenen = [e for e, c in counts.items() for _ in range(c)]
    ebenen = ebenen[:n] + ["land"] * max(0, n - len(ebenen))
    rng.shuffle(ebenen)
    ebenen += list(NEU_EBENEN[:NEU])
    leichte: set[int] = set()
    englisch: set[int] = set()
    for group, minimum in ((range(n), 1), (range(n, len(ebenen)), 0)):  # night 1, the new ones of night 2
        ls = rng.sample(group, max(minimum, round(len(group) * LEICHTE_SPRACHE_ANTEIL)))
        rest = [i for i in group if i not in ls]
        en = rng.sample(rest, max(0, round(len(group) * ENGLISCH_ANTEIL) - len(ls)))
        leichte.update(ls)
        englisch.update(ls, en)
    vl = vorlagen()
    queues: dict[tuple[str, str], list[Name]] = {}
    for key, (plain, narrowed) in _namen().items():
        a, b = list(plain), list(narrowed)
        rng.shuffle(a)
        rng.shuffle(b)
        queues[key] = b + a  # popped from the end: names without a Kontext first
    used: set[str] = set()
    pools: dict[tuple[str, tuple[str, ...]], list[Vorlage]] = {}
    out = []
    for i, ebene in enumerate(ebenen):
        sprachen = ("de", "en", "de-x-ls") if i in leichte else ("de", "en") if i in englisch else ("de",)
        key = (ebene, sprachen)
        if key not in pools:
            pools[key] = _pool(vl, ebene, sprachen)
        v = rng.choice(pools[key])
        codes = list(v.lebenslagen)
        rng.shuffle(codes)
        # a name of the template's Lebenslage and kind, else of its Lebenslage, else any
        same_kind = [(c, v.kategorie) for c in codes]
        same_code = [k for c in codes for k in sorted(queues) if k[0] == c]
        name = None
        for wanted in [*same_kind, *same_code, *sorted(queues)]:
            q = queues.get(wanted, [])
            while q and q[-1].de in used:
                q.pop()
            if q:
                name = q.pop()
                break
        if name is None:
            raise ValueError("the vocabulary has run out of Leistung names; add Objekte or Kontexte")
        used.add(name.de)
        lebenslagen = v.lebenslagen if name.lebenslage in v.lebenslagen else (name.lebenslage, *v.lebenslagen)
        nr = i + 1
        out.append(
            LPlan(
                nr, f"L-{nr:05d}", ebene, v.nr, sprachen, name, tuple(lebenslagen), neu=i >= len(ebenen) - NEU
            )
        )
    return out


def _pool(vl: tuple[Vorlage, ...], ebene: str, sprachen: tuple[str, ...]) -> list[Vorlage]:
    fits = {
        "gemeinde": ("gemeinde",),
        "kreis": ("kreis",),
        "rp": ("rp", "kreis"),
        "land": ("land", "rp", "kreis", "gemeinde"),
    }[ebene]
    pool = [v for v in vl if v.ebene in fits and set(sprachen) <= set(v.sprachen)]
    return pool or [v for v in vl if set(sprachen) <= set(v.sprachen)]


def _plan_bueros(scale: float) -> tuple[list[OPlan], dict[str, list[Einheit]]]:
    vok = vokabular()
    vz = verzeichnis()
    gemeinden = [g for g in vz.by_art(GebietArt.GEMEINDE) if g.bevoelkerung]
    by_name = {g.kurzname: g for g in gemeinden}
    kreise = vz.by_art(GebietArt.KREIS)
    kreisfreie = [g for g in gemeinden if g.kreisfrei]
    rbs = vz.by_art(GebietArt.REGIERUNGSBEZIRK)
    bueros: list[OPlan] = []
    einheiten: dict[str, list[Einheit]] = {"land": [], "rp": [], "kreis": [], "gemeinde": []}

    def add(ebene: str, einheit: str, ort: Gebiet, typ: dict, de: str, en: str, domain: str, platz: int):
        nr = len(bueros) + 1
        o = OPlan(
            nr=nr,
            id=f"OE-{nr:05d}",
            ebene=ebene,
            einheit=einheit,
            ort=ort,
            name_de=de,
            name_en=en,
            mail=typ["mail"] + (f"-{platz}" if ", Außenstelle" in de or " – Außenstelle" in de else ""),
            domain=domain,
            lebenslagen=frozenset(typ.get("lebenslagen") or ()),
            alle=bool(typ.get("alle")),
            platz=platz,
            typ=typ,
        )
        bueros.append(o)
        return o

    def einheit(ebene: str, gebiet: str, offices: list[OPlan]) -> None:
        for o in offices[1:]:
            o.uebergeordnet = offices[0].id
        einheiten[ebene].append(Einheit(len(einheiten[ebene]) + 1, ebene, gebiet, tuple(offices)))

    # Land
    n_land = _scaled(LAND_BEHOERDEN, scale, 1)
    slots = _land_slots(vok["land_behoerden"], n_land, by_name, gemeinden)
    land = [
        add(
            "land",
            LAND,
            ort,
            typ,
            typ["de"].format(ort=ort.kurzname) + suffix,
            typ["en"].format(ort=ort.kurzname) + suffix,
            typ["domain"].format(ort=_slug(ort.kurzname)),
            i,
        )
        for i, (typ, ort, suffix) in enumerate(slots)
    ]
    einheit("land", LAND, land)
    # Regierungsbezirke
    n_rp = _scaled(RP_DEZERNATE, scale, 1)
    for rb in rbs:
        sitz_name = rb.name.split()[-1]
        sitz = by_name[sitz_name]
        offices = []
        for i in range(n_rp):
            typ = vok["rp_dezernate"][i % len(vok["rp_dezernate"])]
            extra = f" {i // len(vok['rp_dezernate']) + 1}" if i >= len(vok["rp_dezernate"]) else ""
            de = f"Regierungspräsidium {sitz_name}" + (f" – Dezernat {typ['de']}{extra}" if typ["de"] else "")
            en = f"Regional Council of {sitz_name}" + (f" – {typ['en']}{extra}" if typ["en"] else "")
            offices.append(add("rp", rb.ars[:3], sitz, typ, de, en, f"rp{_slug(sitz_name)[:2]}.hessen", i))
        einheit("rp", rb.ars[:3], offices)
    # Kreise, then the kreisfreie Städte's Kreis offices
    n_kreis = _scaled(KREIS_AEMTER, scale, 1)
    for kreis in kreise:
        sitz = _kreisstadt(kreis, gemeinden)
        offices = []
        for i in range(n_kreis):
            typ, extra = _typ(vok["kreis_aemter"], i)
            offices.append(
                add(
                    "kreis",
                    kreis.ars,
                    sitz,
                    typ,
                    f"{kreis.name} – {typ['de']}{extra}",
                    f"{kreis.name} – {typ['en']}{extra}",
                    _slug(kreis.name),
                    i,
                )
            )
        einheit("kreis", kreis.ars, offices)
    n_kreisfrei = _scaled(KREISFREI_AEMTER, scale, 1)
    for stadt in kreisfreie:
        offices = []
        for i in range(n_kreisfrei):
            typ, extra = _typ(vok["kreis_aemter"], i)
            offices.append(
                add(
                    "kreis",
                    stadt.ars,
                    stadt,
                    typ,
                    f"Stadt {stadt.kurzname} – {typ['de']}{extra}",
                    f"City of {stadt.kurzname} – {typ['en']}{extra}",
                    _slug(stadt.kurzname),
                    i,
                )
            )
        einheit("kreis", stadt.ars, offices)
    # Gemeinden (with the kreisfreie Städte) share the rest by population
    rest = max(len(gemeinden), _scaled(ORGANISATIONSEINHEITEN, scale) - len(bueros))
    for g, n in zip(gemeinden, _verteile(gemeinden, rest), strict=True):
        art = _art(g)
        offices = []
        for i, (typ, extra) in enumerate(_gemeinde_typen(vok, n)):
            amt = typ["de"].format(art=art)
            offices.append(
                add(
                    "gemeinde",
                    g.ars,
                    g,
                    typ,
                    f"{art} {g.kurzname} – {amt}{extra}",
                    f"{_art_en(g)} {g.kurzname} – {typ['en']}{extra}",
                    _slug(g.kurzname),
                    i,
                )
            )
        einheit("gemeinde", g.ars, offices)
    return bueros, einheiten


def _typ(types: list[dict], i: int) -> tuple[dict, str]:
    if i < len(types):
        return types[i], ""
    return types[i % len(types)], f", Außenstelle {i // len(types) + 1}"


def _gemeinde_typen(vok: dict[str, Any], n: int) -> Iterator[tuple[dict, str]]:
    if n < GEMEINDE_GRUNDAEMTER and n in vok["gemeinde_zusammengelegt"]:
        for typ in vok["gemeinde_zusammengelegt"][n]:
            yield typ, ""
        return
    for i in range(n):
        yield _typ(vok["gemeinde_aemter"], i)


def _verteile(gemeinden: list[Gebiet], total: int) -> list[int]:
    """Offices per Gemeinde: the basic ones for each, the rest by population ** GROESSEN_EXPONENT."""
    base = min(GEMEINDE_GRUNDAEMTER, total // len(gemeinden))
    rest = total - base * len(gemeinden)
    weights = [(g.bevoelkerung or 1) ** GROESSEN_EXPONENT for g in gemeinden]
    s = sum(weights)
    shares = [rest * w / s for w in weights]
    counts = [base + int(x) for x in shares]
    left = total - sum(counts)
    by_remainder = sorted(
        range(len(gemeinden)), key=lambda i: (-(shares[i] - int(shares[i])), gemeinden[i].ars)
    )
    for i in by_remainder[:left]:
        counts[i] += 1
    return counts


def _kreisstadt(kreis: Gebiet, gemeinden: list[Gebiet]) -> Gebiet:
    seat = {"06633": "066110000000", "06432": "064110000000"}  # Kreishaus in a kreisfreie Stadt
    in_kreis = [g for g in gemeinden if g.uebergeordnet == kreis.ars]
    if kreis.ars[:5] in seat:
        return next(g for g in gemeinden if g.ars == seat[kreis.ars[:5]])
    marked = [g for g in in_kreis if "Kreisstadt" in g.name or "Krst." in g.name]
    return marked[0] if marked else max(in_kreis, key=lambda g: (g.bevoelkerung or 0, g.ars))


def _land_slots(
    types: list[dict], n: int, by_name: dict[str, Gebiet], gemeinden: list[Gebiet]
) -> list[tuple[dict, Gebiet, str]]:
    """Land authorities round-robin over their places; beyond the list, Außenstellen in the largest places."""
    slots: list[tuple[dict, Gebiet, str]] = []
    depth = max(len(t["orte"]) for t in types)
    for r in range(depth):
        for t in types:
            if r < len(t["orte"]) and t["orte"][r] in by_name:
                slots.append((t, by_name[t["orte"][r]], ""))
    biggest = sorted(gemeinden, key=lambda g: (-(g.bevoelkerung or 0), g.ars))
    k = 0
    while len(slots) < n:
        t = types[1 + k % (len(types) - 1)]
        slots.append((t, biggest[k % 40], f" – Außenstelle {k // 40 + 2}"))
        k += 1
    return slots[:n]


# ─── models ────────────────────────────────────────────────────────────────────────────────────────────


def _rng(seed: int, *parts: int) -> random.Random:
    return random.Random(_mix(seed, *parts) * 1_000_003 + parts[-1])  # noqa: S311 (test data)


def leistung_model(p: Plan, lb: LPlan) -> Leistung:
    """The Leistung of night 1 (or, for a new one, of night 2)."""
    vl = vorlagen()[lb.vorlage]
    t = vl.leistung
    rng = _rng(p.seed, 1, lb.nr)
    bank = textbank()
    texte: dict[Textmodul, Mehrsprachig] = {
        Textmodul.LEISTUNGSBEZEICHNUNG: Mehrsprachig(
            {"de": lb.name.bezeichnung_de, **({"en": lb.name.bezeichnung_en} if "en" in lb.sprachen else {})}
        ),
        Textmodul.LEISTUNGSNAME: Mehrsprachig(
            {
                "de": lb.name.de,
                **({"en": lb.name.en} if "en" in lb.sprachen else {}),
                **({"de-x-ls": lb.name.ls} if "de-x-ls" in lb.sprachen else {}),
            }
        ),
    }
    for modul in VARIIERT:
        per_lang = {
            lang: bank.text(rng, vl, modul, lang, lb.lebenslagen)
            for lang in lb.sprachen
            if (vl.nr, modul, lang) in bank.abschnitte
        }
        if per_lang:
            texte[modul] = Mehrsprachig(per_lang)
    faktor = Decimal(rng.choice(("0.8", "0.9", "1.0", "1.1", "1.25", "1.5")))
    freigabe = date(2024, 1, 8) + timedelta(days=rng.randrange(0, 990))
    erstellt = datetime.combine(freigabe, datetime.min.time())
    geaendert = erstellt + timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(7 * 60, 18 * 60))
    if geaendert >= NIGHT_1:
        geaendert = NIGHT_1 - timedelta(days=1, hours=3)
    if lb.neu:
        erstellt = datetime(2026, 11, 26, 9, 0) + timedelta(minutes=lb.nr % 400)
        geaendert = erstellt
        freigabe = date(2026, 11, 25)
    codes = lebenslagen()

    def only(m: Mehrsprachig) -> Mehrsprachig:
        return Mehrsprachig({k: _betraege(v, k, faktor) for k, v in m.root.items() if k in lb.sprachen})

    begriffe = [
        Begriff(begriff=lb.name.objekt, sprache="de"),
        Begriff(begriff=lb.name.bezeichnung_de, sprache="de"),
    ]
    if "en" in lb.sprachen:
        begriffe.append(Begriff(begriff=lb.name.objekt_en, sprache="en"))
    return Leistung(
        ref=lb.ref,
        leika=(lb.name.leika,),
        texte=texte,
        modul_links=t.modul_links,
        kosten=tuple(_kosten(k, faktor) for k in t.kosten),
        kosten_text=only(t.kosten_text),
        fristen=t.fristen,
        fristen_text=Mehrsprachig({k: v for k, v in t.fristen_text.root.items() if k in lb.sprachen}),
        bearbeitungsdauer=t.bearbeitungsdauer,
        bearbeitungsdauer_text=Mehrsprachig(
            {k: v for k, v in t.bearbeitungsdauer_text.root.items() if k in lb.sprachen}
        ),
        begriffe=tuple(begriffe),
        fachliche_freigabe=FachlicheFreigabe(am=freigabe, durch=t.fachliche_freigabe.durch)
        if t.fachliche_freigabe
        else FachlicheFreigabe(am=freigabe),
        kategorien=tuple(
            Kategorie(id=c, klasse="lebenslage", bezeichnung=Mehrsprachig(codes[c]["name"]))
            for c in lb.lebenslagen
        ),
        adressaten=t.adressaten,
        typisierung=t.typisierung,
        gueltigkeit_gebiete=(LAND,),
        versionsinformation=Versionsinformation(
            erstellt=erstellt, geaendert=geaendert, version=str(1 + rng.randrange(4))
        ),
        sprachversionen=lb.sprachen,
    )


def geaenderte_leistung(p: Plan, lb: LPlan) -> Leistung:
    """Night 2: the fees went up (amounts and fee text) and a note was added to the Hinweise."""
    base = leistung_model(p, lb)
    rng = _rng(p.seed, 2, lb.nr)
    faktor = Decimal("1.1")
    kosten = tuple(_kosten(k, faktor) for k in base.kosten)
    kosten_text = {k: _betraege(v, k, faktor) for k, v in base.kosten_text.root.items()}
    if not any(k.betrag for k in kosten) or kosten_text == base.kosten_text.root:
        betrag = Decimal(5 * rng.randint(2, 12)).quantize(Decimal("0.01"))
        kosten = (*kosten, Kosten(art="fix", betrag=betrag))
        kosten_text["de"] = kosten_text.get("de", "") + (
            f"<p>Seit dem 1. Januar 2027 wird eine Verwaltungsgebühr von {_de(betrag)} Euro erhoben.</p>"
        )
        if "en" in base.sprachversionen:
            kosten_text["en"] = kosten_text.get("en", "") + (
                f"<p>Since 1 January 2027 an administrative fee of EUR {betrag:.2f} is charged.</p>"
            )
    satz = rng.choice(vokabular()["aenderungen"])
    hinweise = dict(base.text(Textmodul.HINWEISE).root)
    for lang in ("de", "en"):
        if lang in base.sprachversionen:
            hinweise[lang] = hinweise.get(lang, "") + f"<p>{satz[lang]}</p>"
    texte = dict(base.texte)
    texte[Textmodul.HINWEISE] = Mehrsprachig(hinweise)
    v = base.versionsinformation
    assert v is not None
    return base.model_copy(
        update={
            "texte": texte,
            "kosten": kosten,
            "kosten_text": Mehrsprachig(kosten_text),
            "versionsinformation": Versionsinformation(
                erstellt=v.erstellt,
                geaendert=datetime(2026, 11, 26, 8, 0) + timedelta(minutes=rng.randrange(0, 600)),
                version=str(int(v.version or "1") + 1),
            ),
        }
    )


def buero_model(p: Plan, o: OPlan, nacht: int = 1) -> Organisationseinheit:
    vok = vokabular()
    rng = _rng(p.seed, 3, o.nr)
    g = o.ort
    strassen = vok["strassen"]
    haupt = o.platz == 0 or rng.random() < 0.5  # half of the offices are in the main building
    h = _mix(p.seed, 4, int(g.ars) % 2_147_483_647, 0 if haupt else o.nr)
    strasse = strassen[h % len(strassen)]
    hausnummer = str(1 + h % 97)
    plz = g.plz[0] if haupt or len(g.plz) == 1 else g.plz[1 + h % (len(g.plz) - 1)]
    name_de, name_en = o.name_de, o.name_en
    if nacht == 2 and o.id in {u.id for u in p.umgezogen}:
        strasse = strassen[(h + 7) % len(strassen)]
        hausnummer = str(1 + (h + 13) % 97)
    if nacht == 2 and o.id in {u.id for u in p.umbenannt}:
        name_de, name_en = _umbenannt(name_de), f"{name_en} (Service Centre)"
    anschriften = [
        Anschrift(
            typ=Anschrifttyp.BESUCHERANSCHRIFT,
            strasse=strasse,
            hausnummer=hausnummer,
            plz=plz,
            ort=g.kurzname,
            ars=g.ars,
        )
    ]
    if o.platz == 0:
        anschriften.append(
            Anschrift(typ=Anschrifttyp.POSTANSCHRIFT, postfach=str(1000 + h % 8000), plz=plz, ort=g.kurzname)
        )
    vorwahl = _vorwahl(g.plz[0])
    durchwahl = 100 + 10 * o.platz + (o.nr % 10 if o.ebene != "gemeinde" else 0)
    kommunikation = [
        Kommunikation(
            kanal="telefon",
            kennung=f"+49 {vorwahl} 000-{durchwahl}",
            zusatz=Mehrsprachig({"de": "Zentrale", "en": "Switchboard"})
            if o.platz == 0
            else Mehrsprachig({}),
        )
    ]
    if rng.random() < 0.5:
        kommunikation.append(Kommunikation(kanal="fax", kennung=f"+49 {vorwahl} 000-{durchwahl + 9}"))
    kommunikation.append(Kommunikation(kanal="email", kennung=f"{o.mail}@{o.domain}.example"))
    kommunikation.append(Kommunikation(kanal="web", kennung=f"https://www.{o.domain}.example"))
    muster = vok["oeffnungszeiten"][rng.randrange(len(vok["oeffnungszeiten"]))]
    zeiten = tuple(Oeffnungszeit(tag=tag, von=z["von"], bis=z["bis"]) for z in muster for tag in z["tage"])
    hinweis = vok["oeffnungszeiten_hinweise"][rng.randrange(len(vok["oeffnungszeiten_hinweise"]))]
    if zeiten and rng.random() < 0.5:
        hinweis = None
    barriere = (
        vok["barrierefreiheit"][rng.randrange(len(vok["barrierefreiheit"]))] if rng.random() < 0.8 else None
    )
    ll = lebenslagen()
    themen_de = ", ".join(ll[c]["name"]["de"] for c in sorted(o.lebenslagen))
    themen_en = ", ".join(ll[c]["name"]["en"] for c in sorted(o.lebenslagen))
    beschreibung = (
        Mehrsprachig(
            {
                "de": f"<p>Zuständig unter anderem für: {themen_de}.</p>",
                "en": f"<p>Responsible, among other things, for: {themen_en}.</p>",
            }
        )
        if themen_de
        else Mehrsprachig(
            {
                "de": "<p>Allgemeine Anlaufstelle für alle Anliegen, für die keine andere Stelle genannt ist.</p>",
                "en": "<p>General point of contact for all matters for which no other office is listed.</p>",
            }
        )
    )
    ansprechpunkte = tuple(
        Ansprechpunkt(
            bezeichnung=Mehrsprachig({"de": a["de"], "en": a["en"]}),
            kommunikation=(
                Kommunikation(kanal="telefon", kennung=f"+49 {vorwahl} 000-{durchwahl + 1 + k}"),
                Kommunikation(kanal="email", kennung=f"{a['mail']}@{o.domain}.example"),
            ),
        )
        for k, a in enumerate(o.typ.get("ansprechpunkte") or ())
    )
    return Organisationseinheit(
        ref=o.ref,
        namen=Mehrsprachig({"de": name_de, "en": name_en}),
        beschreibung=beschreibung,
        uebergeordnet=ref(o.uebergeordnet) if o.uebergeordnet else None,
        anschriften=tuple(anschriften),
        kommunikation=tuple(kommunikation),
        oeffnungszeiten=zeiten,
        oeffnungszeiten_text=Mehrsprachig(hinweis) if hinweis else Mehrsprachig({}),
        ansprechpunkte=ansprechpunkte,
        barrierefreiheit=Mehrsprachig(barriere) if barriere else Mehrsprachig({}),
    )


def _umbenannt(name: str) -> str:
    for r in vokabular()["umbenennungen"]:
        if r["alt"] in name:
            return name.replace(r["alt"], r["neu"], 1)
    return f"{name} (Servicezentrum)"


def onlinedienst_model(p: Plan, od: ODPlan) -> Onlinedienst:
    rng = _rng(p.seed, 5, od.nr)
    de = od.leistung.name.de
    pattern = rng.randrange(3)
    names = {"de": (f"Online-Antrag: {de}", f"{de} – online", f"Onlinedienst „{de}“")[pattern]}
    if "en" in od.leistung.sprachen:
        names["en"] = f"{od.leistung.name.en} online"
    host = "onlinedienste.hessen"
    if od.gebiet != LAND:
        gebiet = verzeichnis().get(od.gebiet)
        host = f"service.{_slug(gebiet.kurzname if gebiet else od.gebiet)}"
    return Onlinedienst(
        ref=od.ref,
        namen=Mehrsprachig(names),
        links=(
            OnlinedienstLink(
                typ="01", uri=f"https://{host}.example/{_slug(de)}", titel=names["de"], sprache="de"
            ),
        ),
        vertrauensniveau=VERTRAUENSNIVEAUS[rng.randrange(len(VERTRAUENSNIVEAUS))],
        sprachversionen=tuple(sorted(names)),
    )


def _zst(o: OPlan, lb: LPlan, gebiet: str) -> Zustaendigkeit:
    return Zustaendigkeit(
        ref=ref(f"ZST-{o.id}-{lb.id}-{gebiet}"),
        leistung=lb.ref,
        ziel=o.ref,
        ziel_art=ZielArt.ORGANISATIONSEINHEIT,
        gebiete=(gebiet,),
        rolle=ROLLE,
    )


def _od_zst(od: ODPlan) -> Zustaendigkeit:
    return Zustaendigkeit(
        ref=ref(f"ZST-{od.id}-{od.leistung.id}-{od.gebiet}"),
        leistung=od.leistung.ref,
        ziel=od.ref,
        ziel_art=ZielArt.ONLINEDIENST,
        gebiete=(od.gebiet,),
    )


def zuordnung(p: Plan, e: Einheit, leistungen: Iterable[LPlan]) -> dict[str, list[LPlan]]:
    """Which office of the Einheit is responsible for which of these Leistungen (of its level)."""
    out: dict[str, list[LPlan]] = defaultdict(list)
    cache: dict[tuple[str, ...], list[OPlan]] = {}
    for lb in leistungen:
        if lb.ebene == e.ebene:
            out[e.waehle(lb, p.seed, cache).id].append(lb)
    return out


# ─── writing ───────────────────────────────────────────────────────────────────────────────────────────


class _Ausgabe:
    """Writes the documents of one night, counting files and bytes."""

    def __init__(self, folder: Path, when: datetime, seed: int) -> None:
        self.folder = folder
        self.when = when
        self.seed = seed
        self.files: list[str] = []
        self.bytes = 0
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file() and (old.suffix == ".xml" or old.name == "index.txt"):
                old.unlink()

    def write(self, name: str, schreibe: list[etree._Element], loesche: Iterable[tuple[str, ObjektRef]] = ()):
        data = write.message(
            schreibe,
            loesche,
            erstellt=self.when,
            nachricht_id=f"hessen-{self.seed}-{self.folder.name}-{name.removesuffix('.xml')}",
            sender=SENDER,
        )
        (self.folder / name).write_bytes(data)
        self.files.append(name)
        self.bytes += len(data)

    def index(self) -> None:
        lines = ["# XZuFi-Export Hessen (synthetisch) – Dateien in der Reihenfolge, in der sie zu lesen sind"]
        (self.folder / "index.txt").write_text("\n".join([*lines, *self.files]) + "\n", encoding="utf-8")


def _chunks(items: list, size: int) -> Iterator[tuple[int, list]]:
    for n, start in enumerate(range(0, len(items), size), start=1):
        yield n, items[start : start + size]


def _numbered(prefix: str, n: int, total: int) -> str:
    return f"{prefix}-{n:0{max(2, len(str(total)))}d}.xml"


def _nach_ebene(leistungen: Iterable[LPlan]) -> dict[str, list[LPlan]]:
    out: dict[str, list[LPlan]] = defaultdict(list)
    for lb in leistungen:
        out[lb.ebene].append(lb)
    return out


def _write_nacht_1(p: Plan, out: _Ausgabe) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    leistungen = p.nacht_1
    total = -(-len(leistungen) // JE_DATEI["leistungen"])
    for n, chunk in _chunks(leistungen, JE_DATEI["leistungen"]):
        out.write(
            _numbered("leistungen", n, total), [write.leistung_element(leistung_model(p, lb)) for lb in chunk]
        )
    counts["Leistung"] = len(leistungen)
    total = -(-len(p.onlinedienste) // JE_DATEI["onlinedienste"])
    for n, chunk in _chunks(p.onlinedienste, JE_DATEI["onlinedienste"]):
        out.write(
            _numbered("onlinedienste", n, total),
            [write.onlinedienst_element(onlinedienst_model(p, od)) for od in chunk],
        )
    counts["Onlinedienst"] = len(p.onlinedienste)
    je_ebene = _nach_ebene(leistungen)

    # offices; the Gemeinde offices carry their Zustaendigkeiten inside
    pending: list[etree._Element] = []
    n_files = -(-len(p.bueros) // JE_DATEI["organisationseinheiten"])
    written = 0
    for ebene in EBENEN:
        for e in p.einheiten[ebene]:
            zuo = zuordnung(p, e, je_ebene[ebene]) if ebene == "gemeinde" else {}
            for o in e.bueros:
                zst = [_zst(o, lb, e.gebiet) for lb in zuo.get(o.id, ())]
                counts[f"zst_{ebene}"] += len(zst)
                pending.append(write.organisationseinheit_element(buero_model(p, o), zst))
                if len(pending) == JE_DATEI["organisationseinheiten"]:
                    written += 1
                    out.write(_numbered("organisationseinheiten", written, n_files), pending)
                    pending = []
    if pending:
        written += 1
        out.write(_numbered("organisationseinheiten", written, n_files), pending)
    counts["Organisationseinheit"] = len(p.bueros)

    # Zustaendigkeiten of Kreis, RP and Land offices and of the Onlinedienste: zustaendigkeitTransferObjekt.
    # Planned as (target, Leistungen) first, made into elements one file at a time.
    transfer: list[tuple[OPlan | ODPlan, str, list[LPlan]]] = []
    for ebene in EBENEN:
        if ebene == "gemeinde":
            continue
        for e in p.einheiten[ebene]:
            zuo = zuordnung(p, e, je_ebene[ebene])
            for o in e.bueros:
                if zuo.get(o.id):
                    counts[f"zst_{ebene}"] += len(zuo[o.id])
                    transfer.append((o, e.gebiet, zuo[o.id]))
    for od in p.onlinedienste:
        transfer.append((od, od.gebiet, [od.leistung]))
        counts["zst_onlinedienst"] += 1
    batches: list[list[tuple[OPlan | ODPlan, str, list[LPlan]]]] = [[]]
    size = 0
    for item in transfer:
        if size + len(item[2]) > JE_DATEI["zustaendigkeiten"] and batches[-1]:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += len(item[2])
    for n, batch in enumerate(batches, start=1):
        elements = []
        for target, gebiet, lbs in batch:
            if isinstance(target, ODPlan):
                elements.append(write.zustaendigkeit_transfer_element(target.ref, [_od_zst(target)]))
            else:
                zst = [_zst(target, lb, gebiet) for lb in lbs]
                elements.append(write.zustaendigkeit_transfer_element(target.ref, zst))
        out.write(_numbered("zustaendigkeiten", n, len(batches)), elements)
    counts["Zustaendigkeit"] = sum(v for k, v in counts.items() if k.startswith("zst_"))
    out.index()
    return dict(counts)


def _write_nacht_2(p: Plan, out: _Ausgabe) -> dict[str, dict[str, int]]:
    """The delta, in the form of the demo's night 2; returns what a sync of it must count."""
    geloescht = {lb.nr for lb in p.geloescht}
    neu = p.neu
    stand = _nach_ebene(lb for lb in p.leistungen if lb.nr not in geloescht)  # the state of night 2
    neu_je_ebene = _nach_ebene(neu)
    ods_weg = [od for od in p.onlinedienste if od.leistung.nr in geloescht]
    out.write(
        "leistungen.xml",
        [write.leistung_element(geaenderte_leistung(p, lb)) for lb in p.geaendert]
        + [write.leistung_element(leistung_model(p, lb)) for lb in neu],
        [("Leistung", lb.ref) for lb in p.geloescht] + [("Onlinedienst", od.ref) for od in ods_weg],
    )
    # The moved and renamed offices, and every Gemeinde office that gets a new Leistung: written whole, as
    # its embedded Zustaendigkeiten are replaced with it. New Kreis, RP and Land ones come as transfer objects.
    geaenderte_bueros = {o.id for o in (*p.umgezogen, *p.umbenannt)}
    bueros: list[etree._Element] = []
    transfer: list[etree._Element] = []
    zst_neu = zst_weg = 0
    for ebene in EBENEN:
        for e in p.einheiten[ebene]:
            fresh = zuordnung(p, e, neu_je_ebene[ebene])
            zst_neu += sum(len(v) for v in fresh.values())
            zst_weg += sum(1 for lb in p.geloescht if lb.ebene == ebene)  # one per Leistung and Gebiet
            rewrite = [o for o in e.bueros if o.id in geaenderte_bueros or (o.eingebettet and o.id in fresh)]
            full = zuordnung(p, e, stand[ebene]) if ebene == "gemeinde" and rewrite else {}
            for o in rewrite:
                zst = [_zst(o, lb, e.gebiet) for lb in full.get(o.id, ())]
                bueros.append(write.organisationseinheit_element(buero_model(p, o, nacht=2), zst))
            for o in e.bueros:
                if not o.eingebettet and fresh.get(o.id):
                    zst = [_zst(o, lb, e.gebiet) for lb in fresh[o.id]]
                    transfer.append(write.zustaendigkeit_transfer_element(o.ref, zst))
    size = JE_DATEI["organisationseinheiten"]
    if len(bueros) <= size:
        out.write("organisationseinheiten.xml", bueros)
    else:
        total = -(-len(bueros) // size)
        for n, chunk in _chunks(bueros, size):
            out.write(_numbered("organisationseinheiten", n, total), chunk)
    out.write("zustaendigkeiten.xml", transfer)
    out.index()
    delta = {
        "Leistung": {"changed": len(p.geaendert), "new": len(neu), "deleted": len(p.geloescht)},
        "Organisationseinheit": {"changed": len(geaenderte_bueros)},
        "Zustaendigkeit": {"new": zst_neu, "deleted": zst_weg + len(ods_weg)},
    }
    if ods_weg:
        delta["Onlinedienst"] = {"deleted": len(ods_weg)}
    return delta


def write_hessen_export(target: Path, *, seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict[str, Any]:
    """Write ``target/nacht-1`` (full export) and ``target/nacht-2`` (the next night's delta); return the counts.

    The result: the objects of night 1 per klasse (``Leistung``, ``Onlinedienst``, ``Organisationseinheit``,
    ``Zustaendigkeit``), Zustaendigkeiten per level, languages, the expected changes of night 2 per klasse
    (as ``portal sync`` counts them), files, bytes and seconds.
    """
    t0 = time.perf_counter()
    target = Path(target)
    p = plan(seed, scale)
    n1 = _Ausgabe(target / "nacht-1", NIGHT_1, seed)
    counts = _write_nacht_1(p, n1)
    n2 = _Ausgabe(target / "nacht-2", NIGHT_2, seed)
    delta = _write_nacht_2(p, n2)
    # what this export was written with (portal bench build writes it again for another scale)
    (target / ERZEUGUNG).write_text(
        json.dumps({"scale": scale, "seed": seed}, sort_keys=True) + "\n", "utf-8"
    )
    return {
        "seed": seed,
        "scale": scale,
        "Leistung": counts["Leistung"],
        "Onlinedienst": counts["Onlinedienst"],
        "Organisationseinheit": counts["Organisationseinheit"],
        "Zustaendigkeit": counts["Zustaendigkeit"],
        "zustaendigkeiten_je_ebene": {
            k.removeprefix("zst_"): counts.get(k, 0)
            for k in ("zst_gemeinde", "zst_kreis", "zst_rp", "zst_land", "zst_onlinedienst")
        },
        "leistungen_je_ebene": {
            e: sum(1 for lb in p.nacht_1 if lb.ebene == e) for e in ("gemeinde", "kreis", "rp", "land")
        },
        "sprachen": {
            "en": sum(1 for lb in p.nacht_1 if "en" in lb.sprachen),
            "de-x-ls": sum(1 for lb in p.nacht_1 if "de-x-ls" in lb.sprachen),
        },
        "nacht_2": delta,
        "files": {"nacht-1": len(n1.files), "nacht-2": len(n2.files)},
        "bytes": {"nacht-1": n1.bytes, "nacht-2": n2.bytes},
        "seconds": round(time.perf_counter() - t0, 2),
    }


def erzeugung(target: Path) -> dict[str, Any] | None:
    """Seed and scale of the export in ``target`` as write_hessen_export recorded them; None for an export
    without that record (written by an older version, or not by this generator)."""
    try:
        data = json.loads((Path(target) / ERZEUGUNG).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


__all__ = ["DEFAULT_OUT", "DEFAULT_SEED", "ERZEUGUNG", "erzeugung", "plan", "write_hessen_export"]
