"""Render tests per component: each macro with example data, in German and Arabic, against small fragment
snapshots in tests/plugins/snapshots/. After an intended change: UPDATE_SNAPSHOTS=1 pytest tests/plugins."""

from __future__ import annotations

import os
from datetime import time
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import html as lxml_html

from content_sync.models import (
    Anschrift,
    Gebiet,
    GebietArt,
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
)
from content_sync.store import Store
from plugins.portal_pages.generator import (
    EINTRAG_TEMPLATE,
    GEBIET_PLATZ,
    URL_PLATZ,
    _leistung_url,
    make_environments,
)
from plugins.portal_pages.settings import DEFAULT_SPRACHEN, PortalPagesSettings
from plugins.portal_pages.site import Angebot, Portal
from tests.conftest import ROOT

SNAPSHOTS = Path(__file__).parent / "snapshots"
SPRACHEN = {s.code: s for s in DEFAULT_SPRACHEN}

OE = Organisationseinheit(
    ref=ObjektRef(agency="DEMO-HE", id="OE-0321"),
    namen=Mehrsprachig({"de": "Stadtverwaltung Wanfried", "en": "Town of Wanfried"}),
    anschriften=(Anschrift(typ="002", strasse="Marktstraße", hausnummer="2", plz="37281", ort="Wanfried"),),
    kommunikation=(
        Kommunikation(kanal="telefon", kennung="+49 5655 000-110", zusatz=Mehrsprachig({"de": "Zentrale"})),
        Kommunikation(kanal="email", kennung="buergerbuero@wanfried.example"),
        Kommunikation(kanal="web", kennung="javascript:alert(1)"),
    ),
    oeffnungszeiten=(
        Oeffnungszeit(tag="DO", von=time(14), bis=time(18)),
        Oeffnungszeit(tag="MO", von=time(8), bis=time(12)),
        Oeffnungszeit(tag="DO", von=time(8), bis=time(12)),
    ),
    oeffnungszeiten_text=Mehrsprachig({"de": "und nach Vereinbarung"}),
    barrierefreiheit=Mehrsprachig({"de": "Stufenloser Zugang"}),
)
OD = Onlinedienst(
    ref=ObjektRef(agency="DEMO-HE", id="OD-1"),
    namen=Mehrsprachig({"de": "Online beantragen", "en": "Apply online"}),
    links=(OnlinedienstLink(typ="01", uri="https://antrag.example/pa"),),
    vertrauensniveau="40",
)
LB = Leistung(
    ref=ObjektRef(agency="DEMO-HE", id="LB-1001"),
    leika=("99008001012000",),
    texte={
        Textmodul.LEISTUNGSNAME: Mehrsprachig(
            {"de": "Personalausweis beantragen", "en": "Apply for an ID card"}
        ),
        Textmodul.TEASER: Mehrsprachig({"de": "<p>Für alle ab <strong>16</strong>.</p>"}),
        Textmodul.VOLLTEXT: Mehrsprachig({"de": '<p onclick="x()">Text <script>alert(1)</script></p>'}),
        Textmodul.UNTERLAGEN: Mehrsprachig({"de": "<ul><li>Lichtbild</li><li>bisheriger Ausweis</li></ul>"}),
    },
    kosten=(Kosten(art="fix", betrag=Decimal("46.00")),),
)


@pytest.fixture(scope="module")
def envs():
    return make_environments(ROOT / "theme", list(DEFAULT_SPRACHEN))


@pytest.fixture(scope="module")
def portal(demo_store):
    with Store(demo_store, readonly=True) as store:
        return Portal(PortalPagesSettings(store=demo_store, gebiete=["06636"]), store)


CASES = {
    "hinweis": '{{ k.hinweis("Ein Hinweis.", "warning", "Achtung") }}',
    "text-uebersetzt": "{{ k.text(wahl(lb.text('24'))) }}",
    "text-fallback-bereinigt": "{{ k.text(wahl(lb.text('06'))) }}",
    "oeffnungszeiten": "{{ k.oeffnungszeiten(oe) }}",
    "kontakt": "{{ k.kontakt(oe.kommunikation) }}",
    "kontaktkarte": "{{ k.kontaktkarte(oe) }}",
    "onlinedienst": "{{ k.onlinedienst(od) }}",
    "leistungsliste": "{{ k.leistungsliste([angebot]) }}",
    "sprachwahl": "{{ k.sprachwahl(alternates, sprache) }}",
    "breadcrumbs": "{{ k.breadcrumbs([('Hessen', ''), ('Wanfried', 'wanfried/')], page_path, 'Seite') }}",
    "suchformular": "{{ k.suchformular('suche/', 'test') }}",
    "barriere-melden": '{{ k.barriere_melden("Seite & Titel") }}',
    "checkliste": "{{ k.checkliste(wahl(lb.text('08')), 'DEMO-HE:LB-1001:' ~ sprache.code) }}",
    "dgs-video": "{{ k.dgs_video('inhalt', config.barrierefreiheit.dgs.get('inhalt')) }}",
    "dgs-video-fehlt": "{{ k.dgs_video('navigation', config.barrierefreiheit.dgs.get('navigation')) }}",
}
# the settings the accessibility components read: a "Barriere melden" address and one sign-language video
BARRIEREFREIHEIT = {
    "melden_an": "barrierefreiheit@land.example",
    "dgs": {
        "inhalt": {
            "datei": "medien/dgs/inhalt.mp4",
            "bytes": 48_200_000,
            "sekunden": 165,
            "text": "Willkommen im Verwaltungsportal.\n\nHier finden Sie Leistungen.",
        }
    },
}


