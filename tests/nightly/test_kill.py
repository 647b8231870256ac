"""SIGKILL at random points (fixed seed) during sync, build, check and publish of a nightly run started as a child
process; after each kill the store is consistent, ``live`` points to a complete release (the old one, byte for
byte, or the new one; never a mix), and the next run succeeds, taking over the dead run's lock and stopping
whatever it left running.

The kill points: twice in the sync (the source is an HTTP server that stalls in the middle of the last file,
so the sync's transaction is open), five times in the build (right after the hard-link copy, during it, and
three times at random moments while ``portal build`` renders), once in the check, and twice in the
publish step, exactly before and exactly after the switch of the symlink (``PORTAL_NIGHTLY_HALT`` stops the
job there, so the kill lands there).
"""

from __future__ import annotations

import json
import random
import signal
import time
from pathlib import Path

import pytest

from plugins.nightly.procs import marked
from tests.content_sync.test_http_source import Reply, ScriptedServer, http_server, static
from tests.nightly.conftest import (
    DEMO,
    Site,
    Watched,
    assert_complete_release,
    clean_env,
    expect,
    live_target,
    nightly_cmd,
    run_nightly,
    store_state,
    tree_digest,
)

__all__ = ["http_server"]

pytestmark = pytest.mark.slow

SEED = 20261128
_rng = random.Random(SEED)
# (step, the log line to wait for, seconds to wait after it, halt point)
PLAN = [
    ("sync", "sync started", _rng.uniform(0.3, 1.2), None),
    ("sync", "sync started", _rng.uniform(0.3, 1.2), None),
    ("build", "halting at build:after-copy", 0.0, "build:after-copy"),
    ("build", "build started", _rng.uniform(0.0, 0.2), None),  # while the release is copied
    ("build", "started from", _rng.uniform(0.1, 1.2), None),  # while `portal build` runs (after the copy)
    ("build", "started from", _rng.uniform(0.1, 1.2), None),
    ("build", "started from", _rng.uniform(0.1, 1.2), None),
    ("check", "check started", _rng.uniform(0.5, 2.5), None),
    ("publish", "halting at publish:before-switch", 0.0, "publish:before-switch"),
    ("publish", "halting at publish:after-switch", 0.0, "publish:after-switch"),
]
FILES = ["leistungen.xml", "organisationseinheiten.xml", "zustaendigkeiten.xml"]


def stalling_source(server: ScriptedServer, night: Path) -> str:
    """Night 2's files over HTTP; the last one stalls for 5 s in the middle of its body."""
    server.serve("/index.txt", static("".join(f"{n}\n" for n in FILES).encode()))
    for name in FILES[:-1]:
        server.serve(f"/{name}", static((night / name).read_bytes()))
    last = (night / FILES[-1]).read_bytes()
    server.script(f"/{FILES[-1]}", Reply(200, last, stall=5.0))
    return server.url


def test_sigkill_at_random_points(published_site: Site, tmp_path: Path, http_server: ScriptedServer) -> None:
    site = published_site.copy_to(tmp_path / "site")
    nights = [DEMO / "nacht-2", DEMO / "nacht-1"]
    http_url = stalling_source(http_server, DEMO / "nacht-2")
    log = []
    for n, (step, wait_for, delay, halt) in enumerate(PLAN):
        night = nights[n % 2]
        target = live_target(site.output)
        assert target is not None
        digest = tree_digest(site.output / "releases" / target)
        runs = store_state(site.store)["runs"]
        source = http_url if step == "sync" else str(night)
        env = clean_env(PORTAL_SYNC_READ_TIMEOUT="20")
        if halt:
            env["PORTAL_NIGHTLY_HALT"] = halt
        args = [] if step == "check" else ["--no-vnu"]  # the HTML checker makes the check step long enough
        run = Watched(nightly_cmd(source, site.store, site.output, *args), env=env, cwd=tmp_path)
        reached = run.wait_for(wait_for, timeout=120)
        assert reached, f"kill {n}: the run never logged {wait_for!r}:\n{run.log}"
        time.sleep(delay)
        still_running = run.proc.poll() is None
        run.proc.send_signal(signal.SIGKILL)
        run.wait(timeout=60)
        assert still_running, f"kill {n} ({step} + {delay:.2f} s) came too late: the run had ended\n{run.log}"
        lock = (site.output / ".nightly.lock").read_text(encoding="utf-8")
        assert lock, "a killed run leaves its lock file content behind"
        log.append(f"{step} +{delay:.2f} s: {run.lines[-1] if run.lines else ''}")

        # the store: sound, the killed sync either committed whole or absent
        state = store_state(site.store)
        assert state["integrity"] == ["ok"], state["integrity"]
        assert all(outcome in ("ok", "failed") for _id, outcome in state["runs"]), state["runs"]
        if step == "sync":
            assert state["runs"] == runs, "a sync killed in its transaction left a trace"
        else:
            assert state["runs"][:-1] == runs and state["runs"][-1][1] == "ok"

        # the live site: complete, the old release untouched, or (after the switch) the new one
        now = live_target(site.output)
        assert now is not None
        assert_complete_release(site.output, now)
        if halt == "publish:after-switch":
            assert now != target
        else:
            assert now == target
        assert tree_digest(site.output / "releases" / target) == digest

        # the next run succeeds: takes over the lock, stops what the dead run left, removes its release
        marker = json.loads(lock)["marker"]
        proc = run_nightly(night, site.store, site.output, "--no-vnu", cwd=tmp_path)
        expect(proc, 0)
        assert "taking over a stale lock" in proc.stderr
        log += [
            f"    next run: {line.split(': ', 1)[1]}"
            for line in proc.stderr.splitlines()
            if "stopped" in line
        ]
        assert marked(marker) == [], "processes of the killed run are still running"
        assert_complete_release(site.output, live_target(site.output))
        releases = sorted(p.name for p in (site.output / "releases").iterdir())
        assert all((site.output / "releases" / r / ".release.json").is_file() for r in releases), releases
        assert len(releases) <= 5  # --keep 5
    print("\n".join(log))
    assert store_state(site.store)["integrity"] == ["ok"]
