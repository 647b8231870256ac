"""Which built pages the browser tests visit: one of every page type, found in the built site, in every
language of the portal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# language -> (folder below a subsite, the <html lang>, the <html dir>)
LANGUAGES: dict[str, tuple[str, str, str]] = {
    "de": ("", "de", "ltr"),
    "en": ("en", "en", "ltr"),
    "ar": ("ar", "ar", "rtl"),
    "leichte-sprache": ("leichte-sprache", "de-x-ls", "ltr"),
}
GEMEINDE = "wanfried/"
KREIS = "werra-meissner-kreis/"
# a page that is not there: an old service page, the most common way to land on a 404
MISSING = "leistungen/abgeschaffte-leistung--lb-0000/"
OFFICE = 'id="ansprechpartner"'  # the section of a service page that names the responsible office
# editorial pages; the Erklärung zur Barrierefreiheit is generated (plugins/portal_pages/barrierefreiheit.py)
EDITORIAL = ("impressum", "datenschutz", "barrierefreiheit", "info-leichte-sprache")

KINDS = (
    "land-start",
    "gemeinde-start",
    "kreis-start",
    "lebenslage",
    "leistung-mit-stelle-und-onlinedienst",
    "leistung-land-ohne-stelle",
    "leistung-mit-eigenem-inhalt",
    "gemeinde-eigene-seite",
    "stelle",
    "a-z",
    "a-z-buchstabe",
    "behoerden",
    "suche",
    "suche-mit-anfrage",
    "404",
    "orte",
    "leichte-sprache-angebote",
    *(f"redaktion-{name}" for name in EDITORIAL),
)


@dataclass(frozen=True)
class Ort:
    """A page as (subsite folder, path below the subsite's language folder)."""

    subsite: str
    rest: str
    status: int = 200

    def path(self, language: str) -> str:
        folder = LANGUAGES[language][0]
        return self.subsite + (f"{folder}/" if folder else "") + self.rest


def _first(folders: list[Path], *wanted: str, without: str = "", prefer: str = "") -> str:
    """The name of the first folder (``prefer`` first) whose index.html contains every ``wanted`` text and not
    ``without``."""
    ordered = sorted(folders, key=lambda f: (prefer not in f.name if prefer else False, f.name))
    for folder in ordered:
        html = (folder / "index.html").read_text(encoding="utf-8")
        if all(w in html for w in wanted) and not (without and without in html):
            return folder.name
    raise AssertionError(
        f"no page with {wanted!r}{f' and without {without!r}' if without else ''} in {folders}"
    )


def _subfolders(path: Path) -> list[Path]:
    assert path.is_dir(), f"{path} was not built"
    return [p for p in path.iterdir() if (p / "index.html").is_file()]


def find_pages(site: Path) -> dict[str, Ort]:
    """Every page type, chosen in the German build (the other languages have the same paths)."""
    gemeinde = site / GEMEINDE
    pages = {
        "land-start": Ort("", ""),
        "gemeinde-start": Ort(GEMEINDE, ""),
        "kreis-start": Ort(KREIS, ""),
        "lebenslage": Ort(GEMEINDE, f"lebenslagen/{_first(_subfolders(gemeinde / 'lebenslagen'), '<h1')}/"),
        "leistung-mit-stelle-und-onlinedienst": Ort(
            GEMEINDE,
            "leistungen/"
            + _first(
                _subfolders(gemeinde / "leistungen"),
                'id="onlinedienst"',
                OFFICE,
                prefer="personalausweis-beantragen",
            )
            + "/",
        ),
        # a municipality's local additions (sites/wanfried/leistungen/): a replaced and an added section
        "leistung-mit-eigenem-inhalt": Ort(
            GEMEINDE,
            "leistungen/"
            + _first(
                _subfolders(gemeinde / "leistungen"),
                "portal-abschnitt--eigen",
                'class="portal-eigen"',
                prefer="hundesteuer",
            )
            + "/",
        ),
        # a municipality's own page (sites/wanfried/seiten/), German only: the other languages show it marked
        "gemeinde-eigene-seite": Ort(
            GEMEINDE, _first(_subfolders(gemeinde), "portal-eigen__label", prefer="abfallkalender") + "/"
        ),
        "leistung-land-ohne-stelle": Ort(
            "", f"leistungen/{_first(_subfolders(site / 'leistungen'), '<h1', without=OFFICE)}/"
        ),
        "stelle": Ort(GEMEINDE, f"behoerden/{_first(_subfolders(gemeinde / 'behoerden'), '<h1')}/"),
        "a-z": Ort(GEMEINDE, "a-z/"),
        "a-z-buchstabe": Ort(GEMEINDE, "a-z/p/"),  # Personalausweis, Pass, ...
        "behoerden": Ort(GEMEINDE, "behoerden/"),
        "suche": Ort(GEMEINDE, "suche/"),
        # what the search box sends: the results, once the page's script shows them
        "suche-mit-anfrage": Ort(GEMEINDE, "suche/?q=Personalausweis"),
        "404": Ort(GEMEINDE, MISSING, status=404),
        "orte": Ort("", "orte/"),
        "leichte-sprache-angebote": Ort("", "alles-in-leichter-sprache/"),
        **{f"redaktion-{name}": Ort("", f"{name}/") for name in EDITORIAL},
    }
    assert set(pages) == set(KINDS)
    for kind, ort in pages.items():
        for language in LANGUAGES:
            index = site / ort.path(language).partition("?")[0] / "index.html"
            assert index.is_file() == (ort.status == 200), f"{kind} in {language}: {index}"
    return pages
