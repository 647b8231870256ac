"""From the portal's structure (``Portal``, read once by portal_pages) to the API's models, for one language.

What a page shows, the API publishes, with the same rules: texts in the language or in German (marked by
``sprache``), HTML through the pages' allow-list, only http(s) links, only e-mail addresses that are ones,
the responsible office of the most specific Gebiet (``Portal.angebot``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from content_sync.models import (
    Anschrifttyp,
    Dauer,
    Frist,
    Kanal,
    Kosten,
    Kostenart,
    Leistung,
    Leistungsadressat,
    Mehrsprachig,
    Textmodul,
)
from content_sync.models import Onlinedienst as OnlinedienstDaten
from content_sync.models import Organisationseinheit as Stelle
from plugins.portal_pages.filters import besucheranschrift, groupby_tag, osm_link, sichere_url, tel
from plugins.portal_pages.i18n import Formate
from plugins.portal_pages.settings import Sprache
from plugins.portal_pages.site import Angebot, Lebenslage, Portal, Subsite
from plugins.portal_pages.urls import id_slug, sprach_prefix

from . import modelle as m
from .settings import ContentApiSettings
from .texte import einzeilig, erste_saetze, klartext_aus_sicherem, kuerzen, sicheres_html

# The sections in the order of the page (names, 02 and 03, are the service's name, not sections).
ABSCHNITTE: list[tuple[str, Textmodul | str]] = [
    ("teaser", Textmodul.TEASER),
    ("kurztext", Textmodul.KURZTEXT),
    ("volltext", Textmodul.VOLLTEXT),
    ("unterlagen", Textmodul.UNTERLAGEN),
    ("formulare", Textmodul.FORMULARE),
    ("voraussetzungen", Textmodul.VORAUSSETZUNGEN),
    ("rechtsgrundlagen", Textmodul.RECHTSGRUNDLAGEN),
    ("rechtsbehelf", Textmodul.RECHTSBEHELF),
    ("verfahrensablauf", Textmodul.VERFAHRENSABLAUF),
    ("fristen", "fristen_text"),
    ("bearbeitungsdauer", "bearbeitungsdauer_text"),
    ("kosten", "kosten_text"),
    ("hinweise", Textmodul.HINWEISE),
    ("weiterfuehrende_informationen", Textmodul.WEITERFUEHRENDE_INFORMATIONEN),
    ("zustaendige_stelle", Textmodul.ZUSTAENDIGE_STELLE),
    ("ansprechpunkt", Textmodul.ANSPRECHPUNKT),
    ("urheber", Textmodul.URHEBER),
]
ANSCHRIFTTYP = {
    Anschrifttyp.HAUSANSCHRIFT: "hausanschrift",
    Anschrifttyp.BESUCHERANSCHRIFT: "besucheranschrift",
    Anschrifttyp.POSTFACH: "postfach",
    Anschrifttyp.GROSSEMPFAENGERPOSTFACH: "grossempfaengerpostfach",
    Anschrifttyp.LIEFERANSCHRIFT: "lieferanschrift",
    Anschrifttyp.POSTANSCHRIFT: "postanschrift",
}
ADRESSAT = {
    Leistungsadressat.BUERGER: "buerger",
    Leistungsadressat.UNTERNEHMEN: "unternehmen",
    Leistungsadressat.VERWALTUNG: "verwaltung",
}


@functools.cache
def objekt_id(local_id: str) -> str:
    """An object's id in API paths and files: the id part of its page's slug (``LB-1116`` -> ``lb-1116``)."""
    return id_slug(local_id)


def ort_schluessel(portal: Portal) -> dict[str, str]:
    """Each subsite's key in API paths (``orte/<key>/``): its slug; the Land (slug '') by its short name."""
    out = {ars: s.slug for ars, s in portal.subsites.items() if s.slug}
    land = portal.land
    key = objekt_id(land.gebiet.kurzname)
    if key in out.values():
        key = f"{key}-{land.gebiet.ars}"
    out[land.gebiet.ars] = key
    return out


@dataclass
class Pfade:
    """The URLs of the API and of the pages (absolute with PORTAL_PAGES['site_url'], else root-relative)."""

    site_url: str
    api: str  # "api/v1"

    def url(self, path: str) -> str:
        base = self.site_url.rstrip("/")
        return f"{base}/{path}" if base else f"/{path}"

    def api_url(self, rel: str) -> str:
        return self.url(f"{self.api}/{rel}")

    def schema(self, name: str) -> str:
        return self.api_url(f"schemas/{name}.schema.json")


