"""One block of a sweep as a polars DataFrame whose CSV is the block's rows (render.sweep.files writes it).

Numbers are written by polars: whole numbers as integers, other values as
their shortest round-trip text, no value as ``nan``. Columns that do not vary
are the ``shortest_text`` of their value. A column that varies along some axes of
the block only is formatted once per distinct value, and joined with its
neighbours that vary the same way (or not at all) into one text column: its
rows are gathered from a few hundred texts instead of formatted one by one.
"""

from __future__ import annotations

import math

import numpy as np

from calcgraph.render.sweep.blocks import CHECKS_COLUMN, GridRun

CSV_OPTIONS = {"include_header": False, "quote_style": "never", "null_value": "nan", "line_terminator": "\n"}


def polars_frame(pl, run: GridRun, shape: tuple, block: dict, fails, cache: dict | None = None):
    """The polars DataFrame of one block (of ``shape``) of ``run``: its CSV (``CSV_OPTIONS``) is the rows.

    ``cache``: what earlier blocks of the grid computed that this one reuses (texts of constant columns,
    row indices).

    >>> import polars, calcgraph
    >>> from calcgraph.engine.axes import parse_axes
    >>> from calcgraph.render.sweep.columns import SweepRun
    >>> model = calcgraph.load()
    >>> run = SweepRun(model.scenario, parse_axes(["batch=1,2"], model.graph), ["batch", "layers", "t_step"])
    >>> _, shape, block, fails = next(run.walk())
    >>> polars_frame(polars, run, shape, block, fails).write_csv(**CSV_OPTIONS)
    '1,80,0.011009595259259259,0\\n2,80,0.011216721382716049,0\\n'
    """
    cache = {} if cache is None else cache
    columns: dict = {}
    group: list = []  # adjacent cells written as one text column
    pattern = None    # the axes of the block the group varies along (None: it does not vary)

    def flush() -> None:
        if group:
            columns[f"c{len(columns)}"] = _text_column(pl, run, block, group, pattern, shape, cache)
            group.clear()
    for name in run.columns:
        depends = tuple(run.depends[name]) if name in run.varying else None
        if depends is not None and (all(depends) or len(depends) != len(shape)):
            flush()
            pattern = None
            columns[f"c{len(columns)}"] = number_series(pl, run.declared(block, name))
            continue
        if depends is not None and pattern not in (None, depends):
            flush()
        if depends is not None:
            pattern = depends
        elif not group:
            pattern = None
        group.append(name)
    flush()
    if fails is not None:
        columns[CHECKS_COLUMN] = pl.Series(np.asarray(fails, np.int64))
    return pl.DataFrame(columns)


def _text_column(pl, run: GridRun, block: dict, names: list, pattern, shape: tuple, cache: dict):
    """The text of ``names`` (adjacent cells varying along ``pattern`` of the block's axes, or not at all)."""
    size = math.prod(shape)
    if pattern is None:
        text = ",".join(run.literal(block, name).decode() for name in names)
        if (text, size) not in cache:
            cache[text, size] = pl.repeat(text, size, eager=True)
        return cache[text, size]
    part = tuple(n if d else 1 for n, d in zip(shape, pattern, strict=True))
    cells = []
    for name in names:
        if name in run.varying:
            values = run.declared(block, name).reshape(shape)[tuple(slice(0, n) for n in part)]
            cells.append(number_texts(pl, np.ascontiguousarray(values).reshape(-1)))
        else:
            cells.append([run.literal(block, name).decode()] * math.prod(part))
    if (part, shape) not in cache:
        index = np.arange(math.prod(part), dtype=np.uint32).reshape(part)
        cache[part, shape] = pl.Series(np.broadcast_to(index, shape).reshape(-1))
    return pl.Series([",".join(row) for row in zip(*cells, strict=True)]).gather(cache[part, shape])


def number_texts(pl, values: np.ndarray) -> list[str]:
    """What polars writes for each of ``values`` (as ``number_series``; its cast to text formats as its CSV
    writer does, without waiting for the thread pool that writes the previous block).

    >>> import polars
    >>> number_texts(polars, np.array([2.0, np.nan, 8.0])), number_texts(polars, np.array([0.1, -np.inf]))
    (['2', 'nan', '8'], ['0.1', '-inf'])
    """
    return number_series(pl, values).cast(pl.String).fill_null("nan").to_list()


def number_series(pl, values: np.ndarray):
    """A polars Series of ``values``: Int64 if every one is a whole number (exactly an int64, not -0), else
    Float64; NaN as null (written ``nan``).

    >>> import polars
    >>> number_series(polars, np.array([1.0, np.nan, 3.0])).to_list()
    [1, None, 3]
    >>> number_series(polars, np.array([0.5, np.inf])).dtype
    Float64
    """
    with np.errstate(invalid="ignore"):
        nan = np.isnan(values)
        empty = bool(nan.any())
        if _whole(values[:64]):  # a fractional column is told apart by its first values
            ints = values.astype(np.int64)
            whole = ints == values
            whole |= nan
            if whole.all() and not _negative_zero(values, ints):
                return pl.Series(values, nan_to_null=True).cast(pl.Int64) if empty else pl.Series(ints)
    return pl.Series(values, nan_to_null=True) if empty else pl.Series(values)


def _whole(values: np.ndarray) -> bool:
    """Whether every value is NaN or a whole number an int64 holds exactly, not -0."""
    ints = values.astype(np.int64)
    return bool(((ints == values) | np.isnan(values)).all()) and not _negative_zero(values, ints)


def _negative_zero(values: np.ndarray, ints: np.ndarray) -> bool:
    zero = ints == 0
    return bool(zero.any() and np.signbit(values[zero]).any())
