"""The built demo site, once per test session: synced from demo/xzufi/nacht-1 into a temporary store, built
into a temporary folder with the ``portal`` CLI, and served on 127.0.0.1 like ``portal serve`` does.

The tools the checks need (Java for the Nu HTML Checker, Node with playwright-core and axe-core, Chromium)
are looked up here; a missing one FAILS the test with a message saying what to install: CI installs them,
and a check that silently skips is a check that never runs.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from plugins.portal_pages.commands import _Handler

ROOT = Path(__file__).resolve().parents[2]
DEMO_SOURCE = ROOT / "demo" / "xzufi" / "nacht-1"
NODE_MODULES = ROOT / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
PLAYWRIGHT = NODE_MODULES / "playwright-core"
BROWSER_SCRIPT = Path(__file__).resolve().parent / "axe_run.mjs"
# CI installs Debian's chromium there; PORTAL_CHROMIUM points elsewhere on other machines
CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))


def _portal(*args: str) -> None:
    """Run the ``portal`` CLI (python -m content_sync) in the project root; fail with its output."""
    proc = subprocess.run(
        [sys.executable, "-m", "content_sync", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if proc.returncode != 0:
        pytest.fail(
            f"portal {' '.join(args)} failed with exit code {proc.returncode}:\n{proc.stdout}\n{proc.stderr}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole demo site (about 7,200 pages in four languages), built once per session."""
    base = tmp_path_factory.mktemp("site")
    store = base / "portal.sqlite"
    output = base / "output"
    _portal("sync", "--source", str(DEMO_SOURCE), "--store", str(store))
    _portal("build", "--store", str(store), "--output", str(output))
    assert (output / "index.html").is_file(), f"the build wrote no {output / 'index.html'}"
    return output


@pytest.fixture(scope="session")
def site_pages(site_dir: Path) -> list[Path]:
    """Every built HTML file, sorted."""
    return sorted(site_dir.rglob("*.html"))


@pytest.fixture(scope="session")
def site_url(site_dir: Path) -> Iterator[str]:
    """The built site served over HTTP on 127.0.0.1 (a free port); a missing page answers 404 with the
    nearest subsite's 404.html, like ``portal serve`` and the production web server."""
    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _QuietHandler(_Handler):
    """portal serve's handler, without a log line per request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def require_tool(path: Path | str | None, what: str, how: str) -> str:
    """The tool's path, or a failed test naming what is missing and how to install it (never a skip)."""
    if path is None or not Path(path).exists():
        pytest.fail(f"{what} is missing ({path or 'not on PATH'}): {how}", pytrace=False)
    return str(path)


@pytest.fixture(scope="session")
def java() -> str:
    return require_tool(
        shutil.which("java"), "Java 17+ (for the Nu HTML Checker)", "apt-get install openjdk-17-jre-headless"
    )


@pytest.fixture(scope="session")
def vnu_jar() -> str:
    return require_tool(VNU_JAR, "the Nu HTML Checker (vnu-jar)", f"run 'npm ci' in {ROOT}")


@pytest.fixture(scope="session")
def node() -> str:
    return require_tool(shutil.which("node"), "Node.js 20", "install Node.js 20 (apt-get install nodejs)")


@pytest.fixture(scope="session")
def chromium(node: str) -> str:
    require_tool(PLAYWRIGHT, "playwright-core", f"run 'npm ci' in {ROOT}")
    require_tool(AXE_JS, "axe-core", f"run 'npm ci' in {ROOT}")
    return require_tool(
        CHROMIUM,
        "Chromium (the browser tests need it and do not skip)",
        "apt-get install chromium, or set PORTAL_CHROMIUM to a Chromium binary",
    )


@pytest.fixture(scope="session")
def run_browser(node: str, chromium: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function that runs tests/site/axe_run.mjs (one Chromium) with a job as JSON on stdin and returns
    its JSON result; see the script for the job's keys."""
    return functools.partial(_run_browser, node, chromium)


def _run_browser(node: str, chromium: str, job: dict[str, Any], timeout: float = 900) -> dict[str, Any]:
    proc = subprocess.run(
        [node, str(BROWSER_SCRIPT)],
        input=json.dumps(job),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PORTAL_CHROMIUM": chromium},
    )
    if proc.returncode != 0:
        pytest.fail(
            f"{BROWSER_SCRIPT.name} failed with exit code {proc.returncode}:\n{proc.stderr}\n{proc.stdout[-2000:]}",
            pytrace=False,
        )
    return json.loads(proc.stdout)
