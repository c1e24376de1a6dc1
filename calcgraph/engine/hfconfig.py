"""A Hugging Face ``config.json`` (a plain dict) -> a model preset (the ``set:`` of presets/models/).

Pure: a dict in, preset data out, and the preset as YAML text. Nothing is read
from the network; the dict is untrusted, so every key used is type-checked and
bounded, and a missing key or an unknown architecture is one ImportError-like
CalcgraphError naming the key. The parameter count is left to the graph
(``n_params: {formula: n_params_estimate}``): the preset never writes a number
the formulas compute.

>>> preset = model_preset({"model_type": "llama", "num_hidden_layers": 32, "hidden_size": 4096,
...     "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8,
...     "vocab_size": 128256, "tie_word_embeddings": False})
>>> preset.fields["n_kv_heads"].value, preset.fields["n_kv_heads"].source
(8, 'num_key_value_heads')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import CalcgraphError

MAX_CONFIG_BYTES = 1 << 20       # a config.json is a few kB; 1 MiB is generous
MAX_COUNT = 10**9                # no shape of a real model is near this

# model_type values whose configs use the keys read below (each checked against a published config)
DENSE = {"llama", "mistral", "qwen2", "qwen3", "gemma3", "gemma3_text"}
MOE = {"mixtral", "qwen3_moe", "deepseek_v2", "deepseek_v3", "gpt_oss"}
SUPPORTED = DENSE | MOE


class ConfigError(CalcgraphError, ValueError):
    """A config.json that cannot become a model preset (missing key, wrong type, unknown architecture)."""


@dataclass(frozen=True)
class Field:
    """One preset field: its value, the config.json key it came from and a note."""

    value: int | str
    source: str
    note: str = ""


@dataclass
class Preset:
    """A model preset: title, source line and fields, in the order the presets write them."""

    title: str
    architecture: str
    fields: dict[str, Field] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class _Reader:
    """Typed, bounded reads of one config dict; every error names the key."""

    def __init__(self, config: dict, where: str, prefix: str = "") -> None:
        self.config, self.where, self.prefix = config, where, prefix

    def _fail(self, key: str, message: str, hint: str) -> ConfigError:
        return ConfigError(f"config.json key {self.prefix}{key!r}: {message}", where=self.where, hint=hint,
                           name=key)

    def has(self, key: str) -> bool:
        return self.config.get(key) is not None

    def count(self, key: str, minimum: int = 1) -> int:
        """A whole number >= ``minimum`` (``true``/``false`` are not numbers here)."""
        if key not in self.config:
            raise self._fail(key, "missing", "a Hugging Face config.json of this architecture has it; "
                             "add it, or write the preset by hand (calcgraph new model NAME)")
        value = self.config[key]
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"expected a whole number, got {json.dumps(value)[:40]}",
                             "fix the value in config.json")
        if not minimum <= value <= MAX_COUNT:
            raise self._fail(key, f"{value} is outside [{minimum}, {MAX_COUNT}]", "fix the value in config.json")
        return value

    def optional_count(self, key: str, minimum: int = 0) -> int | None:
        return self.count(key, minimum) if self.has(key) else None

    def flag(self, key: str) -> bool:
        if key not in self.config:
            raise self._fail(key, "missing", "say whether input and output embeddings share one matrix "
                             '("tie_word_embeddings": true or false); the model card or checkpoint tells')
        value = self.config[key]
        if not isinstance(value, bool):
            raise self._fail(key, f"expected true or false, got {json.dumps(value)[:40]}", "fix the value")
        return value

    def text(self, key: str) -> str:
        value = self.config.get(key)
        if not isinstance(value, str) or len(value) > 100:
            raise self._fail(key, "missing or not a short string", "config.json names its model_type")
        return value


def parse_config(text: str, where: str = "config.json") -> dict:
    """The JSON object of a config.json text (bounded, plain ``json``, a mapping at the top).

    >>> parse_config('{"model_type": "llama"}')
    {'model_type': 'llama'}
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config.json is larger than {MAX_CONFIG_BYTES} bytes", where=where,
                          hint="give the model's config.json, not its weights or tokenizer")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"not valid JSON: {str(exc)[:120]}", where=where,
                          hint="give the config.json of a Hugging Face model") from None
    if not isinstance(data, dict):
        raise ConfigError(f"expected a JSON object at the top, got {type(data).__name__}", where=where,
                          hint="give the config.json of a Hugging Face model")
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number calcgraph accepts")


