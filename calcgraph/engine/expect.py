"""Expected figures (``expect:``) against what calcgraph computes: *matches* (within 1e-6), *rounded* (within half a
unit of the last digit, or ``tolerance``), *differs* (fails without a ``reason``, as does a missed ``exact``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from calcgraph.core.bind import Scenario, bind
from calcgraph.core.evaluate import evaluate
from calcgraph.core.spec.load import ScenarioSpec, SetEntry
from calcgraph.core.units import format_unit, parse_quantity, to_unit
from calcgraph.engine.evaluated import Evaluated
from calcgraph.engine.solve.nodes import NodeSolver

MATCH = 1e-6


@dataclass(frozen=True)
class ExpectRow:
    """One expected figure compared with the computed one."""

    scenario: str
    variant: str | None
    name: str
    printed: str
    computed: float
    unit: str
    difference: float
    verdict: str
    reason: str | None
    where: str
    exact_ok: bool = True

    @property
    def ok(self) -> bool:
        """Passes verification: not an unexplained difference, and the exact figure holds."""
        return self.exact_ok and (self.verdict != "differs" or bool(self.reason))


def half_unit(text: str) -> float:
    """Half a unit of the last printed digit of a number's text: ``'41.9'`` -> 0.05.

    >>> half_unit("41.9"), half_unit("1882"), half_unit("5.8e17")
    (0.05, 0.5, 5000000000000000.0)
    """
    match = re.match(r"^\s*[-+]?(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?", text)
    decimals = len(match.group(2) or "") if match else 0
    exponent = int(match.group(3)) if match and match.group(3) else 0
    return 0.5 * 10.0 ** (exponent - decimals)


def _number_text(printed) -> str:
    return printed.split()[0] if isinstance(printed, str) else repr(printed)


def judge(computed: float, printed_value: float, printed_text: str,
          tolerance: float | None = None) -> tuple[str, float]:
    """(verdict, relative difference) of ``computed`` against a printed figure.

    >>> judge(42.95, 41.9, "41.9")[0]
    'differs'
    >>> judge(17.43, 17.0, "17")[0], judge(17.6, 17.0, "17")[0], judge(17.6, 17.0, "17", 0.05)[0]
    ('rounded', 'differs', 'rounded')
    """
    scale = abs(printed_value) or 1.0
    relative = abs(computed - printed_value) / scale
    if relative <= MATCH:
        return "matches", relative
    if (abs(computed - printed_value) <= half_unit(printed_text) * (1 + 1e-9)
            or (tolerance is not None and relative <= tolerance)):
        return "rounded", relative
    return "differs", relative


def compare(ev: Evaluated) -> list[ExpectRow]:
    """Every ``expect:`` of the ev's scenario that applies to its variant."""
    return compare_values(ev.scenario, ev.values)


def compare_values(scenario: Scenario, values) -> list[ExpectRow]:
    """Every ``expect:`` of ``scenario`` that applies to its variant, against ``values`` (base units)."""
    rows = []
    for expect in (e for e in scenario.spec.expects if e.variant == scenario.variant):
        number, unit = parse_quantity(expect.printed)  # bind has checked its unit
        unit = unit or scenario.graph[expect.name].unit
        computed = float(to_unit(values[expect.name], unit))
        verdict, relative = judge(computed, number, _number_text(expect.printed), expect.tolerance)
        exact_ok = True
        if expect.exact is not None:
            exact, exact_unit = parse_quantity(expect.exact)
            value = float(to_unit(values[expect.name], exact_unit or unit))
            exact_ok = judge(value, exact, _number_text(expect.exact))[0] != "differs"
        rows.append(ExpectRow(scenario=scenario.spec.path, variant=scenario.variant, name=expect.name,
                              printed=str(expect.printed), computed=computed,
                              unit=format_unit(unit.pint_unit), difference=relative, verdict=verdict,
                              reason=expect.reason, where=str(expect.where), exact_ok=exact_ok))
    return rows


def verify_scenario(spec: ScenarioSpec, sets: tuple[SetEntry, ...] = ()) -> list[ExpectRow]:
    """Rows for the scenario ``spec``: its base case and each variant that has expectations (errors pass through);
    nothing is bound where nothing is expected."""
    rows = []
    for variant in (v for v in (None, *spec.variants) if any(e.variant == v for e in spec.expects)):
        scenario = bind(spec, variant, sets)  # evaluating only what the expectations name (and what they need)
        names = [e.name for e in spec.expects if e.variant == variant and e.name in scenario.graph]
        rows += compare_values(scenario, evaluate(scenario, names=names, solver=NodeSolver(scenario)))
    return rows
