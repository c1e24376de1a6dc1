"""formulas/architectures.yaml: dense models give the chapter's figures; the MoE, window,
attention-FLOP, embedding-traffic and quantisation terms each do what their formula says."""

from __future__ import annotations

import pytest
from conftest import DEFAULT, ROOT

import calcgraph

ARCH = ROOT / "formulas" / "architectures.yaml"
SCENARIOS = ROOT / "scenarios" / "models"


@pytest.fixture
def with_architectures(tmp_path):
    """The default scenario with architectures.yaml added to its use: list."""
    text = DEFAULT.read_text().replace("use:\n", f"use:\n  - {ARCH}\n", 1)
    text = text.replace("../", f"{ROOT}/")
    path = tmp_path / "default-arch.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["param_bytes", "kv_per_token", "kv_cache_bytes", "b_crit",
                                  "t_param_load", "t_flops", "t_step", "max_batch", "prefill_time"])
def test_dense_llama3_70b_gives_the_chapters_figures_with_the_general_formulas(with_architectures, name):
    chapter = calcgraph.load(DEFAULT)
    general = calcgraph.load(with_architectures)
    assert general.value(name) == pytest.approx(chapter.value(name), rel=1e-12)


def test_expected_experts_touched_is_e_times_one_minus_miss_probability_to_the_b(with_architectures):
    m = calcgraph.load(with_architectures, set={"moe_layers": 80, "n_experts": 8, "experts_per_token": 2,
                                                 "d_ff_expert": 1024, "batch": 3})
    assert m.value("experts_touched") == pytest.approx(8 * (1 - (1 - 2 / 8) ** 3), rel=1e-12)
    one = calcgraph.load(with_architectures, set={"moe_layers": 80, "n_experts": 8, "experts_per_token": 2,
                                                   "d_ff_expert": 1024, "batch": 1})
    assert one.value("experts_touched") == pytest.approx(2, rel=1e-12)   # one token reads exactly k


def test_decode_flops_use_active_parameters_and_hbm_holds_the_total():
    m = calcgraph.load(SCENARIOS / "mixtral-8x7b-h100.yaml", set={"attn_flops": 0})
    assert m.value("flops_per_token_decode", "FLOP/token") == 2 * m.value("n_params_active")
    assert m.value("param_bytes", "B") == m.value("n_params")   # fp8: one byte per weight


def test_critical_batch_of_the_books_moe_grows_by_e_over_k():
    moe = calcgraph.load(ROOT / "scenarios" / "models" / "book-moe-question.yaml", variant="moe")
    dense = calcgraph.load(ROOT / "scenarios" / "models" / "book-moe-question.yaml", variant="dense")
    assert moe.value("b_crit_expert") == pytest.approx(8 * dense.value("b_crit"), rel=1e-12)
    assert moe.value("b_crit") == pytest.approx(
        dense.value("b_crit") * moe.value("n_params") / moe.value("n_params_active"), rel=1e-12)


def test_exact_traffic_reads_b_embedding_rows_and_the_output_projection_whole(with_architectures):
    whole = calcgraph.load(with_architectures, set={"batch": 32})
    rows = calcgraph.load(with_architectures, set={"batch": 32, "exact_weight_traffic": 1})
    skipped = (128256 - 32) * 8192 * 1   # int8: one byte per weight
    assert whole.value("weight_bytes_read", "B") - rows.value("weight_bytes_read", "B") == skipped
    tied = calcgraph.load(with_architectures, set={"exact_weight_traffic": 1, "tied_embeddings": 1})
    assert tied.value("embedding_params_skipped") == 0


def test_attention_flops_are_4_s_n_h_per_layer_per_token_and_off_by_default(with_architectures):
    off = calcgraph.load(with_architectures)
    on = calcgraph.load(with_architectures, set={"attn_flops": 1})
    per_token = 4 * 8192 * 64 * 128 * 80
    assert on.value("attn_flops_decode", "FLOP/token") == per_token
    assert on.value("flops_per_token_decode", "FLOP/token") - off.value("flops_per_token_decode", "FLOP/token") \
        == pytest.approx(per_token, rel=1e-12)
    assert on.value("attn_flops_prefill", "FLOP/sequence") == 2 * 8192**2 * 64 * 128 * 80   # causal half


def test_window_caps_prefill_attention_pairs(with_architectures):
    m = calcgraph.load(with_architectures, set={"local_layers": 80, "window": 1024, "prefill_len": 4096})
    assert m.value("attn_pairs_prefill") == 80 * (1024 * 4096 - 1024**2 / 2)


@pytest.mark.parametrize("preset, bits", [("int4-g128", 4.125), ("mxfp4", 4.25), ("nvfp4", 4.5)])
def test_group_scales_add_their_bits_per_weight(preset, bits):
    m = calcgraph.load(ROOT / "presets" / "dtypes" / f"{preset}.yaml")
    assert m.value("weight_bytes", "bit") == bits


def test_kv_dtype_is_independent_of_the_weight_format():
    m = calcgraph.load(ROOT / "presets" / "dtypes" / "mxfp4.yaml", set={"kv_bytes": "1 B"})
    assert m.value("kv_bytes", "B") == 1 and m.value("weight_bytes", "bit") == 4.25


def test_gpt_oss_120b_fits_one_h100_at_32k_but_not_batch_8_at_128k():
    short = calcgraph.load(SCENARIOS / "gpt-oss-120b-h100.yaml", variant="32k")
    long = calcgraph.load(SCENARIOS / "gpt-oss-120b-h100.yaml", variant="128k")
    assert short.value("total_memory") < short.value("hbm_capacity")
    assert long.value("total_memory") > long.value("hbm_capacity")
    assert long.value("max_batch") == 4


def test_b200_has_fp4_and_hopper_has_none():
    b200 = calcgraph.load(ROOT / "presets" / "chips" / "b200.yaml")
    assert b200.value("flops_per_chip_fp4", "FLOP/s/chip") == 2 * b200.value("flops_per_chip_fp8", "FLOP/s/chip")


def test_every_architecture_scenario_verifies(capsys):
    from calcgraph.cli import main
    assert main(["verify", *map(str, sorted(SCENARIOS.glob("*.yaml")))]) == 0, capsys.readouterr().out


def test_a_replacement_formula_brings_its_own_meaning_and_source():
    model = calcgraph.load(ROOT / "scenarios" / "models" / "mixtral-8x7b-h100.yaml")
    quantity = model.graph["t_param_load"]
    assert quantity.doc.startswith("time to read the weights one decode step touches")
    assert quantity.source.startswith("the weights one decode step reads")
    assert model.graph["t_param_load"].formula.text.startswith("weight_bytes_read")
