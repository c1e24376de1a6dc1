"""Typed, bounded reads of an untrusted config.json (import-model): the reader, the preset's dataclasses."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from calcgraph.engine.hf.families import Family
from calcgraph.errors import CalcgraphError

MAX_CONFIG_BYTES = 1 << 20       # a config.json is a few kB; 1 MiB is generous
MAX_COUNT = 10**9                # no shape of a real model is near this

MISSING = object()


class ConfigError(CalcgraphError, ValueError):
    """A config.json that cannot become a model preset (missing key, wrong type, unknown architecture)."""


@dataclass(frozen=True)
class Field:
    """One preset field: its value, the config.json key it came from and a note."""

    value: int | str
    source: str
    note: str = ""


@dataclass
class Preset:
    """A model preset: title, source line and fields, in the order the presets write them."""

    title: str
    architecture: str
    fields: dict[str, Field] = field(default_factory=dict)


class Reader:
    """Typed, bounded reads of one config dict, absent keys from the family's defaults; errors name the key.

    >>> Reader({"hidden_size": 4096}, "config.json").count("hidden_size")
    4096
    """

    def __init__(self, config: dict, where: str, prefix: str = "", family: Family | None = None) -> None:
        self.config, self.where, self.prefix, self.family = config, where, prefix, family
        self.defaulted: dict[str, object] = {}

    def _fail(self, key: str, message: str, hint: str) -> ConfigError:
        return ConfigError(f"config.json key {self.prefix + key!r}: {message}", where=self.where, hint=hint,
                           name=key)

    def raw(self, key: str):
        """The config's value, else the family default (remembered), else MISSING."""
        if key in self.config:
            return self.config[key]
        if self.family is not None and key in self.family.defaults:
            self.defaulted[key] = self.family.defaults[key]
            return self.family.defaults[key]
        return MISSING

    def has(self, key: str) -> bool:
        value = self.raw(key)
        return value is not MISSING and value is not None

    def note(self, key: str, note: str = "") -> str:
        """``note``, plus where the value came from when the config lacks the key."""
        if key in self.config or key not in self.defaulted:
            return note
        why = f"absent from config.json: transformers {self.family.config_class} default"
        return f"{why}; {note}" if note else why

    def count(self, key: str, minimum: int = 1) -> int:
        """A whole number >= ``minimum`` (``true``/``false`` are not numbers here)."""
        value = self.raw(key)
        if value is MISSING:
            raise self._fail(key, "missing", "a Hugging Face config.json of this architecture has it; "
                             "add it, or write the preset by hand (calcgraph new model NAME)")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(key, f"expected a whole number, got {json.dumps(value)[:40]}",
                             "fix the value in config.json")
        if not minimum <= value <= MAX_COUNT:
            raise self._fail(key, f"{value} is outside [{minimum}, {MAX_COUNT}]", "fix the value in config.json")
        return value

    def field(self, key: str, note: str = "", minimum: int = 1) -> Field:
        """The preset field of a whole number read from ``key``."""
        return Field(self.count(key, minimum), key, self.note(key, note))

    def optional_count(self, key: str, minimum: int = 0) -> int | None:
        return self.count(key, minimum) if self.has(key) else None

    def flag(self, key: str) -> bool:
        value = self.raw(key)
        if value is MISSING:
            raise self._fail(key, "missing", "say whether input and output embeddings share one matrix "
                             '("tie_word_embeddings": true or false); the model card or checkpoint tells')
        if not isinstance(value, bool):
            raise self._fail(key, f"expected true or false, got {json.dumps(value)[:40]}", "fix the value")
        return value

    def text(self, key: str) -> str:
        value = self.config.get(key)
        if not isinstance(value, str) or len(value) > 100:
            raise self._fail(key, "missing or not a short string", "config.json names its model_type")
        return value


def parse_config(text: str, where: str = "config.json") -> dict:
    """The JSON object of a config.json text (bounded, plain ``json``, a mapping at the top).

    >>> parse_config('{"model_type": "llama"}')
    {'model_type': 'llama'}
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"config.json is larger than {MAX_CONFIG_BYTES} bytes", where=where,
                          hint="give the model's config.json, not its weights or tokenizer")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"not valid JSON: {str(exc)[:120]}", where=where,
                          hint="give the config.json of a Hugging Face model") from None
    if not isinstance(data, dict):
        raise ConfigError(f"expected a JSON object at the top, got {type(data).__name__}", where=where,
                          hint="give the config.json of a Hugging Face model")
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number calcgraph accepts")
