"""A strict, safe YAML reader that remembers the line of every key.

PyYAML's safe loader still reads ``1e9`` as a string and ``no`` as false,
keeps the last of two duplicate keys, and expands aliases. Here the text is
only *composed* into nodes by PyYAML, then converted by our own rules: YAML 1.2
core scalars, duplicate keys refused, aliases and explicit tags refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import InputFileError, Location, YamlError

MAX_BYTES = 1_000_000
MAX_DEPTH = 40

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_ALLOWED_TAGS = {"tag:yaml.org,2002:str", "tag:yaml.org,2002:map",
                 "tag:yaml.org,2002:seq", "tag:yaml.org,2002:int",
                 "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                 "tag:yaml.org,2002:null"}


class LineDict(dict):
    """A dict that also knows the file and line of each of its keys."""

    file: str = "?"
    line: int = 0
    key_lines: dict

    def where(self, key: str | None = None) -> Location:
        """The location of ``key`` (or of the mapping itself)."""
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return Location(self.file, line)


class _NoAliasLoader(yaml.SafeLoader):
    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise YamlError("YAML aliases (*name) are not allowed",
                            where=Location(self.name, event.start_mark.line + 1),
                            hint="write the value out in full")
        return super().compose_node(parent, index)


def _scalar(node: yaml.ScalarNode, file: str):
    text = node.value
    if node.style is not None and node.style in "'\"|>":
        return text
    if re.fullmatch(r"null|Null|NULL|~|", text):
        return None
    if text in ("true", "True", "TRUE"):
        return True
    if text in ("false", "False", "FALSE"):
        return False
    if _INT.match(text):
        return int(text.replace("_", ""))
    if _FLOAT.match(text):
        return float(text.replace("_", ""))
    if text in (".inf", "-.inf", ".nan", ".NaN", ".Inf"):
        raise YamlError(f"non-finite number {text!r}",
                        where=Location(file, node.start_mark.line + 1),
                        hint="give a finite number")
    return text


def _convert(node: yaml.Node, file: str, depth: int = 0):
    where = Location(file, node.start_mark.line + 1)
    if depth > MAX_DEPTH:
        raise YamlError("YAML nested too deeply", where=where,
                        hint=f"keep nesting under {MAX_DEPTH} levels")
    if node.tag not in _ALLOWED_TAGS:
        raise YamlError(f"YAML tag {node.tag!r} is not allowed", where=where,
                        hint="remove the tag: calcgraph reads plain data only")
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, file)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, file, depth + 1) for item in node.value]
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
        result[key] = _convert(value_node, file, depth + 1)
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
        raise YamlError(f"YAML syntax error: {exc.problem or exc.context}",
                        where=Location(file, line),
                        hint="fix the YAML syntax (indentation, colons, quotes)") from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}", where=Location(file)) from None
    if node is None:
        return LineDict()
    return _convert(node, file)


def load_file(path: str | Path):
    """Read and strictly parse one YAML file."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise YamlError(f"file is larger than {MAX_BYTES} bytes",
                            where=Location(str(path)), hint="split it into smaller modules")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputFileError(f"no such file: {path}", where=Location(str(path)),
                             hint="check the path (use: paths are relative to the including file)") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read {path}: {exc.__class__.__name__}",
                             where=Location(str(path))) from None
    return loads(text, str(path))
