"""`calcgraph report`: the Markdown derivation of a scenario.

The default scenario's report is kept in tests/golden/default_report.md and
compared byte for byte. After an intended change to the formulas, the
scenario or the report layout, regenerate it with

    CALCGRAPH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_report.py

and read the diff before committing it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from conftest import DEFAULT, ROOT

import calcgraph
from calcgraph.errors import CalcgraphError
from calcgraph.render.report import QuantityView, quantity_markdown, render_report

GOLDEN = Path(__file__).resolve().parent / "golden" / "default_report.md"


@pytest.fixture
def at_root(monkeypatch):
    """Paths in reports are relative to the working directory: render from the repository root."""
    monkeypatch.chdir(ROOT)


def _default_report() -> str:
    return render_report(calcgraph.load(DEFAULT.relative_to(ROOT)).evaluated)


def _section(text: str, name: str) -> str:
    match = re.search(rf"^### {name}\n(.*?)(?=^#)", text, flags=re.S | re.M)
    assert match, f"no section {name}"
    return match.group(1)


def _inputs_rows(text: str) -> list[str]:
    block = text.split("## Inputs", 1)[1].split("\n## ", 1)[0]
    return [line for line in block.splitlines() if line.startswith("| `")]


def test_default_report_matches_the_golden_file(at_root):
    text = _default_report()
    if os.environ.get("CALCGRAPH_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8"), \
        "the report changed: if intended, regenerate with CALCGRAPH_UPDATE_GOLDEN=1 (see module docstring)"


def test_two_renders_are_identical(at_root):
    assert _default_report() == _default_report()


def test_every_input_value_carries_its_yaml_line_or_set_argument(run):
    status, out, _ = run("report", "--set", "batch=64")
    assert status == 0
    rows = _inputs_rows(out)
    assert len(rows) > 10
    for row in rows:
        origin = row.split(" | ")[3]
        assert re.search(r"\.yaml:\d+`|`--set \w+=", origin), row
    assert any("`--set batch=64`" in row for row in rows)


def test_t_step_section_writes_the_values_in_the_formula_order(at_root):
    section = _section(_default_report(), "t_step")
    assert r"T_{step} &= \max\left(T_f, T_w\right) + T_{kv}" in section
    assert r"\max\left(2.8426\,\mathrm{ms}, 10.802\,\mathrm{ms}\right) + 6.628\,\mathrm{ms}" in section
    assert r"&= 17.431\,\mathrm{ms}" in section
    assert "[`t_flops`](#t_flops)" in section and "formulas/roofline.yaml:" in section


def test_kv_cache_of_batch_32_is_42_95_GB_with_its_closed_form(at_root):
    section = _section(_default_report(), "kv_cache_bytes")
    assert r"163.84\,\mathrm{kB/tok} \cdot 8192\,\mathrm{tok/seq} \cdot 32\,\mathrm{seq}" in section
    assert r"&= 42.95\,\mathrm{GB}" in section
    assert "In the inputs:" in section


def test_pinned_step_time_is_marked_pinned(run):
    status, out, _ = run("report", "--set", "t_step=17 ms", "--only", "throughput")
    assert status == 0
    row = next(r for r in _inputs_rows(out) if r.startswith("| `t_step`"))
    assert "**pinned** `--set t_step=17 ms`" in row
    section = _section(out, "t_step")
    assert "**pinned** by `--set t_step=17 ms`" in section
    assert "would give 17.431 ms" in section
    assert "### t_kv_load" not in out  # a pinned value's formula is not used: nothing below it is derived
    assert r"\frac{32\,\mathrm{seq} \cdot 1\,\mathrm{tok/seq}}{17\,\mathrm{ms}}" in _section(out, "throughput")


def test_only_limits_the_sections_to_a_quantity_and_what_it_uses(run):
    status, out, _ = run("report", "--only", "t_param_load")
    assert status == 0
    assert "### t_param_load" in out and "### param_bytes" in out
    assert "### t_step" not in out and "### throughput" not in out and "### kv_cache_bytes" not in out
    assert "`t_param_load`" in out.split("## Sensitivity", 1)[1]


def test_unwritable_path_exits_2_with_one_message_and_writes_nothing(run):
    status, out, err = run("report", "-o", "/nonexistent/dir/r.md")
    assert status == 2
    assert out == ""
    assert err.count("error:") == 1 and "/nonexistent/dir" in err
    assert not Path("/nonexistent").exists()


def test_failing_evaluation_leaves_no_file(run, tmp_path):
    target = tmp_path / "r.md"
    status, _, err = run("report", "--set", "chips=0", "-o", target)
    assert status == 2 and "error:" in err
    assert list(tmp_path.iterdir()) == []


def test_failing_render_leaves_no_partial_file(run, tmp_path, monkeypatch):
    import calcgraph.render.report as report

    def broken(*args, **kwargs):
        raise CalcgraphError("sensitivity failed on purpose")
    monkeypatch.setattr(report, "sensitivity_table", broken)
    target = tmp_path / "r.md"
    status, _, err = run("report", "-o", target)
    assert status == 2 and "failed on purpose" in err
    assert list(tmp_path.iterdir()) == []


def test_report_written_to_a_file_equals_stdout(run, tmp_path):
    target = tmp_path / "r.md"
    assert run("report", "-o", target)[0] == 0
    assert target.read_text(encoding="utf-8") == run("report")[1]


def test_max_batch_is_solved_and_its_section_says_how(at_root):
    section = _section(_default_report(), "max_batch")
    assert "**43 seq**" in section
    assert "Solved: the largest integer [`batch`](#inputs)" in section
    assert r"M_w + M_{kv,alloc} \le M_{use}" in section
    assert "| binding |" in section


def test_sensitivity_table_shows_which_inputs_matter(at_root):
    block = _default_report().split("## Sensitivity", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in block.splitlines() if line.startswith("| input |"))
    columns = [c.strip(" `") for c in header.strip("|").split("|")]
    hbm = next(line for line in block.splitlines() if line.startswith("| `hbm_bandwidth` |"))
    cells = [c.strip() for c in hbm.strip("|").split("|")]
    assert cells[columns.index("t_step")] == "**-1**"  # bandwidth bound: the step time scales as 1 / bandwidth
    assert cells[columns.index("kv_per_token")] == ""
    assert "ceil(total_memory/hbm_per_chip)" in block


def test_expect_section_compares_printed_and_computed(at_root):
    block = _default_report().split("## Checks against the source", 1)[1]
    row = next(line for line in block.splitlines() if line.startswith("| [`kv_cache_bytes`]"))
    assert "41.9 GB" in row and "42.95 GB" in row and "differs (explained)" in row


def test_unknown_only_name_is_a_clear_error(run):
    status, _, err = run("report", "--only", "t_stepp")
    assert status == 2 and "t_step" in err


def test_quantity_markdown_shows_one_derivation_for_a_notebook(at_root):
    model = calcgraph.load()
    text = quantity_markdown(model.evaluated, "t_param_load")
    assert text.startswith("## t_param_load = 10.802 ms\n")
    assert "### param_bytes" in text and "### t_param_load" in text and "### t_step" not in text
    assert QuantityView(model.evaluated, "t_param_load")._repr_markdown_() == text


def test_model_displays_its_report_in_a_notebook(at_root):
    model = calcgraph.load()
    assert model._repr_markdown_() == render_report(model.evaluated)
