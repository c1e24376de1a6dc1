"""The commands: glue between argparse and the API. Owns flag wording, printing and exit statuses."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

from calcgraph.api import Model, load
from calcgraph.core.bind import parse_set_arg
from calcgraph.core.fallback import fallen_back
from calcgraph.core.files import project_path, write_atomic
from calcgraph.core.names import suggest
from calcgraph.engine.axes import parse_axes, typed_over
from calcgraph.engine.checks import unused_settings
from calcgraph.errors import Argument, CalcgraphError, InputFileError, SetValueError, UnknownNameError, ValidationError
from calcgraph.render.text import eval_json, eval_table, symbolic_table

FLAGS = {"constraint": "--where", "setting": "--set", "axis": "--vary", "unknown": "--for",
         "output": "--only", "goal": "--maximize/--minimize", "plot": "--plot", "color": "--color",
         "image": "-o", "parquet": "--out"}


def flagged(exc: CalcgraphError, args) -> CalcgraphError:
    """``exc`` with an argument location worded as the flag that carried it (``--where t_step <= 15 ms``)."""
    if isinstance(exc, ValidationError):
        return ValidationError([flagged(p, args) for p in exc.problems])
    if isinstance(exc.where, Argument) and exc.where.kind in FLAGS:
        flag = FLAGS[exc.where.kind]
        if exc.where.kind == "goal":  # best's one goal, named by the flag that gave it
            flag = "--maximize" if getattr(args, "maximize", None) else "--minimize"
        exc.where = f"{flag} {exc.where.text}"
    return exc


def _model(args) -> Model:
    """The scenario the arguments name, bound with their ``--set`` settings."""
    sets = [parse_set_arg(text, origin="--set") for text in args.sets]
    return load(args.scenario, variant=getattr(args, "variant", None), sets=sets)


STRICT_EXIT = 3


def _say(command: str, warnings) -> None:
    for warning in warnings:
        print(f"calcgraph {command}: warning: {warning}", file=sys.stderr)


def _warn(args, model: Model, names=None, evaluate: bool = True) -> int:
    """Missing inputs stop here; other warnings go to stderr. The exit status: 3 if ``--strict`` and a check fails."""
    outputs = list(names) if names else list(model.graph.quantities)
    _say(args.command, fallen_back(model.spec, model.scenario.variant))
    model.scenario.require(outputs)
    _say(args.command, unused_settings(model.graph, model.scenario.entries, outputs))
    failed = model.evaluated.failed_checks if evaluate else []
    _say(args.command, (check.warning() for check in failed))
    return STRICT_EXIT if failed and getattr(args, "strict", False) else 0


def _known(model: Model, name: str, where: str) -> None:
    if name not in model.graph:
        raise UnknownNameError(f"unknown quantity {name!r}", where=where,
                               hint=suggest(name, model.graph.quantities), name=name)


def _ready(args, warn: bool = True) -> tuple[Model, list[str] | None, int]:
    """The model, the quantities ``--only`` names (checked; None: all) and ``_warn``'s exit status (0 without it)."""
    model = _model(args)
    names = getattr(args, "only", None) or None
    for name in names or ():
        _known(model, name, f"--only {name}")
    return model, names, _warn(args, model, names) if warn else 0


def _out(text: str, output: str | None, note: str = "", yaml: bool = False) -> None:
    """``text`` to stdout or, whole or nothing, to ``output`` (a .yaml file when ``yaml``)."""
    if not output:
        print(text, end="")
        return
    if yaml and not output.endswith((".yaml", ".yml")):
        raise SetValueError(f"{output} does not end in .yaml", where=f"-o {output}",
                            hint="write the preset to a .yaml file, e.g. -o presets/models/my-model.yaml")
    write_atomic(output, text)
    print(f"wrote {output}{note}", file=sys.stderr)


def cmd_eval(args) -> int:
    """``calcgraph eval``: the table, the JSON document or the closed forms."""
    model, names, status = _ready(args)
    ev = model.evaluated
    if args.symbolic:
        print(symbolic_table(ev, names), end="")
    elif args.json:
        print(eval_json(ev, names))
    else:
        print(eval_table(ev, names, everything=args.all), end="")
    return status


def cmd_check(args) -> int:
    """``calcgraph check``: every problem of every file; 2 when any file has one."""
    from calcgraph.core.check import check_files
    results = check_files(args.files)
    print(*results, sep="\n")
    failed = sum(not r.ok for r in results)
    print(f"\n{len(results) - failed} ok, {failed} with problems")
    return 2 if failed else 0


def cmd_report(args) -> int:
    """``calcgraph report``: Markdown to stdout or ``-o``."""
    from calcgraph.render.report.document import render_report
    model, names, status = _ready(args)
    _out(render_report(model.evaluated, only=names, brief=args.brief, full=args.full), args.output)
    return status


def cmd_html(args) -> int:
    """``calcgraph html``: the interactive page to stdout or ``-o``."""
    from calcgraph.render.page.html import render_page
    model, _, status = _ready(args)
    text = render_page(model.evaluated)
    _out(text, args.output, f" ({len(text.encode('utf-8')) // 1024} KiB)")
    return status


