"""Re-write the generated parts of docs/validation.md and README's summary from `calcgraph validate`.

Run after `calcgraph calibrate -o presets/assumptions/calibrated.yaml --update-chips`:
    python benchmarks/validation_docs.py
tests/test_docs_validation.py fails when the committed text differs from what this writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def generated() -> dict[str, str]:
    """The blocks: the calibrated table, the summary before calibration, and README's summary lines."""
    from calcgraph.core.cases import read_validation
    from calcgraph.engine.measured import predict_all, summarize
    from calcgraph.render.measured import summary_lines, validation_markdown
    files = read_validation(sorted((ROOT / "validation").glob("*.yaml")))
    after = predict_all(files, "calibrated")
    before = predict_all(files, "engine")
    table = validation_markdown(after, summarize(after), "calibrated")
    engine = "\n".join(f"- {line}" for line in summary_lines(summarize(before), "engine")) + "\n"
    readme = "\n".join(f"- {line}" for line in summary_lines(summarize(after), "calibrated")[:3]) + "\n"
    return {"validate": table, "before": engine, "summary": readme}


def fill(text: str, name: str, block: str) -> str:
    """``text`` with the lines between <!-- NAME:begin --> and <!-- NAME:end --> replaced by ``block``."""
    pattern = re.compile(rf"(<!-- {name}:begin -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
    return pattern.sub(lambda m: m.group(1) + block + m.group(2), text)


def documents() -> dict[Path, str]:
    """docs/validation.md and README.md as they should read."""
    blocks = generated()
    doc = ROOT / "docs" / "validation.md"
    readme = ROOT / "README.md"
    text = fill(fill(doc.read_text(), "validate", blocks["validate"]), "before", blocks["before"])
    return {doc: text, readme: fill(readme.read_text(), "summary", blocks["summary"])}


if __name__ == "__main__":
    for path, text in documents().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
