"""A progress bar for long sweeps: on stderr, on a terminal only, after a second."""

from __future__ import annotations

import sys
import time


class Progress:
    """A one-line bar, shown only on a terminal and after ``delay`` seconds."""

    def __init__(self, total: int, stream=None, delay: float = 1.0, width: int = 30) -> None:
        self.total, self.delay, self.width = total, delay, width
        stream = stream if stream is not None else sys.stderr
        self.stream = getattr(stream, "terminal_stream", stream)  # its own \r, past cli.terminal's escaping
        self.start, self.last, self.shown = time.perf_counter(), 0.0, False
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())

    def update(self, done: int) -> None:
        """Redraw (at most 10 times a second) once the sweep has run for ``delay`` seconds."""
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < self.delay or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        fraction = done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
                          f"{done:,}/{self.total:,} points {elapsed:5.1f} s")
        self.stream.flush()
        self.shown = True

    __call__ = update  # the callback a SweepRun calls with the points done so far

    def close(self) -> None:
        """Clear the bar's line if it was drawn."""
        if self.shown:
            self.stream.write("\r" + " " * (self.width + 60) + "\r")
            self.stream.flush()

