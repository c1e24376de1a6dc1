"""calcgraph new: a commented template with every field a preset of that kind gives, so a user
starts from a complete file, and `check` names each field still to fill."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

import calcgraph
from calcgraph.core.spec.yamlload import load_file
from calcgraph.render.template import kind_fields

MODEL_FIELDS = {"layers", "d_model", "d_ff", "n_heads", "n_kv_heads", "d_head", "vocab", "tied_embeddings",
                "n_params", "extra_params", "mla", "kv_lora_rank", "q_lora_rank", "qk_rope_head_dim",
                "moe_layers", "n_experts", "experts_per_token", "n_shared_experts", "d_ff_expert",
                "local_layers", "window", "max_context"}


def written(run, kind, path):
    status, _, err = run("new", kind, "My thing", "-o", path)
    assert status == 0 and "wrote" in err
    return path.read_text()


def test_model_template_lists_every_field_of_the_model_presets():
    graph = calcgraph.load(ROOT / "formulas" / "architectures.yaml").graph
    assert set(kind_fields(graph, "model")) == MODEL_FIELDS
    for preset in ("deepseek-v3", "mixtral-8x7b", "gemma3-27b"):
        assert set(load_file(ROOT / "presets" / "models" / f"{preset}.yaml")["set"]) == MODEL_FIELDS


def test_chip_template_gives_every_figure_a_chip_preset_sets():
    graph = calcgraph.load(ROOT / "formulas" / "architectures.yaml").graph
    fields = set(kind_fields(graph, "chip"))
    for preset in ("h100", "b200", "mi300x"):
        fitted = {"hbm_efficiency_chip", "compute_efficiency_chip"}  # written by calcgraph calibrate, not by hand
        assert set(load_file(ROOT / "presets" / "chips" / f"{preset}.yaml")["set"]) - fitted <= fields, preset


def test_check_of_a_new_chip_names_every_figure_left_to_fill(run, tmp_path):
    (tmp_path / "presets" / "chips").mkdir(parents=True)
    path = tmp_path / "presets" / "chips" / "mine.yaml"
    text = written(run, "chip", path)
    assert 'hbm_bandwidth: {value: "FILL hbm_bandwidth in B/s/chip"' in text
    assert "# HBM bandwidth per chip [B/s/chip]" in text
    fills = len(re.findall(r"value: \"?FILL", text))
    status, out, _ = run("check", path)
    assert status == 2 and out.count("got 'FILL") == fills and fills >= 12
    assert "got 'FILL hbm_per_chip in B/chip'" in out       # each message names the field left


def test_a_filled_model_template_gives_the_hand_written_presets_numbers(run, tmp_path):
    (tmp_path / "presets" / "models").mkdir(parents=True)  # a model preset: checked on its own, chips not asked
    path = tmp_path / "presets" / "models" / "llama3-8b.yaml"
    text = written(run, "model", path)
    shapes = {"layers": 32, "d_model": 4096, "d_ff": 14336, "n_heads": 32, "n_kv_heads": 8, "d_head": 128,
              "vocab": 128256, "tied_embeddings": 0, "max_context": '"8192 token/sequence"'}
    status, out, _ = run("check", path)
    assert status == 2 and out.count("got 'FILL ") == len(shapes)
    for name, value in shapes.items():
        text = re.sub(rf"(\n  {name}: {{value: )\"FILL [^\"]*\"", rf"\g<1>{value}", text)
    path.write_text(text)
    assert run("check", path)[0] == 0
    mine = calcgraph.load(path, set={"kv_bytes": "2 B"})
    hand = calcgraph.load(ROOT / "presets" / "models" / "llama3-8b.yaml", set={"kv_bytes": "2 B"})
    assert mine.value("kv_per_token") == hand.value("kv_per_token") == 131072
    assert mine.value("n_params") == hand.value("n_params_estimate")


def test_a_new_scenario_names_the_presets_it_still_needs(run, tmp_path):
    (tmp_path / "scenarios").mkdir()
    path = tmp_path / "scenarios" / "mine.yaml"
    text = written(run, "scenario", path)
    assert "report: [" in text and "batch: {value: \"FILL batch in sequence\"" in text
    status, out, _ = run("check", path)
    assert status == 2 and "models/FILL.yaml" in out and "chips/FILL.yaml" in out


@pytest.mark.parametrize("kind", ["model", "chip", "scenario"])
def test_new_prints_to_stdout_without_o(run, kind):
    status, out, _ = run("new", kind, "X")
    assert status == 0 and out.startswith(f"# A {kind}") and 'title: "X"' in out


def test_new_refuses_an_output_that_is_not_yaml_and_writes_nothing(run, tmp_path):
    status, _, err = run("new", "chip", "X", "-o", tmp_path / "chip.txt")
    assert status == 2 and "does not end in .yaml" in err and not (tmp_path / "chip.txt").exists()


def test_new_refuses_to_write_over_an_existing_file(run, tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("title: my own work\n")
    status, out, err = run("new", "chip", "Another chip", "-o", target)
    assert status == 2 and "exists" in err and "--force" in err and "Traceback" not in err
    assert target.read_text() == "title: my own work\n"


def test_new_with_force_replaces_an_existing_file(run, tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("title: my own work\n")
    status, _, err = run("new", "chip", "Another chip", "-o", target, "--force")
    assert status == 0 and "Another chip" in target.read_text()


def test_new_into_a_missing_folder_says_the_folder_is_missing(run):
    status, _, err = run("new", "model", "X", "-o", "presets/models/no-such-folder/x.yaml")
    assert status == 2
    assert "folder presets/models/no-such-folder does not exist" in err and "no such scenario" not in err
    assert not (ROOT / "presets/models/no-such-folder").exists()
