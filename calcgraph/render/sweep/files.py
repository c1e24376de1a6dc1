"""Sweep files written while the grid is evaluated: CSV (polars or numpy) and Parquet (pyarrow).

Each block of a GridRun is evaluated in the calling thread while a second
thread writes the one before (numpy, polars and pyarrow release the GIL). CSV
of a grid of ``POLARS_FROM`` points or more is written by polars when it is
installed (``pip install 'calcgraph[fastcsv]'``): whole numbers as integers, other
values as their shortest round-trip text (the exact float, e.g. ``0.1``,
``3.2363456790123455e-6``); else, and for smaller grids (where importing polars
would cost more than it saves), every value is ``%.10g`` where that reads back
as the value, else its shortest round-trip text (render.sweep.csvtext). Either way:
every number reads back as the float computed (distinct values stay distinct),
columns that do not vary are the ``shortest_text`` of their value, no value is
``nan``, infinities ``inf`` and ``-inf``.
"""

from __future__ import annotations

import io
import os
import queue
import tempfile
import threading
from collections.abc import Callable, Iterable

import numpy as np

from calcgraph.core.formula.arrays import CHUNK
from calcgraph.errors import Argument, SetValueError
from calcgraph.render.sweep.blocks import GridRun
from calcgraph.render.sweep.polars_csv import CSV_OPTIONS, polars_frame

# Grid points from which polars writes the CSV: its import costs ~0.13 s, about what Python costs to write
# the 17-digit cells of 8,192 points of 20 columns (~0.8 us each) when numpy's 10 digits would not read back.
POLARS_FROM = 2 ** 13
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
    """Which writer formats a CSV of ``points`` grid points: ``"polars"`` or ``"numpy"`` (render.sweep.csvtext)."""
    return "polars" if points >= POLARS_FROM and _polars() is not None else "numpy"


def write_csv(out, run: GridRun, header: str, writer: str | None = None) -> None:
    """Write ``header`` and the rows of ``run`` to the binary file ``out`` as its blocks are evaluated."""
    out.write(header.encode())
    scratch = _scratch() if (writer or csv_writer(run.total)) == "polars" else None
    if scratch is None:
        table = []

        def text(item) -> None:
            size, shape, block, fails = item
            if not table:
                table.append(run.text_table(block))
            out.write(run.text_of(table[0], size, shape, block, fails))
        pipelined(run.walk(), text)
        return
    pl, texts = _polars(), {}
    if hasattr(out, "flush"):  # the header, before the kernel appends to the file
        out.flush()

    def write(frame) -> None:  # polars writes a path at its own speed (a file object costs a third more)
        frame.write_csv(scratch, **CSV_OPTIONS)
        _append(out, scratch)
    try:
        pipelined((polars_frame(pl, run, shape, block, fails, texts) for _, shape, block, fails in run.walk()),
                  write)
    finally:
        os.unlink(scratch)


def _scratch() -> str | None:
    """A new private file for polars to write a block into (None: the temporary folder refuses one)."""
    try:
        handle, path = tempfile.mkstemp(prefix="calcgraph-sweep-", suffix=".csv")
    except OSError:
        return None
    os.close(handle)
    return path


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

    constants: dict = {}  # (value, length) -> one Arrow array: a column that does not vary is converted once

    def column(values: np.ndarray):
        if values.strides != (0,) or not len(values):
            return pa.array(values, pa.float64())  # a contiguous float64 column is not copied
        key = (values[0].tobytes(), len(values))
        if key not in constants:
            constants[key] = pa.array(values, pa.float64())
        return constants[key]

    def batches():
        for _, _, block, fails in run.walk():
            arrays = [column(run.declared(block, c)) for c in run.columns]
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
