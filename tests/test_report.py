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
from conftest import DEFAULT, ROOT, scenario_report

import calcgraph
from calcgraph.errors import CalcgraphError
from calcgraph.render.report.document import QuantityView, quantity_markdown, render_report

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
    return [line for line in block.splitlines() if line.startswith("- `")]


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
        assert re.search(r"\.yaml:\d+`|`--set \w+=", row), row
    assert any("`--set batch=64`" in row for row in rows)


def test_t_step_section_writes_the_values_in_the_formula_order(at_root):
    section = _section(_default_report(), "t_step")
    assert r"T_{\mathrm{step}} &= \max\left(T_f, T_w\right) + T_{\mathrm{kv}}" in section
    assert r"\max\left(2.8426\,\mathrm{ms}, 10.802\,\mathrm{ms}\right) + 6.628\,\mathrm{ms}" in section
    assert r"&= 17.431\,\mathrm{ms}" in section
    assert "[`t_flops`](#t_flops)" in section and "formulas/roofline.yaml:" in section


def test_kv_cache_of_batch_32_is_42_95_GB_with_its_closed_form(at_root):
    section = _section(_default_report(), "kv_cache_bytes")
    assert r"163.84\,\mathrm{kB/tok} \cdot 8192\,\mathrm{tok/seq} \cdot 32\,\mathrm{sequences}" in section
    assert r"&= 42.95\,\mathrm{GB}" in section
    assert "In the inputs (with `kv_replicate` = 0):" in section
    inputs = section.split("In the inputs", 1)[1]
    assert r"r_{\mathrm{kv}}" not in inputs and r"\max" not in inputs  # max(K, C r_kv / ...) with r_kv = 0 is K


def test_pinned_step_time_is_marked_pinned(run):
    status, out, _ = run("report", "--set", "t_step=17 ms", "--only", "throughput")
    assert status == 0
    row = next(r for r in _inputs_rows(out) if r.startswith("- `t_step`"))
    assert "**pinned** `--set t_step=17 ms`" in row
    section = _section(out, "t_step")
    assert "**pinned** by `--set t_step=17 ms`" in section
    assert "would give 17.431 ms" in section
    assert "### t_kv_load" not in out  # a pinned value's formula is not used: nothing below it is derived
    assert r"\frac{32\,\mathrm{sequences} \cdot 1\,\mathrm{tok/seq}}{17\,\mathrm{ms}}" in _section(out, "throughput")


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
    import calcgraph.render.report.document as report

    def broken(*args, **kwargs):
        raise CalcgraphError("sensitivity failed on purpose")
    monkeypatch.setattr(report, "top_drivers", broken)
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
    assert "**43 sequences**" in section
    assert "Solved for [`batch`](#inputs) (written $B$ below): the largest integer value" in section
    assert r"M_w + M_{d} + M_{\mathrm{kv},\mathrm{alloc}} \le M_{\mathrm{use}}" in section   # M_d: a draft's
    assert "| binding |" in section
    # the closed form with the values in place, and the value its floor rounds
    assert (r"\frac{- 0\,\mathrm{GB} - 70\,\mathrm{GB} + 128\,\mathrm{GB}}{0\,\mathrm{tok}^{-1} \cdot 1\,\mathrm{B} "
            r"\cdot 8192\,\mathrm{tok/seq} + 163.84\,\mathrm{kB/tok} \cdot 8192\,\mathrm{tok/seq}}"
            in section)
    assert r"&= \left\lfloor 43.21\,\mathrm{sequences} \right\rfloor" in section


def test_sensitivity_lists_the_top_three_drivers_of_each_figure_as_rows(at_root):
    block = _default_report().split("## Sensitivity", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in block.splitlines() if line.startswith("| `t_step` |"))
    assert row == "| `t_step` | `chips` −1, `hbm_bandwidth` −1, `hbm_efficiency` −1 |"
    assert all(line.count("|") == 3 for line in block.splitlines() if line.startswith("|"))  # two columns
    assert "--full" in block


def test_full_sensitivity_table_shows_which_inputs_matter(run):
    status, out, _ = run("report", "--full")
    assert status == 0
    block = out.split("## Sensitivity", 1)[1].split("\n## ", 1)[0]
    header = next(line for line in block.splitlines() if line.startswith("| input |"))
    columns = [c.strip(" `") for c in header.strip("|").split("|")]
    hbm = next(line for line in block.splitlines() if line.startswith("| `hbm_bandwidth` |"))
    cells = [c.strip() for c in hbm.strip("|").split("|")]
    assert cells[columns.index("t_step")] == "**-1**"  # bandwidth bound: the step time scales as 1 / bandwidth
    assert cells[columns.index("kv_per_token")] == ""
    assert "ceil((activation_bytes + total_memory)/(hbm_per_chip*hbm_usable_fraction" in block


