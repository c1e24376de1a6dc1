"""The float helpers of generated code: an integer solve from a numeric guess, verified, agrees with the engine."""

from __future__ import annotations

import math

import pytest
import yaml
from conftest import ROOT

import calcgraph
from calcgraph.core.formula import floats as numeric
from calcgraph.core.formula.floats import Refused, integer_guess, solve_integer
from calcgraph.engine.solve.problem import scan_points


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


def test_nothing_fits_is_nan_at_once_and_the_engine_agrees():
    points = tuple(float(p) for p in scan_points(1.0, 1e12, True))
    assert math.isnan(solve_integer(("<=",), lambda x: ((300e9 + x, 256e9),), 1.0, 1e12, 1.0, points))
    model = calcgraph.load(set={"hbm_per_chip": "1 GB/chip"})  # not even the weights fit: no batch at all
    evaluator = model.evaluator(["max_batch", "served_batch"], ["seq_len"])
    (max_batch, held), check = evaluator._fast(8192.0)  # the generated path answers, no fallback
    assert math.isnan(max_batch) and math.isnan(held) and math.isfinite(check)
    assert all(math.isnan(v) for v in evaluator.exact(8192))


def test_where_only_large_values_hold_the_scan_bracket_gives_the_smallest_whole_x():
    points = tuple(float(p) for p in scan_points(0.0, 1e5, True))
    assert solve_integer((">=",), lambda x: ((x, 3.0),), 0.0, 1e5, 1.0, points) == 3.0
    assert solve_integer(("<",), lambda x: ((2.5, x),), 0.0, 1e5, 1.0, points) == 3.0  # strict: 2.5 < 3
    assert solve_integer(("<",), lambda x: ((0.0, x),), 0.0, 1e5, 1.0, points) == 1.0  # a pool of 0 is never stable


def test_prefill_pool_needed_of_a_colocated_model_is_1_on_the_generated_path_as_the_engine_says():
    model = calcgraph.load()  # colocated: no pool, the smallest stable count is 1
    evaluator = model.evaluator(["prefill_pool_needed"], ["request_rate"])
    (needed,), _ = evaluator._fast(20.0)  # the generated path answers, no fallback
    assert needed == 1.0 == model.set(request_rate="20 sequence/s").value("prefill_pool_needed")


def test_a_constraint_failing_at_one_end_only_is_left_to_the_engine():
    with pytest.raises(Refused):  # no constraint falls as x grows: no guess
        solve_integer((">=",), lambda x: ((x, 3.0),), 1.0, 1e12, 1.0)


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
    monkeypatch.setattr(numeric, "solve_integer", counted)  # what the generated code's memo calls
    model = calcgraph.load(path, variant=variant)
    inputs = [n for n in ("seq_len", "chips") if n in model.scenario.bound]
    evaluator = model.evaluator(["max_batch"], inputs)
    for seq_len, chips in [(4096, 8), (8192, 16), (32768, 64), (131072, 256), (3333, 4)]:
        point = {"seq_len": seq_len, "chips": chips}
        values = [point[n] for n in inputs]
        settled.clear()
        for memo in (v for k, v in evaluator._fast.__globals__.items() if k.startswith("_memo_")):
            memo.clear()  # solve each point afresh
        fast, exact = evaluator(*values)[0], evaluator.exact(*values)[0]
        assert fast == exact or (math.isnan(fast) and math.isnan(exact)), (variant, point)
        assert math.isnan(exact) or settled == [exact * model.graph["max_batch"].unit.factor], (variant, point)


def test_the_fast_evaluator_scans_as_the_engine_does_so_a_turning_constraint_has_no_answer():
    model = calcgraph.load(ROOT / "tests" / "fixtures" / "solve_grid_rules.yaml")
    evaluator = model.evaluator(["turning"], ["c"])
    for shift in (0.0, 1.0, 2.5):
        (turning,), check = evaluator._fast(shift)  # the generated path answers: it took 3, 4, 5
        assert math.isnan(turning) and math.isfinite(check)
        assert math.isnan(model.set(c=shift).value("turning"))


def test_a_scan_gives_the_engines_bracket_or_none():
    points = (1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)
    assert numeric.scan(("<=",), lambda x: ((3.0 * x, 99.0),), points, 1.0) == (32.0, 64.0)
    assert numeric.scan((">=", "<="), lambda x: ((x, 3.0), (x, 10.0)), points, 1.0) == (8.0, 16.0)
    assert numeric.scan((">=",), lambda x: ((x, 3.0),), points, 1.0) == (4.0, 2.0)  # the smallest
    assert numeric.scan(("<=",), lambda x: ((x, 100.0),), points, 1.0) is None  # holds everywhere
    assert numeric.scan(("<=",), lambda x: ((x, 0.5),), points, 1.0) is None  # holds nowhere


def test_a_slack_that_overflows_fails_on_floats_as_on_arrays():  # once it held on floats only
    from calcgraph.core.formula.arrays import holds
    for op in ("<=", "<"):
        assert numeric.feasible((op,), ((-1e308, 1e308),)) == bool(holds(op, -1e308, 1e308)) is False
