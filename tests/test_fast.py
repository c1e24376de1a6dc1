"""The fast evaluation API: Model.evaluator agrees with Model.set(...).value, compiled once."""

import math

import numpy as np
import pytest
from conftest import fixture

import calcgraph
from calcgraph.errors import EvaluationError, SetValueError, UnknownNameError

POINTS = [dict(batch=1, seq_len=128), dict(batch=43, seq_len=8192), dict(batch=44, seq_len=8192),
          dict(batch=64, seq_len=8192), dict(batch=240, seq_len=2048), dict(batch=200, seq_len=16384)]


@pytest.fixture(scope="module")
def model():
    return calcgraph.load()


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_every_quantity_agrees_with_set_value_at_several_points(model):
    names = model.names()
    fast = model.evaluator(names, ["batch", "seq_len"])
    assert fast._fast is not None, "the default graph compiles to generated code"
    for point in POINTS:
        slow = model.set(**point)
        got = fast(point["batch"], point["seq_len"])
        wrong = [(n, g, slow.value(n)) for n, g in zip(names, got, strict=True) if not same(g, slow.value(n))]
        assert not wrong, (point, wrong[:5])


def test_max_batch_is_the_chapters_43_at_int8_8192_tokens(model):
    assert model.evaluator(["max_batch"], ["seq_len"])(8192) == [43.0]


def test_the_generated_path_answers_without_falling_back(model):
    fast = model.evaluator(["max_batch", "t_step"], ["batch", "seq_len"])
    (max_batch, t_step), check = fast._fast(64.0, 8192.0)
    assert max_batch == 43 and math.isfinite(check)
    assert t_step == pytest.approx(model.set(batch=64).value("t_step"), rel=1e-15)


def test_inputs_and_outputs_are_in_declared_units(model):
    fast = model.evaluator(["cost_per_million_tokens", "t_step"], ["hbm_bandwidth", "batch"])
    slow = model.set(hbm_bandwidth="8.2e11 B/s/chip", batch=32)
    assert fast(8.2e11, 32) == [slow.value("cost_per_million_tokens"), slow.value("t_step")]


def test_arrays_broadcast_like_a_sweep(model):
    fast = model.evaluator(["t_step", "max_batch"], ["batch", "seq_len"])
    batch = np.array([[1.0], [64.0]])
    seq = np.array([[2048.0, 8192.0]])
    t_step, max_batch = fast(batch, seq)
    for i, b in enumerate((1, 64)):
        for j, s in enumerate((2048, 8192)):
            assert t_step[i, j] == pytest.approx(fast(b, s)[0], rel=1e-12)
            assert max_batch[0 if max_batch.shape[0] == 1 else i, j] == fast(b, s)[1]


def test_a_division_by_zero_is_the_exact_evaluators_error():
    fast = calcgraph.load(fixture("div_zero.yaml")).evaluator(["per_chip"], ["chips"])
    assert fast(2) == [35.0]
    with pytest.raises(EvaluationError, match="per_chip"):
        fast(0)


def test_ceil_and_floor_snap_decimal_noise_as_the_exact_evaluator():
    model = calcgraph.load(fixture("ceil_exact.yaml"))
    fast = model.evaluator(["up", "down", "slice"], ["s", "x"])
    assert fast(27, 0.7) == [63.0, 63.0, 32.0]
    assert fast(12, 0.1) == [28.0, 9.0, 16.0]


def test_past_the_largest_slice_is_the_exact_evaluators_error():
    model = calcgraph.load(fixture("ceil_exact.yaml"))
    with pytest.raises(EvaluationError, match="slice is not finite") as slow:
        _ = model.set(s=100).raw
    with pytest.raises(EvaluationError, match="slice is not finite") as fast:
        model.evaluator(["slice"], ["s"])(100)
    assert str(fast.value) == str(slow.value)


def test_a_solve_node_that_later_formulas_use():
    model = calcgraph.load(fixture("solve_node.yaml"))
    fast = model.evaluator(["most", "spare"], ["room"])
    for room in (3, 10, 100, 1000):
        slow = model.set(room=f"{room!r} B")
        assert fast(room) == [slow.value("most"), slow.value("spare")]


def test_an_unknown_name_is_named_with_suggestions(model):
    with pytest.raises(UnknownNameError, match="bacth"):
        model.evaluator(["t_step"], ["bacth"])


def test_the_number_of_values_is_checked(model):
    with pytest.raises(SetValueError, match="give 2 values"):
        model.evaluator(["t_step"], ["batch", "seq_len"])(64)


def test_a_solve_is_remembered_by_the_values_its_sides_read(model):
    evaluator = model.evaluator(["max_batch"], ["seq_len", "batch"])
    assert evaluator(8192, 1) == [43.0] and evaluator(8192, 64) == [43.0]  # batch: not read by the sides
    memo = next(v for k, v in evaluator._fast.__globals__.items() if k.startswith("_memo_"))
    assert len(memo) == 1
    assert evaluator(4096, 1) == [model.set(seq_len=4096).value("max_batch")] and len(memo) == 2
    assert evaluator(8192, 1) == [43.0]
