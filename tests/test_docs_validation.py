"""docs/validation.md and README's validation summary are what `calcgraph validate` prints now."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_validation_docs_match_what_validate_prints():
    spec = importlib.util.spec_from_file_location("validation_docs", ROOT / "benchmarks" / "validation_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for path, text in module.documents().items():
        assert path.read_text() == text, f"{path.name} is stale: run python benchmarks/validation_docs.py"
