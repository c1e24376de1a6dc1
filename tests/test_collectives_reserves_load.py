"""Collectives in the step time, HBM reserves and load: their quantities against hand-computed figures."""

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


# Prefill communication of an MoE model: Mixtral 8x7B (k = 2 of 8 experts, D = 4096, 32 MoE layers)
# on two H100 nodes: pp_degree 2 stages of tp_degree 8, experts over ep_degree 8 within a node.

MIXTRAL = ROOT / "scenarios" / "models" / "mixtral-8x7b-h100.yaml"


def test_mixtral_prefill_pays_its_expert_all_to_alls_and_stage_hops():
    model = calcgraph.load(MIXTRAL, set={"comm_enabled": 1, "chips": 16, "pp_degree": 2, "ep_degree": 8,
                                         "prefill_len": 2048, "prefill_token_budget": "512 token"})
    us = 1e-6
    # a chunk of 512 tokens, 4 chunks per prompt
    assert model.value("prefill_chunk_work", "token") == 512 and model.value("prefill_chunks") == 4
    # each token sends D activations to its k experts: 2 x 4096 x 2 B; a chip dispatches 1/8 of the chunk
    assert model.value("prefill_alltoall_bytes", "B") == 2 * 4096 * 2 * 512 / 8
    # NCCL's base latency 6.6 us, 7 NVLink steps of 0.6 us, 7/8 of 1 MiB over 450 GB/s
    a2a = 6.6 * us + 7 * 0.6 * us + 7 / 8 * 1048576 / 450e9
    assert model.value("t_alltoall_prefill") == pytest.approx(a2a, rel=1e-12)
    assert model.value("t_prefill_comm_ep") == pytest.approx(2 * 32 * 4 * a2a, rel=1e-12)
    # 16 chips cross two nodes: a stage hop is 2.7 us of InfiniBand latency plus the chunk's
    # 512 x 4096 x 2 B split over the 8 TP ranks at 50 GB/s each
    hop = 2.7 * us + 512 * 4096 * 2 / (8 * 50e9)
    assert model.value("t_pp_hop_prefill") == pytest.approx(hop, rel=1e-12)
    assert model.value("t_prefill_pp_hops") == pytest.approx((2 - 1) * 4 * hop, rel=1e-12)
    assert model.value("t_prefill_comm") == pytest.approx(
        model.value("t_prefill_comm_tp") + 2 * 32 * 4 * a2a + 4 * hop, rel=1e-12)


def test_decode_all_to_all_of_mixtral_is_the_step_tokens_share():
    model = calcgraph.load(MIXTRAL, set={"comm_enabled": 1, "chips": 8, "ep_degree": 8})
    assert model.value("ep_alltoall_bytes", "B") == 2 * 4096 * 2 * 16 / 8  # batch 16, 1/8 per chip
    a2a = 6.6e-6 + 7 * 0.6e-6 + 7 / 8 * 32768 / 450e9
    assert model.value("t_comm_ep") == pytest.approx(2 * 32 * a2a, rel=1e-12)


def test_a_dense_model_sends_no_all_to_all_and_one_stage_no_hops():
    model = calcgraph.load(COMPARE, variant="peak-hbm")
    assert model.value("t_prefill_comm_ep") == 0 and model.value("t_prefill_pp_hops") == 0
    assert model.value("t_prefill_comm") == pytest.approx(model.value("t_prefill_comm_tp"), rel=1e-12)


def test_latency_bound_crossover_is_where_the_all_reduce_latency_equals_its_bandwidth_term():
    # the book: 8-way TP on v5e is latency bound below about 360 kB (1 us x 7 hops x 9e10 B/s / 1.75)
    model = calcgraph.load(DEFAULT)
    crossover = model.value("allreduce_latency_bound_bytes", "B")
    assert crossover == pytest.approx(360e3, rel=0.01)
    latency = model.value("allreduce_latency_steps") * model.value("collective_latency")
    at = model.set(tp_allreduce_bytes=f"{crossover} B")  # pin the message size at the crossover
    assert at.value("t_allreduce") == pytest.approx(2 * latency, rel=1e-9)  # latency = bandwidth term
    below = model.set(tp_allreduce_bytes=f"{crossover / 2} B").value("t_allreduce") - latency
    assert below < latency  # under the crossover the latency term is the larger
