"""What import-model knows of each Hugging Face ``model_type``: its kind and transformers' defaults.

A key absent from a config.json takes the default of that model type's
transformers configuration class (the value ``from_pretrained`` would build the
model with); the preset's note names the class. Only the defaults below are
taken: a size absent elsewhere is refused, never guessed. Each table was read
from the ``__init__`` signature of the class named (transformers 4.5x).

>>> FAMILIES["gemma2"].defaults["tie_word_embeddings"], FAMILIES["gemma2"].config_class
(True, 'Gemma2Config')
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Family:
    """A decoder-only family the formulas express: its config class, MoE / MLA, defaults, local-layer rule."""

    config_class: str
    moe: bool = False
    mla: bool = False
    defaults: dict = field(default_factory=dict)
    local_rule: str = ""      # without layer_types: "alternate" (even layers local) or "" (pattern / all)


_DENSE_DEFAULTS = {"tie_word_embeddings": False}
_GEMMA3_TEXT = {"tie_word_embeddings": True, "head_dim": 256, "max_position_embeddings": 131072,
                "sliding_window": 4096, "sliding_window_pattern": 6, "num_attention_heads": 8,
                "num_key_value_heads": 4, "vocab_size": 262208}
_DEEPSEEK = {"tie_word_embeddings": False, "moe_layer_freq": 1, "q_lora_rank": 1536, "kv_lora_rank": 512,
             "qk_rope_head_dim": 64, "qk_nope_head_dim": 128, "v_head_dim": 128}

FAMILIES: dict[str, Family] = {
    "llama": Family("LlamaConfig", defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 2048}),
    "mistral": Family("MistralConfig", defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 131072,
                                                 "sliding_window": 4096}),
    "qwen2": Family("Qwen2Config", defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 32768,
                                             "use_sliding_window": False}),
    "qwen3": Family("Qwen3Config", defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 32768,
                                             "head_dim": 128, "use_sliding_window": False}),
    "granite": Family("GraniteConfig", defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 2048}),
    "phi3": Family("Phi3Config", defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 4096,
                                           "sliding_window": None}),
    "gemma2": Family("Gemma2Config", defaults={"tie_word_embeddings": True, "head_dim": 256,
                                               "max_position_embeddings": 8192, "sliding_window": 4096},
                     local_rule="alternate"),
    "gemma3_text": Family("Gemma3TextConfig", defaults=_GEMMA3_TEXT),
    "gemma3": Family("Gemma3Config (text_config: Gemma3TextConfig)", defaults=_GEMMA3_TEXT),
    "mixtral": Family("MixtralConfig", moe=True, defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 131072,
                                                           "sliding_window": None}),
    "olmoe": Family("OlmoeConfig", moe=True, defaults={**_DENSE_DEFAULTS, "max_position_embeddings": 4096}),
    "qwen2_moe": Family("Qwen2MoeConfig", moe=True, defaults={
        **_DENSE_DEFAULTS, "max_position_embeddings": 8192, "use_sliding_window": False,
        "decoder_sparse_step": 1}),
    "qwen3_moe": Family("Qwen3MoeConfig", moe=True, defaults={
        **_DENSE_DEFAULTS, "max_position_embeddings": 32768, "use_sliding_window": False,
        "decoder_sparse_step": 1}),
    "deepseek_v2": Family("DeepseekV2Config", moe=True, mla=True, defaults={
        **_DEEPSEEK, "max_position_embeddings": 2048, "first_k_dense_replace": 0}),
    "deepseek_v3": Family("DeepseekV3Config", moe=True, mla=True, defaults={
        **_DEEPSEEK, "max_position_embeddings": 4096, "first_k_dense_replace": 3, "n_shared_experts": 1}),
    "gpt_oss": Family("GptOssConfig", moe=True, defaults={
        **_DENSE_DEFAULTS, "max_position_embeddings": 131072, "head_dim": 64, "sliding_window": 128},
        local_rule="alternate"),
}

# Families whose layers the formulas cannot express yet, with what they lack (a KV cache per token
# and a dense or MoE FFN is all the formulas know).
UNEXPRESSED: dict[str, str] = {
    "jamba": "Mamba (state-space) layers, which keep a fixed state per sequence instead of a KV cache",
    "nemotron_h": "Mamba-2 (state-space) layers, which keep a fixed state per sequence instead of a KV cache",
    "bamba": "Mamba-2 (state-space) layers",
    "falcon_h1": "Mamba-2 (state-space) heads beside attention",
    "falcon_mamba": "Mamba (state-space) layers",
    "mamba": "Mamba (state-space) layers",
    "mamba2": "Mamba-2 (state-space) layers",
    "zamba": "Mamba (state-space) layers and a shared attention block",
    "zamba2": "Mamba-2 (state-space) layers and shared attention blocks",
    "granitemoehybrid": "Mamba-2 (state-space) layers",
    "recurrent_gemma": "RG-LRU recurrent layers",
    "rwkv": "RWKV recurrent layers",
    "qwen3_next": "Gated DeltaNet (linear attention) layers",
    "lfm2": "short-convolution layers",
    "minimax": "lightning (linear) attention layers",
    "mllama": "cross-attention layers over a vision tower",
    "llama4": "interleaved dense and MoE layers with a shared expert of its own width and chunked attention "
              "(presets/models/llama4-*.yaml are written by hand)",
}

# Gemma 3's vision tower: transformers SiglipVisionConfig defaults (Gemma3Config builds it from vision_config)
SIGLIP_DEFAULTS = {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_channels": 3,
                   "image_size": 224, "patch_size": 16}

# layer_types entries the window formulas express
LAYER_TYPES = {"full_attention", "sliding_attention"}
