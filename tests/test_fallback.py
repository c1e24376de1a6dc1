"""Variants and extending scenarios: which values fall back, and a first mistake in plain words, not PyYAML's."""

from __future__ import annotations

import pytest
from conftest import ROOT, fixture
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import calcgraph
from calcgraph.core.check import check_file
from calcgraph.core.fallback import fallen_back
from calcgraph.core.spec.load import load_spec


def test_a_variant_dropping_a_preset_warns_which_values_fell_back(run):
    status, out, err = run("eval", fixture("newcomer/base.yaml"), "--variant", "narrow")
    assert status == 0
    assert "warning: variant narrow:" in err and "kv_bytes falls back to its module default" in err
    assert "wide.yaml:3" in err and "set kv_bytes in variant narrow to keep it" in err


def test_a_variant_that_sets_the_dropped_value_again_is_quiet():
    spec = load_spec(fixture("newcomer/base.yaml"))
    assert fallen_back(spec, "narrow-kept") == []
    assert calcgraph.load(fixture("newcomer/base.yaml"), variant="narrow-kept").value("kv_bytes", "B") == 2


def test_a_variant_may_use_the_preset_its_scenario_uses_too():
    model = calcgraph.load(fixture("newcomer/child.yaml"), variant="narrow")
    assert model.value("weight_bytes", "B") == 0.5  # read afresh, not skipped as already seen


def test_a_scenario_extends_another_and_replaces_its_preset_of_the_same_kind():
    model = calcgraph.load(fixture("newcomer/child.yaml"))
    assert model.value("n_params") == 3000  # its own set: wins
    assert model.value("weight_bytes", "B") == 0.5  # its dtype preset replaces the base's
    assert model.value("param_bytes", "B") == 1500
    assert list(model.spec.report) == ["param_bytes", "kv_bytes"]  # the base's report
    assert set(model.spec.variants) == {"narrow", "narrow-kept"}


def test_extending_warns_when_a_value_falls_back(run):
    status, _, err = run("eval", fixture("newcomer/child.yaml"))
    assert status == 0 and "scenario " in err and "kv_bytes falls back to its module default" in err


def test_a_scenario_that_extends_itself_is_one_clear_error(run):
    status, out, err = run("eval", fixture("newcomer/loop.yaml"))
    assert status == 2 and out == "" and "a cycle" in err and "loop2.yaml:2" in err


def test_a_scenario_that_extends_itself_through_a_link_is_the_same_cycle_error(run, tmp_path):
    (tmp_path / "loop.yaml").write_text("title: loop\nextends: link.yaml\nset: {batch: 16}\n", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "loop.yaml")
    status, out, err = run("eval", str(tmp_path / "loop.yaml"))
    assert status == 2 and out == "" and "extends: link.yaml leads back" in err and "loop.yaml:2" in err


def test_a_bad_report_of_the_extended_scenario_is_named_at_its_own_line(run, tmp_path):
    (tmp_path / "base.yaml").write_text(f"title: base\nuse: [{ROOT / 'formulas' / 'serving.yaml'}]\nreport: 5\n")
    (tmp_path / "child.yaml").write_text("title: child\nextends: base.yaml\n")
    status, _, err = run("eval", str(tmp_path / "child.yaml"))
    assert status == 2 and f"{tmp_path / 'base.yaml'}:3: report: must be a list of names" in err


def test_the_default_scenario_extended_with_another_chip(tmp_path):
    (tmp_path / "mine.yaml").write_text(
        f"title: mine\nextends: {ROOT / 'scenarios' / 'llama3-70b-tpu-v5e.yaml'}\n"
        f"use: [{ROOT / 'presets' / 'chips' / 'h100.yaml'}]\nset: {{batch: 16}}\n", encoding="utf-8")
    model = calcgraph.load(tmp_path / "mine.yaml")
    assert model.value("hbm_bandwidth", "B/s/chip") == 3.35e12 and model.value("batch") == 16
    assert model.value("seq_len") == 8192 and model.value("kv_bytes", "B") == 1  # the base's int8 preset


def test_check_of_a_complete_chip_preset_outside_presets_passes(tmp_path):
    text = (ROOT / "presets" / "chips" / "h100.yaml").read_text(encoding="utf-8")
    mine = tmp_path / "my" / "chip.yaml"
    mine.parent.mkdir()
    mine.write_text(text.replace("../../formulas/", f"{ROOT / 'formulas'}/"), encoding="utf-8")
    result = check_file(str(mine))
    assert result.ok, result.problems
    assert result.kind == "chips" and "layers" in result.left and "hbm_bandwidth" not in result.left


