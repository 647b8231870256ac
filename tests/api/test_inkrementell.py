"""Deterministic bytes, and an incremental build that rewrites only what changed and deletes what is gone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from content_sync.sync import run_sync
from plugins.content_api.ausgabe import MANIFEST
from plugins.content_api.einheiten import STAND
from tests.conftest import DEMO

from .conftest import api_bauen, baum, mtimes


def test_same_data_same_bytes_and_nothing_written_again(tmp_path: Path, demo_store: Path, api: Path) -> None:
    out = tmp_path / "out"
    first = api_bauen(demo_store, out)
    assert first.geschrieben == first.dateien and first.geloescht == 0
    assert baum(out / "api") == baum(api.parent)  # the same bytes as the demo site's build
    before = mtimes(out)
    again = api_bauen(demo_store, out)
    assert again.geschrieben == 0 and again.unveraendert == again.dateien == first.dateien
    after = mtimes(out)
    assert {k: v for k, v in after.items() if k not in (MANIFEST, STAND)} == {
        k: v for k, v in before.items() if k not in (MANIFEST, STAND)
    }


def test_the_next_night_rewrites_what_changed_and_deletes_what_is_gone(
    tmp_path: Path, demo_store: Path, demo_site: Path
) -> None:
    store = tmp_path / "p.sqlite"
    shutil.copyfile(demo_store, store)
    out = tmp_path / "out"
    (out / "api").parent.mkdir(parents=True)
    shutil.copytree(demo_site / "api", out / "api")
    shutil.copyfile(demo_site / MANIFEST, out / MANIFEST)
    shutil.copyfile(demo_site / STAND, out / STAND)  # the Pelican build recorded its units
    gone = out / "api/v1/de/leistungen/lb-1004.json"  # Kinderreisepass, deleted in night 2
    untouched = out / "api/v1/de/leistungen/lb-1116.json"
    mtime = untouched.stat().st_mtime_ns
    assert gone.exists()

    assert run_sync(str(DEMO / "nacht-2"), store).ok
    stats = api_bauen(store, out)
    assert 0 < stats.geschrieben < stats.dateien / 4
    assert 0 < stats.berechnet < stats.uebersprungen  # what did not change is not even computed
    assert stats.geloescht > 0
    assert not gone.exists() and not Path(f"{gone}.gz").exists() and not Path(f"{gone}.br").exists()
    assert '"lb-1004"' not in (out / "api/v1/de/orte/wanfried/leistungen.json").read_text(encoding="utf-8")
    assert untouched.stat().st_mtime_ns == mtime
    assert "17,50" in (out / "api/v1/de/leistungen/lb-1001.json").read_text(encoding="utf-8")

    full = tmp_path / "full"
    api_bauen(store, full)
    assert baum(out) == baum(full)


def test_other_compression_settings_rewrite_the_copies(tmp_path: Path, demo_store: Path) -> None:
    api_bauen(demo_store, tmp_path)
    stats = api_bauen(demo_store, tmp_path, brotli_qualitaet=2)
    assert stats.geschrieben == stats.dateien


def test_copies_made_by_another_compressor_are_made_again(tmp_path: Path, demo_store: Path) -> None:
    """A manifest of the version before zlib-ng (its copies came from zlib) or of another zlib-ng: the copies
    are made again, so an API folder holds the bytes a build from scratch would."""
    api_bauen(demo_store, tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text("utf-8"))
    assert "zlib-ng" in manifest["verfahren"]
    manifest["verfahren"] = "gzip6-br8"
    (tmp_path / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    stats = api_bauen(demo_store, tmp_path)
    assert stats.geschrieben == stats.dateien > 0


def test_a_file_changed_behind_the_builds_back_is_written_again(tmp_path: Path, demo_store: Path) -> None:
    api_bauen(demo_store, tmp_path)
    index = tmp_path / "api/v1/index.json"
    good = index.read_bytes()
    index.write_bytes(b"{}")
    (tmp_path / "api/v1/catalog.json.br").unlink()
    stats = api_bauen(demo_store, tmp_path)
    assert stats.geschrieben == 2
    assert index.read_bytes() == good and (tmp_path / "api/v1/catalog.json.br").exists()


def test_without_a_manifest_what_the_build_did_not_write_is_swept(tmp_path: Path, demo_store: Path) -> None:
    api_bauen(demo_store, tmp_path)
    stale = tmp_path / "api/v1/de/leistungen/lb-9999.json"
    stale.write_text("{}", encoding="utf-8")
    Path(f"{stale}.gz").write_bytes(b"")
    other = tmp_path / "robots.txt"  # outside the API's folder: never touched
    other.write_text("x", encoding="utf-8")
    assert api_bauen(demo_store, tmp_path).geloescht == 0  # the manifest says lb-9999 is not ours: kept
    assert stale.exists()
    (tmp_path / MANIFEST).unlink()
    stats = api_bauen(demo_store, tmp_path)
    assert stats.geloescht == 1 and stats.geschrieben == stats.dateien
    assert not stale.exists() and not Path(f"{stale}.gz").exists() and other.exists()
