"""A sweep's rows written where the command line says (a CSV file, stdout, Parquet), with its stderr lines.

Standard library only.
"""

from __future__ import annotations

import sys

from calcgraph.core.files import write_atomic_with
from calcgraph.render.sweep.files import write_csv, write_parquet


def write_rows(args, run, header: str, width: int, plot: bool = False) -> int:
    """Write ``run`` (a GridRun) as ``args`` ask; return the number of points where a check fails.

    With ``plot`` and no ``--csv``, the grid is only walked (the plot reads ``run.kept``).
    """
    if args.out:
        write_atomic_with(args.out, lambda out: write_parquet(out, run, header.strip().split(",")))
        print(f"wrote {args.out} ({run.total:,} rows, {width} columns)", file=sys.stderr)
        if run.warning:
            print(run.warning, file=sys.stderr)
        return 0
    try:
        if args.csv and args.csv != "-":
            write_atomic_with(args.csv, lambda out: write_csv(out, run, header))
            print(f"wrote {args.csv} ({run.total:,} rows, {width} columns)", file=sys.stderr)
        elif args.csv or not plot:  # stdout, by the usual convention
            sys.stdout.flush()
            write_csv(getattr(sys.stdout, "buffer", None) or _Text(sys.stdout), run, header)
            sys.stdout.flush()
        else:
            run.run()
    finally:
        if run.progress is not None:
            run.progress.close()
    if run.warning:
        print(run.warning, file=sys.stderr)
    if run.infeasible:
        print(f"calcgraph sweep: warning: a declared check fails at {run.infeasible:,} of {run.total:,} "
              "points (column checks_failed)", file=sys.stderr)
    return run.infeasible


class _Text:
    """A text stream (without a binary buffer) written with bytes."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, data) -> int:
        """Write ASCII ``data`` as text."""
        return self.stream.write(str(data, "ascii"))
