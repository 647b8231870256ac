"""Municipalities make their subsite theirs: one folder per subsite, ``sites/<subsite-slug>/``.

```
sites/wanfried/
  site.toml            settings (or site.yaml): name shown, logo, colours, the town hall's contact, links
  logo.svg             the logo named in the settings (SVG or PNG), copied to the output
  seiten/*.md          own pages (Markdown, read by Pelican's readers): gemeinde_inhalte.py
  leistungen/*.md      local additions to a state service text ("Eigener Inhalt"): gemeinde_inhalte.py
```

Everything a folder contributes goes into the data of the pages of its subsite (never of another one): the
incremental build fingerprints a page by its data, so a changed setting, page or local text renders exactly
the pages it shows on again. The settings are validated (unknown keys, wrong values, colours below the WCAG
2.1 AA contrast for text are refused with the file and the key); a folder without a subsite in this build, or
a local addition for a Leistung that does not exist (any more), is a warning and the build goes on.

The Content-Security-Policy forbids inline styles: the colours become a small stylesheet per subsite (custom
properties only, ``<subsite>/gestaltung/farben-<hash>.css``); the rules that use them are in
``theme/static/css/gemeinde.css``. Files written here are listed in ``.portal-gemeinden.json`` in the output
folder, so a file no longer written (a new logo, removed colours) is deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import struct
import tomllib
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import yaml
from lxml import etree
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from content_sync.models import Leistung, Mehrsprachig

from .gemeinde_inhalte import (
    EigenerInhalt,
    EigeneSeite,
    Leser,
    Zusatz,
    eigener_inhalt,
    lade_seiten,
    lade_zusaetze,
)
from .pages import Seite
from .render import write_atomic
from .settings import DEFAULT_SPRACHEN, PluginConfigError, PortalPagesSettings, Sprache
from .site import Portal, Subsite

log = logging.getLogger(__name__)

SETTINGS_FILES = ("site.toml", "site.yaml", "site.yml")
GESTALTUNG = "gestaltung"  # the folder below a subsite for its logo and colours
MANIFEST = ".portal-gemeinden.json"  # the files written here in the last build (stale ones are deleted)
LOGO_BYTES = 512 * 1024
AA_TEXT = 4.5  # WCAG 2.1 success criterion 1.4.3 (AA): contrast of text against its background


class GemeindeConfigError(PluginConfigError):
    """A municipality's folder is invalid (the message names the file and the key)."""


