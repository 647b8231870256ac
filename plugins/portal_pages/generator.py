"""The Pelican Generator: reads the store, renders every portal page through Pelican's writer.

Pelican reads the editorial Markdown pages (``PAGE_SAVE_AS = ""`` keeps it from writing them itself); this
generator renders them too, with the same per-language environments, so every page of the site shares one
layout, one language switcher and the same gettext catalogs.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup, escape
from pelican.generators import Generator

from content_sync.models import Leistung, Organisationseinheit
from content_sync.store import Store

from . import feeds, jsonld, qualitaet
from .assets import build_assets
from .barrierefreiheit import (
    ERKLAERUNG_REST,
    LS_INDEX_REST,
    Erklaerung,
    LeichteSprache,
    erklaerung_aus_dateien,
    leichte_sprache,
    seiten_adresse,
)
from .filters import FILTERS, TESTS
from .gemeinden import Gemeinden
from .i18n import compile_catalogs, environment, load_translations
from .pages import Seite, seiten
from .render import (
    Fingerprinter,
    ohne_zyklensuche,
    render_all,
    tree_hash,
    write_atomic,
    write_if_changed,
)
from .settings import PortalPagesSettings, Sprache
from .site import Angebot, Lebenslage, Portal, Subsite
from .urls import href, relative_root, site_root, sprach_prefix

log = logging.getLogger(__name__)
THEME_ROOT = Path(__file__).resolve().parents[2] / "theme"


class PortalPagesGenerator(Generator):
    """Writes the data-driven pages (subsites, services, offices, indexes), editorial pages, sitemaps."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.config = PortalPagesSettings.from_pelican(self.settings)
        self.portal: Portal | None = None
        self.seiten: list[Seite] = []
        self._sekunden: dict[str, float] = {}
        self.erklaerung: Erklaerung | None = None
        self.leichte_sprache: LeichteSprache | None = None
        self.gemeinden = Gemeinden({}, {}, {}, self.config.sprachen)

    def generate_context(self) -> None:
        t0 = time.perf_counter()
        build_assets(Path(self.settings.get("THEME", THEME_ROOT)))
        with ohne_zyklensuche(), Store(self.config.store, readonly=True) as store:
            self.portal = Portal(self.config, store)
        t1 = time.perf_counter()
        with ohne_zyklensuche():
            self.seiten = list(seiten(self.portal))
            # the municipalities' folders (sites/<slug>/): their data into their pages, their own pages added
            self.gemeinden = Gemeinden.laden(self.config, self.portal, self.settings)
            self.seiten += self.gemeinden.anwenden(self.seiten)
        self._sekunden = {"store": t1 - t0, "page list": time.perf_counter() - t1}
        self._barrierefreiheit()
        self.context["portal_seiten"] = self.seiten
        self.context["portal"] = self.portal
        log.info("portal_pages: %d subsites, %d pages", len(self.portal.subsites), len(self.seiten))

    # --- rendering --------------------------------------------------------------------------------------

    def _environments(self) -> dict[str, Environment]:
        return make_environments(Path(self.settings.get("THEME", THEME_ROOT)), self.config.sprachen)

    def generate_output(self, writer: Any) -> None:
        assert self.portal is not None
        theme = Path(self.settings.get("THEME", THEME_ROOT))
        envs = self._environments()
        seiten = [*self.seiten, *self.redaktionsseiten(), *self.barrierefreiheitsseiten()]
        seiten += qualitaet.seiten(self.portal)  # redaktion/datenqualitaet/: for editors, not in the sitemap
        base = {k: v for k, v in self.context.items() if k.isupper()}
        fingerprint = Fingerprinter(self.portal, self._global_hash(theme, base))
        stats = render_all(
            seiten,
            envs=envs,
            page_vars=self.page_vars,
            base=base,
            output=Path(self.output_path),
            fingerprint=fingerprint,
            jobs=self.config.jobs or os.cpu_count() or 1,
            incremental=self.config.incremental,
            vergleich=self.config.vorschau,
        )
        self.context["portal_render_stats"] = stats
        self.gemeinden.schreibe(Path(self.output_path))  # their logos and colours
        stats.sekunden = {**self._sekunden, **stats.sekunden}
        log.info(
            "portal_pages: %d pages, %d rendered, %d unchanged, %d deleted, %d workers",
            stats.pages,
            stats.rendered,
            stats.skipped,
            stats.deleted,
            stats.workers,
        )
        if self.config.vorschau is not None:
            self._vorschau_liste(seiten, stats, envs, base)
        t = time.perf_counter()
        self._write_sitemaps(writer)
        stats.sekunden["sitemaps"] = time.perf_counter() - t
        t = time.perf_counter()  # the Atom feeds of changed services (feeds.py)
        zone = self.settings.get("TIMEZONE") or "UTC"
        feeds.schreiben(self.portal, Path(self.output_path), theme / "translations", zone)
        stats.sekunden["feeds"] = time.perf_counter() - t

    def _vorschau_liste(
        self, seiten: list[Seite], stats: Any, envs: dict[str, Environment], base: dict[str, Any]
    ) -> None:
        """A preview's index (``vorschau/index.html``): the pages the draft changes, by subsite, with links."""
        assert self.portal is not None
        sprache = self.config.sprachen[0]
        by_path = {s.save_as: s for s in seiten}
        gruppen: dict[str, list[tuple[str, str, str]]] = {}
        for save_as in sorted(stats.geschrieben):
            seite = by_path[save_as]
            data = seite.data
            if "lb" in data:
                art, name = "leistung", self.portal.name(data["lb"], seite.sprache.code)
            elif "oe" in data:
                art, name = "stelle", data["oe"].namen.de
            elif "lebenslage" in data:
                art, name = "lebenslage", data["lebenslage"].name.get("de", data["lebenslage"].code)
            elif "page" in data:
                art, name = "redaktion", str(data["page"].title)
            else:
                art, name = seite.template.removesuffix(".html"), ""
            ort = seite.subsite.gebiet.kurzname
            gruppen.setdefault(ort, []).append(
                (art, f"{name} ({seite.sprache.code})" if name else seite.sprache.code, save_as)
            )
        liste = Seite(
            "vorschau.html",
            self.portal.land,
            "vorschau/",
            sprache,
            {
                "gruppen": sorted(gruppen.items()),
                "entfiele": stats.entfiele,
                "anzahl": len(stats.geschrieben),
            },
            sitemap=False,
        )
        text = envs[sprache.code].get_template("vorschau.html").render({**base, **self.page_vars(liste)})
        write_atomic(Path(self.output_path) / liste.save_as, text)

    def _global_hash(self, theme: Path, base: dict[str, Any]) -> str:
        """Templates, catalogs, static files, this plugin's code, the settings, the site's structure."""
        assert self.portal is not None
        files = [
            p
            for p in theme.rglob("*")
            if p.is_file() and p.suffix in (".html", ".po", ".css", ".js") and "vendor" not in p.parts
        ]
        files += list(Path(__file__).parent.glob("*.py"))
        # settings that change pages (not where the store is, nor how many workers render)
        # (a preview compares with the live site: its banner is not a change of the pages' inputs)
        shown = self.config.model_dump(mode="json", exclude={"store", "jobs", "incremental", "vorschau"})
        settings = json.dumps(
            [shown, base.get("SEARCH_INDEX"), base.get("SITENAME")], sort_keys=True, default=str
        )
        return tree_hash(files, roots=[theme, Path(__file__).parent]) + settings + self.portal.struktur()

    def page_vars(self, seite: Seite) -> dict[str, Any]:
        assert self.portal is not None
        # where the page's links start: its own path, or the site root for a page served at any address
        von = site_root(self.config.site_url) if seite.anywhere else seite.path
        alternates = [
            (
                s,
                href(
                    von,
                    sprach_prefix(seite.subsite.path, s.ordner) + seite.sprach_rest.get(s.code, seite.rest),
                ),
            )
            for s in self.config.sprachen
        ]
        return {
            **seite.data,
            "seite": seite,
            "portal": self.portal,
            "config": self.config,
            "subsite": seite.subsite,
            "page_path": von,
            "root": relative_root(von),
            "home": href(von, sprach_prefix(seite.subsite.path, seite.sprache.ordner)),
            "land_home": href(von, sprach_prefix("", seite.sprache.ordner)),
            "alternates": alternates,
            "ls_sprache": next((s for s in self.config.sprachen if s.code == "de-x-ls"), None),
            "breadcrumbs": self.breadcrumbs(seite),
            "seiten_adresse": seiten_adresse(self.config, seite.path),
            "jsonld": _json_script(jsonld.for_page(self.portal, seite)),
        }

    def breadcrumbs(self, seite: Seite) -> list[tuple[str, str]]:
        """(label, output path) from the Land portal down to the page's subsite (the page itself is last)."""
        assert self.portal is not None
        chain = []
        for g in reversed(self.portal.gebiete.kette(seite.subsite.gebiet.ars)):
            sub = self.portal.subsites.get(g.ars)
            if sub is not None and (g.ars == seite.subsite.gebiet.ars or not _is_rb(sub)):
                chain.append((g.kurzname, sprach_prefix(sub.path, seite.sprache.ordner)))
        return chain

    # --- accessibility: the Erklärung, the Leichte Sprache index, the start pages' BITV section -------------

    def _pages(self) -> list[Any]:
        return list(self.context.get("pages", [])) + list(self.context.get("hidden_pages", []))

    def _barrierefreiheit(self) -> None:
        """Reads pruefung.yaml and automatisch.json, finds what is offered in Leichte Sprache, and gives every
        start page the sections of the Leichte Sprache page it links to (in its data: its fingerprint)."""
        assert self.portal is not None
        leistungen = list(self.portal.leistungen.values())
        content = Path(self.settings.get("PATH", "content"))
        self.erklaerung = erklaerung_aus_dateien(self.config, content, leistungen)
        self.leichte_sprache = leichte_sprache(self._pages(), leistungen)
        for seite in self.seiten:
            if seite.template == "start.html":
                seite.data["ls_abschnitte"] = self.leichte_sprache.abschnitte

    def barrierefreiheitsseiten(self) -> list[Seite]:
        """The Erklärung zur Barrierefreiheit and the index of Leichte Sprache, at the Land root."""
        assert self.portal is not None and self.erklaerung is not None and self.leichte_sprache is not None
        out = []
        for sprache in self.config.sprachen:
            out.append(
                Seite(
                    "barrierefreiheit.html",
                    self.portal.land,
                    ERKLAERUNG_REST,
                    sprache,
                    {"e": self.erklaerung},
                )
            )
            out.append(
                Seite(
                    "leichte-sprache.html",
                    self.portal.land,
                    LS_INDEX_REST,
                    sprache,
                    {"ls": self.leichte_sprache},
                )
            )
        return out

    # --- editorial pages, redirects, sitemaps -----------------------------------------------------------

    def redaktionsseiten(self) -> list[Seite]:
        """Pelican's pages (content/pages/<lang>/*.md), placed at the Land root in their language folder."""
        assert self.portal is not None
        codes = {s.code for s in self.config.sprachen}
        out = []
        for page in self._pages():
            variants = {v.lang: v for v in [page, *getattr(page, "translations", [])]}
            for lang in sorted(set(variants) - codes):
                log.warning("page %s: language %r is not a site language", variants[lang].source_path, lang)
            for sprache in self.config.sprachen:
                # a page missing in a language is shown in German, with a note (redaktion.html)
                variant = variants.get(sprache.code) or page
                out.append(
                    Seite("redaktion.html", self.portal.land, f"{page.slug}/", sprache, {"page": variant})
                )
        return sorted(out, key=lambda s: s.save_as)

    def _write_sitemaps(self, writer: Any) -> None:
        assert self.portal is not None
        output = Path(self.output_path)
        base = self.config.site_url.rstrip("/") + "/" if self.config.site_url else ""
        by_subsite: dict[str, list[Seite]] = {}
        for seite in [*self.seiten, *self.redaktionsseiten(), *self.barrierefreiheitsseiten()]:
            if seite.sitemap and seite.sprache is self.config.sprachen[0]:
                by_subsite.setdefault(seite.subsite.path, []).append(seite)
        for path, pages in sorted(by_subsite.items()):
            lines = [
                '<?xml version="1.0" encoding="UTF-8"?>',
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:xhtml="http://www.w3.org/1999/xhtml">',
            ]
            for seite in sorted(pages, key=lambda s: s.path):
                lines.append(f"  <url><loc>{_xml(base + seite.path)}</loc>")
                for s in self.config.sprachen:
                    alt = base + sprach_prefix(seite.subsite.path, s.ordner) + seite.rest
                    lines.append(f'    <xhtml:link rel="alternate" hreflang="{s.code}" href="{_xml(alt)}"/>')
                lines.append("  </url>")
            lines.append("</urlset>")
            target = output / path / "sitemap.xml"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_if_changed(target, "\n".join(lines) + "\n")
        sitemaps = "".join(f"Sitemap: {base}{p}sitemap.xml\n" for p in sorted(by_subsite)) if base else ""
        write_if_changed(output / "robots.txt", "User-agent: *\nAllow: /\n" + sitemaps)


