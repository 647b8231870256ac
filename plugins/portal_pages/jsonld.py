"""schema.org JSON-LD for each page: BreadcrumbList everywhere, GovernmentService, GovernmentOffice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from content_sync.models import Dauer, Kanal, Organisationseinheit, Textmodul, Zeiteinheit

from .filters import sichere_url
from .sanitize import plain_text
from .urls import sprach_prefix

if TYPE_CHECKING:
    from .pages import Seite
    from .site import Portal

DAYS = {
    "MO": "Monday",
    "DI": "Tuesday",
    "MI": "Wednesday",
    "DO": "Thursday",
    "FR": "Friday",
    "SA": "Saturday",
    "SO": "Sunday",
}
ISO_UNIT = {
    Zeiteinheit.JAHR: "Y",
    Zeiteinheit.MONAT: "M",
    Zeiteinheit.WOCHE: "W",
    Zeiteinheit.TAG: "D",
    Zeiteinheit.WERKTAG: "D",
    Zeiteinheit.ARBEITSTAG: "D",
}


def _url(portal: Portal, path: str) -> str:
    base = portal.settings.site_url.rstrip("/")
    return f"{base}/{path}" if base else f"/{path}"


def _text(texte: Any, sprache: str) -> str:
    found = texte.in_sprache(sprache) if texte is not None else None
    return found[1] if found else ""


def iso_dauer(d: Dauer) -> str | None:
    if d.dauer is None or d.einheit not in ISO_UNIT:
        return None
    return f"P{d.dauer_bis or d.dauer}{ISO_UNIT[d.einheit]}"  # the upper bound: what a citizen plans with


def office(portal: Portal, oe: Organisationseinheit, sprache: str) -> dict[str, Any]:
    subsite, rest = portal.stelle_ort(oe)
    data: dict[str, Any] = {
        "@type": "GovernmentOffice",
        "name": _text(oe.namen, sprache),
        "url": _url(portal, sprach_prefix(subsite.path, "") + rest),
    }
    for a in oe.anschriften:
        if a.strasse or a.postfach:
            data["address"] = {
                "@type": "PostalAddress",
                "streetAddress": " ".join(p for p in (a.strasse, a.hausnummer) if p)
                or f"Postfach {a.postfach}",
                "postalCode": a.plz or "",
                "addressLocality": a.ort or "",
                "addressCountry": "DE",
            }
            break
    for k in oe.kommunikation:
        key = {
            Kanal.TELEFON: "telephone",
            Kanal.FAX: "faxNumber",
            Kanal.EMAIL: "email",
            Kanal.WEB: "sameAs",
        }.get(k.kanal)
        if key and key not in data and (key != "sameAs" or sichere_url(k.kennung)):
            data[key] = k.kennung
    if oe.oeffnungszeiten:
        data["openingHoursSpecification"] = [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": DAYS[z.tag.value],
                "opens": z.von.strftime("%H:%M"),
                "closes": z.bis.strftime("%H:%M"),
            }
            for z in oe.oeffnungszeiten
        ]
    return data


def breadcrumbs(portal: Portal, seite: Seite, crumbs: list[tuple[str, str]], title: str) -> dict[str, Any]:
    items = [(label, path) for label, path in crumbs] + [(title, seite.path)]
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": n, "name": label, "item": _url(portal, path)}
            for n, (label, path) in enumerate(items, start=1)
        ],
    }


def for_page(portal: Portal, seite: Seite) -> dict[str, Any]:
    sprache = seite.sprache.code
    graph: list[dict[str, Any]] = []
    crumbs = []
    for g in reversed(portal.gebiete.kette(seite.subsite.gebiet.ars)):
        sub = portal.subsites.get(g.ars)
        if sub is not None:
            crumbs.append((g.kurzname, sprach_prefix(sub.path, seite.sprache.ordner)))
    title = seite.subsite.gebiet.kurzname
    if seite.template == "leistung.html":
        lb = seite.data["lb"]
        angebot = seite.data["angebot"]
        title = _text(lb.namen, sprache)
        service: dict[str, Any] = {
            "@type": "GovernmentService",
            "name": title,
            "url": _url(portal, seite.path),
            "identifier": list(lb.leika),
            "description": plain_text(
                _text(lb.text(Textmodul.TEASER), sprache) or _text(lb.text(Textmodul.KURZTEXT), sprache)
            ),
            "areaServed": {
                "@type": "AdministrativeArea",
                "name": (angebot.gebiet or seite.subsite.gebiet).name,
            },
        }
        if angebot.stellen:
            service["serviceOperator"] = [office(portal, oe, sprache) for oe in angebot.stellen]
        channels = []
        processing = next((iso_dauer(d) for d in lb.bearbeitungsdauer if iso_dauer(d)), None)
        for od in angebot.onlinedienste:
            for link in od.links[:1]:
                if not sichere_url(link.uri):  # as on the page: no link that is not http(s)
                    continue
                channel = {
                    "@type": "ServiceChannel",
                    "name": _text(od.namen, sprache),
                    "serviceUrl": link.uri,
                }
                if processing:
                    channel["processingTime"] = processing
                channels.append(channel)
        for oe in angebot.stellen:
            channel = {
                "@type": "ServiceChannel",
                "name": _text(oe.namen, sprache),
                "serviceLocation": office(portal, oe, sprache),
            }
            if processing:
                channel["processingTime"] = processing
            channels.append(channel)
        if channels:
            service["availableChannel"] = channels
        graph.append(service)
    elif seite.template == "stelle.html":
        graph.append(office(portal, seite.data["oe"], sprache))
        title = _text(seite.data["oe"].namen, sprache)
    if seite.rest:
        graph.append(breadcrumbs(portal, seite, crumbs, title))
    return {"@context": "https://schema.org", "@graph": graph}
