"""A Hugging Face ``config.json`` (untrusted) -> a model preset: each key type-checked and bounded, an absent one
transformers' default (families.py), a missing or inconsistent one a ConfigError naming it.

>>> preset = model_preset({"model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096,
...     "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
...     "vocab_size": 128256, "tie_word_embeddings": False})
>>> preset.fields["n_kv_heads"].value, preset.fields["n_kv_heads"].source
(8, 'num_key_value_heads')
"""

from __future__ import annotations

import json
import re

from calcgraph.engine.hf.families import FAMILIES, LAYER_TYPES, SIGLIP_DEFAULTS, UNEXPRESSED, Family
from calcgraph.engine.hf.read import ConfigError, Field, Preset, Reader


def _family_of(config: dict, top: Reader, where: str) -> tuple[str, Reader]:
    """The model_type the formulas read and the reader of its (text) config; unknown families refused."""
    model_type = top.text("model_type")
    nested = config.get("text_config")
    inner = Reader(nested, where, "text_config.") if isinstance(nested, dict) else None
    inner_type = inner.text("model_type") if inner is not None and nested.get("model_type") is not None else None
    for name in (model_type, inner_type):
        if name in UNEXPRESSED:
            raise ConfigError(f"model_type {name!r} cannot be expressed yet: it has {UNEXPRESSED[name]}",
                              where=where, name="model_type",
                              hint="the formulas know attention layers with a KV cache and dense or MoE FFNs; "
                              "write an approximate preset by hand (calcgraph new model NAME) and say what it "
                              "leaves out")
    family_type = model_type if model_type in FAMILIES else inner_type if inner_type in FAMILIES else None
    if family_type is None:
        raise ConfigError(f"unknown architecture: model_type {model_type!r}"
                          + (f" (text_config model_type {inner_type!r})" if inner_type else ""),
                          where=where, name="model_type",
                          hint="supported: " + ", ".join(sorted(FAMILIES)) +
                          "; for another, write the preset by hand (calcgraph new model NAME)")
    reader = top if inner is None else inner
    reader.family = FAMILIES.get(inner_type, FAMILIES[family_type])
    return family_type, reader


def model_preset(config: dict, where: str = "config.json", title: str | None = None) -> Preset:
    """The model preset of a Hugging Face config dict (see the module doc for an example)."""
    top = Reader(config, where)
    model_type, reader = _family_of(config, top, where)
    for key in ("layers_block_type", "hybrid_override_pattern", "attn_layer_period"):
        if key in reader.config:
            raise reader._fail(key, "layers other than attention (state-space or recurrent) cannot be expressed "
                               "yet", "write an approximate preset by hand (calcgraph new model NAME)")
    if title is None:
        archs = config.get("architectures")
        named = (config.get("_name_or_path"), archs[0] if isinstance(archs, list) and archs else None)
        title = next((t for t in named if isinstance(t, str) and t), model_type)
    preset = Preset(title=str(title)[:100], architecture=top.text("model_type"))
    f = preset.fields
    for name, key in (("layers", "num_hidden_layers"), ("d_model", "hidden_size"), ("d_ff", "intermediate_size"),
                      ("n_heads", "num_attention_heads")):
        f[name] = reader.field(key)
    layers, d_model, heads = f["layers"].value, f["d_model"].value, f["n_heads"].value
    f["n_kv_heads"] = reader.field("num_key_value_heads") if reader.has("num_key_value_heads") else Field(
        heads, "num_attention_heads", "num_key_value_heads absent: multi-head attention (transformers' rule)")
    kv_heads = f["n_kv_heads"].value
    if heads % kv_heads:  # more KV heads than query heads included
        raise reader._fail("num_key_value_heads", f"{kv_heads} KV heads do not divide the {heads} query heads "
                           "(num_attention_heads)", "grouped-query attention shares each KV head among equal "
                           "groups of query heads: fix config.json")
    _head_dim(reader, f, d_model, heads)
    f["vocab"] = reader.field("vocab_size")
    key = "tie_word_embeddings"
    tied_reader = top if key in top.config and key not in reader.config else reader
    tied = tied_reader.flag(key)
    f["tied_embeddings"] = Field(int(tied), key, tied_reader.note(key, f"{key}: {str(tied).lower()}"))
    _moe(reader, f, layers, reader.family, model_type)
    _mla(reader, f, reader.family)
    _window(reader, f, layers, reader.family)
    key = "max_position_embeddings"
    if reader.has(key):
        f["max_context"] = Field(f"{reader.count(key)} token/sequence", key,
                                 reader.note(key, "positions the model was trained for (rope scaling as configured)"))
    _vision(config, reader, f, preset, d_model)
    return preset