def _is_rb(sub: Subsite) -> bool:
    return sub.gebiet.art.value == "regierungsbezirk"


def make_environments(theme: Path, sprachen: list[Sprache]) -> dict[str, Environment]:
    """One Jinja2 environment per language, with the theme's catalogs, filters and URL helpers."""
    translations = theme / "translations"
    compile_catalogs(translations)
    ls = next((s for s in sprachen if s.code == "de-x-ls"), None)
    # a text in Leichte Sprache on a page of any language (the start page's BITV section): a message of the
    # templates as the Leichte Sprache catalog has it
    leicht = load_translations(translations, ls.katalog if ls else "").gettext
    helpers = {
        "leicht": leicht,
        "url": _url,
        "url_in": _url_in,
        "leistung_url": _leistung_url,
        "stelle_url": _stelle_url,
        "lebenslage_url": _lebenslage_url,
        "href": href,
    }
    envs = {}
    for s in sprachen:
        env = environment([theme / "templates"], translations, s, helpers)
        env.filters.update(FILTERS)
        env.tests.update(TESTS)
        env.globals["leistungseintraege"] = _leistungseintraege(env)
        envs[s.code] = env
    return envs


EINTRAG_TEMPLATE = "components/leistungseintrag.html"
EINTRAEGE_HOECHSTENS = 100_000  # lines kept per language and process (a few hundred bytes each)
# stand-ins for a line's link and Gebiet name: private-use characters, which escaping and the texts leave alone
URL_PLATZ = "\ue000"
GEBIET_PLATZ = "\ue001"


