"""Bulk construction without the cyclic garbage collector walking the growing heap again and again.

Building thousands of objects that all stay alive (YAML nodes, sympy trees,
compiled closures) makes CPython's collector run full passes over a heap that
keeps growing: on a 5,000-quantity graph that was most of the evaluation. The
collector is paused for the duration (and restored as it was), never turned off.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager


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
        if enabled:
            gc.enable()
