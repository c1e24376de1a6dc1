"""Missing inputs, binding, checks and evaluation walk a graph once: a long chain costs what its length says."""

from __future__ import annotations

import math

import pytest

import calcgraph
from calcgraph.core import graph as graph_module

LENGTH = 5000


def chain(tmp_path, length: int = LENGTH, missing: bool = False) -> str:
    """A module of ``length`` quantities, each the previous one plus the first (q_0 = 1 B)."""
    first = "{unit: B, doc: bytes}" if missing else "{unit: B, doc: bytes, value: '1 B'}"
    lines = ["title: chain", "doc: a chain of sums", "quantities:", f"  q_0: {first}"]
    lines += [f"  q_{i}: {{unit: B, doc: bytes, formula: 'q_{i - 1} + q_0'}}" for i in range(1, length)]
    path = tmp_path / "chain.yaml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.fixture
def walks(monkeypatch):
    """How many graph walks (``graph._reach``) run, and how many names they visit in all."""
    counted = {"walks": 0, "visited": 0}
    reach = graph_module._reach

    def counting(edges, start):
        found = reach(edges, start)
        counted["walks"] += 1
        counted["visited"] += len(found)
        return found
    monkeypatch.setattr(graph_module, "_reach", counting)
    return counted


def test_a_5000_quantity_chain_evaluates_to_5000_bytes_at_its_end(tmp_path):
    model = calcgraph.load(chain(tmp_path))
    assert model.value(f"q_{LENGTH - 1}", "B") == LENGTH


def test_requiring_every_output_of_a_chain_is_one_walk(tmp_path, walks):
    model = calcgraph.load(chain(tmp_path))
    walks["walks"] = walks["visited"] = 0
    model.scenario.require(list(model.graph.quantities))
    assert walks["walks"] <= 1 and walks["visited"] <= LENGTH  # was one walk per quantity: 12.5 million visits


def test_eval_of_a_chain_visits_each_quantity_a_few_times(tmp_path, walks, run):
    status, out, err = run("eval", chain(tmp_path), "--all", "--set", "q_0=2 B")
    assert status == 0 and f"q_{LENGTH - 1}" in out
    assert walks["visited"] <= 4 * LENGTH, walks


def test_a_missing_input_of_a_chain_is_named_once_with_its_users(tmp_path, walks, run):
    status, _, err = run("eval", chain(tmp_path, missing=True))
    assert status == 2 and "1 required input missing" in err
    assert f"needed by q_1, q_2, q_3, q_4, q_5, q_6 and {LENGTH - 7} more" in err
    assert walks["visited"] <= 4 * LENGTH, walks


def test_the_fast_evaluator_reaches_the_end_of_a_chain(tmp_path):
    model = calcgraph.load(chain(tmp_path, 500))
    end = model.evaluator(["q_499"], ["q_0"])
    assert end(3.0) == [1500.0] and math.isfinite(end._fast(3.0)[1])


def test_many_missing_inputs_are_listed_with_one_walk_each(tmp_path, monkeypatch, run):
    lines = ["title: inputs", "doc: many required inputs", "quantities:"]
    lines += [f"  x_{i}: {{unit: B, doc: bytes}}\n  y_{i}: {{unit: B, doc: bytes, formula: 'x_{i} + x_{i}'}}"
              for i in range(1000)]
    (tmp_path / "inputs.yaml").write_text("\n".join(lines) + "\n")
    calls = []
    downstream = graph_module.Graph.downstream
    monkeypatch.setattr(graph_module.Graph, "downstream",
                        lambda self, name: calls.append(name) or downstream(self, name))
    status, _, err = run("eval", str(tmp_path / "inputs.yaml"))
    assert status == 2 and "1000 required inputs missing" in err and "x_999 [B]" in err
    assert "needed by y_999;" in err and len(calls) <= 1000  # was one lookup per quantity per input: 2 million


def test_a_constraint_is_read_without_a_pass_over_every_quantity():
    from calcgraph.core.constraints import constant_values, parse_constraint

    class Quantities(dict):
        passes = 0

        def __iter__(self):
            Quantities.passes += 1
            return super().__iter__()
    graph = calcgraph.load().graph
    quantities = Quantities(graph.quantities, unitconst0=graph["t_step"])  # a placeholder's name is taken
    constraint = parse_constraint("t_step <= 15 ms", quantities)
    assert Quantities.passes == 0  # was one pass per constraint: a module with 2,500 checks made 12.5 million
    assert constant_values(constraint) == {"unitconst_0": 0.015} and constraint.names == ("t_step",)
