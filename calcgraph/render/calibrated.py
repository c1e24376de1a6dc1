"""A calibration fit as the assumption preset ``calibrated.yaml``, chip preset lines, and a short report."""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

from calcgraph.engine.calibrate import FITTED, Fit
from calcgraph.errors import InputFileError

NOTES = {
    "hbm_efficiency": "achieved fraction of peak HBM bandwidth in decode",
    "mfu": "fraction of peak FLOPs reached in prefill",
    "mfu_decode": "fraction of peak FLOPs reached in decode matmuls",
    "prefill_overlap": "how far prefill FLOPs fill the decode steps' idle compute (1: fully, chunked prefill)",
    "kv_read_efficiency": "achieved fraction of the weight-streaming bandwidth when attention reads the paged KV cache",
    "layer_step_overhead": "fixed time per layer and decode step beyond reads, FLOPs and communication",
    "moe_compute_efficiency": "FLOP efficiency of a mixture of experts relative to a dense model's",
    "max_num_seqs": "most sequences the engine runs at once",
    "comm_overlap": "fraction of the tensor-parallel all-reduce time hidden (fused or overlapped all-reduces)",
}


def _factors(fit: Fit, chip: str) -> str:
    return f"{chip}: " + ", ".join(f"{name} {value:.4g}" for name, value in fit.chip_factors[chip].items())


def calibrated_yaml(fit: Fit) -> str:
    """presets/assumptions/calibrated.yaml: engine.yaml plus the fitted shared figures, each with its source."""
    files = ", ".join(Path(f).name for f in fit.files)
    source = json.dumps(f"calcgraph calibrate, {date.today().isoformat()}: least squares on log(predicted/measured) "
                        f"over {len(fit.case_ids)} cases of validation/ ({files})", ensure_ascii=False)  # quoted
    loo = "not computed" if math.isnan(fit.loo_median_abs_error) else f"{fit.loo_median_abs_error:.1%}"
    lines = [
        'title: "Assumption set: the engine, calibrated against published measurements"',
        "doc: >-",
        "  engine.yaml with its efficiencies fitted to the validation set (docs/validation.md):",
        f"  median absolute error {fit.median_abs_error:.1%} over {len(fit.case_ids)} cases, "
        f"{fit.within_25:.0%} within 25 %, leave-one-out median {loo}.",
        "  HBM and FLOP efficiencies are shared figures times the chip's own factors,",
        "  hbm_efficiency_chip and compute_efficiency_chip, which each chip preset with",
        "  measured cases carries (1 elsewhere: the shared figures); fp4 compute has its own factor.",
        f"source: {source}",
        "use: [engine.yaml]",
        "set:",
    ]
    shared, fp4 = fit.shared, fit.precision_factors["fp4"]
    compute = f"compute_efficiency_chip * (1 + fp4_compute_used * ({fp4:.4g} - 1))"
    formulas = {"hbm_efficiency": f"min(1, {shared['hbm_efficiency']:.4g} * hbm_efficiency_chip)",
                "mfu": f"min(1, {shared['mfu']:.4g} * {compute})",
                "mfu_decode": f"min(1, {shared['mfu_decode']:.4g} * {compute})"}
    for name in FITTED:
        if name in formulas:
            lines.append(f'  {name}: {{formula: "{formulas[name]}", source: {source}, note: "{NOTES[name]}: '
                         f'the shared {shared[name]:.4g}, times the chip preset\'s fitted factor'
                         + (f', times {fp4:.4g} for fp4 compute' if name != "hbm_efficiency" else "") + '"}')
        else:
            shown = {"max_num_seqs": f'"{shared[name]:.0f} sequence"',
                     "layer_step_overhead": f'"{shared[name] * 1e6:.4g} us"'}.get(name, f"{shared[name]:.4g}")
            lines.append(f'  {name}: {{value: {shown}, source: {source}, note: "{NOTES[name]}"}}')
    lines += ["# fitted chip factors (hbm_efficiency_chip and compute_efficiency_chip in presets/chips/CHIP.yaml;",
              "# calibrate --update-chips writes them):"]
    lines += [f"#   {_factors(fit, chip)} from {len(fit.chip_cases[chip])} cases" for chip in fit.chip_factors]
    return "\n".join(lines) + "\n"


def chip_lines(fit: Fit, chip: str) -> list[str]:
    """The chip preset's fitted factors, each with the cases it came from."""
    cases = list(fit.chip_cases[chip])
    listed = ", ".join(cases) if len(cases) <= 6 else f"{', '.join(cases[:5])} and {len(cases) - 5} more"
    return [f'  {name}: {{value: {value:.4g}, source: "calcgraph calibrate, {date.today().isoformat()}, '
            f'{len(cases)} cases: {listed}", note: "factor on the shared figure of '
            f'presets/assumptions/calibrated.yaml, shrunk toward 1 where cases are few"}}'
            for name, value in fit.chip_factors[chip].items()]


def with_chip_line(text: str, line: str, where: str = "") -> str:
    """A chip preset's text with the entry ``line`` sets replaced, or added at the end of its ``set:`` block."""
    lines = text.splitlines()
    start = next((i for i, s in enumerate(lines) if re.fullmatch(r"set:\s*(#.*)?", s)), None)
    if start is None:
        raise InputFileError("no 'set:' line opening a block of entries, where the fitted factors go", where=where,
                             hint="write the chip preset's set: as a block, one entry a line")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))),
               len(lines))
    name = line.split(":", 1)[0] + ":"
    at = next((i for i in range(start + 1, end) if lines[i].startswith(name)), None)
    if at is None:
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1
        at = stop = end
    else:
        stop = next((i for i in range(at + 1, end) if not lines[i].startswith("   ")), end)
    return "\n".join(lines[:at] + [line] + lines[stop:]) + "\n"


def fit_report(fit: Fit) -> str:
    """A few lines on stderr: the figures and how well they predict."""
    loo = "skipped" if math.isnan(fit.loo_median_abs_error) else f"{fit.loo_median_abs_error:.1%}"
    lines = [f"calcgraph calibrate: {len(fit.case_ids)} cases; median absolute error {fit.median_abs_error:.1%}, "
             f"{fit.within_25:.0%} within 25 %; leave-one-out median {loo}"]
    lines += [f"  {name} = {value:.4g}" for name, value in fit.shared.items()]
    lines += [f"  {_factors(fit, chip)} ({len(fit.chip_cases[chip])} cases)" for chip in fit.chip_factors]
    lines += [f"  {p} compute factor {value:.4g}" for p, value in fit.precision_factors.items()]
    return "\n".join(lines)
