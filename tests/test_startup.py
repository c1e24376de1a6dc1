"""Start-up stays cheap: help, argument errors and ``import calcgraph`` load no heavy library.

Each case runs in a fresh interpreter and reports which of sympy, pint, networkx
and numpy ended up in ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HEAVY = ("sympy", "pint", "networkx", "numpy")

PROBE = """
import json, sys
from calcgraph.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
print(json.dumps({"status": status, "heavy": [m for m in HEAVY if m in sys.modules]}), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def probe(*args: str) -> dict:
    """Run the CLI with ``args`` in a fresh interpreter; its exit status and the heavy modules it loaded."""
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [["--help"], ["eval", "--help"], ["sweep", "--help"], ["check", "--help"]])
def test_help_loads_no_heavy_library(args):
    result = probe(*args)
    assert result == {"status": 0, "heavy": []}


@pytest.mark.parametrize("args", [["eval", "--bogus"], ["solve"], ["nosuchcommand"], []])
def test_an_argument_error_loads_no_heavy_library(args):
    result = probe(*args)
    assert result == {"status": 2, "heavy": []}


def test_import_calcgraph_is_lazy_and_still_exposes_the_api():
    code = (f"import sys, calcgraph; before = [m for m in {HEAVY!r} if m in sys.modules]; "
            "load = calcgraph.load; print(before, 'sympy' in sys.modules, sorted(calcgraph.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ("[] False ['BestResult', 'CalcgraphError', 'Evaluated', 'Model', 'NodeState', "
                           "'SolveResult', 'errors', 'load']")


def test_an_unknown_attribute_is_an_attribute_error():
    import calcgraph
    with pytest.raises(AttributeError, match="no attribute 'nosuch'"):
        calcgraph.nosuch  # noqa: B018 - the lookup is the test


def test_subpackages_export_what_they_offer_lazily():
    code = ("import sys, calcgraph.core as c, calcgraph.engine as e, calcgraph.render as r; "
            f"print([m for m in {HEAVY!r} if m in sys.modules]); "
            "print(all(callable(getattr(p, n)) or n == 'ureg' for p in (c, e, r) for n in p.__all__))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "True"]
    import calcgraph.core
    import calcgraph.engine
    assert calcgraph.core.load_spec is __import__("calcgraph.core.spec.load", fromlist=["load_spec"]).load_spec
    assert {"load_spec", "build_graph", "parse_formula", "parse_unit"} <= set(calcgraph.core.__all__)
    assert {"evaluate_scenario", "solve_for", "find_best", "Evaluator"} <= set(calcgraph.engine.__all__)
