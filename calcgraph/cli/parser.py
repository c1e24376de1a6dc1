"""The argparse parser of every command (no engine import: ``--help`` stays cheap)."""

from __future__ import annotations

import argparse
import os
import sys

EXAMPLES = """examples:
  calcgraph eval                                   # the default scenario (LLaMA 3-70B, TPU v5e 4x2)
  calcgraph eval --set batch=64 --only t_step --only throughput
  calcgraph eval scenarios/dtype-table.yaml --variant int4 --json
  calcgraph report -o report.md
  calcgraph explain t_step
  calcgraph solve --for batch --where "total_memory <= hbm_capacity" --integer
  calcgraph solve --for batch --where "t_step <= 15 ms" --integer
  calcgraph sweep --vary batch=1:256 --plot throughput_per_chip:t_step -o tp.png
  calcgraph table scenarios/dtype-table.yaml
  calcgraph table scenarios/compare-chips.yaml --format md
  calcgraph import-model config.json -o presets/models/my-model.yaml
  calcgraph new chip "AMD MI300X" -o presets/chips/mi300x.yaml
  calcgraph verify
  calcgraph check formulas/*.yaml scenarios/*.yaml
  calcgraph graph --format mermaid
  calcgraph validate --format md --plot validation.png
  calcgraph calibrate -o presets/assumptions/calibrated.yaml
"""


class _Parser(argparse.ArgumentParser):
    """Help formatted to the terminal's width found without shutil (with bz2 and lzma, a third of ``--help``)."""

    def _get_formatter(self):
        try:  # the columns as shutil.get_terminal_size finds them
            width = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            try:
                width = os.get_terminal_size(sys.__stdout__.fileno()).columns
            except (AttributeError, ValueError, OSError):
                width = 80
        return self.formatter_class(prog=self.prog, width=width - 2)


