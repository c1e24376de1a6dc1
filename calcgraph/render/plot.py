"""Plots of a sweep with matplotlib (Agg, imported only when drawing): ``--plot Y:X``, ``Y1,Y2:X``, ``Y1+Y2:X``
(stacked), ``Y:X:M1,M2`` (markers), ``log(Y)``; a line stops where weights and KV cache exceed HBM."""

from __future__ import annotations

import importlib.util
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from calcgraph.core.bind import Scenario
from calcgraph.core.constraints import holds
from calcgraph.core.names import suggest
from calcgraph.core.numbers import format_number
from calcgraph.core.units import display_unit, format_unit, to_unit
from calcgraph.errors import Argument, SetValueError, UnitMismatchError, UnknownNameError

FORMATS = (".png", ".svg", ".pdf")
MEMORY = ("total_memory", "hbm_capacity")


@dataclass(frozen=True)
class PlotSpec:
    """What ``--plot`` asks for: Y names (``stack`` the stacked ones), X, markers, colour axis, log axes."""

    ys: tuple
    x: str
    stack: tuple = ()
    markers: tuple = ()
    color: str | None = None
    text: str = ""
    log_x: bool = False
    log_y: bool = False


def check_output(path: str) -> None:
    """Refuse output files matplotlib would not write as asked (before any work is done)."""
    if Path(path).suffix.lower() not in FORMATS:
        raise SetValueError(f"cannot draw into {path!r}: give a .png, .svg or .pdf file",
                            where=Argument("image", path), hint="e.g. -o throughput.png")
    if importlib.util.find_spec("matplotlib") is None:
        raise SetValueError("plots need matplotlib, which is not installed", where=Argument("image", path),
                            hint="pip install 'calcgraph[plot]' (or matplotlib); --csv works without it")
    folder = Path(path).parent
    if str(folder) and not folder.is_dir():
        raise SetValueError(f"cannot write {path}: folder {folder} does not exist", where=Argument("image", path),
                            hint="create the folder or choose another path")


def parse_plot_spec(text: str, graph, color: str | None = None, axes=()) -> PlotSpec:
    """``Y:X``, ``Y1,Y2:X``, ``Y1+Y2:X`` (stacked), ``...:X:M1,M2`` (markers); ``log(Y)``, ``log(X)``.

    >>> import calcgraph
    >>> spec = parse_plot_spec("t_param_load+t_kv_load:batch:b_crit", calcgraph.load().graph)
    >>> spec.ys, spec.x, spec.stack, spec.markers
    (('t_param_load', 't_kv_load'), 'batch', ('t_param_load', 't_kv_load'), ('b_crit',))
    >>> parse_plot_spec("log(cost_per_million_tokens):t_step", calcgraph.load().graph).log_y
    True
    """
    where = Argument("plot", text)
    fields = [f.strip() for f in text.split(":")]
    if len(fields) not in (2, 3) or not fields[0] or not fields[1]:
        raise SetValueError(f"cannot read {text!r}", where=where,
                            hint="write Y:X, Y1,Y2:X, Y1+Y2+Y3:X (stacked) or Y:X:MARKER,..., "
                                 "e.g. --plot throughput_per_chip:t_step")
    log_y, log_x = (f.startswith("log(") and f.endswith(")") for f in fields[:2])
    fields[:2] = [f[4:-1].strip() if log else f for f, log in zip(fields[:2], (log_y, log_x), strict=True)]
    groups = [g.strip() for g in fields[0].split(",")]
    stacks = [g for g in groups if "+" in g]
    if len(stacks) > 1:
        raise SetValueError("one stack (Y1+Y2+...) per plot", where=where,
                            hint="e.g. t_param_load+t_kv_load+t_flops,t_step:batch")
    stack = tuple(n.strip() for n in stacks[0].split("+")) if stacks else ()
    ys = tuple(n.strip() for n in fields[0].replace("+", ",").split(","))
    markers = tuple(n.strip() for n in fields[2].split(",") if n.strip()) if len(fields) == 3 else ()
    x = fields[1]
    for name in (*ys, x, *markers, *([color] if color else [])):
        if name not in graph:
            flag = Argument("color", name) if name == color and name not in (*ys, x, *markers) else where
            raise UnknownNameError(f"cannot plot unknown quantity {name!r}", where=flag,
                                   hint=suggest(name, graph.quantities), name=name)
    first = graph[ys[0]].unit
    for name in ys[1:]:
        if graph[name].unit.dim != first.dim:
            raise UnitMismatchError(f"{name} ({graph[name].unit.text}) and {ys[0]} ({first.text}) "
                                    "cannot share a Y axis", where=where,
                                    hint="plot quantities of one dimension together")
    for name in markers:
        if graph[name].unit.dim != graph[x].unit.dim:
            raise UnitMismatchError(f"marker {name} ({graph[name].unit.text}) is not in the unit of "
                                    f"X, {x} ({graph[x].unit.text})", where=where,
                                    hint="markers are values on the X axis, e.g. b_crit for X = batch")
    if color is not None and axes and color not in axes:
        raise SetValueError(f"the colour axis {color} is not varied", where=Argument("color", color),
                            hint="colour by one of the --vary names: " + ", ".join(axes))
    if stack and log_y:
        raise SetValueError("a stacked plot has a linear Y axis", where=where,
                            hint="drop log(...) around the stacked names")
    return PlotSpec(ys=ys, x=x, stack=stack, markers=markers, color=color, text=text,
                    log_x=log_x, log_y=log_y)


