"""The report's Checks: the scenario's declared checks and the limits the formulas compute, pass / fail."""

from __future__ import annotations

from dataclasses import dataclass

from calcgraph.core.constraints import parse_constraint
from calcgraph.core.numbers import format_number
from calcgraph.core.units import shown_parts
from calcgraph.engine.checks import check_sides
from calcgraph.errors import CalcgraphError
from calcgraph.render.latex import number_unit_text, value_text
from calcgraph.render.mdtext import md_text

_SIGNS = {"<=": ("≤", ">"), "<": ("<", "≥"), ">=": ("≥", "<"), ">": (">", "≤"), "==": ("=", "≠")}
LIMITS = (
    ("tp_degree <= tp_limit_ici", "tp_limit_ici",
     "the interconnect keeps up with this tensor-parallel degree",
     "tensor parallelism beyond the ICI limit makes the FFN matmuls communication bound: use fewer chips per "
     "TP group"),
    ("total_memory <= hbm_capacity", "total_memory", "weights and KV cache fit in the slice's HBM",
     "weights and KV cache do not fit in the slice's HBM: lower the batch or seq_len, or add chips"),
)


@dataclass(frozen=True)
class CheckRow:
    """One check at the scenario's values: its text, whether it holds, both sides and the figure it concerns."""

    text: str
    holds: bool
    message: str
    concerns: tuple = ()
    sides: str = ""


def _number_unit(constraint, value: float) -> str:
    """A base value of the constraint's dimension as report text, counts pluralised: ``8 chips``."""
    unit = constraint.unit
    return number_unit_text(format_number(value), "") if unit is None else number_unit_text(*shown_parts(value, unit))


def _row(constraint, holds: bool, message: str, concerns: tuple, left: str, right: str) -> CheckRow:
    """A row whose sides read ``left`` and ``right``, with the sign of the comparison or of its failure."""
    sign = _SIGNS.get(constraint.op, (constraint.op, "not " + constraint.op))[not holds]
    return CheckRow(constraint.text, holds, message, concerns,
                    f"`{constraint.left}` = {left} {sign} `{constraint.right}` = {right}")


def _limit_row(ev, text: str, figure: str, holds_text: str, fails_text: str) -> CheckRow | None:
    try:
        constraint = parse_constraint(text, ev.graph.quantities)
        lhs, rhs = (float(v) for v in check_sides(constraint, ev.values))
    except (CalcgraphError, KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    ok = bool(constraint.holds(lhs, rhs))  # two quantities: each side in its own display unit
    return _row(constraint, ok, holds_text if ok else fails_text, tuple(dict.fromkeys((figure,) + constraint.names)),
                value_text(ev, constraint.left), value_text(ev, constraint.right))


def check_rows(ev, shown) -> list[CheckRow]:
    """The checks of ``ev`` and the formulas' limits among the ``shown`` quantities, in that order."""
    passes = {c.constraint: c.holds for c in ev.spec.checks}
    rows = [_row(item.constraint, bool(item.holds),
                 md_text((passes.get(item.constraint.text) or "holds") if item.holds else item.message),
                 tuple(item.constraint.names), *(_number_unit(item.constraint, v) for v in (item.lhs, item.rhs)))
            for item in ev.checks]
    for text, figure, *why in LIMITS:  # unless a module's own check of the figure says it
        if figure in shown and not any(text == r.text or figure in r.concerns for r in rows):
            row = _limit_row(ev, text, figure, *why)
            rows += [row] if row else []
    return rows


def checks_table(rows) -> list[str]:
    """The Markdown table of the checks: constraint, pass / fail, both sides, what holds or what to do."""
    lines = [f"| `{row.text}` | {'pass' if row.holds else '**FAIL**'} | {row.sides} | {row.message} |" for row in rows]
    return ["| check | verdict | at this scenario | meaning |", "|---|---|---|---|"] + lines + [""]


def failed_text(rows) -> str:
    """The failed checks among ``rows``, each with both sides and what it says."""
    return "; ".join(f"`{r.text}` ({r.sides}: {r.message})" for r in rows if not r.holds)


def failed_note(rows, name: str) -> str | None:
    """A line flagging the failed checks that concern ``name``, for its headline row and section."""
    said = failed_text([r for r in rows if name in r.concerns])
    return "**Check fails**: " + said if said else None
