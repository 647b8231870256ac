"""``portal export``: only the subsite, its languages and the files it loads; links that leave it go to the
portal; the 404 pages work at the new base; the archive is deterministic; refusals say why."""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from content_sync.cli import main
from plugins.portal_pages.export import (
    MARKER,
    MTIME,
    ExportError,
    Ziel,
    exportieren,
    finde_subsite,
    nginx_location,
    umschreiben,
)
from tests.conftest import ROOT

PORTAL = "https://verwaltungsportal.hessen.example/"
BASE = "https://www.wanfried.example/buergerservice/"
URL = re.compile(r'(?:href|src|action|data-index|data-docs|data-karte)="([^"]*)"')


@pytest.fixture(scope="module")
def export(demo_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export") / "buergerservice"
    result = exportieren(demo_site, "wanfried", out, portal_url=PORTAL, base_url=BASE)
    assert result.subsite == "wanfried" and result.seiten > 300 and result.links > 1000
    return out


def _files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_only_the_subsite_and_the_files_it_loads(export: Path, demo_site: Path) -> None:
    files = _files(export)
    subsite = {
        p.relative_to(demo_site / "wanfried").as_posix()
        for p in (demo_site / "wanfried").rglob("*")
        if p.is_file()
    }
    shared = {f for f in files if f.startswith(("theme/", "suchindex/"))}
    assert files - shared == subsite | {MARKER}  # the whole subsite, nothing of any other one
    assert {"index.html", "en/index.html", "ar/index.html", "leichte-sprache/index.html", "404.html"} <= files
    assert {"freibad/index.html", "en/freibad/index.html", "suchkarte.json", "sitemap.xml"} <= files
    assert {f"suchindex/docs-{c}.json" for c in ("de", "en", "ar", "de-x-ls")} | {
        "suchindex/index-de.json",
        "suchindex/index-en.json",
    } <= shared
    assert {
        "theme/css/portal.css",
        "theme/css/gemeinde.css",
        "theme/vendor/kern.css",
        "theme/js/suche.js",
    } <= shared
    assert {
        "theme/vendor/fonts/FiraSans-Regular.woff2",
        "theme/vendor/lunr/lunr.min.js",
        "theme/vendor/KERN-LICENSE.md",
    } <= shared
    # not what only the Land portal needs
    assert not {"theme/js/ortswahl.js", "orte.json"} & files
    assert not any(f.startswith(("eschwege/", "werra-meissner-kreis/", "impressum/", "api/")) for f in files)
    for f in shared:  # the shared files unchanged
        assert (export / f).read_bytes() == (demo_site / f).read_bytes(), f


def test_links_inside_stay_relative_and_links_outside_go_to_the_portal(export: Path, demo_site: Path) -> None:
    outside = set()
    for path in sorted(export.rglob("*.html")):
        rel = path.relative_to(export).as_posix()
        for url in URL.findall(path.read_text("utf-8")):
            if url.startswith(PORTAL):
                outside.add(url)
            elif not rel.endswith("404.html"):
                assert not url.startswith("/"), (rel, url)  # relative: the export works at any address
    assert f"{PORTAL}impressum/" in outside and f"{PORTAL}werra-meissner-kreis/" in outside
    assert any(u.startswith(f"{PORTAL}werra-meissner-kreis/leistungen/") for u in outside)
    assert not any(u.startswith(f"{PORTAL}wanfried/") for u in outside)  # never back into the portal's copy
    for url in outside:  # each goes to a page the portal has
        path = urlsplit(url).path.lstrip("/")
        target = demo_site / path
        assert (target / "index.html" if not path or path.endswith("/") else target).is_file(), url


def test_the_404_pages_link_from_the_base_path(export: Path) -> None:
    for name, lang in (("404.html", "de"), ("en/404.html", "en")):
        text = (export / name).read_text("utf-8")
        assert f'<html lang="{lang}"' in text
        links = [u for u in URL.findall(text) if not u.startswith(("#", "data:", "mailto:", PORTAL))]
        assert links and all(u.startswith("/buergerservice/") for u in links), links
        assert 'href="/buergerservice/theme/css/portal.css"' in text


def test_search_map_sitemap_and_json_ld_use_the_new_addresses(export: Path, demo_site: Path) -> None:
    import json

    karte = json.loads((export / "suchkarte.json").read_text("utf-8"))
    orte = {entry[0] for entry in karte["z"]}
    assert "" in orte and f"{PORTAL}werra-meissner-kreis/" in orte
    assert all(
        o == "" or (o.startswith(PORTAL) and (demo_site / o[len(PORTAL) :] / "index.html").is_file())
        for o in orte
    )
    sitemap = (export / "sitemap.xml").read_text("utf-8")
    locs = re.findall(r"<loc>([^<]*)</loc>", sitemap)
    assert f"{BASE}" in locs and f"{BASE}freibad/" in locs and all(loc.startswith(BASE) for loc in locs)
    (service,) = export.glob("leistungen/fuehrungszeugnis-beantragen--lb-1012/index.html")
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', service.read_text("utf-8"))
    graph = json.loads(block)["@graph"]
    crumbs = [i["item"] for g in graph if g["@type"] == "BreadcrumbList" for i in g["itemListElement"]]
    here = f"{BASE}leistungen/fuehrungszeugnis-beantragen--lb-1012/"
    assert crumbs == [
        PORTAL,
        f"{PORTAL}regierungsbezirk-kassel/",
        f"{PORTAL}werra-meissner-kreis/",
        BASE,
        here,
    ]
    assert next(g for g in graph if g["@type"] == "GovernmentService")["url"] == here


def test_the_archive_is_deterministic_and_holds_the_folder(
    demo_site: Path, tmp_path: Path, export: Path
) -> None:
    one = exportieren(
        demo_site, "wanfried", tmp_path / "a" / "buergerservice", portal_url=PORTAL, base_url=BASE
    )
    two = exportieren(
        demo_site, "wanfried", tmp_path / "b" / "buergerservice", portal_url=PORTAL, base_url=BASE
    )
    assert one.archiv.read_bytes() == two.archiv.read_bytes()
    data = one.archiv.read_bytes()
    assert data[4:8] == b"\0\0\0\0"  # gzip header without a time
    with tarfile.open(one.archiv) as tar:
        members = tar.getmembers()
    names = [m.name for m in members]
    assert names[0] == "buergerservice" and names[1:] == sorted(names[1:], key=lambda n: n.split("/"))
    assert {m.mtime for m in members} == {MTIME} and {(m.uid, m.gid) for m in members} == {(0, 0)}
    files = {m.name.removeprefix("buergerservice/") for m in members if m.isfile()}
    assert files == _files(one.ordner) - {MARKER}
    assert {m.mode for m in members if m.isfile()} == {0o644} and {m.mode for m in members if m.isdir()} == {
        0o755
    }


def test_finding_the_subsite_by_folder_name_or_ars(demo_site: Path) -> None:
    assert finde_subsite(demo_site, "wanfried") == "wanfried"
    assert finde_subsite(demo_site, "Wanfried, Stadt") == "wanfried"
    assert finde_subsite(demo_site, "066360013013") == "wanfried"
    assert finde_subsite(demo_site, "Werra-Meißner-Kreis") == "werra-meissner-kreis"
    with pytest.raises(ExportError, match=r"no subsite 'Atlantis' in .* \(its subsites: "):
        finde_subsite(demo_site, "Atlantis")


def test_refusals(demo_site: Path, tmp_path: Path, capsys) -> None:
    foreign = tmp_path / "wichtig"
    foreign.mkdir()
    (foreign / "daten.txt").write_text("nicht löschen", encoding="utf-8")
    with pytest.raises(ExportError, match="exists and is not an export"):
        exportieren(demo_site, "wanfried", foreign, portal_url=PORTAL)
    assert (foreign / "daten.txt").read_text("utf-8") == "nicht löschen"
    with pytest.raises(ExportError, match=r"--portal-url 'verwaltungsportal\.example': an http"):
        exportieren(demo_site, "wanfried", tmp_path / "x", portal_url="verwaltungsportal.example")
    with pytest.raises(ExportError, match="--base-url 'buergerservice'"):
        exportieren(demo_site, "wanfried", tmp_path / "x", portal_url=PORTAL, base_url="buergerservice")
    with pytest.raises(ExportError, match="inside the built site"):
        exportieren(demo_site, "wanfried", demo_site / "export", portal_url=PORTAL)
    # the command: no portal URL anywhere (the demo's site_url is empty) -> a usage error saying what to do
    code = main(
        [
            "export",
            "wanfried",
            "--site",
            str(demo_site),
            "--output",
            str(tmp_path / "y"),
            "--pelican-settings",
            str(ROOT / "pelicanconf.py"),
        ]
    )
    said = capsys.readouterr().out
    assert code == 2 and "--portal-url" in said and "site_url" in said
    assert not (tmp_path / "y").exists()


def test_the_command_writes_folder_and_archive(demo_site: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "wanfried-export"
    code = main(
        [
            "export",
            "066360013013",
            "--site",
            str(demo_site),
            "--output",
            str(out),
            "--portal-url",
            PORTAL,
            "--base-url",
            "/buergerservice/",
        ]
    )
    said = capsys.readouterr().out
    assert code == 0, said
    assert "Exported wanfried:" in said and "No sitemap.xml" in said  # only a path: no absolute addresses
    assert (out / "index.html").is_file() and (tmp_path / "wanfried-export.tar.gz").is_file()
    assert not (out / "sitemap.xml").exists()
    assert 'href="/buergerservice/theme/css/portal.css"' in (out / "404.html").read_text("utf-8")
    # again into the same folder: replaced (it is an export)
    assert (
        main(["export", "wanfried", "--site", str(demo_site), "--output", str(out), "--portal-url", PORTAL])
        == 0
    )
    assert 'href="/theme/css/portal.css"' in (out / "404.html").read_text("utf-8")


@pytest.mark.parametrize(
    ("page", "url", "attr", "expected"),
    [
        (
            "wanfried/en/leistungen/x/index.html",
            "../../../../theme/css/portal.css",
            "href",
            "../../../theme/css/portal.css",
        ),
        ("wanfried/en/leistungen/x/index.html", "../../../../wanfried/en/a-z/", "href", "../../../en/a-z/"),
        (
            "wanfried/en/leistungen/x/index.html",
            "../../../../werra-meissner-kreis/en/",
            "href",
            PORTAL + "werra-meissner-kreis/en/",
        ),
        ("wanfried/index.html", "../", "href", PORTAL),
        ("wanfried/index.html", "../wanfried/", "href", "./"),
        ("wanfried/index.html", "../wanfried/#rathaus", "href", "./#rathaus"),
        ("wanfried/index.html", "../impressum/?a=1&amp;b=2", "href", PORTAL + "impressum/?a=1&amp;b=2"),
        ("wanfried/suche/index.html", "../../", "data-root", "../"),
        ("wanfried/404.html", "/wanfried/a-z/", "href", "/buergerservice/a-z/"),
        ("wanfried/404.html", "/theme/js/portal.js", "src", "/buergerservice/theme/js/portal.js"),
        ("wanfried/404.html", "/", "href", PORTAL),
        ("wanfried/index.html", "#inhalt", "href", "#inhalt"),
        ("wanfried/index.html", "mailto:a@b.example", "href", "mailto:a@b.example"),
        ("wanfried/index.html", "https://www.openstreetmap.org/", "href", "https://www.openstreetmap.org/"),
    ],
)
def test_rewriting_one_url(page: str, url: str, attr: str, expected: str) -> None:
    ziel = Ziel(subsite="wanfried/", portal_url=PORTAL, base_pfad="/buergerservice/", base_url=BASE)
    assert umschreiben(url, page, ziel, attr) == expected


def test_the_readme_shows_the_nginx_configuration_the_test_serves() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    assert nginx_location("/buergerservice/", ["en", "leichte-sprache", "ar"]) in readme
