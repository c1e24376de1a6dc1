"""Every bad input is one clear refusal (exit 2, no traceback) in bounded time and memory."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

import calcgraph
from calcgraph.errors import CalcgraphError

ROOT = Path(__file__).resolve().parent.parent


def refused(run, *args, words: str = "") -> str:
    """Run the CLI in-process; it must exit 2 with one message (no traceback).

    How long a refusal takes is measured by ``benchmarks/bounded_time.py``, not asserted here.
    """
    status, _out, err = run(*args)
    assert status == 2, err
    assert "Traceback" not in err
    assert words in err, err
    return err


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- reading files: bounded by bytes read, regular files only, clear path errors -------------

@pytest.mark.parametrize("text, words", [
    ("hello\n", "top level is a str"),
    ("- a\n- b\n", "top level is a list"),
    ("42\n", "top level is a int"),
    ("~\n", "top level is nothing"),
])
def test_top_level_that_is_not_a_mapping_is_refused_in_eval_and_check(run, tmp_path, text, words):
    path = write(tmp_path, "top.yaml", text)
    refused(run, "eval", path, words=words)
    status, out, _err = run("check", path)
    assert status == 2 and words in out


def test_use_of_etc_passwd_is_refused_without_echoing_its_lines(run, tmp_path):
    secret = write(tmp_path, "shadow",
                   "root: $6$saltsalt$verysecrethash0123456789abcdefghijklmnopqrstuv:19000:0:99999\n"
                   "daemon:*:19000:0:99999:7:::\n")
    scenario = write(tmp_path, "s.yaml", f"use: [{secret}]\n")
    err = refused(run, "eval", scenario)
    assert "verysecrethash0123456789abcdefghijklmnopqrstuv" not in err
    assert "daemon:*" not in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_device_files_are_refused_before_reading(run, tmp_path, device):
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    scenario = write(tmp_path, "s.yaml", f"use: [{device}]\n")
    refused(run, "eval", scenario, words="not a regular file")
    refused(run, "eval", device, words="not a regular file")


def test_a_fifo_is_refused_instead_of_waiting_forever(run, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    refused(run, "eval", str(fifo), words="not a regular file")


def test_proc_self_mem_is_refused(run):
    if not os.path.exists("/proc/self/mem"):
        pytest.skip("no /proc")
    refused(run, "eval", "/proc/self/mem")


def test_the_byte_limit_counts_bytes_read_not_st_size(tmp_path):
    from calcgraph.core.spec.yamlload import MAX_BYTES
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(CalcgraphError, match="larger than"):
        calcgraph.load(str(big))


@pytest.mark.parametrize("make, words", [
    (lambda d: (os.symlink(d / "b.yaml", d / "a.yaml"), os.symlink(d / "a.yaml", d / "b.yaml"), d / "a.yaml")[-1],
     "symbolic links"),
    (lambda d: d / ("n" * 300 + ".yaml"), "name too long"),
    (lambda d: ((d / "file").write_text("x: 1\n"), d / "file" / "x.yaml")[-1], "is a file, not a folder"),
])
def test_bad_paths_in_use_and_as_scenario_are_one_message(run, tmp_path, make, words):
    target = make(tmp_path)
    refused(run, "eval", str(target), words=words)
    scenario = write(tmp_path, "s.yaml", f"use: [\"{target}\"]\n")
    refused(run, "eval", scenario, words=words)


def test_a_nul_byte_in_a_path_is_refused(run, tmp_path):
    refused(run, "eval", "scenarios/x\0.yaml")
    scenario = write(tmp_path, "s.yaml", 'use: ["a\\0b.yaml"]\n')
    refused(run, "eval", scenario, words="NUL")


def test_yaml_nested_330_deep_is_a_clear_error(run, tmp_path):
    path = write(tmp_path, "deep.yaml", "a: " + "[" * 330 + "]" * 330 + "\n")
    refused(run, "eval", path, words="nested too deeply")


# --- wrong YAML types: one message each ---------------------------------------------------------

QUANTITY = "quantities:\n  x: {unit: B, doc: d, value: \"1 B\"}\n  y: {unit: B, doc: d, formula: 2 * x}\n"


@pytest.mark.parametrize("body, words", [
    ("quantities:\n  x: {unit: B, doc: d, value: [1, 2]}\n", "value must be a number"),
    ("quantities:\n  x: {unit: B, doc: d, value: {a: 1}}\n", "value must be a number"),
    ("quantities:\n  x: {unit: B, doc: d, value: " + "9" * 400 + "}\n", "more than 300 digits"),
    ("quantities:\n  x: {unit: B, doc: d, symbol: 5, value: 1}\n", "symbol must be text"),
    ("quantities:\n  x: {unit: B/0, doc: d, value: 1}\n", "divides by zero"),
    (QUANTITY + "set:\n  x: {value: null}\n", "value must be a number"),
    (QUANTITY + "set:\n  y: {formula: null}\n", "formula must be text"),
    (QUANTITY + "set:\n  y: {formula: [a]}\n", "formula must be text"),
    (QUANTITY + "expect:\n  y: {printed: [1]}\n", "printed must be"),
    (QUANTITY + "expect:\n  y: {printed: null}\n", "printed must be"),
    (QUANTITY + "expect:\n  y: {printed: 2, exact: [1]}\n", "exact must be"),
])
def test_wrong_yaml_types_are_one_message(run, tmp_path, body, words):
    refused(run, "eval", write(tmp_path, "t.yaml", body), words=words)


SOLVE = ("quantities:\n  b: {unit: sequence, doc: d, value: 1}\n  m: {unit: B, doc: d, formula: 2 * b * k}\n"
         "  k: {unit: B/sequence, doc: d, value: \"1 B/sequence\"}\n  cap: {unit: B, doc: d, value: \"100 B\"}\n"
         "  best: {unit: sequence, doc: d, solve: {for: b, where: WHERE, bounds: BOUNDS}}\n")


def solve_file(where: str, bounds: str) -> str:
    return SOLVE.replace("WHERE", where).replace("BOUNDS", bounds)


@pytest.mark.parametrize("where, bounds, words", [
    ('["m <= cap"]', "[[1], 20]", "bounds: must be"),
    ('["m <= cap"]', "[null, 20]", "bounds: must be"),
    ('["m <= cap"]', "[1, " + "9" * 400 + "]", "300 digits"),
    ("5", "[1, 20]", "needs `where:`"),
])
def test_wrong_types_in_solve_are_one_message(run, tmp_path, where, bounds, words):
    refused(run, "eval", write(tmp_path, "s.yaml", solve_file(where, bounds)), words=words)


def test_a_quantity_named_like_a_constraint_placeholder_is_not_taken_for_a_constant(tmp_path):
    text = solve_file('["m <= unitconst0", "m <= 50 B"]', "[1, 1000]") \
        + "  unitconst0: {unit: B, doc: d, value: \"10 B\"}\n"
    model = calcgraph.load(write(tmp_path, "s.yaml", text))
    assert model.value("best") == 5  # 2 * b B <= 10 B, not the 50 B of the other constraint


# --- formulas: constants bounded before sympy sees them ---------------------------------------

@pytest.mark.parametrize("formula, words", [
    ("ceil(exp(exp(20)))", "too large"),
    ("floor(exp(exp(exp(10))))", "too large"),
    ("ceil(exp(exp(10)))", "too large"),
    ("max(ceil_to(5, 1, 2), x)", "not a finite real number"),
    ("min(log(0), x)", "not a finite real number"),
    ("max(sqrt(-1), x)", "not a finite real number"),
    ("x ** ceil_to(5, 1, 2)", "not a finite real number"),
    ("1if x else 2", "if/else"),
    ("ｘ + 1", "U+FF58"),
    ("𝐞𝐱𝐩(x)", "U+1D41E"),
])
def test_bad_constant_parts_are_refused_quickly(run, tmp_path, formula, words):
    path = write(tmp_path, "f.yaml", f"quantities:\n  x: {{unit: '1', doc: d, value: 2}}\n"
                                     f"  y: {{unit: '1', doc: d, formula: \"{formula}\"}}\n")
    err = refused(run, "eval", path, words=words)
    assert "SyntaxWarning" not in err


def test_a_power_with_a_tiny_exponent_evaluates_in_bounded_time(tmp_path):
    path = write(tmp_path, "f.yaml", "quantities:\n  y: {unit: '1', doc: d, formula: 'ceil(93e93 ** 93e-208)'}\n")
    assert calcgraph.load(path).value("y") == 1  # its time: benchmarks/bounded_time.py


def test_1if_prints_no_syntax_warning():
    result = subprocess.run([sys.executable, "-W", "default", "-m", "calcgraph", "eval", "--set", "batch=1",
                             "--only", "batch"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    import warnings

    from calcgraph.core.formula.parse import parse_formula
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(CalcgraphError, match="if/else"):
            parse_formula("1if x else 2")


# --- value text: linear parsing ---------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ("eval", "--set", "batch=1" + " " * 100_000 + "x"),
    ("sweep", "--vary", "batch=1" + " " * 100_000 + "x,2"),
    ("eval", "--set", "batch=32 sequence/0"),
])
def test_value_text_is_refused_in_linear_time(run, args):
    refused(run, *args)


def test_yaml_value_with_many_spaces_is_refused_quickly(run, tmp_path):
    path = write(tmp_path, "v.yaml", "quantities:\n  x: {unit: B, doc: d, value: \"1" + " " * 100_000 + "x\"}\n")
    refused(run, "eval", path)


def test_check_with_20k_unknown_names_finishes_in_seconds(run, tmp_path):
    lines = ["quantities:", " x: {unit: '1', doc: d, value: 1}"]
    lines += [f" q{i}: {{unit: '1', doc: d, formula: x+u{i}}}" for i in range(20_000)]
    path = write(tmp_path, "many.yaml", "\n".join(lines) + "\n")
    status, out, _err = run("check", path)
    assert status == 2 and "u19999" in out  # its time (was over 120 s): benchmarks/bounded_time.py


# --- integer rounding: exact at 1e9 and 1e-10, in the argument's declared unit -----------------

ROUNDING = """quantities:
  t: {unit: ms, doc: a step time, value: "17.4 ms"}
  t_up: {unit: ms, doc: whole milliseconds, formula: ceil(t)}
  need: {unit: GB, doc: bytes needed, value: "20 GB"}
  slice: {unit: GB, doc: the slice that holds them, formula: "ceil_to(need, 16, 32, 64)"}
  big: {unit: "1", doc: d, value: 1000000000.4}
  big_up: {unit: "1", doc: d, formula: ceil(big)}
  big2: {unit: "1", doc: d, value: 1000000000.6}
  big_down: {unit: "1", doc: d, formula: floor(big2)}
  tiny: {unit: "1", doc: d, value: 1e-10}
  tiny_up: {unit: "1", doc: d, formula: ceil(tiny)}
  one_byte: {unit: B, doc: d, value: "1 B"}
  per_chip: {unit: GB/chip, doc: d, value: "16 GB/chip"}
  chips_for_a_byte: {unit: chip, doc: d, formula: ceil(one_byte / per_chip)}
  literal_up: {unit: "1", doc: d, formula: ceil(1000000000.4)}
  literal_down: {unit: "1", doc: d, formula: floor(1000000000.6)}
  literal_tiny: {unit: "1", doc: d, formula: ceil(1e-10)}