def test_check_of_an_incomplete_chip_preset_names_the_missing_field(tmp_path):
    text = (ROOT / "presets" / "chips" / "h100.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("hbm_bandwidth:")]
    mine = tmp_path / "chip.yaml"
    mine.write_text("\n".join(lines).replace("../../formulas/", f"{ROOT / 'formulas'}/") + "\n", encoding="utf-8")
    result = check_file(str(mine))
    assert len(result.problems) == 1 and "lacks 1 of the fields a chips preset must give: hbm_bandwidth" \
        in result.problems[0]


def test_one_typo_gives_one_error_not_a_cascade(tmp_path):
    (tmp_path / "typo.yaml").write_text(
        "title: typo\nquantities:\n"
        "  a: {unit: B, doc: a, value: \"1 B\"}\n"
        "  b: {unit: B, doc: b, formula: \"a * * 2\"}\n"
        "  c: {unit: B, doc: c, formula: b + a}\n"
        "  d: {unit: B, doc: d, formula: b * 2}\n"
        "  e: {unit: B, doc: e, formula: c + d}\n", encoding="utf-8")
    result = check_file(str(tmp_path / "typo.yaml"))
    assert len(result.problems) == 1 and "cannot parse formula 'a * * 2'" in result.problems[0]


def test_a_misspelt_name_is_still_reported(run):
    status, _, err = run("eval", fixture("unknown_name.yaml"))
    assert status == 2 and "uses unknown name 'hbm_per_chp'" in err


@pytest.mark.parametrize("text, words", [
    ("title: t\nquantities:\n  a: {unit: B, doc: x, value: \"1 B\"}\n   b: {unit: B, doc: y, value: \"2 B\"}\n",
     ":4: YAML indentation: this line is indented differently from the keys above it"),
    ("title: t\nquantities:\n  a: {unit: B, doc: x, value: 1\n  b: {unit: B, doc: y, value: 2}\n",
     ":4: YAML: an inline {...} (opened at line 3) is not closed"),
    ("title: t\ndoc: a: b\n", ":2: YAML: a colon where a value was expected"),
    ("title: \"t\nquantities: {}\n", "YAML: a quote (opened at line 1) is never closed"),
    ("title: t\n\tquantities: {}\n", ":2: YAML: a tab character"),
], ids=["indentation", "brace", "colon", "quote", "tab"])
def test_yaml_errors_in_plain_words_with_the_line(run, tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    status, out, err = run("eval", str(path))
    assert status == 2 and out == "" and words in err
    assert "<block" not in err and "Traceback" not in err


def test_eval_all_honours_columns(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "180")
    wide = run("eval", "--all")[1]
    monkeypatch.setenv("COLUMNS", "80")
    narrow = run("eval", "--all")[1]
    assert max(map(len, wide.splitlines())) > 100 >= max(map(len, narrow.splitlines())) - 20
    import unicodedata  # a combining mark (the bar of P̄) takes no column
    assert max(sum(not unicodedata.combining(c) for c in line) for line in narrow.splitlines()) <= 80


def test_from_column_uses_one_path_style(run, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    out = run("eval", "--all")[1]
    rows = [line for line in out.splitlines() if "preset: " in line or "default: " in line]
    shortened = ["/" not in line.split("default: ")[-1].split("preset: ")[-1] for line in rows]
    assert rows and (all(shortened) or not any(shortened))


def test_new_chip_template_says_ici_bandwidth_is_one_axis(run):
    status, out, _ = run("new", "chip", "mine")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ici_bandwidth:"))
    assert status == 0 and "one mesh axis" in lines[at - 1] and "one direction" in lines[at - 1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.integers(), st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3), st.none()))
def test_any_extends_value_loads_or_gives_one_clear_error(tmp_path, value):
    import json

    from calcgraph.errors import CalcgraphError
    path = tmp_path / "s.yaml"
    path.write_text(f"title: t\nextends: {json.dumps(value)}\nquantities:\n  a: {{unit: B, doc: a, value: \"1 B\"}}\n",
                    encoding="utf-8")
    try:
        load_spec(path)
    except CalcgraphError as exc:
        assert str(exc).strip()


def test_table_warns_for_each_variant_whose_values_fall_back(run):
    status, out, err = run("table", fixture("newcomer/base.yaml"))
    assert status == 0 and "narrow-kept" in out
    assert "warning: variant narrow:" in err and "variant narrow-kept" not in err


def test_check_warns_once_for_each_value_that_falls_back():
    result = check_file(fixture("newcomer/child.yaml"))
    assert result.ok and len(result.fallbacks) == 1 and "kv_bytes falls back" in result.fallbacks[0]
    assert "warning: scenario" in str(result)
