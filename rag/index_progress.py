"""Indexing progress for people: a tqdm bar on a terminal, plain periodic lines in a log.

On a terminal the bar redraws in place (bytes read, documents, passages, passages/s, time
left). Written to a file or a pipe, a line like (one line)::

    index  41% 9.6/23.4 MB, 1,370 documents, 17,960 passages, 29.8 passages/s,
        5:01 elapsed, 7:12 left

goes out at every tenth of the input and at least every ``LOG_EVERY_S`` seconds, so a
24-minute job leaves a short log that says how far it got. Jobs shorter than
``QUIET_FOR_S`` show nothing but their summary: no bar flashing by, no lines in a log.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from rag.indexer import IndexProgress

LOG_EVERY_S = 60.0
LOG_STEPS = 10
QUIET_FOR_S = {"tty": 1.0, "log": 60.0}
# Redraw the terminal bar at most this often: the callback comes once per document.
TTY_REFRESH_S = 0.2


def clock(seconds: float | None) -> str:
    """``m:ss`` or ``h:mm:ss``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    seconds = int(max(0.0, seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def describe(state: IndexProgress) -> str:
    """One line: share and bytes read, documents, passages, rate, elapsed and time left."""
    rate = state.passages / state.seconds if state.seconds > 0 else 0.0
    mb = 1_000_000
    return (
        f"{state.fraction:4.0%} {state.bytes_read / mb:.1f}/{state.bytes_total / mb:.1f} MB, "
        f"{state.documents:,} documents, {state.passages:,} passages, {rate:.1f} passages/s, "
        f"{clock(state.seconds)} elapsed, {clock(state.seconds_left)} left"
    )


class IndexProgressView:
    """A ``progress`` callback for :func:`rag.indexer.index_paths` that draws or logs."""

    def __init__(self, stream: TextIO | None = None, label: str = "index") -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.label = label
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._bar: Any = None
        self._last = 0.0
        self._next_step = 1

    def __call__(self, state: IndexProgress) -> None:
        if self._bar is None and state.seconds < QUIET_FOR_S["tty" if self.tty else "log"]:
            return
        if self.tty:
            self._draw(state)
        else:
            self._log(state)

    def _draw(self, state: IndexProgress) -> None:
        now = time.monotonic()
        if not state.done and now - self._last < TTY_REFRESH_S:
            return
        self._last = now
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(
                total=state.bytes_total,
                unit="B",
                unit_scale=True,
                unit_divisor=1000,
                desc=self.label,
                file=self.stream,
                dynamic_ncols=True,
                leave=True,
                disable=False,  # rag.offline sets TQDM_DISABLE for the libraries' own bars
            )
        self._bar.n = state.bytes_read
        rate = state.passages / state.seconds if state.seconds > 0 else 0.0
        self._bar.set_postfix_str(
            f"{state.documents:,} docs, {state.passages:,} passages, {rate:.1f}/s", refresh=False
        )
        self._bar.refresh()
        if state.done:
            self._bar.close()
            self._bar = None

    def _log(self, state: IndexProgress) -> None:
        now = time.monotonic()
        share = state.fraction
        step_reached = share * LOG_STEPS >= self._next_step
        if not (step_reached or now - self._last >= LOG_EVERY_S) or state.done:
            return
        while share * LOG_STEPS >= self._next_step:
            self._next_step += 1
        self._last = now
        self.stream.write(f"{self.label} {describe(state)}\n")
        self.stream.flush()
