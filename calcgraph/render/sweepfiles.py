"""Sweep files written while the grid is evaluated: CSV (polars or numpy) and Parquet (pyarrow).

Each block of a GridRun is evaluated in the calling thread while a second
thread writes the one before (numpy, polars and pyarrow release the GIL). CSV
of a grid of ``POLARS_FROM`` points or more is written by polars when it is
installed (``pip install 'calcgraph[fast]'``): whole numbers as integers, other
values as their shortest round-trip text (the exact float, e.g. ``0.1``,
``3.2363456790123455e-6``); else, and for smaller grids (where importing polars
would cost more than it saves), every value is ``%.10g`` (render.csvformat).
Either way: columns that do not vary are the ``%.10g`` text of their value,
no value is ``nan``, infinities ``inf`` and ``-inf``.
"""

from __future__ import annotations

import io
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable

import numpy as np

from ..core.arraynumeric import CHUNK
from ..errors import Argument, SetValueError
from .gridrun import CHECKS_COLUMN, GridRun

POLARS_FROM = 2 ** 16  # grid points from which polars writes the CSV (its import costs ~0.13 s)
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


def _polars():
    try:
        import polars
    except ImportError:
        return None
    return polars


def csv_writer(points: int) -> str:
    """Which writer formats a CSV of ``points`` grid points: ``"polars"`` or ``"numpy"`` (``%.10g``)."""
    return "polars" if points >= POLARS_FROM and _polars() is not None else "numpy"


def write_csv(out, run: GridRun, header: str, writer: str | None = None) -> None:
    """Write ``header`` and the rows of ``run`` to the binary file ``out`` as its blocks are evaluated."""
    out.write(header.encode())
    if (writer or csv_writer(run.total)) == "numpy":
        table = []

        def text(item) -> None:
            size, shape, block, fails = item
            if not table:
                table.append(run.text_table(block))
            out.write(run.text_of(table[0], size, shape, block, fails))
        pipelined(run.walk(), text)
        return
    pl, texts = _polars(), {}
    handle, scratch = tempfile.mkstemp(prefix="calcgraph-sweep-", suffix=".csv")
    os.close(handle)
    if hasattr(out, "flush"):  # the header, before the kernel appends to the file
        out.flush()

    def write(frame) -> None:  # polars writes a path at its own speed (a file object costs a third more)
        frame.write_csv(scratch, include_header=False, quote_style="never", null_value="nan", line_terminator="\n")
        _append(out, scratch)
    try:
        pipelined((polars_frame(pl, run, block, fails, texts) for _, _, block, fails in run.walk()), write)
    finally:
        os.unlink(scratch)


def _append(out, path: str) -> None:
    """Append the file ``path`` to ``out`` (copied by the kernel where it can)."""
    with open(path, "rb") as source:
        size, done = os.fstat(source.fileno()).st_size, 0
        try:
            target = out.fileno()
            while done < size:
                done += os.sendfile(target, source.fileno(), done, size - done)
            return
        except (AttributeError, OSError, io.UnsupportedOperation):  # no descriptor, or no sendfile to it
            source.seek(done)
        while chunk := source.read(1 << 22):
            out.write(chunk)


def polars_frame(pl, run: GridRun, block: dict, fails, texts: dict | None = None):
    """The polars DataFrame of one block's rows: a text column per run of constant columns, numbers for the rest.

    ``texts``: the text columns of earlier blocks, reused (they are the same in every block of a grid).

    >>> import polars, calcgraph
    >>> from calcgraph.engine.axes import parse_axes
    >>> from calcgraph.render.csv import SweepRun
    >>> model = calcgraph.load()
    >>> run = SweepRun(model.scenario, parse_axes(["batch=1,2"], model.graph), ["batch", "layers", "t_step"])
    >>> _, _, block, fails = next(run.walk())
    >>> polars_frame(polars, run, block, fails).write_csv(include_header=False)
    '1,80,0.011009595259259259,0\\n2,80,0.011216721382716049,0\\n'
    """
    columns, literal, texts = {}, [], {} if texts is None else texts
    size = len(block[run.columns[0]])

    def flush() -> None:
        if literal:
            key = (b",".join(literal).decode(), size)
            if key not in texts:
                texts[key] = pl.repeat(key[0], size, eager=True)
            columns[f"c{len(columns)}"] = texts[key]
            literal.clear()
    for name in run.columns:
        if name in run.varying:
            flush()
            columns[f"c{len(columns)}"] = number_series(pl, run.declared(block, name))
        else:
            literal.append(run.literal(block, name))
    flush()
    if fails is not None:
        columns[CHECKS_COLUMN] = pl.Series(np.asarray(fails, np.int64))
    return pl.DataFrame(columns)


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


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise SetValueError("Parquet output needs pyarrow, which is not installed",
                            where=Argument("parquet", "FILE.parquet"),
                            hint="pip install 'calcgraph[parquet]' (or pyarrow); --csv works without it") from None
    return pa, pq


def write_parquet(out, run: GridRun, header: list[str]) -> None:
    """Write ``run`` as Parquet to ``out`` (a binary file or pyarrow sink) as its blocks are evaluated:
    one row group per block, float64 columns named like the CSV header, NaN where there is no value.

    Needs pyarrow (``pip install 'calcgraph[parquet]'``); SetValueError says so when it is missing.
    """
    pa, pq = _pyarrow()
    schema = pa.schema([pa.field(name, pa.float64(), nullable=False) for name in header])
    # Measured (10^6 points, 46 columns): required columns skip the definition levels; plain snappy pages of
    # a whole block each cost less than dictionaries, even for the constant columns (snappy shrinks those).
    writer = pq.ParquetWriter(out, schema, use_dictionary=False, compression="snappy", write_batch_size=CHUNK,
                              data_page_size=8 * CHUNK)

    def batches():
        for _, _, block, fails in run.walk():
            arrays = [pa.array(run.declared(block, c), pa.float64()) for c in run.columns]
            if fails is not None:
                arrays.append(pa.array(np.asarray(fails, float), pa.float64()))
            yield pa.record_batch(arrays, schema=schema)
    try:
        pipelined(batches(), writer.write_batch)
    finally:
        writer.close()


def parquet_bytes(run: GridRun, header: list[str]) -> bytes:
    """The sweep as Parquet (``write_parquet``), in memory."""
    sink = _pyarrow()[0].BufferOutputStream()
    write_parquet(sink, run, header)
    return sink.getvalue().to_pybytes()
