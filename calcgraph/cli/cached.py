"""``calcgraph eval`` from the compiled graph cache: the answer without sympy, pint or networkx.

``eval_hit`` finds the entry of the scenario (keyed by the working directory,
the scenario argument, the variant, the calcgraph version and code, Python; valid
while every file it was computed from is unchanged), applies ``--set`` values
it can read exactly as ``bind`` would (a number, a unit from the entry's unit
table, the input's dimension and domain), runs the generated graph function and
formats the rows with ``render.evalfmt``, as the normal path does. Anything it
cannot settle exactly (an unknown name, a unit not in the table, a pin, a value
out of its domain, a division by zero, a solve whose guess does not verify)
returns None: the command then runs the normal way, which words any error and
writes a fresh entry (with the new unit texts).
"""

from __future__ import annotations

import ast
import math
import os
import re
import sys

from ..core import cachestore
from ..core.numeric import Refused, build, holds, numpy_helpers
from ..core.version import VERSION
from ..render.evalfmt import json_text, origin_text, shown_text, sides_text, table_text, title_text

DEFAULT_SCENARIO = "scenarios/llama3-70b-tpu-v5e.yaml"  # = core.spec.DEFAULT_SCENARIO (a test holds them equal)
_SET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_LOCAL = re.compile(r"[vq]\d+(_\d+)?|x|_sides_v\d+|_ops_v\d+|_graph|_nan|_known|_ceil|_floor|_max|_min|_ceil_to|_pow"
                    r"|_sqrt|_log|_exp|_ipow|_solve_integer|_erlang_c|abs")
_GRID_LOCAL = re.compile(r"[vw]\d+(_\d+)?|x|_s|_sides_v\d+|_solve_v\d+|_ops_v\d+|_grid|_checks|_nan|_max|_min|_ceil"
                         r"|_floor|_ceil_to|_pow|_ipow|_sqrt|_log|_exp|_node|_shape|_solve_integer|_refused|_erlang_c|abs")
_NODES = (ast.Module, ast.FunctionDef, ast.arguments, ast.arg, ast.Assign, ast.Return, ast.Tuple, ast.Name,
          ast.Load, ast.Store, ast.BinOp, ast.UnaryOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd,
          ast.Call, ast.Constant, ast.IfExp, ast.Compare, ast.Eq)
_GRID_NODES = tuple(n for n in _NODES if n not in (ast.Compare, ast.Eq))


class Miss(Exception):
    """The cache cannot answer this command exactly: run it the normal way."""


def _scenario(path: str | None) -> str:
    """The scenario argument, or the default one as ``core.spec.default_scenario`` finds it."""
    if path is not None:
        return path
    try:
        here = os.path.join(os.getcwd(), DEFAULT_SCENARIO)
    except OSError:
        return DEFAULT_SCENARIO  # no working directory: entry_name gives no entry
    return here if os.path.exists(here) else os.path.join(cachestore.PACKAGE.parent, DEFAULT_SCENARIO)


def eval_key(args) -> str | None:
    """The entry name of ``eval`` for this scenario argument and variant."""
    return cachestore.entry_name("eval", VERSION, _scenario(args.scenario), getattr(args, "variant", None))


def generated(source: str, grid: bool = False):
    """Compile cached source only if it has the shape calcgraph generates: arithmetic on locals and helpers.

    ``grid``: the numpy code of ``engine.gridcode`` (its locals and helpers), else the float code of
    ``engine.graphcode``.
    """
    local, kinds = (_GRID_LOCAL, _GRID_NODES) if grid else (_LOCAL, _NODES)
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if not isinstance(node, kinds):
            raise Miss(f"unexpected {type(node).__name__} in cached code")
        if isinstance(node, ast.Name) and not local.fullmatch(node.id) \
                or isinstance(node, (ast.FunctionDef, ast.arg)) and not local.fullmatch(getattr(node, "name", None)
                                                                                    or node.arg) \
                or isinstance(node, ast.Constant) and type(node.value) not in (int, float) \
                or isinstance(node, ast.Call) and (node.keywords or not isinstance(node.func, ast.Name)) \
                or isinstance(node, ast.FunctionDef) and (node.decorator_list or node.returns):
            raise Miss("unexpected name or constant in cached code")
    return tree


