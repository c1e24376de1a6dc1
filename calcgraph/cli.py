"""The command line: a thin shell over the API. Errors: one message, exit status 2."""

from __future__ import annotations

import argparse
import sys
import traceback

from .errors import CalcgraphError

EXAMPLES = """examples:
  calcgraph eval                                   # the default scenario (LLaMA 3-70B, TPU v5e 4x2)
  calcgraph eval --set batch=64 --only t_step --only throughput
  calcgraph eval scenarios/dtype-table.yaml --variant int4 --json
  calcgraph report -o report.md
  calcgraph html -o page.html                      # interactive page: sliders, live values, figures
  calcgraph explain t_step
  calcgraph solve --for batch --where "total_memory <= hbm_capacity" --integer
  calcgraph solve --for batch --where "t_step <= 15 ms" --integer
  calcgraph sweep --vary batch=1:256 --plot throughput_per_chip:t_step -o tp.png
  calcgraph table scenarios/dtype-table.yaml
  calcgraph verify
  calcgraph check formulas/*.yaml scenarios/*.yaml
  calcgraph graph --format mermaid
"""


OPTIONAL = {"scipy": "solve", "matplotlib": "plot"}  # optional dependency -> the extra that installs it


def _scenario_args(parser: argparse.ArgumentParser, variant: bool = True, only: bool = True) -> None:
    parser.add_argument("scenario", nargs="?", default=None,
                        help="scenario YAML (default: scenarios/llama3-70b-tpu-v5e.yaml)")
    if variant:
        parser.add_argument("--variant", default=None, help="one of the scenario's variants")
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE[ UNIT]",
                        help="override an input (or pin a result); repeatable")
    if only:
        parser.add_argument("--only", action="append", default=None, metavar="NAME",
                            help="show only these quantities; repeatable")


def _model(args):
    from .api import load
    from .bind import parse_set_arg
    sets = [parse_set_arg(text) for text in args.sets]
    return load(args.scenario, variant=getattr(args, "variant", None), sets=sets)


def _names(model, only):
    if not only:
        return None
    from .errors import UnknownNameError
    from .spec import suggest
    for name in only:
        if name not in model.graph:
            raise UnknownNameError(f"unknown quantity {name!r}", where=f"--only {name}",
                                   hint=suggest(name, model.graph.quantities))
    return only


def cmd_eval(args) -> int:
    from .output import eval_json, eval_table
    model = _model(args)
    names = _names(model, args.only)
    if args.symbolic:
        from .output import symbolic_table
        print(symbolic_table(model, names), end="")
        return 0
    print(eval_json(model, names) if args.json else eval_table(model, names), end="\n" if args.json else "")
    return 0


def cmd_check(args) -> int:
    from .check import check_files
    results = check_files(args.files)
    for result in results:
        print(result)
    failed = sum(not r.ok for r in results)
    print(f"\n{len(results) - failed} ok, {failed} with problems")
    return 2 if failed else 0


def cmd_report(args) -> int:
    from .output import write_atomic
    from .report import render_report
    model = _model(args)
    text = render_report(model, only=_names(model, args.only))
    if args.output:
        write_atomic(args.output, text)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def cmd_html(args) -> int:
    from .html import html_command
    return html_command(_model(args), args.output)


def cmd_explain(args) -> int:
    from .explain import explain_text
    model = _model(args)
    _names(model, [args.name])
    print(explain_text(model, args.name), end="")
    return 0


def cmd_graph(args) -> int:
    from .export import graph_text
    model = _model(args)
    print(graph_text(model, args.format, only=_names(model, args.only)), end="")
    return 0


def cmd_solve(args) -> int:
    from .solve import solve_command
    model = _model(args)
    result = solve_command(model, args.for_name, args.where, integer=args.integer)
    print(result.to_json() if args.json else result.text())
    return 0


