"""The calcgraph version (one place: the package, the cache keys and pyproject.toml agree)."""

VERSION = "0.1.0"