# --- colours: WCAG 2.1 relative luminance and contrast ratio ------------------------------------------------

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def rgb(farbe: str) -> tuple[int, int, int]:
    """``#1f5130`` or ``#fff`` -> (r, g, b), 0-255."""
    if not _HEX.fullmatch(farbe):
        raise ValueError(f"{farbe!r} is not a colour in the form #rrggbb or #rgb")
    digits = farbe[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def relative_luminance(farbe: str) -> float:
    """WCAG 2.1, definition "relative luminance": sRGB channels linearised, weighted 0.2126, 0.7152, 0.0722."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb(farbe))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def kontrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio (L1 + 0.05) / (L2 + 0.05), the lighter colour's luminance on top: 1 to 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hell, dunkel = max(la, lb), min(la, lb)
    return (hell + 0.05) / (dunkel + 0.05)


# --- the settings file --------------------------------------------------------------------------------------


def _text(value: Any, info: ValidationInfo) -> Any:
    """A text is a string (German) or a table per language code of the site; German is always needed (it is
    the fallback of every other language)."""
    if isinstance(value, str):
        value = {"de": value}
    if not isinstance(value, dict):
        return value  # Mehrsprachig's own validation names the problem
    codes = (info.context or {}).get("sprachen")
    unknown = sorted(k for k in value if codes is not None and k not in codes)
    if unknown:
        raise ValueError(f"unknown language {', '.join(map(repr, unknown))}; known: {', '.join(codes)}")
    if not str(value.get("de", "")).strip():
        raise ValueError("a German text ('de') is needed: it is shown where a language has none")
    return value


Text = Annotated[Mehrsprachig, BeforeValidator(_text)]
Farbe = Annotated[str, Field(pattern=r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", description="#rrggbb or #rgb")]
_NOT_IN_URL = re.compile(r'[\x00-\x20\x7f"<>\\^`{|}]')


class _Streng(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Logo(_Streng):
    datei: str = Field(description="an SVG or PNG file in the municipality's folder, e.g. logo.svg")
    alt: Text = Field(description="its text alternative (WCAG 1.1.1): what the logo shows, per language")

    @field_validator("datei")
    @classmethod
    def _datei(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.(svg|png)", value):
            raise ValueError(f"{value!r}: a file name in this folder ending in .svg or .png (no path)")
        return value


class Farben(_Streng):
    """The subsite's brand: its name and logo in the header stand on ``hintergrund`` in ``text``."""

    hintergrund: Farbe = Field(description="background of the name and logo in the header")
    text: Farbe = Field(description="colour of the name on that background (contrast at least 4.5:1)")
    akzent: Farbe | None = Field(default=None, description="the line below the header (default: hintergrund)")

    @model_validator(mode="after")
    def _kontrast(self) -> Farben:
        ratio = kontrast(self.text, self.hintergrund)
        if ratio < AA_TEXT:
            raise ValueError(
                f"text {self.text} on hintergrund {self.hintergrund} has a contrast of {ratio:.2f}:1; "
                f"WCAG 2.1 AA (1.4.3) needs at least {AA_TEXT}:1 for text: make one of them lighter or darker"
            )
        return self


def _url(value: str) -> str:
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or _NOT_IN_URL.search(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


Url = Annotated[str, BeforeValidator(lambda v: _url(v) if isinstance(v, str) else v)]


class Kontakt(_Streng):
    """The town hall's contact on the start page; replaces the one computed from the data."""

    name: Text = Field(description="e.g. Rathaus Wanfried – Bürgerbüro")
    strasse: str = Field(default="", max_length=200, description="street and number")
    plz: str = Field(default="", pattern=r"^(\d{5})?$")
    ort: str = Field(default="", max_length=200)
    telefon: str = Field(default="", pattern=r"^(\+?[0-9 ()/-]{3,40})?$")
    fax: str = Field(default="", pattern=r"^(\+?[0-9 ()/-]{3,40})?$")
    email: str = Field(default="", pattern=r"^([^@\s<>\"',;:()\[\]\\]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+)?$")
    web: Url | None = Field(default=None, description="the town's website (http or https)")
    oeffnungszeiten: Text | None = Field(default=None, description="opening hours as text, per language")


class Link(_Streng):
    label: Text = Field(description="the link's text, per language")
    url: Url = Field(description="http or https only")


class GemeindeEinstellungen(_Streng):
    """``site.toml`` / ``site.yaml`` of a municipality (every key optional)."""

    name: Text | None = Field(default=None, description="the name shown (default: the Gebiet's short name)")
    logo: Logo | None = None
    farben: Farben | None = None
    kontakt: Kontakt | None = None
    links: list[Link] = Field(default_factory=list, max_length=20)


def lade_einstellungen(path: Path, sprachen: list[str]) -> GemeindeEinstellungen:
    """Read and validate one settings file; every problem names the file and the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise GemeindeConfigError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        raw = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise GemeindeConfigError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise GemeindeConfigError(f"{path}: the settings must be a table of keys")
    try:
        return GemeindeEinstellungen.model_validate(raw, context={"sprachen": sprachen})
    except ValidationError as exc:
        raise GemeindeConfigError(f"{path}: {fehlertext(exc)}") from None


def fehlertext(exc: ValidationError) -> str:
    """Pydantic's errors as ``key.sub: message; …`` (keys as written in the file)."""
    out = []
    for e in exc.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith("function-"))
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append(f"{loc or '(top level)'}: {msg}")
    return "; ".join(out)


# --- the logo -----------------------------------------------------------------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# elements that run code, embed other documents or pull in other files: refused in a logo
SVG_VERBOTEN = {"script", "foreignObject", "iframe", "embed", "object", "image", "feImage", "a"}


def logo_masse(path: Path) -> tuple[int, int]:
    """The logo's intrinsic size (width, height) in CSS pixels, after checking that it is a plain image:
    a PNG, or an SVG without scripts, event handlers, a DOCTYPE, links or references to other files."""
    data = path.read_bytes()
    if len(data) > LOGO_BYTES:
        raise ValueError(f"{len(data)} bytes; a logo may have at most {LOGO_BYTES} bytes")
    if path.suffix == ".png":
        if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
            raise ValueError("not a PNG file")
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return _svg_masse(data)


def _svg_masse(data: bytes) -> tuple[int, int]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed SVG: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise ValueError("an SVG with a DOCTYPE is refused")
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValueError(f"the root element is {root.tag!r}, not an <svg> in the SVG namespace")
    for el in root.iter():
        if not isinstance(el.tag, str):
            raise ValueError("processing instructions are refused")
        name = etree.QName(el).localname
        if name in SVG_VERBOTEN:
            raise ValueError(
                f"<{name}> is not allowed in a logo (no scripts, links, embedded or other files)"
            )
        if name == "style" and re.search(r"url\s*\(|@import", el.text or "", re.IGNORECASE):
            raise ValueError("<style> with url() or @import is not allowed in a logo")
        for attr, value in el.attrib.items():
            local = etree.QName(attr).localname
            if local.lower().startswith("on"):
                raise ValueError(f"the event handler attribute {local!r} is not allowed in a logo")
            if local == "href" and not value.startswith("#"):
                raise ValueError(f"{local}={value!r}: a logo may refer only to its own parts (#id)")
            if re.search(r"url\s*\(\s*['\"]?(?!#)", value, re.IGNORECASE) or "javascript:" in value.lower():
                raise ValueError(f"{local}={value!r}: a logo may refer only to its own parts (url(#id))")
    width, height = _svg_laenge(root.get("width")), _svg_laenge(root.get("height"))
    box = [float(v) for v in re.split(r"[\s,]+", (root.get("viewBox") or "").strip()) if v]
    if (width is None or height is None) and len(box) == 4 and box[2] > 0 and box[3] > 0:
        if width is None and height is None:
            width, height = box[2], box[3]
        elif width is None:
            width = height * box[2] / box[3]  # type: ignore[operator]
        else:
            height = width * box[3] / box[2]
    if not width or not height:
        raise ValueError("the SVG needs a viewBox (or width and height in px) so its size is known")
    return round(width), round(height)


def _svg_laenge(value: str | None) -> float | None:
    found = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(px)?\s*", value or "")
    return float(found.group(1)) if found else None


# --- one municipality: what its pages show ------------------------------------------------------------------


class Gemeinde(BaseModel):
    """What every page of the subsite shows of its municipality (in each page's data: its fingerprint)."""

    model_config = ConfigDict(frozen=True)

    slug: str
    name: Mehrsprachig
    logo: str | None = None  # output path of the copied logo
    logo_alt: Mehrsprachig | None = None
    logo_breite: int = 0
    logo_hoehe: int = 0
    farben: str | None = None  # output path of the colours' stylesheet
    kontakt: Kontakt | None = None
    links: tuple[Link, ...] = ()


def _mit_hash(name: str, data: bytes) -> str:
    """``logo.svg`` -> ``logo-1a2b3c4d.svg``: a changed file gets a new URL, so no browser keeps the old one."""
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}{dot}{suffix}"


