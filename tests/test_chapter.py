"""Figures of "Serving LLaMA 3-70B", from the default scenario and overrides."""

import pytest
from conftest import DEFAULT, ROOT

import calcgraph
from calcgraph.engine.expect import compare

SCENARIOS = ROOT / "scenarios"


def scenario(name: str, variant: str | None = None, **sets) -> calcgraph.Model:
    """A scenario of the chapter by file stem, under one of its variants."""
    return calcgraph.load(SCENARIOS / f"{name}.yaml", variant=variant, set=sets or None)


def printed(model: calcgraph.Model, name: str):
    """The verify row of the figure the chapter prints for ``name`` (exactly one)."""
    rows = [row for row in compare(model.evaluated) if row.name == name]
    assert len(rows) == 1, f"{name}: expected one printed figure, found {len(rows)}"
    return rows[0]


def within_printed_precision(row) -> bool:
    """The printed figure is the computed one rounded to its printed digits (or the same)."""
    return row.verdict in ("matches", "rounded") and row.ok


def recorded_erratum(row, *words: str) -> bool:
    """The printed figure differs and the scenario says why, in these words."""
    return row.verdict == "differs" and row.ok and all(w in row.reason for w in words)


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


# Inputs: the parameter count the shapes give.

def test_shapes_give_70_55e9_parameters_with_untied_embeddings(main_case):
    expected = 80 * 8192 * (3 * 28672 + 2 * 128 * (64 + 8)) + 2 * 128256 * 8192
    assert main_case.value("n_params_estimate") == expected
    assert expected == pytest.approx(70.55e9, rel=1e-3)


# Case 1: KV cache per token.

def test_kv_per_token_is_printed_160_kib_not_160_kb(main_case):
    assert within_printed_precision(printed(main_case, "kv_per_token"))
    assert main_case.value("kv_per_token", "kB/token") == pytest.approx(163.84, rel=1e-12)


# Case 2: one 32k sequence, batch 240, chips to hold it.

def test_one_32k_sequence_is_5_37_gb():
    model = scenario("long-context-32k")
    assert model.value("kv_per_sequence", "B/sequence") == 163840 * 32768
    assert model.value("kv_per_sequence", "GiB/sequence") == pytest.approx(5, rel=1e-12)
    assert recorded_erratum(printed(model, "kv_per_sequence"), "truncates")


def test_batch_240_of_32k_is_1_29_tb_printed_1_3_tb():
    model = scenario("long-context-32k")
    assert model.value("kv_cache_bytes", "B") == pytest.approx(163840 * 32768 * 240, rel=1e-12)
    assert model.value("kv_cache_bytes", "TB") == pytest.approx(1.2885, abs=5e-5)
    assert within_printed_precision(printed(model, "kv_cache_bytes"))


def test_batch_240_needs_85_chips():
    model = scenario("long-context-32k")
    assert model.value("total_memory", "GB") / 16 == pytest.approx(84.9, abs=0.05)
    assert model.value("min_chips") == 85
    assert recorded_erratum(printed(model, "min_chips"), "1.3 TB")


def test_printed_1_3_tb_gives_the_printed_about_86_chips():
    model = scenario("long-context-32k", "printed")
    assert model.value("min_chips") == 86
    assert printed(model, "min_chips").verdict == "matches"


# Case 3: batch 32 at 8192 tokens.

def test_printed_41_9_gb_comes_from_160000_bytes_per_token():
    model = calcgraph.load(DEFAULT, set={"kv_per_token_stored": "160000 B/token"})
    assert model.value("kv_cache_bytes", "GB") == pytest.approx(41.94, abs=0.005)
    assert recorded_erratum(printed(calcgraph.load(DEFAULT), "kv_cache_bytes"), "160,000")


def test_printed_7_chips_comes_from_the_rounded_112_gb(main_case):
    assert recorded_erratum(printed(main_case, "min_chips"), "112")
    assert calcgraph.load(DEFAULT, set={"kv_cache_bytes": "42 GB"}).value("min_chips") == 7


