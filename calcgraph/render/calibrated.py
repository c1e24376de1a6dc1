"""A calibration fit as the assumption preset ``calibrated.yaml``, chip preset lines, and a short report."""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path

from ..engine.calibrate import CHIP_FACTOR, FITTED, Fit

NOTES = {
    "mfu": "fraction of peak FLOPs reached in prefill",
    "mfu_decode": "fraction of peak FLOPs reached in decode matmuls",
    "prefill_overlap": "how far prefill FLOPs fill the decode steps' idle compute (1: fully, chunked prefill)",
    "comm_overlap": "fraction of the tensor-parallel all-reduce time hidden (fused or overlapped all-reduces)",
}


def _cases(ids) -> str:
    ids = list(ids)
    return ", ".join(ids) if len(ids) <= 6 else f"{', '.join(ids[:5])} and {len(ids) - 5} more"


def calibrated_yaml(fit: Fit) -> str:
    """presets/assumptions/calibrated.yaml: engine.yaml plus the fitted shared figures, each with its source."""
    files = ", ".join(Path(f).name for f in fit.files)
    source = (f"calcgraph calibrate, {date.today().isoformat()}: least squares on log(predicted/measured) over "
              f"{len(fit.case_ids)} cases of validation/ ({files})")
    loo = "not computed" if math.isnan(fit.loo_median_abs_error) else f"{fit.loo_median_abs_error:.1%}"
    lines = [
        'title: "Assumption set: the engine, calibrated against published measurements"',
        "doc: >-",
        "  engine.yaml with its efficiencies fitted to the validation set (docs/validation.md):",
        f"  median absolute error {fit.median_abs_error:.1%} over {len(fit.case_ids)} cases, "
        f"{fit.within_25:.0%} within 25 %, leave-one-out median {loo}.",
        "  HBM efficiency is the shared figure times the chip's own factor, hbm_efficiency_chip,",
        "  which each chip preset with measured cases carries (1 elsewhere: the shared figure).",
        f"source: \"{source}\"",
        "use: [engine.yaml]",
        "set:",
    ]
    shared = fit.shared
    lines.append(f'  hbm_efficiency: {{formula: "min(1, {shared["hbm_efficiency"]:.4g} * {CHIP_FACTOR})", '
                 f'source: "{source}", note: "the shared achieved fraction of peak HBM bandwidth '
                 f'{shared["hbm_efficiency"]:.4g}, times the chip preset\'s fitted {CHIP_FACTOR}"}}')
    for name in FITTED:
        if name == "hbm_efficiency":
            continue
        lines.append(f'  {name}: {{value: {shared[name]:.4g}, source: "{source}", note: "{NOTES[name]}"}}')
    lines.append("# fitted chip factors (hbm_efficiency_chip in presets/chips/CHIP.yaml; calibrate --update-chips "
                 "writes them):")
    lines += [f"#   {chip}: {factor:.4g} from {len(fit.chip_cases[chip])} cases"
              for chip, factor in fit.chip_factors.items()]
    return "\n".join(lines) + "\n"


def chip_line(fit: Fit, chip: str) -> str:
    """The chip preset's ``hbm_efficiency_chip`` entry, with the cases it came from."""
    return (f'  {CHIP_FACTOR}: {{value: {fit.chip_factors[chip]:.4g}, source: "calcgraph calibrate, '
            f'{date.today().isoformat()}, {len(fit.chip_cases[chip])} cases: {_cases(fit.chip_cases[chip])}", '
            f'note: "factor on the shared HBM efficiency of presets/assumptions/calibrated.yaml, '
            f'shrunk toward 1 where cases are few"}}')


def with_chip_line(text: str, line: str) -> str:
    """A chip preset's text with its ``hbm_efficiency_chip`` entry replaced, or added at the end of ``set:``."""
    pattern = re.compile(rf"^  {CHIP_FACTOR}:.*$", re.MULTILINE)
    if pattern.search(text):
        return pattern.sub(lambda _: line, text, count=1)
    lines = text.splitlines()
    start = next(i for i, s in enumerate(lines) if s.rstrip() == "set:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith((" ", "#"))),
               len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[:end] + [line] + lines[end:]) + "\n"


def fit_report(fit: Fit) -> str:
    """A few lines on stderr: the figures and how well they predict."""
    loo = "skipped" if math.isnan(fit.loo_median_abs_error) else f"{fit.loo_median_abs_error:.1%}"
    lines = [f"calcgraph calibrate: {len(fit.case_ids)} cases; median absolute error {fit.median_abs_error:.1%}, "
             f"{fit.within_25:.0%} within 25 %; leave-one-out median {loo}"]
    lines += [f"  {name} = {value:.4g}" for name, value in fit.shared.items()]
    lines += [f"  {CHIP_FACTOR}[{chip}] = {factor:.4g} ({len(fit.chip_cases[chip])} cases)"
              for chip, factor in fit.chip_factors.items()]
    return "\n".join(lines)
