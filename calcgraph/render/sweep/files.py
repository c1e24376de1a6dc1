"""Sweep files written while the grid is evaluated: CSV (pyarrow, or plain Python) and Parquet (pyarrow).

Each block is evaluated in the calling thread while a second thread writes the one before (numpy and pyarrow
release the GIL). Every CSV number is its ``shortest_text`` (``%.10g`` where that reads back as the value, else
the shortest text that does), so distinct values stay distinct; a missing value is ``nan``. Grids of ``FAST_FROM``
points or more are formatted by pyarrow where it is installed, the others (and without it) by Python.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable

import numpy as np

from calcgraph.core.formula.arrays import CHUNK
from calcgraph.core.numbers import shortest_text
from calcgraph.errors import Argument, SetValueError

FAST_FROM = 2 ** 13  # grid points from which importing pyarrow (~0.1 s) costs less than it saves
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


# pyarrow's text below 1e-4 -> Python's: 0.0000ddd -> d.dde-05, 0.00000ddd -> d.dde-06, 1e-7 -> 1e-07
EXPONENTS = [(r"^(-?)0\.00000([1-9])(\d*)$", r"\1\2.\3e-06"), (r"^(-?)0\.0000([1-9])(\d*)$", r"\1\2.\3e-05"),
             (r"\.e", "e"), (r"e-(\d)$", r"e-0\1")]


def arrow_text(pa, pc, values: np.ndarray):
    """``values`` as a pyarrow array whose CSV text is each one's ``shortest_text``.

    pyarrow writes the shortest text that reads back, but in other notations below 1e-4 (``EXPONENTS``), and
    between 1e10 and 1e16 where 10 digits do not keep the value (whole numbers: their digits and ``.0``;
    the others by Python).
    """
    a = np.abs(values)
    if np.all((a < 1e10) & (values == np.trunc(values))) and not np.signbit(values[values == 0]).any():
        return pc.cast(pa.array(values.astype(np.int64)), pa.string())  # whole numbers: their digits, faster
    small, middle = (a > 0) & (a < 1e-4), (a >= 1e10) & (a < 1e16)
    # Python writes subnormals (10 digits where they read back) and what may take over 23 bytes (shortened)
    python = small & (a < 1e-99) | (values < 0) & (a >= 1e100)
    text = pc.cast(pa.array(values), pa.string())
    if small.any():
        part = pc.filter(text, pa.array(small))
        for pattern, replacement in EXPONENTS:
            part = pc.replace_substring_regex(part, pattern, replacement)
        text = pc.replace_with_mask(text, pa.array(small), part)
    if middle.any():  # longer than -d.ddddddddde+XX: more than 10 digits
        middle &= pc.utf8_length(text).to_numpy(zero_copy_only=False) > 15 + np.signbit(values)
        whole = middle & (values == np.trunc(values))
        python |= middle & ~whole
        if whole.any():
            digits = pc.cast(pa.array(values[whole].astype(np.int64)), pa.string())
            text = pc.replace_with_mask(text, pa.array(whole), pc.binary_join_element_wise(digits, ".0", ""))
    if not python.any():
        return text
    return pc.replace_with_mask(text, pa.array(python),
                                pa.array(list(map(shortest_text, values[python].tolist())), pa.string()))


def arrow_table(cells: list, size: int, repeated: dict):
    """A pyarrow table of texts whose CSV (``arrow_csv``) is ``python_text(cells, size)``; ``repeated``:
    arrays of texts reused."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for text in (c for c in cells if isinstance(c, str) and (c, size) not in repeated):
        repeated[text, size] = pa.repeat(text, size)
    columns = [repeated[c, size] if isinstance(c, str) else arrow_text(pa, pc, c) for c in cells]
    return pa.table(columns, names=[str(j) for j in range(len(columns))])


def arrow_csv(table):
    """The CSV rows of ``table`` (a pyarrow buffer)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none", batch_size=CHUNK))
    return sink.getvalue()


def csv_writer(points: int) -> str:
    """Which writer formats a CSV of ``points`` grid points: ``"pyarrow"`` (installed, and writing what
    Python writes) or ``"python"``."""
    probe = np.array([0.5, 80.0, -0.0, np.nan, -np.inf, 1e-7, 3.2e-6, 1.5e-5, 1.6e10, 12345678901.0, 1e16, 0.1 + 0.2])
    try:
        same = points >= FAST_FROM and arrow_csv(arrow_table([probe], len(probe), {})) == python_text(
            [probe], len(probe)).encode()
    except ImportError:
        same = False
    return "pyarrow" if same else "python"


def write_csv(out, run, header: str, writer: str | None = None) -> None:
    """Write ``header`` and the rows of ``run`` (a SweepRun) to the binary file ``out`` as its blocks are evaluated."""
    out.write(header.encode())
    blocks = ((run.cells(block, fails), len(block[run.columns[0]])) for block, fails in run.walk())
    if (writer or csv_writer(run.total)) == "python":
        pipelined(blocks, lambda item: out.write(python_text(*item).encode()))
    else:
        repeated: dict = {}  # (text, rows) -> one array: a column that does not vary, converted once
        pipelined((arrow_table(*item, repeated) for item in blocks), lambda table: out.write(arrow_csv(table)))


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
