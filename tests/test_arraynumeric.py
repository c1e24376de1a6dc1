"""The numpy helpers of generated grid code compute what ``evaluate.compile_node`` computes, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fuzz_settings import FUZZ
from hypothesis import given
from test_fuzz_expr import FORMULAS

from calcgraph.cli.cached import generated
from calcgraph.core.arraynumeric import (
    _node,
    _solve_integer,
    build,
    failed_count,
    holds,
    integer_guess,
    settle_integer,
)
from calcgraph.core.codegen import Unsupported, source
from calcgraph.core.evaluate import compile_node
from calcgraph.core.expr import parse_formula
from calcgraph.core.numeric import Refused
from calcgraph.errors import CalcgraphError

A = np.array([[0.0], [0.7], [3.0], [1e9], [-2.5], [62.99999999999999]])  # an axis, as a block gives it
B = np.array([[0.7, 1.0, 1e-10, 90.0]])                                 # another, broadcasting


@FUZZ
@given(FORMULAS)
def test_a_formula_as_grid_code_equals_compile_node_on_a_block(text):
    try:
        node = parse_formula(text).node
        code = f"def _grid(v0, v1, v2):\n    return ({source(node, {'a': 'v0', 'b': 'v1', 'c': 'v2'})}, )\n"
    except (CalcgraphError, Unsupported):
        return
    (function,) = build(generated(code, grid=True), ("_grid",), {})
    with np.errstate(all="ignore"):
        expected = np.asarray(compile_node(node)({"a": A, "b": B, "c": 1e9}), float)
        try:
            (got,) = function(A, B, 1e9)
        except ArithmeticError:  # a float division by zero of scalars: the hit refuses, the normal path runs
            return
    got = np.asarray(got, float)
    assert got.shape == expected.shape and got.tobytes() == expected.tobytes() or \
        np.array_equal(got, expected, equal_nan=True), text


def test_a_value_is_kept_as_evaluate_keeps_it():
    assert _node(np.array([1.0, np.inf, -np.inf, np.nan])).tolist()[0] == 1.0
    assert np.isnan(_node(np.array([np.inf]))).all()
    assert _node(np.float64(2.0)) == 2.0 and type(_node(np.float64(2.0))) is float
    assert math.isnan(_node(math.inf, math.nan))  # an unknown input: unknown by right
    with pytest.raises(Refused):  # a scalar not finite for no reason: the normal path words the error
        _node(math.inf, 1.0)


def test_an_integer_solve_is_guessed_from_two_whole_values_and_verified_everywhere():
    def sides(x):  # x <= 10.5 * k: the largest whole x is floor(10.5 * k)
        return ((x, 10.5 * np.array([1.0, 2.0, 3.0])),)
    assert integer_guess(("<=",), sides, 1.0, 1.0).tolist() == [10.5, 21.0, 31.5]
    assert _solve_integer(("<=",), sides, 1.0, 1e12, 1.0, (3,)).tolist() == [10.0, 21.0, 31.0]
    assert _solve_integer(("<=",), sides, 1.0, 1e12, 2.0, (2, 3)).tolist() == [[10.0, 20.0, 30.0]] * 2
    with pytest.raises(Refused):  # an answer outside the bounds: the normal path says there is none
        _solve_integer(("<=",), sides, 1.0, 20.0, 1.0, (3,))


def test_a_guess_a_rounding_off_settles_on_its_neighbour():
    def sides(x):
        return ((x, np.array([10.0, 20.0, 30.0])),)
    guess = np.array([9.999999, 21.2, 30.0])  # one whole value low, one high, one right
    assert settle_integer(("<=",), sides, guess, 1.0, 1e12, 1.0).tolist() == [10.0, 20.0, 30.0]
    far = np.array([3.0, 40.0, 30.0])  # more than one off: left to the bisection
    assert np.isnan(settle_integer(("<=",), sides, far, 1.0, 1e12, 1.0)[:2]).all()


def test_a_constraint_that_does_not_fall_as_x_grows_bounds_nothing():
    def sides(x):  # x >= 3 only: no largest x below the bound from this constraint
        return ((x, 3.0), (2.0 * x, np.array([41.0, 61.0])))
    assert integer_guess((">=", "<="), sides, 1.0, 1.0).tolist() == [20.5, 30.5]
    assert _solve_integer((">=", "<="), sides, 1.0, 1e12, 1.0, (2,)).tolist() == [20.0, 30.0]


def test_failed_checks_are_counted_per_point_and_unknown_sides_do_not_count():
    sides = [(np.array([1.0, 2.0, np.nan]), 1.5), (np.array([0.0, 5.0, 5.0]), np.array([1.0, 1.0, 1.0]))]
    assert failed_count(["<=", "<="], sides).tolist() == [0, 2, 1]
    assert bool(holds("<=", 1.0 + 1e-15, 1.0)) and not bool(holds("<", 1.0, 1.0))