def _scenario_args(parser: argparse.ArgumentParser, variant: bool = True, only: bool = True) -> None:
    parser.add_argument("scenario", nargs="?", help="scenario YAML (default: scenarios/llama3-70b-tpu-v5e.yaml)")
    if variant:
        parser.add_argument("--variant", help="one of the scenario's variants")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE[ UNIT]",
                        help="override an input (or pin a result); repeatable")
    if only:
        parser.add_argument("--only", action="append", metavar="NAME", help="show only these quantities; repeatable")
    parser.add_argument("--strict", action="store_true",
                        help="exit 3 when a feasibility check fails (default: a warning on stderr, exit 0)")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every command."""
    parser = _Parser(prog="calcgraph", description="Size LLM serving with a checked calculation graph.",
                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def command(name: str, help: str, cache: bool = False, scenario: bool = False, **kinds) -> argparse.ArgumentParser:
        """A subcommand; ``scenario``: it takes the scenario arguments (``kinds``: which of them)."""
        p = sub.add_parser(name, help=help)
        if cache:  # --no-cache: accepted and ignored, for scripts written when calcgraph kept a cache
            p.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)
        if scenario:
            _scenario_args(p, **kinds)
        return p

    p = command("eval", help="evaluate a scenario and print its reported values", cache=True, scenario=True)
    p.add_argument("--all", action="store_true", help="every quantity, not only the scenario's report: list")
    p.add_argument("--json", action="store_true", help="print JSON: values with units")
    p.add_argument("--symbolic", action="store_true",
                   help="print each quantity as a closed form in the inputs instead of its value")

    p = command("report", help="write a Markdown derivation report", scenario=True)
    p.add_argument("-o", "--output", metavar="FILE.md", help="write to a file")
    p.add_argument("--brief", action="store_true",
                   help="summary, assumptions, checks and the headline derivations only")
    p.add_argument("--full", action="store_true", help="the whole elasticity matrix, not each figure's top drivers")

    p = command("html", help="write one self-contained interactive page (no network needed)", scenario=True, only=False)
    p.add_argument("-o", "--output", metavar="FILE.html", help="write to a file")

    p = command("explain", help="the derivation chain of one quantity")
    p.add_argument("name")
    _scenario_args(p, only=False)

    p = command("solve", help="the extreme value of an input at which constraints hold",
                cache=True, scenario=True, only=False)
    p.add_argument("--for", dest="for_name", required=True, metavar="NAME")
    p.add_argument("--where", action="append", required=True, metavar='"LHS <= RHS"')
    p.add_argument("--integer", action="store_true", help="the answer is a whole number")
    p.add_argument("--json", action="store_true")

    p = command("best", help="the best configuration over candidates, under constraints",
                cache=True, scenario=True, only=False)
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--maximize", metavar="NAME")
    goal.add_argument("--minimize", metavar="NAME")
    p.add_argument("--where", action="append", default=[], metavar='"LHS <= RHS"')
    p.add_argument("--vary", action="append", default=[], metavar="NAME=VALUES")
    p.add_argument("--feasible", action="store_true", help="skip candidates where a declared feasibility check fails")

    p = command("sweep", help="evaluate over a grid of inputs; CSV and plots", cache=True, scenario=True)
    p.add_argument("--vary", action="append", required=True, metavar="NAME=START:STOP[:STEP]|V1,V2")
    p.add_argument("--csv", metavar="FILE")
    p.add_argument("--out", metavar="FILE.parquet", help="the grid as Parquet (needs pyarrow)")
    p.add_argument("--plot", metavar="Y[,Y2|+Y2...]:X[:MARKER,...]",
                   help="draw Y against X (needs -o); ',' overlays, '+' stacks, log(Y)/log(X) for log axes, "
                        "markers at quantities in X's unit; lines stop where memory runs out")
    p.add_argument("--color", metavar="NAME")
    p.add_argument("-o", "--output", metavar="FILE.png")

    p = command("table", help="the scenario and one column per variant, side by side", scenario=True, variant=False)
    p.add_argument("--format", choices=["text", "md", "csv", "json"], default="text",
                   help="text (aligned, the default), md (Markdown), csv or json")

    p = command("import-model", help="a model preset from a local Hugging Face config.json")
    p.add_argument("config", metavar="CONFIG.json")
    p.add_argument("-o", "--output", metavar="FILE.yaml", help="write to a file")
    p.add_argument("--title", help="the preset's title (default: the config's name)")

    p = command("new", help="a commented template of a scenario, model or chip, every field listed")
    p.add_argument("kind", choices=["scenario", "model", "chip"])
    p.add_argument("name", help="the title of the new file")
    p.add_argument("-o", "--output", metavar="FILE.yaml", help="write to a file (not an existing one)")
    p.add_argument("--force", action="store_true", help="with -o: replace the file if it exists")

    p = command("verify", help="compare each expected figure with the computed one", cache=True)
    p.add_argument("scenarios", nargs="*", help="scenario files (default: every scenario)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")

    p = command("check", help="load and validate files, without evaluating", cache=True)
    p.add_argument("files", nargs="+", metavar="FILE")

    p = command("validate", help="predictions held against published measurements (validation/*.yaml)")
    p.add_argument("files", nargs="*", metavar="FILE", help="validation files (default: validation/*.yaml)")
    p.add_argument("--assumptions", default="calibrated", metavar="NAME",
                   help="assumption set of presets/assumptions/ (default: calibrated; engine, chapter)")
    p.add_argument("--format", choices=["text", "md", "csv", "json"], default="text")
    p.add_argument("--plot", metavar="F.png", help="measured against predicted, log-log (matplotlib)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the table to a file")
    p.add_argument("--strict", action="store_true",
                   help="exit 3 when a file's summary is beyond the thresholds it declares")

    p = command("calibrate", help="fit efficiencies to the validation set (least squares; needs scipy)")
    p.add_argument("files", nargs="*", metavar="FILE", help="validation files (default: validation/*.yaml)")
    p.add_argument("-o", "--output", metavar="FILE.yaml",
                   help="write the assumption set (e.g. presets/assumptions/calibrated.yaml); default: print it")
    p.add_argument("--no-loo", action="store_true", help="skip the leave-one-out error (one fit instead of N+1)")
    p.add_argument("--update-chips", action="store_true",
                   help="also write each fitted chip's hbm_efficiency_chip into presets/chips/CHIP.yaml")

    p = command("graph", help="the dependency graph as mermaid or dot", scenario=True)
    p.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    return parser
