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
        # The batch's survivors would all sit in the youngest generation, and the first collection after
        # enabling walks every one of them (~0.2 s for a 10,000-line sheet), then the middle generation
        # walks them again. freeze() + unfreeze() moves every tracked object into the oldest generation
        # without walking them: cycles among them are still found, at the next full collection.
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()
