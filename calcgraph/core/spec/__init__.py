"""What YAML files say: a strict YAML reader (``yamlload``), the spec dataclasses (``types``), the loader
(``load``) and the parts it reads (``parts``: quantities, expects, checks, variants, units)."""
