"""Whole files or nothing: atomic writes of text, bytes or streamed pieces."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import tempfile
import threading
from pathlib import Path

from calcgraph.errors import InputFileError


def project_path(relative: str | Path) -> Path:
    """``relative`` under the working directory if it is there, else beside the package."""
    here = Path.cwd() / relative
    return here if here.exists() else Path(__file__).resolve().parents[2] / relative


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    write_atomic_with(path, lambda out: out.write(data), isinstance(data, bytes))


def _cannot_write(path: Path, reason: str, hint: str = "choose a path you can write to") -> InputFileError:
    return InputFileError(f"cannot write {path}: {reason}", where=str(path), hint=hint)


def _target(path: Path) -> tuple[Path, os.stat_result | None]:
    """The file to replace (a symlink's regular target) and its stat; refuses non-regular targets."""
    shown = str(path)
    if "\0" in shown:
        raise InputFileError(f"cannot write {shown!r}: the path contains a NUL byte", where=repr(shown))
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise _cannot_write(path, "it is a dangling symbolic link",
                                "remove the link or choose another path") from None
        return path, None
    except OSError as exc:
        raise _cannot_write(path, exc.strerror) from None
    if not stat.S_ISREG(info.st_mode):
        raise _cannot_write(path, "it is not a regular file (a device, FIFO, socket, folder or a link to one)",
                            "give the path of a regular file; calcgraph never replaces special files")
    return Path(os.path.realpath(path)), info


def _clean_stale(directory: Path, name: str) -> None:
    """Remove ``.NAME.PID.*.tmp`` left by an earlier run that was killed (its process is gone)."""
    stale = re.compile(rf"\.{re.escape(name)}\.([0-9]{{1,9}})\..*\.tmp", re.DOTALL)  # a PID os.kill takes
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return
    for entry in entries:
        match = stale.fullmatch(entry.name)
        if match is None or int(match[1]) == os.getpid():
            continue
        try:
            os.kill(int(match[1]), 0)  # no error: still running, another writer's file
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False):
                    os.unlink(entry.path)
        except OSError:
            pass


class _Terminated(BaseException):
    """SIGTERM during a write: raised so the temporary file is removed before exiting."""


def _on_sigterm(signum, frame):  # noqa: ARG001 - signal handler signature
    raise _Terminated()


def write_atomic_with(path: str | Path, fill, binary: bool = True) -> None:
    """Let ``fill(out)`` write to a temporary file beside ``path`` (opened binary or as text), then rename.

    Only regular files are replaced (a symlink's target, not the link); a file keeps its permission bits,
    a new one gets 0666 less the umask. Temporaries are removed on errors, on SIGTERM and after killed runs.
    """
    path = Path(path)
    target, info = _target(path)
    directory = target.parent
    if not directory.is_dir():
        raise _cannot_write(path, f"folder {directory} does not exist", "create the folder or choose another path")
    _clean_stale(directory, target.name)
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
    except OSError as exc:
        raise _cannot_write(path, exc.strerror) from None
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        with os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            fill(out)
        os.chmod(temporary, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask())
        if info is not None and hasattr(os, "chown"):
            with contextlib.suppress(OSError):
                os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except BaseException as exc:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(exc, _Terminated):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGTERM)
            raise SystemExit(143) from None
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc.strerror) from None
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
