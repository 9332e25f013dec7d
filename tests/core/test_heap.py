"""freeze_startup_heap: what start-up built leaves the collector's walk; garbage does not."""

from __future__ import annotations

import gc
import weakref

from core import freeze_startup_heap


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_startup_objects_are_frozen_and_startup_garbage_is_collected_first() -> None:
    gc.disable()  # no automatic collection: only freeze_startup_heap's may free the cycle
    try:
        garbage = _Cycle()
        gone = weakref.ref(garbage)
        del garbage  # a cycle: only the collector frees it
        assert gone() is not None
        freeze_startup_heap()
        assert gc.get_freeze_count() > 1000
        assert gone() is None  # freed before the freeze, not kept for ever
    finally:
        gc.unfreeze()
        gc.enable()
