"""calcgraph writes no file the user did not name: no cache, no state under HOME or the cache folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

COMMANDS = [
    ["eval"],
    ["eval", "--json", "--no-cache"],  # the old flag is accepted and does nothing
    ["verify", "scenarios/llama3-70b-tpu-v5e.yaml"],
    ["sweep", "--vary", "batch=1:64", "--only", "t_step"],
    ["solve", "--for", "batch", "--where", "total_memory <= hbm_capacity", "--integer"],
    ["best", "--maximize", "throughput_per_chip", "--vary", "batch=8,16,32"],
    ["check", "scenarios/llama3-70b-tpu-v5e.yaml"],
]


def files_under(folder: Path) -> list[str]:
    """Every file and folder below ``folder``."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_command_writes_nothing_under_home_or_the_cache_folders(tmp_path, args):
    home, xdg, cache = (tmp_path / name for name in ("home", "xdg-cache", "calcgraph-cache"))
    for folder in (home, xdg, cache):
        folder.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(xdg), "CALCGRAPH_CACHE": str(cache),
           "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": str(tmp_path / "mpl")}
    done = subprocess.run([sys.executable, "-m", "calcgraph", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    assert done.stdout.strip()
    assert (files_under(home), files_under(xdg), files_under(cache)) == ([], [], [])


def test_the_same_command_twice_computes_again_and_prints_the_same(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"}
    runs = [subprocess.run([sys.executable, "-m", "calcgraph", "eval", "--json"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300) for _ in range(2)]
    assert runs[0].returncode == runs[1].returncode == 0
    assert runs[0].stdout == runs[1].stdout and '"throughput_per_chip"' in runs[0].stdout
    assert files_under(tmp_path) == []
