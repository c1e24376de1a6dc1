"""Fit the engine's efficiencies to published measurements: soft-L1 least squares on log ratios, log factors per
chip (HBM; FLOPs per compute die) and per precision (fp4) shrunk toward 0; leave-one-out predicts each case."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from calcgraph.core.cases import Case, ValidationFile
from calcgraph.engine.measured import PREDICTED, case_evaluated, each_case

# name -> (start, low, high): the shared efficiencies, each an input of the serving formulas
FITTED = {
    "hbm_efficiency": (0.7, 0.2, 1.0),
    "mfu": (0.5, 0.1, 1.0),
    "mfu_decode": (0.7, 0.1, 1.0),
    "prefill_overlap": (0.5, 0.0, 1.0),
    "comm_overlap": (0.3, 0.0, 1.0),
    "kv_read_efficiency": (0.8, 0.2, 1.0),
    "max_num_seqs": (1024.0, 32.0, 4096.0),
    "layer_step_overhead": (1e-5, 0.0, 2e-4),
    "moe_compute_efficiency": (0.8, 0.1, 1.0),
}
SCALE = {"layer_step_overhead": 1e-5}  # the solver's step size for a parameter far from 1
LOG_SCALE = {"max_num_seqs"}  # moved by the solver as a logarithm: it spans orders of magnitude
RATES = ("flops_per_chip_bf16", "flops_per_chip_fp8", "flops_per_chip_fp4")  # chips alike in these share a compute die
PRECISION_FACTORS = ("fp4",)  # compute factor for cases whose matmuls run at the fp4 rate
SHRINK = 2.0  # a log factor costs as much as this many cases' log ratio of the same size
LOG_FACTOR_BOUNDS = (-2.5, 0.7)
ROBUST_SCALE = 0.15  # log ratios beyond about 15 % weigh linearly (soft L1): leave-one-out error lowest here


@dataclass(frozen=True)
class Fit:
    """The fitted figures, the cases they came from and how well they predict."""

    shared: dict  # name -> value
    chip_factors: dict  # chip -> {hbm_efficiency_chip: f, compute_efficiency_chip: f}
    precision_factors: dict  # precision -> compute factor
    chip_cases: dict  # chip -> case ids
    case_ids: tuple[str, ...]
    files: tuple[str, ...]
    median_abs_error: float
    within_25: float
    loo_median_abs_error: float  # of |held-out prediction / measured - 1|; NaN when leave-one-out was skipped


@dataclass(frozen=True)
class _Layout:
    """Where each parameter sits in the vector the solver moves."""

    chips: tuple[str, ...]
    dies: tuple[str, ...]  # per chip, its compute die: chips with the same tensor rates share a compute factor

    def vectors(self) -> tuple[list, list, list]:
        """The start, lower and upper bounds of the vector the solver moves."""
        logs = len(self.chips) + len(set(self.dies)) + len(PRECISION_FACTORS)
        return tuple([math.log(b[k]) if n in LOG_SCALE else b[k] for n, b in FITTED.items()] + [fill] * logs
                     for k, fill in enumerate((0.0, *LOG_FACTOR_BOUNDS)))

    def unpack(self, x) -> tuple[dict, dict, dict]:
        n = len(FITTED)
        shared = {name: math.exp(v) if name in LOG_SCALE else float(v) for name, v in zip(FITTED, x[:n], strict=True)}
        groups = tuple(dict.fromkeys(self.dies))
        chip = {c: {"hbm_efficiency_chip": math.exp(x[n + i]),
                    "compute_efficiency_chip": math.exp(x[n + len(self.chips) + groups.index(die)])}
                for i, (c, die) in enumerate(zip(self.chips, self.dies, strict=True))}
        tail = n + len(self.chips) + len(groups)
        precision = {p: math.exp(x[tail + k]) for k, p in enumerate(PRECISION_FACTORS)}
        return shared, chip, precision


class _CaseModel:
    """One case's prediction as a function of the efficiencies (compiled once)."""

    def __init__(self, case: Case, root, calibrated) -> None:
        self.case = case
        _, _, scenario, evaluated = case_evaluated(case, root, calibrated)
        self.fp4 = evaluated.value("fp4_compute_used") > 0.5
        self.die = " / ".join(f"{evaluated.value(rate):.6g}" for rate in RATES)
        from calcgraph.engine.fast import Evaluator
        self.evaluator = Evaluator(scenario, [PREDICTED], list(FITTED))

    def inputs(self, shared: dict, chip: dict, precision: dict) -> list[float]:
        """The efficiencies this case runs at, as calibrated.yaml's formulas compute them."""
        factors = chip[self.case.chip]
        compute = factors["compute_efficiency_chip"] * (precision["fp4"] if self.fp4 else 1.0)
        scaled = {"hbm_efficiency": min(1.0, shared["hbm_efficiency"] * factors["hbm_efficiency_chip"]),
                  "mfu": min(1.0, shared["mfu"] * compute), "mfu_decode": min(1.0, shared["mfu_decode"] * compute)}
        return [scaled.get(name, shared[name]) for name in FITTED]

    def log_ratio(self, shared: dict, chip: dict, precision: dict) -> float:
        (predicted,) = self.evaluator(*self.inputs(shared, chip, precision))
        return math.log(predicted / self.case.measured_per_chip)


def _solve(models: list[_CaseModel], layout: _Layout, start):
    import numpy as np
    from scipy.optimize import least_squares

    def residuals(x):
        parts = layout.unpack(x)
        fit = [m.log_ratio(*parts) for m in models]
        return np.array(fit + [math.sqrt(SHRINK) * u for u in x[len(FITTED):]])

    _, low, high = layout.vectors()
    steps = [SCALE.get(n, 1.0) for n in FITTED] + [1.0] * (len(low) - len(FITTED))
    result = least_squares(residuals, np.clip(start, low, high), bounds=(low, high), x_scale=steps,
                           loss="soft_l1", f_scale=ROBUST_SCALE)
    return result.x


def calibrate(files: list[ValidationFile], loo: bool = True) -> Fit:
    """The least-squares fit over every case of ``files``, with leave-one-out error unless ``loo`` is False."""
    models = [_CaseModel(case, root, root / "presets" / "assumptions" / "calibrated.yaml")
              for case, _, root in each_case(files)]
    dies = {m.case.chip: m.die for m in models}
    chips = tuple(sorted(dies))
    layout = _Layout(chips, tuple(dies[c] for c in chips))

    def error(model: _CaseModel, x) -> float:  # |predicted / measured - 1| at the solver's vector x
        return abs(math.exp(model.log_ratio(*layout.unpack(x))) - 1)

    x = _solve(models, layout, layout.vectors()[0])
    errors = [error(m, x) for m in models]
    held_out = [error(held, _solve(models[:i] + models[i + 1:], layout, x)) for i, held in enumerate(models)] \
        if loo and len(models) > 2 else []
    shared, chip, precision = layout.unpack(x)
    return Fit(shared=shared, chip_factors=chip, precision_factors=precision,
               chip_cases={c: tuple(m.case.id for m in models if m.case.chip == c) for c in layout.chips},
               case_ids=tuple(m.case.id for m in models), files=tuple(f.path for f in files),
               median_abs_error=statistics.median(errors), within_25=sum(e <= 0.25 for e in errors) / len(errors),
               loo_median_abs_error=statistics.median(held_out) if held_out else math.nan)
