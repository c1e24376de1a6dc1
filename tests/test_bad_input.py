"""Every kind of bad input: one message naming what and where, exit 2, no traceback."""

import json
import unicodedata

import pytest
from conftest import ROOT, fixture


@pytest.mark.parametrize("name, words", [
    ("broken_yaml.yaml", "broken_yaml.yaml:3: YAML: an inline {...} (opened at line 2) is not closed"),
    ("unknown_name.yaml", "unknown_name.yaml:4: formula of 'hbm_capacity' uses unknown name 'hbm_per_chp'"),
    ("cycle.yaml", "a -> b -> a"),
    ("unit_mismatch.yaml", "[information] / [sequence] but its unit 'B' is [information]"),
    ("unknown_unit.yaml", "unknown_unit.yaml:2: quantity 'hbm_per_chip': unknown unit 'GBytes'"),
    ("missing_use.yaml", "missing_use.yaml:1: used file not found"),
    ("duplicate_key.yaml", "duplicate_key.yaml:3: duplicate key 'a'"),
    ("div_zero.yaml", "div_zero.yaml:4: per_chip is not finite"),
    ("unsafe_formula.yaml", "not allowed in formulas: attribute access"),
    ("python_tag.yaml", "python_tag.yaml:2: YAML tag"),
    ("huge_power.yaml", "too large"),
])
def test_bad_file_gives_one_message_and_exit_2(run, name, words):
    status, out, err = run("eval", fixture(name))
    assert status == 2
    assert words in err
    assert "Traceback" not in err and out == ""


def test_missing_scenario(run):
    status, _, err = run("eval", "no/such.yaml")
    assert status == 2 and "no such scenario: no/such.yaml" in err


@pytest.mark.parametrize("setting, words", [
    ("btch=2", "cannot set unknown quantity 'btch'"),
    ("batch=abc", "expected a number"),
    ("batch=2 GB", "'batch' is given in 'GB' ([information]) but its unit is 'sequence'"),
    ("batch=__import__('os').system('touch /tmp/calcgraph-owned')", "expected a number"),
])
def test_bad_set_names_the_argument(run, setting, words):
    status, _, err = run("eval", fixture("layered/scenario.yaml"), "--set", setting)
    assert status == 2 and words in err and f"--set {setting}" in err


def test_python_tag_runs_nothing(run, tmp_path):
    canary = tmp_path / "calcgraph-pwned"
    scenario = tmp_path / "tag.yaml"
    scenario.write_text(f'quantities:\n  a: !!python/object/apply:os.system ["touch {canary}"]\n')
    status, _, err = run("eval", scenario)
    assert status == 2 and "tag" in err.lower()
    assert not canary.exists()


def test_python_tag_fixture_is_refused_with_its_line(run):
    status, _, err = run("eval", fixture("python_tag.yaml"))
    assert status == 2 and "python_tag.yaml:2" in err


@pytest.mark.parametrize("text", ["- a\n- b\n", "hello\n", "42\n", "~\n"])
def test_check_of_a_file_that_is_not_a_mapping_is_one_clear_problem(run, tmp_path, text):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    status, out, err = run("check", path)
    assert status == 2 and "must be a mapping" in out and "Traceback" not in out + err


def test_eval_json_gives_numbers_with_pint_units(run):
    import pint
    status, out, _ = run("eval", fixture("tiny.yaml"), "--json")
    values = json.loads(out)["values"]
    registry = pint.UnitRegistry(str(__import__("calcgraph.core.units").core.units.DEFINITIONS))
    capacity = registry.Quantity(values["hbm_capacity"]["value"], values["hbm_capacity"]["unit"])
    assert status == 0 and capacity.to("GB").magnitude == pytest.approx(64)


def test_eval_only_limits_the_rows(run):
    status, out, _ = run("eval", fixture("tiny.yaml"), "--only", "min_chips")
    assert status == 0 and "min_chips" in out and "hbm_per_chip " not in out


