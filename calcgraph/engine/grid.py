"""``calcgraph sweep``: evaluate the graph over a grid of inputs, write CSV, draw plots.

Each ``--vary`` gives one axis of the grid (a range ``START:STOP[:STEP]`` that
includes STOP, or a list ``V1,V2,...``); several make a grid whose points are
ordered like a flattened ``numpy.meshgrid(..., indexing="ij")``: the first
``--vary`` changes slowest. The graph is evaluated on plain base-unit
magnitudes (units were checked at load), in blocks of about ``CHUNK`` points
that broadcast along the axes, so a quantity that depends on one axis only is
computed once per value of that axis, and peak memory stays small.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from ..core.evaluate import evaluate
from ..core.files import write_stream_atomic
from ..core.names import suggest
from ..core.units import Unit, format_dim, format_unit, parse_quantity
from ..errors import CalcgraphError, SetValueError, UnknownNameError

CHUNK = 2 ** 17
MAX_POINTS = 10 ** 7
CSV_FORMAT = "%.10g"
CSV_ROWS = 2 ** 14


@dataclass(frozen=True)
class Axis:
    """One varied input: its name, its values in base units, and the ``--vary`` text."""

    name: str
    values: np.ndarray
    text: str


# ---------------------------------------------------------------- --vary parsing

def _where(text: str) -> str:
    return f"--vary {text}"


def _exact_range(start: float, stop: float, step: float, count: int) -> np.ndarray:
    """``start + i * step`` for i < count, each the float nearest the exact decimal.

    Decimal inputs are scaled to integers, summed exactly, and divided once, so
    ``0:1:0.1`` gives exactly ``float("0.3")`` where ``0.1 * 3`` would not.

    >>> bool(_exact_range(0.0, 1.0, 0.1, 11)[3] == 0.3)
    True
    """
    try:
        decimals = [Decimal(repr(v)) for v in (start, step)]
        places = max(0, *(-d.as_tuple().exponent for d in decimals))
    except (InvalidOperation, TypeError):
        places = 99
    if places <= 15:
        scale = 10 ** places
        first, stride = (int(d * scale) for d in decimals)
        if max(abs(first), abs(first + stride * (count - 1))) < 2 ** 53:
            steps = np.arange(count, dtype=float)
            return (first + stride * steps) / scale if scale != 1 else first + stride * steps
    values = start + step * np.arange(count, dtype=float)
    if count and abs(values[-1] - stop) <= 1e-9 * abs(step):
        values[-1] = stop
    return values


def _pieces(parts: list[str], unit: Unit, text: str) -> tuple[list[float], float | None]:
    """The numbers of ``parts`` and the factor that takes them to base units.

    Numbers without a unit take the one unit written among ``parts``, else the
    quantity's declared unit; with several units written, each needs its own,
    and the numbers come back in base units with the factor None.
    """
    parsed = []
    for part in parts:
        try:
            parsed.append(parse_quantity(part.strip()))
        except CalcgraphError as exc:
            raise SetValueError(f"cannot read {part.strip()!r}: {exc.message}", where=_where(text),
                                hint="give numbers, optionally with a unit: batch=1:256, "
                                     "seq_len=1024,8192, \"t_step=5 ms:20 ms:1 ms\"") from None
    written = {u.text: u for _, u in parsed if u is not None}
    for given in written.values():
        if given.dim != unit.dim:
            raise SetValueError(f"unit {given.text!r} ({format_dim(given.dim)}) does not fit the unit "
                                f"{unit.text!r} ({format_dim(unit.dim)}) of the quantity",
                                where=_where(text), hint=f"give values in a unit like {unit.text}")
    if len(written) <= 1:
        working = next(iter(written.values()), unit)
        return [n for n, _ in parsed], working.factor
    if any(u is None for _, u in parsed):
        raise SetValueError("values mix several units and some have none", where=_where(text),
                            hint="give every value its unit, or write one unit only")
    return [n * u.factor for n, u in parsed], None


def parse_vary(text: str, graph) -> Axis:
    """One ``--vary`` argument as an Axis (values in base units; ranges include STOP).

    >>> import calcgraph
    >>> parse_vary("batch=1:4", calcgraph.load().graph).values.tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not name or not rest.strip():
        raise SetValueError(f"cannot read {text!r}", where=_where(text),
                            hint="write NAME=START:STOP[:STEP] or NAME=V1,V2,..., e.g. --vary batch=1:256")
    if name not in graph:
        raise UnknownNameError(f"cannot vary unknown quantity {name!r}", where=_where(text),
                               hint=suggest(name, graph.quantities), name=name)
    unit = graph[name].unit
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) not in (2, 3):
            raise SetValueError(f"a range has START:STOP or START:STOP:STEP, got {rest!r}",
                                where=_where(text), hint="e.g. --vary batch=1:256:1")
        numbers, factor = _pieces(parts, unit, text)
        start, stop = numbers[0], numbers[1]
        mixed = factor is None
        factor = 1.0 if mixed else factor
        step = numbers[2] if len(numbers) == 3 else (unit.factor if mixed else 1.0)
        if step <= 0:
            raise SetValueError(f"the step of {name} must be positive, got {parts[2].strip()!r}",
                                where=_where(text), hint="ranges go upwards: START:STOP:STEP with STEP > 0")
        if stop < start:
            raise SetValueError(f"the range of {name} ends ({parts[1].strip()}) below its start "
                                f"({parts[0].strip()})", where=_where(text),
                                hint="write START:STOP with START <= STOP")
        span = (stop - start) / step
        if not math.isfinite(span) or span + 1 > MAX_POINTS:
            raise SetValueError(f"the range of {name} has more than {MAX_POINTS:.0e} points",
                                where=_where(text), hint="use a larger STEP or a smaller range")
        count = int(math.floor(span + 1e-9 * max(1.0, span))) + 1
        values = _exact_range(start, stop, step, count)
    else:
        parts = rest.split(",")
        if len(parts) > MAX_POINTS:
            raise SetValueError(f"more than {MAX_POINTS:.0e} values", where=_where(text))
        numbers, factor = _pieces(parts, unit, text)
        values = np.array(numbers, dtype=float)
    return Axis(name=name, values=values * factor if factor not in (None, 1.0) else values, text=text)


