"""The Python API a notebook user calls: load a scenario, read values, set, re-evaluate, solve.

``Model`` is a facade over the layers below: it binds (core), evaluates once
on first use into an :class:`~calcgraph.engine.evaluated.Evaluated` (engine),
and delegates every view to the renderers. It raises calcgraph errors only.

>>> import calcgraph
>>> model = calcgraph.load()
>>> round(model.value("kv_per_token", "B/token"))
163840
>>> model.set(batch=64).value("batch")
64.0
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pint

from .core.bind import Scenario, bind, parse_set_arg
from .core.graph import Graph, Quantity
from .core.spec import ScenarioSpec, SetEntry, load_spec
from .core.units import to_unit, ureg
from .engine.evaluated import Evaluated, NodeState, evaluate_scenario
from .errors import SetValueError

if TYPE_CHECKING:  # each loads with the method that needs it: a command pays only for what it uses
    import sympy

    from .engine.best import BestResult
    from .engine.fast import Evaluator
    from .engine.solve import SolveResult
    from .render.report import QuantityView

API_ORIGIN = "set()"


def _entries(values: dict) -> list[SetEntry]:
    """Keyword settings (numbers, or "NUMBER UNIT" text) as set entries, checked like ``--set``."""
    entries = []
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise SetValueError(f"{name}: give a number or \"NUMBER UNIT\" text, not {type(value).__name__}",
                                where=f"{API_ORIGIN} {name}", quantity=name)
        text = value if isinstance(value, str) else repr(float(value))
        entries.append(parse_set_arg(f"{name}={text}", origin=API_ORIGIN))
    return entries


class Model:
    """A bound scenario and its values (computed once, on first use)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._evaluated: Evaluated | None = None

    @property
    def evaluated(self) -> Evaluated:
        """Values and node states (evaluated on first use). Raises EvaluationError."""
        if self._evaluated is None:
            self._evaluated = evaluate_scenario(self.scenario)
        return self._evaluated

    @property
    def graph(self) -> Graph:
        """The checked graph."""
        return self.scenario.graph

    @property
    def spec(self) -> ScenarioSpec:
        """What the scenario files say."""
        return self.scenario.spec

    @property
    def raw(self) -> dict:
        """Every value as a plain magnitude in base units (byte, second, FLOP, token, ...)."""
        return dict(self.evaluated.values)

    def __getitem__(self, name: str) -> Quantity:
        return self.evaluated.quantity(name)

    def names(self) -> list[str]:
        """Every quantity name, in declaration order."""
        return list(self.graph.quantities)

    def value(self, name: str, unit: str | None = None) -> float:
        """The value of ``name`` in ``unit`` (default: its declared unit); NaN when unknown.

        Raises UnknownNameError, UnitError or UnitMismatchError.
        """
        return self.evaluated.value(name, unit)

    def state(self, name: str) -> NodeState:
        """How ``name`` got its value: input, formula, pinned, solved, no answer or unknown."""
        return self.evaluated.state(name)

    def quantity(self, name: str) -> pint.Quantity:
        """The value of ``name`` as a pint Quantity in a human display unit."""
        unit = self.display_unit(name)
        return ureg.Quantity(float(to_unit(self.evaluated.values[name], unit)), unit)

    def display_unit(self, name: str) -> pint.Unit:
        """The unit ``name`` is shown in: its ``display`` unit, else a human scale of its unit."""
        return self.evaluated.display_unit(name)

    @property
    def values(self) -> dict:
        """name -> pint Quantity in display units, in declaration order."""
        return {name: self.quantity(name) for name in self.graph.quantities}

    def set(self, **values) -> Model:
        """A new Model with inputs (or pinned results) set: ``model.set(batch=64, seq_len="4096 token/sequence")``.

        Raises SetValueError, UnknownNameError, UnitMismatchError.
        """
        entries = list(self.scenario.entries) + _entries(values)
        return Model(bind(self.spec, self.scenario.variant, entries))

    def evaluator(self, outputs, inputs=()) -> Evaluator:
        """``outputs`` as a function of ``inputs``, compiled once: values in and out in declared units.

        Scalars or numpy arrays; nothing is rebuilt per call, so a scalar configuration costs microseconds.
        Raises UnknownNameError for a name not in the graph.

        >>> import calcgraph
        >>> speed = calcgraph.load().evaluator(["t_step", "qps_per_chip"], ["batch", "seq_len"])
        >>> t_step, qps = speed(64, 8192)
        >>> round(t_step * 1000, 2), round(qps, 3)
        (24.06, 0.649)
        """
        from .engine.fast import Evaluator
        return Evaluator(self.scenario, list(outputs), list(inputs))

    def with_variant(self, variant: str | None) -> Model:
        """The same scenario under another variant. Raises SetValueError for an unknown variant."""
        return Model(bind(self.spec, variant, self.scenario.entries))

    def explain(self, name: str) -> str:
        """The derivation chain of ``name`` as plain text."""
        self.evaluated.quantity(name)
        from .render.explain import explain_text
        return explain_text(self.evaluated, name)

    def closed_form(self, name: str) -> sympy.Expr:
        """``name`` as a sympy expression of inputs (and pinned or solved quantities): the symbolic graph.

        >>> import calcgraph
        >>> calcgraph.load().closed_form("t_param_load")
        n_params*weight_bytes/(chips*hbm_bandwidth*hbm_efficiency)
        """
        self.evaluated.quantity(name)
        from .engine.symbolic import closed_form
        return closed_form(self.evaluated, name)

    def solve(self, for_name: str, *where: str, integer: bool = False) -> SolveResult:
        """The extreme value of the input ``for_name`` at which every constraint holds.

        Raises SolveError, UnknownNameError, UnitMismatchError (a malformed question) or
        NoSolutionError (no answer).

        >>> import calcgraph
        >>> calcgraph.load().solve("batch", "total_memory <= hbm_capacity", integer=True).shown
        43.0
        """
        from .engine.inverse import solve_for
        return solve_for(self.evaluated, for_name, list(where), integer=integer)

    def best(self, maximize: str | None = None, minimize: str | None = None, where=(), vary=()) -> BestResult:
        """The best candidate over the variants and the ``vary`` grid (see ``calcgraph best``).

        Raises NoSolutionError when no candidate satisfies ``where``.
        """
        if (maximize is None) == (minimize is None):
            raise SetValueError("give one goal: maximize=NAME or minimize=NAME", where="best()")
        goal, sense = (maximize, "max") if maximize else (minimize, "min")
        from .engine.best import find_best
        return find_best(self.evaluated, goal, sense, list(where), list(vary))

    def show(self, name: str) -> QuantityView:
        """One quantity's derivation, displayed as Markdown in a notebook."""
        self.evaluated.quantity(name)
        from .render.report import QuantityView
        return QuantityView(self.evaluated, name)

    def _repr_markdown_(self) -> str:
        from .render.report import render_report
        return render_report(self.evaluated)

    def __repr__(self) -> str:
        variant = f", variant={self.scenario.variant!r}" if self.scenario.variant else ""
        return f"<calcgraph.Model {self.spec.path}{variant}: {len(self.graph.quantities)} quantities>"


def load(path: str | Path | None = None, *, variant: str | None = None,
         set: dict | None = None, sets: list[SetEntry] | None = None) -> Model:
    """Load, check and bind a scenario (default: the LLaMA 3-70B on TPU v5e scenario).

    Raises InputFileError, YamlError, ValidationError and the other load-time errors.
    """
    spec = load_spec(path)
    entries = list(sets or []) + _entries(set or {})
    return Model(bind(spec, variant, entries))
