"""No broken internal link anywhere in the built site.

Every page is parsed; every relative (or root-absolute) URL in ``a``/``area``/``link`` ``href``,
``script``/``img``/``source``/``iframe`` ``src``, ``form`` ``action`` and a redirect page's
``<meta http-equiv="refresh">`` must point to an existing file, or a
folder with an ``index.html``; a fragment (``#x``, ``page/#x``) must name an ``id`` in the target page.
External http(s) links are counted, never fetched. The stylesheets' ``url()`` references are checked too.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

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
NOT_CHECKED = {"mailto", "tel", "data"}  # no target on this site


@dataclass
class Page:
    ids: set[str] = field(default_factory=set)
    links: list[tuple[int, str, str]] = field(default_factory=list)  # (line, tag, url)
    duplicate_ids: set[str] = field(default_factory=set)


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        ident = values.get("id")
        if ident:
            if ident in self.page.ids:
                self.page.duplicate_ids.add(ident)
            self.page.ids.add(ident)
        if tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh":
            # a redirect page: <meta http-equiv="refresh" content="0; url=…">
            found = re.search(r"url\s*=\s*(.*)", values.get("content") or "", re.IGNORECASE)
            target = found.group(1).strip().strip("'\"") if found else ""
            self.page.links.append((self.getpos()[0], "meta refresh", target))
        for attr in LINK_ATTRS.get(tag, ()):
            value = values.get(attr)
            if value is not None:
                self.page.links.append((self.getpos()[0], tag, value))


@cache
def _parse(path: Path) -> Page:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    collector.close()
    return collector.page


def _target(root: Path, page_rel: str, url_path: str) -> tuple[str, Path | None]:
    """(the output path the URL points to, the HTML file that answers it or None if it is no HTML page)."""
    if url_path.startswith("/"):
        rel = posixpath.normpath(url_path.lstrip("/")) if url_path.strip("/") else ""
    else:
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), url_path))
    if url_path.endswith("/") and rel not in ("", "."):
        rel += "/"
    rel = "" if rel == "." else rel
    return rel, root / rel


def check_site(root: Path, pages: list[Path]) -> tuple[list[str], Counter[str]]:
    """(every broken link as 'page:line: <tag> url: why', counts of the kinds of links seen)."""
    problems: list[str] = []
    counts: Counter[str] = Counter()
    root_resolved = root.resolve()
    for file in pages:
        page_rel = file.relative_to(root).as_posix()
        page = _parse(file)
        for ident in sorted(page.duplicate_ids):
            problems.append(f"{page_rel}: id {ident!r} is used more than once")
        for line, tag, url in page.links:
            where = f"{page_rel}:{line}: <{tag}> {url!r}"
            parts = urlsplit(url.strip())
            if parts.scheme in ("http", "https") or (not parts.scheme and parts.netloc):
                counts["external"] += 1
                continue
            if parts.scheme in NOT_CHECKED:
                counts[parts.scheme] += 1
                continue
            if parts.scheme:
                problems.append(f"{where}: scheme {parts.scheme!r} has no place on this site")
                continue
            if not url.strip():
                problems.append(f"{where}: empty URL")
                continue
            counts["internal"] += 1
            if parts.path:
                rel, target = _target(root, page_rel, unquote(parts.path))
                if not target.resolve().is_relative_to(root_resolved):
                    problems.append(f"{where}: leaves the site")
                    continue
                if target.is_dir():
                    if not parts.path.endswith("/"):
                        problems.append(f"{where}: a folder without the closing '/' (relative links break)")
                        continue
                    target = target / "index.html"
                if not target.is_file():
                    problems.append(f"{where}: {rel or '/'} does not exist")
                    continue
            else:
                target = file  # "#x" or "?q": this page
            if parts.fragment:
                counts["fragment"] += 1
                if target.suffix != ".html":
                    problems.append(f"{where}: a fragment into a file that is not a page")
                elif unquote(parts.fragment) not in _parse(target).ids:
                    problems.append(
                        f"{where}: no id {unquote(parts.fragment)!r} in {target.relative_to(root)}"
                    )
    return problems, counts


CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def test_every_internal_link_resolves(site_dir: Path, site_pages: list[Path]) -> None:
    problems, counts = check_site(site_dir, site_pages)
    print(
        f"{len(site_pages)} pages: {counts['internal']} internal links ({counts['fragment']} with a fragment) "
        f"checked, {counts['external']} external links (not fetched), "
        f"{counts['mailto'] + counts['tel']} mailto/tel"
    )
    assert len(site_pages) > 1000, f"only {len(site_pages)} pages were built"
    assert counts["internal"] > 0
    assert not problems, f"{len(problems)} broken links:\n" + "\n".join(problems)


def test_stylesheet_urls_resolve(site_dir: Path) -> None:
    problems = []
    sheets = sorted(site_dir.rglob("*.css"))
    assert sheets, "the build wrote no stylesheet"
    for css in sheets:
        for m in CSS_URL.finditer(css.read_text(encoding="utf-8")):
            url = m.group(2).strip()
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or url.startswith("#"):
                if parts.scheme not in ("data",):
                    problems.append(f"{css.relative_to(site_dir)}: {url!r} is not on this site")
                continue
            if not (css.parent / unquote(parts.path)).is_file():
                problems.append(f"{css.relative_to(site_dir)}: {url!r} does not exist")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="b/">x</a><a href="#here">x</a><p id="here"></p>', []),
        ('<a href="missing/">x</a>', ["does not exist"]),
        ('<a href="#nowhere">x</a>', ["no id 'nowhere'"]),
        ('<a href="b/#nowhere">x</a>', ["no id 'nowhere' in b/index.html"]),
        ('<a href="b">x</a>', ["without the closing '/'"]),
        ('<link href="../../x.css">', ["leaves the site"]),
        ('<a href="https://example.org/">x</a><a href="mailto:a@example.org">x</a>', []),
        ('<meta http-equiv="refresh" content="0; url=b/">', []),
        ('<meta http-equiv="refresh" content="0; url=c/">', ["c/ does not exist"]),
        ('<a href="javascript:alert(1)">x</a>', ["scheme 'javascript'"]),
        ('<p id="a"></p><p id="a"></p>', ["used more than once"]),
    ],
)
def test_link_checker_finds(tmp_path: Path, html: str, expected: list[str]) -> None:
    """The checker itself: a check that cannot fail proves nothing."""
    root = tmp_path / "site"
    (root / "b").mkdir(parents=True)
    (root / "b" / "index.html").write_text('<p id="b"></p>', encoding="utf-8")
    (root / "index.html").write_text(html, encoding="utf-8")
    _parse.cache_clear()
    problems, _ = check_site(root, [root / "index.html", root / "b" / "index.html"])
    assert len(problems) == len(expected), problems
    for problem, want in zip(problems, expected, strict=True):
        assert want in problem
