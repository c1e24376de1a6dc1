"""The command line: a thin shell over the API. Errors: one message, exit status 2 (1: no answer)."""

from __future__ import annotations

import gc
import importlib
import os
import sys

from calcgraph.cli.parser import build_parser
from calcgraph.cli.terminal import Escaping
from calcgraph.errors import CalcgraphError, NoSolutionError

OPTIONAL = {"scipy": "solve", "matplotlib": "plot"}  # optional dependency -> the extra that installs it


def run() -> int:
    """The ``calcgraph`` program: ``main``, its heap then frozen (no collector pass over what exit drops)."""
    from calcgraph.core.bulk import freeze_after_bulk
    freeze_after_bulk()
    status = main()
    gc.freeze()
    return status


def main(argv: list[str] | None = None) -> int:
    """Run one command; return its exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (Escaping(s) for s in streams)  # no escape sequence from YAML reaches a terminal
    try:
        args = build_parser().parse_args([a for a in argv if a != "--debug"])
        args.debug = debug
        return _run(args)
    finally:
        sys.stdout, sys.stderr = streams


def _run(args) -> int:
    """Run the parsed command; errors worded, with their exit status."""
    try:
        status = _command(args.command)(args)
        sys.stdout.flush()  # a full disk shows here, not at exit
        return status
    except CalcgraphError as exc:
        from calcgraph.cli.commands import flagged
        if args.debug:
            import traceback  # only for --debug: --help and every normal run do without it
            traceback.print_exc()
        label = "no answer" if isinstance(exc, NoSolutionError) else "error"  # exit 1: a question, no mistake
        print(f"calcgraph {args.command}: {label}: {flagged(exc, args)}", file=sys.stderr)
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
        _silence_stdout()
        return 0
    except OSError as exc:  # files are written by core/files.py, which words its own errors: this is stdout
        _silence_stdout()
        print(f"calcgraph {args.command}: error: cannot write the output: {exc.strerror or exc}\n"
              "  hint: free space on the device or send the output elsewhere", file=sys.stderr)
        return 2


def _command(name: str):
    """The function that runs ``name``; the API and its libraries load only once a command runs."""
    module = {"sweep": "sweep", "validate": "measured", "calibrate": "measured"}.get(name, "commands")
    return getattr(importlib.import_module(f"calcgraph.cli.{module}"), f"cmd_{name.replace('-', '_')}")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
