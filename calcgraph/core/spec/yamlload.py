"""A strict, safe YAML reader that remembers the line of every key: PyYAML (libyaml when present) composes, our
rules convert (YAML 1.2 core scalars; no duplicate keys, aliases or tags); ``load_file`` parses a file once."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections import OrderedDict
from pathlib import Path

import yaml

from calcgraph.core.bulk import paused_gc
from calcgraph.errors import InputFileError, Location, YamlError

MAX_BYTES = 1_000_000
MAX_DEPTH = 40
MAX_CACHED = 512
_C_LOADER = getattr(yaml, "CSafeLoader", None)
_PARSED: OrderedDict = OrderedDict()  # (device, inode, mtime_ns, size) -> parsed data

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_ALLOWED_TAGS = {f"tag:yaml.org,2002:{kind}" for kind in ("str", "map", "seq", "int", "float", "bool", "null")}
_CONSTANTS = {**dict.fromkeys(("null", "Null", "NULL", "~", ""), None),
              **dict.fromkeys(("true", "True", "TRUE"), True), **dict.fromkeys(("false", "False", "FALSE"), False)}


class LineDict(dict):
    """A dict that also knows the file and line of each of its keys."""

    file: str = "?"
    line: int = 0
    key_lines: dict

    def where(self, key: str | None = None) -> Location:
        """The location of ``key`` (or of the mapping itself)."""
        return Location(self.file, self.line if key is None else self.key_lines.get(key, self.line))


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlError("YAML aliases (*name) are not allowed",
                            where=Location(self.name, event.start_mark.line + 1),
                            hint="write the value out in full")
        return super().compose_node(parent, index)


MAX_DIGITS = 300  # as core.units: no figure of a serving model needs more


def _scalar(node: yaml.ScalarNode, where: Location):
    text = node.value
    if node.style and node.style in "'\"|>":  # plain: None (Python) or '' (libyaml)
        return text
    if text in _CONSTANTS:
        return _CONSTANTS[text]
    if _INT.match(text):
        digits = text.replace("_", "")
        if (count := len(digits.lstrip("+-"))) > MAX_DIGITS:  # int() refuses beyond 4,300 digits, with a traceback
            raise YamlError(f"number out of range: an integer of {count:,} digits (more than {MAX_DIGITS} digits)",
                            where=where, hint="numbers up to 1e300; write a large one with an exponent, e.g. 1.5e12")
        return int(digits)
    if _FLOAT.match(text):
        return float(text.replace("_", ""))
    if text in (".inf", "-.inf", ".nan", ".NaN", ".Inf"):
        raise YamlError(f"non-finite number {text!r}", where=where, hint="give a finite number")
    return text


class _Again(Exception):
    """The C composer met something only the pure-Python one words well (an alias)."""


def _convert(node: yaml.Node, file: str, depth: int = 0, seen: set | None = None):
    if seen is not None:
        if id(node) in seen:
            raise _Again  # libyaml composes *alias as the anchored node again
        seen.add(id(node))
    where = Location(file, node.start_mark.line + 1)
    if depth > MAX_DEPTH:
        raise YamlError("YAML nested too deeply", where=where, hint=f"keep nesting under {MAX_DEPTH} levels")
    if node.tag not in _ALLOWED_TAGS:
        raise YamlError(f"YAML tag {node.tag!r} is not allowed", where=where,
                        hint="remove the tag: calcgraph reads plain data only")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, where)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, file, depth + 1, seen) for item in node.value]
    result = LineDict()
    result.file, result.line, result.key_lines = file, where.line, {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlError("mapping keys must be plain names", where=where)
        key = key_node.value
        line = key_node.start_mark.line + 1
        if key == "<<":
            raise YamlError("YAML merge keys (<<) are not allowed",
                            where=Location(file, line), hint="write the keys out")
        if key in result:
            raise YamlError(f"duplicate key {key!r} (first at line {result.key_lines[key]})",
                            where=Location(file, line), hint="remove one of the two")
        result[key] = _convert(value_node, file, depth + 1, seen)
        result.key_lines[key] = line
    return result


def loads(text: str, file: str = "<text>"):
    """Parse YAML text strictly; mappings come back as :class:`LineDict`.

    >>> loads("a: 1e9\\nb: no").get("a")
    1000000000.0
    """
    if len(text) > MAX_BYTES:
        raise YamlError(f"file is larger than {MAX_BYTES} bytes", where=Location(file),
                        hint="split it into smaller modules")
    if _C_LOADER is not None:
        with paused_gc():  # thousands of nodes that all stay alive until converted
            loader = _C_LOADER(text)
            try:
                node = loader.get_single_node()
                return LineDict() if node is None else _convert(node, file, seen=set())
            except (yaml.YAMLError, RecursionError, _Again, YamlError):
                pass  # any problem is read again below by the pure-Python composer, which words it
            finally:
                loader.dispose()
    try:
        loader = _NoAliasLoader(text)
        loader.name = file
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message, hint = plain_yaml_problem(exc, text)
        raise YamlError(message, where=Location(file, line), hint=hint) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", where=Location(file)) from None
    except RecursionError:
        raise YamlError("YAML nested too deeply", where=Location(file),
                        hint=f"keep nesting under {MAX_DEPTH} levels") from None
    return LineDict() if node is None else _convert(node, file)


def plain_yaml_problem(exc, text) -> tuple[str, str]:
    r"""(message, hint) in plain words for a PyYAML syntax error, naming the line it stopped at.

    >>> try:
    ...     yaml.safe_load("a: 1\n   b: 2\n")
    ... except yaml.MarkedYAMLError as exc:
    ...     plain_yaml_problem(exc, "a: 1\n   b: 2\n")[0].startswith("YAML: a colon where a value")
    True
    """
    problem = str(exc.problem or exc.context or "")
    context, mark = exc.context_mark, exc.problem_mark
    opened = f" (opened at line {context.line + 1})" if context is not None else ""
    lines = text.splitlines() if mark is not None and isinstance(text, str) else []
    shown = lines[mark.line].strip() if 0 <= getattr(mark, "line", -1) < len(lines) else ""
    at = f" (line {mark.line + 1}: {shown[:60]!r})" if shown else ""
    if "expected <block end>" in problem or "expected <block mapping start>" in problem:
        return (f"YAML indentation: this line is indented differently from the keys above it{at}, so it "
                "neither continues the mapping above nor starts a new key",
                "indent it with spaces exactly as the keys it belongs with (two more than its parent's key)")
    if "expected ',' or '}'" in problem or "expected ',' or ']'" in problem:
        closer = "}" if "}" in problem else "]"
        return (f"YAML: an inline {'{' if closer == '}' else '['}...{closer}{opened} is not closed before "
                f"this line{at}", f"close it with {closer} on the line it opens, and separate its entries with commas")
    if "mapping values are not allowed" in problem:
        return (f"YAML: a colon where a value was expected{at}: a key indented under a value, or text "
                "with ': ' in it that needs quotes", 'quote text that contains ": " (doc: "a: b"), or indent '
                "the key as its siblings")
    if "could not find expected ':'" in problem:
        return (f"YAML: a key without its colon{at}", "write each key as `name: value` (a space after the colon)")
    if "end of stream" in problem or "quoted scalar" in str(exc.context or ""):
        return (f"YAML: a quote{opened} is never closed{at}", "close the quoted text on the same line")
    if "\\t" in problem or "\t" in problem:  # PyYAML writes the tab as a backslash and a t
        return (f"YAML: a tab character{at}; YAML indents with spaces only", "replace the tab with spaces")
    return (f"YAML syntax error: {problem}{at}", "fix the YAML syntax (indentation, colons, quotes)")


_OPEN_ERRORS = {
    errno.ELOOP: "too many levels of symbolic links (a link loop?)",
    errno.ENAMETOOLONG: "file name too long",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "it is a folder, not a file",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


def read_text_bounded(path: str | Path, limit: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``limit`` bytes (counted as read, not from ``st_size``)."""
    shown = str(path)
    where = Location(shown)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except (UnicodeError, ValueError):  # a NUL byte or a lone surrogate ("\ud800" in YAML) cannot name a file
        reason = "contains a NUL byte" if "\0" in shown else "is not valid text"
        raise InputFileError(f"cannot read {shown!r}: the path {reason}", where=repr(shown),
                             hint="write the path in plain characters") from None
    except OSError as exc:
        reason = _OPEN_ERRORS.get(exc.errno, exc.strerror or type(exc).__name__)
        raise InputFileError(f"no such file: {shown}" if exc.errno == errno.ENOENT
                             else f"cannot read {shown}: {reason}", where=where,
                             hint="check the path (use: paths are relative to the including file)") from None
    reason, data = "not a regular file (a device, FIFO, socket or folder)", b""
    try:
        if stat.S_ISREG(os.fstat(fd).st_mode):  # reading a FIFO or a device could block or never end
            with open(fd, "rb", closefd=False) as handle:
                reason, data = None, handle.read(limit + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
    finally:
        os.close(fd)
    if reason is not None:
        raise InputFileError(f"cannot read {shown}: {reason}", where=where,
                             hint="calcgraph reads plain YAML files only")
    if len(data) > limit:
        raise YamlError(f"file is larger than {limit} bytes", where=where, hint="split it into smaller modules")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"cannot read {shown}: not UTF-8 text (byte {exc.start})", where=where,
                             hint="calcgraph reads UTF-8 YAML files") from None


def load_file(path: str | Path, info: os.stat_result | None = None):
    """Read and strictly parse one YAML file, kept per device, inode, mtime and size (a changed file is read
    again); callers may set ``file`` on the mappings, nothing else. ``info``: the caller's ``os.stat`` of it."""
    try:
        info = info if info is not None else os.stat(path)
        key = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size) if stat.S_ISREG(info.st_mode) else None
    except (OSError, ValueError):
        key = None
    if key is not None and key in _PARSED:
        _PARSED.move_to_end(key)
        return _PARSED[key]
    data = loads(read_text_bounded(path), str(path))
    if key is not None:
        _PARSED[key] = data
        if len(_PARSED) > MAX_CACHED:
            _PARSED.popitem(last=False)
    return data
