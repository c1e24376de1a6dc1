"""What YAML files say: a strict YAML reader, the spec dataclasses (``types``), the loader
(``load``) and the parts it reads (``parts``: expects, checks, variants).
"""

from calcgraph.lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "load_spec": "calcgraph.core.spec.load",
    "ScenarioSpec": "calcgraph.core.spec.load",
    "SetEntry": "calcgraph.core.spec.load",
    "loads": "calcgraph.core.spec.yamlload",
})
