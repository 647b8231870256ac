"""Child processes of the job (the build, the HTML checker, the browser): started so that none outlives it.

- Each child gets the parent-death signal SIGKILL (Linux ``prctl``): if the job is killed, its direct
  children die with it at once.
- Each child also carries ``PORTAL_NIGHTLY_RUN=<marker>`` in its environment, which its own children
  (the build's worker processes, the browser's helpers) inherit. A run that takes over a stale lock kills
  every process that still carries the dead run's marker (:func:`kill_marked`), so nothing of a killed run
  keeps writing while the next one works.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

ENV_MARKER = "PORTAL_NIGHTLY_RUN"
_PR_SET_PDEATHSIG = 1


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


_LIBC = _libc()


def _die_with_parent() -> None:  # runs in the child between fork and exec: nothing but the syscall
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def spawn(
    cmd: Sequence[str],
    *,
    marker: str,
    cwd: Path | None = None,
    stdout: IO[Any] | int | None = None,
    stderr: IO[Any] | int | None = None,
    stdin: IO[Any] | int | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[Any]:
    environment = {**(env if env is not None else os.environ), ENV_MARKER: marker}
    return subprocess.Popen(
        list(cmd),
        cwd=cwd,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        env=environment,
        preexec_fn=_die_with_parent,  # safe: the job runs no threads of its own
        close_fds=True,
    )


def marked(marker: str) -> list[int]:
    """Pids of the processes (of this user) whose environment carries ``marker``."""
    needle = f"{ENV_MARKER}={marker}".encode()
    found = []
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    own = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == own:
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone, or another user's process
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return sorted(found)


def kill_marked(marker: str) -> list[int]:
    """SIGKILL every process left over from the run with ``marker``; returns their pids."""
    killed = []
    for pid in marked(marker):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        except PermissionError:
            continue
        killed.append(pid)
    return killed