def model_preset(config: dict, where: str = "config.json", title: str | None = None) -> Preset:
    """The model preset of a Hugging Face config dict (see the module doc for an example)."""
    top = _Reader(config, where)
    model_type = top.text("model_type")
    reader = top
    if isinstance(config.get("text_config"), dict):     # multimodal (Gemma 3, Llama 4): the text model
        reader = _Reader(config["text_config"], where, "text_config.")
    if model_type not in SUPPORTED and not (reader is not top and reader.has("model_type")
                                            and reader.text("model_type") in SUPPORTED):
        raise ConfigError(f"unknown architecture: model_type {model_type!r}", where=where, name="model_type",
                          hint="supported: " + ", ".join(sorted(SUPPORTED)) +
                          "; for another, write the preset by hand (calcgraph new model NAME)")
    archs = config.get("architectures")
    named = config.get("_name_or_path")
    if title is None:
        title = named if isinstance(named, str) and named else \
            archs[0] if isinstance(archs, list) and archs and isinstance(archs[0], str) else model_type
    preset = Preset(title=str(title)[:100], architecture=model_type)
    f = preset.fields
    layers = reader.count("num_hidden_layers")
    f["layers"] = Field(layers, "num_hidden_layers")
    d_model = reader.count("hidden_size")
    f["d_model"] = Field(d_model, "hidden_size")
    f["d_ff"] = Field(reader.count("intermediate_size"), "intermediate_size")
    heads = reader.count("num_attention_heads")
    f["n_heads"] = Field(heads, "num_attention_heads")
    if reader.has("num_key_value_heads"):
        f["n_kv_heads"] = Field(reader.count("num_key_value_heads"), "num_key_value_heads")
    else:
        f["n_kv_heads"] = Field(heads, "num_attention_heads",
                                "num_key_value_heads absent: multi-head attention (transformers' rule)")
    _head_dim(reader, f, d_model, heads)
    f["vocab"] = Field(reader.count("vocab_size"), "vocab_size")
    tied_key = "tie_word_embeddings"
    tied_reader = reader if reader.has(tied_key) or not top.has(tied_key) else top
    tied = tied_reader.flag(tied_key)
    f["tied_embeddings"] = Field(int(tied), tied_key, f"{tied_key}: {'true' if tied else 'false'}")
    _moe(reader, f, layers)
    _mla(reader, f)
    _window(reader, f, layers)
    if isinstance(config.get("vision_config"), dict):
        f["extra_params"] = Field(0, "vision_config", "TO FILL: the vision tower's parameters (held in HBM, "
                                  "not run per decoded token); 0 counts the text model only")
        preset.warnings.append("vision_config present: extra_params is 0 (text only); "
                               "give the vision tower's parameter count if it is loaded")
    else:
        f["extra_params"] = Field(0, "(no vision_config)", "text only")
    return preset


