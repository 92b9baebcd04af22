"""Pause the cyclic garbage collector around a batch that builds many small, long-lived objects, and freeze
long-lived data (reference data, stored history) out of the collector's walks."""

from __future__ import annotations

import gc
from contextlib import contextmanager

# Objects frozen by the last freeze_long_lived(): paused batches may grow the frozen set to twice this.
_long_lived = [0]


def freeze_long_lived() -> int:
    """Move every object the process holds now into the collector's permanent generation; returns how many.

    For a process that loads large data once and keeps it (a warm Lambda or a service holding the reference
    data and the stored history): full collections walk every tracked object, so each one would walk that
    data again although it never becomes garbage. Frozen objects are still freed by reference counting when
    dropped; only a cycle among them waits for the next freeze_long_lived(). Call it after loading, not per
    request (it starts with a full collection).
    """
    gc.unfreeze()
    gc.collect()  # garbage made while loading (or frozen by earlier batches) is freed, not kept frozen
    gc.freeze()
    _long_lived[0] = gc.get_freeze_count()
    return _long_lived[0]


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
        if gc.get_freeze_count():
            # Long-lived data is frozen (freeze_long_lived): gc.unfreeze() cannot thaw only the batch's objects,
            # so the survivors join the frozen set instead of thawing that data. They are still freed by
            # reference counting; a cycle among them is collected when the frozen set has doubled since the
            # data was frozen (one full collection, then the freeze again).
            gc.freeze()
            if gc.get_freeze_count() > 2 * _long_lived[0]:
                freeze_long_lived()
        else:
            # The batch's survivors would all sit in the youngest generation, and the first collection after
            # enabling walks every one of them (~0.2 s for a 10,000-line sheet), then the middle generation
            # walks them again. freeze() + unfreeze() moves every tracked object into the oldest generation
            # without walking them: cycles among them are still found, at the next full collection.
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()
