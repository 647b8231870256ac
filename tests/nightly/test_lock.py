"""The lock: one run at a time; a second one exits at once with a clear message and exit code 3; a lock left by
a killed run is taken over; SIGTERM before publishing leaves the live site as it was."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from plugins.nightly.lock import LockHeld, NightlyLock
from tests.nightly.conftest import (
    DEMO,
    Site,
    Watched,
    clean_env,
    expect,
    live_target,
    nightly_cmd,
    run_nightly,
    tree_digest,
)

HALT = "PORTAL_NIGHTLY_HALT"


@pytest.fixture
def site(published_site: Site, tmp_path: Path) -> Site:
    return published_site.copy_to(tmp_path / "site")


def start(site: Site, source: Path = DEMO / "nacht-2", **env: str) -> Watched:
    return Watched(
        nightly_cmd(source, site.store, site.output, "--no-vnu"), env=clean_env(**env), cwd=site.output.parent
    )


def test_a_second_run_exits_at_once_while_one_holds_the_lock(site: Site) -> None:
    first = start(site, **{HALT: "build:after-copy"})
    try:
        assert first.wait_for("halting at build:after-copy"), first.log
        second = run_nightly(DEMO / "nacht-2", site.store, site.output, timeout=60)
        expect(second, 3)
        assert "another run holds the lock" in second.stderr
        assert (
            f"pid {first.proc.pid}" in second.stderr
            and "this run exits without doing anything" in second.stderr
        )
        assert second.stdout == ""
        assert len(list((site.output / "berichte").glob("*.json"))) == 1  # only the first night's
    finally:
        first.proc.kill()
        first.wait()


def test_two_runs_started_at_once(site: Site) -> None:
    target = live_target(site.output)
    runs = [start(site), start(site)]
    codes = sorted(r.wait() for r in runs)
    assert codes == [0, 3], [r.log for r in runs]
    loser = next(r for r in runs if r.proc.returncode == 3)
    winner = next(r for r in runs if r.proc.returncode == 0)
    assert "another run holds the lock" in loser.log
    assert "OK, published release" in winner.stdout
    assert live_target(site.output) != target


def test_a_killed_runs_lock_is_taken_over(site: Site) -> None:
    first = start(site, **{HALT: "build:after-copy"})
    assert first.wait_for("halting at build:after-copy"), first.log
    left = json.loads((site.output / ".nightly.lock").read_text(encoding="utf-8"))
    assert left["pid"] == first.proc.pid and left["lauf"] and left["gestartet"]
    first.proc.send_signal(signal.SIGKILL)
    first.wait()
    unfinished = site.output / "releases" / left["lauf"]
    assert unfinished.is_dir() and not (unfinished / ".release.json").exists()

    proc = run_nightly(DEMO / "nacht-2", site.store, site.output, "--no-vnu")

    expect(proc, 0)
    assert f"taking over a stale lock: run {left['lauf']} (pid {first.proc.pid}" in proc.stderr
    assert f"removed {left['lauf']}, left by a failed or killed run" in proc.stderr
    assert not unfinished.exists()
    assert (site.output / ".nightly.lock").read_text(encoding="utf-8") == ""  # a clean end empties it


def test_sigterm_before_publishing_leaves_live_as_it_was(site: Site) -> None:
    target = live_target(site.output)
    digest = tree_digest(site.output / "releases" / target)
    run = start(site, **{HALT: "build:after-copy"})
    assert run.wait_for("halting at build:after-copy"), run.log
    run.proc.send_signal(signal.SIGTERM)

    assert run.wait(timeout=60) == 4
    assert "interrupted (SIGTERM)" in run.log
    assert live_target(site.output) == target
    assert tree_digest(site.output / "releases" / target) == digest
    assert sorted(p.name for p in (site.output / "releases").iterdir()) == [target]
    assert "FAILED at build (exit 4)" in run.stdout
    # the lock is free again
    expect(run_nightly(DEMO / "nacht-2", site.store, site.output, "--no-vnu"), 0)


def test_lock_unit(tmp_path: Path) -> None:
    path = tmp_path / "out" / ".nightly.lock"
    first = NightlyLock(path)
    assert first.acquire({"pid": os.getpid(), "lauf": "A"}) is None
    with pytest.raises(LockHeld) as held:
        NightlyLock(path).acquire({"pid": 2, "lauf": "B"})
    assert held.value.holder["lauf"] == "A" and "another run holds the lock" in str(held.value)
    first.release()
    assert path.read_text() == ""
    again = NightlyLock(path)
    assert again.acquire({"lauf": "C"}) is None  # emptied by a clean end: not stale
    again.release()
    path.write_text(json.dumps({"pid": 999999, "lauf": "D"}))  # what a killed run leaves
    stale = NightlyLock(path)
    assert stale.acquire({"lauf": "E"}) == {"pid": 999999, "lauf": "D"}
    stale.release()
