"""Figures of "Serving LLaMA 3-70B", from the default scenario and overrides."""

import pytest
from conftest import DEFAULT

import calcgraph


@pytest.fixture(scope="module")
def main_case():
    return calcgraph.load(DEFAULT)


def test_kv_per_token_int8_is_163840_bytes(main_case):
    assert main_case.value("kv_per_token", "B/token") == 163840


def test_kv_batch_32_at_8192_tokens_is_42_95_gb_or_40_gib(main_case):
    assert main_case.value("kv_cache_bytes", "GiB") == pytest.approx(40, rel=1e-12)
    assert main_case.value("kv_cache_bytes", "GB") == pytest.approx(42.95, abs=0.005)


def test_min_chips_for_112_95_gb_is_8_not_7(main_case):
    assert main_case.value("total_memory", "GB") == pytest.approx(112.95, abs=0.005)
    assert main_case.value("min_chips") == 8


def test_b_crit_int8_weights_bf16_flops_is_121_6(main_case):
    assert main_case.value("b_crit") == pytest.approx(121.6, abs=0.01)


def test_b_crit_bf16_is_243_2():
    model = calcgraph.load(DEFAULT, set={"weight_bytes": "2 B"})
    assert model.value("b_crit") == pytest.approx(243.2, abs=0.02)


def test_step_time_4x2_is_17_43_ms_and_1836_tokens_per_second(main_case):
    assert main_case.value("t_step", "ms") == pytest.approx(17.43, abs=0.005)
    assert main_case.value("throughput", "token/s") == pytest.approx(1835.9, abs=0.05)
    assert main_case.value("throughput_per_chip", "token/s/chip") == pytest.approx(229.5, abs=0.05)


def test_printed_17_ms_gives_the_printed_1882_tokens_per_second():
    model = calcgraph.load(DEFAULT, set={"t_step": "17 ms"})
    assert round(model.value("throughput", "token/s")) == 1882


@pytest.mark.parametrize("dtype_bytes, chips", [("2 B", 16), ("1 B", 8), ("0.5 B", 4)])
def test_max_batch_on_smallest_slice_is_43(dtype_bytes, chips):
    model = calcgraph.load(DEFAULT, set={"weight_bytes": dtype_bytes, "kv_bytes": dtype_bytes,
                                         "chips": chips})
    assert model.value("max_batch") == 43


def test_max_batch_int8_on_4x4_is_138():
    assert calcgraph.load(DEFAULT, set={"chips": 16}).value("max_batch") == 138


def test_prefill_8192_tokens_on_16_chips_at_40_percent_mfu_is_0_91_s():
    model = calcgraph.load(DEFAULT, set={"chips": 16})
    assert model.value("prefill_time", "s") == pytest.approx(0.9098, abs=5e-4)


def test_kv_evicted_per_step_is_96_tokens():
    model = calcgraph.load(DEFAULT, set={"gen_len": 4096})
    assert model.value("kv_evicted_per_step", "token") == pytest.approx(96)


def test_tp_limit_ici_is_26_2(main_case):
    assert main_case.value("tp_limit_ici") == pytest.approx(26.2, abs=0.05)


def test_flops_per_dollar_v5e_is_5_91e17_not_the_printed_5_8e17(main_case):
    assert main_case.value("flops_per_dollar", "FLOP/USD") == pytest.approx(5.91e17, rel=1e-3)


def test_verify_passes_on_every_scenario(run):
    status, out, _ = run("verify")
    assert status == 0 and "0 failing" in out
