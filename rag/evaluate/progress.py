"""A dependency-free progress bar on stderr.

On a terminal it redraws one line; in a log file (``nohup ... > log``) it writes a line at
every tenth of the way and at least once a minute, so the log stays short and readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 24
LOG_EVERY_S = 60.0
LOG_STEPS = 10


def _clock(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressBar:
    """``bar.update()`` after each item; ``bar.close()`` at the end."""

    def __init__(self, total: int, label: str = "eval", stream: TextIO | None = None) -> None:
        self.total = max(0, total)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.started = time.perf_counter()
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_log = self.started
        self._next_step = 1

    def line(self) -> str:
        """The current state as text: count, bar, rate and time left."""
        elapsed = time.perf_counter() - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        share = self.done / self.total if self.total else 1.0
        filled = int(BAR_WIDTH * share)
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return (
            f"{self.label} {self.done}/{self.total} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] "
            f"{share:4.0%} {rate:.2f}/s elapsed {_clock(elapsed)} left {_clock(left)}"
        )

    def update(self, n: int = 1) -> None:
        """Count ``n`` more items done and redraw (or log) when due."""
        self.done += n
        if self._tty:
            self.stream.write("\r" + self.line())
            self.stream.flush()
            return
        now = time.perf_counter()
        step_reached = self.total and self.done * LOG_STEPS >= self._next_step * self.total
        if step_reached or now - self._last_log >= LOG_EVERY_S:
            while self.total and self.done * LOG_STEPS >= self._next_step * self.total:
                self._next_step += 1
            self._last_log = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self._tty:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