def render(envs, portal, code: str, source: str) -> str:
    env = envs[code]
    template = env.from_string('{% import "components/komponenten.html" as k with context %}' + source)
    sprache = SPRACHEN[code]
    wanfried = portal.subsites["066360013013"]
    config = PortalPagesSettings(store=portal.settings.store, barrierefreiheit=BARRIEREFREIHEIT)
    return template.render(
        config=config,
        root="../../",
        seiten_adresse="/wanfried/x/",
        ls_sprache=SPRACHEN["de-x-ls"],
        lb=LB,
        oe=OE,
        od=OD,
        sprache=sprache,
        portal=portal,
        page_path="wanfried/x/",
        angebot=Angebot(LB, wanfried.gebiet, wanfried, [OE], [OD]),
        alternates=[(s, f"../{s.ordner}") for s in DEFAULT_SPRACHEN],
    ).strip()


@pytest.mark.parametrize("code", ["de", "ar"])
@pytest.mark.parametrize("name", CASES)
def test_component_snapshot(envs, portal, name, code):
    out = render(envs, portal, code, CASES[name])
    lxml_html.fragment_fromstring(out, create_parent="div")  # well-formed enough to parse
    snapshot = SNAPSHOTS / f"{name}.{code}.html"
    if os.environ.get("UPDATE_SNAPSHOTS") or not snapshot.exists():
        snapshot.write_text(out + "\n", encoding="utf-8")
    assert out + "\n" == snapshot.read_text(encoding="utf-8"), (
        f"{snapshot} differs (UPDATE_SNAPSHOTS=1 to accept)"
    )


def test_component_behaviour(envs, portal):
    card = render(envs, portal, "de", CASES["kontaktkarte"])
    assert 'href="javascript:' not in card and "<bdi>javascript:alert(1)</bdi>" in card  # shown, never linked
    hours = render(envs, portal, "de", CASES["oeffnungszeiten"])
    table = hours[hours.index("<table") :]
    assert table.index("Montag") < table.index("Donnerstag")
    assert table.index("08:00") < table.index("14:00")
    # the structured hours for "jetzt geöffnet" (oeffnungszeiten.js) in the same order; the status line is
    # hidden until the script fills it
    assert 'hidden data-zeiten="MO 08:00-12:00 DO 08:00-12:00 DO 14:00-18:00"' in hours
    cleaned = render(envs, portal, "ar", CASES["text-fallback-bereinigt"])
    assert "<script" not in cleaned and "onclick" not in cleaned and 'lang="de"' in cleaned
    assert render(envs, portal, "ar", CASES["sprachwahl"]).count("aria-current") == 1


def test_accessibility_components(envs, portal):
    melden = render(envs, portal, "de", CASES["barriere-melden"])
    href = lxml_html.fragment_fromstring(melden).get("href")
    assert href.startswith(
        "mailto:barrierefreiheit@land.example?subject=Barriere%20melden%3A%20Seite%20%26%20Titel&body="
    )
    assert "Seite%3A%20%2Fwanfried%2Fx%2F%0D%0A" in href  # the path the build knows, CRLF line breaks
    assert 'data-text="Seite: %u' in melden  # the browser puts in the full address
    video = render(envs, portal, "de", CASES["dgs-video"])
    assert 'href="../../medien/dgs/inhalt.mp4" type="video/mp4" download' in video
    assert '(MP4, 48,2 MB, <time datetime="PT2M45S">2 Minuten 45 Sekunden</time>)' in video
    assert '<div class="portal-text" lang="de" dir="ltr"><p>Willkommen im Verwaltungsportal.</p><p>' in video
    assert "Dieses Video gibt es noch nicht." in render(envs, portal, "de", CASES["dgs-video-fehlt"])
    english = render(envs, portal, "en", CASES["dgs-video"])
    assert '(MP4, 48.2 MB, <time datetime="PT2M45S">2 minutes 45 seconds</time>)' in english
    checkliste = render(envs, portal, "de", CASES["checkliste"])
    assert 'data-checkliste="DEMO-HE:LB-1001:de"' in checkliste and "<li>Lichtbild</li>" in checkliste


