"""Validation files -> measured cases: the format, its problems at file:line, and a property test of the reader."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcgraph.core.cases import read_validation
from calcgraph.core.spec.yamlload import loads  # noqa: F401 - the strict loader the reader uses
from calcgraph.errors import CalcgraphError, ValidationError

FIXTURES = Path(__file__).parent / "fixtures" / "validation"
ROOT = Path(__file__).resolve().parents[1]


def test_tiny_file_reads_three_cases_with_measured_figures_per_chip():
    (vfile,) = read_validation([FIXTURES / "tiny.yaml"])
    assert [c.id for c in vfile.cases] == ["tiny-8b-h100-128-2048", "tiny-8b-h200-128-2048",
                                          "tiny-70b-h100-tp2-2048-128"]
    last = vfile.cases[-1]
    assert last.measured_per_chip == pytest.approx(381.0)
    assert last.ttft == pytest.approx(1.2) and last.batch == 64 and vfile.cases[0].batch is None
    assert vfile.thresholds == {"median_abs_error": 0.01, "within_25": 1.0}
    assert last.where.line == 33  # the line of its "- id:"


def test_every_problem_of_a_bad_file_is_named_at_its_line():
    with pytest.raises(ValidationError) as info:
        read_validation([FIXTURES / "bad.yaml"])
    text = str(info.value)
    for needle in ("bad.yaml:15: unknown key 'colour'", "bad.yaml:4: id must be", "bad.yaml:7: dtypes must be",
                   "bad.yaml:8: chips (3) must be tp_degree x pp_degree",
                   "bad.yaml:10: prefill_len must be a positive number", "bad.yaml:12: output_throughput"):
        assert needle in text


def test_a_case_id_used_twice_is_refused(tmp_path):
    text = (FIXTURES / "tiny.yaml").read_text()
    (tmp_path / "a.yaml").write_text(text)
    (tmp_path / "b.yaml").write_text(text)
    with pytest.raises(CalcgraphError, match="used twice"):
        read_validation([tmp_path / "a.yaml", tmp_path / "b.yaml"])


def test_the_committed_validation_set_reads_and_covers_four_chips_dense_and_moe():
    files = read_validation(sorted((ROOT / "validation").glob("*.yaml")))
    cases = [c for f in files for c in f.cases]
    assert len(cases) >= 24 and len(files) >= 3
    assert len({c.chip for c in cases}) >= 4
    assert any(c.chip.startswith(("mi", "tpu")) for c in cases)
    assert any(c.prefill_len + c.gen_len >= 8192 for c in cases) and any(c.prefill_len <= 256 for c in cases)
    assert all(f.source.get("document") for f in files)


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 10 ** 6), st.floats(allow_nan=True),
                    st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3))


@settings(max_examples=60, deadline=None)
@given(key=st.sampled_from(["id", "model", "chip", "dtypes", "chips", "tp_degree", "prefill_len", "gen_len",
                            "batch", "source", "benchmark", "pp_degree"]), value=_VALUES)
def test_any_value_in_any_field_reads_or_fails_cleanly(tmp_path_factory, key, value):
    import json
    lines = (FIXTURES / "tiny.yaml").read_text().splitlines()
    start = next(i for i, s in enumerate(lines) if s.startswith("  - id: tiny-8b-h100"))
    block = lines[start:start + 14]
    block = [s for s in block if not s.startswith(f"    {key}:") and not s.startswith(f"  - {key}:")]
    if key == "id":
        block[0] = "  - model: llama3-8b" if not block[0].startswith("  - ") else block[0]
    text = "\n".join(lines[:start] + (["  - " + block[0].lstrip(" -")] if key != "id" else []) + block[1:]
                     + [f"    {key}: {json.dumps(value)}"]) + "\n"
    path = tmp_path_factory.mktemp("v") / "case.yaml"
    path.write_text(text)
    try:
        read_validation([path])
    except CalcgraphError as exc:
        assert "case.yaml" in str(exc) or "problems found" in str(exc)


def test_threshold_problems_come_in_the_order_of_the_format(tmp_path):
    text = (FIXTURES / "tiny.yaml").read_text()
    text = text.replace("median_abs_error: 0.01", "median_abs_error: 2").replace("within_25: 1.0", "within_25: -1")
    (tmp_path / "t.yaml").write_text(text)
    with pytest.raises(ValidationError) as info:
        read_validation([tmp_path / "t.yaml"])
    text = str(info.value)
    assert text.index("median_abs_error must be") < text.index("within_25 must be")


def test_every_message_names_the_file_relative_to_the_working_directory(monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(ValidationError) as info:
        read_validation([(FIXTURES / "bad.yaml").resolve()])
    text = str(info.value)
    assert "tests/fixtures/validation/bad.yaml:15: unknown key" in text and str(ROOT) not in text
