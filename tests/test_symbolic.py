"""Closed forms and elasticities of calcgraph/symbolic.py."""

from __future__ import annotations

import pytest
from conftest import DEFAULT

import calcgraph
from calcgraph.engine.symbolic import (
    KINK,
    NUMERIC,
    ROUNDING,
    SOLVED,
    closed_form,
    elasticities,
    numeric_elasticities,
)
from calcgraph.render.report.sections import inputs_form
from calcgraph.render.text import symbolic_table


@pytest.fixture(scope="module")
def model():
    return calcgraph.load(DEFAULT)


def test_weight_load_time_scales_with_parameters_and_inversely_with_chips(model):
    e = elasticities(model.evaluated, "t_param_load")
    assert e.get("n_params") == pytest.approx(1, abs=1e-12)
    assert e.get("chips") == pytest.approx(-1, abs=1e-12)
    assert e.get("hbm_bandwidth") == pytest.approx(-1, abs=1e-12)
    assert e.get("batch") == 0 and e.notes == ()


def test_step_time_follows_the_weights_and_kv_shares_on_the_active_branch(model):
    e = elasticities(model.evaluated, "t_step")
    share = 70e9 / (70e9 + 163840 * 8192 * 32)  # weights' share of the bytes read per step
    assert e.get("n_params") == pytest.approx(share, rel=1e-9)
    assert e.get("batch") == pytest.approx(1 - share, rel=1e-9)
    assert e.get("flops_per_chip_bf16") == 0  # t_flops is the inactive branch of max() at batch 32
    assert any(kind == KINK and "active branch t_param_load" in text for kind, text in e.notes)


def test_per_chip_throughput_does_not_depend_on_the_chip_count_when_bandwidth_bound(model):
    assert elasticities(model.evaluated, "throughput_per_chip").get("chips") == pytest.approx(0, abs=1e-12)


def test_min_chips_is_differentiated_as_its_unrounded_argument(model):
    e = elasticities(model.evaluated, "min_chips")
    assert e.get("hbm_per_chip") == pytest.approx(-1)
    assert (ROUNDING, "min_chips: ceil((activation_bytes + total_memory)/(hbm_per_chip*hbm_usable_fraction"
                      " - runtime_reserve_per_chip)) treated as its argument") in e.notes


def test_max_batch_elasticity_comes_from_the_binding_memory_constraint(model):
    e = elasticities(model.evaluated, "max_batch")
    # B* = (chips * hbm - P * w) / (kv * S): d ln B* / d ln chips = chips * hbm / (chips * hbm - P * w)
    assert e.get("chips") == pytest.approx(128e9 / (128e9 - 70e9), rel=1e-2)
    assert e.get("seq_len") == pytest.approx(-1, rel=1e-2)
    assert e.get("batch") == 0
    assert any(kind == SOLVED for kind, _ in e.notes)


def test_closed_form_substitutes_intermediate_formulas(model):
    assert str(closed_form(model.evaluated, "param_bytes")) == "n_params*weight_bytes"
    free = {s.name for s in closed_form(model.evaluated, "t_kv_load").free_symbols}
    assert {"batch", "seq_len", "layers", "n_kv_heads", "chips", "hbm_bandwidth"} <= free
    assert "kv_cache_bytes" not in free


def test_pinned_quantities_stay_symbols_in_closed_forms():
    pinned = calcgraph.load(DEFAULT, set={"t_step": "17 ms"})
    assert str(closed_form(pinned.evaluated, "throughput")) == "batch*decode_tokens/t_step"
    assert elasticities(pinned.evaluated, "throughput").get("t_step") == pytest.approx(-1)


# --- the symbolic budget and deep chains -------------------------------------------

def _chain(tmp_path, count: int, formula: str):
    lines = ["quantities:", "  q0: {unit: '1', doc: d, value: 2}"]
    lines += [f"  q{i}: {{unit: '1', doc: d, formula: '{formula.format(p=f'q{i - 1}')}'}}" for i in range(1, count)]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    return calcgraph.load(str(path))


def test_a_600_deep_chain_has_its_closed_form_without_recursion(tmp_path):
    ev = _chain(tmp_path, 600, "{p} + 1").evaluated
    assert str(closed_form(ev, "q599")) == "q0 + 599"
    assert "q599 = q0 + 599" in symbolic_table(ev)


def test_a_closed_form_past_the_budget_is_a_note_and_its_latex_is_left_out(tmp_path):
    ev = _chain(tmp_path, 41, "{p}*{p}/({p}+1) + {p}/2").evaluated
    assert "q40 = (closed form too large: more than" in symbolic_table(ev)
    assert inputs_form(ev, "q40") is None


def test_elasticities_past_the_budget_are_taken_numerically_and_agree_with_the_symbolic_ones(tmp_path):
    ev = _chain(tmp_path, 41, "{p}*{p}/({p}+1) + {p}/2").evaluated
    exact = elasticities(ev, "q2")
    assert exact.notes == ()
    assert numeric_elasticities(ev, "q2").get("q0") == pytest.approx(exact.get("q0"), rel=1e-8)
    far = elasticities(ev, "q40")
    assert far.notes[0][0] == NUMERIC and far.get("q0") == pytest.approx(2.8764, rel=1e-4)


NESTED = """quantities:
  p: {unit: '1', doc: d, value: 2}
  q: {unit: '1', doc: d, value: 5}
  a: {unit: '1', doc: d, value: 1}
  b: {unit: '1', doc: d, value: 1}
  ma: {unit: '1', doc: d, formula: a * a}
  s1: {unit: '1', doc: d, solve: {for: a, where: ['ma <= INNER'], bounds: [0.001, 1000]}}
  mb: {unit: '1', doc: d, formula: 2 * b}
  s2: {unit: '1', doc: d, solve: {for: b, where: ['mb <= s1 + q'], bounds: [0.001, 1000]}}
  y: {unit: '1', doc: d, formula: s2 * q}
"""


@pytest.mark.parametrize("inner, kind", [("3 * p", SOLVED), ("3 * p * b", NUMERIC)])
def test_a_solve_node_in_a_binding_constraint_is_followed_to_its_inputs(tmp_path, inner, kind):
    # s2's constraint reads the solve node s1: s2 moves with p through s1 (once taken as an input itself); when
    # s1 moves with s2's unknown b too, the graph gives the elasticity (s1's closed form holds b at its input)
    path = tmp_path / "nested.yaml"
    path.write_text(NESTED.replace("INNER", inner))
    ev = calcgraph.load(str(path)).evaluated
    for name in ("s2", "y"):
        e, numeric = elasticities(ev, name), numeric_elasticities(ev, name)
        assert e.get("s1") == 0 and e.notes[0][0] == kind
        for x in ("p", "q"):
            assert e.get(x) == pytest.approx(numeric.get(x), rel=1e-6)
