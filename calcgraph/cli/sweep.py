"""``calcgraph sweep``: a grid of points to CSV (a file or stdout), Parquet or a plot."""

from __future__ import annotations

import math
import sys

from calcgraph.cli.commands import STRICT_EXIT, _model, _say, _warn
from calcgraph.cli.progress import Progress
from calcgraph.core.files import write_atomic_with
from calcgraph.engine.axes import parse_axes, typed_over
from calcgraph.errors import SetValueError
from calcgraph.render.plot import check_output, check_stack, draw, parse_plot_spec, plot_names
from calcgraph.render.sweep.columns import SweepRun, csv_header, output_columns, replaced_by_axes
from calcgraph.render.sweep.files import write_csv, write_parquet


def cmd_sweep(args) -> int:
    """``calcgraph sweep``: CSV to ``--csv`` (or stdout), a plot to ``-o``."""
    model = _model(args)
    scenario = model.scenario
    axes = parse_axes(list(args.vary), scenario.graph)
    _say("sweep", typed_over(axes, scenario.graph))
    columns = output_columns(scenario, axes, args.only)
    _warn(args, model, columns, evaluate=False)  # checks: the column checks_failed, per point
    axis_names = [a.name for a in axes]
    _say("sweep", replaced_by_axes([(e.name, str(e.where)) for e in scenario.entries], axis_names))
    plot_spec, keep = None, []
    if args.plot or args.output:
        if not args.plot:
            raise SetValueError("-o needs --plot Y:X (what to draw)", where=f"-o {args.output}",
                                hint="e.g. --plot throughput_per_chip:t_step -o tp.png; use --csv for data")
        if not args.output:
            raise SetValueError("--plot needs -o FILE.png or FILE.svg", where=f"--plot {args.plot}",
                                hint="e.g. -o throughput.png")
        check_output(args.output)
        plot_spec = parse_plot_spec(args.plot, scenario.graph, color=args.color, axes=axis_names)
        check_stack(plot_spec, {a.name: len(a.values) for a in axes})
        keep = plot_names(plot_spec, scenario.graph, axis_names)
    elif args.color:
        raise SetValueError("--color needs --plot", where=f"--color {args.color}",
                            hint="e.g. --plot throughput_per_chip:t_step --color seq_len -o tp.png")
    if plot_spec is not None and not args.csv:
        columns = list(dict.fromkeys(axis_names + [*plot_spec.ys, plot_spec.x, *plot_spec.markers]))
    header = csv_header(scenario.graph, columns) + "\n"
    fields = header.strip().split(",")  # checks_failed included
    if args.out and (not args.out.endswith(".parquet") or args.csv or plot_spec is not None):
        raise SetValueError("--out writes FILE.parquet, alone (not with --csv or --plot)",
                            where=f"--out {args.out}", hint="e.g. --out grid.parquet; --csv FILE for CSV")
    sweep = SweepRun(scenario, axes, columns, keep=keep,
                     progress=Progress(math.prod(len(a.values) for a in axes)))
    try:
        if args.out or args.csv and args.csv != "-":
            target = args.out or args.csv
            write_atomic_with(target, lambda out: write_parquet(out, sweep, fields) if args.out
                              else write_csv(out, sweep, header))
            print(f"wrote {target} ({sweep.total:,} rows, {len(fields)} columns)", file=sys.stderr)
        elif args.csv or plot_spec is None:  # stdout, by the usual convention
            sys.stdout.flush()
            write_csv(getattr(sys.stdout, "buffer", None) or _Text(sys.stdout), sweep, header)
            sys.stdout.flush()
        else:  # the plot reads sweep.kept
            sweep.run()
    finally:
        sweep.progress.close()
    if sweep.warning:
        print(sweep.warning, file=sys.stderr)
    if sweep.infeasible:
        _say("sweep", [f"a declared check fails at {sweep.infeasible:,} of {sweep.total:,} points (column "
                       "checks_failed)"])
    if plot_spec is not None:
        draw(plot_spec, sweep.kept, scenario, axes, args.output)
        print(f"wrote {args.output}", file=sys.stderr)
    return STRICT_EXIT if args.strict and sweep.infeasible else 0


class _Text:
    """A text stream (without a binary buffer) written with bytes."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, data) -> int:
        return self.stream.write(str(data, "ascii"))
