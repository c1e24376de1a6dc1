"""``calcgraph sweep`` from the compiled graph cache: the grid evaluated by generated numpy code.

``sweep_hit`` finds the entry of the scenario (keyed like ``eval``'s), reads
``--vary`` exactly as ``engine.axes.parse_axes`` does for numbers in declared
units and for unit texts in the entry's unit table, evaluates every block of
the grid with the generated code (``engine.gridcode``; ``core.arraynumeric``
at run time) and writes it with the writer the normal path uses
(``render.gridrun``): the same header, CSV bytes, Parquet values, warnings and
exit status; ``--set`` of an input is read as ``eval``'s hits read it
(``cli.cached``). Anything it cannot settle exactly (a computed axis, a unit
text not in the table, a pin, ``--plot``, an unknown ``--only`` name, a solve
whose guess does not verify at some point, a value the normal path would
refuse or warn about) returns None before anything is written (for a large grid
written to a file, perhaps while writing it: the file is written atomically,
so nothing is left, and its stderr lines are held back until it is written):
the command then runs the normal way, which words any error.
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import sys

import numpy as np

from ..core import cachestore
from ..core.arraynumeric import CHUNK, block_overrides, build, exact_range, failed_count
from ..core.numeric import Refused
from ..core.version import VERSION
from ..render.gridrun import CHECKS_COLUMN, GridRun, replaced_by_axes
from .cached import Miss, _ancestors, _scenario, _setting, _unused, generated
from .progress import Progress
from .sweepout import write_rows

MAX_POINTS = 10 ** 7       # = engine.axes.MAX_POINTS
MAX_VALUE_TEXT = 200       # = core.units.MAX_VALUE_TEXT
_NUMBER = re.compile(r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")  # = core.units._NUMBER
_FAILS = " checks failed"  # a block's check count (no quantity has a space in its name)
_STORED = 2 ** 22          # values kept from the first pass (else the second pass evaluates again)
_MISSES = (Miss, Refused, ArithmeticError, KeyError, TypeError, ValueError, IndexError, SyntaxError, RecursionError,
           MemoryError)  # what the cache cannot answer exactly


def sweep_key(args) -> str | None:
    """The entry name of ``sweep`` for this scenario argument and variant."""
    return cachestore.entry_name("sweep", VERSION, _scenario(args.scenario), getattr(args, "variant", None))


def _quantity(part: str, units: dict) -> tuple[float, str | None]:
    """``core.units.parse_quantity`` of one value, its unit from the entry's table; else Miss."""
    text = part.strip()
    match = _NUMBER.match(text)
    if len(text) > MAX_VALUE_TEXT or not match:
        raise Miss(text)
    digits = match.group(0).replace("_", "")
    if len(digits) > 330:
        raise Miss(text)
    number = float(digits)
    unit = text[match.end():].strip() or None
    if unit is not None and unit not in units:
        raise Miss(unit)
    if not math.isfinite(number) or abs(number) > 1e300:
        raise Miss(text)
    return number, unit


def _pieces(parts: list[str], quantity: dict, units: dict) -> tuple[list[float], float | None]:
    """``engine.axes._pieces``: the numbers and the factor to base units (None: each in its own unit)."""
    parsed = [_quantity(part, units) for part in parts]
    written = list(dict.fromkeys(u for _, u in parsed if u is not None))
    if any(units[u][1] != quantity["dim"] for u in written):
        raise Miss("a unit of another dimension")
    if len(written) <= 1:
        return [n for n, _ in parsed], units[written[0]][0] if written else quantity["factor"]
    if any(u is None for _, u in parsed):
        raise Miss("values mix several units and some have none")
    return [n * units[u][0] for n, u in parsed], None


def read_vary(text: str, entry: dict) -> tuple[str, np.ndarray]:
    """One ``--vary`` text as ``engine.axes.parse_vary`` reads it: (name, values in base units); else Miss."""
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not name or not rest.strip() or name not in entry["axes"]:
        raise Miss(text)  # unreadable, unknown, or computed (typed over): the normal path words it
    quantity = entry["axes"][name]
    if ":" in rest:
        parts = rest.split(":")
        if len(parts) not in (2, 3):
            raise Miss(text)
        numbers, factor = _pieces(parts, quantity, entry["units"])
        start, stop = numbers[0], numbers[1]
        mixed = factor is None
        factor = 1.0 if mixed else factor
        step = numbers[2] if len(numbers) == 3 else (quantity["factor"] if mixed else 1.0)
        if step <= 0 or stop < start:
            raise Miss(text)
        span = (stop - start) / step
        if not math.isfinite(span) or span + 1 > MAX_POINTS:
            raise Miss(text)
        count = int(math.floor(span + 1e-9 * max(1.0, span))) + 1
        values = exact_range(start, stop, step, count)
    else:
        parts = rest.split(",")
        if len(parts) > MAX_POINTS:
            raise Miss(text)
        numbers, factor = _pieces(parts, quantity, entry["units"])
        values = np.array(numbers, dtype=float)
    return name, values * factor if factor not in (None, 1.0) else values


def read_axes(texts: list[str], entry: dict) -> list[tuple[str, np.ndarray]]:
    """Every ``--vary`` as ``parse_axes`` reads it (one axis per name, at most MAX_POINTS points); else Miss."""
    axes = []
    for text in texts:
        axis = read_vary(text, entry)
        if any(name == axis[0] for name, _ in axes):
            raise Miss(text)
        axes.append(axis)
    if math.prod(len(v) for _, v in axes) > MAX_POINTS:
        raise Miss("too many points")
    return axes


def _needed(entry: dict, names) -> set:
    return set(names) | _ancestors(entry, *names)


