"""One progress bar for every long batch command, which also reports the batch's progress to `/metrics`.

`progress_bar("tax-assess-113018", unit="人")` returns a `(done, total)` callback for the batch services
(`assess_all(progress=…)`, `export_municipality(progress=…)`): it redraws a bar on standard error at most five
times a second (and always at the end), and sets the `lgcloud_batch_done/total` gauges that the operator's
alert on a stalled batch reads (docs/operations.md). `quiet=True` keeps the metrics and drops the bar.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from lgcloud.platform.observability.metrics import report_progress

WIDTH = 30
INTERVAL = 0.2


def draw(done: int, total: int, unit: str = "", label: str = "") -> str:
    filled = WIDTH * min(done, total) // max(total, 1)
    tail = f" {label}" if label else ""
    return f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {done:,}/{total:,}{unit and ' ' + unit}{tail}\033[K"


class ProgressBar:
    """A `(done, total)` callback: the bar on standard error (unless quiet) and the batch gauges on /metrics."""

    def __init__(self, job: str, *, unit: str = "", stream: TextIO | None = None, quiet: bool = False,
                 interval: float = INTERVAL) -> None:
        self.job, self.unit, self.quiet, self.interval = job, unit, quiet, interval
        self.out = stream if stream is not None else sys.stderr
        self.last = 0.0

    def __call__(self, done: int, total: int, label: str = "") -> None:
        now = time.monotonic()
        finished = done >= total
        if not finished and now - self.last < self.interval:
            return
        self.last = now
        report_progress(self.job, done, total)
        if self.quiet:
            return
        self.out.write(draw(done, total, self.unit, label))
        if finished:
            self.out.write("\n")
        self.out.flush()

    def labelled(self, label: str, done: int, total: int) -> None:
        """For services that name the current part first (`progress(label, done, total)`, e.g. a file)."""
        self(done, total, label)


def progress_bar(job: str, *, unit: str = "", stream: TextIO | None = None, quiet: bool = False) -> ProgressBar:
    return ProgressBar(job, unit=unit, stream=stream, quiet=quiet)
