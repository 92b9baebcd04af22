"""The collector pause keeps a process-wide freeze of long-lived data (and bounds the cycles frozen with it), and
still moves a batch's survivors out of the young generation when nothing is frozen."""

from __future__ import annotations

import gc
import weakref

import pytest

from claims_intake.gc_pause import freeze_long_lived, gc_paused


@pytest.fixture(autouse=True)
def collector_restored():
    was_enabled = gc.isenabled()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.enable() if was_enabled else gc.disable()


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_freeze_long_lived_moves_held_objects_out_of_the_walked_generations():
    kept = [Node() for _ in range(1000)]
    frozen = freeze_long_lived()
    assert frozen >= len(kept)
    assert gc.get_freeze_count() == frozen


def test_a_paused_batch_keeps_an_earlier_freeze_and_freezes_its_survivors_with_it():
    kept = [Node() for _ in range(1000)]
    frozen = freeze_long_lived()
    with gc_paused():
        assert not gc.isenabled()
        batch = [Node() for _ in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(batch)  # not thawed; the survivors are frozen too
    assert gc.get_count()[0] < len(batch)
    assert kept and batch


def test_cycles_frozen_by_paused_batches_are_collected_once_the_frozen_set_doubles():
    frozen = freeze_long_lived()
    with gc_paused():
        garbage = [Node() for _ in range(frozen + 1000)]  # more than the frozen set: it more than doubles
        watch = weakref.ref(garbage[0])
        del garbage  # every Node is now an unreachable cycle
    assert watch() is None
    assert gc.get_freeze_count() <= frozen + 100  # collected and refrozen, not kept


def test_without_a_freeze_the_batch_survivors_go_to_the_oldest_generation_unfrozen():
    gc.collect()
    with gc_paused():
        batch = [Node() for _ in range(500)]
    assert gc.get_freeze_count() == 0
    assert gc.get_count()[0] < len(batch)  # not left for the next young collection to walk
    assert all(gc.is_tracked(node) for node in batch)


def test_cycles_made_in_a_paused_batch_are_still_collected_afterwards():
    with gc_paused():
        Node()  # unreachable at once: only the collector can free it
    assert gc.collect() >= 1


def test_the_pause_leaves_a_disabled_collector_disabled():
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()
