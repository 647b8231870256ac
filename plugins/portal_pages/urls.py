"""The only module that knows how URLs and output paths are made.

- Slugs are ASCII, from official names: ä -> ae, ö -> oe, ü -> ue, ß -> ss, other accents dropped.
- A subsite's folder holds all of it; German at its root, other languages in a language folder below.
- Service and office pages carry the object's id in the slug, so a changed title can leave a redirect behind.
- Paths are relative to the output root and end in ``/`` (a folder with index.html) or a file name.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
import urllib.parse

TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss", "ẞ": "SS"}
)
RESERVED = {
    "leistungen",
    "behoerden",
    "lebenslagen",
    "a-z",
    "suche",
    "orte",
    "theme",
    "static",
    "en",
    "ar",
    "leichte-sprache",
    "impressum",
    "datenschutz",
    "barrierefreiheit",
    "alles-in-leichter-sprache",
    "info-leichte-sprache",
    "404",
    "sitemap",
    "api",
    "redaktion",  # the editors' pages (redaktion/datenqualitaet/)
}


def slugify(text: str, max_length: int = 80) -> str:
    """``Werra-Meißner-Kreis`` -> ``werra-meissner-kreis``; never empty."""
    value = text.translate(TRANSLIT)
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^A-Za-z0-9]+", "-", value).strip("-").lower()
    value = value[:max_length].rstrip("-")
    return value or "x"


@functools.lru_cache(maxsize=65536)  # pure; the search maps ask for every service on every subsite
def id_slug(local_id: str) -> str:
    """An id as a URL part; ids that slugify badly get a short hash so two ids never collide."""
    plain = slugify(local_id, 40)
    if plain.lower() != local_id.lower():
        plain = f"{plain}-{hashlib.sha256(local_id.encode()).hexdigest()[:6]}"
    return plain


def objekt_slug(name: str, local_id: str) -> str:
    return f"{slugify(name, 60)}--{id_slug(local_id)}"


def sprach_prefix(subsite_path: str, ordner: str) -> str:
    """``wanfried/`` + ``en`` -> ``wanfried/en/``; the default language has no folder."""
    return f"{subsite_path}{ordner}/" if ordner else subsite_path


def relative_root(path: str) -> str:
    """From the page at ``path`` back to the output root: ``a/b/`` -> ``../../``; ``a/x.html`` -> ``../``.
    A root-absolute ``path`` (a :func:`site_root`) is the root itself."""
    if path.startswith("/"):
        return path
    depth = path.count("/")
    return "../" * depth if depth else "./"


def href(from_path: str, to_path: str) -> str:
    """A relative link from one output path to another (both relative to the output root)."""
    return relative_root(from_path) + to_path


def site_root(site_url: str) -> str:
    """The output root as a root-absolute URL path, where the links of a page served at any address start:
    the web server answers every missing URL with a 404 page, so its links cannot be relative to the page.
    ``""`` -> ``/``; ``https://portal.example/hessen`` -> ``/hessen/``."""
    path = urllib.parse.urlsplit(site_url).path.strip("/")
    return f"/{path}/" if path else "/"
