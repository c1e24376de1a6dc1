"""The float helpers of generated code: an integer solve from a numeric guess, verified, agrees with the engine."""

from __future__ import annotations

import math

import pytest
import yaml
from conftest import ROOT

import calcgraph
from calcgraph.core import numeric
from calcgraph.core.numeric import Refused, integer_guess, solve_integer


def memory_fits(x: float) -> tuple:
    """param_bytes + x * kv_per_sequence <= hbm: 70e9 B of weights, 0.5 GB per sequence, 16 x 16 GB."""
    return ((70e9 + x * 0.5e9, 256e9),)


def test_the_guess_is_the_root_of_a_linear_slack():
    assert integer_guess(("<=",), memory_fits, 1.0, 1.0) == pytest.approx(372.0)


def test_an_integer_solve_is_the_largest_whole_value_that_fits():
    assert solve_integer(("<=",), memory_fits, 1.0, 1e12, 1.0) == 372.0


def test_an_exact_fit_is_kept_though_its_guess_lands_a_rounding_below():
    def sides(x):  # 0.1 * x <= 0.3 holds at x = 3 exactly (within the forgiven rounding), not at 4
        return ((0.1 * x, 0.3),)
    assert solve_integer(("<=",), sides, 1.0, 1e12, 1.0) == 3.0


def test_the_answer_is_in_base_units_and_the_bounds_in_declared_ones():
    def sides(x):  # x in base units (factor 2): 2 * k <= 100 gives k = 50
        return ((x, 100.0),)
    assert solve_integer(("<=",), sides, 1.0, 1e12, 2.0) == 100.0
    with pytest.raises(Refused):
        solve_integer(("<=",), sides, 1.0, 50.0, 2.0)  # 50 is outside [1, 50)


def test_nothing_fits_or_nothing_bounds_is_refused_for_the_engine_to_word():
    with pytest.raises(Refused):  # not even one sequence fits
        solve_integer(("<=",), lambda x: ((300e9 + x, 256e9),), 1.0, 1e12, 1.0)
    with pytest.raises(Refused):  # nothing moves with x, and it holds: it never binds
        solve_integer((">=",), lambda x: ((5.0, 3.0),), 1.0, 1e12, 1.0)


def test_where_feasibility_grows_with_x_the_answer_is_the_smallest_whole_x_as_the_engine_finds():
    assert solve_integer((">=",), lambda x: ((x, 3.0),), 1.0, 1e12, 1.0) == 3.0
    assert solve_integer(("<",), lambda x: ((2.5, x),), 0.0, 1e5, 1.0) == 3.0  # strict: 2.5 < 3
    assert solve_integer(("<",), lambda x: ((0.0, x),), 0.0, 1e5, 1.0) == 1.0  # a pool of 0 is never stable
    with pytest.raises(Refused):  # it already holds at the lower bound: the engine says it never binds
        solve_integer((">=",), lambda x: ((x, 0.5),), 1.0, 1e12, 1.0)


def variants() -> list[tuple[str, str | None]]:
    found = []
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        names = (yaml.safe_load(path.read_text()) or {}).get("variants") or {}
        found += [(str(path), None)] + [(str(path), v) for v in names]
    return found


@pytest.mark.parametrize(("path", "variant"), variants())
def test_the_fast_max_batch_is_the_engines_on_every_scenario_and_variant(path, variant, monkeypatch):
    settled = []

    def counted(*args):
        settled.append(solve_integer(*args))  # Refused passes through: the evaluator then asks the engine
        return settled[-1]
    monkeypatch.setitem(numeric.HELPERS, "_solve_integer", counted)
    model = calcgraph.load(path, variant=variant)
    inputs = [n for n in ("seq_len", "chips") if n in model.scenario.bound]
    evaluator = model.evaluator(["max_batch"], inputs)
    for seq_len, chips in [(4096, 8), (8192, 16), (32768, 64), (131072, 256), (3333, 4)]:
        point = {"seq_len": seq_len, "chips": chips}
        values = [point[n] for n in inputs]
        settled.clear()
        fast, exact = evaluator(*values)[0], evaluator.exact(*values)[0]
        assert fast == exact or (math.isnan(fast) and math.isnan(exact)), (variant, point)
        assert math.isnan(exact) or settled == [exact * model.graph["max_batch"].unit.factor], (variant, point)
