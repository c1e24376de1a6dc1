"""A whole bound graph as generated numpy code: the sweep half of the compiled graph cache.

``grid_code(scenario)`` writes, with ``calcgraph.core.codegen``'s ``source``,
two functions over numpy arrays whose helpers (``calcgraph.core.arraynumeric``)
are ``evaluate.compile_node``'s numpy semantics:

- ``_grid(v..., w...)`` takes every bound quantity in declaration order (a
  float, or an axis as the broadcasting view ``engine.grid.iter_blocks`` gives
  ``evaluate``) and, for each computed quantity in evaluation order, a flag
  ``w<i>``: computed only when a requested column needs it, as ``evaluate``
  computes only the plan of the names it is given. It returns every value in
  declaration order, each kept as ``evaluate`` keeps it. An integer solve node
  reads its inputs in their broadcasting shapes (as ``solve_grid`` does) and
  takes a guess from its constraints' slack at two whole values, verified at
  every point; where one does not verify (or the node is not an integer
  inequality solve: ``_refused()``) the code refuses and the sweep runs the
  normal way. Nothing here needs sympy.
- ``_checks(v...)`` takes the flat block values of what the declared checks
  use and returns both sides of every check (``engine.checks.failed_mask``).

Nothing of a YAML file is written into the code: quantities are locals
``v<index>``, numbers ``repr``s of floats, the rest helpers named above.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.bind import Scenario
from ..core.codegen import Unsupported, literal, source
from ..core.constraints import constant_values
from .problem import bounds
from .solve_nodes import NodeSolver

FUNCTIONS = ("_grid", "_checks")


@dataclass(frozen=True)
class GridCode:
    """The generated source and what its arguments and results are."""

    source: str
    arguments: tuple[str, ...]    # bound quantities, in declaration order (then one flag per computed one)
    computed: tuple[str, ...]     # computed quantities, in evaluation order: the flags w<i>
    names: tuple[str, ...]        # what _grid returns, in declaration order
    ops: dict                     # "_ops_v<i>" -> the comparison operators of a solve node
    check_names: tuple[str, ...]  # what _checks takes
    check_ops: tuple[str, ...]    # each declared check's operator


def _solve_lines(solver: NodeSolver, name: str, var: str, local: dict, ops: dict) -> list[str]:
    """A nested function solving the integer solve node ``name`` over the block by a verified guess."""
    graph = solver.scenario.graph
    problem = solver.problem(name)
    spec = problem.spec
    if not spec.integer or any(c.op == "==" for c in spec.constraints):
        raise Unsupported(f"{name}: only integer inequality solves are compiled")
    for node in problem.plan:
        if graph[node].solve is not None:
            raise Unsupported(f"{name}: a solve node inside a solve")
    inner = dict(local)  # what the solve reads, in its broadcasting shape (as solve_grid)
    inner[spec.for_name] = "x"
    for c in spec.constraints:
        for constant, value in constant_values(c).items():
            inner[constant] = literal(value)
    body = []
    for node in problem.plan:
        target = inner[node] = f"{var}_{len(body)}"
        body.append(f"            {target} = {source(graph[node].formula.node, inner)}")
    sides = "".join(f"({source(c.comparison.lhs.node, inner)}, {source(c.comparison.rhs.node, inner)}), "
                    for c in spec.constraints)
    low, high = bounds(problem, {})  # an integer unknown's bracket reads no values
    factor = problem.target.unit.factor
    ops[f"_ops_{var}"] = [c.op for c in spec.constraints]
    return [f"    def _solve_{var}():", f"        def _sides_{var}(x):", *body, f"            return ({sides})",
            f"        return _solve_integer(_ops_{var}, _sides_{var}, {literal(low)}, {literal(high)}, "
            f"{literal(factor)}, _s)"]


def grid_code(scenario: Scenario) -> GridCode:
    """Generate the grid functions of ``scenario``. Raises Unsupported when a node cannot be compiled.

    >>> from calcgraph.core.bind import bind
    >>> from calcgraph.core.spec import load_spec
    >>> code = grid_code(bind(load_spec()))
    >>> code.source.startswith("def _grid(v0, "), "max_batch" in code.computed
    (True, True)
    """
    graph = scenario.graph
    arguments = tuple(n for n in graph.quantities if n in scenario.bound)
    local = {n: f"v{i}" for i, n in enumerate(arguments)}
    solver = NodeSolver(scenario)
    lines = [f"    _s = _shape({', '.join(local[n] for n in arguments)})"]
    computed: list[str] = []
    ops: dict = {}
    for name in graph.order:
        if name in local:
            continue
        flag = f"w{len(computed)}"
        computed.append(name)
        quantity = graph[name]
        if quantity.solve is None:
            missing = [n for n in quantity.formula.names if n not in local]
            if missing:
                raise Unsupported(f"{name}: no value for {missing[0]}")
            expr = source(quantity.formula.node, local)
            inputs = "".join(f", {local[n]}" for n in quantity.formula.names)
            var = local[name] = f"v{len(local)}"
            lines.append(f"    {var} = _node({expr}{inputs}) if {flag} else _nan")
        else:
            var = f"v{len(local)}"
            try:
                lines.extend(_solve_lines(solver, name, var, local, ops))
                lines.append(f"    {var} = _node(_solve_{var}()) if {flag} else _nan")
            except Unsupported:  # sweeps that need it go the normal way; the others may still be answered
                lines.append(f"    {var} = _refused() if {flag} else _nan")
            local[name] = var
    names = tuple(graph.quantities)
    head = f"def _grid({', '.join([*(local[n] for n in arguments), *(f'w{i}' for i in range(len(computed)))])}):"
    grid = [head, *lines, f"    return ({''.join(local[n] + ', ' for n in names)})", ""]
    check_names = tuple(dict.fromkeys(n for c, _ in graph.checks for n in c.names))
    sides = []
    for constraint, _ in graph.checks:
        inner = dict(local)
        for constant, value in constant_values(constraint).items():
            inner[constant] = literal(value)
        sides.append(f"({source(constraint.comparison.lhs.node, inner)}, "
                     f"{source(constraint.comparison.rhs.node, inner)}), ")
    checks = [f"def _checks({', '.join(local[n] for n in check_names)}):", f"    return ({''.join(sides)})", ""]
    return GridCode(source="\n".join(grid + checks), arguments=arguments, computed=tuple(computed), names=names,
                    ops=ops, check_names=check_names, check_ops=tuple(c.op for c, _ in graph.checks))
