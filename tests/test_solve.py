"""Inverse solving: the chapter's max batch and min chips, every outcome, solve nodes, grids."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import fixture

import calcgraph
from calcgraph.core.evaluate import evaluate
from calcgraph.engine.solve.inverse import solve_for
from calcgraph.errors import ExpressionError, NoSolutionError, SolveError

MEMORY = "total_memory <= hbm_capacity"


@pytest.fixture(scope="module")
def model():
    return calcgraph.load()


def test_max_batch_on_v5e_4x2_is_43(model):
    result = solve_for(model.evaluated, "batch", [MEMORY], integer=True)
    assert (result.shown, result.direction, result.binding_text) == (43, "largest", MEMORY)
    assert result.evaluations <= 30


def test_max_batch_on_v5e_4x4_at_8192_tokens_is_138(model):
    result = solve_for(model.set(chips=16).evaluated, "batch", [MEMORY], integer=True)
    assert result.shown == 138
    assert str(result.closed_form) == "floor((hbm_capacity - param_bytes)/(kv_per_token_stored*seq_len))"


def test_min_chips_for_batch_32_at_8192_tokens_is_8(model):
    result = solve_for(model.evaluated, "chips", [MEMORY], integer=True)
    assert (result.shown, result.direction) == (8, "smallest")


def test_largest_batch_under_15_ms_per_step_is_20(model):
    result = solve_for(model.evaluated, "batch", ["t_step <= 15 ms"], integer=True)
    assert result.shown == 20
    at_answer, next_out = model.set(batch=20), model.set(batch=21)
    assert at_answer.value("t_step", "ms") <= 15 < next_out.value("t_step", "ms")


def test_several_constraints_name_the_binding_one(model):
    result = solve_for(model.evaluated, "batch", ["t_step <= 25 ms", MEMORY], integer=True)
    assert result.shown == 43 and result.binding_text == MEMORY
    assert len(result.slacks) == 2


def test_a_constraint_that_does_not_move_with_the_unknown_is_kept_beside_one_that_does(model):
    result = solve_for(model.evaluated, "batch", [MEMORY, "chips >= 1 chip"], integer=True)  # once a ValueError
    assert (result.shown, result.binding_text) == (43, MEMORY)
    assert [s.difference for s in result.slacks][1] == 7.0


def test_continuous_solve_agrees_with_its_closed_form(model):
    result = solve_for(model.set(max_context="1e6 token/sequence").evaluated, "seq_len", [MEMORY])
    exact = (128e9 - 70e9) / (163840 * 32)
    assert result.shown == pytest.approx(exact, rel=1e-9)
    assert result.closed_form is not None and "brentq" in result.method


def test_a_seq_len_solve_under_the_memory_limit_stops_at_the_models_context(model):
    result = solve_for(model.evaluated, "seq_len", [MEMORY])       # memory alone allows 11,062 tokens
    assert result.shown == pytest.approx(8192) and result.binding_text == "seq_len <= max_context"


def test_no_value_satisfies_says_what_the_best_reaches(model):
    with pytest.raises(NoSolutionError, match="no batch in .* satisfies .*closest, at batch = 1"):
        solve_for(model.set(chips=4).evaluated, "batch", [MEMORY], integer=True)


def test_constraint_that_never_binds_is_not_answered_with_a_bound(model):
    with pytest.raises(NoSolutionError, match="never binds"):
        solve_for(model.evaluated, "batch", ["t_step >= 1 ms"], integer=True)


def test_constraints_independent_of_the_unknown(model):
    with pytest.raises(SolveError, match="do not depend on 'vocab'"):
        solve_for(model.evaluated, "vocab", [MEMORY], integer=True)


def test_unknown_that_is_computed_is_refused(model):
    with pytest.raises(SolveError, match="'t_step' is computed"):
        solve_for(model.evaluated, "t_step", ["t_step <= 15 ms"])


def test_non_monotone_residual_is_reported():
    bowl = calcgraph.load(fixture("solve_bowl.yaml"))
    with pytest.raises(NoSolutionError, match="not monotone"):
        solve_for(bowl.evaluated, "x", ["y <= 4"], integer=True)


@pytest.mark.parametrize("where, status, words", [
    (MEMORY + " --set chips=4", 1, "no batch in"),
    ("t_step >= 1 ms", 1, "never binds"),
    ("t_step <= 0.015", 2, "give the number its unit"),
    ("__import__('os').system('touch cg_hacked') < 1", 2, "is not allowed"),
    ("t_step <= 15 ms <= 3", 2, "exactly one comparison"),
    ("t_stp <= 15 ms", 2, "unknown name 't_stp'"),
])
def test_cli_outcomes(run, where, status, words):
    extra = []
    if " --set " in where:
        where, setting = where.split(" --set ")
        extra = ["--set", setting]
    code, out, err = run("solve", "--for", "batch", "--integer", "--where", where, *extra)
    assert code == status and words in err
    assert "Traceback" not in err and out == ""
    assert not Path("cg_hacked").exists()


def test_cli_json_gives_value_unit_method_and_closed_form(run):
    code, out, _ = run("solve", "--for", "batch", "--where", MEMORY, "--integer", "--json")
    document = json.loads(out)
    assert code == 0
    assert (document["value"], document["unit"], document["method"]) == (43, "seq", "numeric")
    assert document["closed_form"].startswith("floor(")


def test_max_batch_is_a_solve_node_in_the_default_scenario(model):
    assert model.graph["max_batch"].solve is not None
    assert model.value("max_batch") == 43
    details = model.evaluated.solve_details("max_batch")
    assert details.bracket == (1, 1000000) and details.evaluations <= 30


def test_max_batch_node_is_43_on_every_smallest_slice():
    table = calcgraph.load("scenarios/dtype-table.yaml")
    assert [table.with_variant(v).value("max_batch") for v in ("bf16", "int8", "int4")] == [43, 43, 43]


def test_later_formulas_build_on_a_solve_node():
    model = calcgraph.load(fixture("solve_node.yaml"))
    assert model.value("most") == 33
    assert model.value("spare", "B") == 1


def test_solve_node_for_a_computed_quantity_is_a_load_error(run):
    code, _, err = run("eval", fixture("solve_bad_for.yaml"))
    assert code == 2 and "solve_bad_for.yaml:5" in err and "'b' is computed" in err


def test_solve_node_over_a_grid_matches_the_scalar_answer_at_every_point(model):
    seq_len = np.array([1024.0, 8192.0, 8192.0, 65536.0, 4.0e6])
    chips = np.array([8.0, 8.0, 16.0, 8.0, 8.0])
    env = evaluate(model.scenario, overrides={"seq_len": seq_len, "chips": chips}, solver=model.evaluated.solver)
    expected = [model.set(seq_len=s, chips=c).value("max_batch") for s, c in zip(seq_len[:4], chips[:4], strict=True)]
    assert list(env["max_batch"][:4]) == expected == [345, 43, 138, 5]
    assert np.isnan(env["max_batch"][4])


def test_solve_node_without_answer_shows_as_such(run):
    code, out, _ = run("eval", "--set", "chips=4", "--only", "max_batch")
    assert code == 0 and "no value satisfies the constraints" in out
    code, out, _ = run("eval", "--set", "chips=4", "--only", "max_batch", "--json")
    assert json.loads(out)["values"]["max_batch"]["value"] is None


def test_model_solve_api():
    assert calcgraph.load().solve("chips", MEMORY, integer=True).shown == 8


def test_equation_is_solved_as_a_root(model):
    result = solve_for(model.evaluated, "batch", ["t_step == 15 ms"])
    assert model.set(batch=result.shown).value("t_step", "ms") == pytest.approx(15, rel=1e-9)


def test_equation_without_an_integer_root_says_where_it_passes(model):
    with pytest.raises(NoSolutionError, match="passes between batch = 20 and 21"):
        solve_for(model.evaluated, "batch", ["t_step == 15 ms"], integer=True)


def test_numbers_out_of_range_in_constraints_are_refused(model):
    with pytest.raises(ExpressionError, match="out of range"):
        solve_for(model.evaluated, "batch", ["t_step <= 1e999 ms"], integer=True)


def test_equation_node_over_a_grid_solves_each_point():
    model = calcgraph.load(fixture("solve_equation.yaml"))
    env = evaluate(model.scenario, overrides={"chips": np.array([8.0, 16.0, 2.0])}, solver=model.evaluated.solver)
    expected = [model.set(chips=c).value("batch_at_15ms") for c in (8, 16)]
    assert list(env["batch_at_15ms"][:2]) == expected
    assert np.isnan(env["batch_at_15ms"][2])


# --- wide brackets, exact integer answers, the symbolic budget ------------------------

WIDE = ("quantities:\n  b: {unit: '1', doc: d, value: 1}\n  m: {unit: B, doc: d, formula: 2 * b * k}\n"
        "  k: {unit: B, doc: d, value: 1 B}\n  cap: {unit: B, doc: d, value: 86.4268 B}\n"
        "  small: {unit: B, doc: d, value: 86.4268e-250 B}\n"
        "  best: {unit: '1', doc: d, solve: {for: b, where: [WHERE], bounds: BOUNDS}}\n")


@pytest.mark.parametrize("where, bounds, answer", [
    ("m >= cap", "[1e-300, 1e300]", 43.2134),      # the smallest value, found across 600 decades
    ("m + 1000 B <= cap", "[-1e300, 1e300]", -456.7866),  # a negative answer, the bracket across zero
    ("m <= small", "[0, 1e300]", 43.2134e-250),     # next to a zero lower bound
])
def test_a_wide_bracket_finds_the_answer_in_its_own_scale(tmp_path, where, bounds, answer):
    path = tmp_path / "wide.yaml"
    path.write_text(WIDE.replace("WHERE", f'"{where}"').replace("BOUNDS", bounds))
    assert calcgraph.load(str(path)).value("best") == pytest.approx(answer, rel=1e-12)


def test_an_integer_answer_is_exact_at_a_trillion(model):
    result = solve_for(model.evaluated, "batch", ["batch <= 999999999999.9 sequence"], integer=True)
    assert result.shown == 999999999999 and result.slacks[0].difference > 0


def test_a_closed_form_past_the_symbolic_budget_leaves_the_numeric_answer_and_says_so(run):
    status, out, err = run("solve", fixture("cancel_blowup.yaml"), "--for", "a", "--where", "m <= cap")
    assert status == 0, err
    assert "largest a with m <= cap: 54.21" in out  # 1e21 / 2**64
    assert "no closed form shown: it is past the symbolic budget" in out


def test_a_number_in_exponent_form_in_a_constraint_is_a_number_not_a_unit(model):
    result = solve_for(model.evaluated, "batch", ["total_memory <= hbm_capacity * 1e0"], integer=True)
    assert result.shown == solve_for(model.evaluated, "batch", [MEMORY], integer=True).shown
    tight = solve_for(model.evaluated, "batch", ["kv_cache_bytes <= 1e-9 * 4.3e19 B"], integer=True)
    assert tight.shown == 32  # 43e9 B over 163,840 B x 8192 tokens = 1.342e9 B per sequence: 32.04


def test_a_large_integer_answer_is_printed_whole(run):
    status, out, _ = run("solve", "--for", "batch", "--where", "batch <= 499999999999.7 sequence", "--integer")
    assert status == 0 and ": 499999999999 seq" in out


def test_a_pin_that_holds_the_kv_cache_leaves_max_batch_without_an_answer_not_an_error():
    # the chapter's printed 1.3 TB is pinned over kv_cache_bytes: batch no longer moves the constraint
    model = calcgraph.load("scenarios/long-context-32k.yaml", variant="printed")
    assert model.state("max_batch") == "no answer" and math.isnan(model.value("max_batch"))


def test_the_same_closed_form_in_another_scenario_is_found_once(monkeypatch):
    from calcgraph.engine.solve import closed_form
    closed_form._ROOTS.clear()
    calls = []
    original = closed_form._solve_closed_form
    monkeypatch.setattr(closed_form, "_solve_closed_form", lambda *a: calls.append(a) or original(*a))
    assert calcgraph.load().value("max_batch") == 43 and calls == []  # a value needs no closed form
    assert calcgraph.load().evaluator(["max_batch"], [])() == [43] and calls == []  # nor generated code
    graphs = [calcgraph.load().graph, calcgraph.load().set(batch=64).graph]
    roots = [closed_form.solve_closed_form(g, g["max_batch"].solve, "largest") for g in graphs]
    assert roots[0] == roots[1] is not None and len(calls) == 1  # the same problem: remembered


def test_a_solve_node_that_is_not_monotone_says_so_in_eval_and_report(run):
    status, out, err = run("eval", fixture("solve_not_monotone.yaml"), "--all")
    assert status == 0 and "solved: no answer, bump <= 4 is not monotone in x" in out
    assert "unknown: needs top" in out  # what reads it names the solve node without an answer
    status, out, err = run("report", fixture("solve_not_monotone.yaml"))
    assert status == 0 and "largest x with a small bump: **no answer**" in out
    assert "**no answer** (bump &lt;= 4 is not monotone in x)" in out


def test_solve_without_an_answer_exits_1_and_says_no_answer_not_error(run):
    status, out, err = run("solve", fixture("solve_not_monotone.yaml"), "--for", "x", "--where", "bump <= 4",
                           "--integer")
    assert status == 1 and out == ""
    assert err.startswith("calcgraph solve: no answer: ") and "not monotone in x" in err
    assert "error" not in err.lower() and "Traceback" not in err


def test_a_grid_of_solves_follows_the_scalar_rules_point_by_point():
    """Not monotone: no answer on the grid as in a scalar solve (the grid's bisection gave 3, 4, 5);
    holding only in the middle of the bracket: the scalar solve's largest value (it gave the smallest)."""
    model = calcgraph.load(fixture("solve_grid_rules.yaml"))
    shifts = np.array([0.0, 1.0, 2.5, 120.0])
    turning, middle = model.evaluator(["turning", "middle"], ["c"])(shifts)
    for i, shift in enumerate(shifts):
        scalar = model.set(c=float(shift))
        assert math.isnan(turning[i]) and math.isnan(scalar.value("turning"))
        assert middle[i] == pytest.approx(scalar.value("middle"), rel=1e-12) or \
            (math.isnan(middle[i]) and math.isnan(scalar.value("middle"))), shift
    assert middle[:3] == pytest.approx([10.0, 11.0, 12.5], rel=1e-12) and math.isnan(middle[3])


def test_a_solve_holding_only_inside_its_bracket_notes_that_it_gives_the_largest_value():
    model = calcgraph.load(fixture("solve_grid_rules.yaml"))
    result = model.evaluated.solver.details("middle", dict(model.evaluated.values))
    assert (result.value, result.direction) == (10.0, "largest")
    assert result.notes == ("the constraints also fail below x = 2.7384; this is the largest value",)


def test_an_equation_counts_the_points_of_its_own_checks_as_its_evaluations(model):
    # once: the equation's 2 evaluations at its checks were counted, their 2 points were not
    equation = solve_for(model.evaluated, "batch", ["total_memory == hbm_capacity"])
    inequality = solve_for(model.evaluated, "batch", [MEMORY])
    assert equation.shown == pytest.approx(inequality.shown)
    assert equation.points - inequality.points == equation.evaluations - inequality.evaluations > 0