def test_the_largest_elasticity_is_bold_whatever_the_order_of_an_undefined_one(monkeypatch):
    import calcgraph.render.report.sensitivity as sensitivity
    from calcgraph.engine.symbolic import Elasticities
    found = Elasticities("t_step", (("chips", float("nan")), ("batch", 0.5), ("seq_len", -0.2)), ())
    monkeypatch.setattr(sensitivity, "elasticities", lambda ev, name: found)
    rows = sensitivity.sensitivity_table(calcgraph.load().evaluated, ["t_step"])
    assert "| `chips` | n/a |" in rows and "| `batch` | **+0.50** |" in rows and "| `seq_len` | -0.20 |" in rows


def test_an_infinite_elasticity_is_not_applicable_not_a_traceback():
    from calcgraph.render.report.sensitivity import elasticity_text
    assert [elasticity_text(v) for v in (float("inf"), float("-inf"), float("nan"))] == ["n/a"] * 3


def test_expect_section_compares_printed_and_computed(at_root):
    block = _default_report().split("## Comparison with the source", 1)[1]
    row = next(line for line in block.splitlines() if line.startswith("| [`kv_cache_bytes`]"))
    assert "41.9 GB" in row and "42.95 GB" in row and "differs (explained)" in row


def test_verify_prints_the_rows_of_the_reports_comparison_table(run, at_root):
    status, out, _ = run("verify", "--set", "t_step=17 ms", DEFAULT)
    model = calcgraph.load(DEFAULT.relative_to(ROOT), set={"t_step": "17 ms"})
    block = render_report(model.evaluated).split("## Comparison with the source", 1)[1]
    row = next(line for line in block.splitlines() if line.startswith("| [`throughput_per_chip`]"))
    assert "| **exact value missed** (rounded) |" in row  # the pinned 17 ms step misses the exact 229.5 tok/s/chip
    assert status == 1 and "| `throughput_per_chip` |  | " + row.split(" | ", 1)[1] in out
    assert "| quantity | variant | printed | computed | difference | verdict | why |" in out


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


# ---------------------------------------------------------------- reports a colleague can check on GitHub

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def _report_of(path) -> str:
    return scenario_report(Path(path))


def _prose(text: str) -> str:
    """The report without fenced blocks and code spans: the text GitHub's inline rules apply to."""
    text = re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", text)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_math_is_fenced_and_inline_math_stands_apart(at_root, path):
    text = _report_of(path)
    assert "$$" not in text  # display math only in ```math fences, which GitHub keeps literal
    for match in re.finditer(r"\$([^$\n]+)\$", _prose(text)):
        line = match.string
        before, after = line[match.start() - 1:match.start()], line[match.end():match.end() + 1]
        assert before in ("", " ", "\n") and after in ("", " ", "\n"), match.group(0)  # never ($B$)
        assert not re.search(r"\\[^A-Za-z]", match.group(1)), match.group(0)  # no \, or \_ for Markdown to eat


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_one_number_format_and_no_bare_unit_fragments(at_root, path):
    text = _report_of(path)
    values = re.findall(r"\*\*([^*]+)\*\*", text)  # the values a report writes (YAML doc text is the author's)
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    values += [line.split(" | ")[1] for line in summary.splitlines() if line.startswith("| [`")]
    for value in values:
        assert not re.search(r"\de[-+]?\d", value), value  # 7 × 10¹⁰ as in the math, never 7e10
        assert not re.search(r"(?<![.\d])\d{5}", value), value  # 53 248: grouped by thin spaces, as 53\,248 in the math
        assert not re.search(r"\b(?:[02-9]|\d\d+) chip\b", value) and "/tok" != value.split(" ")[-1], value


def test_assumptions_follow_the_summary_with_what_they_affect(at_root):
    text = _default_report()
    assert text.index("## Summary") < text.index("## Assumptions") < text.index("## Inputs")
    block = text.split("## Assumptions", 1)[1].split("\n## ", 1)[0]
    assert "- `kv_replicate` = 0: the chapter shards the KV cache perfectly" in block
    assert "(affects [`kv_heads_stored`](#kv_heads_stored))" in block
    for simplification in ("KV load is not overlapped", "attention FLOPs over the cache left out",
                           "100 % of HBM usable", "full length seq_len", "Peak FLOPs",
                           "hbm_efficiency of its peak bandwidth", "Communication per the assumption preset"):
        assert simplification in block, simplification


