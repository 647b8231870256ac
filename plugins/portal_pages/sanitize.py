"""HTML from the data, made safe with an allow-list (nh3, the Rust ammonia sanitiser).

No script, style, iframe, form or event handler survives; links only with http, https, mailto and tel;
every link gets ``rel="noopener noreferrer"``; headings in the data are dropped (their text stays), so the
page's heading order stays ours.

Editorial pages (our own Markdown, ``content/pages``) go through the same allow-list plus the headings below
the page's ``h1`` and their ``id`` (``## Titel {#id}``): their structure is theirs (WCAG 1.3.1).
"""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from lxml import html as lxml_html
from markupsafe import Markup

TAGS = {
    "p",
    "br",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "b",
    "i",
    "a",
    "abbr",
    "span",
    "sub",
    "sup",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "dl",
    "dt",
    "dd",
    "blockquote",
}
ATTRIBUTES = {"a": {"href", "title", "hreflang", "lang"}, "abbr": {"title"}, "th": {"scope"}, "*": {"lang"}}
SCHEMES = {"http", "https", "mailto", "tel"}


def clean_html(html: str | None) -> Markup:
    if not html:
        return Markup("")
    return Markup(_clean(html))  # noqa: S704 - the output of the allow-list sanitiser


@lru_cache(maxsize=20_000)
def _clean(html: str) -> str:
    """Memoised: a service's texts are the same on each of its (up to ~450) pages."""
    return _ohne_leere_links(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
            clean_content_tags={"script", "style", "template", "iframe", "object", "svg", "math", "noscript"},
        )
    )


# an <a> start tag without href (a quick test; lxml decides)
_A_OHNE_HREF = re.compile(r"<a(?![^>]*\shref=)[\s>]")


def _ohne_leere_links(cleaned: str) -> str:
    """A link whose address the allow-list removed (``javascript:``, ``data:``) keeps only its text: an ``a``
    with ``rel`` but no ``href`` is invalid HTML, and a link that goes nowhere helps nobody."""
    if not _A_OHNE_HREF.search(cleaned):
        return cleaned
    wrapper = lxml_html.fragment_fromstring(cleaned, create_parent="div")
    for a in list(wrapper.iter("a")):
        if a.get("href") is None:
            a.drop_tag()
    inner = lxml_html.tostring(wrapper, encoding="unicode")
    return inner.removeprefix("<div>").removesuffix("</div>")


HEADINGS = {"h2", "h3", "h4"}


def clean_editorial(html: str | None) -> Markup:
    """An editorial page's HTML: the allow-list above, plus h2-h4 with their ids."""
    if not html:
        return Markup("")
    cleaned = nh3.clean(
        html,
        tags=TAGS | HEADINGS,
        attributes={**ATTRIBUTES, **{h: {"id"} for h in HEADINGS}},
        url_schemes=SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        clean_content_tags={"script", "style", "template", "iframe", "object", "svg", "math", "noscript"},
    )
    return Markup(_ohne_leere_links(cleaned))  # noqa: S704 - the output of the allow-list sanitiser


def plain_text(html: str | None) -> str:
    """Text without any markup (for meta descriptions and JSON-LD)."""
    if not html:
        return ""
    return _plain(html)


@lru_cache(maxsize=20_000)
def _plain(html: str) -> str:
    text = nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})
    return " ".join(
        text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').split()
    )
