"""The check step: what a new release must pass before it goes live.

- **Safety scan, every HTML page.** No ``<script>`` but the JSON-LD data block (``type=application/ld+json``,
  no ``src``, valid JSON) and scripts whose ``src`` is a file under the release's ``theme/``; no event
  handler attribute (``on*``); no ``javascript:``, ``vbscript:`` or ``data:`` URL in any URL attribute (the
  one exception: the theme's empty icon ``<link rel="icon" href="data:,">``, which keeps browsers from asking
  for ``/favicon.ico``); no ``style`` element or attribute, no ``iframe``, ``object``, ``embed``, ``base``,
  ``svg``, ``math`` or ``template``; a ``<meta http-equiv="refresh">`` only to a page of the site.
- **Internal links, every HTML page.** Every relative or root-absolute URL in ``a``/``area``/``link``
  ``href``, ``script``/``img``/``source``/``iframe`` ``src``, ``form`` ``action`` and a redirect's meta
  refresh points to a file of the release (a folder: with ``index.html``); a fragment names an ``id`` there.
- **HTML validity, a sample.** The Nu HTML Checker (``vnu.jar --errors-only``) on the first page of each page
  type in each language, a random sample (fixed seed) and a sample of the pages this run rendered anew.
- **Accessibility smoke test, optional** (``--axe``): axe-core in Chromium on one page per type and language.
"""

from __future__ import annotations

import json
import os
import posixpath
import random
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lxml import etree
from lxml import html as lxml_html

from .procs import spawn

ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_SCRIPT = Path(__file__).resolve().parent / "axe_smoke.mjs"

LINK_ATTRS = {
    "a": ("href",),
    "area": ("href",),
    "link": ("href",),
    "script": ("src",),
    "img": ("src",),
    "source": ("src",),
    "iframe": ("src",),
    "form": ("action",),
}
URL_ATTRS = {
    "href",
    "src",
    "action",
    "formaction",
    "srcset",
    "poster",
    "data",
    "xlink:href",
    "background",
    "cite",
    "longdesc",
    "ping",
    "manifest",
    "codebase",
    "archive",
    "lowsrc",
    "dynsrc",
    "icon",
    "usemap",
}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
FORBIDDEN_TAGS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    "svg",
    "math",
    "template",
}
TYPE_FOLDERS = ("leistungen", "behoerden", "lebenslagen", "a-z", "suche", "orte")
_C0_AND_SPACE = re.compile(r"[\x00-\x20\x7f]+")
_REFRESH_URL = re.compile(r"url\s*=\s*(.*)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Problem:
    seite: str
    zeile: int | None
    art: str  # sicherheit | link | html | barrierefreiheit | werkzeug
    text: str

    def __str__(self) -> str:
        where = f"{self.seite}:{self.zeile}" if self.zeile else self.seite
        return f"{where}: {self.text}"


@dataclass
class Seite:
    rel: str
    lang: str
    typ: str


@dataclass
class Pruefung:
    seiten: list[Seite] = field(default_factory=list)
    links_intern: int = 0
    links_extern: int = 0
    vnu_seiten: list[str] = field(default_factory=list)
    axe_seiten: list[str] = field(default_factory=list)
    probleme: list[Problem] = field(default_factory=list)
    sekunden: dict[str, float] = field(default_factory=dict)

    def as_dict(self, limit: int = 50) -> dict[str, Any]:
        """The figures, and the first ``limit`` problems of each kind (all are counted)."""
        shown: list[Problem] = []
        per_kind: dict[str, int] = {}
        for p in self.probleme:
            per_kind[p.art] = per_kind.get(p.art, 0) + 1
            if per_kind[p.art] <= limit:
                shown.append(p)
        return {
            "seiten": len(self.seiten),
            "links_intern": self.links_intern,
            "links_extern": self.links_extern,
            "vnu_seiten": self.vnu_seiten,
            "axe_seiten": self.axe_seiten,
            "probleme_gesamt": len(self.probleme),
            "probleme_je_art": per_kind,
            "probleme": [{"seite": p.seite, "zeile": p.zeile, "art": p.art, "text": p.text} for p in shown],
            "sekunden": {k: round(v, 2) for k, v in self.sekunden.items()},
        }


# --- the scan of every page ---------------------------------------------------------------------------


def _clean_url(value: str) -> str:
    """What a browser makes of a URL attribute: control characters and spaces removed, lower case."""
    return _C0_AND_SPACE.sub("", value).lower()


def _resolve(page_rel: str, url_path: str, site_root: str) -> str:
    """The release-relative path a link points to ('' = the root; ends in '/' for a folder)."""
    if url_path.startswith("/"):
        rest = url_path[len(site_root) :] if url_path.startswith(site_root) else url_path.lstrip("/")
        joined = posixpath.normpath(rest) if rest.strip("/") else ""
    else:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), url_path))
    joined = "" if joined == "." else joined
    if url_path.endswith("/") and joined:
        joined += "/"
    return joined