class _Grid:
    """The blocks of one grid from the generated code: checked in a first pass, then written (``deferred``:
    a large grid only as it is written)."""

    def __init__(self, entry: dict, axes: list, names: list[str], settings=(), deferred: bool = False) -> None:
        code = entry["code"]
        tree = generated(code["source"], grid=True)
        self.grid, self.checks = build(tree, ("_grid", "_checks"), {k: tuple(v) for k, v in code["ops"].items()})
        self.code, self.axes, self.checked = code, axes, entry["checked"]
        wanted = _needed(entry, names)
        self.flags = [name in wanted for name in code["computed"]]
        self.index = {n: i for i, n in enumerate(entry["names"])}
        self.position = {n: i for i, n in enumerate(code["arguments"])}
        self.defaults = list(code["defaults"])
        for name, value, _, _ in settings:  # inputs only (a pin would change the graph): read as bind reads them
            self.defaults[self.position[name]] = value
        total = math.prod(len(v) for _, v in axes)
        self.stored = [] if total * len(names) <= _STORED else None
        if deferred and self.stored is None:  # a file written atomically: a Miss while writing leaves nothing
            return
        for block in self.blocks(names, first=True):  # every Miss happens here, before anything is written
            if self.stored is not None:
                self.stored.append(block)

    def blocks(self, names, first: bool = False):
        """``{name: flat array (base units)}`` per block, and the count of failed checks."""
        if self.stored is not None and not first:
            yield from self.stored
            return
        arguments = list(self.defaults)
        for shape, views in block_overrides([v for _, v in self.axes], CHUNK):
            for (name, _), view in zip(self.axes, views, strict=True):
                arguments[self.position[name]] = view
            with np.errstate(all="ignore"):  # as evaluate()
                values = self.grid(*arguments, *self.flags)
            block = {n: _flat(values[self.index[n]], shape) for n in names}
            if self.checked:  # the normal path computes the sides without errstate: a warning there is a Miss here
                with np.errstate(divide="raise", over="raise", invalid="raise"):
                    sides = self.checks(*[block[n] for n in self.code["check_names"]])
                block[_FAILS] = failed_count(self.code["check_ops"], sides)
            yield block


def _flat(value, shape: tuple) -> np.ndarray:
    """A block's values as a flat array; one value as a read-only view that repeats it (nothing copied)."""
    array = np.asarray(value, float)
    if array.size == 1:
        return np.broadcast_to(array.reshape(1), (math.prod(shape),))
    return np.broadcast_to(array, shape).reshape(-1)


def _run(args, entry: dict, axes: list, progress=None, deferred: bool = False) -> tuple[GridRun, str, int, list[str]]:
    """The GridRun of this sweep, its header, column count and warnings; Miss when the cache cannot answer
    exactly (``deferred``: for a large grid, perhaps only while it is written)."""
    settings = [_setting(text, entry) for text in args.sets]
    names = entry["names"]
    if args.only and any(n not in entry["factors_by_name"] for n in args.only):
        raise Miss("unknown --only name")
    axis_names = [n for n, _ in axes]
    chosen = list(args.only or entry["report"] or names)
    columns = axis_names + [n for n in dict.fromkeys(chosen) if n not in axis_names]
    header = ",".join(f"{n} [{entry['header_by_name'][n]}]" for n in columns)
    header += f",{CHECKS_COLUMN} [1]" if entry["checked"] else ""
    grid = _Grid(entry, axes, list(dict.fromkeys(columns + entry["check_names"])), settings, deferred)
    run = GridRun(grid.blocks, [len(v) for _, v in axes], axis_names, columns,
                  {c: entry["factors_by_name"][c] for c in columns}, lambda c: _needed(entry, [c]) - {c},
                  (lambda block: block[_FAILS]) if entry["checked"] else None, entry["check_names"],
                  csv=args.out is None, progress=progress)
    replaced = replaced_by_axes([(name, where) for name, _, where, _ in settings], axis_names)
    return run, header + "\n", len(columns), _unused(entry, settings, set(columns)) + replaced


def sweep_hit(args) -> int | None:
    """Answer ``calcgraph sweep`` from the cache (its exit status), or None when the cache cannot."""
    if getattr(args, "no_cache", False) or args.plot or args.color or args.output \
            or args.out is not None and (not args.out.endswith(".parquet") or args.csv):
        return None
    entry = cachestore.load(sweep_key(args))
    if not isinstance(entry, dict) or entry.get("format") != 1 or not entry.get("complete") or not entry.get("code"):
        return None
    try:
        entry["factors_by_name"] = dict(zip(entry["names"], entry["factors"], strict=True))
        entry["header_by_name"] = dict(zip(entry["names"], entry["header"], strict=True))
        axes = read_axes(list(args.vary), entry)
        progress = None if args.out else Progress(math.prod(len(v) for _, v in axes))
        to_file = args.out is not None or bool(args.csv) and args.csv != "-"
        run, header, width, warnings = _run(args, entry, axes, progress, deferred=to_file)
    except _MISSES:
        return None  # the normal path answers (and words any error)
    held = io.StringIO()  # a file's stderr lines, printed once it is written
    try:
        with contextlib.redirect_stderr(held) if to_file else contextlib.nullcontext():
            if not to_file:
                _print(warnings)
            infeasible = write_rows(args, run, header, width)
    except _MISSES:  # while writing a file, which is removed: the normal path answers from the start
        return None
    if to_file:
        _print(warnings)
        sys.stderr.write(held.getvalue())
    return 3 if args.strict and infeasible else 0  # = commands.STRICT_EXIT, which loads the API


def _print(warnings: list[str]) -> None:
    for warning in warnings:
        print(f"calcgraph sweep: warning: {warning}", file=sys.stderr)
