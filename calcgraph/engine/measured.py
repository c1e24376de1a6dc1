"""Predictions held against measured serving (validation/README.md): each published case as a scenario, its
prediction and its pure roofline (the case under chapter.yaml with mfu 1, a bound a measurement should not beat)."""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from calcgraph.core.bind import Scenario, bind, parse_set_arg
from calcgraph.core.cases import Case, ValidationFile
from calcgraph.core.compose import compose_spec
from calcgraph.engine.evaluated import Evaluated, evaluate_scenario
from calcgraph.errors import CalcgraphError, EvaluationError, InputFileError

BATCH_CAP = 2048
PREDICTED = "benchmark_throughput_per_chip"
TERMS = {  # a term of the benchmark cycle -> the assumption that sets it
    "bench_t_weights": "hbm_efficiency (weight reads)",
    "bench_t_kv": "hbm_efficiency (KV reads at long context)",
    "bench_t_decode_flops": "mfu_decode (decode compute)",
    "bench_t_prefill_flops": "mfu (prefill compute)",
    "bench_t_comm": "communication (tensor-parallel all-reduces)",
}


@dataclass(frozen=True)
class Prediction:
    """One case: measured and predicted output tokens/s per chip, the roofline, and what dominates the cycle."""

    case: Case
    file: str
    batch: int
    batch_solved: bool
    predicted: float
    roofline: float
    shares: dict  # cycle term -> its share of the cycle
    tpot: float = math.nan  # predicted mean time per output token (s), to hold against a published TPOT

    @property
    def ratio(self) -> float:  # predicted / measured
        return self.predicted / self.case.measured_per_chip

    @property
    def error(self) -> float:  # |predicted / measured - 1|
        return abs(self.ratio - 1)

    @property
    def likely_cause(self) -> str:
        """The assumption behind the cycle's largest term, and which way the prediction leans."""
        if not self.shares:
            return ""
        term = max(self.shares, key=self.shares.get)
        lean = "over" if self.ratio > 1 else "under"
        return f"{lean}-predicts; {self.shares[term]:.0%} of the cycle is {TERMS[term]}"


@dataclass(frozen=True)
class Summary:
    """How close a set of predictions comes to the measurements."""

    count: int
    median_abs_error: float
    within_15: float
    within_25: float
    roofline_violations: tuple[str, ...]
    orderings: tuple[tuple[str, str, str, bool], ...]  # (benchmark, faster chip measured, faster predicted, agree)
    worst: tuple[Prediction, ...]


def repo_root(validation_file: str | Path) -> Path:
    """The folder holding formulas/ and presets/: beside the validation folder, else beside the package."""
    here = Path(validation_file).resolve().parent.parent
    if (here / "formulas" / "serving.yaml").is_file():
        return here
    return Path(__file__).resolve().parents[2]


def assumption_path(root: Path, name: str) -> Path:
    """presets/assumptions/NAME.yaml (or NAME as a path); a missing one is an input error."""
    path = Path(name) if name.endswith(".yaml") else root / "presets" / "assumptions" / f"{name}.yaml"
    if not path.is_file():
        raise InputFileError(f"no such assumption set: {name}", where="--assumptions",
                             hint="give one of presets/assumptions/*.yaml by name (engine, calibrated, chapter)")
    return path


def case_scenario(case: Case, root: Path, assumptions: Path, batch: int | None, extra: dict | None = None) -> Scenario:
    """The case as a bound scenario (nothing written): presets in the contract's order, the case's settings."""
    paths = [root / "formulas" / "serving.yaml", root / "presets" / "models" / f"{case.model}.yaml",
             root / "presets" / "chips" / f"{case.chip}.yaml",
             *(root / "presets" / "dtypes" / f"{d}.yaml" for d in case.dtypes), assumptions]
    for path in paths:
        if not path.is_file():
            raise InputFileError(f"case {case.id}: no preset {path.relative_to(root)}", where=case.where,
                                 hint="name a preset under presets/ (or make one with calcgraph import-model)")
    values = {"chips": case.chips, "pp_degree": case.pp_degree, "tp_degree": case.tp_degree,
              "prefill_len": case.prefill_len, "gen_len": case.gen_len, "seq_len": case.prefill_len + case.gen_len,
              **(extra or {}), **({} if batch is None else {"batch": batch})}
    entries = [parse_set_arg(f"{name}={value!r}", origin=str(case.where)) for name, value in values.items()]
    return bind(compose_spec(paths, case.id, case.where), None, entries)


def _evaluated(case: Case, scenario: Scenario) -> Evaluated:
    """The scenario evaluated; an evaluation error names the case where it is written, then the formula."""
    try:
        return evaluate_scenario(scenario)
    except EvaluationError as exc:
        raise exc.rewrap(f"case {case.id}: {exc.where}: {exc.message}", where=case.where) from None


