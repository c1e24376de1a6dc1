"""``import-model``: a Hugging Face ``config.json`` read under bounds (``read``), each family's
defaults (``families``), and the model preset it becomes (``preset``).
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "model_preset": "calcgraph.engine.hf.preset",
    "preset_yaml": "calcgraph.engine.hf.preset",
})
