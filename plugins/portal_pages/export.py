"""``portal export GEBIET``: one subsite of a built portal as a folder and a ``.tar.gz``, for the
municipality's own web server, at its own address (``--base-url``, e.g. https://www.wanfried.example/buergerservice/).

What goes in: the subsite's folder (every language, its own pages, logo and colours, search map, feed) at the
export's root, and the shared files its pages load (``theme/``: CSS, JavaScript, fonts, the KERN licence;
``suchindex/``: the search index and result files its search fetches). Nothing else.

Links are rewritten for the new place:

- within the subsite, and to the shared files: relative as before (now from the export's root), so the folder
  works at any address; the 404 pages, which the web server shows at any address, get links starting at the
  path of ``--base-url`` (``/buergerservice/…``);
- links that leave the subsite (the Kreis, the Land portal, other places, the editorial pages) become absolute
  links to the portal (``--portal-url``, default the ``site_url`` setting; refused when neither is set);
- the search map (``suchkarte.json``) names the exported subsite as the root and every other subsite by the
  portal's address (theme/static/js/suche.js builds its result links from it); the sitemap and the JSON-LD
  carry the new addresses (the sitemap only with an absolute ``--base-url``).

Afterwards every internal link of the export is checked; one that does not resolve fails the export. The
archive is deterministic: entries sorted, owner root, fixed modes and modification time, gzip without a name
or time, so the same site gives the same bytes.
"""

from __future__ import annotations

import gzip
import html
import io
import json
import posixpath
import re
import shutil
import tarfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .urls import relative_root, site_root, slugify

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
SHARED = ("theme/", "suchindex/")  # shared files a subsite's pages load, copied with it
URL_ATTRS = {"href", "src", "action", "data-index", "data-docs", "data-karte", "data-root", "data-orte"}
REWRITTEN = (
    ".html",
    ".atom",
)  # files whose links are rewritten (the sitemap and the search map have their own)
MARKER = ".portal-export.json"  # marks a folder written by this command (it may be replaced); not archived
MTIME = 946684800  # 2000-01-01T00:00:00Z: every archive entry's modification time
_TAG = re.compile(r"<[A-Za-z][^<>]*>")
_ATTR = re.compile(r'(\s)([A-Za-z][A-Za-z0-9_:-]*)="([^"]*)"')
_JSONLD = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.DOTALL)
_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_REFRESH = re.compile(r"^(\s*\d+\s*;\s*url\s*=\s*)(.*)$", re.IGNORECASE | re.DOTALL)


class ExportError(Exception):
    """The export cannot be made (the message says why)."""


@dataclass
class Ziel:
    """Where the export is going and where the rest of the portal is."""

    subsite: str  # the subsite's folder in the built site, e.g. "wanfried/"
    portal_url: str  # absolute, ends with "/": where links that leave the subsite go
    base_pfad: str = "/"  # the export's path on its web server, ends with "/"
    base_url: str = ""  # absolute address of the export ('' when only a path was given)
    site_url: str = ""  # the build's own absolute base (PORTAL_PAGES site_url), '' for a relative build
    assets: set[str] = field(default_factory=set)  # shared files the pages refer to

    @property
    def portal_pfad(self) -> str:
        """The path where root-absolute links of the build (the 404 pages) start."""
        return site_root(self.site_url)

    def ausgabe(self, path: str) -> str:
        """A file's path in the export from its path in the built site (the subsite's folder is the root)."""
        return path[len(self.subsite) :] if path.startswith(self.subsite) else path


def normalise_url(value: str, what: str, absolute: bool) -> str:
    """An http(s) URL (or, for ``--base-url``, also a path starting with /), ending with /."""
    parts = urllib.parse.urlsplit(value)
    ok = parts.scheme in ("http", "https") and parts.netloc
    if not ok and not (not absolute and value.startswith("/") and not parts.netloc):
        form = "an http(s) URL" if absolute else "an http(s) URL or a path starting with /"
        raise ExportError(f"{what} {value!r}: {form} is needed")
    if parts.query or parts.fragment:
        raise ExportError(f"{what} {value!r}: no query or fragment, please")
    return value if value.endswith("/") else value + "/"


