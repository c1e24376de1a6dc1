"""The compiled graph cache: the same answers as the normal path, never a stale or tampered one.

After a normal ``calcgraph eval`` the cache holds the scenario as generated float
code and display data; the next ``eval`` of unchanged files answers from it
byte for byte as the normal path would, without sympy, pint or networkx. An
entry that is tampered with, truncated, stale (a file it was computed from
changed) or from another calcgraph version is ignored and rebuilt.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from calcgraph.cli import cached, commands
from calcgraph.core import cachestore
from calcgraph.core.spec import DEFAULT_SCENARIO, load_spec

SCENARIOS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "scenarios").rglob("*.yaml"))


@pytest.fixture
def normal_path_refused(monkeypatch):
    """Make the normal eval and check fail loudly: what runs now must be answered by the cache."""
    def refuse(args):
        raise AssertionError("the normal path ran: the cache did not answer")
    monkeypatch.setattr(commands, "cmd_eval", refuse)
    monkeypatch.setattr(commands, "cmd_check", refuse)


def entries(folder: Path, kind: str = "eval") -> list[Path]:
    return sorted((folder / "graphs").glob(f"{kind}-*.json"))


def damage(entry: Path, cache: Path, how: str) -> None:
    """Damage a cache entry: flip a bit, truncate, empty, replace by garbage, or change the key."""
    data = bytearray(entry.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0x01
    elif how == "truncate":
        data = data[:len(data) // 3]
    elif how == "empty":
        data = bytearray()
    elif how == "garbage":
        data = bytearray(b"calcgraph-cache 1 " + b"0" * 64 + b"\n" + b'{"files": [], "payload": {}}')
    else:
        (cache / "graphs" / "key").write_bytes(os.urandom(32))  # another key: the HMAC cannot verify
    entry.write_bytes(bytes(data))


def three_ways(run, *args):
    """(normal path without the cache, normal path writing the cache, answered from the cache)."""
    cold = run("eval", *args, "--no-cache")
    written = run("eval", *args)
    return cold, written


def variants_of(path: str) -> list:
    return [None, *load_spec(ROOT / path).variants]


@pytest.mark.parametrize("path", SCENARIOS)
def test_every_scenario_and_variant_evaluates_the_same_from_the_cache(path, run, cache, monkeypatch):
    for variant in variants_of(path):
        chosen = ["--variant", variant] if variant else []
        for form in ([], ["--json"], ["--all"]):
            cold, written = three_ways(run, path, *chosen, *form)
            with monkeypatch.context() as patch:
                patch.setattr(commands, "cmd_eval", lambda args, v=variant: pytest.fail(f"{path} {v}: not cached"))
                hit = run("eval", path, *chosen, *form)
            assert cold == written == hit, (path, variant, form)
        document = json.loads(run("eval", path, *chosen, "--json")[1])
        assert document["variant"] == variant


@pytest.mark.parametrize("settings_", [["batch=64"], ["batch=600"], ["seq_len=4096 token/sequence"],
                                       ["batch=8", "batch=64"], ["seq_len=100", "--only", "batch"]])
def test_set_values_on_a_hit_equal_the_normal_path(settings_, run, cache, monkeypatch):
    args = [a if a.startswith("--") or a == "batch" else f"--set={a}" for a in settings_]
    run("eval")
    for form in ([], ["--json"], ["--strict"]):
        cold = run("eval", *args, *form, "--no-cache")
        with monkeypatch.context() as patch:
            patch.setattr(commands, "cmd_eval", lambda a: pytest.fail("not answered from the cache"))
            hit = run("eval", *args, *form)
        assert hit == cold


def test_a_new_unit_text_is_read_by_pint_once_then_from_the_cache(run, cache, monkeypatch):
    run("eval")
    first = run("eval", "--set", "hbm_bandwidth=1 TB/s/chip")   # not in the unit table: the normal path
    with monkeypatch.context() as patch:
        patch.setattr(commands, "cmd_eval", lambda a: pytest.fail("not answered from the cache"))
        again = run("eval", "--set", "hbm_bandwidth=1 TB/s/chip")
    assert again == first == run("eval", "--set", "hbm_bandwidth=1 TB/s/chip", "--no-cache")


@pytest.mark.parametrize("pin", [["t_step=17 ms"], ["t_step=17 ms", "--only", "throughput"], ["max_batch=40"],
                                 ["total_memory=10 GB", "--json"], ["t_step=17 ms", "--only", "batch"]])
def test_a_pinned_result_on_a_hit_equals_the_normal_path(pin, run, cache, monkeypatch):
    args = [f"--set={a}" if "=" in a else a for a in pin]
    run("eval")
    cold = run("eval", *args, "--no-cache")
    with monkeypatch.context() as patch:
        patch.setattr(commands, "cmd_eval", lambda a: pytest.fail("not answered from the cache"))
        assert run("eval", *args) == cold


def test_a_pin_that_changes_how_a_solve_node_solves_goes_the_normal_way(run, cache, monkeypatch):
    run("eval")
    calls = []
    real = commands.cmd_eval
    monkeypatch.setattr(commands, "cmd_eval", lambda args: calls.append(1) or real(args))
    assert run("eval", "--set", "kv_cache_bytes=10 GB") == run("eval", "--set", "kv_cache_bytes=10 GB", "--no-cache")
    assert calls == [1, 1]


@pytest.mark.parametrize("setting", ["batch=0", "batch=64 GB", "nosuch=3", "t_step=3 s/token", "batch=1e400",
                                     "hbm_bandwidth=5", "batch=lots"])
def test_what_the_cache_cannot_settle_goes_the_normal_way(setting, run, cache):
    run("eval")
    assert run("eval", "--set", setting) == run("eval", "--set", setting, "--no-cache")


def test_no_cache_neither_reads_nor_writes(run, cache):
    run("eval", "--no-cache")
    assert not cache.exists()
    run("eval")
    (entry,) = entries(cache)
    entry.write_bytes(b"calcgraph-cache 1 0\n{}")     # were it read, eval would go the normal way anyway
    assert run("eval", "--no-cache")[0] == 0
    assert entry.read_bytes() == b"calcgraph-cache 1 0\n{}"


def test_the_cache_folder_is_private_and_moved_by_calcgraph_cache(run, cache):
    run("eval")
    (entry,) = entries(cache)
    assert stat.S_IMODE((cache / "graphs").stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE((cache / "graphs" / "key").stat().st_mode) == 0o600
    assert not list((cache / "graphs").glob(".tmp-*"))


@pytest.mark.parametrize("how", ["flip", "truncate", "empty", "garbage", "key"])
def test_a_tampered_or_truncated_entry_is_ignored_and_rebuilt(how, run, cache, monkeypatch):
    expected = run("eval")
    (entry,) = entries(cache)
    damage(entry, cache, how)
    assert cachestore.load(entry.name) is None
    calls = []
    real = commands.cmd_eval
    monkeypatch.setattr(commands, "cmd_eval", lambda args: calls.append(1) or real(args))
    assert run("eval") == expected and calls == [1]        # the normal path answered ...
    assert cachestore.load(entry.name) is not None          # ... and wrote a good entry again
    assert run("eval") == expected and calls == [1]


def test_a_changed_file_makes_the_entry_stale(tmp_path, run, cache, monkeypatch):
    shutil.copy(FIXTURES / "tiny.yaml", tmp_path / "tiny.yaml")
    path = str(tmp_path / "tiny.yaml")
    before = run("eval", path)
    text = (tmp_path / "tiny.yaml").read_text().replace("chips: 4", "chips: 5")
    (tmp_path / "tiny.yaml").write_text(text)
    after = run("eval", path)
    assert after != before and after == run("eval", path, "--no-cache")
    assert json.loads(run("eval", path, "--json")[1])["values"]["chips"]["value"] == 5


def test_a_changed_used_module_makes_the_entry_stale(tmp_path, run, cache):
    (tmp_path / "module.yaml").write_text((FIXTURES / "tiny.yaml").read_text().replace("set:\n  chips: 4\n", ""))
    (tmp_path / "scenario.yaml").write_text("title: uses a module\nuse: [module.yaml]\nset:\n  chips: 4\n")
    path = str(tmp_path / "scenario.yaml")
    before = run("eval", path)
    (tmp_path / "module.yaml").write_text((tmp_path / "module.yaml").read_text().replace("16 GB/chip", "32 GB/chip"))
    after = run("eval", path)
    assert after != before and after == run("eval", path, "--no-cache")


def test_another_calcgraph_version_does_not_read_the_entry(run, cache, monkeypatch):
    run("eval")
    monkeypatch.setattr(cached, "VERSION", "99.0")
    assert cachestore.load(cached.eval_key(type("A", (), {"scenario": None, "variant": None})())) is None


def test_the_cached_code_is_checked_to_be_only_arithmetic():
    ok = "def _graph(v0, v1):\n    v2 = _max((v0 * v1), (2.0))\n    return (v0, v1, v2, ), ()\n"
    assert cached.generated(ok) is not None
    for bad in ["def _graph(v0):\n    return __import__('os').system('true'), ()\n",
                "def _graph(v0):\n    return v0.__class__, ()\n",
                "def _graph(v0):\n    return 'text', ()\n",
                "import os\n",
                "def _graph(v0):\n    return [x for x in ()], ()\n"]:
        with pytest.raises(cached.Miss):
            cached.generated(bad)


def test_the_default_scenario_is_named_alike():
    assert cached.DEFAULT_SCENARIO == str(DEFAULT_SCENARIO)


def test_the_cache_folder_follows_the_platform(monkeypatch, tmp_path):
    monkeypatch.delenv("CALCGRAPH_CACHE", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cachestore.cache_dir() == tmp_path / "calcgraph"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative")          # not absolute: ignored, as the XDG spec says
    assert cachestore.cache_dir() == Path.home() / ".cache" / "calcgraph"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert cachestore.cache_dir() == Path.home() / "Library" / "Caches" / "calcgraph"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path))
    assert cachestore.cache_dir() == tmp_path / "calcgraph" / "Cache"
    monkeypatch.setenv("CALCGRAPH_CACHE", str(tmp_path / "elsewhere"))
    assert cachestore.cache_dir() == tmp_path / "elsewhere"


HEAVY = ("sympy", "pint", "networkx")
PROBE = """
import json, sys
from calcgraph.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "heavy": [m for m in HEAVY if m in sys.modules]}), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def probe(cache: Path, *args: str) -> tuple[str, dict]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "CALCGRAPH_CACHE": str(cache)}, timeout=300)
    return done.stdout, json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["eval"], ["eval", "--json"], ["eval", "--set", "batch=64", "--only", "t_step"],
                                  ["eval", "scenarios/dtype-table.yaml", "--variant", "int4"],
                                  ["check", "scenarios/llama3-70b-tpu-v5e.yaml", "formulas/memory.yaml"]])
