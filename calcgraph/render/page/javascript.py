"""The graph's formulas -> JavaScript by ``pysource.emit``: the same doubles, in ``evaluate``'s order, ``ceil``/
``floor`` snapped, ``max``/``min``/``ceil_to`` with numpy's NaN meaning; names read from the object ``v``."""

from __future__ import annotations

import math
import re

from calcgraph.core.constraints import describe_constant
from calcgraph.core.formula.pysource import emit
from calcgraph.engine.solve.problem import solve_plan

_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _number(value: float) -> str:
    value = float(value)
    text = {math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN" if value != value else repr(value))
    return f"({text})" if math.copysign(1.0, value) < 0 else text  # -0.0 too: x - -0.0 is not x--0.0


JAVASCRIPT = {"language": "JavaScript", "num": _number, "sorted": False, "neg": "(-{0})",
              **{op: f"({{0}}{op}{{1}})" for op in "+-*/"},
              "sqrt": "Math.sqrt({0})", "pow": "Math.pow({0}, {1})", "ipow": "Math.pow({0}, {1})",
              "1/ipow": "(1.0/Math.pow({0}, {1}))", "ceil": "Math.ceil(cg.snap({0}))",
              "floor": "Math.floor(cg.snap({0}))", "ceil_to": "cg.ceilTo({0}, [{1}])",
              "log2": "(Math.log({0})/Math.log(2.0))", "erlang_c": "cg.erlangC({0}, {1})",
              **{f: f"Math.{f}({{args}})" for f in ("max", "min", "log", "exp", "abs")}}


def _name(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a quantity name: {name!r}")
    return f"v.{name}"


def js_expr(node: tuple) -> str:
    """One light tree as a JavaScript expression over ``v`` (base units).

    >>> from calcgraph.core.formula.parse import parse_formula
    >>> js_expr(parse_formula("ceil(7 * s / 3)").node)
    'Math.ceil(cg.snap(((7.0*v.s)/3.0)))'
    """
    return emit(node, JAVASCRIPT, _name)


def js_function(node: tuple) -> str:
    """``function (v) { return ...; }`` computing a light tree."""
    return f"function (v) {{ return {js_expr(node)}; }}"


def _sides(constraint) -> str:
    return f"[{js_function(constraint.comparison.lhs.node)}, {js_function(constraint.comparison.rhs.node)}]"


def constraint_data(graph, c) -> dict:
    """A constraint as page data (``unit_of``: the first name in the constraint's unit)."""
    unit_of = next((n for n in c.names if graph[n].unit.dim == c.dim), None)
    return {"text": c.text, "op": c.op, "unit_of": unit_of, "lhs": c.comparison.lhs.text,
            "rhs": c.comparison.rhs.text, "constants": {n: v for n, v, _ in c.constants},
            "shown": {n: describe_constant(v, u) for n, v, u in c.constants}}


def solve_data(graph, spec, bound=()) -> tuple[dict, list[str]]:
    """A solve spec as page data, and the JavaScript of its constraints' sides (in order)."""
    bounds = list(spec.bounds) if spec.bounds is not None else None
    data = {"for": spec.for_name, "factor": graph[spec.for_name].unit.factor, "integer": bool(spec.integer),
            "bounds": bounds, "constraints": [constraint_data(graph, c) for c in spec.constraints],
            "plan": solve_plan(graph, spec, bound), "where": str(spec.where)}
    return data, [_sides(c) for c in spec.constraints]


def formulas_script(graph, checks: list) -> str:
    """The JavaScript defining CG_FORMULAS, CG_SIDES (solves) and CG_CHECKS (constraint sides)."""
    lines = ["var CG_FORMULAS = Object.create(null);", "var CG_SIDES = Object.create(null);"]
    for name in graph.order:
        quantity = graph[name]
        if quantity.formula is not None:
            lines.append(f"CG_FORMULAS.{name} = {js_function(quantity.formula.node)};")
        elif quantity.solve is not None:
            _, sides = solve_data(graph, quantity.solve)
            lines.append(f"CG_SIDES.{name} = [{', '.join(sides)}];")
    lines.append("var CG_CHECKS = [" + ", ".join(map(_sides, checks)) + "];")
    return "\n".join(lines) + "\n"
