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