def test_batch_32_at_8192_tokens_fits_a_4x2_slice(main_case):
    assert main_case.value("min_slice_chips") == 8
    assert main_case.value("param_bytes", "GB") == 70


# Case 4: critical batch size.

@pytest.mark.parametrize("variant, exact, printed_figure", [
    ("bf16", 243.2, 240), ("int8-weights", 121.6, 120), ("int8", 243.2, 240)])
def test_critical_batch_table(variant, exact, printed_figure):
    model = scenario("critical-batch", variant)
    assert model.value("b_crit") == pytest.approx(exact, abs=0.01)
    row = printed(model, "b_crit")
    assert float(row.printed) == printed_figure and recorded_erratum(row, "round figure")


def test_b_crit_int8_weights_int8_flops_is_243_2():
    model = scenario("critical-batch", "int8")
    assert model.value("flops_per_chip", "FLOP/s/chip") == 3.94e14
    assert model.value("b_crit") == pytest.approx(3.94e14 * 1 / (2 * 8.1e11), rel=1e-12)


def test_batch_32_is_below_b_crit_so_decode_is_bandwidth_bound(main_case):
    assert main_case.value("batch") < main_case.value("b_crit")
    assert main_case.value("t_flops") < main_case.value("t_param_load")


# Case 5: step time and throughput on bigger slices.

def test_step_time_on_4x2_is_17_3_ms_from_printed_112_gb():
    model = scenario("bigger-slices", "4x2-printed")
    assert model.value("t_step", "ms") == pytest.approx(112e9 / (8 * 8.1e11) * 1e3, rel=1e-9)
    assert within_printed_precision(printed(model, "t_step"))


def test_step_time_on_4x4_is_8_64_ms_from_printed_112_gb():
    model = scenario("bigger-slices", "4x4-printed")
    assert model.value("t_step", "ms") == pytest.approx(112e9 / (16 * 8.1e11) * 1e3, rel=1e-9)
    assert model.value("t_step", "ms") == pytest.approx(8.64, abs=0.005)
    assert recorded_erratum(printed(model, "t_step"), "halves")


def test_step_time_on_4x4_is_8_72_ms_exact():
    model = scenario("bigger-slices", "4x4")
    assert model.value("t_step", "ms") == pytest.approx(112.95e9 / (16 * 8.1e11) * 1e3, rel=1e-4)


def test_bigger_slice_keeps_throughput_per_chip():
    small, big = scenario("bigger-slices", "4x2"), scenario("bigger-slices", "4x4")
    assert big.value("t_step") == pytest.approx(small.value("t_step") / 2, rel=1e-12)
    assert big.value("throughput_per_chip") == pytest.approx(small.value("throughput_per_chip"), rel=1e-12)


def test_printed_235_tokens_per_second_per_chip_comes_from_17_ms():
    model = calcgraph.load(DEFAULT, set={"t_step": "17 ms"})
    assert round(model.value("throughput_per_chip", "token/s/chip")) == 235
    assert recorded_erratum(printed(scenario("bigger-slices", "4x2"), "throughput_per_chip"), "17 ms")


# Case 6: the dtype table.

@pytest.mark.parametrize("variant, params_gb, kv_bytes, min_chips, slice_chips, free_gb", [
    ("bf16", 140, 327680, 9, 16, 116), ("int8", 70, 163840, 5, 8, 58), ("int4", 35, 81920, 3, 4, 29)])
def test_dtype_table_row(variant, params_gb, kv_bytes, min_chips, slice_chips, free_gb):
    model = scenario("dtype-table", variant)
    assert model.value("param_bytes", "GB") == pytest.approx(params_gb, rel=1e-12)
    assert model.value("kv_per_token", "B/token") == kv_bytes
    assert model.value("min_chips_weights") == min_chips
    assert model.value("slice_chips") == slice_chips
    assert model.value("free_hbm", "GB") == pytest.approx(free_gb, rel=1e-12)
    assert model.value("max_batch") == 43
    assert recorded_erratum(printed(model, "kv_per_token"), "kB")


