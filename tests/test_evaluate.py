import numpy as np
import pytest
from conftest import fixture

import calcgraph
from calcgraph.core.evaluate import evaluate
from calcgraph.engine.checks import failed_mask
from calcgraph.errors import EvaluationError


def test_ceil_of_7s_over_3_at_27_is_63_not_64():
    assert calcgraph.load(fixture("ceil_exact.yaml")).value("up") == 63


def test_floor_of_0_7_times_90_is_63_not_62():
    assert calcgraph.load(fixture("ceil_exact.yaml")).value("down") == 63


def test_ceil_to_picks_the_next_allowed_slice():
    assert calcgraph.load(fixture("ceil_exact.yaml")).value("slice") == 32


def test_min_chips_for_112_95_gb_on_16_gb_chips_is_8():
    assert calcgraph.load(fixture("tiny.yaml")).value("min_chips") == 8


def test_division_by_zero_names_the_quantity():
    with pytest.raises(EvaluationError, match="per_chip") as info:
        _ = calcgraph.load(fixture("div_zero.yaml")).raw
    assert str(info.value.where).endswith("div_zero.yaml:4")


def test_arrays_evaluate_elementwise_with_nan_for_bad_points():
    model = calcgraph.load(fixture("div_zero.yaml"))
    values = evaluate(model.scenario, overrides={"chips": np.array([0.0, 2.0, 4.0])})
    per_chip = values["per_chip"] / 1e9
    assert np.isnan(per_chip[0]) and list(per_chip[1:]) == [35.0, 17.5]


def test_eval_symbolic_prints_closed_forms_in_the_inputs(run):
    code, out, _ = run("eval", "--symbolic", "--only", "param_bytes", "--only", "max_batch", "--only", "layers")
    assert code == 0
    assert out.splitlines() == ["param_bytes = n_params*weight_bytes",
                                "max_batch = floor((-draft_param_bytes - param_bytes + usable_hbm)/"
                                "(draft_kv_elements*kv_bytes*seq_len + kv_per_token_stored*kv_tokens_allocated))"]


def test_a_check_that_divides_by_zero_warns_nothing_from_numpy(tmp_path):
    # a check's sides were computed without numpy's errstate: a RuntimeWarning naming core/evaluate.py on stderr
    import warnings

    path = tmp_path / "checks.yaml"
    path.write_text("quantities:\n  a: {unit: '1', doc: d, value: 1}\n  b: {unit: '1', doc: d, value: 0}\n"
                    "checks:\n  - {where: 'a / b <= 1', message: ratio}\n  - {where: 'log(b) <= 1', message: log}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = calcgraph.load(str(path))
        checks = model.evaluated.checks
        failed, _ = failed_mask(model.graph, {"a": np.ones(2), "b": np.array([0.0, 1.0])})  # as sweep has it
    assert [c.lhs for c in checks] == [np.inf, -np.inf] and list(failed) == [0, 0]
