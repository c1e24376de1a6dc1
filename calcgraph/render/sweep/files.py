"""Sweep files written while the grid is evaluated: CSV (polars, or plain Python) and Parquet (pyarrow).

Each block is evaluated in the calling thread while a second thread writes the one before (numpy, polars and
pyarrow release the GIL). Every CSV number is its ``shortest_text`` (``%.10g`` where that reads back as the value,
else the shortest text that does), so distinct values stay distinct; a missing value is ``nan``. Grids of
``FAST_FROM`` points or more are written by polars where it is installed, the others (and without it) by Python.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable

import numpy as np

from calcgraph.core.formula.arrays import CHUNK
from calcgraph.core.numbers import shortest_text
from calcgraph.errors import Argument, SetValueError

FAST_FROM = 2 ** 13  # grid points from which importing polars (~0.15 s) costs less than it saves
_END = object()


def pipelined(items: Iterable, consume: Callable) -> None:
    """``consume(item)`` for each of ``items`` in a second thread while the next item is produced.

    At most one item waits; the first error of either side is raised here once the thread has stopped.

    >>> seen = []
    >>> pipelined(iter([1, 2, 3]), seen.append)
    >>> seen
    [1, 2, 3]
    """
    work: queue.Queue = queue.Queue(maxsize=1)
    failed: list[BaseException] = []

    def worker() -> None:
        while (item := work.get()) is not _END:
            if not failed:
                try:
                    consume(item)
                except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
                    failed.append(exc)

    thread = threading.Thread(target=worker, name="calcgraph-writer", daemon=True)
    thread.start()
    try:
        for item in items:
            if failed:
                break
            work.put(item)
    finally:
        work.put(_END)
        thread.join()
    if failed:
        raise failed[0]


def python_text(cells: list, size: int) -> str:
    """CSV rows of ``cells``: text repeated in every row, or arrays of values (each one's ``shortest_text``).

    >>> python_text([np.array([1.0, 2.5, -0.0]), "7", np.array([3.0, 0.1 + 0.2, np.nan])], 3)
    '1,7,3\\n2.5,7,0.30000000000000004\\n-0,7,nan\\n'
    """
    columns = [[c] * size if isinstance(c, str) else map(shortest_text, c.tolist()) for c in cells]
    return "".join(",".join(row) + "\n" for row in zip(*columns, strict=True))


def _signed(pl, text, values: np.ndarray):
    """``text`` with a minus sign where ``values`` are negative."""
    return ("-" + text).zip_with(pl.Series(np.signbit(values)), text)


def _ten_digits(pl, text, values: np.ndarray):
    """Whole ``values`` from 1e10 to 1e16 with at most 10 significant digits (``32883343360.0``), as ``%.10g``
    writes them (``3.288334336e+10``)."""
    digits = text.str.strip_prefix("-").str.strip_suffix(".0").str.strip_chars_end("0")
    exponent = pl.Series(np.floor(np.log10(np.abs(values))).astype(np.int64)).cast(pl.String)
    mantissa = (digits.str.slice(0, 1) + "." + digits.str.slice(1)).str.strip_suffix(".")
    return _signed(pl, mantissa + "e+" + exponent, values)


def _exponents(pl, text, values: np.ndarray):
    """Below 1e-4, polars' ``3.2e-6`` and ``0.0000ddd`` as Python writes them: ``3.2e-06``, ``d.dde-05``."""
    text = text.str.replace("e-", "e-0", literal=True).zip_with(text.str.slice(-3, 1) == "e", text)
    at = np.flatnonzero(~text.str.contains("e", literal=True).to_numpy())
    if len(at):
        digits = text.gather(at).str.strip_prefix("-").str.slice(6)  # after 0.0000
        mantissa = (digits.str.slice(0, 1) + "." + digits.str.slice(1)).str.strip_suffix(".")
        text = text.scatter(at, _signed(pl, mantissa + "e-05", values[at]))
    return text


def _by_python(pl, text, values: np.ndarray):
    return pl.Series(list(map(shortest_text, values.tolist())), dtype=pl.String)


def _no_point_zero(pl, text, values: np.ndarray):
    return text.str.strip_suffix(".0")


def _negative_zero(pl, text, values: np.ndarray):
    return pl.repeat("-0", len(values), eager=True)


def polars_column(pl, values: np.ndarray):
    """``values`` as a polars Series whose CSV text is each one's ``shortest_text`` (NaN as null, written ``nan``).

    Columns of whole numbers below 1e10 are integers, columns that need no fix-up floats, both formatted by the
    CSV writer. The others are texts, fixed where polars writes otherwise: whole numbers (``80.0``, ``-0.0``),
    whole numbers from 1e10 that 10 digits keep (``%.10g``), exponents below 1e-4 (``e-05``), and what may take over
    23 bytes (by Python).
    """
    a = np.abs(values)
    with np.errstate(invalid="ignore"):  # a signalling NaN
        whole = (values == np.trunc(values)) & (a < 1e16)
    big = whole & (a >= 1e10)
    ten = big.copy()  # whole from 1e10, ending in enough zeros for 10 digits to keep them
    ints = a[big].astype(np.int64)
    ten[big] = ints % 10 ** (np.floor(np.log10(ints)).astype(np.int64) - 9) == 0
    negative_zero = (values == 0) & np.signbit(values)
    if not big.any() and np.all(whole | np.isnan(values)):  # their digits
        integers = pl.Series(values, nan_to_null=True).cast(pl.Int64) if np.isnan(np.add.reduce(values)) \
            else pl.Series(values.astype(np.int64))
        if not negative_zero.any():
            return integers
        text, fixes = integers.cast(pl.String), []
    else:
        small = (a > 0) & (a < 1e-4)
        python = small & (a < 1e-99) | (values < 0) & (a >= 1e100) & ~np.isinf(values)
        if not (whole.any() or small.any() or python.any()):
            return pl.Series(values, nan_to_null=True)
        text = pl.Series(values, nan_to_null=True).cast(pl.String)
        fixes = [(whole & ~big, _no_point_zero), (small & ~python, _exponents), (python, _by_python)]
    for mask, fix in [*fixes, (ten, _ten_digits), (negative_zero, _negative_zero)]:
        at = np.flatnonzero(mask)
        if fix is _no_point_zero and 2 * len(at) > len(values):  # most of them: all, then the others back
            text = fix(pl, text, values).zip_with(pl.Series(mask), text)
        elif len(at):
            text = text.scatter(at, fix(pl, text.gather(at), values[at]))
    return text


def polars_frame(cells: list, size: int, repeated: dict):
    """A polars DataFrame whose CSV (``polars_csv``) is ``python_text(cells, size)``; ``repeated``: columns of
    texts reused."""
    import polars as pl

    for text in (c for c in cells if isinstance(c, str) and (c, size) not in repeated):
        repeated[text, size] = pl.repeat(text, size, eager=True)
    columns = [repeated[c, size] if isinstance(c, str) else polars_column(pl, c) for c in cells]
    return pl.DataFrame({str(j): column for j, column in enumerate(columns)})


def polars_csv(frame, out) -> None:
    """Write the CSV rows of ``frame`` to the binary file ``out``."""
    frame.write_csv(out, include_header=False, quote_style="never", null_value="nan")


def csv_writer(points: int) -> str:
    """Which writer formats a CSV of ``points`` grid points: ``"polars"`` (installed, and writing what
    Python writes) or ``"python"``."""
    import io

    floats = np.array([0.5, 0.1 + 0.2, -12.25, np.nan, 1e300, -np.inf])
    probe = np.array([0.5, 80.0, -0.0, np.nan, -np.inf, 1e-7, 3.2e-6, 1.5e-5, 1.6e10, 12345678901.0, 1e16, 0.1 + 0.2])
    cells = [probe, floats[[0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]], np.array([80.0, 0.0, np.nan, 7.0] * 3)]
    try:
        if points < FAST_FROM:
            return "python"
        sink = io.BytesIO()
        polars_csv(polars_frame(cells, len(probe), {}), sink)
    except Exception:  # noqa: BLE001 - not installed, or a polars whose API differs: Python writes
        return "python"
    return "polars" if sink.getvalue() == python_text(cells, len(probe)).encode() else "python"


def write_csv(out, run, header: str, writer: str | None = None) -> None:
    """Write ``header`` and the rows of ``run`` (a SweepRun) to the binary file ``out`` as its blocks are evaluated."""
    out.write(header.encode())
    blocks = ((run.cells(block, fails), len(block[run.columns[0]])) for block, fails in run.walk())
    if (writer or csv_writer(run.total)) == "python":
        pipelined(blocks, lambda item: out.write(python_text(*item).encode()))
    else:
        repeated: dict = {}  # (text, rows) -> one column: a column that does not vary, converted once
        pipelined((polars_frame(*item, repeated) for item in blocks), lambda frame: polars_csv(frame, out))


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SetValueError("Parquet output needs pyarrow, which is not installed",
                            where=Argument("parquet", "FILE.parquet"),
                            hint="pip install 'calcgraph[parquet]' (or pyarrow); --csv works without it") from None
    return pa, pq


def write_parquet(out, run, header: list[str]) -> None:
    """Write ``run`` as Parquet to ``out`` (a binary file or pyarrow sink) as its blocks are evaluated:
    one row group per block, float64 columns named like the CSV header, NaN where there is no value.
    """
    pa, pq = _pyarrow()
    schema = pa.schema([pa.field(name, pa.float64(), nullable=False) for name in header])
    # Measured (10^6 points, 46 columns): required columns skip the definition levels; plain snappy pages of
    # a whole block each cost less than dictionaries, even for the constant columns (snappy shrinks those).
    writer = pq.ParquetWriter(out, schema, use_dictionary=False, compression="snappy", write_batch_size=CHUNK,
                              data_page_size=8 * CHUNK)
    constants: dict = {}  # (value, length) -> one Arrow array: a column that does not vary is converted once

    def column(values: np.ndarray):
        if values.strides != (0,) or not len(values):
            return pa.array(values, pa.float64())  # a contiguous float64 column is not copied
        key = (values[0].tobytes(), len(values))
        if key not in constants:
            constants[key] = pa.array(values, pa.float64())
        return constants[key]

    def batches():
        for block, fails in run.walk():
            arrays = [column(run.declared(block, c)) for c in run.columns]
            if fails is not None:
                arrays.append(pa.array(np.asarray(fails, float), pa.float64()))
            yield pa.record_batch(arrays, schema=schema)
    try:
        pipelined(batches(), writer.write_batch)
    finally:
        writer.close()