def test_a_hit_loads_neither_sympy_pint_nor_networkx(args, cache):
    cold_out, cold = probe(cache, *args)
    hit_out, hit = probe(cache, *args)
    assert "pint" in cold["heavy"] and hit == {"status": 0, "heavy": []}  # the normal path reads units with pint
    assert hit_out == cold_out


@pytest.mark.parametrize("args", [["eval"], ["eval", "scenarios/compare-models.yaml", "--variant", "mixtral-8x7b"]])
def test_a_miss_writes_its_entry_without_sympy_or_networkx(args, cache):
    """The entry's integer solve (max_batch) is compiled from a numeric guess, not a closed form."""
    cold_out, cold = probe(cache, *args)
    hit_out, hit = probe(cache, *args)
    assert cold == {"status": 0, "heavy": ["pint"]} and hit == {"status": 0, "heavy": []}
    assert hit_out == cold_out


def test_check_answers_from_the_cache_only_for_files_that_passed(run, cache, monkeypatch):
    files = ["scenarios/llama3-70b-tpu-v5e.yaml", "formulas/memory.yaml"]
    cold = run("check", *files, "--no-cache")
    assert run("check", *files) == cold
    with monkeypatch.context() as patch:
        patch.setattr(commands, "cmd_check", lambda a: pytest.fail("not answered from the cache"))
        assert run("check", *files) == cold
    broken = fixture_path("unknown_name.yaml")
    first = run("check", broken)
    assert first[0] == 2 and run("check", broken) == first and not entries(cache, "check")[2:]


