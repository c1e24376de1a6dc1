"""The calcgraph version (one place: the package and pyproject.toml agree)."""

VERSION = "0.1.0"
