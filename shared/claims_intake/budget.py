"""The per-file time budget: readers stop starting new work once most of it is spent, and a timer stops
a read that runs over it (see time_budget)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from .errors import IntakeError

# Two layers. Soft: readers ask `budget_spent()` between pages and stop rendering new ones once
# SOFT_SHARE of the budget is gone, so what was read is still OCR'd and reported. Hard: when the
# whole budget is spent (a page that renders or OCRs for minutes), a timer signal stops the read and
# the file is answered with `time_limit`. The signal works in the main thread only (Lambda's); other
# threads get the soft layer.

SOFT_SHARE = 0.75
_deadline: ContextVar[tuple[float, float] | None] = ContextVar("file_deadline", default=None)


@contextmanager
def time_budget(seconds: float, filename: str) -> Iterator[None]:
    started = time.monotonic()
    token = _deadline.set((started + seconds * SOFT_SHARE, started + seconds))
    hard = _arm_timer(seconds, filename)
    try:
        yield
    finally:
        hard()
        _deadline.reset(token)


def budget_spent() -> bool:
    """True once the soft share of the current file's budget is gone (False outside a budget)."""
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() > deadline[0]


def seconds_left() -> float | None:
    """Seconds until the current file's hard deadline, or None outside a budget."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline[1] - time.monotonic())


def _arm_timer(seconds: float, filename: str):
    """Start the hard deadline's timer; return what disarms it (a no-op where signals cannot be used)."""
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        return lambda: None  # not the main thread, or someone else's timer is running: leave it alone

    def expire(signum, frame):
        raise IntakeError(
            "time_limit",
            f"{filename}: reading the file took longer than its {seconds:g} s budget. "
            "Send fewer pages or rows per file.",
        )

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)

    def disarm() -> None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    return disarm