def fixture_path(name: str) -> str:
    return str(FIXTURES / name)


SECRET = b"k" * 32
GOOD = cachestore.seal(SECRET, json.dumps({"files": [], "payload": {"a": 1}}).encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_the_reader_rejects_random_bytes_without_crashing(data):
    assert cachestore.unseal(SECRET, data) in (None, {"files": [], "payload": {"a": 1}}) or data == GOOD


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(GOOD) - 1), st.integers(1, 255), st.integers(0, len(GOOD)))
def test_a_mutated_entry_is_rejected_or_unchanged(position, flip, cut):
    data = bytearray(GOOD)
    data[position] ^= flip
    for candidate in (bytes(data), GOOD[:cut], bytes(data[:cut])):
        result = cachestore.unseal(SECRET, candidate)
        assert result is None or result == json.loads(GOOD.partition(b"\n")[2])


def test_verify_answers_from_the_cache_as_it_printed(run, cache, monkeypatch):
    cold = run("verify", "--no-cache")
    assert run("verify") == cold and len(entries(cache, "verify")) == len(list((ROOT / "scenarios").glob("*.yaml")))
    with monkeypatch.context() as patch:
        patch.setattr(commands, "cmd_verify", lambda a: pytest.fail("not answered from the cache"))
        assert run("verify") == cold
    assert run("verify", "--set", "batch=64") == run("verify", "--set", "batch=64", "--no-cache")