def case_batch(case: Case, root: Path) -> tuple[int, bool]:
    """The case's batch, or the largest that fits under calibrated.yaml (capped at 2,048) when none is published."""
    if case.batch is not None:
        return case.batch, False
    calibrated = root / "presets" / "assumptions" / "calibrated.yaml"
    if not calibrated.is_file():
        calibrated = calibrated.with_name("engine.yaml")
    evaluated = _evaluated(case, case_scenario(case, root, calibrated, None))
    largest = evaluated.values.get("max_batch", math.nan)
    if not math.isfinite(largest) or largest < 1:
        raise CalcgraphError(f"case {case.id}: the model does not fit on {case.chips} {case.chip} "
                             "under calibrated.yaml, so no batch can be predicted", where=case.where,
                             hint="check the case's chips and dtypes")
    return int(min(largest, BATCH_CAP)), True


def case_evaluated(case: Case, root: Path, assumptions: Path) -> tuple:
    """(batch, batch solved?, scenario, evaluated): the case under ``assumptions`` at its batch."""
    batch, solved = case_batch(case, root)
    scenario = case_scenario(case, root, assumptions, batch)
    scenario.require([PREDICTED])
    return batch, solved, scenario, _evaluated(case, scenario)


def predict(case: Case, file: str, root: Path, assumptions: Path) -> Prediction:
    """The case's prediction under ``assumptions`` and its pure roofline (chapter.yaml, mfu 1)."""
    batch, solved, _, evaluated = case_evaluated(case, root, assumptions)
    cycle = evaluated.value("bench_t_cycle")
    shares = {term: evaluated.value(term) / cycle for term in TERMS} if cycle > 0 else {}
    chapter = root / "presets" / "assumptions" / "chapter.yaml"   # a missing one: case_scenario names the case
    roof = _evaluated(case, case_scenario(case, root, chapter, batch, {"mfu": 1}))
    return Prediction(case=case, file=file, batch=batch, batch_solved=solved,
                      predicted=evaluated.value(PREDICTED), roofline=roof.value(PREDICTED),
                      shares=shares, tpot=evaluated.value("benchmark_tpot"))


def each_case(files: list[ValidationFile]) -> Iterator[tuple[Case, str, Path]]:
    """(case, its file, the folder holding formulas/ and presets/) for every case, in file order."""
    for vfile in files:
        root = repo_root(vfile.path)
        yield from ((case, vfile.path, root) for case in vfile.cases)


def predict_all(files: list[ValidationFile], assumptions: str) -> list[Prediction]:
    """Every case of every file, in file order."""
    return [predict(case, file, root, assumption_path(root, assumptions)) for case, file, root in each_case(files)]


def orderings(predictions: list[Prediction]) -> list[tuple[str, str, str, bool]]:
    """Within each benchmark label, for each pair of chips: is the faster one per chip predicted faster?"""
    groups: dict[str, dict[str, list[Prediction]]] = {}
    for p in predictions:
        groups.setdefault(p.case.benchmark, {}).setdefault(p.case.chip, []).append(p)
    out = []
    for label, chips in groups.items():
        best = {chip: max(ps, key=lambda p: p.case.measured_per_chip) for chip, ps in chips.items()}
        for a, b in itertools.combinations(sorted(best), 2):
            pa, pb = best[a], best[b]
            measured = a if pa.case.measured_per_chip >= pb.case.measured_per_chip else b
            predicted = a if pa.predicted >= pb.predicted else b
            out.append((label, measured, predicted, measured == predicted))
    return out


def summarize(predictions: list[Prediction], worst: int = 3) -> Summary:
    """Median absolute error, shares within 15 % and 25 %, roofline violations, chip orderings, the worst cases."""
    if not predictions:
        return Summary(0, math.nan, math.nan, math.nan, (), (), ())
    errors = [p.error for p in predictions]
    ranked = sorted(predictions, key=lambda p: p.error, reverse=True)
    return Summary(count=len(predictions), median_abs_error=statistics.median(errors),
                   within_15=sum(e <= 0.15 for e in errors) / len(errors),
                   within_25=sum(e <= 0.25 for e in errors) / len(errors),
                   roofline_violations=tuple(p.case.id for p in predictions
                                             if p.roofline < p.case.measured_per_chip),
                   orderings=tuple(orderings(predictions)), worst=tuple(ranked[:worst]))


def beyond_thresholds(files: list[ValidationFile], predictions: list[Prediction]) -> list[str]:
    """Each file whose cases' summary is beyond the thresholds it declares, said in a line."""
    out = []
    for vfile in files:
        mine = [p for p in predictions if p.file == vfile.path]
        if not mine or not vfile.thresholds:
            continue
        summary = summarize(mine)
        limit = vfile.thresholds.get("median_abs_error")
        if limit is not None and summary.median_abs_error > limit:
            out.append(f"{vfile.path}: median absolute error {summary.median_abs_error:.1%} > {limit:.0%}")
        share = vfile.thresholds.get("within_25")
        if share is not None and summary.within_25 < share:
            out.append(f"{vfile.path}: {summary.within_25:.0%} of cases within 25 % < {share:.0%}")
    return out