"""


@pytest.fixture
def rounding(tmp_path):
    return calcgraph.load(write(tmp_path, "rounding.yaml", ROUNDING))


def test_ceil_of_17_4_ms_is_18_ms(rounding):
    assert rounding.value("t_up") == 18  # declared unit ms, not 1000 ms


def test_ceil_to_of_20_gb_among_16_32_64_is_32_gb(rounding):
    assert rounding.value("slice") == 32  # GB


@pytest.mark.parametrize("name, exact", [("big_up", 1000000001), ("big_down", 1000000000), ("tiny_up", 1),
                                         ("chips_for_a_byte", 1), ("literal_up", 1000000001),
                                         ("literal_down", 1000000000), ("literal_tiny", 1)])
def test_rounding_is_exact_at_1e9_and_1e_10(rounding, name, exact):
    assert rounding.value(name) == exact


def test_50_bytes_over_seven_chips_needs_8_chips(run):
    status, out, err = run("eval", "--set", "total_memory=112000000050 B", "--only", "min_chips", "--json")
    assert status == 0, err
    assert '"value": 8.0' in out


def test_the_chapter_roundings_stay_63(run):
    status, out, _err = run("eval", str(ROOT / "tests" / "fixtures" / "ceil_exact.yaml"), "--json")
    assert status == 0
    assert '"value": 63.0' in out.split('"up"')[1].split("}")[0]
    assert '"value": 63.0' in out.split('"down"')[1].split("}")[0]


# --- outputs: regular files only, mode kept, no temporaries left behind ------------------------

def test_report_to_a_character_device_is_refused_and_the_device_stays(run, tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod needs root")
    refused(run, "report", "-o", str(device), words="not a regular file")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_symlink_to_a_file_descriptor_is_refused(run, tmp_path):
    link = tmp_path / "out.md"
    os.symlink("/dev/null", link)
    refused(run, "report", "-o", str(link), words="not a regular file")
    assert os.path.islink(link)


def test_a_fifo_output_is_refused(run, tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    refused(run, "sweep", "--vary", "batch=1:4", "--csv", str(fifo), words="not a regular file")


def test_replacing_a_0600_file_keeps_0600(run, tmp_path):
    target = tmp_path / "report.md"
    target.write_text("old\n")
    target.chmod(0o600)
    status, _out, err = run("report", "-o", str(target))
    assert status == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text() != "old\n"


def test_writing_through_a_symlink_replaces_its_target_and_keeps_the_link(run, tmp_path):
    real = tmp_path / "real.md"
    real.write_text("old\n")
    link = tmp_path / "link.md"
    os.symlink(real, link)
    status, _out, err = run("report", "-o", str(link))
    assert status == 0, err
    assert os.path.islink(link) and real.read_text() != "old\n"


def test_sigterm_during_a_csv_sweep_leaves_no_temporary_file_and_the_next_run_cleans_stale_ones(tmp_path):
    stale = tmp_path / ".out.csv.999999999.abcd.tmp"  # left by a killed run whose process is gone
    stale.write_text("x")
    csv = tmp_path / "out.csv"
    process = subprocess.Popen([sys.executable, "-m", "calcgraph", "sweep", "--vary", "batch=1:3000000",
                                "--csv", str(csv)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(f".out.csv.{process.pid}.*.tmp")):
        if process.poll() is not None:
            break
        time.sleep(0.05)
    assert process.poll() is None, process.communicate()
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode != 0
    assert not list(tmp_path.glob(".out.csv.*.tmp"))
    assert not csv.exists()


# --- extremes through the command line: wide solve brackets, huge numbers, many names ----------

def _cli(*args, timeout: float = 20, **kwargs):
    return subprocess.run([sys.executable, "-m", "calcgraph", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


@pytest.mark.parametrize("bounds", ["[1e-200, 1e200]", "[1e-300, 1e300]", "[0, 1e300]", "[-1e300, 1e300]"])
def test_a_continuous_solve_over_a_wide_bracket_is_right(tmp_path, bounds):
    text = solve_file('["m <= cap"]', bounds).replace("unit: sequence, doc: d, value: 1", "unit: '1', doc: d, value: 1")
    text = text.replace("B/sequence", "B").replace("unit: sequence, doc: d, solve", "unit: '1', doc: d, solve")
    text = text.replace('value: \"100 B\"}', 'value: \"86.4268 B\"}')
    model = calcgraph.load(write(tmp_path, "wide.yaml", text))
    assert model.value("best") == pytest.approx(43.2134, rel=1e-9)


def test_an_integer_solve_never_breaks_its_constraint(run):
    status, out, err = run("solve", "--for", "batch", "--where", "batch <= 499999999999.7 sequence", "--integer")
    assert status == 0, err
    assert "slack at the answer" in out and "= -" not in out  # a negative slack breaks the constraint


def _chain(tmp_path: Path, count: int, formula: str) -> str:
    lines = ["quantities:", "  q0: {unit: '1', doc: d, value: 2}"]
    lines += [f"  q{i}: {{unit: '1', doc: d, formula: '{formula.format(p=f'q{i - 1}')}'}}" for i in range(1, count)]
    return write(tmp_path, "chain.yaml", "\n".join(lines) + "\n")


def test_report_of_41_rational_quantities_finishes_in_bounded_time(tmp_path):
    path = _chain(tmp_path, 41, "{p}*{p}/({p}+1) + {p}/2")
    try:
        result = _cli("report", path, "-o", str(tmp_path / "r.md"), timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("report ran past 20 s")
    assert result.returncode == 0


def test_a_600_deep_chain_is_reported_without_recursion_error(tmp_path):
    path = _chain(tmp_path, 600, "{p} + 1")
    result = _cli("eval", "--symbolic", path, timeout=60)
    assert "RecursionError" not in result.stderr and result.returncode in (0, 2)
    result = _cli("report", path, "-o", str(tmp_path / "r.md"), timeout=60)
    assert "RecursionError" not in result.stderr and result.returncode in (0, 2)


def test_eval_to_dev_full_is_one_message_and_exit_2():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        result = subprocess.run([sys.executable, "-m", "calcgraph", "eval"], cwd=ROOT, stdout=full,
                                stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_doc_text_cannot_start_a_heading_or_inject_html_in_the_report(tmp_path):
    path = write(tmp_path, "doc.yaml", "quantities:\n  x: {unit: '1', doc: \"a\\n# injected\\n<script>x</script>\","
                 " value: 1}\nreport: [x]\n")
    out = tmp_path / "r.md"
    result = _cli("report", path, "-o", str(out), timeout=60)
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert "\n# injected" not in text and "<script>" not in text


def test_best_over_five_million_candidates_stays_under_2_gb():
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    result = subprocess.run([sys.executable, "-m", "calcgraph", "best", "--maximize", "throughput_per_chip",
                             "--where", "total_memory <= hbm_capacity", "--vary", "chips=8,16", "--vary",
                             "batch=1:5000000"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                            preexec_fn=limit)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "Candidates: 10,000,000, of which 181 satisfy the constraints" in result.stdout


def test_check_of_20000_unknown_names_names_each_and_stops_suggesting(run, tmp_path, monkeypatch):
    lines = ["title: typos", "doc: many unknown names", "quantities:"]
    lines += [f"  quantity_{i}: {{unit: '1', doc: d, formula: 'zq_{i} + zr_{i} + zs_{i} + zt_{i}'}}"
              for i in range(5000)]
    path = tmp_path / "typos.yaml"
    path.write_text("\n".join(lines) + "\n")
    from calcgraph.core import names
    calls = []
    original = names.difflib.get_close_matches

    def counted(*args, **kwargs):
        calls.append(len(args[1]))
        return original(*args, **kwargs)
    monkeypatch.setattr(names.difflib, "get_close_matches", counted)
    status, out, _ = run("check", path)
    assert status == 2 and "20000 problem(s)" in out and "unknown name 'zt_4999'" in out
    assert sum(calls) <= names.MAX_SUGGEST_WORK  # was 20,000 comparisons against 5,000 names each: 4 minutes