def test_a_switch_does_not_affect_a_pinned_quantity(run):
    # t_param_load's formula uses hbm_efficiency, but a pinned value's formula is not used
    status, out, _ = run("report", "--set", "t_param_load=5 ms")
    assert status == 0
    line = next(r for r in out.split("## Assumptions", 1)[1].splitlines() if r.startswith("- `hbm_efficiency` = 1"))
    assert "(affects [`t_kv_load`](#t_kv_load))" in line


def test_405b_exercise_flags_tensor_parallelism_beyond_the_ici_limit(at_root):
    text = _report_of(ROOT / "scenarios" / "exercise-405b.yaml")
    summary = text.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert "fail**: `tp_degree <= max(1, tp_limit_ici)` (`tp_degree` = 64 > `max(1, tp_limit_ici)` = 48.653" in summary
    row = next(line for line in summary.splitlines() if line.startswith("| [`tp_limit_ici`]"))
    assert "**Check fails**" in row
    assert "| `tp_degree <= max(1, tp_limit_ici)` | **FAIL** |" in text.split("## Checks", 1)[1]
    assert "**Check fails**" in _section(text, "tp_limit_ici")
    assert re.search(r"all \d+ pass", _default_report())  # the declared checks at the chapter's case


def test_arithmetic_is_shown_rounding_and_conversion_factors_included(at_root):
    text = _default_report()
    assert r"&= \left\lceil 7.059\,\mathrm{chips} \right\rceil" in _section(text, "min_chips")
    assert "conversion factor 3600 s/h" in _section(text, "flops_per_dollar")


def test_renames_are_input_lines_not_sections(at_root):
    text = _default_report()
    assert "### activation_tokens" not in text
    row = next(r for r in _inputs_rows(text) if r.startswith("- `activation_tokens`"))
    assert "`activation_tokens = prefill_chunk_tokens` at `formulas/reserve.yaml:" in row


def test_brief_report_has_answer_summary_assumptions_checks_and_no_derivation(run):
    status, out, _ = run("report", "--brief")
    assert status == 0
    assert "## Answer" in out and "## Assumptions" in out and "## Checks" in out and "t_step" in out
    assert "### t_step" not in out and "### t_flops" not in out
    assert "## Sensitivity" not in out and "## Dependencies" not in out
    assert len(out.splitlines()) < len(_default_report_cli(run).splitlines()) / 2


def _default_report_cli(run) -> str:
    return run("report")[1]


def test_a_variant_summary_describes_the_variant_and_prefill_lists_what_it_uses(run):
    status, out, _ = run("report", str(ROOT / "scenarios" / "bigger-slices-qps.yaml"), "--variant", "bf16")
    assert status == 0
    assert "- **Variant bf16** sets: `weight_bytes` = 2 B, `kv_bytes` = 2 B" in out
    assert "**replaced by variant bf16** for `kv_bytes`, `weight_bytes`" in out
    status, out, _ = run("report", str(ROOT / "scenarios" / "prefill.yaml"))
    workload = next(line for line in out.splitlines() if line.startswith("- **Workload"))
    assert "`prefill_len`" in workload and "`batch`" not in workload and "`gen_len`" not in workload


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_diagrams_are_small_top_down_and_connected(at_root, path):
    for block in re.findall(r"```mermaid\n(.*?)```", _report_of(path), flags=re.S):
        lines = block.splitlines()
        assert lines[0] == "flowchart TD"
        nodes = {m for m in re.findall(r"^  (q_\w+)\[", block, flags=re.M)}
        edges = re.findall(r"^  (q_\w+) --> (q_\w+)$", block, flags=re.M)
        assert 2 <= len(nodes) <= 12
        assert nodes == {n for edge in edges for n in edge}  # every node connected


