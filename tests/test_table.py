"""calcgraph table: the base scenario and one column per variant, aligned for a terminal or as
Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import ROOT

import calcgraph
from calcgraph.core.spec.yamlload import load_file


def test_dtype_table_is_one_command_with_max_batch_43_in_every_column(run):
    status, out, _ = run("table", "scenarios/dtype-table.yaml", "--format", "md")
    assert status == 0
    assert "| quantity | unit | base | bf16 | int8 | int4 |" in out
    assert "| max_batch | seq | 43 | 43 | 43 | 43 |" in out
    assert "| free_hbm | GB | 58 | 116 | 58 | 29 |" in out


def test_the_default_format_is_aligned_text_not_markdown(run):
    status, out, _ = run("table", "scenarios/dtype-table.yaml")
    lines = out.splitlines()
    assert status == 0 and "|" not in out and lines[0].startswith("Smallest serving configuration")
    header = next(line for line in lines if line.startswith("quantity"))
    row = next(line for line in lines if line.startswith("free_hbm"))
    assert header.split() == ["quantity", "unit", "base", "bf16", "int8", "int4"]
    assert len(row) == len(header) and row.split() == ["free_hbm", "GB", "58", "116", "58", "29"]


def test_a_scenario_without_variants_shows_its_computed_column(run):
    status, out, _ = run("table", "--format", "md", "--only", "min_chips", "--only", "t_step")
    assert status == 0 and "| quantity | unit | base |" in out
    assert "| min_chips | chip | 8 |" in out and "| t_step | ms | 17.431 |" in out


def test_a_pinned_value_is_marked_in_the_table(run):
    status, out, _ = run("table", "--set", "t_step=17 ms", "--only", "t_step", "--only", "throughput")
    assert status == 0 and "17*" in out and "* pinned" in out


def test_csv_has_full_precision_in_the_display_unit(run):
    status, out, _ = run("table", "--format", "csv", "--only", "t_step")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and rows[0] == ["quantity", "unit", "base"]
    assert rows[1][:2] == ["t_step", "ms"] and float(rows[1][2]) == pytest.approx(17.4306, abs=1e-4)


def test_json_gives_every_column_in_the_declared_unit(run):
    status, out, _ = run("table", "scenarios/compare-chips.yaml", "--format", "json")
    document = json.loads(out)
    assert status == 0 and document["columns"][0] == "base" and "h100-x8" in document["columns"]
    row = document["rows"]["max_batch"]
    assert row["unit"] == "seq" and row["values"]["base"] == 138 and row["values"]["h100-x8"] == 459
    assert document["rows"]["cost_per_million_tokens"]["values"]["h200-x8"] is None   # no public price


def test_compare_chips_puts_six_chips_side_by_side(run):
    status, out, _ = run("table", "scenarios/compare-chips.yaml", "--only", "t_step")
    header = next(line for line in out.splitlines() if line.startswith("quantity")).split()
    assert status == 0
    assert header == ["quantity", "unit", "base", "v5p-2x2x2", "v6e-4x2", "h100-x8", "h200-x8", "b200-x8"]


def _figure(entry):
    return entry["value"] if isinstance(entry, dict) and "value" in entry else entry


@pytest.mark.parametrize("scenario, kind, names", [
    ("compare-chips", "chips", {"v5p-2x2x2": "tpu-v5p", "v6e-4x2": "tpu-v6e", "h100-x8": "h100",
                                "h200-x8": "h200", "b200-x8": "b200"}),
    ("compare-models", "models", {"qwen2.5-72b": "qwen2.5-72b", "mixtral-8x7b": "mixtral-8x7b",
                                  "llama3-8b": "llama3-8b", "mistral-7b": "mistral-7b",
                                  "gemma3-27b": "gemma3-27b"}),
    ("compare-mi300x-h100", "chips", {"mi300x-x8": "mi300x"}),
])
def test_each_variant_uses_its_preset_and_gets_its_figures(scenario, kind, names):
    document = load_file(ROOT / "scenarios" / f"{scenario}.yaml")
    variants, base = document["variants"], document.get("set") or {}
    for variant, preset in names.items():
        assert variants[variant]["use"] == [f"../presets/{kind}/{preset}.yaml"], variant
        model = calcgraph.load(ROOT / "scenarios" / f"{scenario}.yaml", variant=variant)
        figures = load_file(ROOT / "presets" / kind / f"{preset}.yaml")["set"]
        for name in figures:
            given = name in base or name in variants[variant].get("set", {})
            if given or model.state(name) is not calcgraph.NodeState.INPUT:
                continue
            assert model.scenario.bound[name].where.file.endswith(f"{preset}.yaml"), (variant, name)


def test_the_table_pasted_in_docs_own_model_is_what_the_shipped_scenario_prints(run):
    status, out, _ = run("table", "scenarios/compare-mi300x-h100.yaml")
    doc = (ROOT / "docs" / "own-model.md").read_text()
    rows = out.splitlines()[3:]          # after the title and the path
    assert status == 0 and "\n".join(rows) in doc
