"""The numpy helpers of grids and integer solves: guesses verified, checks counted as ``holds`` says."""

from __future__ import annotations

import numpy as np

from calcgraph.core.formula.arrays import failed_count, holds, integer_guess, settle_integer


def test_an_integer_solve_is_guessed_from_two_whole_values_and_verified_everywhere():
    def sides(x):  # x <= 10.5 * k: the largest whole x is floor(10.5 * k)
        return ((x, 10.5 * np.array([1.0, 2.0, 3.0])),)
    assert integer_guess(("<=",), sides, 1.0, 1.0).tolist() == [10.5, 21.0, 31.5]
    guess = integer_guess(("<=",), sides, 1.0, 1.0)
    assert settle_integer(("<=",), sides, guess, 1.0, 1e12, 1.0).tolist() == [10.0, 21.0, 31.0]
    assert np.isnan(settle_integer(("<=",), sides, guess, 1.0, 20.0, 1.0)[1:]).all()  # outside the bounds


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
    guess = integer_guess((">=", "<="), sides, 1.0, 1.0)
    assert settle_integer((">=", "<="), sides, guess, 1.0, 1e12, 1.0).tolist() == [20.0, 30.0]


def test_failed_checks_are_counted_per_point_and_unknown_sides_do_not_count():
    sides = [(np.array([1.0, 2.0, np.nan]), 1.5), (np.array([0.0, 5.0, 5.0]), np.array([1.0, 1.0, 1.0]))]
    assert failed_count(["<=", "<="], sides).tolist() == [0, 2, 1]
    assert bool(holds("<=", 1.0 + 1e-15, 1.0)) and not bool(holds("<", 1.0, 1.0))
