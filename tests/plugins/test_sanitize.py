"""HTML from the data, after the allow-list."""

from __future__ import annotations

import pytest

from plugins.portal_pages.sanitize import clean_html, plain_text

HOSTILE = {
    "script": "<p>a<script>alert(1)</script>b</p>",
    "event-handler": '<p onclick="alert(1)" onmouseover="x()">text</p>',
    "javascript-url": '<a href="javascript:alert(1)">x</a>',
    "data-url": '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
    "img-onerror": '<img src="x" onerror="alert(1)">',
    "svg-script": "<svg><script>alert(1)</script><circle/></svg>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style": '<style>body{display:none}</style><p style="background:url(javascript:x)">t</p>',
    "form": '<form action="https://evil.example"><input name="p"></form>',
    "meta-refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "vbscript": '<a href="vbscript:msgbox(1)">x</a>',
    "entity-obfuscated": '<a href="jav&#x09;ascript:alert(1)">x</a>',
}


@pytest.mark.parametrize("html", HOSTILE.values(), ids=HOSTILE.keys())
def test_nothing_executable_survives(html):
    out = str(clean_html(html)).lower()
    for bad in (
        "<script",
        "onclick",
        "onerror",
        "onmouseover",
        "javascript:",
        "vbscript:",
        "data:",
        "<iframe",
        "<style",
        "style=",
        "<form",
        "<input",
        "<meta",
        "<svg",
        "<img",
    ):
        assert bad not in out, (bad, out)


def test_allowed_markup_stays_and_links_get_rel():
    out = str(
        clean_html(
            '<p>Mit <strong>Termin</strong>: <a href="https://www.kassel.de">Stadt</a>'
            '<a href="mailto:a@b.example">Mail</a> <a href="tel:+4956100">Tel</a></p><ul><li>x</li></ul>'
        )
    )
    assert "<strong>Termin</strong>" in out and "<ul><li>x</li></ul>" in out
    assert 'href="https://www.kassel.de" rel="noopener noreferrer"' in out
    assert 'href="mailto:a@b.example"' in out and 'href="tel:+4956100"' in out


def test_headings_from_the_data_do_not_break_the_page_outline():
    assert str(clean_html("<h1>Groß</h1><h2>Teil</h2>")) == "GroßTeil"


def test_plain_text():
    assert plain_text("<p>A &amp; B</p><script>x</script>") == "A & B"


def test_a_link_without_a_safe_address_keeps_only_its_text():
    """The allow-list removes a javascript: or data: address; the link would stay as an <a rel> without href
    (invalid HTML, a link to nowhere): only its text is kept, the other links are untouched."""
    from plugins.portal_pages.sanitize import clean_html

    out = str(
        clean_html(
            '<p><a href="javascript:alert(1)">Formular</a> <a href="data:text/html,x" title="t">Zwei</a> '
            '<a title="a > b" href="https://b.example/">Gut</a></p>'
        )
    )
    assert out == (
        '<p>Formular Zwei <a title="a &gt; b" href="https://b.example/" rel="noopener noreferrer">Gut</a></p>'
    )
