"""Axes of a grid: ``NAME=START:STOP[:STEP]`` (STOP included, exact decimals) or ``NAME=V1,V2,...``; numbers
without a unit take the one unit written among them, else the quantity's declared unit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calcgraph.core.formula.arrays import exact_range
from calcgraph.core.names import suggest
from calcgraph.core.numbers import shortest_text
from calcgraph.core.units import Unit, format_dim, format_unit, parse_quantity
from calcgraph.errors import Argument, CalcgraphError, SetValueError, UnknownNameError

MAX_POINTS = 10 ** 7


@dataclass(frozen=True)
class Axis:
    """One varied input: its name, its values in base units, and the text it came from."""

    name: str
    values: np.ndarray
    text: str


def _pieces(parts: list[str], unit: Unit, text: str) -> tuple[list[float], float, float]:
    """The numbers of ``parts``, their factor to base units and one declared unit in them (a range's step)."""
    parsed, where = [], Argument("axis", text)
    for part in parts:
        try:
            parsed.append(parse_quantity(part.strip()))
        except CalcgraphError as exc:
            raise SetValueError(f"cannot read {part.strip()!r}: {exc.message}", where=where,
                                hint="give numbers, optionally with a unit: batch=1:256, "
                                     "seq_len=1024,8192, \"t_step=5 ms:20 ms:1 ms\"") from None
    written = {u.text: u for _, u in parsed if u is not None}
    for given in written.values():
        if given.dim != unit.dim:
            raise SetValueError(f"unit {given.text!r} ({format_dim(given.dim)}) does not fit the unit "
                                f"{unit.text!r} ({format_dim(unit.dim)}) of the quantity",
                                where=where, hint=f"give values in a unit like {unit.text}")
    if len(written) <= 1:
        return [n for n, _ in parsed], next(iter(written.values()), unit).factor, 1.0
    if any(u is None for _, u in parsed):
        raise SetValueError("values mix several units and some have none", where=where,
                            hint="give every value its unit, or write one unit only")
    return [n * u.factor for n, u in parsed], 1.0, unit.factor  # several units: the numbers in base units


def parse_vary(text: str, graph) -> Axis:
    """One axis text ``NAME=VALUES`` as an Axis (values in base units; ranges include STOP).

    >>> import calcgraph
    >>> parse_vary("batch=1:4", calcgraph.load().graph).values.tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    name, sep, rest = text.partition("=")
    where = Argument("axis", text)
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise SetValueError(f"cannot read {text!r}", where=where,
                            hint="write NAME=START:STOP[:STEP] or NAME=V1,V2,..., e.g. batch=1:256")
    if name not in graph:
        raise UnknownNameError(f"cannot vary unknown quantity {name!r}", where=where,
                               hint=suggest(name, graph.quantities), name=name)
    unit = graph[name].unit
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) not in (2, 3):
            raise SetValueError(f"a range has START:STOP or START:STOP:STEP, got {rest!r}",
                                where=where, hint="e.g. batch=1:256:1")
        numbers, factor, one = _pieces(parts, unit, text)
        start, stop, step = numbers if len(numbers) == 3 else (*numbers, one)
        if step <= 0:
            raise SetValueError(f"the step of {name} must be positive, got {parts[2].strip()!r}",
                                where=where, hint="ranges go upwards: START:STOP:STEP with STEP > 0")
        if stop < start:
            raise SetValueError(f"the range of {name} ends ({parts[1].strip()}) below its start "
                                f"({parts[0].strip()})", where=where, hint="write START:STOP with START <= STOP")
        span = (stop - start) / step
        if not math.isfinite(span) or span + 1 > MAX_POINTS:
            raise SetValueError(f"the range of {name} has more than {MAX_POINTS:,} points",
                                where=where, hint="use a larger STEP or a smaller range")
        count = int(math.floor(span + 1e-9 * max(1.0, span))) + 1
        values = exact_range(start, stop, step, count)
    else:
        parts = rest.split(",")
        if len(parts) > MAX_POINTS:
            raise SetValueError(f"more than {MAX_POINTS:,} values", where=where)
        numbers, factor, _ = _pieces(parts, unit, text)
        values = np.array(numbers, dtype=float)
    values = values * factor if factor != 1.0 else values
    _within_domain(graph[name], values, where)
    return Axis(name=name, values=values, text=text)


def _within_domain(quantity, values: np.ndarray, where) -> None:
    """Refuse an axis of an input that leaves the input's declared domain, as ``--set`` does."""
    if not quantity.is_input or (quantity.minimum is None and quantity.maximum is None):
        return
    low = -np.inf if quantity.minimum is None else quantity.minimum
    high = np.inf if quantity.maximum is None else quantity.maximum
    with np.errstate(invalid="ignore"):
        inside = ((values > low) if quantity.min_strict else (values >= low)) & \
            ((values < high) if quantity.max_strict else (values <= high)) | np.isnan(values)
    if not inside.all():
        value = float(values[np.argmin(inside)])
        shown = f"{shortest_text(value / quantity.unit.factor)} {format_unit(quantity.unit.pint_unit)}".rstrip()
        raise SetValueError(f"{quantity.name} = {shown} is out of its domain: {quantity.out_of_domain(value)}",
                            where=where,
                            quantity=quantity.name, hint=f"vary it within its domain, declared at {quantity.where}")


def parse_axes(texts: list[str], graph) -> list[Axis]:
    """Every axis text as an Axis; one axis per name; at most MAX_POINTS grid points."""
    axes: list[Axis] = []
    for text in texts:
        axis = parse_vary(text, graph)
        if any(a.name == axis.name for a in axes):
            raise SetValueError(f"{axis.name} is varied twice", where=Argument("axis", text),
                                hint="give each name one axis (a list V1,V2,... may hold any values)")
        axes.append(axis)
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise SetValueError(f"the grid has {total:,} points, more than {MAX_POINTS:,}",
                            where=Argument("axis", " ".join(a.text for a in axes)), hint="use fewer values per axis")
    return axes


def typed_over(axes: list[Axis], graph) -> list[str]:
    """Warnings for axes that vary a computed quantity the scenario does not pin (typed over its formula).

    >>> import calcgraph
    >>> graph = calcgraph.load("scenarios/compare-llama3-70b-8xh100.yaml").graph
    >>> typed_over(parse_axes(["tp_degree=1,2"], graph), graph)[0].split(":")[0]
    'tp_degree is computed (chips / (pp_degree * one_chip))'
    """
    warnings = []
    for axis in axes:
        quantity = graph[axis.name]
        used = [n for n in graph.quantities if n in graph.pred[axis.name]]
        if not used:  # an input, or a pin: its formula is cut
            continue
        formula = quantity.formula.text if quantity.formula is not None else "a solve"
        warnings.append(f"{axis.name} is computed ({formula}): varying it types over its formula at every "
                        f"point while {', '.join(used)} keep their values, so quantities that use both may "
                        f"disagree; to choose {axis.name}, give it a value in the scenario's set: and compute "
                        f"the others from it (see scenarios/plan-llama3-70b-h100.yaml)")
    return warnings
