"""The design card in the API: Model.expr, Model.unit (a pint Unit) and Model.to_networkx with node attributes."""

from __future__ import annotations

import math

import networkx as nx
import pint
import pytest
import sympy
from conftest import fixture

import calcgraph
from calcgraph.core.units import ureg
from calcgraph.errors import UnknownNameError


@pytest.fixture(scope="module")
def model():
    return calcgraph.load()


def test_expr_is_the_formula_in_its_direct_inputs(model):
    expr = model.expr("kv_per_token")
    assert isinstance(expr, sympy.Expr)
    assert {str(s) for s in expr.free_symbols} == set(model.graph.pred["kv_per_token"])
    values = {s: model.raw[str(s)] for s in expr.free_symbols}
    assert float(expr.subs(values)) == model.raw["kv_per_token"] == 163840


def test_expr_of_an_input_is_its_symbol_and_of_a_pinned_value_too(model):
    assert model.expr("batch") == sympy.Symbol("batch", real=True)
    pinned = model.set(kv_per_token="160000 B/token")
    assert pinned.expr("kv_per_token") == sympy.Symbol("kv_per_token", real=True)


def test_expr_of_a_solve_node_is_its_closed_form_or_none_without_answer(model):
    closed = ("floor((-draft_param_bytes - param_bytes + usable_hbm)/"
              "(draft_kv_elements*kv_bytes*seq_len + kv_per_token_stored*kv_tokens_allocated))")
    assert str(model.expr("max_batch")) == closed
    assert calcgraph.load(fixture("solve_not_monotone.yaml")).expr("top") is None


def test_unit_is_a_pint_unit_of_calcgraphs_registry(model):
    unit = model.unit("hbm_bandwidth")
    assert isinstance(unit, pint.Unit)
    assert (1 * unit).to(ureg.Unit("GB/s/chip")).magnitude == pytest.approx(1e-9, rel=1e-15)
    assert model.unit("t_step") == ureg.Unit("s")


def test_unknown_names_are_named(model):
    with pytest.raises(UnknownNameError, match="t_stpe"):
        model.expr("t_stpe")
    with pytest.raises(UnknownNameError):
        model.unit("t_stpe")


def test_to_networkx_has_an_edge_from_each_input_to_the_quantity_and_every_attribute(model):
    card = model.to_networkx()
    assert isinstance(card, nx.DiGraph) and nx.is_directed_acyclic_graph(card)
    assert list(card.nodes) == model.names()
    assert set(card.edges) == {(p, n) for n, parents in model.graph.pred.items() for p in parents}
    for name, node in card.nodes(data=True):
        assert set(node) == {"expr", "unit", "value", "state", "doc", "source", "where"}, name
        assert node["state"] is model.state(name) and node["doc"] == model.graph[name].doc
        assert node["value"] == model.value(name) or (math.isnan(node["value"]) and math.isnan(model.value(name)))
    t_step = card.nodes["t_step"]
    assert t_step["unit"] == ureg.Unit("s") and t_step["value"] == model.value("t_step", "s")
    assert t_step["where"] == str(model.graph["t_step"].where) and "formulas/roofline.yaml:" in t_step["where"]


def test_to_networkx_is_a_copy_that_changes_nothing(model):
    card = model.to_networkx()
    card.remove_node("t_step")
    card.nodes["batch"]["value"] = 1.0
    assert "t_step" in model.to_networkx() and model.to_networkx().nodes["batch"]["value"] == 32
