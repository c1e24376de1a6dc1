"""calcgraph import-model: a Hugging Face config.json becomes a model preset that gives the same KV
bytes per token and parameter count as the hand-written preset of the same model."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, ROOT

import calcgraph
from calcgraph.core.yamlload import load_file
from calcgraph.engine.hfconfig import ConfigError, model_preset

HF = FIXTURES / "hf"
SHAPES = ["layers", "d_model", "d_ff", "n_heads", "n_kv_heads", "d_head", "vocab", "tied_embeddings",
          "moe_layers", "n_experts", "experts_per_token", "n_shared_experts", "d_ff_expert", "mla",
          "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim", "local_layers", "window"]


def imported(run, tmp_path, name: str):
    out = tmp_path / f"{name}.yaml"
    status, _, err = run("import-model", HF / f"{name}.json", "-o", out)
    assert status == 0, err
    return out


def both(path, name):
    """The imported preset and the hand-written one, each on its own with a bf16 KV cache."""
    sets = {"kv_bytes": "2 B"}
    return calcgraph.load(path, set=sets), calcgraph.load(ROOT / "presets" / "models" / f"{name}.yaml", set=sets)


@pytest.mark.parametrize("name", ["llama3-8b", "llama3-70b", "qwen2.5-72b", "mistral-7b", "mixtral-8x7b",
                                  "deepseek-v3"])
def test_imported_preset_has_the_hand_written_shapes_kv_per_token_and_parameter_count(run, tmp_path, name):
    mine, hand = both(imported(run, tmp_path, name), name)
    for field in SHAPES:
        assert mine.value(field) == hand.value(field), field
    assert mine.value("kv_per_token") == hand.value("kv_per_token")
    assert mine.value("kv_per_sequence") == hand.value("kv_per_sequence")      # windows cap local layers
    assert mine.value("n_params_estimate") == hand.value("n_params_estimate")
    if "n_params_active_estimate" in hand.graph:     # the LLaMA 3 presets use the chapter's serving.yaml
        assert mine.value("n_params_active_estimate") == hand.value("n_params_active_estimate")


@pytest.mark.parametrize("name", ["qwen2.5-72b", "mistral-7b", "mixtral-8x7b", "deepseek-v3"])
def test_parameter_count_equals_the_hand_written_preset_that_computes_it_from_the_shapes(run, tmp_path, name):
    mine, hand = both(imported(run, tmp_path, name), name)
    assert mine.value("n_params") == hand.value("n_params")


def test_llama3_70b_imported_counts_70_55e9_where_the_chapter_rounds_to_70e9(run, tmp_path):
    mine, hand = both(imported(run, tmp_path, "llama3-70b"), "llama3-70b")
    assert mine.value("n_params") == 70_552_387_584 and hand.value("n_params") == 70e9
    assert mine.value("kv_per_token", "B/token") == 327_680     # 80 layers x 2 x 8 heads x 128 x 2 B


def test_every_field_names_its_config_key_and_the_parameter_count_is_a_formula(run, tmp_path):
    data = load_file(imported(run, tmp_path, "qwen2.5-72b"))
    assert data["set"]["n_kv_heads"]["source"].endswith("num_key_value_heads")
    assert data["set"]["d_ff"]["source"].endswith("intermediate_size")
    assert data["set"]["local_layers"]["note"].startswith("use_sliding_window: false")
    assert data["set"]["n_params"] == {"formula": "n_params_estimate", "note": "computed from the shapes by the graph"}
    assert all("source" in entry for name, entry in data["set"].items() if name != "n_params")


def test_without_o_the_preset_goes_to_stdout(run):
    status, out, _ = run("import-model", HF / "mixtral-8x7b.json")
    assert status == 0 and "n_experts: {value: 8, source: \"mixtral-8x7b.json num_local_experts\"}" in out


def config(**changes):
    data = json.loads((HF / "llama3-8b.json").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    return data


@pytest.mark.parametrize("changes, words", [
    ({"num_hidden_layers": None}, "'num_hidden_layers': missing"),
    ({"tie_word_embeddings": None}, "'tie_word_embeddings': missing"),
    ({"num_hidden_layers": "32"}, "'num_hidden_layers': expected a whole number"),
    ({"num_hidden_layers": True}, "'num_hidden_layers': expected a whole number"),
    ({"hidden_size": 0}, "'hidden_size': 0 is outside"),
    ({"vocab_size": 10**12}, "'vocab_size': 1000000000000 is outside"),
    ({"model_type": "bert"}, "unknown architecture: model_type 'bert'"),
    ({"model_type": None}, "'model_type': missing or not a short string"),
])
def test_a_missing_or_wrong_key_is_one_message_naming_it_and_nothing_is_written(run, tmp_path, changes, words):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config(**changes)))
    out = tmp_path / "model.yaml"
    status, _, err = run("import-model", path, "-o", out)
    assert status == 2 and words in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("text, words", [
    ("[1, 2]", "expected a JSON object"),
    ("{not json", "not valid JSON"),
    ('{"model_type": "llama", "hidden_size": NaN}', "not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
])
def test_text_that_is_not_a_config_object_is_refused(run, tmp_path, text, words):
    path = tmp_path / "config.json"
    path.write_text(text)
    status, _, err = run("import-model", path)
    assert status == 2 and words in err and "Traceback" not in err


def test_a_config_larger_than_a_mebibyte_is_refused_before_parsing(run, tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{"pad": "' + "x" * (1 << 20) + '"}')
    status, _, err = run("import-model", path)
    assert status == 2 and "larger than" in err


def test_gemma3_nested_text_config_pattern_of_local_layers_and_a_vision_tower_warning():
    preset = model_preset({"model_type": "gemma3", "architectures": ["Gemma3ForConditionalGeneration"],
                           "vision_config": {"hidden_size": 1152},
                           "text_config": {"num_hidden_layers": 62, "hidden_size": 5376, "intermediate_size": 21504,
                                           "num_attention_heads": 32, "num_key_value_heads": 16, "head_dim": 128,
                                           "vocab_size": 262208, "sliding_window": 1024,
                                           "sliding_window_pattern": 6},
                           "tie_word_embeddings": True})
    fields = preset.fields
    assert fields["local_layers"].value == 52 and fields["window"].value == "1024 token/sequence"
    assert fields["tied_embeddings"].value == 1 and fields["d_head"].source == "head_dim"
    assert preset.warnings and "extra_params" in preset.warnings[0]


def test_gpt_oss_layer_types_count_the_sliding_layers():
    types = ["sliding_attention", "full_attention"] * 18
    preset = model_preset({"model_type": "gpt_oss", "num_hidden_layers": 36, "hidden_size": 2880,
                           "intermediate_size": 2880, "num_attention_heads": 64, "num_key_value_heads": 8,
                           "head_dim": 64, "vocab_size": 201088, "tie_word_embeddings": False,
                           "num_local_experts": 128, "num_experts_per_tok": 4, "sliding_window": 128,
                           "layer_types": types})
    assert preset.fields["local_layers"].value == 18 and preset.fields["moe_layers"].value == 36


def test_a_layer_types_list_of_the_wrong_length_names_the_key():
    with pytest.raises(ConfigError, match="layer_types"):
        model_preset(config(sliding_window=128, layer_types=["full_attention"]))


def test_moe_layers_interleaved_with_dense_ones_are_refused_not_guessed():
    with pytest.raises(ConfigError, match="decoder_sparse_step"):
        model_preset(config(model_type="qwen3_moe", num_experts=128, num_experts_per_tok=8,
                            moe_intermediate_size=1536, decoder_sparse_step=2))
