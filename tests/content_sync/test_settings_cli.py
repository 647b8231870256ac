"""Settings (file, environment, flags) and the CLI's exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from content_sync.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from content_sync.errors import SettingsError
from content_sync.settings import load_settings
from tests.conftest import DEMO, ROOT


def test_defaults_file_env_and_overrides(tmp_path: Path):
    file = tmp_path / "portal.toml"
    file.write_text(
        '[sync]\nstore = "from-file.sqlite"\nretries = 5\nsource = "file-source"\n', encoding="utf-8"
    )
    s = load_settings(file, env={"PORTAL_SYNC_RETRIES": "7"}, overrides={"sync": {"source": "flag-source"}})
    assert (str(s.sync.store), s.sync.retries, s.sync.source) == ("from-file.sqlite", 7, "flag-source")
    assert load_settings(env={}).sync.retries == 3


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ('[sync]\nstroe = "x"\n', {}, "sync.stroe: Extra inputs are not permitted"),
        ("[sync]\nretries = -1\n", {}, "sync.retries"),
        ("[sync\n", {}, "portal.toml"),
        ("", {"PORTAL_SYNC_READ_TIMEOUT": "soon"}, "sync.read_timeout"),
    ],
    ids=["unknown-key", "out-of-range", "broken-toml", "bad-env"],
)
def test_invalid_settings_are_named(tmp_path: Path, toml, env, message):
    file = tmp_path / "portal.toml"
    file.write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=message.replace("[", r"\[")):
        load_settings(file, env=env)


def test_cli_sync_ok_then_failed_source(tmp_path: Path, capsys):
    store = tmp_path / "p.sqlite"
    assert main(["sync", "--source", str(DEMO / "nacht-1"), "--store", str(store)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "OK" in out and "store now holds" in out
    assert main(["sync", "--source", str(tmp_path / "missing"), "--store", str(store)]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "FAILED" in out and "missing" in out and "the store was not changed" in out


def test_cli_usage_errors(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["sync"]) == EXIT_USAGE
    assert "no source given" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_text("[sync]\nfoo = 1\n", encoding="utf-8")
    assert main(["--settings", str(tmp_path / "bad.toml"), "sync", "--source", "x"]) == EXIT_USAGE
    with pytest.raises(SystemExit) as exc:
        main(["nonsense"])
    assert exc.value.code == EXIT_USAGE


def test_cli_validate_demo_file(capsys):
    assert main(["validate", str(DEMO / "nacht-1" / "leistungen-01.xml")]) == EXIT_OK
    assert "0 problems" in capsys.readouterr().out


def _portal(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "content_sync", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        # buffered as for any user (this machine sets PYTHONUNBUFFERED, which would hide a lost buffer)
        env={**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, "PYTHONPATH": str(ROOT)},
    )


def test_the_command_ends_with_its_exit_code_and_all_its_output(tmp_path: Path):
    """The command leaves through os._exit (no teardown of a build's objects): nothing it printed may be lost
    on the way (stdout to a pipe is block-buffered), and the exit code must be the command's."""
    store = tmp_path / "p.sqlite"
    ok = _portal("sync", "--source", str(DEMO / "nacht-1"), "--store", str(store), cwd=tmp_path)
    assert ok.returncode == EXIT_OK, ok.stderr
    assert "store now holds" in ok.stdout and ok.stdout.endswith("\n")
    failed = _portal("sync", "--source", str(tmp_path / "missing"), "--store", str(store), cwd=tmp_path)
    assert failed.returncode == EXIT_FAILED and "the store was not changed" in failed.stdout
    usage = _portal("nonsense", cwd=tmp_path)
    assert usage.returncode == EXIT_USAGE and "invalid choice" in usage.stderr
    assert _portal("--help", cwd=tmp_path).returncode == EXIT_OK
