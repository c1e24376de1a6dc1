"""``solve`` and ``best`` replayed from the cache: the same command again, the same bytes, without sympy.

A solve or best prints a symbolic derivation, so only a command that ran before
can be answered without sympy: after a normal run that ended with exit status 0
or 1, the same arguments in the same working directory, on unchanged files,
print the stored stdout and stderr and return the stored status. Anything else
(another argument, another folder, a changed file, a tampered entry,
``--no-cache``) runs the normal way; an error (exit 2) or a broken pipe is
never stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from test_cache import damage

from calcgraph.cli import commands, main, replay
from calcgraph.core import cachestore

PLANNER = ["best", "scenarios/plan-llama3-70b-h100.yaml", "--minimize", "total_chips", "--where", "ttft <= 2 s",
           "--where", "tpot <= 50 ms", "--set", "request_rate=20 sequence/s", "--vary", "tp_degree=1,2,4,8",
           "--vary", "batch=1:512"]
SOLVE = ["solve", "--for", "batch", "--where", "t_step <= 15 ms"]
COMMANDS = {
    "planner": PLANNER,
    "solve": SOLVE,
    "solve --integer --json": ["solve", "--for", "batch", "--where", "t_step <= 15 ms", "--where",
                               "total_memory <= hbm_capacity", "--integer", "--json"],
    "solve chips": ["solve", "--for", "chips", "--where", "total_memory <= hbm_capacity", "--integer"],
    "best over variants": ["best", "scenarios/dtype-table.yaml", "--maximize", "throughput_per_chip",
                           "--where", "t_step <= 30 ms", "--vary", "batch=1,8,32,64", "--feasible"],
    "best none feasible": ["best", "--maximize", "batch", "--where", "t_step <= 1 us", "--vary", "batch=1:8"],
    "solve no answer": ["solve", "--for", "batch", "--where", "t_step <= 1 us", "--integer"],
}


@pytest.fixture
def normal_runs(monkeypatch) -> list:
    """Count the runs of the normal solve and best (a replay runs neither)."""
    calls = []
    for name in ("cmd_solve", "cmd_best"):
        real = getattr(commands, name)
        monkeypatch.setattr(commands, name, lambda args, real=real: calls.append(args.command) or real(args))
    return calls


def entries(folder: Path) -> list[Path]:
    return sorted((folder / "graphs").glob("replay-*.json"))


@pytest.mark.parametrize("name", COMMANDS)
def test_a_replay_prints_the_same_bytes_and_status_as_the_normal_path(name, run, cache, normal_runs):
    args = COMMANDS[name]
    cold = run(*args, "--no-cache")
    assert cold[0] in (0, 1) and not entries(cache)
    assert run(*args) == cold and len(normal_runs) == 2     # the normal path, writing the entry
    assert len(entries(cache)) == 1
    assert run(*args) == cold and len(normal_runs) == 2     # replayed: the normal path did not run
    assert run("--debug", *args) == cold or cold[0] == 1    # --debug is not part of the key


def test_the_planner_and_no_answer_replay_their_figures(run, cache):
    status, out, _ = run(*PLANNER)
    assert status == 0 and "32" in out and run(*PLANNER) == (status, out, "")
    status, out, err = run(*COMMANDS["best none feasible"])
    assert status == 1 and out == "" and "no candidate satisfies" in err
    assert run(*COMMANDS["best none feasible"]) == (status, out, err)


HEAVY = ("sympy", "pint", "networkx")
PROBE = """
import json, sys
from calcgraph.cli import main
status = main(sys.argv[1:])
print(json.dumps({"status": status, "heavy": [m for m in HEAVY if m in sys.modules]}), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def probe(cache: Path, *args: str) -> tuple[str, str, dict]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "CALCGRAPH_CACHE": str(cache)}, timeout=300)
    *err, last = done.stderr.splitlines(keepends=True)
    return done.stdout, "".join(err), json.loads(last)


@pytest.mark.parametrize("name", ["planner", "solve", "best none feasible"])
def test_a_replay_imports_neither_sympy_pint_nor_networkx(name, cache):
    cold_out, cold_err, cold = probe(cache, *COMMANDS[name])
    hit_out, hit_err, hit = probe(cache, *COMMANDS[name])
    assert "pint" in cold["heavy"] and hit == {"status": cold["status"], "heavy": []}
    assert (hit_out, hit_err) == (cold_out, cold_err)