# Cases 7-8: latency floor and QPS per chip with HBM full, at 8.2e11 B/s.

def test_latency_floor_full_chip_is_19_5_ms():
    model = scenario("latency-floor-qps", "int8")
    assert model.value("t_step_full_hbm", "ms") == pytest.approx(16e9 / 8.2e11 * 1e3, rel=1e-12)
    assert model.value("t_step_full_hbm", "ms") == pytest.approx(19.51, abs=0.005)
    assert recorded_erratum(printed(model.with_variant(None), "t_step_full_hbm"), "truncates")


def test_request_of_512_tokens_takes_9_73_s_at_the_printed_19_ms():
    model = scenario("latency-floor-qps", "int8-19ms")
    assert model.value("request_latency", "s") == pytest.approx(0.019 * 512, rel=1e-12)
    assert within_printed_precision(printed(model, "request_latency"))
    assert scenario("latency-floor-qps", "int8").value("request_latency", "s") == pytest.approx(9.99, abs=0.005)


def test_int4_weights_alone_on_4_chips_take_10_7_ms():
    model = scenario("latency-floor-qps", "int4")
    assert model.value("latency_floor", "ms") == pytest.approx(35e9 / (4 * 8.2e11) * 1e3, rel=1e-12)
    assert recorded_erratum(printed(model, "latency_floor"), "about 10 ms")


@pytest.mark.parametrize("variant, chips, exact", [
    ("bf16-19ms", 16, 0.2763), ("int8-19ms", 8, 0.5525), ("int4-19ms", 4, 1.1051)])
def test_qps_per_chip_table_at_19_ms(variant, chips, exact):
    model = scenario("latency-floor-qps", variant)
    assert model.value("qps_per_chip", "request/s/chip") == pytest.approx(43 / (0.019 * 512 * chips), rel=1e-12)
    assert model.value("qps_per_chip", "request/s/chip") == pytest.approx(exact, abs=5e-5)
    assert printed(model, "qps_per_chip").ok


def test_qps_per_chip_int8_is_0_553():
    model = scenario("latency-floor-qps", "int8-19ms")
    assert model.value("qps_per_chip", "request/s/chip") == pytest.approx(0.553, abs=5e-4)
    assert within_printed_precision(printed(model, "qps_per_chip"))


def test_qps_per_chip_bf16_printed_0_27_truncates_0_276():
    assert recorded_erratum(printed(scenario("latency-floor-qps", "bf16-19ms"), "qps_per_chip"), "truncates")


def test_qps_per_chip_at_the_exact_19_5_ms_step_is_lower():
    model = scenario("latency-floor-qps", "int8")
    assert model.value("qps_per_chip", "request/s/chip") == pytest.approx(43 / (16e9 / 8.2e11 * 512 * 8), rel=1e-12)


# Case 9: bigger slices, max batch and QPS per chip.

@pytest.mark.parametrize("variant, chips", [("bf16", 32), ("int8", 16), ("int4", 8)])
def test_bigger_slices_all_fit_138_sequences(variant, chips):
    model = scenario("bigger-slices-qps", variant)
    assert model.value("chips") == chips
    assert model.value("max_batch") == 138
    assert model.value("free_hbm") / model.value("kv_per_sequence", "B/sequence") == pytest.approx(138.6, abs=0.05)


@pytest.mark.parametrize("variant, exact", [("bf16-19ms", 0.4433), ("int8-19ms", 0.8866), ("int4-19ms", 1.7732)])
def test_bigger_slices_qps_per_chip_at_19_ms_with_138(variant, exact):
    model = scenario("bigger-slices-qps", variant)
    assert model.value("qps_per_chip", "request/s/chip") == pytest.approx(exact, abs=5e-5)
    assert printed(model, "qps_per_chip").ok


