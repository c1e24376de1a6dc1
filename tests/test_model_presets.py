"""Model presets: parameter counts from the shapes against the published totals,
and KV bytes per token (or per sequence, for windowed models) against a hand computation."""

from __future__ import annotations

import pytest
from conftest import ROOT

import calcgraph

MODELS = ROOT / "presets" / "models"


def model(name: str, **values) -> calcgraph.Model:
    """A model preset loaded on its own (it uses formulas/architectures.yaml), bf16 KV cache."""
    return calcgraph.load(MODELS / f"{name}.yaml", set={"kv_bytes": "2 B", **values})


# Published totals and active counts, each to the precision it is printed with.

def test_deepseek_v3_has_671b_total_and_37b_active_without_the_input_embedding():
    m = model("deepseek-v3")
    assert m.value("n_params") == pytest.approx(671e9, abs=0.5e9)
    assert m.value("n_params") == 671_025_397_760
    input_embedding = 129280 * 7168
    assert m.value("n_params_active") - input_embedding == pytest.approx(37e9, abs=0.5e9)
    assert m.value("n_params_active") == pytest.approx(37.55e9, abs=0.005e9)


def test_mixtral_8x7b_has_46_7b_total_and_12_9b_active():
    m = model("mixtral-8x7b")
    assert m.value("n_params") == pytest.approx(46.7e9, abs=0.05e9)
    assert m.value("n_params_active") == pytest.approx(12.9e9, abs=0.05e9)


@pytest.mark.parametrize("name, total", [("llama4-scout", 109e9), ("llama4-maverick", 400e9)])
def test_llama4_has_its_published_total_and_17b_active(name, total):
    m = model(name)
    # "109B" and "400B": Meta prints whole billions (Hugging Face lists Maverick as 402B)
    assert m.value("n_params") == pytest.approx(total, abs=2e9 if total > 200e9 else 0.5e9)
    assert m.value("n_params_active") == pytest.approx(17e9, abs=0.5e9)


def test_qwen3_235b_a22b_has_235b_total_and_22b_active():
    m = model("qwen3-235b-a22b")
    assert m.value("n_params") == pytest.approx(235e9, abs=0.5e9)
    assert m.value("n_params_active") == pytest.approx(22e9, abs=0.5e9)


def test_gpt_oss_120b_has_116_83b_total_and_5_13b_active_without_the_input_embedding():
    m = model("gpt-oss-120b")
    # the model card prints 116.83B; biases and sinks (0.04e9) are left out of the shapes
    assert m.value("n_params") == pytest.approx(116.83e9, rel=0.001)
    assert m.value("n_params_active") - 201088 * 2880 == pytest.approx(5.13e9, abs=0.005e9)


def test_gemma3_27b_text_model_is_27b_and_vision_tower_sits_in_hbm_only():
    m = model("gemma3-27b")
    assert m.value("n_params_active") == pytest.approx(27e9, abs=0.05e9)   # tied: one V x D matrix
    assert m.value("n_params") == pytest.approx(27.43e9, abs=0.01e9)       # with the 0.417e9 SigLIP tower


def test_mistral_7b_has_7_24b_parameters():
    m = model("mistral-7b")
    assert m.value("n_params") == pytest.approx(7_241_732_096, abs=300_000)  # checkpoint count, norms left out
    assert m.value("n_params_active") == m.value("n_params")


def test_qwen2_5_72b_has_72_7b_parameters():
    assert model("qwen2.5-72b").value("n_params") == pytest.approx(72.7e9, abs=0.05e9)


# KV cache bytes, by hand.

def test_deepseek_v3_caches_576_elements_per_layer_not_2_k_h():
    m = model("deepseek-v3")
    assert m.value("kv_per_token", "B/token") == (512 + 64) * 61 * 2 == 70_272
    assert m.value("kv_per_token", "B/token") < 2 * 128 * 128 * 61 * 2 / 50


def test_mla_latent_is_held_whole_by_every_tensor_parallel_rank():
    m = model("deepseek-v3", chips=8, kv_replicate=1)
    assert m.value("kv_heads_stored") == 8
    assert m.value("kv_per_token_stored", "B/token") == 8 * 70_272


@pytest.mark.parametrize("name, per_token", [
    ("mixtral-8x7b", 2 * 32 * 8 * 128 * 2),
    ("llama4-scout", 2 * 48 * 8 * 128 * 2),
    ("qwen3-235b-a22b", 2 * 94 * 4 * 128 * 2),
    ("qwen2.5-72b", 2 * 80 * 8 * 128 * 2),
])
def test_kv_per_token_of_full_attention_models(name, per_token):
    assert model(name).value("kv_per_token", "B/token") == per_token


def test_gpt_oss_120b_at_131072_tokens_holds_18_global_layers_and_18_windows_of_128():
    m = model("gpt-oss-120b", seq_len=131072)
    per_layer = 2 * 8 * 64 * 2
    assert m.value("kv_per_sequence", "B/sequence") == per_layer * (18 * 131072 + 18 * 128)


def test_gemma3_27b_at_32768_tokens_holds_10_global_layers_and_52_windows_of_1024():
    m = model("gemma3-27b", seq_len=32768)
    per_layer = 2 * 16 * 128 * 2
    assert m.value("kv_per_sequence", "B/sequence") == per_layer * (10 * 32768 + 52 * 1024)


def test_mistral_7b_stops_growing_at_its_4096_token_window():
    short = model("mistral-7b", seq_len=4096).value("kv_per_sequence", "B/sequence")
    long = model("mistral-7b", seq_len=32768).value("kv_per_sequence", "B/sequence")
    assert short == long == 2 * 8 * 128 * 2 * 32 * 4096  # K and V, 8 heads of 128, bf16, 32 layers


def test_llama4_maverick_at_32768_tokens_caps_36_chunked_layers_at_8192():
    m = model("llama4-maverick", seq_len=32768)
    assert m.value("kv_per_sequence", "B/sequence") == 2 * 8 * 128 * 2 * (12 * 32768 + 36 * 8192)