def parse_axes(texts: list[str], graph) -> list[Axis]:
    """Every ``--vary`` as an Axis; one axis per name; at most MAX_POINTS grid points."""
    axes: list[Axis] = []
    for text in texts:
        axis = parse_vary(text, graph)
        if any(a.name == axis.name for a in axes):
            raise SetValueError(f"{axis.name} is varied twice", where=_where(text),
                                hint="give each name one --vary (a list V1,V2,... may hold any values)")
        axes.append(axis)
    total = math.prod(len(a.values) for a in axes)
    if total > MAX_POINTS:
        raise SetValueError(f"the grid has {total:,} points, more than {MAX_POINTS:,}",
                            where=" ".join(_where(a.text) for a in axes),
                            hint="use fewer values per --vary")
    return axes


# ---------------------------------------------------------------- evaluation

def _layout(shape: tuple[int, ...], chunk: int) -> tuple[int, int]:
    """The axis to split blocks along, and how many of its values go in one block."""
    for k in range(len(shape)):
        inner = math.prod(shape[k + 1:])
        if inner <= chunk:
            return k, max(1, chunk // max(inner, 1))
    return len(shape) - 1, 1


def iter_blocks(scenario, axes: list[Axis], names: list[str], chunk: int = CHUNK):
    """Yield ``{name: flat array}`` (base units) for consecutive blocks of grid points.

    Varied inputs come as broadcasting views (shape (n, 1) and (1, m)), so what
    depends on one axis only is computed once per value of it.
    """
    shape = tuple(len(a.values) for a in axes)
    if not shape or 0 in shape:
        return
    k, rows = _layout(shape, chunk)
    for outer in np.ndindex(*shape[:k]):
        for first in range(0, shape[k], rows):
            last = min(shape[k], first + rows)
            block = (last - first,) + shape[k + 1:]
            overrides = {}
            for j, axis in enumerate(axes):
                form = [1] * len(block)
                if j < k:
                    value = axis.values[outer[j]:outer[j] + 1].reshape(form)
                else:
                    form[j - k] = -1
                    value = (axis.values[first:last] if j == k else axis.values).reshape(form)
                overrides[axis.name] = value
            env = evaluate(scenario, overrides=overrides, names=names)
            yield {name: np.broadcast_to(np.asarray(env[name], dtype=float), block).reshape(-1)
                   for name in names}


def evaluate_grid(scenario, axes: list[Axis], names: list[str], chunk: int = CHUNK) -> dict:
    """Every name over the whole grid: ``{name: flat array in base units}``.

    >>> import calcgraph
    >>> model = calcgraph.load()
    >>> grid = evaluate_grid(model.scenario, parse_axes(["batch=32,64"], model.graph), ["batch", "t_step"])
    >>> round(float(grid["t_step"][0]) * 1000, 2)
    17.43
    """
    names = list(dict.fromkeys(names))
    parts: dict[str, list] = {n: [] for n in names}
    for values in iter_blocks(scenario, axes, names, chunk):
        for name in names:
            parts[name].append(values[name])
    return {name: np.concatenate(parts[name]) if parts[name] else np.empty(0) for name in names}


# ---------------------------------------------------------------- CSV

def csv_header(graph, columns: list[str]) -> str:
    """``name [unit]`` for each column, in its declared unit.

    >>> import calcgraph
    >>> csv_header(calcgraph.load().graph, ["batch", "t_step", "layers"])
    'batch [seq],t_step [s],layers [1]'
    """
    return ",".join(f"{name} [{format_unit(graph[name].unit.pint_unit) or '1'}]" for name in columns)


def row_format(columns: list[str], constants: dict) -> str:
    """A ``%`` format for one CSV row: ``%.10g`` per varying column, constants written in.

    >>> row_format(["a", "b", "c"], {"b": 80.0})
    '%.10g,80,%.10g\\n'
    """
    cells = [CSV_FORMAT % constants[c] if c in constants else CSV_FORMAT for c in columns]
    return ",".join(cells) + "\n"


def csv_text(table: np.ndarray, row: str | None = None) -> str:
    """Rows of a 2-D array as CSV text, ``%.10g`` each (the same text np.savetxt writes).

    ``row`` is a format from row_format (constant columns written in); the
    whole block is formatted by one ``%`` operation, which is C speed.

    >>> csv_text(np.array([[1.0, 0.5], [np.nan, 3e-12]]))
    '1,0.5\\nnan,3e-12\\n'
    """
    return "".join(csv_pieces(table, row))


def csv_pieces(table: np.ndarray, row: str | None = None):
    """csv_text in pieces of CSV_ROWS rows (no copy of a whole block's text)."""
    if row is None:
        row = ",".join([CSV_FORMAT] * table.shape[1]) + "\n"
    for first in range(0, table.shape[0], CSV_ROWS):
        part = table[first:first + CSV_ROWS]
        yield (row * part.shape[0]) % tuple(part.ravel().tolist()) if table.shape[1] else row * part.shape[0]


# ---------------------------------------------------------------- progress

class Progress:
    """A one-line progress bar on stderr, shown only on a terminal and after ``delay`` seconds."""

    def __init__(self, total: int, stream=None, delay: float = 1.0, width: int = 30) -> None:
        self.total, self.delay, self.width = total, delay, width
        self.stream = stream if stream is not None else sys.stderr
        self.start = time.perf_counter()
        self.last = 0.0
        self.shown = False
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty())

    def update(self, done: int) -> None:
        """Redraw (at most 10 times a second) once the sweep has run for ``delay`` seconds."""
        if not self.enabled:
            return
        now = time.perf_counter()
        elapsed = now - self.start
        if elapsed < self.delay or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        fraction = done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        self.stream.write(f"\rsweep [{'#' * filled}{'.' * (self.width - filled)}] {fraction:4.0%} "
                          f"{done:,}/{self.total:,} points {elapsed:5.1f} s")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """Clear the bar's line if it was drawn."""
        if self.shown:
            self.stream.write("\r" + " " * (self.width + 60) + "\r")
            self.stream.flush()