def test_check_reports_every_file(run):
    status, out, _ = run("check", fixture("tiny.yaml"), fixture("cycle.yaml"), fixture("unknown_name.yaml"))
    assert status == 2
    assert "ok   " in out and out.count("FAIL") == 2 and "1 ok, 2 with problems" in out


def test_debug_shows_the_traceback(run):
    status, _, err = run("--debug", "eval", fixture("cycle.yaml"))
    assert status == 2 and "Traceback" in err


# A readable eval

def _width(line: str) -> int:
    return sum(not unicodedata.combining(c) for c in line)


def test_eval_shows_the_scenarios_report_list_and_every_quantity_with_all(run):
    status, out, _ = run("eval")
    rows = [line.split()[0] for line in out.splitlines()[5:] if line and not line.startswith(("*", "-", "="))]
    assert status == 0 and rows[:3] == ["kv_per_token", "kv_cache_bytes", "total_memory"] and len(rows) == 9
    assert "9 of " in out and "--all for every one" in out
    status, out, _ = run("eval", "--all")
    assert status == 0 and "one_chip" in out and "--all for every one" not in out


@pytest.mark.parametrize("args", [(), ("--all",), ("scenarios/compare-llama3-70b-8xh100.yaml", "--all")])
def test_eval_fits_100_columns(run, args):
    status, out, _ = run("eval", *args)
    assert status == 0 and max(_width(line) for line in out.splitlines()) <= 100


def test_eval_title_carries_the_set_values_in_force(run):
    status, out, _ = run("eval", "--set", "batch=64")
    assert status == 0 and out.splitlines()[0].endswith("batch 32 at 8192 tokens (with batch=64)")


def test_eval_marks_pinned_and_solved_values(run):
    status, out, _ = run("eval", "--set", "t_step=17 ms")
    t_step = next(line for line in out.splitlines() if line.startswith("t_step"))
    max_batch = next(line for line in out.splitlines() if line.startswith("max_batch"))
    assert status == 0 and "17 *" in t_step and "pinned: --set t_step=17 ms" in t_step
    assert "43 =" in max_batch and "solved" in max_batch and "* pinned" in out


def test_eval_symbols_are_plain_unicode_not_latex_leftovers(run):
    status, out, _ = run("eval", "scenarios/compare-llama3-70b-8xh100.yaml", "--all")
    symbols = {line.split()[0]: line.split()[1] for line in out.splitlines()[5:] if line.count(" ") > 2}
    assert status == 0 and symbols["n_params_estimate"] == "P̂" and symbols["t_step"] == "T_step"
    assert symbols["flops_per_chip_bf16"] == "Φ_bf16" and symbols["ici_hop_latency"] == "α_ici"
    assert symbols["t_matmul_ici"] == "Tᵐᵐ_ici" and symbols["one_chip"] == "1"
    for leftover in ("hatP", "1_chip", "T^", "\\", "{", "\x07"):
        assert leftover not in out


def test_eval_paths_are_relative_and_normalised(run, tmp_path):
    scratch = ROOT / "tests" / "fixtures" / "hf"
    scenario = tmp_path / "s.yaml"
    up = f"{scratch}/../../.."
    scenario.write_text(f"title: T\nuse: [{up}/formulas/serving.yaml, {up}/presets/models/llama3-70b.yaml, "
                        f"{up}/presets/chips/tpu-v5e.yaml]\nset: {{batch: 16}}\n")
    status, out, _ = run("eval", scenario, "--all")
    assert status == 0 and ("default: formulas/workload.yaml:" in out or "default: workload.yaml:" in out)
    assert "/../" not in out and "fixtures" not in out


@pytest.mark.parametrize("text", ["batch=٣", "batch=３2", "chips=8 ۸"])
def test_a_number_in_other_scripts_digits_is_refused_not_read_as_ascii(run, text):
    status, _, err = run("eval", "--set", text)
    assert status == 2 and f"--set {text}" in err and "Traceback" not in err
