"""Pause the cyclic garbage collector around a batch that builds many small, long-lived objects."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Collect once after the batch instead of many times during it.

    A spreadsheet becoming claims, or a file's claims being checked, creates hundreds of thousands
    of small objects (pydantic models, their dicts and lists) that all survive the batch. With the
    collector running, those survivors trigger repeated collections, including full ones that walk
    every object in the process (reference data, history, earlier results): ~40% of the spreadsheet
    mapping and ~30% of the claim check (bench/bench_spreadsheet.py, bench/bench_check.py). The
    objects are freed by reference counting as usual; only cycles wait until the collector resumes.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
