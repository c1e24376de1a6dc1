"""Grid blocks -> CSV text that reads back exactly: the walk of a sweep (numpy only, no heavy import).

A GridRun walks the blocks of a grid once (``{name: flat array in base units}``,
from ``engine.grid``),
yielding CSV text per block, counting the points without a value and those
where a declared check fails, and keeping the columns a plot needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from calcgraph.core.formula.arrays import CHUNK, layout
from calcgraph.core.numbers import shortest_text
from calcgraph.render.sweep.csvtext import Scratch, U, format_words

CSV_FORMAT = "%.10g"  # csvformat writes this where it reads back as the value, else the shortest text that does
CHECKS_COLUMN = "checks_failed"


class TextTable:
    """CSV rows, block after block: columns formatted into word planes, then laid out row after row.

    Cells are columns of values (formatted) or literal text (constants); each
    cell carries its separator. The planes and work arrays are kept from one
    block to the next (fresh ones would cost more in page faults than the arithmetic).

    >>> table = TextTable([None, b"7", None])
    >>> table.text(3, {0: np.array([1.0, 2.5, -0.0]), 2: np.array([3.0, 4.0, np.nan])})
    '1,7,3\\n2.5,7,4\\n-0,7,nan\\n'
    """

    def __init__(self, cells: list, rows: int = 16384) -> None:
        self.cells: list = []  # (separator, key) for a column of values; else literal bytes, at most 24 each
        self.seps: dict = {}
        literal = b""
        for j, cell in enumerate(cells):
            sep = b"\n" if j == len(cells) - 1 else b","
            if cell is not None:
                literal += cell + sep
                continue
            self._literal(literal)
            literal = b""
            self.cells.append((sep, j))
            self.seps[j] = sep
        self._literal(literal)
        self.scratch, self.rows = Scratch(), rows
        self.planes = self.lengths = self.offsets = self.where = None
        self.buffer = np.empty(0, np.uint8)

    def _literal(self, text: bytes) -> None:
        self.cells += [text[i:i + 24] for i in range(0, len(text), 24)]

    def words(self, j: int, values: np.ndarray) -> tuple:
        """Value cell ``j`` formatted ahead (its four arrays), e.g. to format repeated values once."""
        return format_words(values, self.seps[j], self.scratch)

    def text(self, rows: int, columns: dict) -> str:
        """The CSV text of ``rows`` rows; ``columns[j]``: the values of value cell ``j`` (or its ``words``)."""
        return str(self.data(rows, columns), "ascii")

    def data(self, rows: int, columns: dict) -> memoryview:
        """``text`` as bytes in the table's buffer: valid until the next call."""
        start = 0
        for first in range(0, rows, self.rows):
            last = min(rows, first + self.rows)
            part = {j: tuple(a[first:last] for a in v) if isinstance(v, tuple) else np.asarray(v)[first:last]
                    for j, v in columns.items()}
            start = self._part(last - first, part, start)
        return memoryview(self.buffer)[:start]

    def _planes(self, rows: int) -> None:
        """Word planes for ``rows`` rows, the literal cells written in once."""
        width = len(self.cells)
        self.planes = np.empty((3, rows, width), U)
        self.lengths = np.empty((rows, width), np.int64)
        self.offsets = np.empty((rows, width), np.int64)
        self.where = np.empty((rows, width), np.int64)
        for i, cell in enumerate(self.cells):
            if isinstance(cell, bytes):
                for w in range(3):
                    self.planes[w, :, i] = int.from_bytes(cell[8 * w:8 * w + 8].ljust(8, b"\0"), "little")
                self.lengths[:, i] = len(cell)

    def _part(self, rows: int, columns: dict, start: int) -> int:
        """Lay ``rows`` rows out in the buffer from byte ``start``; the end."""
        if self.planes is None or self.planes.shape[1] != rows:
            self._planes(rows)
        planes, lengths, offsets = self.planes, self.lengths, self.offsets
        longest = max([len(c) for c in self.cells if isinstance(c, bytes)], default=0)
        self.scratch.n = rows
        out = tuple(self.scratch(f"out{w}") for w in range(3)) + (self.scratch("outlen", np.int64),)
        for i, cell in enumerate(self.cells):
            if not isinstance(cell, bytes):
                given = columns[cell[1]]
                done = given if isinstance(given, tuple) else format_words(given, cell[0], self.scratch, out)
                for w in range(3):
                    planes[w, :, i] = done[w]
                lengths[:, i] = done[3]
                longest = max(longest, int(done[3].max(initial=0)))
        np.cumsum(lengths, axis=None, out=offsets.reshape(-1))
        size = int(offsets[-1, -1]) if rows else 0
        np.subtract(offsets, lengths - start, out=offsets)
        if len(self.buffer) < start + size + 64:
            grown = np.empty(start + size + (start + size) // 4 + 64, dtype=np.uint8)
            grown[:start] = self.buffer[:start]
            self.buffer = grown
        view = np.ndarray(shape=(start + size + 40,), dtype="<u8", buffer=self.buffer, strides=(1,))
        # Highest words first, each pass in row order: every byte's last write is its own cell's. A cell
        # shorter than a pass's word writes it too (fewer copies): only later cells' bytes of that word or
        # lower ones are under it, and those are written after it.
        for w in reversed(range((longest + 7) // 8)):
            np.add(offsets, 8 * w, out=self.where)
            view[self.where.reshape(-1)] = planes[w].reshape(-1)
        return start + size


def replaced_by_axes(settings, axis_names) -> list[str]:
    """Warnings for ``(name, where)`` settings that an axis of the sweep replaces at every point.

    >>> replaced_by_axes([("batch", "--set batch=5"), ("chips", "--set chips=8")], ["batch"])
    ['--set batch=5: --vary batch replaces this value at every point']
    """
    return [f"{where}: --vary {name} replaces this value at every point"
            for name, where in settings if name in axis_names]


def nan_warning(columns: list[str], counts: dict, empty: int, total: int) -> str | None:
    """The one warning line about points without a value, or None.

    >>> nan_warning(["a", "b"], {"a": 0, "b": 3}, 3, 10)
    'warning: 3 of 10 points have no value (division by zero or no solution): b'
    """
    if not empty:
        return None
    names = ", ".join(n for n in columns if counts.get(n))
    return f"warning: {empty:,} of {total:,} points have no value (division by zero or no solution): {names}"



class GridRun:
    """One pass over the grid: iterate it for CSV text per block; then read ``kept`` and ``warning``.

    ``blocks(names)`` yields the blocks; ``sizes`` are the axes' lengths and ``axis_names`` their names;
    ``columns`` are written (declared units: ``factors``); ``keep`` names are collected whole (base units)
    for plotting; ``downstream(axis)`` is what depends on an axis; ``fails(block)`` counts the declared
    checks failing at each point (``check_names``: what they read; none: no checks). NaN points of the
    non-varied columns are counted. ``varying``: the columns that change over the grid (the others are
    written as one text).
    """

    def __init__(self, blocks: Callable, sizes: list[int], axis_names: list[str], columns: list[str],
                 factors: dict, downstream: Callable, fails: Callable | None, check_names=(), keep=(),
                 csv: bool = True, chunk: int = CHUNK, progress: Callable[[int], None] | None = None,
                 arrays: bool = False) -> None:
        self.blocks, self.sizes, self.axis_names = blocks, list(sizes), list(axis_names)
        self.columns, self.factors, self.arrays = list(columns), factors, arrays
        self.fails, self.check_names = fails, list(check_names)
        self.keep, self.csv, self.chunk = list(keep), csv, chunk
        self.progress = progress
        self.total = math.prod(self.sizes)
        self.kept: dict = {}
        self.warning: str | None = None
        self.infeasible = 0  # points where a declared check fails
        axes = set(self.axis_names)
        self.checked = fails is not None  # a last column: how many declared checks fail at each point
        moved = {a: downstream(a) for a in self.axis_names}  # one walk per axis: what each one moves
        self.varying = {c for c in self.columns if c in axes or any(c in m for m in moved.values())}
        split, _ = layout(tuple(self.sizes), chunk)
        self.inner_sizes = self.sizes[split + 1:]
        self.depends = {c: [a == c or c in moved[a] for a in self.axis_names[split:]] for c in self.varying}

    def walk(self):
        """Evaluate block after block, counting and keeping as it goes: yield (size, shape, block, fails)."""
        axis_names = set(self.axis_names)
        outputs = [c for c in self.columns if c not in axis_names]
        names = list(dict.fromkeys(self.columns + self.keep + self.check_names))
        inner = math.prod(self.inner_sizes)
        kept: dict[str, list] = {n: [] for n in self.keep}
        counts = dict.fromkeys(outputs, 0)
        empty = done = 0
        for block in self.blocks(names):
            size = len(block[names[0]])
            if outputs:
                missing = np.zeros(size, dtype=bool)
                for name in outputs:
                    if name not in self.varying:  # one value in every block
                        empty_here = bool(np.isnan(block[name][0]))
                        counts[name] += size * empty_here
                        missing |= empty_here
                        continue
                    values = block[name]
                    if not np.isnan(np.add.reduce(values)):  # no NaN (one pass, no temporary); else count
                        continue
                    isnan = np.isnan(values)
                    counts[name] += int(np.count_nonzero(isnan))
                    missing |= isnan
                empty += int(np.count_nonzero(missing))
            fails = self.fails(block) if self.checked else None
            self.infeasible += int(np.count_nonzero(fails)) if self.checked else 0
            for name in self.keep:
                kept[name].append(block[name])
            if self.checked and self.keep:
                kept.setdefault(CHECKS_COLUMN, []).append(fails)
            done += size
            if self.progress is not None:
                self.progress(done)
            yield size, (size // inner, *self.inner_sizes), block, fails
        self.kept = {n: np.concatenate(v) if v else np.empty(0) for n, v in kept.items()}
        self.warning = nan_warning(outputs, counts, empty, self.total)

    def declared(self, block: dict, name: str) -> np.ndarray:
        """The values of column ``name`` of ``block`` in its declared unit."""
        factor = self.factors[name]
        return block[name] if factor == 1.0 else block[name] / factor

    def literal(self, block: dict, name: str) -> bytes:
        """The text of a column that does not vary (``shortest_text`` of its value)."""
        return shortest_text(float(self.declared(block, name)[0])).encode()

    def text_table(self, block: dict) -> TextTable:
        """The TextTable of this grid's rows (its constant cells taken from ``block``)."""
        return TextTable([None if c in self.varying else self.literal(block, c) for c in self.columns]
                         + ([None] if self.checked else []))

    def text_of(self, table: TextTable, size: int, shape: tuple, block: dict, fails) -> memoryview:
        """A block's CSV rows (``shortest_text``), in the table's buffer (valid until its next use)."""
        values = {j: _cells(table, j, self.declared(block, c), shape, self.depends[c])
                  for j, c in enumerate(self.columns) if c in self.varying}
        if self.checked:
            values[len(self.columns)] = np.asarray(fails, dtype=float)
        return table.data(size, values)

    def __iter__(self):
        table = None
        for size, shape, block, fails in self.walk():
            if self.arrays:
                arrays = {c: self.declared(block, c) for c in self.columns}
                if self.checked:
                    arrays[CHECKS_COLUMN] = np.asarray(fails, float)
                yield arrays
            elif self.csv:
                if table is None:
                    table = self.text_table(block)
                yield str(self.text_of(table, size, shape, block, fails), "ascii")

    def run(self) -> GridRun:
        """Evaluate without keeping any CSV text."""
        for _ in self.walk():
            pass
        return self


def _cells(table: TextTable, j: int, values: np.ndarray, shape: tuple, depends: list):
    """A block's values for cell ``j``; formatted once per distinct value when they vary along some axes only."""
    if all(depends) or len(shape) != len(depends):
        return values
    part = values.reshape(shape)[tuple(slice(None) if d else slice(0, 1) for d in depends)]
    return tuple(np.broadcast_to(a.reshape(part.shape), shape).reshape(-1) for a in table.words(j, part))
