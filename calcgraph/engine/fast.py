"""Chosen outputs as a function of chosen inputs, compiled once into one float function (integer solves by a
remembered, verified guess); whatever it cannot settle, and arrays, go through ``evaluate`` and the solver."""

from __future__ import annotations

import math
import re
from operator import truediv

import numpy as np

from calcgraph.core.bind import Scenario
from calcgraph.core.constraints import constant_values
from calcgraph.core.evaluate import evaluate
from calcgraph.core.formula.floats import Refused as _Refused
from calcgraph.core.formula.floats import build, numpy_helpers
from calcgraph.core.formula.pysource import Unsupported, literal, source
from calcgraph.core.names import suggest
from calcgraph.engine.solve.nodes import NodeSolver
from calcgraph.engine.solve.problem import bounds, scan_points
from calcgraph.errors import SetValueError, UnknownNameError


class Evaluator:
    """``outputs`` of a scenario as a function of ``inputs`` (declared units both ways), compiled once.

    >>> import calcgraph
    >>> model = calcgraph.load()
    >>> step = model.evaluator(["t_step", "max_batch"], ["batch", "seq_len"])
    >>> [round(v, 6) for v in step(64, 8192)]
    [0.024059, 43.0]
    """

    def __init__(self, scenario: Scenario, outputs, inputs) -> None:
        graph = scenario.graph
        self.scenario, self.outputs, self.inputs = scenario, tuple(outputs), tuple(inputs)
        for name in self.outputs + self.inputs:
            if name not in graph:
                raise UnknownNameError(f"unknown quantity {name!r}", hint=suggest(name, graph.quantities), name=name)
        if len(set(self.inputs)) != len(self.inputs):
            raise SetValueError("an input is named twice", where="evaluator()")
        self._in = tuple(graph[n].unit.factor for n in self.inputs)
        self._out = tuple(graph[n].unit.factor for n in self.outputs)
        self._solver = NodeSolver(scenario)
        try:
            self._fast = self._generate()
        except Unsupported:
            self._fast = None

    def _generate(self):
        """The generated function: inputs in base units -> (outputs, check sum) in base units."""
        scenario, graph = self.scenario, self.scenario.graph
        plan = graph.plan(self.outputs)
        local = {n: f"v{i}" for i, n in enumerate(self.inputs)}
        for name, bound in scenario.bound.items():
            if name not in local and name in plan:
                local[name] = literal(bound.value, unknown=True)
        unknown = {n for n, text in local.items() if text == "_nan"}
        lines, computed, namespace = [], [], {}
        for name in plan:
            if name in local:
                continue
            var = local[name] = f"v{len(local)}"
            quantity = graph[name]
            if quantity.solve is None:
                lines.append(f"    {var} = {source(quantity.formula.node, local)}")
            else:
                lines.extend(self._solve_lines(name, var, local, namespace))
            if quantity.solve is not None or unknown & graph.needed((name,)):
                unknown.add(name)  # a solve node without an answer is NaN by right, and so is what reads it
                var = f"_known({var})"  # NaN by right: only an infinity fails the check
            computed.append(var)
        arguments = ", ".join(f"v{i}" for i in range(len(self.inputs)))
        results = "".join(f"{local[n]}, " for n in self.outputs)
        check = f"sum(({''.join(v + ', ' for v in computed)}))" if computed else "0.0"
        text = "\n".join([f"def _plan({arguments}):", *lines, f"    return ({results}), {check}", ""])
        return build(text, "_plan", {**numpy_helpers(), **namespace, "sum": sum})  # log, exp, pow as evaluate has them

    def _solve_lines(self, name: str, var: str, local: dict, namespace: dict) -> list[str]:
        """Lines solving the integer solve node ``name`` into ``var`` by a verified guess (numeric.solve_integer)."""
        problem = self._solver.problem(name)
        spec = problem.spec
        if not spec.integer or any(c.op == "==" for c in spec.constraints):
            raise Unsupported(f"{name}: only integer inequality solves are compiled")
        low, high = bounds(problem, {})  # an integer unknown's bracket reads no values
        inner = dict(local)
        unknown = inner[spec.for_name] = "x"
        inner.update({k: literal(v) for c in spec.constraints for k, v in constant_values(c).items()})
        body = []
        for node in problem.plan:
            if self.scenario.graph[node].solve is not None:
                raise Unsupported(f"{name}: a solve node inside a solve")
            target = inner[node] = f"{var}_{len(body)}"  # one name per plan node (len(inner) repeats when
            # a plan node is also computed outside the solve)
            body.append(f"        {target} = {source(self.scenario.graph[node].formula.node, inner)}")
        sides = ", ".join(f"({source(c.comparison.lhs.node, inner)}, {source(c.comparison.rhs.node, inner)})"
                          for c in spec.constraints)
        namespace[f"_ops_{var}"] = tuple(c.op for c in spec.constraints)
        factor = literal(problem.target.unit.factor)
        namespace[f"_scan_{var}"] = tuple(float(p) for p in scan_points(low, high, True))
        namespace[f"_memo_{var}"] = {}
        reads = sorted(set(re.findall(r"\bv\d+\b", "\n".join(body) + sides)))  # the values the sides read
        key = "(" + "".join(f"{v}, " for v in reads) + ")"
        return [f"    def _sides_{var}({unknown}):", *body, f"        return ({sides},)",
                f"    {var} = _solve_integer_memo(_memo_{var}, {key}, _ops_{var}, _sides_{var}, {low!r}, {high!r}, "
                f"{factor}, _scan_{var})"]

    def __call__(self, *values):
        """The outputs (declared units) at these input values (declared units; scalars or numpy arrays)."""
        if len(values) != len(self.inputs):
            raise SetValueError(f"give {len(self.inputs)} values ({', '.join(self.inputs)}), not {len(values)}",
                                where="evaluator()")
        if self._fast is not None and not any(isinstance(v, np.ndarray) for v in values):
            try:  # plain floats: no numpy in this path
                results, check = self._fast(*[float(v) * f for v, f in zip(values, self._in, strict=True)])
                if math.isfinite(check):
                    return list(map(truediv, results, self._out))
            except (ArithmeticError, ValueError, _Refused):
                pass
        return self.exact(*values)

    def exact(self, *values):
        """The same outputs by ``evaluate`` and the engine's solver (what ``Model.set(...).value`` computes)."""
        overrides = {n: np.asarray(v, dtype=float) * f if isinstance(v, np.ndarray) else float(v) * f
                     for n, v, f in zip(self.inputs, values, self._in, strict=True)}
        env = evaluate(self.scenario, overrides=overrides, names=self.outputs, solver=self._solver)
        results = [env[n] / f for n, f in zip(self.outputs, self._out, strict=True)]
        return [float(r) if np.ndim(r) == 0 else r for r in results]
