"""Bulk construction without the cyclic garbage collector walking the growing heap again and again.

Building thousands of objects that all stay alive (YAML nodes, sympy trees,
compiled closures) makes CPython's collector run full passes over a heap that
keeps growing: on a 5,000-quantity graph that was most of the evaluation. The
collector is paused for the duration (and restored as it was), never turned off.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager

_FREEZE = [False]


def freeze_after_bulk(enabled: bool = True) -> None:
    """For a short-lived program: move what each bulk build made out of the collector's way.

    Once the collector is back on, its first passes would walk every object the
    build made (a fifth of a second on a 5,000-quantity graph) though all stay
    alive; ``gc.freeze`` spares them those passes. Process-wide, so only the
    ``calcgraph`` program asks for it; a Python caller's process is left alone.
    """
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