def _head_dim(reader: Reader, f: dict, d_model: int, heads: int) -> None:
    if reader.family.mla:
        nope, v = reader.count("qk_nope_head_dim"), reader.count("v_head_dim")
        if nope != v:
            raise reader._fail("v_head_dim", f"{v} differs from qk_nope_head_dim {nope}: the formulas use one "
                               "head width for keys and values", "write the preset by hand")
        f["d_head"] = reader.field("qk_nope_head_dim", "MLA: qk_nope_head_dim (= v_head_dim)")
    elif reader.has("head_dim"):
        f["d_head"] = reader.field("head_dim")
    elif d_model % heads == 0:
        f["d_head"] = Field(d_model // heads, "hidden_size / num_attention_heads")
    else:
        raise reader._fail("head_dim", f"missing, and hidden_size {d_model} is not a multiple of "
                           f"num_attention_heads {heads}", "add head_dim to config.json")


def _moe(reader: Reader, f: dict, layers: int, family: Family, model_type: str) -> None:
    if not family.moe:
        for name in ("moe_layers", "n_experts", "experts_per_token", "n_shared_experts", "d_ff_expert"):
            f[name] = Field(0, f"(model_type {model_type}: dense)", "dense")
        return
    expert_key = next((k for k in ("num_local_experts", "n_routed_experts", "num_experts") if reader.has(k)), None)
    if expert_key is None or not reader.has("num_experts_per_tok"):
        missing = "num_experts_per_tok" if expert_key else "num_local_experts / n_routed_experts / num_experts"
        raise ConfigError(f"model_type {model_type!r} is a mixture of experts, but config.json has no {missing}",
                          where=reader.where, name=missing.split(" ")[0],
                          hint="give the config.json the checkpoint ships (its MoE keys); importing it as a "
                          "dense model would count the wrong weights")
    experts = reader.count(expert_key)
    per_token = reader.count("num_experts_per_tok")
    if per_token > experts:
        raise reader._fail("num_experts_per_tok", f"{per_token} exceeds the {experts} experts ({expert_key})",
                           "fix config.json")
    dense = reader.optional_count("first_k_dense_replace") or 0
    if reader.config.get("mlp_only_layers"):
        raise reader._fail("mlp_only_layers", "dense layers between MoE layers are not read",
                           "write moe_layers in the preset by hand")
    for key in ("moe_layer_freq", "decoder_sparse_step"):
        if reader.has(key) and reader.count(key) != 1:
            raise reader._fail(key, "only 1 (every layer after the dense ones is MoE) is supported",
                               "write moe_layers in the preset by hand")
    if dense > layers:
        raise reader._fail("first_k_dense_replace", f"{dense} exceeds num_hidden_layers {layers}", "fix it")
    f["moe_layers"] = Field(layers - dense, "num_hidden_layers - first_k_dense_replace" if dense
                            else "num_hidden_layers", reader.note("first_k_dense_replace",
                                                                  "every layer is MoE" if not dense else ""))
    f["n_experts"] = Field(experts, expert_key)
    f["experts_per_token"] = Field(per_token, "num_experts_per_tok")
    key = "moe_intermediate_size" if reader.has("moe_intermediate_size") else "intermediate_size"
    f["d_ff_expert"] = reader.field(key, "each expert")
    f["n_shared_experts"] = _shared(reader, f["d_ff_expert"].value)


def _shared(reader: Reader, width: int) -> Field:
    """Shared experts in units of the routed experts' width (Qwen2-MoE's one wide shared expert as k of them)."""
    if reader.has("n_shared_experts"):
        return reader.field("n_shared_experts", minimum=0)
    if not reader.has("shared_expert_intermediate_size"):
        return Field(0, "(none)", "no shared experts")
    wide = reader.count("shared_expert_intermediate_size")
    if wide % width:
        raise reader._fail("shared_expert_intermediate_size", f"{wide} is not a multiple of the experts' width "
                           f"{width}: the formulas count shared experts in units of that width",
                           "write the preset by hand")
    return Field(wide // width, "shared_expert_intermediate_size / moe_intermediate_size",
                 f"one shared expert of width {wide} = {wide // width} experts of width {width} (same weights; "
                 "its scalar gate, D per layer, left out)")


def _mla(reader: Reader, f: dict, family: Family) -> None:
    if not family.mla:
        f["mla"] = Field(0, "(no kv_lora_rank)", "grouped-query attention")
        for name in ("kv_lora_rank", "q_lora_rank", "qk_rope_head_dim"):
            f[name] = Field(0, "(no kv_lora_rank)", "no MLA")
        return
    f["mla"] = Field(1, "kv_lora_rank", "multi-head latent attention")
    f["kv_lora_rank"] = reader.field("kv_lora_rank")
    q_rank = reader.optional_count("q_lora_rank")
    f["q_lora_rank"] = Field(q_rank or 0, "q_lora_rank", reader.note("q_lora_rank", "" if q_rank else
                                                                     "null: queries projected from D"))
    f["qk_rope_head_dim"] = reader.field("qk_rope_head_dim")


def _window(reader: Reader, f: dict, layers: int, family: Family) -> None:
    use = reader.raw("use_sliding_window")
    window = reader.optional_count("sliding_window") if use is not False else None
    types = reader.config.get("layer_types")
    if types is not None:
        if not isinstance(types, list) or len(types) != layers or not all(isinstance(t, str) for t in types):
            raise reader._fail("layer_types", f"expected a list of {layers} strings", "fix it in config.json")
        other = sorted(set(types) - LAYER_TYPES)
        if other:
            raise reader._fail("layer_types", f"{', '.join(map(repr, other))[:80]} layers cannot be expressed "
                               "yet (only full_attention and sliding_attention)", "write the preset by hand")
    if not window:
        why = "use_sliding_window: false" if use is False else "no sliding_window"
        f["local_layers"] = Field(0, "sliding_window", reader.note("sliding_window", f"{why}: every layer global"))
    elif types is not None:
        local = sum(t == "sliding_attention" for t in types)
        f["local_layers"] = Field(local, "layer_types", f"{local} of {layers} are sliding_attention")
    elif family.local_rule == "alternate":
        local = (layers + 1) // 2
        f["local_layers"] = Field(local, "num_hidden_layers", f"layer_types absent: {family.config_class} "
                                  f"alternates sliding and full layers, sliding first ({local} of {layers})")
    elif reader.has("sliding_window_pattern"):
        pattern = reader.count("sliding_window_pattern")
        local = layers - layers // pattern
        f["local_layers"] = Field(local, "sliding_window_pattern", reader.note(
            "sliding_window_pattern", f"every {pattern}th layer global: {layers // pattern} of {layers}"))
    else:
        f["local_layers"] = Field(layers, "sliding_window", "every layer uses the window")
    f["window"] = Field(f"{window or 0} token/sequence", "sliding_window",
                        reader.note("sliding_window") if window else "no sliding window")


def _vision(config: dict, reader: Reader, f: dict, preset: Preset, d_model: int) -> None:
    """extra_params: Gemma 3's SigLIP vision tower and projector, with the note that shows the sum."""
    vision = config.get("vision_config")
    if vision is None:
        f["extra_params"] = Field(0, "(no vision_config)", "text only")
        return
    kind = vision.get("model_type", "siglip_vision_model") if isinstance(vision, dict) else None
    if preset.architecture != "gemma3" or kind != "siglip_vision_model":
        raise ConfigError(f"a vision tower ({kind or 'vision_config'}) the importer cannot count: extra_params "
                          "(its parameters, held in HBM) is missing", where=reader.where, name="vision_config",
                          hint="write the preset by hand with extra_params from the model card, or drop "
                          "vision_config from a copy of config.json to import the text model alone")
    tower = Reader(vision, reader.where, "vision_config.", Family("SiglipVisionConfig", defaults=SIGLIP_DEFAULTS))
    h, i, n = tower.count("hidden_size"), tower.count("intermediate_size"), tower.count("num_hidden_layers")
    c, p, size = tower.count("num_channels"), tower.count("patch_size"), tower.count("image_size")
    layer = 4 * (h * h + h) + 2 * 2 * h + (h * i + i) + (i * h + h)   # q k v o, two norms, fc1, fc2 (with biases)
    embed = c * p * p * h + h + (size // p) ** 2 * h                  # patch conv and position embeddings
    projector = h * d_model + h                                        # mm_input_projection and its norm
    defaulted = f"; absent from vision_config: transformers SiglipVisionConfig defaults for " \
        f"{', '.join(sorted(tower.defaulted))}" if tower.defaulted else ""
    f["extra_params"] = Field(n * layer + embed + 2 * h + projector, "vision_config",
                              f"SigLIP vision tower (width {h}, MLP {i}, {n} layers, {size // p}^2 patches of {p}) "
                              f"and Gemma 3's projector to {d_model}: {n} x {layer} + {embed} + {2 * h} + "
                              f"{projector}{defaulted}")


def _quoted(text: str) -> str:
    """A JSON string, a YAML double-quoted scalar, with what YAML refuses or folds escaped (lone surrogates: U+FFFD)."""
    text = json.dumps(re.sub("[\ud800-\udfff]", "\ufffd", text), ensure_ascii=False)
    return re.sub("[\x7f-\x9f\u2028\u2029\ufffe\uffff]", lambda m: f"\\u{ord(m[0]):04x}", text)


def preset_yaml(preset: Preset, formulas: str, config_name: str) -> str:
    """The preset as commented YAML; ``formulas`` is the path of formulas/architectures.yaml from the preset.

    >>> text = preset_yaml(model_preset({"model_type": "mistral", "num_hidden_layers": 32, "hidden_size": 4096,
    ...     "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
    ...     "vocab_size": 32000, "tie_word_embeddings": False, "sliding_window": 4096}),
    ...     "../../formulas/architectures.yaml", "config.json")
    >>> 'window: {value: "4096 token/sequence", source: "config.json sliding_window"' in text
    True
    """
    lines = [f"# Written by calcgraph import-model from {config_name}: check it against the model card.",
             f"title: {_quoted(preset.title)}",
             f"source: {_quoted(f'{config_name} (model_type {preset.architecture}); each value names its key')}",
             f"use: [{formulas}]  # the names set below",
             "set:"]
    for name, item in preset.fields.items():
        value = _quoted(item.value) if isinstance(item.value, str) else item.value
        parts = [f"value: {value}", f"source: {_quoted(config_name + ' ' + item.source)}"]
        if item.note:
            parts.append(f"note: {_quoted(item.note)}")
        lines.append(f"  {name}: {{{', '.join(parts)}}}")
    lines += ["  # The parameter count is computed by the graph from the shapes above",
              "  # (formulas/architectures.yaml n_params_estimate; norms and biases left out).",
              "  # Replace it with the checkpoint's count if you have it.",
              "  n_params: {formula: n_params_estimate, note: \"computed from the shapes by the graph\"}"]
    return "\n".join(lines) + "\n"
