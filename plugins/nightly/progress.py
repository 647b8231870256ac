"""What the job tells the person or the log watching it.

On a terminal (stderr is a TTY): one progress line, redrawn in place, with the step, a bar where the step
knows how far it is (or estimates it from the last run) and the seconds; finished steps stay as a line each.
Without a terminal (cron, systemd): plain log lines with a timestamp, one per event, nothing redrawn.
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from typing import TextIO

BAR = 24


class Ausgabe:
    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None, lauf: str = "") -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.lauf = lauf
        self._line = ""
        self._step = ""
        self._step_started = 0.0
        self._drawn = 0.0

    def log(self, message: str) -> None:
        """A line that stays (a finished step, a warning)."""
        if self.tty:
            self._clear()
            self.stream.write(message + "\n")
            if self._line:
                self.stream.write(self._line)
        else:
            stamp = datetime.now().astimezone().isoformat(timespec="seconds")
            who = f"portal nightly {self.lauf}" if self.lauf else "portal nightly"
            self.stream.write(f"{stamp} {who}: {message}\n")
        self.stream.flush()

    def step(self, number: int, total: int, name: str) -> None:
        self._step = f"[{number}/{total}] {name}"
        self._step_started = time.monotonic()
        if self.tty:
            self.progress(None)
        else:
            self.log(f"{name} started")

    def progress(self, fraction: float | None, detail: str = "") -> None:
        """Where the current step is: ``fraction`` in 0..1, or None if unknown. Terminal only."""
        if not self.tty:
            return
        now = time.monotonic()
        if fraction is not None:  # bars are redrawn at most ten times a second
            if fraction < 1 and now - self._drawn < 0.1:
                return
            self._drawn = now
        seconds = now - self._step_started
        if fraction is None:
            bar = ""
        else:
            done = round(max(0.0, min(1.0, fraction)) * BAR)
            bar = f" [{'#' * done}{'.' * (BAR - done)}] {100 * min(1.0, fraction):3.0f} %"
        self._line = f"{self._step}{bar} {seconds:5.1f} s {detail}".rstrip()
        self._clear()
        self.stream.write(self._line)
        self.stream.flush()

    def end_step(self, message: str) -> None:
        self._line = ""
        self.log(message)

    def _clear(self) -> None:
        self.stream.write("\r\033[K")
