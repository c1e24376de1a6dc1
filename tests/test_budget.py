"""The symbolic budget of engine/budget.py: sizes without recursion, time limits, graceful give-up."""

import time

import pytest
import sympy

from calcgraph.engine import budget


def _chain(levels: int) -> sympy.Expr:
    q = sympy.Symbol("q0")
    for _ in range(levels):
        q = q * q / (q + 1) + q / 2
    return q


def test_a_41_level_rational_chain_is_measured_at_once_without_walking_its_tree():
    assert budget.tree_size(_chain(40)) == budget.MAX_NODES + 1  # its time: benchmarks/bounded_time.py
    assert budget.tree_size(_chain(2), limit=10 ** 9) < 100
    x = sympy.Symbol("x")
    assert budget.tree_size(x + 1) == 3 and budget.fits(x ** 2 + 1) and not budget.fits(x ** 2 + 1, limit=3)
    shared = x
    for _ in range(60):  # a DAG of 60 levels: each shared subtree counted each time
        shared = shared / (shared + 1) + shared
    assert budget.tree_size(shared) > budget.MAX_NODES


def test_a_6000_deep_expression_is_measured_without_recursion():
    f = sympy.Function("f")
    deep = sympy.Symbol("x")
    for _ in range(6000):
        deep = f(deep)
    assert not budget.fits(deep) and budget.tree_size(deep, limit=10 ** 9) == 6001


def test_a_step_past_its_time_gives_none_and_the_timer_is_cleared():
    import signal

    def forever():
        while True:
            pass
    assert budget.attempt(forever, seconds=0.2) is None  # it returns at all: the timer fired
    assert signal.getitimer(budget.TIMER) == (0.0, 0.0)
    assert budget.attempt(lambda: 41) == 41


def test_a_result_larger_than_the_budget_is_none():
    x = sympy.Symbol("x")
    assert budget.attempt(lambda: budget.check(sympy.expand((x + 1) ** 2000))) is None
    assert budget.text(_chain(40)) is None and budget.text(x + 1) == "x + 1"


def test_an_alarm_lost_in_a_gc_callback_is_followed_by_another_and_the_handler_is_restored():
    import signal

    def swallows_the_first_alarm():  # as the interpreter does with an exception raised in a gc callback
        try:
            while True:
                pass
        except budget.TimeUp:
            pass
        while True:
            pass
    handler = signal.getsignal(budget.SIGNAL)
    assert budget.attempt(swallows_the_first_alarm, seconds=0.2) is None
    assert signal.getsignal(budget.SIGNAL) is handler and signal.getitimer(budget.TIMER) == (0.0, 0.0)
    assert budget.attempt(lambda: 41) == 41


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_an_alarm_due_inside_a_gc_callback_waits_for_the_next_repeat_instead_of_being_dropped():
    import gc
    seen = []

    def callback(phase, info):  # a slow gc callback (Hypothesis installs one that times collections)
        if phase == "start":
            deadline = time.monotonic() + 0.05
            while time.monotonic() < deadline:
                pass
            seen.append(phase)

    def collects_forever():  # most of its time in the callback, some in its own code
        while True:
            gc.collect()
            deadline = time.monotonic() + 0.01
            while time.monotonic() < deadline:
                pass

    gc.callbacks.append(callback)
    try:
        assert budget.attempt(collects_forever, seconds=0.1) is None
        assert seen
    finally:
        gc.callbacks.remove(callback)


def test_a_frame_inside_a_gc_callback_or_a_del_is_one_where_an_exception_would_be_dropped():
    import gc
    import sys
    found = []

    def callback(phase, info):
        found.append(budget._swallowed_here(sys._getframe()))

    class Dying:
        def __del__(self):
            found.append(budget._swallowed_here(sys._getframe()))

    gc.callbacks.append(callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(callback)
    Dying()
    assert found and all(found) and not budget._swallowed_here(sys._getframe())


def test_a_frame_inside_a_weak_dictionary_clean_up_is_one_where_an_exception_would_be_dropped():
    import sys
    import weakref
    found = []

    class Key:
        pass

    table = weakref.WeakKeyDictionary()
    key = Key()
    table[key] = 1
    original = sys.getprofile()

    def profile(frame, event, arg):  # catch the dictionary's own removal callback as it runs
        if event == "call" and frame.f_code.co_name == "remove":
            found.append(budget._swallowed_here(frame))
    sys.setprofile(profile)
    try:
        del key
    finally:
        sys.setprofile(original)
    assert found and all(found) and not table
