"""Collectives, reserves and load: the quantities of issue 12."""

from pathlib import Path

import pytest

import calcgraph

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml"
COMPARE = ROOT / "scenarios" / "compare-llama3-70b-8xh100.yaml"


def test_8_way_tp_on_v5e_is_latency_bound_below_360_kb():
    model = calcgraph.load(DEFAULT)
    assert model.value("allreduce_latency_bound_bytes", "kB") == pytest.approx(360, rel=1e-9)


def test_chapter_step_has_no_communication():
    model = calcgraph.load(DEFAULT)
    assert model.value("t_comm") == 0 and model.value("t_step", "ms") == pytest.approx(17.431, abs=5e-4)


def test_h100_step_pays_160_all_reduces_of_17_us():
    model = calcgraph.load(COMPARE, variant="peak-hbm")
    assert model.value("t_allreduce", "us") == pytest.approx(6.6 + 14 * 0.6 + 1.75 * 524288 / 450e3, rel=1e-6)
    assert model.value("t_comm") == pytest.approx(160 * model.value("t_allreduce"), rel=1e-12)


def test_tp_group_beyond_a_node_uses_the_slow_tier():
    model = calcgraph.load(COMPARE, set={"chips": 16})
    assert model.value("collective_bandwidth", "GB/s/chip") == pytest.approx(50)


def test_speculative_decoding_expects_1_minus_a_to_the_g_plus_1_over_1_minus_a():
    model = calcgraph.load(DEFAULT, set={"spec_acceptance": 0.8, "spec_draft_len": 4})
    assert model.value("spec_tokens_per_step") == pytest.approx((1 - 0.8 ** 5) / 0.2)


def test_paged_blocks_waste_up_to_b_minus_1_tokens():
    model = calcgraph.load(DEFAULT, set={"kv_block_size": 16, "seq_len": 8193})
    assert model.value("kv_block_waste", "token/sequence") == 15


def test_usable_hbm_fraction_shrinks_max_batch():
    assert calcgraph.load(DEFAULT, set={"hbm_usable_fraction": 0.9}).value("max_batch") < \
        calcgraph.load(DEFAULT).value("max_batch")