def _leistungseintraege(env: Environment) -> Callable[..., Markup]:
    """``leistungseintraege(angebote, zeige_ebene)``: the lines of a service list. A line shows the service
    (name, teaser), a link to the Angebot's page and the responsible Gebiet's name. It is rendered once per
    service (and ``zeige_ebene``) with stand-ins for the link and the name, which are put in per Angebot,
    escaped as the template would: a Gemeinde-level service has its own Angebot (link, Gebiet) in each of the
    426 Gemeinden, and its line is made from the one rendering. A link is the page's way back to the output
    root followed by the target (urls.href), so a finished line is the same on every page at the same depth
    and is kept too: a Land-level service's line in the lists of all 447 subsites is made once per depth."""
    zeilen: dict[tuple[int, str, bool], tuple[Angebot, str]] = {}
    gerueste: dict[tuple[int, bool, bool], tuple[Leistung, str | None]] = {}
    vorlage = env.get_template(EINTRAG_TEMPLATE)

    def geruest(a: Angebot, zeige_ebene: bool) -> str | None:
        """The service's line with the stand-ins; None where its texts contain a stand-in themselves."""
        lb, mit_gebiet = a.leistung, a.gebiet is not None
        key = (id(lb), zeige_ebene, mit_gebiet)
        found = gerueste.get(key)
        if found is None or found[0] is not lb:  # the object is kept, so its id is never reused
            html = vorlage.render(
                leistung=lb,
                url=URL_PLATZ,
                gebiet_name=GEBIET_PLATZ if mit_gebiet else None,
                zeige_ebene=zeige_ebene,
            )
            passt = html.count(URL_PLATZ) == 1 and html.count(GEBIET_PLATZ) == int(mit_gebiet and zeige_ebene)
            found = gerueste[key] = (lb, html if passt else None)
        return found[1]

    @pass_context
    def leistungseintraege(ctx: Any, angebote: list[Angebot], zeige_ebene: bool = True) -> Markup:
        root = ctx["root"]
        lines = []
        for a in angebote:
            key = (id(a), root, zeige_ebene)
            found = zeilen.get(key)
            if found is None or found[0] is not a:  # the object is kept, so its id is never reused
                if len(zeilen) >= EINTRAEGE_HOECHSTENS:
                    zeilen.clear()
                url = _leistung_url(ctx, a)
                gebiet_name = a.gebiet.kurzname if a.gebiet is not None else None
                html = geruest(a, zeige_ebene)
                if html is None:  # rendered as it is
                    html = vorlage.render(
                        leistung=a.leistung, url=url, gebiet_name=gebiet_name, zeige_ebene=zeige_ebene
                    )
                else:
                    html = html.replace(URL_PLATZ, str(escape(url)))
                    if gebiet_name is not None:
                        html = html.replace(GEBIET_PLATZ, str(escape(gebiet_name)))
                found = zeilen[key] = (a, html)
            lines.append(found[1])
        return Markup("\n  ".join(lines))  # noqa: S704 - each line rendered with autoescape

    return leistungseintraege


