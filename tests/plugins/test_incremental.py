"""The incremental build: it renders again only what changed, deletes what is gone, and gives the same bytes
as a full build of the same data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from content_sync.sync import run_sync
from plugins.portal_pages.pages import seiten
from plugins.portal_pages.render import MANIFEST, Fingerprinter
from tests.api.conftest import portal_aus
from tests.conftest import DEMO, build


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_incremental_after_the_next_night_equals_a_full_build(tmp_path, demo_store, demo_site):
    store = tmp_path / "p.sqlite"
    shutil.copyfile(demo_store, store)
    out = tmp_path / "out"
    shutil.copytree(demo_site, out)  # yesterday's site, built from the same night-1 data
    office = next((out / "werra-meissner-kreis/behoerden").glob("*bauaufsicht*/index.html"))
    before = office.stat().st_mtime_ns
    gone = out / "wanfried/leistungen/kinderreisepass-beantragen--lb-1004/index.html"
    assert gone.exists()

    nothing = build(store, out)
    assert nothing["rendered"] == 0 and nothing["deleted"] == 0  # same data: nothing to do

    assert run_sync(str(DEMO / "nacht-2"), store).ok
    result = build(store, out)
    assert 0 < result["rendered"] < result["pages"] / 4
    assert result["deleted"] > 0
    assert not gone.exists() and not gone.parent.exists()  # page and its folder removed
    assert office.stat().st_mtime_ns == before  # not rendered again
    changed = out / "wanfried/leistungen/personalausweis-beantragen--lb-1001/index.html"
    assert "17,50" in changed.read_text("utf-8")

    full = tmp_path / "full"
    build(store, full)
    assert tree(out) == tree(full)


def test_a_changed_template_renders_everything_again(tmp_path, demo_store, demo_site):
    out = tmp_path / "out"
    shutil.copytree(demo_site, out)
    manifest = out / MANIFEST
    data = manifest.read_text("utf-8")
    first = next(iter(data.split('"')[3:4]))  # one fingerprint
    manifest.write_text(data.replace(first, "0" * len(first), 1), encoding="utf-8")
    result = build(demo_store, out)
    assert result["rendered"] == 1  # only the page whose recorded fingerprint no longer matches


def test_the_fingerprints_plain_values_are_their_json(demo_store):
    """Strings, numbers, lists and tuples leave the fingerprint's walk before its isinstance checks: the A-Z's
    letters are their plain JSON, and an office's services are each service's summary beside its Gebiet's
    model digest, as the walk gave them before that short way out."""
    portal = portal_aus(demo_store)
    fp = Fingerprinter(portal, "x")
    gesehen = set()
    for seite in seiten(portal):
        for key in ("navigation", "uebersicht", "leistungen"):
            value = seite.data.get(key)
            if value and type(value[0]) is tuple:
                gesehen.add((seite.template, key))
                if seite.template == "stelle.html":
                    erwartet = [[["leistung", fp._summary(lb)], fp._obj(g)] for lb, g in value]
                else:
                    erwartet = value
                assert fp._teil(value) == json.dumps(erwartet, separators=(",", ":"))
    assert gesehen == {
        ("a-z-buchstabe.html", "navigation"),
        ("a-z.html", "uebersicht"),
        ("stelle.html", "leistungen"),
    }