def test_a_symbol_outside_the_safe_subset_is_replaced_by_the_name(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("quantities:\n  x: {unit: '1', doc: d, symbol: '\\href{javascript:x}{X}', value: 1,"
                    " assumes: 'x is one'}\n  y: {unit: '1', doc: d, formula: 2 * x}\nreport: [y]\n")
    text = render_report(calcgraph.load(path).evaluated)
    assert "href" not in text and r"\mathrm{x}" in text
    assert "- X is one (in" not in text  # x is an input: its assumes: text is about a formula's simplification


# ---------------------------------------------------------------- a report for a decision

def test_report_opens_with_an_answer_before_the_summary(at_root):
    text = _default_report()
    answer = text.split("## Answer\n", 1)[1].split("\n## ", 1)[0]
    assert text.index("## Answer") < text.index("## Summary")
    assert "**Fits**" in answer and "43 sequences" in answer  # max_batch
    assert "**Memory-bandwidth bound**" in answer and "121.6 sequences" in answer  # b_crit against batch 32
    assert "17.431 ms" in answer and "[`ttft`]" not in answer and "`ttft` = **" in answer
    assert "1.4525 USD/Mtok" in answer and "**Upper bound**" in answer


def test_answer_says_does_not_fit_and_compute_bound_when_so(at_root):
    model = calcgraph.load(DEFAULT.relative_to(ROOT), set={"batch": "200"})
    answer = render_report(model.evaluated).split("## Answer\n", 1)[1].split("\n## ", 1)[0]
    assert "**Does not fit**" in answer and "**Compute bound**" in answer


def test_passing_check_says_what_holds_not_the_failure_text(at_root):
    rows = [line for line in _default_report().split("## Checks", 1)[1].split("\n## ", 1)[0].splitlines()
            if line.startswith("| `param_bytes + draft_bytes + kv_cache_allocated")]
    assert rows and "| pass |" in rows[0]
    assert "fit in the usable HBM" in rows[0] and "do not fit" not in rows[0] and "add chips" not in rows[0]


def test_failing_check_says_what_to_do(at_root):
    model = calcgraph.load(DEFAULT.relative_to(ROOT), set={"batch": "200"})
    checks = render_report(model.evaluated).split("## Checks", 1)[1].split("\n## ", 1)[0]
    row = next(line for line in checks.splitlines()
               if line.startswith("| `param_bytes + draft_bytes + kv_cache_allocated"))
    assert "**FAIL**" in row and "lower the batch" in row


def test_check_sides_pluralise_counts(at_root):
    checks = _default_report().split("## Checks", 1)[1]
    assert "= 8 chips ≤" in checks and "256 chips" in checks and "8 chip " not in checks


def test_solve_slack_brackets_a_sum_it_subtracts(at_root):
    assert "`usable_hbm - (param_bytes + draft_bytes + kv_cache_allocated) = 286.38 MB`" in _default_report()


def test_switched_off_communication_is_one_section_marked_off(at_root):
    text = _default_report()
    assert "### t_comm\n" in text and "### t_allreduce\n" not in text and "### t_comm_tp\n" not in text
    assert "Off: `comm_enabled` = 0" in text


def test_derivation_starts_with_the_reported_figures(at_root):
    text = _default_report()
    order = re.findall(r"^### (\w+)$", text, flags=re.M)
    assert order[:3] == ["kv_per_token", "kv_cache_bytes", "total_memory"]
    assert order.index("max_batch") < order.index("tp_degree")


@pytest.mark.parametrize("scenario", ["flops-per-dollar", "kv-eviction", "tensor-parallel-limits"])
def test_every_report_has_an_assumptions_section(at_root, scenario):
    text = render_report(calcgraph.load(f"scenarios/{scenario}.yaml").evaluated)
    block = text.split("## Assumptions\n", 1)[1].split("\n## ", 1)[0]
    assert any(line.startswith("- ") for line in block.splitlines())


def test_brief_report_fits_two_screens(at_root):
    text = render_report(calcgraph.load(DEFAULT.relative_to(ROOT)).evaluated, brief=True)
    assert len(text.splitlines()) <= 100
    assert "## Answer" in text and "## Inputs" not in text


def test_a_solve_closed_form_shows_an_unsafe_symbol_by_its_name(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("quantities:\n"
                    "  a: {unit: '1', doc: the unknown, value: 1}\n"
                    "  m: {unit: '1', doc: twice a, formula: 2 * a}\n"
                    "  cap: {unit: '1', doc: the limit, value: 10, symbol: '\\href{javascript:x}{C}'}\n"
                    "  best: {unit: '1', doc: the largest a, solve: {for: a, where: ['m <= cap'], bounds: [1, 100]}}\n"
                    "report: [best]\n")
    text = render_report(calcgraph.load(path).evaluated)
    assert "Closed form" in text and "href" not in text and r"\mathrm{cap}" in text


def test_a_variant_without_a_chip_price_reports_its_cost_as_unknown(run, tmp_path):
    # the H200 variant has no price: the conversion note of a cost of NaN used to raise (round of NaN)
    status, _, err = run("report", "scenarios/compare-chips.yaml", "--variant", "h200-x8", "-o", tmp_path / "r.md")
    assert status == 0 and "Traceback" not in err
    assert "cost_per_million_tokens" in (tmp_path / "r.md").read_text()
