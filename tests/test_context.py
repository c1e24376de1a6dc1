"""max_context (config.json max_position_embeddings): a warning when seq_len exceeds it, exit 3 under
--strict, and a seq_len solve under the memory limit that stops there."""

from __future__ import annotations

import calcgraph

LLAMA_31_8B_4090 = ["--set", "seq_len=140000", "--set", "max_context=131072 token/sequence", "--only", "seq_len"]


def test_seq_len_beyond_the_models_context_is_a_warning_and_exit_0(run):
    status, _, err = run("eval", *LLAMA_31_8B_4090)
    assert status == 0
    assert "check failed: seq_len exceeds the model's context" in err
    assert "140000 tok/seq > 131072 tok/seq" in err


def test_under_strict_the_context_check_is_exit_3(run):
    status, _, err = run("eval", "--strict", *LLAMA_31_8B_4090)
    assert status == 3 and "model's context" in err


def test_within_the_context_the_check_holds():
    checks = calcgraph.load().evaluated.checks
    context = [c for c in checks if c.text == "seq_len <= max_context"]
    assert len(context) == 1 and context[0].holds            # 8192 tokens of LLaMA 3-70B's 8192


def test_the_model_presets_give_max_context_from_their_config():
    assert calcgraph.load().value("max_context", "token/sequence") == 8192


def test_a_4bit_llama31_8b_on_a_24_gib_card_is_held_to_its_131072_tokens(run, tmp_path):
    from conftest import FIXTURES, ROOT
    assert run("import-model", FIXTURES / "hf" / "llama3.1-8b.json", "-o", tmp_path / "llama31.yaml")[0] == 0
    scenario = tmp_path / "card.yaml"
    scenario.write_text(f"""title: Llama 3.1 8B, int4 weights, bf16 KV, one 24 GiB card
use: [{ROOT / 'formulas' / 'architectures.yaml'}, llama31.yaml, {ROOT / 'presets' / 'chips' / 'h100.yaml'}]
set: {{chips: 1, tp_axes: 1, hbm_per_chip: "24 GiB/chip", weight_bytes: "0.5 B", kv_bytes: "2 B", batch: 1}}
""")
    model = calcgraph.load(scenario)
    memory_alone = (model.value("hbm_capacity", "B") - model.value("param_bytes", "B")) / 131072   # B per token
    assert memory_alone > 140_000
    status, out, _ = run("solve", scenario, "--for", "seq_len", "--where", "total_memory <= hbm_capacity")
    assert status == 0 and ": 131072 tok/seq" in out and "binding: seq_len <= max_context" in out
