"""What import-model knows of each Hugging Face ``model_type``: its kind and the defaults of its transformers config
class (4.5x), the only values an absent key takes: a size absent elsewhere is refused, never guessed.

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


def _family(config_class: str, context: int, moe: bool = False, mla: bool = False, local_rule: str = "",
            **defaults) -> Family:
    """A family whose ``max_position_embeddings`` defaults to ``context`` and embeddings are untied unless said."""
    defaults = {"tie_word_embeddings": False, "max_position_embeddings": context, **defaults}
    return Family(config_class, moe, mla, defaults, local_rule)


_GEMMA3_TEXT = {"tie_word_embeddings": True, "head_dim": 256, "sliding_window": 4096, "sliding_window_pattern": 6,
                "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 262208}
_DEEPSEEK = {"moe_layer_freq": 1, "q_lora_rank": 1536, "kv_lora_rank": 512, "qk_rope_head_dim": 64,
             "qk_nope_head_dim": 128, "v_head_dim": 128}

FAMILIES: dict[str, Family] = {
    "llama": _family("LlamaConfig", 2048),
    "mistral": _family("MistralConfig", 131072, sliding_window=4096),
    "qwen2": _family("Qwen2Config", 32768, use_sliding_window=False),
    "qwen3": _family("Qwen3Config", 32768, head_dim=128, use_sliding_window=False),
    "granite": _family("GraniteConfig", 2048),
    "phi3": _family("Phi3Config", 4096, sliding_window=None),
    "gemma2": _family("Gemma2Config", 8192, local_rule="alternate", tie_word_embeddings=True, head_dim=256,
                      sliding_window=4096),
    "gemma3_text": _family("Gemma3TextConfig", 131072, **_GEMMA3_TEXT),
    "gemma3": _family("Gemma3Config (text_config: Gemma3TextConfig)", 131072, **_GEMMA3_TEXT),
    "mixtral": _family("MixtralConfig", 131072, moe=True, sliding_window=None),
    "olmoe": _family("OlmoeConfig", 4096, moe=True),
    "qwen2_moe": _family("Qwen2MoeConfig", 8192, moe=True, use_sliding_window=False, decoder_sparse_step=1),
    "qwen3_moe": _family("Qwen3MoeConfig", 32768, moe=True, use_sliding_window=False, decoder_sparse_step=1),
    "deepseek_v2": _family("DeepseekV2Config", 2048, moe=True, mla=True, first_k_dense_replace=0, **_DEEPSEEK),
    "deepseek_v3": _family("DeepseekV3Config", 4096, moe=True, mla=True, first_k_dense_replace=3,
                           n_shared_experts=1, **_DEEPSEEK),
    "gpt_oss": _family("GptOssConfig", 131072, moe=True, local_rule="alternate", head_dim=64, sliding_window=128),
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