def test_bigger_slices_printed_batches_90_and_80_are_an_erratum():
    for variant in ("int8", "int4"):
        assert recorded_erratum(printed(scenario("bigger-slices-qps", variant), "max_batch"), "erratum")


def test_bigger_slices_printed_qps_follows_from_a_batch_of_140():
    for variant in ("int8-19ms-batch140", "int4-19ms-batch140"):
        assert within_printed_precision(printed(scenario("bigger-slices-qps", variant), "qps_per_chip"))


# Case 10: tensor-parallel limits.

def test_tp_limit_ici_is_26_2_and_26_1_from_the_rounded_2200():
    exact = scenario("tensor-parallel-limits")
    assert exact.value("ici_critical_intensity") == pytest.approx(1.97e14 / 9e10, rel=1e-12)
    assert exact.value("tp_limit_ici") == pytest.approx(28672 * 2 * 9e10 / 1.97e14, rel=1e-12)
    assert scenario("tensor-parallel-limits", "printed-ratios").value("tp_limit_ici") == pytest.approx(
        28672 * 2 / 2200, rel=1e-12)
    assert within_printed_precision(printed(exact, "tp_limit_ici"))


def test_16_way_is_within_the_ici_limit_and_32_way_is_not():
    limit = scenario("tensor-parallel-limits").value("tp_limit_ici")
    assert 16 < limit < 32


def test_tp_limit_bandwidth_is_56_with_the_chapters_ratio_8():
    model = scenario("tensor-parallel-limits", "printed-ratios")
    assert model.value("tp_limit_bandwidth") == 56
    exact = scenario("tensor-parallel-limits")
    assert exact.value("hbm_ici_ratio") == pytest.approx(8.2e11 / 9e10, rel=1e-12)
    assert exact.value("tp_limit_bandwidth") == pytest.approx(28672 / (64 * 8.2e11 / 9e10), rel=1e-12)
    assert recorded_erratum(printed(exact, "tp_limit_bandwidth"), "as 8")
    assert exact.value("tp_limit_bandwidth") > 32


def test_4x8_at_batch_64_ici_11_65_us_hbm_17_9_us_flops_4_8_us():
    model = scenario("tensor-parallel-limits")
    ici, hbm, flops = (model.value(n, "us") for n in ("t_matmul_ici", "t_matmul_hbm", "t_matmul_flops"))
    assert ici == pytest.approx(2 * 64 * 8192 / 9e10 * 1e6, rel=1e-12)
    assert hbm == pytest.approx(2 * 8192 * 28672 / (32 * 8.2e11) * 1e6, rel=1e-12)
    assert flops == pytest.approx(2 * 64 * 8192 * 28672 / (32 * 1.97e14) * 1e6, rel=1e-12)
    assert (round(ici, 1), round(hbm, 1), round(flops, 1)) == (11.7, 17.9, 4.8)
    assert flops < ici < hbm
    for name in ("t_matmul_ici", "t_matmul_hbm", "t_matmul_flops"):
        assert printed(model, name).ok


# Case 11: prefill.

def test_prefill_8192_on_16_chips_is_0_91_s():
    model = scenario("prefill")
    assert model.value("prefill_time", "s") == pytest.approx(2 * 70e9 * 8192 / (16 * 1.97e14 * 0.4), rel=1e-12)
    assert within_printed_precision(printed(model, "prefill_time"))


# Case 12: KV eviction.

def test_requests_finishing_per_step_is_0_0078_one_every_128_steps():
    model = scenario("kv-eviction")
    assert model.value("requests_finished_per_step", "request") == 32 / 4096
    assert model.value("steps_per_finished_request") == 128
    assert within_printed_precision(printed(model, "requests_finished_per_step"))
    assert recorded_erratum(printed(model, "steps_per_finished_request"), "125")


def test_kv_tokens_per_finished_request_is_12288():
    assert scenario("kv-eviction").value("kv_tokens_per_request", "token/sequence") == 12288


