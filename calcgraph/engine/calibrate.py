"""Fit the engine's efficiencies to published measurements: least squares on log ratios, per-chip factors shrunk.

A few shared efficiencies (``FITTED``: HBM bandwidth, prefill and decode FLOPs,
how far prefill overlaps decode, how much communication hides) and one factor
per chip on the HBM efficiency (its memory system and software stack) are fitted
by ``scipy.optimize.least_squares`` to ``log(predicted / measured)`` over every
case. Each chip's log factor is pulled toward 0 (the shared value) by a penalty
worth ``SHRINK`` cases, so a chip with few cases stays near the shared figure.
Leave-one-out refits without each case in turn and predicts it.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from ..core.cases import Case, ValidationFile
from .measured import PREDICTED, case_batch, case_scenario, repo_root

# name -> (start, low, high): the shared efficiencies, each an input of the serving formulas
FITTED = {
    "hbm_efficiency": (0.7, 0.2, 1.0),
    "mfu": (0.5, 0.1, 1.0),
    "mfu_decode": (0.7, 0.1, 1.0),
    "prefill_overlap": (0.5, 0.0, 1.0),
    "comm_overlap": (0.3, 0.0, 1.0),
}
CHIP_FACTOR = "hbm_efficiency_chip"
SHRINK = 2.0  # a chip's log factor costs as much as this many cases' log ratio of the same size
LOG_FACTOR_BOUNDS = (-2.5, 0.7)
ROBUST_SCALE = 0.3  # log ratios beyond about 30 % weigh linearly (soft L1): one odd source cannot drag the fit


@dataclass(frozen=True)
class Fit:
    """The fitted figures, the cases they came from and how well they predict."""

    shared: dict  # name -> value
    chip_factors: dict  # chip -> factor on hbm_efficiency
    chip_cases: dict  # chip -> case ids
    case_ids: tuple[str, ...]
    files: tuple[str, ...]
    median_abs_error: float
    within_25: float
    loo_median_abs_error: float  # NaN when leave-one-out was skipped
    loo_errors: dict  # case id -> |held-out prediction / measured - 1|


class _CaseModel:
    """One case's prediction as a function of the fitted efficiencies (compiled once)."""

    def __init__(self, case: Case, root, calibrated) -> None:
        self.case = case
        batch, _ = case_batch(case, root)
        scenario = case_scenario(case, root, calibrated, batch)
        scenario.require([PREDICTED])
        from .fast import Evaluator
        self.evaluator = Evaluator(scenario, [PREDICTED], list(FITTED))

    def log_ratio(self, shared: dict, factor: float) -> float:
        values = [min(1.0, shared["hbm_efficiency"] * factor) if n == "hbm_efficiency" else shared[n] for n in FITTED]
        (predicted,) = self.evaluator(*values)
        return math.log(predicted / self.case.measured_per_chip)


def _unpack(x, chips: list[str]) -> tuple[dict, dict]:
    shared = dict(zip(FITTED, x[:len(FITTED)], strict=True))
    factors = {chip: math.exp(u) for chip, u in zip(chips, x[len(FITTED):], strict=True)}
    return shared, factors


def _solve(models: list[_CaseModel], chips: list[str], start):
    import numpy as np
    from scipy.optimize import least_squares

    def residuals(x):
        shared, factors = _unpack(x, chips)
        fit = [m.log_ratio(shared, factors[m.case.chip]) for m in models]
        return np.array(fit + [math.sqrt(SHRINK) * u for u in x[len(FITTED):]])

    low = [b[1] for b in FITTED.values()] + [LOG_FACTOR_BOUNDS[0]] * len(chips)
    high = [b[2] for b in FITTED.values()] + [LOG_FACTOR_BOUNDS[1]] * len(chips)
    result = least_squares(residuals, np.clip(start, low, high), bounds=(low, high), x_scale=1.0,
                           loss="soft_l1", f_scale=ROBUST_SCALE)
    return result.x


def calibrate(files: list[ValidationFile], loo: bool = True) -> Fit:
    """The least-squares fit over every case of ``files``, with leave-one-out error unless ``loo`` is False."""
    models = []
    for vfile in files:
        root = repo_root(vfile.path)
        calibrated = root / "presets" / "assumptions" / "calibrated.yaml"
        models += [_CaseModel(case, root, calibrated) for case in vfile.cases]
    chips = sorted({m.case.chip for m in models})
    start = [b[0] for b in FITTED.values()] + [0.0] * len(chips)
    x = _solve(models, chips, start)
    shared, factors = _unpack(x, chips)
    errors = [abs(math.exp(m.log_ratio(shared, factors[m.case.chip])) - 1) for m in models]
    loo_errors = {}
    if loo and len(models) > 2:
        for i, held in enumerate(models):
            rest = models[:i] + models[i + 1:]
            xi = _solve(rest, chips, x)
            s_i, f_i = _unpack(xi, chips)
            loo_errors[held.case.id] = abs(math.exp(held.log_ratio(s_i, f_i[held.case.chip])) - 1)
    return Fit(shared=shared, chip_factors=factors,
               chip_cases={c: tuple(m.case.id for m in models if m.case.chip == c) for c in chips},
               case_ids=tuple(m.case.id for m in models), files=tuple(f.path for f in files),
               median_abs_error=statistics.median(errors), within_25=sum(e <= 0.25 for e in errors) / len(errors),
               loo_median_abs_error=statistics.median(loo_errors.values()) if loo_errors else math.nan,
               loo_errors=loo_errors)