def _setting(text: str, entry: dict) -> tuple[str, float, str, str]:
    """(name, base value, where, value text) of one ``--set``, read as ``bind`` reads it, else Miss.

    An input, or a computed quantity (a pin) whose pin does not change how a solve node solves.
    """
    shown = text if len(text) <= 60 else text[:60] + "..."
    name, _, value = text.partition("=")
    name, value = name.strip(), value.strip()
    code = entry["code"] or {}
    known = name in entry["inputs"] or name in entry["pins"] and name not in code.get("guard", [name])
    if len(text) > 300 or not _SET_NAME.fullmatch(name) or not known or len(value) > 200:
        raise Miss(name)
    match = _NUMBER.match(value)
    digits = match.group(0).replace("_", "") if match else ""
    if not match or len(digits) > 330:
        raise Miss(value)
    number = float(digits)
    unit_text = value[match.end():].strip()
    quantity = entry["inputs"].get(name) or {**entry["pins"][name], "min": None, "max": None}
    if not math.isfinite(number) or abs(number) > 1e300:
        raise Miss(value)
    if unit_text:
        factor, dim = entry["units"].get(unit_text, (None, None))
        if factor is None or dim != quantity["dim"]:
            raise Miss(unit_text)
        base = number * factor
    elif quantity["needs_unit"]:
        raise Miss(value)
    else:
        base = number * quantity["factor"]
    low, high = quantity["min"], quantity["max"]
    if low is not None and (base <= low if quantity["min_strict"] else base < low) \
            or high is not None and (base >= high if quantity["max_strict"] else base > high):
        raise Miss("out of its domain")
    return name, base, f"--set {shown}", value


def _values(entry: dict, base: dict) -> tuple[list, list, bool]:
    """Every value (declaration order), both sides of every check, and whether the code computed them.

    Without ``--set`` and without code (a node the generator refuses, such as a solve without an
    answer) the values are those the normal path computed when the entry was written.
    """
    code = entry["code"]
    if code is None:
        if base:
            raise Miss("no compiled code")
        return entry["values"], [(c["lhs"], c["rhs"]) for c in entry["checks"]], False
    tree = generated(code["source"])
    function = build(tree, "_graph", {**numpy_helpers(), **{k: tuple(v) for k, v in code["ops"].items()}})
    arguments = [base.get(n, d) for n, d in zip(code["arguments"], code["defaults"], strict=True)]
    arguments += [base.get(n, math.nan) for n in code["pinnable"]]
    try:
        values, sides = function(*arguments)
    except (ArithmeticError, ValueError, Refused) as exc:
        raise Miss("the generated code refused") from exc
    return list(values), list(sides), True


def _states(entry: dict, values: dict, computed: bool) -> dict:
    """Each node's state (``engine.evaluated.node_states``); Miss where ``computed`` values are not finite
    by no right (the generated code met what only the normal path decides: it answers)."""
    states, tainted, solves = {}, set(), set(entry["solves"])
    for name, (_, _, pinned) in entry["bound"].items():
        known = values[name] == values[name]
        states[name] = "pinned" if pinned else "input" if known else "unknown"
        if not known:
            tainted.add(name)
    for name in entry["order"]:
        if name in entry["bound"]:
            continue  # pinned on the command line: its state is decided above
        value = values[name]
        if any(d in tainted for d in entry["depends"][name]):
            tainted.add(name)
        if computed and not math.isfinite(value) and not (value != value and name in tainted):
            raise Miss(f"{name} is not finite")
        known = value == value
        states[name] = ("solved" if known else "no answer") if name in solves else "formula" if known else "unknown"
    return states


