"""Whole files or nothing: atomic writes of text, bytes or streamed pieces."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..errors import InputFileError


def _umask() -> int:
    mask = os.umask(0o22)
    os.umask(mask)
    return mask



def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Write a whole file or nothing: a temporary file beside it, then a rename."""
    write_stream_atomic(path, [data], binary=isinstance(data, bytes))



def write_stream_atomic(path: str | Path, pieces, binary: bool = False) -> None:
    """Write text (or bytes) pieces to a temporary file beside ``path``, then rename: all or nothing.

    The file gets the usual permissions (0666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise InputFileError(f"cannot write {path}: folder {directory} does not exist",
                             where=str(path), hint="create the folder or choose another path")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputFileError(f"cannot write {path}: {exc.strerror}", where=str(path),
                             hint="choose a path you can write to") from None
    try:
        with os.fdopen(handle, "wb") if binary else os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            for piece in pieces:
                out.write(piece)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise InputFileError(f"cannot write {path}: {exc.strerror}", where=str(path),
                             hint="choose a path you can write to") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