def farben_css(farben: Farben) -> str:
    lines = [
        "/* The colours of this subsite (sites/<slug>/site.toml, generated): only custom properties; the rules",
        "   that use them are in theme/css/gemeinde.css. Contrast of text on hintergrund: "
        f"{kontrast(farben.text, farben.hintergrund):.2f}:1. */",
        ":root {",
        f"  --portal-gemeinde-hintergrund: {farben.hintergrund};",
        f"  --portal-gemeinde-text: {farben.text};",
        f"  --portal-gemeinde-akzent: {farben.akzent or farben.hintergrund};",
        "}",
    ]
    return "\n".join(lines) + "\n"


@dataclass
class GemeindeOrdner:
    """One folder below ``sites/``, read and checked, with the subsite it belongs to."""

    ordner: Path
    subsite: Subsite
    gemeinde: Gemeinde
    dateien: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes (logo, colours)


def lade_ordner(ordner: Path, subsite: Subsite, sprachen: list[str]) -> GemeindeOrdner:
    found = [ordner / name for name in SETTINGS_FILES if (ordner / name).is_file()]
    if len(found) > 1:
        raise GemeindeConfigError(
            f"{ordner}: more than one settings file ({', '.join(p.name for p in found)})"
        )
    e = lade_einstellungen(found[0], sprachen) if found else GemeindeEinstellungen()
    settings_file = found[0] if found else ordner / SETTINGS_FILES[0]
    dateien: dict[str, bytes] = {}
    werte: dict[str, Any] = {
        "slug": subsite.slug,
        "name": e.name or Mehrsprachig({"de": subsite.gebiet.kurzname}),
        "kontakt": e.kontakt,
        "links": tuple(e.links),
    }
    base = f"{subsite.path}{GESTALTUNG}/"
    if e.logo is not None:
        path = ordner / e.logo.datei
        if not path.is_file():
            raise GemeindeConfigError(f"{settings_file}: logo.datei: {path} does not exist")
        try:
            breite, hoehe = logo_masse(path)
        except ValueError as exc:
            raise GemeindeConfigError(f"{settings_file}: logo.datei: {path}: {exc}") from None
        data = path.read_bytes()
        ziel = base + _mit_hash(e.logo.datei, data)
        dateien[ziel] = data
        werte.update(logo=ziel, logo_alt=e.logo.alt, logo_breite=breite, logo_hoehe=hoehe)
    if e.farben is not None:
        css = farben_css(e.farben).encode("utf-8")
        ziel = base + _mit_hash("farben.css", css)
        dateien[ziel] = css
        werte["farben"] = ziel
    return GemeindeOrdner(ordner, subsite, Gemeinde(**werte), dateien)


