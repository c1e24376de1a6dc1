"""The compiled graph cache on disk: where it lives, how entries are keyed, written and verified.

Standard library only (a cache hit must not pay for sympy, pint or networkx).
An entry is one file: a header line with an HMAC-SHA256 of the body (the key
is a random secret in the cache directory), then the body, JSON. The body
names every file the answer was computed from, with the SHA-256 of its
contents; an entry is used only when its digest verifies and every file still
has that content. Anything else (tampered, truncated, stale, another format)
is ignored: the caller computes the answer the normal way and writes a fresh
entry. Entries live in the ``graphs`` folder of the cache directory (0700),
files 0600, each written to a temporary file and renamed.

The location follows platformdirs: ``$CALCGRAPH_CACHE`` if set, else
``$XDG_CACHE_HOME/calcgraph`` or ``~/.cache/calcgraph`` (Linux),
``~/Library/Caches/calcgraph`` (macOS), ``%LOCALAPPDATA%\\calcgraph\\Cache`` (Windows).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import sys
import tempfile
from pathlib import Path

FORMAT = b"calcgraph-cache 1"
MAX_ENTRY = 256 * 1024 * 1024
KEEP = 400  # entries kept; the oldest beyond are removed when one is written
PACKAGE = Path(__file__).resolve().parents[1]


def cache_dir() -> Path:
    """The cache directory (not created here).

    >>> cache_dir().name in ("calcgraph", "Cache") or "CALCGRAPH_CACHE" in os.environ
    True
    """
    moved = os.environ.get("CALCGRAPH_CACHE")
    if moved:
        return Path(moved)
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "calcgraph" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "calcgraph"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "calcgraph"


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """A fingerprint of the installed calcgraph code (every file's path, size and mtime) and of Python."""
    digest = hashlib.sha256(f"{sys.version}|{sys.implementation.cache_tag}".encode())
    stack = [PACKAGE]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(Path(entry.path))
                elif entry.name.endswith((".py", ".txt", ".js", ".css", ".html")):
                    info = entry.stat()
                    digest.update(f"{entry.path}|{info.st_size}|{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def entry_name(kind: str, *parts: object) -> str | None:
    """The file name of an entry: ``kind`` and a SHA-256 of ``parts`` (the caller gives the calcgraph
    version), the working directory (paths are shown relative to it), the calcgraph code and Python."""
    try:
        where = os.getcwd()
        stamp = code_stamp()
    except OSError:  # a working directory removed under us, an unreadable package: no cache
        return None
    text = json.dumps([kind, stamp, where, *[str(p) if p is not None else None for p in parts]])
    return f"{kind}-{hashlib.sha256(text.encode()).hexdigest()[:40]}.json"


def file_digest(path: str) -> str | None:
    """SHA-256 of a file's contents (None when it cannot be read)."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _directory(create: bool) -> Path | None:
    """The entries' folder, if it is ours and private (made 0700 when ``create``); None otherwise."""
    folder = cache_dir() / "graphs"
    try:
        if create:
            folder.parent.mkdir(parents=True, exist_ok=True)
            folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.stat()
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            return None  # someone else's folder: neither trusted nor written
        if info.st_mode & 0o077:
            if not create:
                return None
            folder.chmod(0o700)
    except OSError:
        return None
    return folder


def _prune(folder: Path) -> None:
    """Remove the oldest entries beyond ``KEEP`` (entries of old code versions are never read again)."""
    keep = KEEP
    try:
        found = [(e.stat().st_mtime, e.path) for e in os.scandir(folder) if e.name.endswith(".json")]
        for _, path in sorted(found)[:-keep]:
            os.unlink(path)
    except OSError:
        pass


def _secret(folder: Path, create: bool) -> bytes | None:
    """The random key of this cache directory's HMACs (made on first write)."""
    path = folder / "key"
    try:
        with open(path, "rb") as handle:
            secret = handle.read(65)
        if len(secret) == 32:
            return secret
        if not create:
            return None
        path.unlink()
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    secret = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        return _secret(folder, create=False)  # another process made it first
    with os.fdopen(fd, "wb") as handle:
        handle.write(secret)
    return secret


def seal(secret: bytes, body: bytes) -> bytes:
    """An entry: the header (format and HMAC of ``body``) then ``body``."""
    return FORMAT + b" " + hmac.new(secret, body, "sha256").hexdigest().encode() + b"\n" + body


def unseal(secret: bytes, data: bytes) -> dict | None:
    """The body of an entry whose HMAC verifies, as a dict; None for anything else."""
    head, newline, body = data.partition(b"\n")
    if not newline or not head.startswith(FORMAT + b" "):
        return None
    expected = hmac.new(secret, body, "sha256").hexdigest().encode()
    if not hmac.compare_digest(head[len(FORMAT) + 1:], expected):
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def load(name: str | None) -> dict | None:
    """The payload of entry ``name`` if it verifies and every file it was computed from is unchanged."""
    folder = _directory(create=False) if name else None
    if folder is None:
        return None
    secret = _secret(folder, create=False)
    if secret is None:
        return None
    try:
        with open(folder / name, "rb") as handle:
            data = handle.read(MAX_ENTRY + 1)
    except OSError:
        return None
    document = unseal(secret, data) if len(data) <= MAX_ENTRY else None
    if document is None or not isinstance(document.get("files"), list) or "payload" not in document:
        return None
    for item in document["files"]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
            return None
        if file_digest(item[0]) != item[1]:
            return None
    return document["payload"]


def save(name: str | None, payload: dict, files) -> bool:
    """Write entry ``name``: ``payload`` computed from ``files`` (absolute paths). False when it cannot."""
    folder = _directory(create=True) if name else None
    secret = _secret(folder, create=True) if folder is not None else None
    if secret is None:
        return False
    digests = [[str(path), file_digest(str(path))] for path in files]
    if any(d is None for _, d in digests):
        return False
    body = json.dumps({"files": digests, "payload": payload}, separators=(",", ":")).encode()
    try:
        fd, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")  # created 0600
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(seal(secret, body))
            os.replace(temp, folder / name)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        return False
    _prune(folder)
    return True
