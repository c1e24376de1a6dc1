"""``solve_for``: the extreme value of an input of an evaluated scenario at which constraints hold."""

from __future__ import annotations

import numpy as np

from calcgraph.core.constraints import SolveSpec, parse_constraint
from calcgraph.core.names import suggest
from calcgraph.engine.evaluated import Evaluated
from calcgraph.engine.solve.problem import Problem
from calcgraph.engine.solve.scalar import SolveResult, solve_problem
from calcgraph.errors import Argument, SolveError, UnknownNameError


def solve_for(ev: Evaluated, for_name: str, wheres: list[str], integer: bool = False) -> SolveResult:
    """The extreme value of the input ``for_name`` at which every constraint of ``wheres`` holds."""
    graph = ev.graph
    where = Argument("unknown", for_name)
    if for_name not in graph:
        raise UnknownNameError(f"unknown quantity {for_name!r}", where=where,
                               hint=suggest(for_name, graph.quantities), name=for_name)
    quantity = graph[for_name]
    if not quantity.is_input:
        inputs = ", ".join(graph.inputs_of(for_name)[:8])
        raise SolveError(f"{for_name!r} is computed (formula at {quantity.formula_where or quantity.where}), "
                         "not an input", where=where, hint=f"solve for one of the inputs it depends on: {inputs}")
    constraints = tuple(parse_constraint(text, graph.quantities, where=Argument("constraint", text))
                        for text in wheres)
    constraints += input_bounds(ev, for_name)
    spec = SolveSpec(for_name=for_name, constraints=constraints, integer=integer, bounds=None, where=where)
    problem = Problem(ev.scenario, spec, ev.solver)
    return solve_problem(problem, dict(ev.values))


def input_bounds(ev: Evaluated, for_name: str) -> tuple:
    """The module checks that bound the unknown by a known input (``seq_len <= max_context``), as constraints."""
    bounds = []
    for constraint, _message in ev.graph.checks:
        sides = {side.strip() for side in constraint.text.partition(constraint.op)[::2]}
        other = sides - {for_name}
        name = other.pop() if for_name in sides and len(other) == 1 else None
        if name in ev.graph and ev.graph[name].is_input and np.all(np.isfinite(ev.values.get(name, np.nan))):
            bounds.append(constraint)
    return tuple(bounds)

