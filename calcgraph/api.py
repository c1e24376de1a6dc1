"""The Python API: ``Model``, a facade that binds (core), evaluates once on first use (engine) and
delegates every view to the renderers. It raises calcgraph errors only.

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

from calcgraph.core.bind import Scenario, bind, parse_set_arg
from calcgraph.core.graph import Graph, Quantity
from calcgraph.core.spec.load import ScenarioSpec, SetEntry, load_spec
from calcgraph.core.units import to_unit, ureg
from calcgraph.engine.evaluated import Evaluated, NodeState, evaluate_scenario
from calcgraph.errors import SetValueError

if TYPE_CHECKING:  # each loads with the method that needs it: a command pays only for what it uses
    import networkx
    import sympy

    from calcgraph.engine.best import BestResult
    from calcgraph.engine.fast import Evaluator
    from calcgraph.engine.solve.scalar import SolveResult
    from calcgraph.render.report.document import QuantityView

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
        self.graph: Graph = scenario.graph  # the checked graph
        self.spec: ScenarioSpec = scenario.spec  # what the scenario files say
        self._evaluated: Evaluated | None = None

    @property
    def evaluated(self) -> Evaluated:
        """Values and node states (evaluated on first use). Raises EvaluationError."""
        if self._evaluated is None:
            self._evaluated = evaluate_scenario(self.scenario)
        return self._evaluated

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
        """The value of ``name`` in ``unit`` (default: its declared unit); NaN when unknown."""
        return self.evaluated.value(name, unit)

    def state(self, name: str) -> NodeState:
        """How ``name`` got its value: input, formula, pinned, solved, no answer or unknown."""
        return self.evaluated.state(name)

    def quantity(self, name: str) -> pint.Quantity:
        """The value of ``name`` as a pint Quantity in a human display unit."""
        unit = self.display_unit(name)
        return ureg.Quantity(float(to_unit(self.evaluated.values[name], unit)), unit)

    def unit(self, name: str) -> pint.Unit:
        """The declared unit of ``name``, as a pint Unit of calcgraph's registry.

        >>> import calcgraph
        >>> unit = calcgraph.load().unit("hbm_bandwidth")
        >>> unit, type(unit).__name__
        (<Unit('byte / second / chip')>, 'Unit')
        """
        return self.evaluated.quantity(name).unit.pint_unit

    def expr(self, name: str) -> sympy.Expr | None:
        """``name`` as a sympy expression of its direct inputs (base units): its formula, its own symbol for an
        input or a pinned value, a solve node's closed form where one agrees with the search, else None.

        >>> import calcgraph
        >>> model = calcgraph.load()
        >>> model.expr("t_step"), model.expr("batch")
        (t_comm_exposed + t_kv_load + Max(t_flops, t_param_load), batch)
        >>> str(model.expr("max_batch"))[:56]  # the draft model's terms are 0 without speculative decoding
        'floor((-draft_param_bytes - param_bytes + usable_hbm)/(d'
        """
        quantity = self.evaluated.quantity(name)
        state = self.evaluated.states[name]
        if quantity.formula is not None and state is not NodeState.PINNED:
            return quantity.formula.expr
        if quantity.solve is not None and state is NodeState.SOLVED:
            return self.evaluated.solve_details(name).closed_form
        if quantity.solve is not None and state is NodeState.NO_ANSWER:
            return None
        from calcgraph.core.formula.to_sympy import symbol
        return symbol(name)

    def to_networkx(self) -> networkx.DiGraph:
        """The design card as a (copied) networkx DiGraph: each node carries ``expr``, ``unit``, ``value`` (in
        that unit, NaN when unknown), ``state``, ``doc``, ``source`` and ``where`` (file:line).

        >>> import calcgraph
        >>> card = calcgraph.load().to_networkx()
        >>> sorted(card.predecessors("t_step"))
        ['t_comm_exposed', 't_flops', 't_kv_load', 't_param_load']
        >>> node = card.nodes["kv_per_token"]
        >>> node["expr"], node["value"], node["unit"], node["state"].value
        (d_head*kv_bytes*kv_vectors*layers*n_kv_heads, 163840.0, <Unit('byte / token')>, 'formula')
        """
        import networkx as nx
        ev, card = self.evaluated, nx.DiGraph()
        for name, quantity in self.graph.quantities.items():  # NaN (unknown) stays NaN in any unit
            card.add_node(name, expr=self.expr(name), unit=quantity.unit.pint_unit,
                          value=float(to_unit(ev.values[name], quantity.unit)), state=ev.states[name],
                          doc=quantity.doc, source=quantity.source, where=str(quantity.where))
        card.add_edges_from(self.graph.dag.edges)
        return card

    def display_unit(self, name: str) -> pint.Unit:
        """The unit ``name`` is shown in: its ``display`` unit, else a human scale of its unit."""
        return self.evaluated.display_unit(name)

    @property
    def values(self) -> dict:
        """name -> pint Quantity in display units, in declaration order."""
        return {name: self.quantity(name) for name in self.graph.quantities}

    def set(self, **values) -> Model:
        """A new Model with inputs (or pinned results) set: ``model.set(batch=64, seq_len="4096 token/sequence")``."""
        entries = list(self.scenario.entries) + _entries(values)
        return Model(bind(self.spec, self.scenario.variant, entries))

    def evaluator(self, outputs, inputs=()) -> Evaluator:
        """``outputs`` as a function of ``inputs`` (scalars or numpy arrays in declared units), compiled once.

        >>> import calcgraph
        >>> speed = calcgraph.load().evaluator(["t_step", "qps_per_chip"], ["batch", "seq_len"])
        >>> t_step, qps = speed(64, 8192)
        >>> round(t_step * 1000, 2), round(qps, 3)
        (24.06, 0.649)
        """
        from calcgraph.engine.fast import Evaluator
        return Evaluator(self.scenario, list(outputs), list(inputs))

    def with_variant(self, variant: str | None) -> Model:
        """The same scenario under another variant. Raises SetValueError for an unknown variant."""
        return Model(bind(self.spec, variant, self.scenario.entries))

    def explain(self, name: str) -> str:
        """The derivation chain of ``name`` as plain text."""
        self.evaluated.quantity(name)
        from calcgraph.render.explain import explain_text
        return explain_text(self.evaluated, name)

    def closed_form(self, name: str) -> sympy.Expr:
        """``name`` as a sympy expression of inputs (and pinned or solved quantities): the symbolic graph.

        >>> import calcgraph
        >>> calcgraph.load().closed_form("t_param_load")
        n_params*weight_bytes/(chips*hbm_bandwidth*hbm_efficiency)
        """
        self.evaluated.quantity(name)
        from calcgraph.engine.symbolic import closed_form
        return closed_form(self.evaluated, name)

    def solve(self, for_name: str, *where: str, integer: bool = False) -> SolveResult:
        """The extreme value of the input ``for_name`` at which every constraint holds (else NoSolutionError).

        >>> import calcgraph
        >>> calcgraph.load().solve("batch", "total_memory <= hbm_capacity", integer=True).shown
        43.0
        """
        from calcgraph.engine.solve.inverse import solve_for
        return solve_for(self.evaluated, for_name, list(where), integer=integer)

    def best(self, maximize: str | None = None, minimize: str | None = None, where=(), vary=()) -> BestResult:
        """The best candidate over the variants and the ``vary`` grid (see ``calcgraph best``)."""
        if (maximize is None) == (minimize is None):
            raise SetValueError("give one goal: maximize=NAME or minimize=NAME", where="best()")
        from calcgraph.engine.best import find_best
        return find_best(self.evaluated, maximize or minimize, "max" if maximize else "min", list(where), list(vary))

    def show(self, name: str) -> QuantityView:
        """One quantity's derivation, displayed as Markdown in a notebook."""
        self.evaluated.quantity(name)
        from calcgraph.render.report.document import QuantityView
        return QuantityView(self.evaluated, name)

    def _repr_markdown_(self) -> str:
        from calcgraph.render.report.document import render_report
        return render_report(self.evaluated)

    def __repr__(self) -> str:
        variant = f", variant={self.scenario.variant!r}" if self.scenario.variant else ""
        return f"<calcgraph.Model {self.spec.path}{variant}: {len(self.graph.quantities)} quantities>"


def load(path: str | Path | None = None, *, variant: str | None = None,
         set: dict | None = None, sets: list[SetEntry] | None = None) -> Model:
    """Load, check and bind a scenario (default: the LLaMA 3-70B on TPU v5e scenario)."""
    spec = load_spec(path)
    return Model(bind(spec, variant, list(sets or []) + _entries(set or {})))
