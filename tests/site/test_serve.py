"""``portal serve`` as the editors' preview: it builds again when the store or the content changes, and an open
page reloads itself (real server on 127.0.0.1, real Chromium)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from content_sync.sync import run_sync
from tests.conftest import DEMO, ROOT

HERE = Path(__file__).resolve().parent


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode("utf-8")


def stand(base: str) -> dict:
    return json.loads(get(base + "__portal/stand"))


def wait_for(predicate, timeout: float = 600, every: float = 1.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError("timed out")


@pytest.fixture
def served(tmp_path, demo_store, demo_site) -> Iterator[dict]:
    """``portal serve`` on a copy of the demo (store, site, theme and content, with its own settings file)."""
    store = tmp_path / "portal.sqlite"
    shutil.copyfile(demo_store, store)
    out = tmp_path / "output"
    shutil.copytree(demo_site, out)
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "theme", tmp_path / "theme", ignore=shutil.ignore_patterns("*.mo"))
    conf = (ROOT / "pelicanconf.py").read_text("utf-8")
    settings = tmp_path / "pelicanconf.py"
    settings.write_text(conf, encoding="utf-8")  # PATH and THEME are relative: to the copies beside it
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "content_sync",
            "serve",
            "--port",
            "0",
            "--output",
            str(out),
            "--store",
            str(store),
            "--pelican-settings",
            str(settings),
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        logtext = lambda: (tmp_path / "serve.log").read_text("utf-8")  # noqa: E731
        port = wait_for(
            lambda: re.search(r"http://127\.0\.0\.1:(\d+)/", logtext()) or proc.poll() is not None
        )
        assert proc.poll() is None, logtext()
        yield {"base": f"http://127.0.0.1:{port.group(1)}/", "store": store, "out": out, "root": tmp_path}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_serve_builds_again_when_the_store_changes(served):
    base = served["base"]
    page = "wanfried/leistungen/personalausweis-beantragen--lb-1001/"
    assert '<script src="/__portal/neu-laden.js"></script></head>' in get(base + page)
    assert "neu-laden" not in (served["out"] / page / "index.html").read_text(
        "utf-8"
    )  # only served, not built
    before = stand(base)["stand"]
    assert "17,50" not in get(base + page)

    assert run_sync(str(DEMO / "nacht-2"), served["store"]).ok
    wait_for(lambda: (s := stand(base))["stand"] > before and not s["baut"])
    assert stand(base)["fehler"] is None
    assert "17,50" in get(base + page)


def test_an_open_page_reloads_after_a_content_change(served, node, chromium):
    datei = served["root"] / "content" / "pages" / "de" / "impressum.md"
    job = {
        "url": served["base"] + "impressum/",
        "datei": str(datei),
        "anhang": "\n\nGeändert für den Test der Vorschau.\n",
        "erwartet": "Geändert für den Test der Vorschau.",
    }
    proc = subprocess.run(
        [node, str(HERE / "neu_laden.mjs")],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PORTAL_CHROMIUM": chromium},
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result == {"before": False, "reloaded": True, "after": True, "errors": []}


def test_a_failed_build_is_reported_and_the_last_good_site_stays(served):
    base = served["base"]
    before = stand(base)["stand"]
    start = served["root"] / "theme" / "templates" / "start.html"
    start.write_text(start.read_text("utf-8") + "{% endblock %}", encoding="utf-8")  # a template error
    s = wait_for(lambda: (s := stand(base))["stand"] > before and not s["baut"] and s)
    assert s["fehler"] and "start.html" in s["fehler"]
    assert "<main" in get(base + "wanfried/")  # the last good pages are still served