def test_kv_evicted_per_step_is_96():
    model = scenario("kv-eviction")
    assert model.value("kv_evicted_per_step", "token") == 96
    assert printed(model, "kv_evicted_per_step").verdict == "matches"


# Case 13: disaggregated serving.

def test_prefill_to_generate_ratio_is_2_99():
    model = scenario("disaggregated", "19ms")
    prefill = 2 * 70e9 * 8192 / (16 * 1.97e14 * 0.4)
    assert model.value("prefill_to_generate_ratio") == pytest.approx(32 * prefill / (0.019 * 512), rel=1e-12)
    assert model.value("prefill_to_generate_ratio") == pytest.approx(2.99, abs=0.005)
    assert within_printed_precision(printed(model, "prefill_to_generate_ratio"))


def test_prefill_to_generate_ratio_at_the_full_hbm_step_is_2_91():
    model = scenario("disaggregated")
    assert model.value("prefill_to_generate_ratio") == pytest.approx(2.914, abs=5e-4)


# The hardware table: FLOPs per dollar.

@pytest.mark.parametrize("variant, flops, price, exact", [
    ("h100", 9.9e14, 10.8, 3.30e17), ("tpu-v5p", 4.59e14, 4.2, 3.934e17), ("tpu-v5e", 1.97e14, 1.2, 5.91e17)])
def test_flops_per_dollar_table(variant, flops, price, exact):
    model = scenario("flops-per-dollar", variant)
    assert model.value("flops_per_dollar", "FLOP/USD") == pytest.approx(flops * 3600 / price, rel=1e-12)
    assert model.value("flops_per_dollar", "FLOP/USD") == pytest.approx(exact, rel=5e-4)
    assert printed(model, "flops_per_dollar").ok


def test_flops_per_dollar_v5p_is_3_93e17():
    model = scenario("flops-per-dollar", "tpu-v5p")
    assert model.value("flops_per_dollar", "FLOP/USD") == pytest.approx(3.93e17, abs=0.005e17)
    assert within_printed_precision(printed(model, "flops_per_dollar"))


def test_flops_per_dollar_v5e_printed_5_8e17_is_an_erratum():
    assert recorded_erratum(printed(scenario("flops-per-dollar", "tpu-v5e"), "flops_per_dollar"), "low")


# Case 15: the exercises (unanswered in the chapter; computed here).

def test_exercise_batch_240_int8_needs_25_chips_a_4x8_slice():
    model = scenario("exercise-batch-240")
    assert model.value("kv_cache_bytes", "B") == 163840 * 8192 * 240
    assert model.value("min_chips") == 25 and model.value("min_slice_chips") == 32


def test_exercise_405b_flops_per_token_and_single_chip_compute_floor():
    model = scenario("exercise-405b").set(chips=1, batch=1)
    assert model.value("flops_per_token", "FLOP/token") == pytest.approx(2 * 405.85e9, rel=1e-12)
    assert model.value("t_flops", "ms") == pytest.approx(2 * 405.85e9 / 1.97e14 * 1e3, rel=1e-12)


def test_verify_binds_only_where_something_is_expected(tmp_path, run):
    quiet = tmp_path / "quiet.yaml"  # no expect: and a value in the wrong unit, which binding would refuse
    quiet.write_text("quantities:\n  x: {unit: '1', doc: an input, value: 1}\n"
                     "  y: {unit: '1', doc: d, formula: 2 * x}\nset:\n  x: 3 s\n")
    status, out, _ = run("verify", quiet)
    assert status == 0 and "0 figures: none; 0 failing" in out
    assert run("eval", quiet)[0] == 2  # the same file, evaluated, is refused


def test_verify_of_a_file_with_a_bad_expect_unit_exits_2_naming_it(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: bad expect\nquantities:\n  chips: {unit: chip, doc: chips, value: 8}\n"
                   "expect:\n  chips: {printed: 8 GB}\n")
    status, out, err = run("verify", bad)
    assert status == 2 and "Traceback" not in out + err
    assert "error:" in out and "could not check" in err and "bad.yaml" in err
