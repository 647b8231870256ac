"""The Gemeindeverzeichnis: Land, Regierungsbezirke, Kreise, Gemeinden, PLZ."""

from __future__ import annotations

from content_sync.gebiete import verzeichnis
from content_sync.models import GebietArt


def test_counts_match_destatis():
    v = verzeichnis()
    assert len(v.by_art(GebietArt.LAND)) == 1
    assert len(v.by_art(GebietArt.REGIERUNGSBEZIRK)) == 3
    gemeinden = v.by_art(GebietArt.GEMEINDE)
    assert len(gemeinden) == 426  # 422 Gemeinden + 4 gemeindefreie Gebiete
    kreisfrei = [g for g in gemeinden if g.kreisfrei]
    assert len(v.by_art(GebietArt.KREIS)) + len(kreisfrei) == 26


def test_chain_and_containment():
    v = verzeichnis()
    assert [g.name for g in v.kette("066360013013")] == [
        "Wanfried, Stadt",
        "Werra-Meißner-Kreis",
        "Regierungsbezirk Kassel",
        "Hessen",
    ]
    assert [g.kurzname for g in v.kette("066110000000")] == ["Kassel", "Regierungsbezirk Kassel", "Hessen"]
    assert v.enthaelt("06636", "066360013013") and v.enthaelt("06", "066360013013")
    assert not v.enthaelt("06631", "066360013013")
    assert "066360000000" in v and "06636" in v and "066" in v and "06" in v
    assert "066999999999" not in v and "1" not in v and "abc" not in v


def test_plz():
    v = verzeichnis()
    assert [g.kurzname for g in v.gemeinden_fuer_plz("37281")] == ["Wanfried"]
    assert {g.kurzname for g in v.gemeinden_fuer_plz("36115")} == {"Ehrenberg (Rhön)", "Hilders"}
    assert len(v.get("064140000000").plz) > 5  # Wiesbaden has many
    inhabited = [g for g in v.by_art(GebietArt.GEMEINDE) if g.bevoelkerung]
    assert all(g.plz for g in inhabited)
