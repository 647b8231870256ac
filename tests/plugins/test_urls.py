"""Slugs and relative links."""

from __future__ import annotations

import pytest

from plugins.portal_pages.urls import href, id_slug, objekt_slug, relative_root, slugify


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Werra-Meißner-Kreis", "werra-meissner-kreis"),
        ("Ehrenberg (Rhön)", "ehrenberg-rhoen"),
        ("Bad Sooden-Allendorf", "bad-sooden-allendorf"),
        ("Großenlüder", "grossenlueder"),
        ("Änderung der Öffnungszeiten", "aenderung-der-oeffnungszeiten"),
        ("Café Crème", "cafe-creme"),
        ("العربية", "x"),
        ("../../etc/passwd", "etc-passwd"),
    ],
    ids=lambda v: v if v.isascii() else "non-ascii",
)
def test_slugify(text, slug):
    assert slugify(text) == slug


def test_id_slug_never_collides_and_stays_readable():
    assert id_slug("LB-1001") == "lb-1001"
    assert id_slug("L100042.OE.868") != id_slug("L100042-OE-868")
    assert id_slug("../x/\u202e") != id_slug("x")
    assert objekt_slug("Personalausweis beantragen", "LB-1001") == "personalausweis-beantragen--lb-1001"


@pytest.mark.parametrize(
    ("src", "dst", "link"),
    [
        ("", "wanfried/", "./wanfried/"),
        ("wanfried/", "", "../"),
        ("wanfried/en/leistungen/x/", "theme/vendor/kern.css", "../../../../theme/vendor/kern.css"),
        ("wanfried/404.html", "wanfried/a-z/", "../wanfried/a-z/"),
    ],
)
def test_relative_links(src, dst, link):
    assert href(src, dst) == link
    assert relative_root("a/b/") == "../../"
