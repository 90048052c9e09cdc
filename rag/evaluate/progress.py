"""Progress bars on stderr, drawn by tqdm.

On a terminal tqdm redraws one line. In a log file (``nohup ... > log``) the bar is written as
a whole line at every tenth of the way, so the log stays short and readable.
"""

from __future__ import annotations

import math
import sys
from typing import TextIO

from tqdm import tqdm

LOG_STEPS = 10
# In a log the bar's drawing is noise: count, share, time and rate say it all.
LOG_FORMAT = "{desc} {n_fmt}/{total_fmt} {percentage:.0f}% [{elapsed}<{remaining}, {rate_fmt}]"


class _Lines:
    """Turns tqdm's carriage-return redraws into newline-ended lines, one per redraw."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._last = ""

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        state = line.rsplit(" [", 1)[0]  # close() redraws the last state with a new rate
        if line and state != self._last:
            self.stream.write(line + "\n")
            self._last = state

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(total: int, label: str = "eval", stream: TextIO | None = None) -> tqdm:
    """A bar for ``total`` items: ``bar.update()`` after each, ``bar.close()`` at the end.

    Shown even where ``TQDM_DISABLE`` is set (``rag.offline`` sets it to silence the bars
    of the libraries underneath); callers that want none simply do not make one.
    """
    stream = stream if stream is not None else sys.stderr
    if getattr(stream, "isatty", lambda: False)():
        return tqdm(total=total, desc=label, file=stream, unit="q", disable=False)
    return tqdm(
        total=total,
        disable=False,  # rag.offline sets TQDM_DISABLE for the libraries' own bars
        desc=label,
        file=_Lines(stream),
        unit="q",
        mininterval=0,
        miniters=max(1, math.ceil(total / LOG_STEPS)),
        # tqdm's monitor thread (started by any bar in the process, a library's too) drops
        # miniters to 1, a line per item, once a bar has not drawn for maxinterval seconds.
        maxinterval=math.inf,
        bar_format=LOG_FORMAT,
    )
