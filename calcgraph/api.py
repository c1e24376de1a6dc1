"""The Python API a notebook user calls: load a scenario, read values, set, re-evaluate.

>>> import calcgraph
>>> model = calcgraph.load()
>>> round(model.value("kv_per_token", "B/token"))
163840
>>> model.set(batch=64).value("batch")
64.0
"""

from __future__ import annotations

from pathlib import Path

import pint

from .core.bind import Scenario, bind, parse_set_arg
from .core.evaluate import evaluate
from .core.graph import Quantity
from .core.spec import SetEntry, load_spec
from .core.units import display_unit, parse_unit, to_unit, ureg


class Model:
    """A bound scenario and its values (computed once, on first use)."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._raw: dict | None = None

    @property
    def graph(self):
        """The checked graph."""
        return self.scenario.graph

    @property
    def spec(self):
        """What the scenario files say."""
        return self.scenario.spec

    @property
    def raw(self) -> dict:
        """Every value as a plain magnitude in base units (byte, second, FLOP, token, ...)."""
        if self._raw is None:
            self._raw = evaluate(self.scenario)
        return self._raw

    def __getitem__(self, name: str) -> Quantity:
        return self.graph[name]

    def names(self) -> list[str]:
        """Every quantity name, in declaration order."""
        return list(self.graph.quantities)

    def value(self, name: str, unit: str | None = None) -> float:
        """The value of ``name`` in ``unit`` (default: its declared unit)."""
        quantity = self.graph[name]
        target = parse_unit(unit) if unit else quantity.unit
        if target.dim != quantity.unit.dim:
            raise pint.DimensionalityError(quantity.unit.pint_unit, target.pint_unit)
        return float(to_unit(self.raw[name], target))

    def quantity(self, name: str) -> pint.Quantity:
        """The value of ``name`` as a pint Quantity in a human display unit."""
        unit = self.display_unit(name)
        return ureg.Quantity(float(to_unit(self.raw[name], unit)), unit)

    def display_unit(self, name: str) -> pint.Unit:
        """The unit ``name`` is shown in: its ``display`` unit, else a human scale of its unit."""
        quantity = self.graph[name]
        if quantity.display is not None:
            return quantity.display.pint_unit
        return display_unit(quantity.unit, float(self.raw[name]))

    @property
    def values(self) -> dict:
        """name -> pint Quantity in display units, in declaration order."""
        return {name: self.quantity(name) for name in self.graph.quantities}

    def set(self, **values) -> Model:
        """A new Model with inputs (or pinned results) set: ``model.set(batch=64, seq_len="4096 token/sequence")``."""
        entries = [e for e in self.scenario.entries]
        for name, value in values.items():
            text = value if isinstance(value, str) else repr(float(value))
            entry = parse_set_arg(f"{name}={text}", origin="set()")
            entries.append(entry)
        return Model(bind(self.spec, self.scenario.variant, entries))

    def with_variant(self, variant: str | None) -> Model:
        """The same scenario under another variant."""
        return Model(bind(self.spec, variant, self.scenario.entries))

    def explain(self, name: str) -> str:
        """The derivation chain of ``name`` as plain text."""
        from .render.explain import explain_text
        return explain_text(self, name)

    def closed_form(self, name: str):
        """``name`` as a sympy expression of inputs (and pinned or solved quantities): the symbolic graph.

        >>> import calcgraph
        >>> calcgraph.load().closed_form("t_param_load")
        n_params*weight_bytes/(chips*hbm_bandwidth*hbm_efficiency)
        """
        from .engine.symbolic import closed_form
        return closed_form(self, name)

    def solve(self, for_name: str, *where: str, integer: bool = False):
        """The extreme value of the input ``for_name`` at which every constraint holds.

        >>> import calcgraph
        >>> calcgraph.load().solve("batch", "total_memory <= hbm_capacity", integer=True).shown
        43.0
        """
        from .engine.solve import solve_command
        return solve_command(self, for_name, list(where), integer=integer)

    def best(self, maximize: str | None = None, minimize: str | None = None, where=(), vary=()):
        """The best candidate over the variants and the ``vary`` grid (see ``calcgraph best``)."""
        from .engine.best import find_best
        goal, sense = (maximize, "max") if maximize else (minimize, "min")
        return find_best(self, goal, sense, list(where), list(vary))

    def show(self, name: str):
        """One quantity's derivation, displayed as Markdown in a notebook."""
        from .render.report import QuantityView
        return QuantityView(self, name)

    def _repr_markdown_(self) -> str:
        from .render.report import render_report
        return render_report(self)

    def __repr__(self) -> str:
        variant = f", variant={self.scenario.variant!r}" if self.scenario.variant else ""
        return f"<calcgraph.Model {self.spec.path}{variant}: {len(self.graph.quantities)} quantities>"


def load(path: str | Path | None = None, *, variant: str | None = None,
         set: dict | None = None, sets: list[SetEntry] | None = None) -> Model:
    """Load, check and bind a scenario (default: the LLaMA 3-70B on TPU v5e scenario)."""
    spec = load_spec(path)
    entries = list(sets or [])
    for name, value in (set or {}).items():
        text = value if isinstance(value, str) else repr(float(value))
        entries.append(parse_set_arg(f"{name}={text}", origin="set()"))
    return Model(bind(spec, variant, entries))