def test_verify_of_a_changed_preset_runs_again(tmp_path, run, cache):
    for folder in ("formulas", "presets", "scenarios"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    path = str(tmp_path / "scenarios" / "llama3-70b-tpu-v5e.yaml")
    before = run("verify", path)
    chip = tmp_path / "presets" / "chips" / "tpu-v5e.yaml"
    chip.write_text(chip.read_text().replace("8.1e11", "9.1e11"))
    after = run("verify", path)
    assert after != before and after == run("verify", path, "--no-cache")


def test_a_folder_others_may_write_is_not_trusted(run, cache):
    expected = run("eval")
    (entry,) = entries(cache)
    (cache / "graphs").chmod(0o777)
    assert cachestore.load(entry.name) is None                   # read: not trusted
    assert run("eval") == expected                               # the normal path answers, and writes ...
    assert stat.S_IMODE((cache / "graphs").stat().st_mode) == 0o700   # ... after making the folder private
    assert cachestore.load(entry.name) is not None


def test_old_entries_are_pruned(cache, monkeypatch, tmp_path):
    monkeypatch.setattr(cachestore, "KEEP", 3)
    source = tmp_path / "used.yaml"
    source.write_text("title: x\n")
    for index in range(5):
        assert cachestore.save(f"eval-{index}.json", {"n": index}, [str(source)])
        os.utime(cache / "graphs" / f"eval-{index}.json", (1000 + index, 1000 + index))
    assert [p.name for p in entries(cache)] == ["eval-2.json", "eval-3.json", "eval-4.json"]
    assert cachestore.load("eval-4.json") == {"n": 4}


@pytest.mark.parametrize("args", [[], ["--all"], ["--json"], ["--set", "batch=16"], ["--set", "chips=4", "--all"]])
def test_unknown_inputs_stay_unknown_on_a_hit(args, run, cache, monkeypatch):
    path = fixture_path("html_unknown_price.yaml")
    run("eval", path)
    cold = run("eval", path, *args, "--no-cache")
    assert "unknown" in cold[1]
    with monkeypatch.context() as patch:
        patch.setattr(commands, "cmd_eval", lambda a: pytest.fail("not answered from the cache"))
        assert run("eval", path, *args) == cold