def planning_copy(folder: Path) -> Path:
    """The H100 planning scenario copied to ``folder`` (its modules named by absolute path)."""
    text = (ROOT / "scenarios" / "plan-llama3-70b-h100.yaml").read_text()
    path = folder / "plan.yaml"
    path.write_text(text.replace("../", f"{ROOT.as_posix()}/"))
    return path


def test_a_changed_file_runs_the_normal_way(tmp_path, run, cache, normal_runs):
    path = planning_copy(tmp_path)
    args = ["solve", str(path), "--for", "batch", "--where", "tpot <= 50 ms", "--integer"]
    before = run(*args)
    assert run(*args) == before and len(normal_runs) == 1
    path.write_text(path.read_text().replace("prefill_len: 2048", "prefill_len: 4096"))
    after = run(*args)
    assert len(normal_runs) == 2 and after != before and after == run(*args, "--no-cache")
    assert run(*args) == after and len(normal_runs) == 3    # the new entry answers the next time


def test_another_argument_runs_the_normal_way(run, cache, normal_runs):
    run(*SOLVE)
    other = run("solve", "--for", "batch", "--where", "t_step <= 16 ms")
    assert len(normal_runs) == 2 and other == run("solve", "--for", "batch", "--where", "t_step <= 16 ms",
                                                  "--no-cache")
    run("solve", "--where", "t_step <= 15 ms", "--for", "batch")  # the same flags in another order: another key
    assert len(normal_runs) == 4


def test_another_working_directory_runs_the_normal_way(tmp_path, run, cache, normal_runs, monkeypatch):
    args = ["solve", str(ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml"), "--for", "batch", "--where",
            "t_step <= 15 ms"]
    expected = run(*args)
    monkeypatch.chdir(tmp_path)
    status = main(args)
    assert status == expected[0] and len(normal_runs) == 2 and len(entries(cache)) == 2


@pytest.mark.parametrize("how", ["flip", "truncate", "key"])
def test_a_tampered_entry_runs_the_normal_way_and_is_rewritten(how, run, cache, normal_runs):
    expected = run(*SOLVE)
    (entry,) = entries(cache)
    damage(entry, cache, how)
    assert run(*SOLVE) == expected and len(normal_runs) == 2
    assert cachestore.load(entry.name) is not None
    assert run(*SOLVE) == expected and len(normal_runs) == 2


def test_no_cache_neither_reads_nor_writes(run, cache, normal_runs):
    run(*SOLVE, "--no-cache")
    assert not entries(cache)
    expected = run(*SOLVE)
    (entry,) = entries(cache)
    stamp = entry.stat().st_mtime_ns
    assert run(*SOLVE, "--no-cache") == expected and len(normal_runs) == 3
    assert entry.stat().st_mtime_ns == stamp


@pytest.mark.parametrize("args", [["solve", "--for", "no_such", "--where", "t_step <= 15 ms"],
                                  ["solve", "--for", "batch", "--where", "t_step <= 15"],
                                  ["best", "--maximize", "batch", "--vary", "batch=1:8", "--set", "batch=-1"],
                                  ["solve", "scenarios/no-such.yaml", "--for", "batch", "--where", "t_step <= 1 s"]])
def test_an_error_is_never_stored(args, run, cache):
    status, _, err = run(*args)
    assert status == 2 and "error:" in err
    assert not entries(cache)


def test_a_debug_run_of_no_answer_keeps_its_traceback(run, cache):
    args = COMMANDS["solve no answer"]
    plain = run(*args)
    status, _, err = run("--debug", *args)
    assert status == 1 and "Traceback" in err                # not the stored message alone ...
    assert run(*args) == plain                               # ... and never stored in its place


class _ClosedPipe:
    """A stdout whose reader went away."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:
        raise ValueError("no file")


def test_a_stdout_not_fully_written_is_not_stored(cache, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    assert main(SOLVE) == 0
    assert not entries(cache)


def test_the_entry_holds_only_text_and_a_status(run, cache):
    run(*SOLVE)
    (entry,) = entries(cache)
    payload = cachestore.load(entry.name)
    assert payload["status"] == 0 and {i for i, _ in payload["events"]} <= {1, 2}
    assert replay._valid(payload, debug=False)
    assert not replay._valid({**payload, "status": 2}, debug=False)
    assert not replay._valid({**payload, "events": [[3, "x"]]}, debug=False)
    assert json.loads(json.dumps(payload)) == payload