def _liste(envs, portal, angebote, page_path: str, root: str, code: str = "de") -> str:
    template = envs[code].from_string(
        '{% import "components/komponenten.html" as k with context %}{{ k.leistungsliste(angebote) }}'
    )
    return template.render(
        sprache=SPRACHEN[code], portal=portal, page_path=page_path, root=root, angebote=angebote
    )


def test_a_service_list_line_is_reused_only_where_it_is_the_same(envs, portal):
    """Lines of service lists are rendered once per Angebot, language and depth (generator.py): the link of
    the same line differs with the page's depth, and another Angebot of the same service is its own line."""
    wanfried = portal.subsites["066360013013"]
    land = portal.land
    hier = Angebot(LB, wanfried.gebiet, wanfried, [OE], [OD])
    oben = Angebot(LB, None, land, [], [])
    flach = _liste(envs, portal, [hier, oben], "wanfried/a-z/", "../../")
    tief = _liste(envs, portal, [hier, oben], "wanfried/lebenslagen/umzug/", "../../../")
    assert 'href="../../wanfried/leistungen/' in flach and 'href="../../leistungen/' in flach
    assert 'href="../../../wanfried/leistungen/' in tief and 'href="../../../leistungen/' in tief
    assert "zuständig: Wanfried" in flach and "zuständige Stelle: bitte Ort wählen" in flach
    # the same lines again at the same depth (from the memo), and in another language its own lines
    assert _liste(envs, portal, [hier, oben], "kassel/a-z/", "../../") == flach
    englisch = _liste(envs, portal, [hier, oben], "wanfried/en/a-z/", "../../../", "en")
    assert "responsible" in englisch.lower() and "zuständig" not in englisch


def test_a_line_made_from_its_service_s_rendering_is_the_template_s_line(envs, portal):
    """A line is rendered once per service with stand-ins for its link and Gebiet name, which are put in per
    Angebot (generator.py). Each line equals the template rendered for that Angebot, also where the name
    needs escaping, in every language, with and without the level; a service whose own texts contain a
    stand-in character is rendered as it is."""
    wanfried = portal.subsites["066360013013"]
    seltsam = Gebiet(ars="066360099099", art=GebietArt.GEMEINDE, name="Au & <Tal>", kurzname="Au & 'Tal'")
    name = Mehrsprachig({"de": f"Name {URL_PLATZ} {GEBIET_PLATZ}"})
    platzhalter = LB.model_copy(
        update={
            "ref": ObjektRef(agency="DEMO-HE", id="LB-PUA"),
            "texte": {**LB.texte, Textmodul.LEISTUNGSNAME: name},
        }
    )
    angebote = [
        Angebot(LB, wanfried.gebiet, wanfried, [OE], [OD]),
        Angebot(LB, seltsam, wanfried, [], []),
        Angebot(LB, None, portal.land, [], []),
        Angebot(platzhalter, seltsam, wanfried, [], []),
        *portal.angebote(wanfried)[:40],
    ]
    page_path = "wanfried/lebenslagen/umzug/"
    for code in ("de", "en", "ar"):
        vorlage = envs[code].get_template(EINTRAG_TEMPLATE)
        ctx = {"page_path": page_path, "sprache": SPRACHEN[code]}
        for zeige_ebene in (True, False):
            gemacht = (
                envs[code]
                .from_string("{{ leistungseintraege(angebote, zeige_ebene) }}")
                .render(
                    sprache=SPRACHEN[code],
                    page_path=page_path,
                    root="../../../",
                    angebote=angebote,
                    zeige_ebene=zeige_ebene,
                )
            )
            erwartet = "\n  ".join(
                vorlage.render(
                    leistung=a.leistung,
                    url=_leistung_url(ctx, a),
                    gebiet_name=a.gebiet.kurzname if a.gebiet else None,
                    zeige_ebene=zeige_ebene,
                )
                for a in angebote
            )
            assert gemacht == erwartet
            assert "Au &amp; &#39;Tal&#39;" in gemacht if zeige_ebene else "Tal" not in gemacht
            assert gemacht.count(URL_PLATZ) == gemacht.count(GEBIET_PLATZ) == 1  # the name that has them