def _ancestors(entry: dict, *names: str) -> set:
    """What ``names`` depend on, from the entry's dependencies (``names`` only where one uses another)."""
    seen, stack = set(), list(names)
    while stack:
        for parent in entry["depends"].get(stack.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen


def _origin(entry: dict, bound: dict, states: dict, name: str) -> str:
    given = bound.get(name)
    missing = []
    if states[name] == "unknown" and given is None:
        above = _ancestors(entry, name)
        missing = [n for n in entry["names"] if n in above and n in entry["inputs"] and states[n] == "unknown"]
    return origin_text(states[name], *(given[:2] if given else (None, None)), missing)


def _unused(entry: dict, settings, wanted: set) -> list[str]:
    """``engine.checks.unused_settings`` for input settings: those no requested output depends on."""
    children: dict = {}
    for name, parents in entry["depends"].items():
        for parent in parents:
            children.setdefault(parent, []).append(name)
    warnings = []
    for name, _, where, _ in settings:
        if name in wanted:
            continue
        seen, stack = set(), [name]
        while stack:
            for child in children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        if not seen & wanted:
            kind = "setting" if name in entry["inputs"] else "pin"
            warnings.append(f"{where}: this {kind} of {name} changes no requested output "
                            f"(nothing shown depends on {name})")
    return warnings


def check_key(path: str) -> str | None:
    """The entry name of ``check`` for one file argument."""
    return cachestore.entry_name("check", VERSION, path)


def check_hit(args) -> int | None:
    """``calcgraph check`` when every file passed before and none it reads has changed, else None."""
    if args.no_cache:
        return None
    reports = [cachestore.load(check_key(path)) for path in args.files]
    if not all(isinstance(r, dict) and r.get("ok") is True and isinstance(r.get("text"), str) for r in reports):
        return None
    for report in reports:
        print(report["text"])
    print(f"\n{len(reports)} ok, 0 with problems")
    return 0


def verify_key(path: str) -> str | None:
    """The entry name of ``verify`` for one scenario argument."""
    return cachestore.entry_name("verify", VERSION, path)


def _default_paths() -> list[str]:
    """``core.spec.default_paths``: every scenario under ./scenarios (or beside the package)."""
    base = os.path.join(os.getcwd(), "scenarios")
    if not os.path.isdir(base):
        base = os.path.join(cachestore.PACKAGE.parent, "scenarios")
    return sorted(os.path.join(base, n) for n in os.listdir(base) if n.endswith(".yaml"))


def verify_hit(args) -> int | None:
    """``calcgraph verify`` (without ``--set``) when every scenario's block is cached, else None."""
    if args.no_cache or args.sets:
        return None
    try:
        paths = list(args.scenarios) or _default_paths()
    except OSError:
        return None
    blocks = [cachestore.load(verify_key(str(path))) for path in paths]
    if not all(isinstance(b, dict) and isinstance(b.get("text"), str) and isinstance(b.get("verdicts"), list)
               for b in blocks):
        return None
    counts: dict[str, int] = {}
    total = failed = 0
    for block in blocks:
        print(block["text"], end="")
        for key, ok in block["verdicts"]:
            total += 1
            failed += not ok
            counts[key] = counts.get(key, 0) + 1
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    print(f"{total} figures: {summary or 'none'}; {failed} failing", flush=True)
    if failed:
        print("verify: some figures differ without a recorded reason (or miss their exact value)",
              file=sys.stderr)
    return 1 if failed else 0


def eval_hit(args) -> int | None:
    """Answer ``calcgraph eval`` from the cache (its exit status), or None when the cache cannot."""
    if getattr(args, "no_cache", False) or args.symbolic:
        return None
    entry = cachestore.load(eval_key(args))
    if entry is None or entry.get("format") != 1 or not entry.get("complete"):
        return None
    try:
        out, err, failed = _answer(args, entry)
    except (Miss, KeyError, TypeError, ValueError, IndexError, SyntaxError, RecursionError, MemoryError):
        return None  # the normal path answers (and words any error)
    for line in err:
        print(f"calcgraph {args.command}: warning: {line}", file=sys.stderr)
    print(out, end="")
    return 3 if failed and args.strict else 0


def _answer(args, entry: dict) -> tuple[str, list[str], bool]:
    """(stdout, warnings, a check failed) of ``eval`` from ``entry``; Miss when it cannot answer exactly."""
    settings = [_setting(text, entry) for text in args.sets]
    names = entry["names"]
    if args.only and any(n not in entry["inputs"] and n not in entry["depends"] for n in args.only):
        raise Miss("unknown --only name")
    bound = dict(entry["bound"])
    bound.update({name: ["--set", where, name not in entry["inputs"]] for name, _, where, _ in settings})
    values, sides, computed = _values(entry, {name: value for name, value, _, _ in settings})
    by_name = dict(zip(names, values, strict=True))
    states = _states({**entry, "bound": bound}, by_name, computed)
    warnings = _unused(entry, settings, set(args.only or names))
    failed = []
    for check, (lhs, rhs) in zip(entry["checks"], sides, strict=True):
        if math.isfinite(lhs) and math.isfinite(rhs) and not holds(check["op"], lhs, rhs):
            failed.append(f"check failed: {check['message']} ({check['text']}: "
                          f"{sides_text(lhs, rhs, check['scales'], check['negation'])}; declared at {check['where']})")
    if args.json:
        index = {n: i for i, n in enumerate(names)}
        rows = [(n, by_name[n] / entry["declared"][index[n]][0], entry["declared"][index[n]][1])
                for n in list(args.only or names)]
        out = json_text(entry["path"], entry["variant"], rows, [n for n in names if states[n] == "pinned"]) + "\n"
    else:
        out = _table(args, entry, bound, states, by_name, settings)
    return out, warnings + failed, bool(failed)


def _table(args, entry: dict, bound: dict, states: dict, values: dict, settings) -> str:
    names = entry["names"]
    shown = list(args.only) if args.only else names if args.all or not entry["report"] else entry["report"]
    index = {n: i for i, n in enumerate(names)}
    rows = []
    for name in shown:
        number, unit = shown_text(values[name], entry["scales"][index[name]])
        rows.append((name, entry["symbols"][index[name]], number, unit, _origin(entry, bound, states, name),
                     states[name]))
    title = title_text(entry["title"], [f"{name}={text}" for name, _, _, text in settings])
    return table_text(title, entry["path"], rows, len(names))
