"""Bulk construction with the cyclic collector paused: its passes over thousands of objects that all stay
alive (YAML nodes, trees, closures) were most of the evaluation of a 5,000-quantity graph."""

from __future__ import annotations

import gc
from contextlib import contextmanager

_FREEZE = [False]


def freeze_after_bulk(enabled: bool = True) -> None:
    """For the ``calcgraph`` program only (process-wide): ``gc.freeze`` what each bulk build made."""
    _FREEZE[0] = enabled


@contextmanager
def paused_gc():
    """Pause the cyclic collector inside the block, then restore its previous state.

    >>> with paused_gc():
    ...     gc.isenabled()
    False
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if _FREEZE[0]:
            gc.freeze()
        if enabled:
            gc.enable()