def cmd_explain(args) -> int:
    """``calcgraph explain NAME``."""
    model = _model(args)
    _known(model, args.name, f"explain {args.name}")
    status = _warn(args, model, [args.name])
    print(model.explain(args.name), end="")
    return status


def cmd_graph(args) -> int:
    """``calcgraph graph``: mermaid or dot."""
    from calcgraph.render.diagram import graph_text
    model, names, _ = _ready(args, warn=False)
    print(graph_text(model.evaluated, args.format, only=names), end="")
    return 0


def cmd_solve(args) -> int:
    """``calcgraph solve``: the answer as text or JSON (exit 1 when there is none)."""
    from calcgraph.render.solve import solve_json, solve_text
    model, _, status = _ready(args)
    result = model.solve(args.for_name, *args.where, integer=args.integer)
    print(solve_json(result) if args.json else solve_text(result))
    return status


def cmd_best(args) -> int:
    """``calcgraph best``: the winner, the candidates and the derivation (exit 1 when none is feasible)."""
    from calcgraph.render.best import render_best
    model, _, status = _ready(args)
    _say("best", typed_over(parse_axes(list(args.vary), model.graph), model.graph))
    where = list(args.where)
    if args.feasible:  # every declared check becomes a constraint the winner must meet
        where += [c.text for c, _ in model.graph.checks if c.text not in where]
    result = model.best(args.maximize, args.minimize, where, list(args.vary))
    print(render_best(model.evaluated, result), end="")
    return status


def cmd_table(args) -> int:
    """``calcgraph table``: the scenario and one column per variant (aligned text, md, csv or json)."""
    from calcgraph.render.table import render_table
    model, names, status = _ready(args)
    _say("table", (w for v in model.spec.variants for w in fallen_back(model.spec, v)
                   if not w.startswith("scenario ")))  # each column's presets; the base's were said above
    print(render_table(model.evaluated, only=names, fmt=args.format), end="")
    return status


def _formulas_dir(output: str | None) -> str:
    """The formulas folder as a ``use:`` path from ``output`` (or from the working directory)."""
    folder = project_path("formulas")
    base = Path(output).resolve().parent if output else Path.cwd()
    if not base.is_relative_to(folder.parent):      # outside the project: an absolute use: path
        return folder.as_posix()
    return Path(os.path.relpath(folder, base)).as_posix()


def cmd_import_model(args) -> int:
    """``calcgraph import-model CONFIG.json``: a model preset from a local Hugging Face config."""
    from calcgraph.core.spec.load import display_path
    from calcgraph.core.spec.yamlload import read_text_bounded
    from calcgraph.engine.hf.preset import model_preset, preset_yaml
    from calcgraph.engine.hf.read import MAX_CONFIG_BYTES, parse_config
    where = display_path(Path(args.config))
    config = parse_config(read_text_bounded(args.config, MAX_CONFIG_BYTES), where)
    preset = model_preset(config, where, title=args.title)
    text = preset_yaml(preset, f"{_formulas_dir(args.output)}/architectures.yaml", Path(args.config).name)
    _out(text, args.output, yaml=True)
    return 0


def cmd_new(args) -> int:
    """``calcgraph new scenario|model|chip NAME``: a commented template with every field."""
    from calcgraph.render.template import template
    if args.output and not args.force and os.path.lexists(args.output):  # checked before anything is built
        raise SetValueError(f"{args.output} exists: calcgraph new does not write over a file",
                            where=f"-o {args.output}", hint="choose another name, or add --force to replace it")
    base = Path(args.output).resolve().parent if args.output else Path()
    if not base.is_dir():  # before the template is checked from there
        raise InputFileError(f"cannot write {args.output}: folder {Path(args.output).parent} does not exist",
                             where=args.output, hint="create the folder or choose another path")
    folder = _formulas_dir(args.output)
    graph = load(base / folder / "architectures.yaml").graph
    presets = (Path(folder).parent / "presets").as_posix()
    _out(template(graph, args.kind, args.name, folder, presets), args.output, yaml=True)
    return 0


def cmd_verify(args) -> int:
    """``calcgraph verify``: the comparison for each scenario; 1 if any figure differs unexplained."""
    from calcgraph.core.spec.load import default_paths, load_spec
    from calcgraph.engine.expect import verify_scenario
    from calcgraph.render.report.verify import render_rows
    sets = tuple(parse_set_arg(text, origin="--set") for text in args.sets)
    failed, counts, broken = 0, Counter(), []
    for path in list(args.scenarios) or default_paths():
        try:
            rows = verify_scenario(load_spec(path), sets)
        except CalcgraphError as exc:
            print(f"## {path}\n\nerror: {exc}\n")
            broken.append(str(path))
            continue
        if rows:
            print(f"## {rows[0].scenario}\n\n{render_rows(rows)}\n", end="")
        counts.update("differs (explained)" if row.verdict == "differs" and row.ok else row.verdict for row in rows)
        failed += sum(not row.ok for row in rows)
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    print(f"{sum(counts.values())} figures: {summary or 'none'}; {failed} failing", flush=True)
    if failed:
        print("verify: some figures differ without a recorded reason (or miss their exact value)", file=sys.stderr)
    if broken:  # bad input: exit 2, as every command
        print(f"verify: could not check {', '.join(broken)}: the error is under its heading above; fix the file",
              file=sys.stderr)
        return 2
    return 1 if failed else 0