@dataclass
class Inhalte:
    """The API's objects in one language; offices and descriptions are built once and reused."""

    portal: Portal
    config: ContentApiSettings
    sprache: Sprache
    formate: Formate
    pfade: Pfade
    orte: dict[str, str]  # ARS -> key in API paths
    _stellen: dict[str, m.Behoerde] = field(default_factory=dict)
    _ods: dict[str, m.Onlinedienst] = field(default_factory=dict)
    _kurz: dict[str, tuple[str, str]] = field(default_factory=dict)
    _antwort: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    _namen: dict[str, tuple[str, str]] = field(default_factory=dict)
    _orte: dict[str, m.OrtRef] = field(default_factory=dict)
    _tage: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.sprache.code

    # --- small helpers --------------------------------------------------------------------------------------

    def wahl(self, texte: Mehrsprachig | None) -> tuple[str, str] | None:
        return texte.in_sprache(self.code) if texte is not None else None

    @staticmethod
    def html_und_text(html: str) -> tuple[str, str]:
        """(sanitised HTML, plain text) of editor HTML, sanitised once."""
        cleaned = sicheres_html(html)
        return cleaned, klartext_aus_sicherem(cleaned)

    def klartext(self, html: str) -> str:
        return self.html_und_text(html)[1]

    def klar(self, texte: Mehrsprachig | None) -> str | None:
        found = self.wahl(texte)
        return einzeilig(found[1]) if found else None

    def seite(self, subsite: Subsite, rest: str = "") -> str:
        return self.pfade.url(sprach_prefix(subsite.path, self.sprache.ordner) + rest)

    def datei(self, rel: str) -> str:
        """Path below the API root of a file in this language."""
        return f"{self.code}/{rel}"

    def ort_datei(self, subsite: Subsite, name: str) -> str:
        return self.datei(f"orte/{self.orte[subsite.gebiet.ars]}/{name}")

    def name(self, lb: Leistung) -> tuple[str, str]:
        """(language, name) of a service (``Leistung.namen`` merges two modules on every call: memoised)."""
        key = lb.ref.key
        if key not in self._namen:
            found = self.wahl(lb.namen)
            self._namen[key] = (found[0], found[1]) if found else ("de", lb.leika[0])
        return self._namen[key]

    def tag_name(self, tag: str) -> str:
        if tag not in self._tage:
            self._tage[tag] = self.formate.wochentag(tag)
        return self._tage[tag]

    def kurztext(self, lb: Leistung) -> tuple[str, str]:
        """(language, teaser or short text as plain text, cut to CONTENT_API['kurztext_zeichen'])."""
        key = lb.ref.key
        if key not in self._kurz:
            found = self.wahl(lb.text(Textmodul.TEASER)) or self.wahl(lb.text(Textmodul.KURZTEXT))
            text = kuerzen(self.klartext(found[1]), self.config.kurztext_zeichen) if found else ""
            self._kurz[key] = (found[0] if found else self.code, text)
        return self._kurz[key]

    def ort_ref(self, subsite: Subsite) -> m.OrtRef:
        g = subsite.gebiet
        if g.ars in self._orte:
            return self._orte[g.ars]
        self._orte[g.ars] = ref = m.OrtRef(
            schluessel=self.orte[g.ars],
            ars=g.ars,
            name=g.name,
            kurzname=g.kurzname,
            art=g.art.value,
            seite=self.seite(subsite),
        )
        return ref

    def zustaendigkeit(self, angebot: Angebot) -> m.Zustaendigkeit | None:
        g = angebot.gebiet
        return m.Zustaendigkeit(ebene=g.art.value, ars=g.ars, name=g.name) if g else None

    # --- a service's description ------------------------------------------------------------------------

    def abschnitte(self, lb: Leistung) -> list[m.Abschnitt]:
        out = []
        for schluessel, quelle in ABSCHNITTE:
            if isinstance(quelle, Textmodul):
                texte, modul = lb.text(quelle), quelle.value
                links = [
                    m.Link(url=h.uri, titel=h.titel or None)
                    for h in lb.modul_links.get(quelle, ())
                    if sichere_url(h.uri)
                ]
            else:
                texte, modul, links = getattr(lb, quelle), None, []
            found = self.wahl(texte)
            html, text = self.html_und_text(found[1]) if found else ("", "")
            if not html.strip() and not links:
                continue
            out.append(
                m.Abschnitt(
                    schluessel=schluessel,
                    modul=modul,
                    sprache=found[0] if found else self.code,
                    html=html,
                    text=text,
                    links=links,
                )
            )
        return out

    def kosten_text(self, k: Kosten) -> str:
        gt, fmt = self.formate.gt, self.formate
        if k.art is Kostenart.FIX:
            return gt.gettext("Gebühr: %(betrag)s") % {"betrag": fmt.betrag(k.betrag)}
        if k.art is Kostenart.VARIABEL:
            return gt.gettext("Gebühr: %(von)s bis %(bis)s") % {
                "von": fmt.betrag(k.betrag),
                "bis": fmt.betrag(k.betrag_bis),
            }
        return gt.gettext("kostenfrei")

    def kosten(self, lb: Leistung) -> list[m.Kostenposten]:
        return [
            m.Kostenposten(
                art=k.art.value,
                betrag=str(k.betrag) if k.betrag is not None else None,
                betrag_bis=str(k.betrag_bis) if k.betrag_bis is not None else None,
                waehrung=k.waehrung,
                vorkasse=k.vorkasse,
                typ=k.typ,
                text=self.kosten_text(k),
                beschreibung=self.klar(k.beschreibung),
            )
            for k in lb.kosten
        ]

    def zeitangabe(self, d: Dauer) -> m.Zeitangabe:
        return m.Zeitangabe(
            text=self.formate.dauer(d),
            dauer=d.dauer,
            einheit=d.einheit.value if d.einheit else None,
            dauer_bis=d.dauer_bis,
            einheit_bis=d.einheit_bis.value if d.einheit_bis else None,
            stichtag_von=d.stichtag_von,
            stichtag_bis=d.stichtag_bis,
            typ=d.typ if isinstance(d, Frist) else None,
            beschreibung=self.klar(d.beschreibung),
        )

    def lebenslagen(self, lb: Leistung) -> list[Lebenslage]:
        return self.portal.lebenslagen_von(lb)

    def ll_name(self, ll: Lebenslage) -> tuple[str, str]:
        return (
            (self.code, ll.name[self.code]) if ll.name.get(self.code) else ("de", ll.name.get("de", ll.code))
        )

    def leistung_texte(self, lb: Leistung) -> m.LeistungTexte:
        sprache, name = self.name(lb)
        begriffe_sprachen = {self.code, "de"} if self.code == "de-x-ls" else {self.code}
        freigabe = lb.fachliche_freigabe
        geaendert = lb.versionsinformation.geaendert if lb.versionsinformation else None
        return m.LeistungTexte(
            schema_=self.pfade.schema("leistung"),
            id=objekt_id(lb.ref.id),
            xzufi=m.XzufiId(agency=lb.ref.agency, id=lb.ref.id),
            sprache=self.code,
            leika=list(lb.leika),
            name=name,
            name_sprache=sprache,
            kurztext=self.kurztext(lb)[1],
            kurztext_sprache=self.kurztext(lb)[0],
            abschnitte=self.abschnitte(lb),
            kosten=self.kosten(lb),
            fristen=[self.zeitangabe(f) for f in lb.fristen],
            bearbeitungsdauer=[self.zeitangabe(d) for d in lb.bearbeitungsdauer],
            begriffe=list(dict.fromkeys(b.begriff for b in lb.begriffe if b.sprache in begriffe_sprachen)),
            lebenslagen=[
                m.LebenslageRef(code=ll.code, name=self.ll_name(ll)[1], zielgruppe=ll.zielgruppe)
                for ll in self.lebenslagen(lb)
            ],
            adressaten=[ADRESSAT[a] for a in lb.adressaten],
            fachliche_freigabe=m.Freigabe(
                am=freigabe.am.isoformat() if freigabe.am else None, durch=self.klar(freigabe.durch)
            )
            if freigabe
            else None,
            stand=geaendert.date().isoformat() if geaendert else None,
            ursprungsportal=[
                m.Link(url=h.uri, titel=h.titel or None) for h in lb.ursprungsportal if sichere_url(h.uri)
            ],
            seite=self.seite(self.portal.land, self.portal.leistung_rest(lb)),
        )

    # --- offices and online services ----------------------------------------------------------------------

    def kontakt(self, k: Any) -> m.Kontakt:
        if k.kanal is Kanal.TELEFON or k.kanal is Kanal.FAX:
            nummer = tel(k.kennung)
            url = f"tel:{nummer}" if nummer.strip("+") else None
        elif k.kanal is Kanal.EMAIL:  # the model keeps only real addresses as e-mail
            url = f"mailto:{k.kennung.strip()}"
        elif k.kanal is Kanal.WEB and sichere_url(k.kennung):
            url = k.kennung
        else:
            url = None
        return m.Kontakt(kanal=k.kanal.value, kennung=k.kennung, url=url, zusatz=self.klar(k.zusatz))

    def anschrift(self, a: Any) -> m.Anschrift:
        return m.Anschrift(
            typ=ANSCHRIFTTYP.get(a.typ) if a.typ else None,
            strasse=a.strasse,
            hausnummer=a.hausnummer,
            postfach=a.postfach,
            plz=a.plz,
            ort=a.ort,
            zusatz=self.klar(a.zusatz),
            karte=osm_link(a) if a.strasse else None,
        )

    def behoerde(self, oe: Stelle) -> m.Behoerde:
        key = oe.ref.key
        if key not in self._stellen:
            sprache, name = self.wahl(oe.namen) or ("de", oe.ref.id)
            heimat, rest = self.portal.stelle_ort(oe)
            beschreibung = self.wahl(oe.beschreibung)
            besuch = besucheranschrift(oe)
            self._stellen[key] = m.Behoerde(
                id=objekt_id(oe.ref.id),
                xzufi=m.XzufiId(agency=oe.ref.agency, id=oe.ref.id),
                name=name,
                sprache=sprache,
                beschreibung=(self.html_und_text(beschreibung[1])[0] or None) if beschreibung else None,
                anschrift=self.anschrift(besuch) if besuch else None,
                anschriften=[self.anschrift(a) for a in oe.anschriften],
                oeffnungszeiten=[
                    m.Oeffnungszeit(
                        tag=tag,
                        tag_name=self.tag_name(tag),
                        von=z.von.strftime("%H:%M"),
                        bis=z.bis.strftime("%H:%M"),
                    )
                    for tag, zeiten in groupby_tag(oe.oeffnungszeiten)
                    for z in zeiten
                ],
                oeffnungszeiten_hinweis=self.klar(oe.oeffnungszeiten_text),
                kontakt=[self.kontakt(k) for k in oe.kommunikation],
                ansprechpunkte=[
                    m.Ansprechpunkt(
                        bezeichnung=self.klar(p.bezeichnung),
                        kontakt=[self.kontakt(k) for k in p.kommunikation],
                    )
                    for p in oe.ansprechpunkte
                ],
                barrierefreiheit=self.klar(oe.barrierefreiheit),
                seite=self.seite(heimat, rest),
                ort=self.orte[heimat.gebiet.ars],
            )
        return self._stellen[key]

    def onlinedienst(self, od: OnlinedienstDaten) -> m.Onlinedienst:
        key = od.ref.key
        if key not in self._ods:
            link = od.links[0] if od.links else None  # as on the page: the first link, if it is safe
            self._ods[key] = m.Onlinedienst(
                id=objekt_id(od.ref.id),
                xzufi=m.XzufiId(agency=od.ref.agency, id=od.ref.id),
                name=(self.wahl(od.namen) or ("de", od.ref.id))[1],
                url=link.uri if link and sichere_url(link.uri) else None,
                vertrauensniveau=od.vertrauensniveau,
            )
        return self._ods[key]

    # --- a service in a place -----------------------------------------------------------------------------

    def leistung_datei(self, lb: Leistung) -> str:
        return self.datei(f"leistungen/{objekt_id(lb.ref.id)}.json")

    def eintrag(self, subsite: Subsite, angebot: Angebot) -> m.LeistungEintrag:
        lb = angebot.leistung
        sprache, name = self.name(lb)
        kurz_sprache, kurztext = self.kurztext(lb)
        return m.LeistungEintrag(
            id=objekt_id(lb.ref.id),
            leika=list(lb.leika),
            name=name,
            sprache=sprache,
            kurztext=kurztext,
            kurztext_sprache=kurz_sprache,
            lebenslagen=[ll.code for ll in self.lebenslagen(lb)],
            zustaendigkeit=self.zustaendigkeit(angebot),
            stellen=[
                m.StelleRef(id=b.id, name=b.name, sprache=b.sprache)
                for b in (self.behoerde(oe) for oe in angebot.stellen)
            ],
            onlinedienste=[self.onlinedienst(od) for od in angebot.onlinedienste],
            antwort=self.antwort(subsite, angebot),
            seite=self.seite(subsite, self.portal.leistung_rest(lb)),
            texte=self.pfade.api_url(self.leistung_datei(lb)),
        )

    def antwort_text(self, lb: Leistung) -> tuple[str, str, str | None]:
        """(one or two sentences, their language, the fee in words): the same for a service in every place."""
        key = lb.ref.key
        if key not in self._antwort:
            sprache, name = self.name(lb)
            quellen = [self.wahl(lb.text(Textmodul.TEASER)), self.wahl(lb.text(Textmodul.KURZTEXT))]
            gewaehlt = [q for q in quellen if q]
            # the sentences come from teaser and short text in the name's language, else in what there is
            passend = [q for q in gewaehlt if q[0] == sprache] or gewaehlt
            text = erste_saetze([self.klartext(t) for _, t in passend], self.config.antwort_zeichen)
            gebuehr = "; ".join(self.kosten_text(k) for k in lb.kosten) or None
            kosten_text = self.wahl(lb.kosten_text)
            if gebuehr is None and kosten_text:  # no amounts in the data: the first sentence of the fee text
                gebuehr = (
                    erste_saetze([self.klartext(kosten_text[1])], self.config.antwort_zeichen, 1) or None
                )
            if text:
                self._antwort[key] = (text, passend[0][0], gebuehr)
            else:
                self._antwort[key] = (name, sprache, gebuehr)
        return self._antwort[key]

    def antwort(self, subsite: Subsite, angebot: Angebot) -> m.Antwort:
        lb = angebot.leistung
        name_sprache, name = self.name(lb)
        text, sprache, gebuehr = self.antwort_text(lb)
        dienst = next((d for d in (self.onlinedienst(od) for od in angebot.onlinedienste) if d.url), None)
        return m.Antwort(
            name=name,
            name_sprache=name_sprache,
            text=text,
            sprache=sprache,
            gebuehr=gebuehr,
            onlinedienst=m.Link(url=dienst.url, titel=dienst.name) if dienst and dienst.url else None,
            stelle=self.behoerde(angebot.stellen[0]).name if angebot.stellen else None,
            seite=self.seite(subsite, self.portal.leistung_rest(lb)),
        )

    # --- a subsite's files --------------------------------------------------------------------------------

    def ort_leistungen(
        self, subsite: Subsite, kette: list[Subsite], eintraege: list[m.LeistungEintrag]
    ) -> m.OrtLeistungen:
        return m.OrtLeistungen(
            schema_=self.pfade.schema("ort-leistungen"),
            sprache=self.code,
            ort=self.ort_ref(subsite),
            kette=[self.ort_ref(s) for s in kette],
            leistungen=eintraege,
        )

    def ort_behoerden(self, subsite: Subsite, stellen: list[Stelle]) -> m.OrtBehoerden:
        return m.OrtBehoerden(
            schema_=self.pfade.schema("ort-behoerden"),
            sprache=self.code,
            ort=self.ort_ref(subsite),
            behoerden=[self.behoerde(oe) for oe in stellen],
        )

    def ort_lebenslagen(self, subsite: Subsite, by_ll: dict[str, list[str]]) -> m.OrtLebenslagen:
        """The tree: Zielgruppe, Lebenslage (in the taxonomy's order), the ids of its services here."""
        gruppen: dict[str, list[m.LebenslageEintrag]] = defaultdict(list)
        for ll in self.portal.lebenslagen:
            if not by_ll.get(ll.code):
                continue
            sprache, name = self.ll_name(ll)
            gruppen[ll.zielgruppe].append(
                m.LebenslageEintrag(
                    code=ll.code,
                    name=name,
                    sprache=sprache,
                    seite=self.seite(subsite, self.portal.lebenslage_rest(ll)),
                    leistungen=by_ll[ll.code],
                )
            )
        return m.OrtLebenslagen(
            schema_=self.pfade.schema("ort-lebenslagen"),
            sprache=self.code,
            ort=self.ort_ref(subsite),
            zielgruppen=[
                m.Zielgruppe(code=code, lebenslagen=gruppen[code])
                for code in ("buerger", "unternehmen")
                if gruppen.get(code)
            ],
        )
