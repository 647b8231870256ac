"""Every built page is valid HTML: the Nu HTML Checker (vnu.jar, pinned in package.json) over the whole
output folder in one JVM run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest


@pytest.mark.slow
def test_every_page_is_valid_html(site_dir: Path, site_pages: list[Path], java: str, vnu_jar: str) -> None:
    proc = subprocess.run(
        # --verbose lists every checked file on stdout; the JSON report goes to stderr
        [
            java,
            "-jar",
            vnu_jar,
            "--errors-only",
            "--format",
            "json",
            "--skip-non-html",
            "--verbose",
            str(site_dir),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    try:
        report = json.loads(proc.stderr)
    except json.JSONDecodeError:
        pytest.fail(
            f"vnu.jar did not answer JSON (exit code {proc.returncode}):\n{proc.stderr[-3000:]}",
            pytrace=False,
        )

    checked = [line for line in proc.stdout.splitlines() if line.strip().endswith(".html")]
    assert len(checked) == len(site_pages), (
        f"vnu.jar checked {len(checked)} files, the build wrote {len(site_pages)} .html files"
    )

    errors = []
    for m in report["messages"]:
        if m.get("type") == "info":  # warnings; --errors-only leaves none, but be exact
            continue
        url = m.get("url", "")
        path = Path(unquote(urlsplit(url).path)) if url.startswith("file:") else Path(url)
        try:
            where = path.relative_to(site_dir)
        except ValueError:
            where = path
        errors.append(f"{where}:{m.get('lastLine', '?')}: {m['type']}: {m['message']}")
    assert not errors, f"{len(errors)} HTML errors in {len(site_pages)} pages:\n" + "\n".join(sorted(errors))
    assert proc.returncode == 0, f"vnu.jar exited with {proc.returncode}:\n{proc.stderr[-3000:]}"