# --- all municipalities of a build ------------------------------------------------------------------------


class Gemeinden:
    """The folders below ``sites_ordner`` that belong to a subsite of this build, with their pages and local
    additions. Page data objects are made once and kept here: the fingerprinter memoises models by id."""

    def __init__(
        self,
        ordner: dict[str, GemeindeOrdner],
        seiten: dict[str, list[EigeneSeite]],
        zusaetze: dict[str, list[Zusatz]],
        sprachen: list[Sprache],
    ) -> None:
        self.ordner = ordner  # by subsite path
        self.seiten = seiten
        self.zusaetze = zusaetze
        self.sprachen = sprachen
        self._inhalte: dict[tuple[str, str, str], EigenerInhalt] = {}
        self._liste = {path: tuple(s.eintrag() for s in eigene) for path, eigene in seiten.items()}

    @classmethod
    def laden(
        cls, config: PortalPagesSettings, portal: Portal, pelican_settings: dict[str, Any]
    ) -> Gemeinden:
        root = Path(config.sites_ordner)
        ordner: dict[str, GemeindeOrdner] = {}
        seiten: dict[str, list[EigeneSeite]] = {}
        zusaetze: dict[str, list[Zusatz]] = {}
        if not root.is_dir():
            return cls(ordner, seiten, zusaetze, config.sprachen)
        by_slug = {s.slug: s for s in portal.subsites.values() if s.slug}
        # texts may come in every language the portal knows (a build of fewer languages ignores the rest)
        bekannte = [
            *config.sprachen,
            *(s for s in DEFAULT_SPRACHEN if s.code not in {c.code for c in config.sprachen}),
        ]
        codes = [s.code for s in bekannte]
        leser: Leser | None = None
        for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            subsite = by_slug.get(folder.name)
            if subsite is None:
                log.warning(
                    "%s: no subsite %r in this build (a folder is named like the subsite's URL, e.g. "
                    "sites/wanfried/); its settings, pages and local additions are not used",
                    folder,
                    folder.name,
                )
                continue
            g = lade_ordner(folder, subsite, codes)
            leser = leser or Leser(pelican_settings, bekannte)
            ordner[subsite.path] = g
            seiten[subsite.path] = lade_seiten(folder, leser)
            zusaetze[subsite.path] = lade_zusaetze(folder, leser, portal.leistungen)
        return cls(ordner, seiten, zusaetze, config.sprachen)

    def anwenden(self, seiten: list[Seite]) -> list[Seite]:
        """Put each municipality into the data of its subsite's pages (name, logo, colours on every page; its
        own pages and contact on the start page; local additions on the service pages); returns its own
        pages, one per language, to be rendered with the others."""
        offen = {(path, z.leistung, z.abschnitt): z for path, zs in self.zusaetze.items() for z in zs}
        nach_leistung: dict[tuple[str, str], list[Zusatz]] = {}
        for path, zs in self.zusaetze.items():
            for z in zs:
                nach_leistung.setdefault((path, z.leistung), []).append(z)
        for seite in seiten:
            g = self.ordner.get(seite.subsite.path)
            if g is None:
                continue
            seite.data["gemeinde"] = g.gemeinde
            if seite.template == "start.html":
                seite.data["gemeinde_seiten"] = self._liste.get(seite.subsite.path, ())
                if g.gemeinde.kontakt is not None:
                    seite.data["rathaus"] = None  # the municipality's contact replaces the computed one
            elif seite.template == "leistung.html":
                lb = seite.data["lb"]
                zs = nach_leistung.get((seite.subsite.path, lb.ref.key))
                if zs:
                    seite.data["eigener_inhalt"] = self._eigener_inhalt(g, zs, lb, seite.sprache.code)
                    for z in zs:
                        offen.pop((seite.subsite.path, z.leistung, z.abschnitt), None)
        for (path, _key, _abschnitt), z in sorted(offen.items()):
            log.warning(
                "%s: %s has no service page in the subsite %s (the Gemeinde is not the level responsible for "
                "it, so its residents see the page of the responsible Kreis or Land); this local addition is "
                "not shown",
                z.quelle,
                z.leistung,
                path.rstrip("/"),
            )
        neue = []
        for path, eigene in self.seiten.items():
            g = self.ordner[path]
            for seite in eigene:
                for sprache in self.sprachen:
                    data = {"gemeinde": g.gemeinde, "eigene_seite": seite}
                    neue.append(Seite("gemeinde-seite.html", g.subsite, f"{seite.slug}/", sprache, data))
        return neue

    def _eigener_inhalt(
        self, g: GemeindeOrdner, zs: list[Zusatz], lb: Leistung, sprache: str
    ) -> EigenerInhalt:
        key = (g.subsite.path, lb.ref.key, sprache)
        found = self._inhalte.get(key)
        if found is None:
            found = self._inhalte[key] = eigener_inhalt(g.gemeinde.name, zs, lb, sprache)
        return found

    def schreibe(self, output: Path) -> int:
        """Write the logos and colour stylesheets (only when changed); delete those of the last build that
        are no longer written. Returns how many files were written."""
        output = output.resolve()
        manifest = output / MANIFEST
        try:
            alt = set(json.loads(manifest.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            alt = set()
        neu: set[str] = set()
        geschrieben = 0
        for g in self.ordner.values():
            for rel, data in sorted(g.dateien.items()):
                target = _im_output(output, rel)
                neu.add(rel)
                if target.is_file() and target.read_bytes() == data:
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".tmp-{target.name}")
                tmp.write_bytes(data)
                tmp.chmod(0o644)
                tmp.replace(target)
                geschrieben += 1
        for rel in sorted(alt - neu):
            target = _im_output(output, rel)
            if target.is_file():
                target.unlink()
            with contextlib.suppress(OSError):
                target.parent.rmdir()  # only when empty
        if neu or alt:
            write_atomic(manifest, json.dumps(sorted(neu), indent=0) + "\n")
        return geschrieben


def _im_output(output: Path, rel: str) -> Path:
    target = (output / rel).resolve()
    if not target.is_relative_to(output):
        raise ValueError(f"refusing to write outside the output folder: {rel!r}")
    return target
