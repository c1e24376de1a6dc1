"""A whole bound graph as one generated float function: the numeric half of the compiled graph cache.

``graph_code(scenario)`` writes, with ``calcgraph.core.codegen``, one function
over Python floats from the checked graph: its arguments are the base-unit
values of every bound quantity (inputs, pinned results), it returns every
quantity's base-unit value in declaration order and both sides of every
declared check. Integer solve nodes use the verified closed form of the fast
evaluator. Each computed quantity also takes a pin argument ``q<i>``: a number
replaces its formula (a pinned result), NaN leaves it computed. Nothing of a
YAML file is written into the code: quantities are positional locals
``v<index>``, numbers ``repr``s of floats, the rest helpers of
``calcgraph.core.numeric``. It runs without sympy, numpy, pint or networkx.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.bind import Scenario
from ..core.codegen import Unsupported, literal, source
from ..core.constraints import constant_values
from .fast import Evaluator

FUNCTION = "_graph"


@dataclass(frozen=True)
class GraphCode:
    """The generated source, the names of its arguments and the constant data its solve nodes need."""

    source: str
    arguments: tuple[str, ...]     # bound quantities, in declaration order
    names: tuple[str, ...]         # what it returns, in declaration order
    ops: dict                      # "_ops_v<i>" -> the comparison operators of a solve node
    depends: dict                  # computed quantity -> the quantities its formula (or solve) reads
    pinnable: tuple[str, ...] = ()  # computed quantities, in the order of their pin arguments q<i>
    guard: tuple[str, ...] = ()     # quantities a pin of which changes how a solve node solves


def graph_code(scenario: Scenario) -> GraphCode:
    """Generate the whole-graph function of ``scenario``. Raises Unsupported when a node cannot be compiled.

    >>> from calcgraph.core.bind import bind
    >>> from calcgraph.core.spec import load_spec
    >>> code = graph_code(bind(load_spec()))
    >>> code.source.startswith("def _graph(v0, "), "batch" in code.source
    (True, False)
    """
    graph = scenario.graph
    arguments = tuple(n for n in graph.quantities if n in scenario.bound)
    local = {n: f"v{i}" for i, n in enumerate(arguments)}
    helper = Evaluator(scenario, [], [])  # its solver and the solve-node lines of the fast evaluator
    lines: list[str] = []
    namespace: dict = {}
    pinnable, guard = [], set()
    for name in graph.order:
        if name in local:
            continue
        var = local[name] = f"v{len(local)}"
        pin = f"q{len(pinnable)}"  # a pinned value (NaN: not pinned, the formula computes it)
        pinnable.append(name)
        quantity = graph[name]
        if quantity.solve is None:
            lines.append(f"    {var} = {pin} if {pin} == {pin} else {source(quantity.formula.node, local)}")
        else:
            solve = helper._solve_lines(name, var, local, namespace)  # noqa: SLF001 - one generator
            head = f"    {var} = "
            lines.extend([*solve[:-1], head + f"{pin} if {pin} == {pin} else " + solve[-1][len(head):]])
            spec = quantity.solve
            guard |= {spec.for_name, *helper._solver.problem(name).plan}  # noqa: SLF001 - a pin here moves the solve
    sides = []
    for constraint, _ in graph.checks:
        inner = dict(local)
        for constant, value in constant_values(constraint).items():
            inner[constant] = literal(value)
        sides.append(f"({source(constraint.comparison.lhs.node, inner)}, "
                     f"{source(constraint.comparison.rhs.node, inner)})")
    names = tuple(graph.quantities)
    returned = "".join(f"{local[n]}, " for n in names)
    checks = "".join(f"{s}, " for s in sides)
    head = f"def {FUNCTION}({', '.join([*(local[n] for n in arguments), *(f'q{i}' for i in range(len(pinnable)))])}):"
    text = "\n".join([head, *lines, f"    return ({returned}), ({checks})", ""])
    ops = {key: list(value) for key, value in namespace.items() if key.startswith("_ops_")}
    if set(namespace) - set(ops):
        raise Unsupported(f"unexpected names in the generated namespace: {sorted(set(namespace) - set(ops))}")
    depends = {n: sorted(graph.pred[n]) for n in names if n not in scenario.bound}
    return GraphCode(source=text, arguments=arguments, names=names, ops=ops, depends=depends,
                     pinnable=tuple(pinnable), guard=tuple(sorted(guard)))