def check_stack(spec: PlotSpec, sizes: dict) -> None:
    """A stacked plot draws one line: refuse grids with several (before any work is done)."""
    along = line_axis(spec, list(sizes))
    if spec.stack and math.prod(n for name, n in sizes.items() if name != along) > 1:
        raise SetValueError("a stacked plot draws one line: vary only the X input",
                            where=Argument("plot", spec.text),
                            hint="fix the other inputs with --set, e.g. --set seq_len=8192")


def plot_names(spec: PlotSpec, graph, axes) -> list[str]:
    """Every quantity the plot needs: axes, Y, X, markers, and the memory check when possible."""
    memory = MEMORY if all(n in graph for n in MEMORY) else ()
    return list(dict.fromkeys([*axes, *spec.ys, spec.x, *spec.markers, *memory]))


def memory_mask(columns: dict) -> np.ndarray | None:
    """True where weights and KV cache exceed HBM or a declared check fails; None if the graph cannot tell."""
    failed = columns.get("checks_failed")
    checks = None if failed is None else np.asarray(failed) > 0
    if not all(n in columns for n in MEMORY):
        return checks
    memory = ~holds("<=", columns["total_memory"], columns["hbm_capacity"])
    return memory if checks is None else memory | checks


def masked(values: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``values`` with the masked points made NaN (matplotlib breaks lines there)."""
    values = np.array(values, dtype=float)
    if mask is not None:
        values[mask] = np.nan
    return values


def line_axis(spec: PlotSpec, axes) -> str:
    """The varied input a line runs along: X itself if varied, else the first other varied input (not the colour)."""
    if spec.x in axes:
        return spec.x
    others = [a for a in axes if a != spec.color]
    return others[0] if others else axes[0]


def line_groups(columns: dict, axes, along: str) -> list[tuple[tuple, np.ndarray]]:
    """Split the grid into lines: ((value of each other axis), indices ordered along ``along``).

    >>> cols = {"b": np.array([1.0, 1, 2, 2]), "s": np.array([10.0, 20, 10, 20])}
    >>> [(k, i.tolist()) for k, i in line_groups(cols, ["b", "s"], "b")]
    [((10.0,), [0, 2]), ((20.0,), [1, 3])]
    """
    others = [a for a in axes if a != along]
    if not others:
        return [((), np.argsort(columns[along], kind="stable"))]
    keys = np.column_stack([columns[a] for a in others])
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    lines = [(tuple(float(k) for k in key), np.flatnonzero(inverse == index)) for index, key in enumerate(unique)]
    return [(key, members[np.argsort(columns[along][members], kind="stable")]) for key, members in lines]


def _unit(scenario: Scenario, name: str, values: np.ndarray):
    quantity = scenario.graph[name]
    if quantity.display is not None:
        return quantity.display.pint_unit
    finite = np.abs(values[np.isfinite(values)])
    return display_unit(quantity.unit, float(np.median(finite)) if finite.size else 0.0)  # the typical value's unit


def _equals(name: str, value: float, unit) -> str:
    """``name = value unit`` for a legend, the value in ``unit``."""
    return f"{name} = {format_number(float(to_unit(value, unit)), 4)} {format_unit(unit)}".rstrip()


def _label(parts, unit) -> str:
    """``name [unit]``; several names joined with ``,``."""
    text = format_unit(unit)
    return ", ".join(parts) + (f" [{text}]" if text else "")


def draw(spec: PlotSpec, columns: dict, scenario: Scenario, axes, output: str) -> None:
    """Draw the plot of ``spec`` from sweep ``columns`` (base units) and save it to ``output``."""
    from matplotlib import ticker

    plt = pyplot()
    axis_names = [a.name for a in axes]
    along = line_axis(spec, axis_names)
    groups = line_groups(columns, axis_names, along)
    mask = memory_mask(columns)
    x_unit = _unit(scenario, spec.x, columns[spec.x])
    y_unit = _unit(scenario, spec.ys[0], np.concatenate([columns[y] for y in spec.ys]))
    others = [a for a in axis_names if a != along]
    units = {n: _unit(scenario, n, columns[n]) for n in others}
    figure, ax = plt.subplots(figsize=(7.5, 4.8), dpi=120)
    palette = plt.get_cmap("viridis" if len(groups) > 6 else "tab10")
    empty: list[str] = []
    lines = [y for y in spec.ys if y not in spec.stack]
    for index, (key, members) in enumerate(groups):
        cut = mask[members] if mask is not None else None
        xs = masked(to_unit(columns[spec.x][members], x_unit), cut)
        colour = palette(index / max(1, len(groups) - 1)) if len(groups) > 6 else palette(index % 10)
        label = ", ".join(_equals(n, v, units[n]) for n, v in zip(others, key, strict=True))
        if spec.stack:
            keep = np.isfinite(xs)
            if not keep.any():
                empty.append(label or " + ".join(spec.stack))
            layers = [np.nan_to_num(to_unit(columns[y][members], y_unit)[keep]) for y in spec.stack]
            ax.stackplot(xs[keep], *layers, labels=list(spec.stack), alpha=0.8)
        for y in lines:
            ys = masked(to_unit(columns[y][members], y_unit), cut)
            if not np.any(np.isfinite(xs) & np.isfinite(ys)):
                empty.append(label or y)
                continue
            name = ", ".join(p for p in (y if len(spec.ys) > 1 else "", label) if p)
            ax.plot(xs, ys, label=name or None, lw=1.8,
                    color="black" if spec.stack else (None if len(lines) > 1 else colour))
        for m_index, marker in enumerate(spec.markers):
            for value in np.unique(columns[marker][members][np.isfinite(columns[marker][members])]):
                line_colour = colour if len(groups) > 1 else f"C{(m_index + 3) % 10}"
                ax.axvline(float(to_unit(value, x_unit)), color=line_colour, ls="--" if m_index == 0 else ":", lw=1.4,
                           label=_equals(marker, value, x_unit) if len(groups) == 1 or index == 0 else None)
    for wanted, axis, scale in ((spec.log_x, ax.xaxis, ax.set_xscale), (spec.log_y, ax.yaxis, ax.set_yscale)):
        if wanted:
            scale("log")
            axis.set_major_locator(ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
            axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
            axis.set_minor_formatter(ticker.NullFormatter())
    if spec.stack:
        ax.set_ylim(bottom=0)
        x_values = to_unit(columns[spec.x], x_unit)
        if np.isfinite(x_values).any():  # none: the note below says there is no point to draw
            ax.set_xlim(0, float(np.max(x_values[np.isfinite(x_values)])))
    ax.set_xlabel(_label([spec.x], x_unit))
    ax.set_ylabel(_label(([" + ".join(spec.stack)] if spec.stack else []) + lines, y_unit))
    ax.set_title(scenario.spec.title + (f" [{scenario.variant}]" if scenario.variant else ""), fontsize=9)
    ax.grid(True, which="major", alpha=0.35)
    ax.grid(True, which="minor", alpha=0.12)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="best", framealpha=0.85)
    notes = []
    if mask is not None and np.any(mask):
        notes.append("lines stop where weights + KV cache exceed HBM or a declared check fails")
    if empty:
        text = "no point to draw for " + "; ".join(empty)
        notes.append(text if len(text) <= 140 else text[:137] + "...")
    for row, note in enumerate(reversed(notes)):
        figure.text(0.99, 0.008 + 0.03 * row, note, ha="right", va="bottom", fontsize=7, color="0.4")
    figure.tight_layout(rect=(0, 0.03 * len(notes), 1, 1))
    save_figure(figure, output)


def pyplot():
    """matplotlib's pyplot on the Agg backend, imported only when a plot is drawn."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(figure, output: str) -> None:
    """Write ``figure`` in the format ``output``'s suffix names, undated and with fixed SVG ids (same plot, same
    bytes), and close it."""
    import matplotlib

    from calcgraph.core.files import write_atomic
    buffer = io.BytesIO()
    try:
        kind = Path(output).suffix.lower().lstrip(".")
        undated = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(kind)
        with matplotlib.rc_context({"svg.hashsalt": "calcgraph"}):  # else each run draws random clip-path ids
            figure.savefig(buffer, format=kind, metadata=undated)
    finally:
        pyplot().close(figure)
    write_atomic(output, buffer.getvalue())