# ---------------------------------------------------------------- the command

def _check_names(graph, names, flag: str) -> None:
    for name in names:
        if name not in graph:
            raise UnknownNameError(f"unknown quantity {name!r}", where=f"{flag} {name}",
                                   hint=suggest(name, graph.quantities), name=name)


def output_columns(model, axes: list[Axis], only) -> list[str]:
    """The CSV columns: the varied inputs, then ``--only`` (default: the report list, or every name)."""
    if only:
        _check_names(model.graph, only, "--only")
    names = list(only or model.spec.report or model.names())
    axis_names = [a.name for a in axes]
    return axis_names + [n for n in dict.fromkeys(names) if n not in axis_names]


def nan_warning(columns: list[str], counts: dict, empty: int, total: int) -> str | None:
    """The one warning line about points without a value, or None.

    >>> nan_warning(["a", "b"], {"a": 0, "b": 3}, 3, 10)
    'warning: 3 of 10 points have no value (division by zero or no solution): b'
    """
    if not empty:
        return None
    names = ", ".join(n for n in columns if counts.get(n))
    return f"warning: {empty:,} of {total:,} points have no value (division by zero or no solution): {names}"


class SweepRun:
    """One pass over the grid: iterate it for CSV text per block; then read ``kept`` and ``warning``.

    ``columns`` are written (declared units); ``keep`` names are collected whole
    (base units) for plotting; NaN points of the non-varied columns are counted.
    """

    def __init__(self, model, axes: list[Axis], columns: list[str], keep=(), csv: bool = True,
                 chunk: int = CHUNK, progress_stream=None) -> None:
        self.model, self.axes, self.columns = model, axes, list(columns)
        self.keep, self.csv, self.chunk = list(keep), csv, chunk
        self.progress_stream = progress_stream
        self.total = math.prod(len(a.values) for a in axes)
        self.kept: dict = {}
        self.warning: str | None = None

    def __iter__(self):
        graph = self.model.graph
        axis_names = {a.name for a in self.axes}
        outputs = [c for c in self.columns if c not in axis_names]
        names = list(dict.fromkeys(self.columns + self.keep))
        varying = [c for c in self.columns if c in axis_names or axis_names & set(graph.ancestors(c))]
        factors = np.array([graph[c].unit.factor for c in varying])
        row = None
        kept: dict[str, list] = {n: [] for n in self.keep}
        counts = dict.fromkeys(outputs, 0)
        empty = done = 0
        progress = Progress(self.total, stream=self.progress_stream)
        try:
            for block in iter_blocks(self.model.scenario, self.axes, names, self.chunk):
                size = len(block[names[0]])
                if outputs:
                    missing = np.zeros(size, dtype=bool)
                    for name in outputs:
                        isnan = np.isnan(block[name])
                        counts[name] += int(np.count_nonzero(isnan))
                        missing |= isnan
                    empty += int(np.count_nonzero(missing))
                for name in self.keep:
                    kept[name].append(block[name])
                done += size
                progress.update(done)
                if self.csv:
                    if row is None:
                        constants = {c: float(block[c][0] / graph[c].unit.factor)
                                     for c in self.columns if c not in varying}
                        row = row_format(self.columns, constants)
                    table = np.column_stack([block[c] for c in varying]) if varying else np.empty((size, 0))
                    yield from csv_pieces(table / factors if varying else table, row)
        finally:
            progress.close()
        self.kept = {n: np.concatenate(v) if v else np.empty(0) for n, v in kept.items()}
        self.warning = nan_warning(outputs, counts, empty, self.total)

    def run(self) -> SweepRun:
        """Evaluate without keeping any CSV text."""
        for _ in self:
            pass
        return self


