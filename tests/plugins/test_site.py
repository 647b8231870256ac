"""Who is responsible where, and which pages exist: the portal's structure on the demo data."""

from __future__ import annotations

import pytest

from content_sync.models import GebietArt
from content_sync.store import Store
from plugins.portal_pages.pages import seiten
from plugins.portal_pages.settings import PluginConfigError, PortalPagesSettings
from plugins.portal_pages.site import Portal

WANFRIED, KASSEL, FULDA = "066360013013", "066110000000", "066310009009"


@pytest.fixture(scope="module")
def portal(demo_store):
    settings = PortalPagesSettings(store=demo_store, gebiete=["06636", "06631", "06611", "06414"])
    with Store(demo_store, readonly=True) as store:
        return Portal(settings, store)


def leistung(portal, leika):
    return next(lb for lb in portal.leistungen.values() if leika in lb.leika)


@pytest.mark.parametrize(
    ("place", "leika", "level", "office_part"),
    [
        (
            WANFRIED,
            "99008001012000",
            "Wanfried, Stadt",
            "Stadtverwaltung Wanfried",
        ),  # Personalausweis: Gemeinde
        (WANFRIED, "99012070006001", "Werra-Meißner-Kreis", "Bauaufsicht"),  # Baugenehmigung: Kreis
        (WANFRIED, "99041006017000", "Hessen", "Versorgung und Soziales"),  # Elterngeld: Land
        (
            KASSEL,
            "99012070006001",
            "Kassel, documenta-Stadt",
            "Bauaufsicht",
        ),  # kreisfreie Stadt does it itself
        (FULDA, "99012070006001", "Fulda, Stadt", "Bauaufsicht"),  # Sonderstatusstadt: its own Bauaufsicht
    ],
    ids=["gemeinde", "kreis", "land", "kreisfreie-stadt", "sonderstatusstadt"],
)
def test_most_specific_zustaendigkeit_wins(portal, place, leika, level, office_part):
    angebot = portal.angebot(leistung(portal, leika), place)
    assert angebot.gebiet is not None and angebot.gebiet.name == level
    assert any(office_part in oe.namen.de for oe in angebot.stellen)


def test_every_resident_sees_every_service(portal):
    wanfried = portal.subsites[WANFRIED]
    assert len(portal.angebote(wanfried)) == len(portal.leistungen)


def test_pages_grow_with_zustaendigkeiten_not_with_places(portal):
    pages = list(seiten(portal))
    service_pages = [p for p in pages if p.template == "leistung.html"]
    n_lang = len(portal.settings.sprachen)
    own = sum(len(portal.eigene_leistungen(s)) for s in portal.subsites.values())
    assert len(service_pages) == own * n_lang
    gemeinden = [s for s in portal.subsites.values() if s.gebiet.art is GebietArt.GEMEINDE]
    assert own < len(portal.leistungen) * len(gemeinden) / 4


def test_subsite_slugs_are_unique_ascii_and_stable(portal):
    slugs = [s.slug for s in portal.subsites.values()]
    assert len(slugs) == len(set(slugs))
    assert all(s.isascii() and s == s.lower() for s in slugs)
    assert portal.subsites[WANFRIED].slug == "wanfried"
    assert portal.land.slug == ""


def test_paths_are_unique(portal):
    paths = [p.save_as for p in seiten(portal)]
    assert len(paths) == len(set(paths))


def test_lebenslagen_from_kategorie_and_pvlagen_mapping(portal):
    lb = leistung(portal, "99008001012000")
    assert [ll.code for ll in portal.lebenslagen_von(lb)] == ["B01"]
    assert all(portal.lebenslagen_von(lb) for lb in portal.leistungen.values())


def test_settings_fail_loudly_on_a_wrong_key(demo_store):
    with pytest.raises(PluginConfigError, match=r"PORTAL_PAGES\.stroe"):
        PortalPagesSettings.from_pelican({"PORTAL_PAGES": {"store": str(demo_store), "stroe": "x"}})
    with pytest.raises(PluginConfigError, match="missing"):
        PortalPagesSettings.from_pelican({})
