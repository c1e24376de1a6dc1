"""Expected figures (``expect:``): each figure a text prints, against what calcgraph computes.

Verdicts: *matches* (relative difference under 1e-6), *rounded* (within half a
unit of the printed last digit, or within the recorded ``tolerance``), *differs*
(explained when the scenario records a ``reason``: an erratum or a rounded
intermediate). An unexplained difference, or a computed value that misses the
recorded ``exact`` figure, fails.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.bind import bind
from ..core.spec import ScenarioSpec, SetEntry
from ..core.units import format_unit, parse_quantity, to_unit
from ..errors import CalcgraphError
from .evaluated import Evaluated, evaluate_scenario, rebind

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
    if abs(computed - printed_value) <= half_unit(printed_text) * (1 + 1e-9):
        return "rounded", relative
    if tolerance is not None and relative <= tolerance:
        return "rounded", relative
    return "differs", relative


def compare(ev: Evaluated) -> list[ExpectRow]:
    """Every ``expect:`` of the ev's scenario that applies to its variant."""
    rows = []
    variant = ev.scenario.variant
    for expect in ev.spec.expects:
        if expect.variant != variant:
            continue
        quantity = ev.graph[expect.name]
        number, unit = parse_quantity(expect.printed)
        unit = unit or quantity.unit
        if unit.dim != quantity.unit.dim:
            raise CalcgraphError(f"expect of {expect.name!r}: printed unit {unit.text!r} does not fit "
                                 f"{quantity.unit.text!r}", where=expect.where)
        computed = float(to_unit(ev.values[expect.name], unit))
        verdict, relative = judge(computed, number, _number_text(expect.printed), expect.tolerance)
        exact_ok = True
        if expect.exact is not None:
            exact, exact_unit = parse_quantity(expect.exact)
            exact_unit = exact_unit or unit
            value = float(to_unit(ev.values[expect.name], exact_unit))
            exact_ok = judge(value, exact, _number_text(expect.exact))[0] != "differs"
        rows.append(ExpectRow(scenario=ev.spec.path, variant=variant, name=expect.name,
                              printed=str(expect.printed), computed=computed,
                              unit=format_unit(unit.pint_unit), difference=relative, verdict=verdict,
                              reason=expect.reason, where=str(expect.where), exact_ok=exact_ok))
    return rows


def verify_scenario(spec: ScenarioSpec, sets: tuple[SetEntry, ...] = ()) -> list[ExpectRow]:
    """Rows for the scenario ``spec``: its base case and every variant with expectations.

    Raises the errors of binding and evaluating the scenario and its variants.
    """
    ev = evaluate_scenario(bind(spec, None, sets))
    rows = compare(ev)
    for variant in spec.variants:
        if any(e.variant == variant for e in spec.expects):
            rows.extend(compare(rebind(ev, variant)))
    return rows




