"""The job's lock: ``fcntl.flock`` on a lock file in the output folder.

The kernel releases a flock when the process that holds it dies, however it dies (SIGKILL included), so
a lock can never be left held by a dead run. What a dead run does leave is the lock file's *content*: the
pid, start time and run id it wrote when it took the lock. A run that gets the lock and finds such content
knows that the previous run did not end cleanly (a clean end empties the file) and takes over: the caller
then stops processes the dead run left behind and removes its unfinished release.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from pathlib import Path
from typing import Any


class LockHeld(Exception):
    """Another run holds the lock; ``holder`` is what it wrote into the lock file (may be empty)."""

    def __init__(self, path: Path, holder: dict[str, Any]) -> None:
        self.path = path
        self.holder = holder
        who = (
            f"pid {holder.get('pid')}, run {holder.get('lauf')}, started {holder.get('gestartet')}"
            if holder
            else "it has not written its details yet"
        )
        super().__init__(f"another run holds the lock {path} ({who})")


class NightlyLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, info: dict[str, Any]) -> dict[str, Any] | None:
        """Take the lock without waiting and write ``info`` into the file.

        Returns what a previous run left in the file if it died holding the lock (a stale lock), else None.
        Raises :class:`LockHeld` if another live run holds it.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise LockHeld(self.path, holder) from None
        stale = _read(fd) or None
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(info, ensure_ascii=False) + "\n").encode(), 0)
        os.fsync(fd)
        self._fd = fd
        return stale

    def release(self) -> None:
        """Empty the file (a clean end) and let go of the lock."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.fsync(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _read(fd: int) -> dict[str, Any]:
    try:
        raw = os.pread(fd, 64 * 1024, 0)
        data = json.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (OSError, ValueError):
        return {"unlesbar": True}
    return data if isinstance(data, dict) else {"unlesbar": True}
