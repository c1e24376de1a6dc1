from dataclasses import replace

import pytest
from conftest import fixture

import calcgraph
from calcgraph.core.bind import bind
from calcgraph.core.graph import build_graph
from calcgraph.core.spec.load import load_spec
from calcgraph.errors import CycleError, UnitMismatchError, UnknownNameError, ValidationError


def test_order_follows_declaration_and_dependencies():
    graph = build_graph(load_spec(fixture("tiny.yaml")).quantities)
    assert graph.order == ("chips", "hbm_per_chip", "hbm_capacity", "need", "min_chips")


def test_inputs_of_a_result():
    graph = build_graph(load_spec(fixture("tiny.yaml")).quantities)
    assert graph.inputs_of("hbm_capacity") == ["chips", "hbm_per_chip"]


def test_cycle_names_every_member_with_its_line():
    with pytest.raises(CycleError) as info:
        build_graph(load_spec(fixture("cycle.yaml")).quantities)
    message = str(info.value)
    assert "a -> b -> a" in message and "cycle.yaml:2" in message and "cycle.yaml:3" in message


def test_unknown_name_suggests_the_close_one():
    with pytest.raises(UnknownNameError, match="did you mean 'hbm_per_chip'"):
        build_graph(load_spec(fixture("unknown_name.yaml")).quantities)


def test_unit_mismatch_names_quantity_line_and_both_dimensions():
    with pytest.raises(UnitMismatchError) as info:
        build_graph(load_spec(fixture("unit_mismatch.yaml")).quantities)
    error = info.value
    assert isinstance(error, TypeError)
    assert error.quantity == "kv_cache_bytes"
    assert error.expected == "[information]" and error.got == "[information] / [sequence]"
    assert str(error.where) == f"{error.where.file}:7"


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text("quantities:\n"
                    "  a: {unit: B, doc: a, formula: b + 1}\n"
                    "  c: {unit: s, doc: c, formula: nothere}\n"
                    "  d: {unit: B, doc: d, formula: e}\n"
                    "  e: {unit: B, doc: e, formula: d}\n")
    with pytest.raises(ValidationError) as info:
        build_graph(load_spec(path).quantities)
    kinds = sorted(type(p).__name__ for p in info.value.problems)
    assert kinds == ["CycleError", "UnknownNameError", "UnknownNameError"]


# ---------------------------------------------------------------- a pin cuts its formula's edges

PIN = fixture("pin-breaks-cycle.yaml")


def test_a_pin_breaks_the_cycle_chips_tp_degree_chips():
    model = calcgraph.load(PIN)
    graph = model.graph
    assert model.scenario.pinned == ["tp_degree"]
    assert not graph.dag.has_edge("chips", "tp_degree")  # the pinned formula adds no edge
    assert graph.ancestors("tp_degree") == [] and graph.ancestors("chips") == ["one_chip", "pp_degree",
                                                                                "tp_degree"]
    assert graph.order.index("tp_degree") < graph.order.index("chips")
    assert str(graph["tp_degree"].formula.text) == "chips / (pp_degree * one_chip)"  # kept for display
    assert model.value("chips") == 8 and model.value("hbm", "GB") == 640


def test_without_the_pin_the_cycle_is_reported_with_its_lines():
    spec = load_spec(PIN)
    unpinned = replace(spec, sets=tuple(e for e in spec.sets if e.name != "tp_degree"))
    with pytest.raises(CycleError) as info:
        bind(unpinned)
    message = str(info.value)
    assert "chips -> tp_degree -> chips" in message or "tp_degree -> chips -> tp_degree" in message
    assert "pin-breaks-cycle.yaml:6" in message and "pin-breaks-cycle.yaml:11" in message


def test_evaluation_order_takes_the_earliest_declared_ready_quantity_as_networkx_does():
    import networkx as nx

    from calcgraph.core.bind import bind
    from calcgraph.core.spec.load import default_paths, load_spec
    for path in default_paths():
        graph = bind(load_spec(path)).graph
        index = {name: i for i, name in enumerate(graph.quantities)}
        assert graph.order == tuple(nx.lexicographical_topological_sort(graph.dag, key=index.__getitem__)), path
        some = graph.order[len(graph.order) // 2]
        assert graph.downstream(some) == frozenset(nx.descendants(graph.dag, some))
