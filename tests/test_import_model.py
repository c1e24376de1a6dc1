"""calcgraph import-model: a Hugging Face config.json becomes a model preset that gives the same KV
bytes per token and parameter count as the hand-written preset of the same model."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, ROOT
from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

import calcgraph
from calcgraph.core.spec.yamlload import load_file
from calcgraph.engine.hf.families import FAMILIES, UNEXPRESSED
from calcgraph.engine.hf.preset import ConfigError, model_preset, preset_yaml

FAMILIES_KNOWN = set(FAMILIES) | set(UNEXPRESSED) | {"bert"}

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
    ({"tie_word_embeddings": "yes"}, "'tie_word_embeddings': expected true or false"),
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


def test_gemma3_nested_text_config_pattern_of_local_layers_and_its_siglip_tower_from_defaults():
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
    # vision_config gives only hidden_size: SiglipVisionConfig's defaults (12 layers of MLP 3072, 224 / 16) do the rest
    layer = 4 * (1152**2 + 1152) + 4 * 1152 + 2 * 1152 * 3072 + 3072 + 1152
    embed = 3 * 16 * 16 * 1152 + 1152 + 14**2 * 1152
    assert fields["extra_params"].value == 12 * layer + embed + 2 * 1152 + 1152 * 5376 + 1152
    assert "SiglipVisionConfig defaults for image_size, intermediate_size" in fields["extra_params"].note


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


# Each family with a published config.json (tests/fixtures/hf/README.md names the repository) and its
# published parameter count: total within 1.5 % (norms and biases are left out), active within 3 %, KV
# bytes per token (bf16 cache, every layer) exact. ``input_embedding_excluded``: the publisher's active
# count leaves out the input embedding (a lookup, no matmul), which n_params_active counts.
FAMILIES = [
    # fixture, total, active, kv bytes/token at 2 B, active count leaves out the input embedding
    ("gemma2-9b", 9.24e9, 9.24e9, 2 * 42 * 8 * 256 * 2, False),          # HF model card: 9.24B
    ("gemma3-1b", 999_885_952, 999_885_952, 2 * 26 * 1 * 256 * 2, False),  # keras-hub gemma3_1b params
    ("gemma3-4b", 4.30e9, 3_880_099_328, 2 * 34 * 4 * 256 * 2, False),   # HF 4.30B with vision; text 3.88B
    ("phi3-mini-4k", 3_821_079_552, 3_821_079_552, 2 * 32 * 32 * 96 * 2, False),  # Phi-3 report: 3.8B
    ("phi4", 14.7e9, 14.7e9, 2 * 40 * 10 * 128 * 2, False),              # Phi-4 report: 14B (14.7B)
    ("olmoe-1b-7b", 6.9e9, 1.3e9, 2 * 16 * 16 * 128 * 2, False),         # OLMoE paper: 6.9B total, 1.3B active
    ("qwen1.5-moe-a2.7b", 14.3e9, 2.7e9, 2 * 24 * 16 * 128 * 2, False),  # Qwen1.5-MoE card: 14.3B, 2.7B
    ("qwen3-30b-a3b", 30.5e9, 3.3e9, 2 * 48 * 4 * 128 * 2, False),       # Qwen3 card: 30.5B, 3.3B
    ("qwen3-8b", 8.2e9, 8.2e9, 2 * 36 * 8 * 128 * 2, False),             # Qwen3 card: 8.2B
    ("granite-3.1-8b", 8.17e9, 8.17e9, 2 * 40 * 8 * 128 * 2, False),     # HF model card: 8.17B
    ("llama3.1-8b", 8_030_261_248, 8_030_261_248, 2 * 32 * 8 * 128 * 2, False),
    ("mistral-7b", 7.24e9, 7.24e9, 2 * 32 * 8 * 128 * 2, False),         # Mistral 7B paper: 7.24B
    ("mixtral-8x7b", 46.7e9, 12.9e9, 2 * 32 * 8 * 128 * 2, False),       # Mixtral paper: 46.7B, 12.9B
    ("qwen2.5-72b", 72.7e9, 72.7e9, 2 * 80 * 8 * 128 * 2, False),        # Qwen2.5 card: 72.7B
    ("deepseek-v2-lite", 15.7e9, 2.4e9, 27 * (512 + 64) * 2, True),      # DeepSeek-V2 card: 15.7B, 2.4B
    ("deepseek-v3", 671e9, 37e9, 61 * (512 + 64) * 2, True),             # DeepSeek-V3 report: 671B, 37B
    ("gpt-oss-20b", 20.91e9, 3.61e9, 2 * 24 * 8 * 64 * 2, True),         # gpt-oss card: 20.91B, 3.61B
]


@pytest.mark.parametrize("name, total, active, kv, input_embedding_excluded", FAMILIES,
                         ids=[case[0] for case in FAMILIES])
def test_each_family_imports_with_its_published_parameter_count_and_exact_kv_bytes(
        run, tmp_path, name, total, active, kv, input_embedding_excluded):
    model = calcgraph.load(imported(run, tmp_path, name), set={"kv_bytes": "2 B"})
    assert model.value("n_params") == pytest.approx(total, rel=0.015)
    mine = model.value("n_params_active")
    if input_embedding_excluded:
        mine -= model.value("vocab") * model.value("d_model")
    assert mine == pytest.approx(active, rel=0.03)
    assert model.value("kv_per_token", "B/token") == kv


def test_qwen2_moe_shared_expert_of_four_widths_counts_as_four_shared_experts():
    data = json.loads((HF / "qwen1.5-moe-a2.7b.json").read_text())
    preset = model_preset(data)
    assert preset.fields["n_shared_experts"].value == 4 and preset.fields["d_ff_expert"].value == 1408
    data["shared_expert_intermediate_size"] = 5000
    with pytest.raises(ConfigError, match="shared_expert_intermediate_size.*not a multiple"):
        model_preset(data)


def test_gemma2_without_layer_types_alternates_local_and_global_layers():
    fields = model_preset(json.loads((HF / "gemma2-9b.json").read_text())).fields
    assert fields["local_layers"].value == 21 and fields["window"].value == "4096 token/sequence"
    assert fields["tied_embeddings"].value == 1 and "Gemma2Config default" in fields["tied_embeddings"].note


def test_a_gemma3_config_without_tie_word_embeddings_takes_transformers_default_true_and_says_so():
    fields = model_preset(json.loads((HF / "gemma3-4b.json").read_text())).fields
    assert fields["tied_embeddings"].value == 1
    assert "absent from config.json: transformers Gemma3TextConfig default" in fields["tied_embeddings"].note
    assert fields["n_heads"].value == 8 and fields["n_kv_heads"].value == 4 and fields["d_head"].value == 256
    assert fields["extra_params"].value == 419_816_304       # SigLIP 416.9M (the report's 417M) + projector


def test_max_position_embeddings_becomes_max_context():
    fields = model_preset(json.loads((HF / "llama3.1-8b.json").read_text())).fields
    assert fields["max_context"].value == "131072 token/sequence"
    assert fields["max_context"].source == "max_position_embeddings"


def family_config(name: str, **changes) -> dict:
    data = json.loads((HF / f"{name}.json").read_text())
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


@pytest.mark.parametrize("data, words", [
    (family_config("llama3-8b", num_key_value_heads=64), "64 KV heads do not divide the 32 query heads"),
    ({"model_type": "gemma3", "text_config": {"model_type": "gemma3_text", "num_hidden_layers": 2, "hidden_size": "x"}},
     "config.json key 'text_config.hidden_size': expected a whole number"),
    (family_config("llama3-8b", num_key_value_heads=12), "12 KV heads do not divide the 32 query heads"),
    (family_config("deepseek-v3", n_routed_experts=None, num_experts_per_tok=None),
     "'deepseek_v3' is a mixture of experts, but config.json has no num_local_experts"),
    (family_config("mixtral-8x7b", num_experts_per_tok=None), "has no num_experts_per_tok"),
    (family_config("mixtral-8x7b", num_experts_per_tok=9), "'num_experts_per_tok': 9 exceeds the 8 experts"),
    (family_config("qwen3-8b", hidden_size=-4096), "'hidden_size': -4096 is outside"),
    (family_config("qwen3-8b", head_dim=0), "'head_dim': 0 is outside"),
    (family_config("deepseek-v2-lite", v_head_dim=96), "'v_head_dim': 96 differs from qk_nope_head_dim 128"),
    ({"model_type": "jamba", "num_hidden_layers": 32}, "'jamba' cannot be expressed yet: it has Mamba"),
    ({"model_type": "nemotron_h"}, "'nemotron_h' cannot be expressed yet: it has Mamba-2"),
    ({"model_type": "mistral3", "vision_config": {"model_type": "pixtral"},
      "text_config": family_config("mistral-7b")}, "a vision tower (pixtral) the importer cannot count"),
    (family_config("llama3-8b", layers_block_type=["mamba"] * 32), "'layers_block_type': layers other than"),
    (family_config("gpt-oss-20b", layer_types=["linear_attention"] * 24),
     "'linear_attention' layers cannot be expressed yet"),
])
def test_each_inconsistent_or_unexpressible_config_is_refused_naming_what(run, tmp_path, data, words):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(data))
    out = tmp_path / "model.yaml"
    status, _, err = run("import-model", path, "-o", out)
    assert status == 2 and words in err and "Traceback" not in err, err
    assert not out.exists()


_KEYS = ["model_type", "num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads",
         "num_key_value_heads", "head_dim", "vocab_size", "tie_word_embeddings", "num_local_experts", "num_experts",
         "n_routed_experts", "num_experts_per_tok", "n_shared_experts", "moe_intermediate_size",
         "shared_expert_intermediate_size", "first_k_dense_replace", "kv_lora_rank", "q_lora_rank",
         "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "sliding_window", "sliding_window_pattern",
         "use_sliding_window", "layer_types", "max_position_embeddings", "text_config", "vision_config"]
_VALUES = st.recursive(st.none() | st.booleans() | st.integers(-5, 2**40) | st.floats(allow_nan=False)
                       | st.sampled_from(sorted(FAMILIES_KNOWN)) | st.text(max_size=8),
                       lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=6), max_leaves=12)


@FUZZ
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=len(_KEYS)),
       st.sampled_from([None, *sorted(FAMILIES_KNOWN)]))
def test_any_config_dict_becomes_a_preset_or_one_config_error(config, model_type):
    if model_type is not None:
        config = {**config, "model_type": model_type}
    try:
        preset = model_preset(config)
    except ConfigError as exc:
        assert exc.message
    else:
        assert {"layers", "d_model", "n_heads", "n_kv_heads", "vocab"} <= set(preset.fields)
        assert preset.fields["n_heads"].value % preset.fields["n_kv_heads"].value == 0


@FUZZ
@given(st.sampled_from(sorted(p.stem for p in HF.glob("*.json"))),
       st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=3))
def test_a_published_config_with_keys_changed_imports_or_is_one_config_error(name, changes):
    config = {**json.loads((HF / f"{name}.json").read_text()), **changes}
    try:
        preset = model_preset(config)
    except ConfigError as exc:
        assert exc.message
    else:
        fields = preset.fields
        assert fields["n_kv_heads"].value <= fields["n_heads"].value
        assert fields["experts_per_token"].value <= fields["n_experts"].value
        assert preset_yaml(preset, "../formulas/architectures.yaml", "config.json").count("\n") > 20


@pytest.mark.parametrize("name", ["a\x7fb\x85c\u2028d", "a\ud800b", "Llama-3 \u00e9"])
def test_a_title_with_any_characters_is_written_as_a_preset_calcgraph_reads_back(run, tmp_path, name):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config(_name_or_path=name)))
    out = tmp_path / "model.yaml"
    status, _, err = run("import-model", path, "-o", out)
    assert status == 0, err
    assert load_file(out)["title"] == name.replace("\ud800", "\ufffd")