# --- rewriting one file ---------------------------------------------------------------------------------


def _ziel_pfad(page: str, url_path: str) -> str | None:
    """The output path a relative URL on ``page`` points to ('' is the site root); None outside the site."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(page), url_path))
    if joined == ".":
        return ""
    if joined.startswith("../") or joined == "..":
        return None
    return joined + "/" if url_path.endswith("/") or url_path in ("", ".") else joined


def umschreiben(value: str, page: str, ziel: Ziel, attr: str = "href") -> str:
    """One URL of the page at ``page`` (a path in the built site), for the page's place in the export."""
    raw = html.unescape(value)
    if not raw or raw.startswith(("#", "?")):
        return value
    parts = urllib.parse.urlsplit(raw)
    if parts.scheme or parts.netloc:
        if not (ziel.site_url and raw.startswith(ziel.site_url.rstrip("/") + "/")):
            return value  # mailto:, tel:, data:, another host
        path, form = parts.path[len(site_root(ziel.site_url)) :], "absolut"
    elif raw.startswith("/"):
        if not raw.startswith(ziel.portal_pfad):
            return value
        path, form = parts.path[len(ziel.portal_pfad) :], "wurzel"
    else:
        found = _ziel_pfad(page, parts.path)
        if found is None:
            return value
        path, form = found, "relativ"
    rest = (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    if attr == "data-root" and path == "":
        neu = ""  # where the search builds its links: the export's root
    elif path == ziel.subsite.rstrip("/"):
        neu = ""
    elif path.startswith(ziel.subsite):
        neu = ziel.ausgabe(path)
    elif path.startswith(SHARED):
        neu = path
        ziel.assets.add(path)
    else:
        return html.escape(ziel.portal_url + path + rest, quote=True)
    if form == "relativ":
        out = relative_root(ziel.ausgabe(page)) + neu
    elif form == "wurzel":
        out = ziel.base_pfad + neu
    else:
        out = (ziel.base_url or ziel.base_pfad) + neu
    return html.escape(out + rest, quote=True)


def _jsonld(text: str, page: str, ziel: Ziel) -> str:
    """The JSON-LD block's page addresses (url, item) for the export (absolute where the build had them so)."""
    data = json.loads(text)

    def walk(value: Any, key: str = "") -> Any:
        if isinstance(value, dict):
            return {k: walk(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, key) for v in value]
        if isinstance(value, str) and key in ("url", "item"):
            neu = html.unescape(umschreiben(html.escape(value, quote=True), page, ziel))
            if neu.startswith("/") and ziel.base_url:
                neu = ziel.base_url.rstrip("/") + neu[len(ziel.base_pfad) - 1 :]
            return neu
        return value

    out = json.dumps(walk(data), ensure_ascii=False, sort_keys=True, indent=None)
    return out.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def seite_umschreiben(text: str, page: str, ziel: Ziel) -> str:
    """Every link of an HTML page or Atom feed (tags' URL attributes, a redirect's refresh, the JSON-LD)."""

    def tag(m: re.Match[str]) -> str:
        source = m.group(0)
        refresh = re.search(r'http-equiv="refresh"', source, re.IGNORECASE) is not None

        def attr(a: re.Match[str]) -> str:
            name, value = a.group(2).lower(), a.group(3)
            if name in URL_ATTRS:
                return f'{a.group(1)}{a.group(2)}="{umschreiben(value, page, ziel, name)}"'
            if refresh and name == "content":
                found = _REFRESH.match(html.unescape(value))
                if found:
                    neu = umschreiben(html.escape(found.group(2), quote=True), page, ziel)
                    return f'{a.group(1)}{a.group(2)}="{html.escape(found.group(1), quote=True)}{neu}"'
            return a.group(0)

        return _ATTR.sub(attr, source)

    parts = []
    last = 0
    for block in _JSONLD.finditer(text):  # the JSON-LD is not markup: its URLs are handled as JSON
        parts.append(_TAG.sub(tag, text[last : block.start()]))
        parts.append(block.group(1) + _jsonld(block.group(2), page, ziel) + block.group(3))
        last = block.end()
    parts.append(_TAG.sub(tag, text[last:]))
    return "".join(parts)


def suchkarte_umschreiben(text: str, ziel: Ziel) -> str:
    """The search map: each responsible subsite as its folder below the export's root ('' for this one) or
    the portal's address of another subsite (suche.js uses an absolute entry as it is)."""
    data = json.loads(text)
    for entry in data.get("z", []):
        path = entry[0]
        entry[0] = ziel.ausgabe(path) if path.startswith(ziel.subsite) else ziel.portal_url + path
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sitemap_umschreiben(text: str, ziel: Ziel) -> str:
    """The subsite's sitemap with the export's absolute addresses (needs an absolute --base-url)."""
    base = ziel.site_url.rstrip("/") + "/" if ziel.site_url else ""

    def ersetzen(m: re.Match[str]) -> str:
        value = html.unescape(m.group(2))
        path = value[len(base) :] if base and value.startswith(base) else value.lstrip("/")
        if not path.startswith(ziel.subsite):
            return m.group(0)
        return f"{m.group(1)}{html.escape(ziel.base_url + ziel.ausgabe(path), quote=True)}{m.group(3)}"

    text = re.sub(r"(<loc>)([^<]*)(</loc>)", ersetzen, text)
    return re.sub(r'(<xhtml:link [^>]*href=")([^"]*)(")', ersetzen, text)


# --- the export ---------------------------------------------------------------------------------------------


def subsites_in(site: Path) -> list[str]:
    """The subsite folders of a built portal (each has a 404 page and a search map)."""
    return sorted(
        p.name
        for p in site.iterdir()
        if p.is_dir() and (p / "404.html").is_file() and (p / "suchkarte.json").is_file()
    )


def finde_subsite(site: Path, gebiet: str) -> str:
    """The folder of the subsite ``gebiet`` names: the folder itself (wanfried), the Gebiet's name
    (Wanfried, "Wanfried, Stadt") or its ARS (066360013013)."""
    from content_sync.gebiete import pad, verzeichnis

    vorhanden = subsites_in(site)
    wert = gebiet.strip().strip("/")
    kandidaten = [wert, slugify(wert)]
    v = verzeichnis()
    treffer = []
    if wert.isdigit():
        found = v.get(pad(wert))
        treffer = [found] if found else []
    else:
        treffer = [g for g in v if slugify(wert) in (slugify(g.kurzname), slugify(g.name))]
    for g in treffer:
        slug = slugify(g.kurzname)
        kreis = v.get(g.uebergeordnet or "")
        kandidaten += [slug, f"{slug}-{slugify(kreis.kurzname)}" if kreis else slug, f"{slug}-{g.ars}"]
    for k in dict.fromkeys(kandidaten):
        if k in vorhanden:
            return k
    zeige = ", ".join(vorhanden[:12]) + (" …" if len(vorhanden) > 12 else "")
    raise ExportError(f"no subsite {gebiet!r} in {site} (its subsites: {zeige or 'none'})")


@dataclass
class Ergebnis:
    ordner: Path
    archiv: Path
    subsite: str
    seiten: int
    dateien: int
    bytes: int
    links: int
    sitemap: bool


def exportieren(
    site: Path,
    gebiet: str,
    output: Path | None,
    *,
    portal_url: str,
    base_url: str = "/",
    site_url: str = "",
) -> Ergebnis:
    """Write the export folder and its archive; returns what was written."""
    site = site.resolve()
    if not (site / "index.html").is_file() and (site / "live" / "index.html").is_file():
        site = (site / "live").resolve()  # the nightly job's output folder: its live release
    if not (site / "index.html").is_file():
        raise ExportError(f"{site} holds no built portal (no index.html); run 'portal build' first")
    slug = finde_subsite(site, gebiet)
    portal_url = normalise_url(portal_url, "--portal-url", absolute=True)
    base = normalise_url(base_url or "/", "--base-url", absolute=False)
    absolut = base if base.startswith(("http://", "https://")) else ""
    ziel = Ziel(
        subsite=f"{slug}/",
        portal_url=portal_url,
        base_pfad=urllib.parse.urlsplit(base).path if absolut else base,
        base_url=absolut,
        site_url=site_url,
    )
    output = (output or Path("export") / slug).resolve()
    if output == site or site.is_relative_to(output) or output.is_relative_to(site):
        raise ExportError(f"{output}: the export cannot be inside the built site, nor the site inside it")
    if output.exists() and any(output.iterdir()) and not (output / MARKER).is_file():
        raise ExportError(f"{output} exists and is not an export of 'portal export': choose another --output")
    tmp = output.with_name(f".{output.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        dateien = _schreiben(site, ziel, tmp)
        links = pruefen(tmp)
        (tmp / MARKER).write_text(
            json.dumps(
                {"subsite": slug, "base_url": base, "portal_url": portal_url},
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
        if output.exists():
            shutil.rmtree(output)
        tmp.replace(output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    archiv = output.with_name(output.name + ".tar.gz")
    groesse = archivieren(output, archiv)
    return Ergebnis(
        ordner=output,
        archiv=archiv,
        subsite=slug,
        seiten=sum(1 for p in dateien if p.endswith(".html")),
        dateien=len(dateien),
        bytes=groesse,
        links=links,
        sitemap=(output / "sitemap.xml").is_file(),
    )


def _schreiben(site: Path, ziel: Ziel, out: Path) -> list[str]:
    """Copy and rewrite the subsite, then copy the shared files its pages and stylesheets refer to."""
    geschrieben: list[str] = []
    quelle = site / ziel.subsite
    for path in sorted(p for p in quelle.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        neu = ziel.ausgabe(rel)
        target = out / neu
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix in REWRITTEN:
            target.write_text(
                seite_umschreiben(path.read_text(encoding="utf-8"), rel, ziel), encoding="utf-8"
            )
        elif neu == "suchkarte.json":
            target.write_text(suchkarte_umschreiben(path.read_text(encoding="utf-8"), ziel), encoding="utf-8")
        elif neu == "sitemap.xml":
            if not ziel.base_url:
                continue  # a sitemap needs absolute addresses
            target.write_text(sitemap_umschreiben(path.read_text(encoding="utf-8"), ziel), encoding="utf-8")
        else:
            shutil.copyfile(path, target)
        geschrieben.append(neu)
    # the shared files, and what their stylesheets load (fonts), and the licences of the vendored ones
    offen = sorted(ziel.assets)
    licences = site / "theme" / "vendor"
    if licences.is_dir():
        offen += sorted(
            p.relative_to(site).as_posix()
            for p in licences.rglob("*")
            if p.is_file() and "licen" in p.name.lower()
        )
    kopiert: set[str] = set()
    while offen:
        rel = offen.pop()
        if rel in kopiert:
            continue
        path = site / rel
        if not path.is_file():
            raise ExportError(f"the subsite's pages load {rel}, which is not in {site}")
        kopiert.add(rel)
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, out / rel)
        geschrieben.append(rel)
        if path.suffix == ".css":
            for m in _CSS_URL.finditer(path.read_text(encoding="utf-8")):
                url = m.group(2).strip()
                parts = urllib.parse.urlsplit(url)
                if parts.scheme or parts.netloc or url.startswith("#"):
                    continue
                offen.append(posixpath.normpath(posixpath.join(posixpath.dirname(rel), parts.path)))
    return sorted(geschrieben)


def pruefen(out: Path) -> int:
    """Every internal link of the export resolves to one of its files (pages' URL attributes, the search's
    fetch targets, stylesheets' url()); returns how many were checked, raises with every broken one."""
    probleme: list[str] = []
    anzahl = 0
    root = out.resolve()
    for path in sorted(out.rglob("*")):
        if path.suffix not in (".html", ".css"):
            continue
        rel = path.relative_to(out).as_posix()
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".css":
            urls = [m.group(2) for m in _CSS_URL.finditer(text)]
        else:
            urls = [
                html.unescape(a.group(3))
                for t in _TAG.finditer(text)
                for a in _ATTR.finditer(t.group(0))
                if a.group(2).lower() in URL_ATTRS - {"data-root"}
            ]
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            anzahl += 1
            if parts.path.startswith("/"):
                continue  # the 404 pages' links: checked where the export is served (the README's nginx)
            target = (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                probleme.append(f"{rel}: {url}")
    if probleme:
        raise ExportError(
            f"{len(probleme)} links of the export do not resolve:\n  " + "\n  ".join(probleme[:50])
        )
    return anzahl


def archivieren(folder: Path, archiv: Path) -> int:
    """A deterministic .tar.gz of the folder below a top folder of its name; returns its size in bytes."""
    buffer = io.BytesIO()
    eintraege = [folder, *sorted(p for p in folder.rglob("*") if p.name != MARKER)]
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in eintraege:
            rel = path.relative_to(folder).as_posix()
            info = tarfile.TarInfo(folder.name if rel == "." else f"{folder.name}/{rel}")
            info.mtime = MTIME
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if path.is_dir():
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tar.addfile(info)
            else:
                data = path.read_bytes()
                info.size = len(data)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(data))
    tmp = archiv.with_name(f".{archiv.name}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(archiv)
    return len(buffer.getvalue())


# --- nginx ------------------------------------------------------------------------------------------------


def nginx_location(base_pfad: str, sprachen: list[str]) -> str:
    """The nginx location for an export at ``base_pfad`` below the server's root folder: files as they are, a
    folder's index.html (a folder without its closing / is redirected to it: the relative links need it), and
    a missing URL answered 404 with the 404 page of its language (``sprachen``: the language folders)."""
    base = base_pfad if base_pfad.endswith("/") else base_pfad + "/"
    lines = [f"location {base} {{", "    index index.html;", f"    error_page 404 {base}404.html;"]
    for ordner in sprachen:
        lines += [
            f"    location {base}{ordner}/ {{",
            f"        error_page 404 {base}{ordner}/404.html;",
            "    }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- the command ----------------------------------------------------------------------------------------


def add_export(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="one subsite as a folder and a .tar.gz, for the municipality's own web server",
        description="Copy one subsite of the built portal, with the shared files it needs, into a folder "
        "(and a deterministic .tar.gz next to it) that works at the municipality's own address.",
    )
    p.add_argument("gebiet", help="the subsite: its folder (wanfried), the Gebiet's name or its ARS")
    p.add_argument("--output", type=Path, help="the folder to write (default: export/<subsite>)")
    p.add_argument(
        "--base-url",
        default="/",
        help="where the export will be served, e.g. https://www.wanfried.example/buergerservice/ "
        "(or only its path, /buergerservice/; default /). An absolute URL also gives a sitemap",
    )
    p.add_argument(
        "--portal-url",
        help="the portal's address, for links that leave the subsite (default: PORTAL_PAGES site_url)",
    )
    p.add_argument("--site", type=Path, help="the built portal (default: OUTPUT_PATH, output/)")
    p.add_argument("--pelican-settings", default="pelicanconf.py", help="Pelican settings file")
    p.set_defaults(handler=run_export)


def run_export(args: Any, _settings: Any) -> int:
    site_url, output_path = "", "output"
    if Path(args.pelican_settings).is_file():
        from pelican.settings import read_settings

        pelican = read_settings(str(args.pelican_settings))
        site_url = str((pelican.get("PORTAL_PAGES") or {}).get("site_url") or "")
        output_path = str(pelican.get("OUTPUT_PATH") or output_path)
    portal_url = args.portal_url or site_url
    if not portal_url:
        print(
            "portal export: links that leave the subsite (to the Kreis, the Land portal, other places) need the "
            "portal's address: pass --portal-url https://… or set site_url in PORTAL_PAGES "
            f"({args.pelican_settings})"
        )
        return EXIT_USAGE
    try:
        result = exportieren(
            args.site or Path(output_path),
            args.gebiet,
            args.output,
            portal_url=portal_url,
            base_url=args.base_url,
            site_url=site_url,
        )
    except ExportError as exc:
        print(f"portal export: {exc}")
        return EXIT_FAILED
    print(
        f"Exported {result.subsite}: {result.seiten} pages, {result.dateien} files, {result.links} internal links "
        f"checked, into {result.ordner} and {result.archiv} ({result.bytes:,} bytes)."
    )
    if not result.sitemap:
        print("  No sitemap.xml: it needs absolute addresses, give --base-url as an http(s) URL.")
    print(f"  Links that leave {result.subsite} go to {normalise_url(portal_url, '--portal-url', True)}.")
    return EXIT_OK