def _head_dim(reader: _Reader, f: dict, d_model: int, heads: int) -> None:
    if reader.has("qk_nope_head_dim"):
        f["d_head"] = Field(reader.count("qk_nope_head_dim"), "qk_nope_head_dim", "MLA: qk_nope_head_dim")
    elif reader.has("head_dim"):
        f["d_head"] = Field(reader.count("head_dim"), "head_dim")
    elif d_model % heads == 0:
        f["d_head"] = Field(d_model // heads, "hidden_size / num_attention_heads")
    else:
        raise reader._fail("head_dim", f"missing, and hidden_size {d_model} is not a multiple of "
                           f"num_attention_heads {heads}", "add head_dim to config.json")


def _moe(reader: _Reader, f: dict, layers: int) -> None:
    expert_key = next((k for k in ("num_local_experts", "n_routed_experts", "num_experts")
                       if reader.has(k)), None)
    if expert_key is None:
        for name in ("moe_layers", "n_experts", "experts_per_token", "n_shared_experts", "d_ff_expert"):
            f[name] = Field(0, "(no num_local_experts / n_routed_experts)", "dense")
        return
    experts = reader.count(expert_key)
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
                            else "num_hidden_layers", "every layer is MoE" if not dense else "")
    f["n_experts"] = Field(experts, expert_key)
    f["experts_per_token"] = Field(reader.count("num_experts_per_tok"), "num_experts_per_tok")
    shared = reader.optional_count("n_shared_experts")
    if shared is None and reader.has("shared_expert_intermediate_size"):
        raise reader._fail("shared_expert_intermediate_size", "a shared expert of its own width is not "
                           "modelled (n_shared_experts uses the routed experts' width)",
                           "write the preset by hand")
    f["n_shared_experts"] = Field(shared or 0, "n_shared_experts" if shared is not None else "(none)",
                                  "" if shared is not None else "no shared experts")
    key = "moe_intermediate_size" if reader.has("moe_intermediate_size") else "intermediate_size"
    f["d_ff_expert"] = Field(reader.count(key), key, "each expert")


def _mla(reader: _Reader, f: dict) -> None:
    if not reader.has("kv_lora_rank"):
        f["mla"] = Field(0, "(no kv_lora_rank)", "grouped-query attention")
        for name in ("kv_lora_rank", "q_lora_rank", "qk_rope_head_dim"):
            f[name] = Field(0, "(no kv_lora_rank)", "no MLA")
        return
    f["mla"] = Field(1, "kv_lora_rank", "multi-head latent attention")
    f["kv_lora_rank"] = Field(reader.count("kv_lora_rank"), "kv_lora_rank")
    q_rank = reader.optional_count("q_lora_rank")
    f["q_lora_rank"] = Field(q_rank or 0, "q_lora_rank", "" if q_rank else "null: queries projected from D")
    f["qk_rope_head_dim"] = Field(reader.count("qk_rope_head_dim"), "qk_rope_head_dim")


def _window(reader: _Reader, f: dict, layers: int) -> None:
    window = reader.optional_count("sliding_window") if reader.config.get("use_sliding_window", True) else None
    if not window:
        why = "use_sliding_window: false" if reader.config.get("use_sliding_window") is False else \
            "no sliding_window"
        f["local_layers"] = Field(0, "sliding_window", f"{why}: every layer global")
        f["window"] = Field("0 token/sequence", "sliding_window", "no sliding window")
        return
    types = reader.config.get("layer_types")
    if types is not None:
        if not isinstance(types, list) or len(types) != layers or not all(isinstance(t, str) for t in types):
            raise reader._fail("layer_types", f"expected a list of {layers} strings", "fix it in config.json")
        local = sum(t == "sliding_attention" for t in types)
        f["local_layers"] = Field(local, "layer_types", f"{local} of {layers} are sliding_attention")
    elif reader.has("sliding_window_pattern"):
        pattern = reader.count("sliding_window_pattern")
        local = layers - layers // pattern
        f["local_layers"] = Field(local, "sliding_window_pattern",
                                  f"every {pattern}th layer global: {layers // pattern} of {layers}")
    else:
        f["local_layers"] = Field(layers, "sliding_window", "every layer uses the window")
    f["window"] = Field(f"{window} token/sequence", "sliding_window")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)   # a JSON string is a YAML double-quoted scalar


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
    for warning in preset.warnings:
        lines.append(f"# warning: {warning}")
    return "\n".join(lines) + "\n"
