"""``calcgraph validate`` and ``calcgraph calibrate``: predictions held against published measurements."""

from __future__ import annotations

import sys
from pathlib import Path

from calcgraph.cli.commands import STRICT_EXIT, _out
from calcgraph.core.files import project_path
from calcgraph.errors import Argument, InputFileError, SetValueError


def validation_files(given: list[str]) -> list[Path]:
    """The files named, or every validation/*.yaml beside the working directory (else beside the package)."""
    if given:
        paths = [Path(p) for p in given]
        for path in paths:
            if not path.is_file():
                raise InputFileError(f"no such validation file: {path}", where=str(path),
                                     hint="give files like validation/trtllm-perf-overview-1.0.yaml")
        return paths
    base = project_path("validation")
    paths = sorted(base.glob("*.yaml"))
    if not paths:
        raise InputFileError("no validation files found", where=str(base),
                             hint="give validation files, or run from the repository's top folder")
    return paths


def cmd_validate(args) -> int:
    """Each case: measured, predicted, ratio and roofline; a summary; exit 3 under --strict beyond thresholds."""
    from calcgraph.core.cases import read_validation
    from calcgraph.engine.measured import beyond_thresholds, predict_all, summarize
    from calcgraph.render import measured as out
    if args.plot and not args.plot.endswith(".png"):
        raise SetValueError(f"the plot is written as PNG: {args.plot}", where=Argument("plot", args.plot),
                            hint="give a file name ending in .png")
    files = read_validation(validation_files(args.files))
    predictions = predict_all(files, args.assumptions)
    if args.format == "csv":
        text = out.validation_csv(predictions)
    else:
        render = {"json": out.validation_json, "md": out.validation_markdown}.get(args.format, out.validation_text)
        text = render(predictions, summarize(predictions), args.assumptions)
    if args.plot:
        out.validation_plot(predictions, args.plot, args.assumptions)
    _out(text, args.output)
    failed = beyond_thresholds(files, predictions)
    for line in failed:
        print(f"calcgraph validate: beyond thresholds: {line}", file=sys.stderr)
    return STRICT_EXIT if failed and args.strict else 0


def cmd_calibrate(args) -> int:
    """Fit the efficiencies to the cases; print or write presets/assumptions/calibrated.yaml."""
    from calcgraph.core.cases import read_validation
    from calcgraph.core.files import write_atomic
    from calcgraph.engine.calibrate import calibrate
    from calcgraph.engine.measured import repo_root
    from calcgraph.render.calibrated import calibrated_yaml, chip_lines, fit_report, with_chip_line
    files = read_validation(validation_files(args.files))
    fit = calibrate(files, loo=not args.no_loo)
    text = calibrated_yaml(fit)
    print(fit_report(fit), file=sys.stderr)
    if args.update_chips:
        root = repo_root(files[0].path)
        for chip in fit.chip_factors:
            path = root / "presets" / "chips" / f"{chip}.yaml"
            preset = path.read_text()
            for line in chip_lines(fit, chip):
                preset = with_chip_line(preset, line, str(path))
            write_atomic(path, preset)
    _out(text, args.output)
    return 0