def cmd_best(args) -> int:
    from .best import best_command
    model = _model(args)
    print(best_command(model, maximize=args.maximize, minimize=args.minimize,
                       wheres=args.where, varies=args.vary), end="")
    return 0


def cmd_sweep(args) -> int:
    from .sweep import sweep_command
    model = _model(args)
    return sweep_command(model, args)


def cmd_table(args) -> int:
    from .table import render_table
    model = _model(args)
    print(render_table(model, only=_names(model, args.only)), end="")
    return 0


def cmd_verify(args) -> int:
    from .verify import verify_command
    return verify_command(args.scenarios, sets=args.sets)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of every command."""
    parser = argparse.ArgumentParser(
        prog="calcgraph", description="Size LLM serving with a checked calculation graph.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("eval", help="evaluate a scenario and print every value")
    _scenario_args(p)
    p.add_argument("--json", action="store_true", help="print JSON: values with units")
    p.add_argument("--symbolic", action="store_true",
                   help="print each quantity as a closed form in the inputs instead of its value")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("report", help="write a Markdown derivation report")
    _scenario_args(p)
    p.add_argument("-o", "--output", default=None, metavar="FILE.md", help="write to a file")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("html", help="write one self-contained interactive page (no network needed)")
    _scenario_args(p, only=False)
    p.add_argument("-o", "--output", default=None, metavar="FILE.html", help="write to a file")
    p.set_defaults(func=cmd_html)

    p = sub.add_parser("explain", help="the derivation chain of one quantity")
    p.add_argument("name")
    _scenario_args(p, only=False)
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("solve", help="the extreme value of an input at which constraints hold")
    _scenario_args(p, only=False)
    p.add_argument("--for", dest="for_name", required=True, metavar="NAME")
    p.add_argument("--where", action="append", required=True, metavar='"LHS <= RHS"')
    p.add_argument("--integer", action="store_true", help="the answer is a whole number")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_solve)

    p = sub.add_parser("best", help="the best configuration over candidates, under constraints")
    _scenario_args(p, only=False)
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--maximize", metavar="NAME")
    goal.add_argument("--minimize", metavar="NAME")
    p.add_argument("--where", action="append", default=[], metavar='"LHS <= RHS"')
    p.add_argument("--vary", action="append", default=[], metavar="NAME=VALUES")
    p.set_defaults(func=cmd_best)

    p = sub.add_parser("sweep", help="evaluate over a grid of inputs; CSV and plots")
    _scenario_args(p)
    p.add_argument("--vary", action="append", required=True, metavar="NAME=START:STOP[:STEP]|V1,V2")
    p.add_argument("--csv", default=None, metavar="FILE")
    p.add_argument("--plot", default=None, metavar="Y[,Y2|+Y2...]:X[:MARKER,...]",
                   help="draw Y against X (needs -o); ',' overlays, '+' stacks, log(Y)/log(X) for log axes, "
                        "markers at quantities in X's unit; lines stop where memory runs out")
    p.add_argument("--color", default=None, metavar="NAME")
    p.add_argument("-o", "--output", default=None, metavar="FILE.png")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser("table", help="one column per variant (Markdown)")
    _scenario_args(p, variant=False)
    p.set_defaults(func=cmd_table)

    p = sub.add_parser("verify", help="compare each expected figure with the computed one")
    p.add_argument("scenarios", nargs="*", help="scenario files (default: every scenario)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("check", help="load and validate files, without evaluating")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("graph", help="the dependency graph as mermaid or dot")
    _scenario_args(p)
    p.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    p.set_defaults(func=cmd_graph)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CalcgraphError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"calcgraph {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_status
    except ModuleNotFoundError as exc:
        extra = OPTIONAL.get((exc.name or "").split(".")[0])
        if extra is None:
            raise
        print(f"calcgraph {args.command}: error: this needs {exc.name}, which is not installed\n"
              f"  hint: pip install 'calcgraph[{extra}]'", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("calcgraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
