"""The Pelican Generator: reads the store, renders every portal page through Pelican's writer.

Pelican reads the editorial Markdown pages (``PAGE_SAVE_AS = ""`` keeps it from writing them itself); this
generator renders them too, with the same per-language environments, so every page of the site shares one
layout, one language switcher and the same gettext catalogs.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from jinja2 import Environment, pass_context
from markupsafe import Markup
from pelican.generators import Generator

from content_sync.models import Leistung, Organisationseinheit
from content_sync.store import Store

from . import jsonld
from .assets import build_assets
from .filters import FILTERS, TESTS
from .i18n import compile_catalogs, environment
from .pages import Seite, seiten
from .render import Fingerprinter, render_all, tree_hash
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

    def generate_context(self) -> None:
        build_assets(Path(self.settings.get("THEME", THEME_ROOT)))
        with Store(self.config.store, readonly=True) as store:
            self.portal = Portal(self.config, store)
        self.seiten = list(seiten(self.portal))
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
        seiten = [*self.seiten, *self.redaktionsseiten()]
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
        )
        self.context["portal_render_stats"] = stats
        log.info(
            "portal_pages: %d pages, %d rendered, %d unchanged, %d deleted, %d workers",
            stats.pages,
            stats.rendered,
            stats.skipped,
            stats.deleted,
            stats.workers,
        )
        self._write_sitemaps(writer)

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
        shown = self.config.model_dump(mode="json", exclude={"store", "jobs", "incremental"})
        settings = json.dumps(
            [shown, base.get("SEARCH_INDEX"), base.get("SITENAME")], sort_keys=True, default=str
        )
        return tree_hash(files) + settings + self.portal.struktur()

    def page_vars(self, seite: Seite) -> dict[str, Any]:
        assert self.portal is not None
        # where the page's links start: its own path, or the site root for a page served at any address
        von = site_root(self.config.site_url) if seite.anywhere else seite.path
        alternates = [
            (s, href(von, sprach_prefix(seite.subsite.path, s.ordner) + seite.rest))
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

    # --- editorial pages, redirects, sitemaps -----------------------------------------------------------

    def redaktionsseiten(self) -> list[Seite]:
        """Pelican's pages (content/pages/<lang>/*.md), placed at the Land root in their language folder."""
        assert self.portal is not None
        codes = {s.code for s in self.config.sprachen}
        out = []
        pages = list(self.context.get("pages", [])) + list(self.context.get("hidden_pages", []))
        for page in pages:
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
        for seite in [*self.seiten, *self.redaktionsseiten()]:
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
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        sitemaps = "".join(f"Sitemap: {base}{p}sitemap.xml\n" for p in sorted(by_subsite)) if base else ""
        (output / "robots.txt").write_text("User-agent: *\nAllow: /\n" + sitemaps, encoding="utf-8")


def _is_rb(sub: Subsite) -> bool:
    return sub.gebiet.art.value == "regierungsbezirk"


def make_environments(theme: Path, sprachen: list[Sprache]) -> dict[str, Environment]:
    """One Jinja2 environment per language, with the theme's catalogs, filters and URL helpers."""
    translations = theme / "translations"
    compile_catalogs(translations)
    helpers = {
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
        envs[s.code] = env
    return envs


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
