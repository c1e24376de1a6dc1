"""Control bytes from YAML text or arguments never reach the terminal: calcgraph shows them escaped."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT
from fuzz_settings import FUZZ
from hypothesis import given
from hypothesis import strategies as st

from calcgraph.cli.terminal import CONTROL, escape_controls

HOSTILE = """title: "bad \\e[31mRED\\e[0m title \\e]0;pwned\\a"
doc: a module whose texts hold terminal escapes
quantities:
  x: {unit: B, doc: "x \\e[2J\\r\\u009b2J", value: "1 B"}
  y: {unit: B, doc: doubled, formula: "x * 2"}
"""


def test_escape_sequences_in_a_title_and_doc_are_shown_escaped(run, tmp_path):
    path = tmp_path / "hostile.yaml"
    path.write_text(HOSTILE)
    status, out, err = run("eval", path, "--all")
    assert status == 0 and "\x1b" not in out + err and "\x07" not in out
    assert "bad \\x1b[31mRED\\x1b[0m title \\x1b]0;pwned\\x07" in out
    status, out, err = run("explain", "x", path)
    assert status == 0 and "x \\x1b[2J\\x0d\\u009b2J" in out and "\r" not in out and "\x9b" not in out


def test_escape_sequences_in_an_argument_are_shown_escaped_in_the_error(run):
    status, out, err = run("eval", "--set", "batch=\x1b[2J")
    assert status == 2 and "\x1b" not in err
    done = subprocess.run([sys.executable, "-m", "calcgraph", "eval", "--bogus\x1b[2J"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # argparse's own message
    assert done.returncode == 2 and "\x1b" not in done.stderr and "--bogus\\x1b[2J" in done.stderr


@FUZZ
@given(st.text())
def test_escaped_text_holds_no_control_character_but_newline_and_tab(text):
    shown = escape_controls(text)
    assert CONTROL.search(shown) is None
    assert shown == text if CONTROL.search(text) is None else len(shown) > len(text)