def sweep_command(model, args) -> int:
    """Run ``calcgraph sweep``: CSV to ``--csv`` (or stdout), a plot to ``-o``; exit status."""
    axes = parse_axes(list(args.vary), model.graph)
    columns = output_columns(model, axes, args.only)
    axis_names = [a.name for a in axes]
    plot_spec, keep = None, []
    if args.plot or args.output:
        from ..render.plot import check_output, check_stack, parse_plot_spec, plot_names
        if not args.plot:
            raise SetValueError("-o needs --plot Y:X (what to draw)", where=f"-o {args.output}",
                                hint="e.g. --plot throughput_per_chip:t_step -o tp.png; use --csv for data")
        if not args.output:
            raise SetValueError("--plot needs -o FILE.png or FILE.svg", where=f"--plot {args.plot}",
                                hint="e.g. -o throughput.png")
        check_output(args.output)
        plot_spec = parse_plot_spec(args.plot, model.graph, color=args.color, axes=axis_names)
        check_stack(plot_spec, {a.name: len(a.values) for a in axes})
        keep = plot_names(plot_spec, model.graph, axis_names)
    elif args.color:
        raise SetValueError("--color needs --plot", where=f"--color {args.color}",
                            hint="e.g. --plot throughput_per_chip:t_step --color seq_len -o tp.png")
    if plot_spec is not None and not args.csv:
        columns = list(dict.fromkeys(axis_names + [*plot_spec.ys, plot_spec.x, *plot_spec.markers]))
    header = csv_header(model.graph, columns) + "\n"
    sweep = SweepRun(model, axes, columns, keep=keep, csv=bool(args.csv) or plot_spec is None)
    if args.csv:
        write_stream_atomic(args.csv, _chain(header, sweep))
        print(f"wrote {args.csv} ({sweep.total:,} rows, {len(columns)} columns)", file=sys.stderr)
    elif plot_spec is None:
        sys.stdout.write(header)
        for piece in sweep:
            sys.stdout.write(piece)
    else:
        sweep.run()
    if sweep.warning:
        print(sweep.warning, file=sys.stderr)
    if plot_spec is not None:
        from ..render.plot import draw
        draw(plot_spec, sweep.kept, model, axes, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _chain(first: str, rest):
    yield first
    yield from rest
