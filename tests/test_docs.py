"""Docs that cannot lie: every `calcgraph` command README.md and docs/*.md show, run, its output compared.

One test per documented command, named by the file and line it is written at
(``tests/test_docs.py::test_documented_command[docs/own-model.md:98]``), so
that after a merge the failing ids say which doc line to re-check. The rules
of what is a command, its printed output and its quoted figures are in
tests/doccommands.py; the commands marked long run in benchmarks/docs_commands.py.
"""

from __future__ import annotations

import contextlib
import glob
import io
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from doccommands import ROOT, Step, doc_steps, figure_problems, figures_in, output_problems

STEPS = doc_steps()
RUN = [s for s in STEPS if s.kind == "calcgraph" and not s.long]
_SANDBOXES: dict = {}  # doc file -> (folder, steps done)


def run_step(step: Step, folder: Path) -> tuple[int, str, str]:
    """Run one step in ``folder`` (a sandbox holding links to the repository's folders)."""
    if step.kind == "write":
        target = folder / step.expected[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(step.text, encoding="utf-8")
        return 0, "", ""
    if step.kind == "shell":
        done = subprocess.run(["bash", "-c", step.text], cwd=folder, capture_output=True, text=True, timeout=60)
        return done.returncode, done.stdout, done.stderr
    from calcgraph.cli import main
    args = []
    for word in shlex.split(step.text)[1:]:
        matches = sorted(glob.glob(word, root_dir=folder)) if any(c in word for c in "*?") else []
        args += matches or [word]
    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(folder)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(args)
            except SystemExit as exc:  # --help
                status = exc.code or 0
    finally:
        os.chdir(here)
    return status, out.getvalue(), err.getvalue()


def sandbox(tmp_root: Path, step: Step) -> Path:
    """The sandbox of ``step``'s doc file, with every earlier step of that file already done."""
    folder, done = _SANDBOXES.get(step.file, (None, 0))
    if folder is None:
        folder = tmp_root / step.file.replace("/", "_")
        folder.mkdir()
        for name in ("formulas", "presets", "scenarios", "tests", "benchmarks"):
            (folder / name).symlink_to(ROOT / name)
    # the steps before it set the scene; long ones (benchmarks/docs_commands.py runs them) never do
    mine = [s for s in STEPS if s.file == step.file and s.skip is None and not s.inline and not s.long]
    for earlier in mine[done:]:
        if earlier is step or (earlier.file, earlier.line) >= (step.file, step.line):
            break
        run_step(earlier, folder)
        done += 1
    _SANDBOXES[step.file] = (folder, done)
    return folder


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory):
    return tmp_path_factory.mktemp("docs")


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch, tmp_path_factory):
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("CALCGRAPH_CACHE", str(tmp_path_factory.getbasetemp() / "docs-cache"))


def test_the_docs_show_commands():
    assert len(RUN) >= 40 and any(s.expected for s in RUN) and any(s.figures for s in RUN)
    assert {s.file for s in RUN} >= {"README.md", "docs/own-model.md", "docs/planner.md", "docs/chapter.md"}


@pytest.mark.parametrize("step", RUN, ids=[s.id for s in RUN])
def test_documented_command(step, tmp_root):
    if step.skip:
        pytest.skip(step.skip)
    folder = sandbox(tmp_root, step)
    status, out, err = run_step(step, folder)
    where = f"{step.id}: `{step.text}`"
    if step.expected:
        problems = [output_problems(step.expected, text) for text in (err + out, out + err)]
        assert None in problems, f"{where} prints something else than the docs show\n{problems[0]}"
    else:
        assert status == 0, f"{where} exits {status}:\n{err}"
    missing = figure_problems(step.figures, out + err)
    assert not missing, f"{where}: the docs quote {', '.join(missing)}, which it does not print:\n{out}{err}"


def test_output_comparison_skips_elided_lines_and_flags_a_changed_line():
    printed = "FAIL x: 3 problem(s)\n  - a\n  - b\n  - c\n\n0 ok, 1 with problems\n"
    assert output_problems(["FAIL x: 3 problem(s)", "  - a", "  ...", "  - c", "", "0 ok, 1 with problems"],
                           printed) is None
    assert output_problems(["FAIL x: 2 problem(s)", "  ..."], printed) is not None
    assert output_problems(["  - c", "  ...", "  - a"], printed) is not None  # segments keep their order


def test_a_quoted_figure_must_be_printed_to_the_digits_written():
    assert figures_in("# 43: the largest batch; 211.7e9 total, 2,048 candidates, a 4x8 slice") == [
        "43", "211.7e9", "2,048"]
    assert figure_problems(["43", "211.7e9", "1.9434"], "batch = 43 seq; P = 211.72 G; 1.9434 ms") == []
    assert figure_problems(["44"], "batch = 43 seq") == ["44"]
    assert figure_problems(["15.5"], "t_step = 15.547 ms") == []  # rounded as written
    assert figure_problems(["15.6"], "t_step = 15.547 ms") == ["15.6"]


def test_a_long_mark_moves_a_block_to_the_benchmark(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(
        "<!-- docs-test: long -->\n```\ncalcgraph verify\n```\n\n```\n$ calcgraph eval\nsome output\n```\n",
        encoding="utf-8")
    first, second = doc_steps(tmp_path)
    assert first.long and not second.long and second.expected == ["some output"]


# ---------------------------------------------------------------- figures quoted in prose

def _claim(pattern: str, files=("README.md",)) -> list[tuple[str, re.Match]]:
    found = []
    for name in files:
        if not (ROOT / name).exists():
            continue  # a page removed since: its claims went with it
        text = (ROOT / name).read_text(encoding="utf-8")
        joined = re.sub(r"\s+", " ", text)
        found += [(f"{name}: {m.group(0)!r}", m) for m in re.finditer(pattern, joined)]
    assert found, f"no claim matching {pattern!r} in {files}"
    return found


def test_the_verify_counts_quoted_are_those_verify_prints(run):
    status, out, _ = run("verify")
    printed = re.search(r"(\d+) figures: (\d+) differs \(explained\), (\d+) matches, (\d+) rounded", out)
    assert status == 0 and printed
    total, differ, match, rounded = map(int, printed.groups())
    for where, m in _claim(r"\((\d+) figures in \d+ scenarios\): (\d+) match, (\d+) agree within the printed "
                           r"precision, and (\d+) differ"):
        assert tuple(map(int, m.groups())) == (total, match, rounded, differ), where


def test_the_page_size_quoted_is_the_page_size():
    import calcgraph
    from calcgraph.render.page.html import render_page
    size = len(render_page(calcgraph.load(ROOT / "scenarios" / "llama3-70b-tpu-v5e.yaml").evaluated)
               .encode("utf-8")) / 1024
    for where, m in _claim(r"page is about (\d+) KiB"):
        assert abs(int(m.group(1)) - size) <= 0.03 * size, f"{where}: the page is {size:.0f} KiB"


def test_the_grid_block_size_quoted_is_the_one_used():
    from calcgraph.core.formula.arrays import CHUNK
    for where, m in _claim(r"blocks? of 2\^(\d+) points", ("README.md", "docs/cache.md")):
        assert 2 ** int(m.group(1)) == CHUNK, where
