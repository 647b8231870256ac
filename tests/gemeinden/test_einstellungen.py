"""A municipality's settings file: validated, with messages that name the file and the key; colours refused
below the WCAG 2.1 AA contrast for text; the logo checked and measured."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from plugins.portal_pages.gemeinden import (
    GemeindeConfigError,
    farben_css,
    kontrast,
    lade_einstellungen,
    lade_ordner,
    logo_masse,
    relative_luminance,
)
from plugins.portal_pages.site import Subsite

from .conftest import SITES

SPRACHEN = ["de", "en", "ar", "de-x-ls"]


def settings(tmp_path: Path, text: str, name: str = "site.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- WCAG 2.1 contrast -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("farbe", "luminanz"),
    [("#ffffff", 1.0), ("#000000", 0.0), ("#fff", 1.0), ("#808080", 0.2158605), ("#ff0000", 0.2126)],
)
def test_relative_luminance_per_wcag_21(farbe: str, luminanz: float) -> None:
    assert relative_luminance(farbe) == pytest.approx(luminanz, abs=1e-6)


@pytest.mark.parametrize(
    ("text", "hintergrund", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#777777", "#ffffff", 4.48),  # one step lighter: fails
        ("#ffffff", "#1f5130", 9.22),  # Wanfried's demo colours
    ],
)
def test_contrast_ratio(text: str, hintergrund: str, ratio: float) -> None:
    assert kontrast(text, hintergrund) == pytest.approx(ratio, abs=0.01)
    assert kontrast(hintergrund, text) == kontrast(text, hintergrund)  # order does not matter


@pytest.mark.parametrize(
    ("text", "hintergrund"),
    [("#777777", "#ffffff"), ("#ffffff", "#4caf50"), ("#ffcc00", "#ffffff"), ("#0000ff", "#000000")],
)
def test_colours_below_aa_are_refused_with_the_file_key_and_ratio(tmp_path, text, hintergrund) -> None:
    path = settings(tmp_path, f'[farben]\nhintergrund = "{hintergrund}"\ntext = "{text}"\n')
    with pytest.raises(GemeindeConfigError) as err:
        lade_einstellungen(path, SPRACHEN)
    message = str(err.value)
    assert str(path) in message and "farben" in message
    assert f"{kontrast(text, hintergrund):.2f}:1" in message and "4.5:1" in message


@pytest.mark.parametrize(
    ("text", "hintergrund"),
    [("#767676", "#ffffff"), ("#ffffff", "#1f5130"), ("#000", "#ffcc00"), ("#ffffff", "#004b76")],
)
def test_colours_at_or_above_aa_are_accepted(tmp_path, text, hintergrund) -> None:
    path = settings(tmp_path, f'[farben]\nhintergrund = "{hintergrund}"\ntext = "{text}"\n')
    e = lade_einstellungen(path, SPRACHEN)
    assert e.farben is not None and e.farben.text == text
    css = farben_css(e.farben)
    assert (
        f"--portal-gemeinde-text: {text};" in css and f"--portal-gemeinde-hintergrund: {hintergrund};" in css
    )
    assert f"--portal-gemeinde-akzent: {hintergrund};" in css  # default: the background


@pytest.mark.parametrize("farbe", ["green", "#12345", "rgb(0,0,0)", "#1f5130cc"])
def test_a_colour_must_be_hex(tmp_path, farbe) -> None:
    path = settings(tmp_path, f'[farben]\nhintergrund = "{farbe}"\ntext = "#ffffff"\n')
    with pytest.raises(GemeindeConfigError, match=r"farben\.hintergrund"):
        lade_einstellungen(path, SPRACHEN)


# --- keys, texts, links --------------------------------------------------------------------------------------


def test_the_wanfried_example_is_valid() -> None:
    e = lade_einstellungen(SITES / "wanfried" / "site.toml", SPRACHEN)
    assert e.name is not None and e.name.de == "Stadt Wanfried" and e.name.get("en") == "Town of Wanfried"
    assert e.logo is not None and e.logo.datei == "logo.svg" and e.logo.alt.de
    assert e.farben is not None and kontrast(e.farben.text, e.farben.hintergrund) >= 4.5
    assert e.kontakt is not None and e.kontakt.plz == "37281"
    assert e.links[0].url == "https://www.wanfried.example/"


@pytest.mark.parametrize(
    ("text", "key", "what"),
    [
        ('nmae = "Stadt X"\n', "nmae", "unknown key"),
        (
            '[farben]\nhintergrund = "#000"\ntext = "#fff"\nvordergrund = "#fff"\n',
            "farben.vordergrund",
            "unknown key",
        ),
        ('[[links]]\nlabel = "X"\nurl = "javascript:alert(1)"\n', "links.0.url", "not an http(s) URL"),
        ('[[links]]\nlabel = "X"\nurl = "ftp://x.example/"\n', "links.0.url", "not an http(s) URL"),
        ('[[links]]\nurl = "https://x.example/"\n', "links.0.label", "Field required"),
        ('name = { en = "Town" }\n', "name", "German text ('de') is needed"),
        ('name = { de = "Stadt", eng = "Town" }\n', "name", "unknown language 'eng'"),
        ('[logo]\ndatei = "../geheim.svg"\nalt = "Logo"\n', "logo.datei", "no path"),
        ('[logo]\ndatei = "logo.svg"\n', "logo.alt", "Field required"),
        ('[kontakt]\nname = "Rathaus"\nplz = "3728"\n', "kontakt.plz", "pattern"),
        ('[kontakt]\nname = "Rathaus"\nweb = "www.x.example"\n', "kontakt.web", "not an http(s) URL"),
    ],
)
def test_invalid_settings_name_the_file_and_the_key(tmp_path, text, key, what) -> None:
    path = settings(tmp_path, text)
    with pytest.raises(GemeindeConfigError) as err:
        lade_einstellungen(path, SPRACHEN)
    assert str(err.value).startswith(f"{path}: "), err.value
    assert f"{key}: " in str(err.value) and what in str(err.value), err.value


def test_http_and_https_links_and_per_language_labels(tmp_path) -> None:
    path = settings(
        tmp_path,
        '[[links]]\nlabel = { de = "Rathaus", en = "Town hall" }\nurl = "http://x.example/a?b=1"\n'
        '[[links]]\nlabel = "Kalender"\nurl = "https://x.example/kalender/"\n',
    )
    e = lade_einstellungen(path, SPRACHEN)
    assert [(link.label.get("en"), link.url) for link in e.links] == [
        ("Town hall", "http://x.example/a?b=1"),
        (None, "https://x.example/kalender/"),
    ]


def test_yaml_settings_are_validated_the_same_way(tmp_path) -> None:
    ok = settings(
        tmp_path, "name: Gemeinde Y\nfarben: {hintergrund: '#000000', text: '#ffffff'}\n", "site.yaml"
    )
    assert lade_einstellungen(ok, SPRACHEN).name.de == "Gemeinde Y"  # type: ignore[union-attr]
    bad = settings(tmp_path, "farben: {hintergrund: '#ffffff', text: '#eeeeee'}\n", "site.yaml")
    with pytest.raises(GemeindeConfigError, match=r"site\.yaml: farben: .*1\.1\d:1"):
        lade_einstellungen(bad, SPRACHEN)
    broken = settings(tmp_path, "name = [", "site.toml")
    with pytest.raises(GemeindeConfigError, match=r"site\.toml: not valid TOML"):
        lade_einstellungen(broken, SPRACHEN)


# --- the logo --------------------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    )


def test_logo_size_from_svg_and_png(tmp_path) -> None:
    assert logo_masse(SITES / "wanfried" / "logo.svg") == (64, 64)
    box = tmp_path / "box.svg"
    box.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect width="1" height="1"/></svg>'
    )
    assert logo_masse(box) == (120, 40)
    half = tmp_path / "half.svg"
    half.write_text('<svg xmlns="http://www.w3.org/2000/svg" height="20" viewBox="0 0 120 40"></svg>')
    assert logo_masse(half) == (60, 20)
    png = tmp_path / "logo.png"
    png.write_bytes(_png(30, 12))
    assert logo_masse(png) == (30, 12)


@pytest.mark.parametrize(
    ("svg", "why"),
    [
        (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><script>alert(1)</script></svg>',
            "<script>",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"></svg>', "onload"),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 1 1">'
            '<image xlink:href="https://tracker.example/x.png"/></svg>',
            "<image>",
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect fill="url(https://x.example/a)"/></svg>',
            "url(",
        ),
        (
            '<!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>',
            "DOCTYPE",
        ),
        ('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "viewBox"),
        ("<svg><rect/></svg>", "SVG namespace"),
        ("not svg at all", "well-formed"),
    ],
)
def test_unsafe_or_unmeasurable_logos_are_refused(tmp_path, svg, why) -> None:
    folder = tmp_path / "gemeinde"
    folder.mkdir()
    (folder / "logo.svg").write_text(svg, encoding="utf-8")
    (folder / "site.toml").write_text('[logo]\ndatei = "logo.svg"\nalt = "Logo"\n', encoding="utf-8")
    with pytest.raises(GemeindeConfigError) as err:
        lade_ordner(folder, _subsite(), SPRACHEN)
    assert "site.toml: logo.datei:" in str(err.value) and why in str(err.value), err.value


def test_a_missing_logo_file_is_named(tmp_path) -> None:
    (tmp_path / "site.toml").write_text('[logo]\ndatei = "wappen.png"\nalt = "Logo"\n', encoding="utf-8")
    with pytest.raises(GemeindeConfigError, match=r"logo\.datei: .*wappen\.png does not exist"):
        lade_ordner(tmp_path, _subsite(), SPRACHEN)


def test_a_folder_with_two_settings_files_is_refused(tmp_path) -> None:
    (tmp_path / "site.toml").write_text("", encoding="utf-8")
    (tmp_path / "site.yaml").write_text("", encoding="utf-8")
    with pytest.raises(GemeindeConfigError, match="more than one settings file"):
        lade_ordner(tmp_path, _subsite(), SPRACHEN)


def test_logo_and_colours_become_files_with_a_content_hash() -> None:
    g = lade_ordner(SITES / "wanfried", _subsite(), SPRACHEN)
    assert g.gemeinde.logo and g.gemeinde.logo.startswith("wanfried/gestaltung/logo-")
    assert g.gemeinde.farben and g.gemeinde.farben.startswith("wanfried/gestaltung/farben-")
    assert g.dateien[g.gemeinde.logo] == (SITES / "wanfried" / "logo.svg").read_bytes()
    assert b"--portal-gemeinde-hintergrund: #1f5130;" in g.dateien[g.gemeinde.farben]
    assert (g.gemeinde.logo_breite, g.gemeinde.logo_hoehe) == (64, 64)


def test_without_settings_the_gebiet_name_is_shown(tmp_path) -> None:
    g = lade_ordner(tmp_path, _subsite(), SPRACHEN)
    assert g.gemeinde.name.de == "Wanfried" and g.gemeinde.logo is None and g.dateien == {}


def _subsite() -> Subsite:
    from content_sync.gebiete import verzeichnis

    gebiet = verzeichnis().get("066360013013")
    assert gebiet is not None
    return Subsite(gebiet, "wanfried")
