"""``calcgraph verify``: each figure a text prints, against what calcgraph computes.

Verdicts: *matches* (relative difference under 1e-6), *rounded* (within half a
unit of the printed last digit, or within the recorded ``tolerance``), *differs*
(explained when the scenario records a ``reason``: an erratum or a rounded
intermediate). An unexplained difference, or a computed value that misses the
recorded ``exact`` figure, fails.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..core.numbers import format_number
from ..core.units import format_unit, parse_quantity, to_unit
from ..errors import CalcgraphError

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


def compare(model) -> list[ExpectRow]:
    """Every ``expect:`` of the model's scenario that applies to its variant."""
    rows = []
    variant = model.scenario.variant
    for expect in model.spec.expects:
        if expect.variant != variant:
            continue
        quantity = model.graph[expect.name]
        number, unit = parse_quantity(expect.printed)
        unit = unit or quantity.unit
        if unit.dim != quantity.unit.dim:
            raise CalcgraphError(f"expect of {expect.name!r}: printed unit {unit.text!r} does not fit "
                                 f"{quantity.unit.text!r}", where=expect.where)
        computed = float(to_unit(model.raw[expect.name], unit))
        verdict, relative = judge(computed, number, _number_text(expect.printed), expect.tolerance)
        exact_ok = True
        if expect.exact is not None:
            exact, exact_unit = parse_quantity(expect.exact)
            exact_unit = exact_unit or unit
            value = float(to_unit(model.raw[expect.name], exact_unit))
            exact_ok = judge(value, exact, _number_text(expect.exact))[0] != "differs"
        rows.append(ExpectRow(scenario=model.spec.path, variant=variant, name=expect.name,
                              printed=str(expect.printed), computed=computed,
                              unit=format_unit(unit.pint_unit), difference=relative, verdict=verdict,
                              reason=expect.reason, where=str(expect.where), exact_ok=exact_ok))
    return rows


def verify_model_all(path, sets=()) -> list[ExpectRow]:
    """Rows for the scenario at ``path``: its base case and every variant with expectations."""
    from ..api import load
    from ..core.bind import parse_set_arg
    entries = [parse_set_arg(s) for s in sets]
    model = load(path, sets=entries)
    rows = compare(model)
    for variant in model.spec.variants:
        if any(e.variant == variant for e in model.spec.expects):
            rows.extend(compare(model.with_variant(variant)))
    return rows


def render_rows(rows: list[ExpectRow]) -> str:
    """A Markdown table of the comparison."""
    lines = ["| quantity | variant | printed | computed | difference | verdict | reason |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        verdict = row.verdict if row.ok else f"**{row.verdict} (unexplained)**"
        if not row.exact_ok:
            verdict = f"**exact value missed** ({row.verdict})"
        elif row.verdict == "differs" and row.reason:
            verdict = "differs (explained)"
        lines.append(f"| {row.name} | {row.variant or ''} | {row.printed} | "
                     f"{format_number(row.computed)} {row.unit} | {100 * row.difference:.2f}% | "
                     f"{verdict} | {row.reason or ''} |")
    return "\n".join(lines) + "\n"


def default_paths() -> list[Path]:
    """Every scenario under ./scenarios (or beside the package)."""
    base = Path.cwd() / "scenarios"
    if not base.is_dir():
        base = Path(__file__).resolve().parents[2] / "scenarios"
    return sorted(base.glob("*.yaml"))


def verify_command(paths, sets=()) -> int:
    """Print the comparison for each scenario; 1 if any figure differs unexplained, else 0."""
    paths = list(paths) or default_paths()
    total = failed = 0
    counts: dict[str, int] = {}
    for path in paths:
        try:
            rows = verify_model_all(path, sets)
        except CalcgraphError as exc:
            print(f"## {path}\n\nerror: {exc}\n")
            failed += 1
            continue
        if not rows:
            continue
        print(f"## {rows[0].scenario}\n")
        print(render_rows(rows))
        for row in rows:
            total += 1
            failed += not row.ok
            key = "differs (explained)" if row.verdict == "differs" and row.ok else row.verdict
            counts[key] = counts.get(key, 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    print(f"{total} figures: {summary or 'none'}; {failed} failing", flush=True)
    if failed:
        print("verify: some figures differ without a recorded reason (or miss their exact value)",
              file=sys.stderr)
    return 1 if failed else 0
