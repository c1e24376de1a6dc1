"""The symbolic budget: at most ``MAX_NODES`` tree nodes in or out of a sympy step and ``SECONDS`` of CPU time
(nested closed forms and ``cancel`` can blow up); past it a step gives up and the numeric answer stands. CPU time,
not wall time, so that a busy machine gives the same report as an idle one."""

from __future__ import annotations

import _weakrefset
import gc
import signal
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sympy

MAX_NODES = 5000  # tree nodes of an expression a symbolic step takes or gives
SECONDS = 2.0  # CPU time of one symbolic step (the slowest in the shipped scenarios' reports: 0.8 s)
TIMER, SIGNAL = getattr(signal, "ITIMER_PROF", None), getattr(signal, "SIGPROF", None)  # this process's CPU time
TOO_LARGE = "closed form too large"


class BudgetExceeded(BaseException):
    """A symbolic step went past its budget; BaseException so that sympy's ``except Exception`` lets it pass."""


class TimeUp(BudgetExceeded):
    """A symbolic step ran past its CPU time."""


def tree_size(expr: sympy.Basic, limit: int = MAX_NODES) -> int:
    """Nodes of ``expr`` as a tree (shared subtrees counted each time), at most ``limit + 1``; no recursion."""
    sizes: dict = {}  # by id: hashing a deep sympy expression recurses
    stack = [expr]
    while stack:
        node = stack[-1]
        missing = [a for a in node.args if id(a) not in sizes]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()  # a node on the stack twice is counted again from its counted arguments
        sizes[id(node)] = 1 + sum(sizes[id(a)] for a in node.args)
        if sizes[id(node)] > limit:
            return limit + 1
    return sizes[id(expr)]


def check(expr: sympy.Basic, limit: int = MAX_NODES) -> sympy.Basic:
    """``expr`` itself when it fits the budget; else BudgetExceeded (caught by ``attempt``)."""
    if not fits(expr, limit):
        raise BudgetExceeded(f"an expression of more than {limit} nodes")
    return expr


def fits(expr: sympy.Basic, limit: int = MAX_NODES) -> bool:
    """Whether ``expr`` is within the budget's size."""
    return tree_size(expr, limit) <= limit


_state = threading.local()
_WEAKREF_FILES = {weakref.__file__, _weakrefset.__file__}
REPEAT = 0.05  # seconds between further alarms once the time is up (one may land in a gc callback and be lost)
RETRY = 0.001  # seconds until the next alarm after one that came due where an exception would be dropped


@contextmanager
def time_limit(seconds: float = SECONDS) -> Iterator[bool]:
    """Raise TimeUp in the block after ``seconds``, repeating every ``REPEAT`` s (a gc callback drops one); yields
    whether this block owns the timer: only the outermost, in the main thread, with no other CPU-time timer."""
    usable = (TIMER is not None and threading.current_thread() is threading.main_thread()
              and not getattr(_state, "active", False)
              and signal.getitimer(TIMER)[0] == 0)  # never take over someone else's timer (a profiler's)
    if not usable:
        yield False
        return

    def expire(_signum, frame):
        if not getattr(_state, "active", False):  # an alarm arriving as the block ends is ignored
            return
        if _swallowed_here(frame):  # try again as soon as the callback or __del__ has returned
            signal.setitimer(TIMER, RETRY, REPEAT)
            return
        raise TimeUp(f"a symbolic step ran past {seconds:g} s")

    previous = signal.signal(SIGNAL, expire)
    _state.active = True
    try:
        signal.setitimer(TIMER, seconds, REPEAT)
        yield True
    finally:
        try:
            _state.active = False
        finally:  # the alarm stopped and the handler put back even when an alarm lands just now
            _state.active = False
            signal.setitimer(TIMER, 0)
            signal.signal(SIGNAL, previous)


def _swallowed_here(frame) -> bool:
    """Whether an exception raised in ``frame`` would be dropped: inside a gc callback, a ``__del__`` or the
    standard library's weak-reference clean-up (WeakKeyDictionary, WeakSet, finalize: all called from a dealloc)."""
    callbacks = {getattr(c, "__code__", None) for c in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if code in callbacks or code.co_name == "__del__" or code.co_filename in _WEAKREF_FILES:
            return True
        frame = frame.f_back
    return False


def attempt(step: Callable, seconds: float = SECONDS):
    """``step()`` within the budget; None when it runs out of time, size (``check``) or recursion depth (an outer
    ``attempt``'s time running out passes through to that outer one)."""
    owner = False
    try:
        with time_limit(seconds) as owner:
            return step()
    except TimeUp:
        if not owner:
            raise
        return None
    except (BudgetExceeded, RecursionError):
        return None


def text(expr: sympy.Basic, printer: Callable[[sympy.Basic], str] = str, limit: int = MAX_NODES) -> str | None:
    """``printer(expr)`` within the budget, or None when the expression is too large to print."""
    return attempt(lambda: printer(check(expr, limit)))
