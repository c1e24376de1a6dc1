"""Values -> text: the eval table, the JSON document, plain symbols, atomic file writes."""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path

from .errors import InputFileError
from .units import format_number, format_unit, to_unit


def plain_symbol(latex: str) -> str:
    r"""A LaTeX symbol as terminal text: ``B_{\text{crit}}`` -> ``B_crit``."""
    text = re.sub(r"\\(?:mathrm|text|mathit|operatorname|mathbf)\{([^{}]*)\}", r"\1", latex)
    text = text.replace(r"\_", "_").replace("\\", "")
    text = re.sub(r"[{}]", "", text)
    return text.replace(" ", "")


def origin_mark(model, name: str) -> str:
    """How a value came to be: 'default: where', 'set: where', 'pinned: where', 'solved', 'unknown: ...' or ''."""
    bound = model.scenario.bound.get(name)
    quantity = model.graph[name]
    value = model.raw[name]
    if value != value and quantity.solve is None:
        if bound is not None and not bound.pinned:
            return f"unknown: give it with --set {name}=... ({bound.where})"
        missing = [n for n in model.graph.inputs_of(name) if model.raw[n] != model.raw[n]]
        return "unknown: needs " + ", ".join(missing)
    if bound is None:
        if quantity.solve is None:
            return ""
        return "solved" if value == value else "solved: no value satisfies the constraints"
    if bound.pinned:
        return f"pinned: {bound.where}"
    if bound.origin == "default":
        return f"default: {bound.where}"
    return f"{bound.origin}: {bound.where}" if bound.origin != "scenario" else f"set: {bound.where}"


def shown(model, name: str, digits: int = 5) -> tuple[str, str]:
    """(number, unit) of ``name`` in its display unit."""
    unit = model.display_unit(name)
    return format_number(float(to_unit(model.raw[name], unit)), digits), format_unit(unit)


def eval_table(model, names=None) -> str:
    """A plain-text table: name, symbol, value, unit, origin."""
    names = list(names or model.names())
    rows = [("name", "symbol", "value", "unit", "from")]
    for name in names:
        number, unit = shown(model, name)
        rows.append((name, plain_symbol(model.graph[name].symbol), number, unit,
                     origin_mark(model, name)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].rjust(widths[2]),
                 row[3].ljust(widths[3]), row[4]]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths) + "  ----")
    title = model.spec.title + (f" [variant {model.scenario.variant}]" if model.scenario.variant else "")
    return f"{title}\n{model.spec.path}\n\n" + "\n".join(lines) + "\n"


def _solved_form(model, name: str) -> str:
    from .errors import NoSolutionError
    from .solve import solve_details
    spec = model.graph[name].solve
    text = f"{spec.for_name} with " + " and ".join(c.text for c in spec.constraints)
    try:
        result = solve_details(model, name)
    except NoSolutionError:
        return f"(no value: the extreme {text})"
    return result.closed_form or f"the {result.direction} {text} (no closed form)"


def symbolic_table(model, names=None) -> str:
    """Each computed quantity as a closed form in the inputs (sympy's text), one per line."""
    from .symbolic import closed_form
    names = [n for n in (names or model.names()) if not model.graph[n].is_input]
    lines = []
    for name in names:
        bound = model.scenario.bound.get(name)
        if bound is not None and bound.pinned:
            lines.append(f"{name} = {bound.text}    (pinned at {bound.where})")
        elif model.graph[name].solve is not None:
            lines.append(f"{name} = {_solved_form(model, name)}")
        else:
            lines.append(f"{name} = {closed_form(model, name)}")
    return "\n".join(lines) + "\n"


def eval_json(model, names=None) -> str:
    """The contract JSON: ``{"values": {name: {"value": number, "unit": "..."}}}`` in declared units."""
    names = list(names or model.names())
    values = {}
    for name in names:
        quantity = model.graph[name]
        value = float(to_unit(model.raw[name], quantity.unit))
        values[name] = {"value": value if value == value else None,  # NaN (no solution) -> null
                        "unit": format_unit(quantity.unit.pint_unit) or "dimensionless"}
    document = {"scenario": model.spec.path, "variant": model.scenario.variant, "values": values,
                "pinned": model.scenario.pinned}
    return json.dumps(document, indent=2)


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    write_stream_atomic(path, [data], binary=isinstance(data, bytes))


def _target(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file to replace (a symlink's regular target) and its stat; refuses non-regular targets."""
    shown = str(path)
    if "\0" in shown:
        raise InputFileError(f"cannot write {shown!r}: the path contains a NUL byte", where=repr(shown))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputFileError(f"cannot write {path}: it is a dangling symbolic link", where=shown,
                                 hint="remove the link or choose another path") from None
        return path, None
    except OSError as exc:
        raise InputFileError(f"cannot write {path}: {exc.strerror}", where=shown,
                             hint="choose a path you can write to") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputFileError(f"cannot write {path}: it is not a regular file (a device, FIFO, socket, "
                             "folder or a link to one)", where=shown,
                             hint="give the path of a regular file; calcgraph never replaces special files")
    return Path(os.path.realpath(path)), info


def _clean_stale(directory: Path, name: str) -> None:
    """Remove ``.NAME.PID.*.tmp`` left by an earlier run that was killed (its process is gone)."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(".tmp")):
            continue
        pid = entry.name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # still running: another writer's file
        except ProcessLookupError:
            pass
        except OSError:
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)
        except OSError:
            pass


class _Terminated(BaseException):
    """SIGTERM during a write: raised so the temporary file is removed before exiting."""


def _on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Terminated()


def write_stream_atomic(path: str | Path, pieces, binary: bool = False) -> None:
    """Write text (or bytes) pieces to a temporary file beside ``path``, then rename: all or nothing.

    Only regular files are replaced (a symlink's target, not the link); devices and FIFOs are
    refused. A file that exists keeps its permission bits; a new one gets 0666 less the umask.
    The temporary file is removed on errors and on SIGTERM; ones left by killed runs are removed.
    """
    path = Path(path)
    target, info = _target(path)
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise InputFileError(f"cannot write {path}: folder {directory} does not exist",
                             where=str(path), hint="create the folder or choose another path")
    _clean_stale(directory, target.name)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.{os.getpid()}.",
                                             suffix=".tmp")
    except OSError as exc:
        raise InputFileError(f"cannot write {path}: {exc.strerror}", where=str(path),
                             hint="choose a path you can write to") from None
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for piece in pieces:
                out.write(piece)
        os.chmod(temporary, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask())
        if info is not None and hasattr(os, "chown"):
            try:
                os.chown(temporary, info.st_uid, info.st_gid)
            except OSError:
                pass
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputFileError(f"cannot write {path}: {exc.strerror}", where=str(path),
                             hint="choose a path you can write to") from None
    except _Terminated:
        Path(temporary).unlink(missing_ok=True)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise SystemExit(143) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