def _typ(rel: str, doc: Any) -> str:
    parts = rel.split("/")
    if doc.xpath("//meta[translate(@http-equiv,'REFRESH','refresh')='refresh']"):
        return "weiterleitung"
    if parts[-1] == "404.html":
        return "404"
    for i, part in enumerate(parts[:-1]):
        if part in TYPE_FOLDERS:
            return f"{part}/seite" if len(parts) - i > 2 else part
    if doc.xpath("//form[@role='search']"):
        return "start"
    return "redaktion"


class _Scanner:
    def __init__(self, root: Path, files: set[str], dirs: set[str], site_root: str) -> None:
        self.root = root
        self.files = files
        self.dirs = dirs
        self.site_root = site_root
        self.result = Pruefung()
        self.fragment_targets: dict[str, set[tuple[str, int | None, str]]] = {}

    def problem(self, rel: str, el: Any, art: str, text: str) -> None:
        line = getattr(el, "sourceline", None) if el is not None else None
        self.result.probleme.append(Problem(rel, line, art, text))

    def page(self, rel: str) -> None:
        data = (self.root / rel).read_bytes()
        try:
            doc = lxml_html.document_fromstring(data)
        except (etree.ParserError, ValueError) as exc:
            self.problem(rel, None, "html", f"cannot be parsed: {exc}")
            return
        ids: set[str] = set()
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            tag = el.tag.lower()
            ident = el.get("id")
            if ident:
                if ident in ids:
                    self.problem(rel, el, "link", f"id {ident!r} is used more than once")
                ids.add(ident)
            self._safety(rel, el, tag)
            self._links(rel, el, tag)
        self.result.seiten.append(Seite(rel, (doc.get("lang") or "").strip(), _typ(rel, doc)))
        self._same_page_fragments(rel, ids)

    # safety ------------------------------------------------------------------------------------------

    def _safety(self, rel: str, el: Any, tag: str) -> None:
        if tag in FORBIDDEN_TAGS or tag == "style":
            self.problem(rel, el, "sicherheit", f"<{tag}> element")
        if tag == "script":
            self._script(rel, el)
        for name, value in el.attrib.items():
            lname = name.lower()
            if lname.startswith("on"):
                self.problem(rel, el, "sicherheit", f"event handler attribute {lname}= on <{tag}>")
            elif lname == "style":
                self.problem(rel, el, "sicherheit", f"style attribute on <{tag}>")
            elif lname in URL_ATTRS or lname.endswith(":href"):
                candidates = value.split(",") if lname == "srcset" else [value]
                for candidate in candidates:
                    cleaned = _clean_url(candidate)
                    if cleaned.startswith(BAD_SCHEMES) and not _own_icon(tag, el, lname, value):
                        scheme = cleaned.split(":", 1)[0]
                        self.problem(rel, el, "sicherheit", f"{scheme}: URL in {lname}= of <{tag}>")
        if tag == "meta" and (el.get("http-equiv") or "").strip().lower() == "refresh":
            target = _refresh_target(el.get("content") or "")
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not target:
                self.problem(
                    rel, el, "sicherheit", f"meta refresh to {target[:80]!r}: not a page of this site"
                )

    def _script(self, rel: str, el: Any) -> None:
        src = el.get("src")
        kind = (el.get("type") or "").strip().lower()
        text = el.text or ""
        if src is None:
            if kind != "application/ld+json":
                self.problem(rel, el, "sicherheit", "inline <script>")
                return
            try:
                data = json.loads(text)
            except ValueError:
                self.problem(rel, el, "sicherheit", "JSON-LD block that is not JSON")
                return
            for value in _strings(data):
                if _clean_url(value).startswith(BAD_SCHEMES):
                    self.problem(rel, el, "sicherheit", f"JSON-LD value {value[:60]!r}: a script or data URL")
            return
        if text.strip():
            self.problem(rel, el, "sicherheit", "<script src> with inline content")
        parts = urlsplit(src.strip())
        if parts.scheme or parts.netloc:
            self.problem(rel, el, "sicherheit", f"<script> from elsewhere: {src[:80]!r}")
            return
        target = _resolve(rel, unquote(parts.path), self.site_root)
        if not target.startswith("theme/"):
            self.problem(
                rel, el, "sicherheit", f"<script src={src[:80]!r}>: not one of our files under theme/"
            )

    # links -------------------------------------------------------------------------------------------

    def _links(self, rel: str, el: Any, tag: str) -> None:
        urls = [(tag, el.get(attr)) for attr in LINK_ATTRS.get(tag, ()) if el.get(attr) is not None]
        if tag == "meta" and (el.get("http-equiv") or "").strip().lower() == "refresh":
            urls.append(("meta refresh", _refresh_target(el.get("content") or "")))
        for what, url in urls:
            self._link(rel, el, what, url or "")

    def _link(self, rel: str, el: Any, what: str, url: str) -> None:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme in ("http", "https") or (not scheme and parts.netloc):
            self.result.links_extern += 1
            return
        if scheme in ("mailto", "tel", "data", "javascript", "vbscript"):
            return  # no target on this site; the bad ones are reported by the safety scan
        if scheme:
            self.problem(rel, el, "link", f"<{what}> {url[:80]!r}: scheme {scheme!r} has no place here")
            return
        if not url.strip():
            self.problem(rel, el, "link", f"<{what}> with an empty URL")
            return
        self.result.links_intern += 1
        target_rel = rel
        if parts.path:
            path = unquote(parts.path)
            target_rel = _resolve(rel, path, self.site_root)
            if target_rel.startswith("../") or target_rel == "..":
                self.problem(rel, el, "link", f"<{what}> {url[:80]!r} leaves the site")
                return
            bare = target_rel.rstrip("/")
            if bare in self.dirs or target_rel == "":
                if not path.endswith("/") and target_rel != "":
                    self.problem(rel, el, "link", f"<{what}> {url[:80]!r}: a folder without the closing '/'")
                    return
                target_rel = posixpath.join(bare, "index.html") if bare else "index.html"
            if target_rel not in self.files:
                self.problem(rel, el, "link", f"<{what}> {url[:80]!r}: {target_rel} does not exist")
                return
        if parts.fragment:
            if not target_rel.endswith(".html"):
                self.problem(
                    rel, el, "link", f"<{what}> {url[:80]!r}: a fragment into a file that is no page"
                )
                return
            self.fragment_targets.setdefault(target_rel, set()).add(
                (rel, getattr(el, "sourceline", None), unquote(parts.fragment))
            )

    def _same_page_fragments(self, rel: str, ids: set[str]) -> None:
        """Fragments into this page from itself and from pages scanned before it."""
        for source, line, fragment in sorted(self.fragment_targets.pop(rel, set()), key=_order):
            if fragment not in ids:
                where = "on this page" if source == rel else f"in {rel}"
                self.result.probleme.append(Problem(source, line, "link", f"no id {fragment!r} {where}"))

    def cross_page_fragments(self) -> None:
        """Fragments into pages scanned before the page that links: those are parsed again (rare)."""
        for target, wanted in sorted(self.fragment_targets.items()):
            try:
                doc = lxml_html.document_fromstring((self.root / target).read_bytes())
                ids = {el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")}
            except (OSError, etree.ParserError, ValueError):
                ids = set()
            for source, line, fragment in sorted(wanted, key=_order):
                if fragment not in ids:
                    self.result.probleme.append(
                        Problem(source, line, "link", f"no id {fragment!r} in {target}")
                    )
        self.fragment_targets.clear()


def _order(item: tuple[str, int | None, str]) -> tuple[str, int, str]:
    return item[0], item[1] or 0, item[2]


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _own_icon(tag: str, el: Any, attr: str, value: str) -> bool:
    """The theme's empty icon, ``<link rel="icon" href="data:,">`` (no content, nothing to run)."""
    rel = (el.get("rel") or "").lower().split()
    return tag == "link" and attr == "href" and "icon" in rel and value.strip() == "data:,"


def _refresh_target(content: str) -> str:
    found = _REFRESH_URL.search(content)
    return found.group(1).strip().strip("'\"") if found else ""


def list_files(root: Path) -> tuple[set[str], set[str]]:
    """Every file and folder of a release, as release-relative POSIX paths (symlinks are not followed)."""
    files: set[str] = set()
    dirs: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel.replace(os.sep, "/")
        for d in dirnames:
            dirs.add(posixpath.join(rel, d))
        for f in filenames:
            files.add(posixpath.join(rel, f))
    return files, dirs


def scan(root: Path, *, site_root: str = "/", progress: Callable[[int, int], None] | None = None) -> Pruefung:
    """The safety scan and the link check over every HTML page of a release."""
    files, dirs = list_files(root)
    scanner = _Scanner(root, files, dirs, site_root)
    pages = sorted(f for f in files if f.endswith(".html"))
    for n, rel in enumerate(pages, 1):
        scanner.page(rel)
        if progress is not None and (n % 200 == 0 or n == len(pages)):
            progress(n, len(pages))
    scanner.cross_page_fragments()
    return scanner.result


# --- the sample for the HTML checker and the browser ----------------------------------------------------


def sample(
    seiten: list[Seite],
    *,
    zufall: int,
    seed: int,
    neu: Iterable[str] = (),
    neu_max: int = 30,
) -> list[str]:
    """The first page of each (type, language), ``zufall`` random pages, up to ``neu_max`` new pages."""
    chosen: dict[str, None] = {}
    seen: set[tuple[str, str]] = set()
    for s in sorted(seiten, key=lambda s: s.rel):
        if (s.typ, s.lang) not in seen:
            seen.add((s.typ, s.lang))
            chosen[s.rel] = None
    rng = random.Random(seed)  # noqa: S311 - a reproducible sample, not a secret
    rest = sorted(s.rel for s in seiten if s.rel not in chosen)
    for rel in rng.sample(rest, min(zufall, len(rest))):
        chosen[rel] = None
    fresh = sorted(set(neu) - set(chosen))
    for rel in rng.sample(fresh, min(neu_max, len(fresh))):
        chosen[rel] = None
    return list(chosen)


def one_per_kind(seiten: list[Seite]) -> list[str]:
    seen: set[tuple[str, str]] = set()
    out = []
    for s in sorted(seiten, key=lambda s: s.rel):
        if (s.typ, s.lang) not in seen:
            seen.add((s.typ, s.lang))
            out.append(s.rel)
    return out


def run_vnu(
    root: Path, pages: list[str], *, marker: str, timeout: float = 900, poll: Callable[[], None] | None = None
) -> list[Problem]:
    """The Nu HTML Checker over ``pages`` (release-relative) in one JVM."""
    java = shutil.which("java")
    if java is None:
        return [
            Problem("(vnu)", None, "werkzeug", "Java is missing: apt-get install openjdk-17-jre-headless")
        ]
    if not VNU_JAR.is_file():
        return [Problem("(vnu)", None, "werkzeug", f"{VNU_JAR} is missing: run 'npm ci' in {ROOT}")]
    if not pages:
        return []
    cmd = [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", "--exit-zero-always"]
    cmd += [str(root / p) for p in pages]
    with tempfile.TemporaryFile() as err:
        proc = spawn(cmd, marker=marker, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
        _wait(proc, timeout, poll)
        err.seek(0)
        raw = err.read().decode("utf-8", "replace")
    try:
        report = json.loads(raw)
    except ValueError:
        return [
            Problem(
                "(vnu)", None, "werkzeug", f"vnu.jar answered no JSON (exit {proc.returncode}): {raw[-300:]}"
            )
        ]
    problems = []
    prefix = str(root.resolve()) + os.sep
    for m in report.get("messages", []):
        if m.get("type") == "info":
            continue
        url = m.get("url", "")
        path = unquote(urlsplit(url).path) if url.startswith("file:") else url
        where = path[len(prefix) :] if path.startswith(prefix) else path
        problems.append(Problem(where, m.get("lastLine"), "html", f"{m.get('type')}: {m.get('message')}"))
    return problems


def run_axe(
    root: Path, pages: list[str], *, marker: str, timeout: float = 900, poll: Callable[[], None] | None = None
) -> list[Problem]:
    """axe-core (WCAG 2.x A/AA) in Chromium on ``pages``; the pages are served from the release folder."""
    node = shutil.which("node")
    chromium = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
    if node is None or not Path(chromium).exists():
        return [Problem("(axe)", None, "werkzeug", "Node.js or Chromium is missing (set PORTAL_CHROMIUM)")]
    job = json.dumps({"root": str(root.resolve()), "pages": pages})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        inp.write(job.encode())
        inp.seek(0)
        proc = spawn(
            [node, str(AXE_SCRIPT)],
            marker=marker,
            cwd=ROOT,
            stdin=inp,
            stdout=out,
            stderr=err,
            env={**os.environ, "PORTAL_CHROMIUM": chromium},
        )
        _wait(proc, timeout, poll)
        out.seek(0)
        err.seek(0)
        raw, errors = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    try:
        records = json.loads(raw)
    except ValueError:
        return [
            Problem(
                "(axe)", None, "werkzeug", f"axe_smoke.mjs failed (exit {proc.returncode}): {errors[-300:]}"
            )
        ]
    problems = []
    for record in records:
        for v in record.get("violations", []):
            problems.append(
                Problem(record["page"], None, "barrierefreiheit", f"{v['id']} ({v['impact']}): {v['help']}")
            )
        for e in record.get("errors", []):
            problems.append(Problem(record["page"], None, "barrierefreiheit", f"console: {e}"))
    return problems


def _wait(proc: subprocess.Popen[Any], timeout: float, poll: Callable[[], None] | None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            proc.wait(timeout=0.25)
            return
        except subprocess.TimeoutExpired:
            if poll is not None:
                poll()
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                return