@pass_context
def _url(ctx: Any, subsite: Subsite, rest: str = "") -> str:
    """A relative link from the page being rendered to ``rest`` in ``subsite``, in the page's language."""
    return href(ctx["page_path"], sprach_prefix(subsite.path, ctx["sprache"].ordner) + rest)


@pass_context
def _url_in(ctx: Any, subsite: Subsite, rest: str, sprache: Sprache) -> str:
    return href(ctx["page_path"], sprach_prefix(subsite.path, sprache.ordner) + rest)


@pass_context
def _leistung_url(ctx: Any, angebot: Angebot) -> str:
    return _url(ctx, angebot.subsite, Portal.leistung_rest(angebot.leistung))


@pass_context
def _stelle_url(ctx: Any, oe: Organisationseinheit) -> str:
    subsite, rest = ctx["portal"].stelle_ort(oe)
    return _url(ctx, subsite, rest)


@pass_context
def _lebenslage_url(ctx: Any, subsite: Subsite, ll: Lebenslage) -> str:
    return _url(ctx, subsite, Portal.lebenslage_rest(ll))


def _json_script(data: object) -> Markup:
    """JSON for a <script type="application/ld+json"> block, safe against closing the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=None)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 - escaped above


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


__all__ = ["Leistung", "PortalPagesGenerator"]
