"""One quantity from its spec (unit, domain, default, parsed formula), then its formula checked and rounded;
both steps are pure, so results without a problem are remembered per process (``verify`` rereads modules)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from calcgraph.core.formula.dimensions import infer_dim, round_in_units
from calcgraph.core.formula.parse import Formula, parse_formula
from calcgraph.core.names import suggest
from calcgraph.core.spec.load import QuantitySpec, SetEntry
from calcgraph.core.units import Unit, convert_value, format_dim, parse_unit, shown_parts
from calcgraph.errors import CalcgraphError, ExpressionError, Location, UnitError, UnitMismatchError, UnknownNameError

TABLE_SIZE = 1 << 16  # entries per table; a full table is cleared (never a search through it)
_made: dict = {}
_checked: dict = {}
_made_by_id: dict = {}  # id(spec) -> (spec, override, quantity): looked up without hashing the spec
_checked_by_id: dict = {}  # id(quantity) -> (quantity, units of its names, checked quantity)


@dataclass(frozen=True)
class Quantity:
    """A node of the graph: a named quantity with its unit and formula or default."""

    name: str
    unit: Unit
    doc: str
    where: Location
    symbol: str
    source: str | None = None
    display: Unit | None = None
    formula: Formula | None = None
    formula_where: Location | None = None
    formula_origin: str | None = None
    default: float | None = None
    default_text: str | None = None
    default_where: Location | None = None
    solve: object = None
    minimum: float | None = None  # the domain of an input, in base units (min:/max: in YAML)
    maximum: float | None = None
    min_strict: bool = False
    max_strict: bool = False
    preset: str | None = None  # the preset folder that must give a required input
    required: bool = False  # an input with no module default

    def out_of_domain(self, value: float) -> str | None:
        """What is wrong with ``value`` (base units) for this input's domain, or None when it fits.

        >>> from calcgraph.core.units import parse_unit
        >>> q = Quantity("batch", parse_unit("sequence"), "", None, "B", minimum=1.0)
        >>> q.out_of_domain(-5.0)
        'must be >= 1 seq'
        """
        if value != value:  # unknown (NaN) is not out of any domain
            return None
        low = self.minimum is not None and (value <= self.minimum if self.min_strict else value < self.minimum)
        high = self.maximum is not None and (value >= self.maximum if self.max_strict else value > self.maximum)
        if not (low or high):
            return None
        parts = [f"{sign} {' '.join(shown_parts(bound, self.unit, self.unit)).strip()}" for bound, sign in
                 ((self.minimum, ">" if self.min_strict else ">="), (self.maximum, "<" if self.max_strict else "<="))
                 if bound is not None]
        return "must be " + " and ".join(parts)

    @property
    def is_input(self) -> bool:
        """True for quantities with a value (not computed)."""
        return self.formula is None and self.solve is None


def _bound(spec: QuantitySpec, key: str, unit: Unit, problems: list) -> tuple[float | None, bool]:
    raw = spec.minimum if key == "min" else spec.maximum
    if raw is None:
        return None, False
    sign = ">" if key == "min" else "<"
    strict = isinstance(raw, str) and raw.strip()[:1] in ("<", ">")
    text = raw.strip()[1:].strip() if strict else raw
    try:
        if strict and raw.strip()[0] != sign:
            raise UnitError(f"{key}: {raw!r} points the wrong way", hint=f"write {key}: \"{sign} {text}\"")
        return convert_value(text, unit, f"{key}: of {spec.name!r}", strict=False)[0], strict
    except CalcgraphError as exc:
        problems.append(exc.rewrap(where=spec.at(key), quantity=spec.name))
        return None, False


def default_symbol(name: str) -> str:
    """LaTeX for a name without a declared symbol: ``\\mathrm{kv\\_bytes}``."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


_parse = lru_cache(maxsize=4096)(parse_formula)  # the same formula text in many modules and rebuilds


def _quantity(spec: QuantitySpec, override: SetEntry | None, problems: list) -> Quantity | None:
    def problem(exc: CalcgraphError, where: Location, what: str | None = f"quantity {spec.name!r}") -> None:
        problems.append(exc.rewrap(what and f"{what}: {exc.message}", where=where, quantity=spec.name))

    try:
        unit = parse_unit(spec.unit)
    except UnitError as exc:
        return problem(exc, spec.at("unit"))
    display = None
    if spec.display:
        try:
            display = parse_unit(spec.display)
            if display.dim != unit.dim:
                raise UnitMismatchError(f"display unit {spec.display!r} does not fit unit {spec.unit!r}")
        except CalcgraphError as exc:
            problem(exc, spec.at("display"))
    formula_text, formula_where, origin = ((spec.formula, spec.at("formula"), None) if override is None
                                           else (override.formula, override.where, override.origin))
    formula = default = default_text = None
    if formula_text is not None:
        try:
            formula = _parse(formula_text)
        except ExpressionError as exc:
            return problem(exc, formula_where, f"formula of {spec.name!r}")
    elif spec.value is not None and spec.solve is None:
        try:
            default, default_text = convert_value(spec.value, unit, f"the value of {spec.name!r}",
                                                  example_unit=display)
        except CalcgraphError as exc:
            problem(exc, spec.at("value"), None)
    (low, low_strict), (high, high_strict) = (_bound(spec, k, unit, problems) for k in ("min", "max"))
    replaced = override is not None and override.formula is not None
    return Quantity(name=spec.name, unit=unit, doc=override.doc if replaced and override.doc else spec.doc,
                    where=spec.where, minimum=low, maximum=high, min_strict=low_strict, max_strict=high_strict,
                    preset=spec.preset, required=spec.required and override is None,
                    symbol=spec.symbol or default_symbol(spec.name),
                    source=override.source if replaced and override.source else spec.source,
                    display=display, formula=formula, formula_where=formula_where,
                    formula_origin=origin, default=default, default_text=default_text,
                    default_where=spec.at("value") if default is not None else None,
                    solve=spec.solve if override is None else None)


def _check_units(quantity: Quantity, units: dict, problems: list) -> None:
    try:
        dim = infer_dim(quantity.formula.node, {n: unit.dim for n, unit in units.items()})
    except UnitMismatchError as exc:
        problems.append(exc.rewrap(f"formula of {quantity.name!r}: {exc.message}",
                                   where=quantity.formula_where, quantity=quantity.name,
                                   hint=exc.hint or "check the units of the names it combines"))
        return
    if dim != quantity.unit.dim:
        problems.append(UnitMismatchError(
            f"formula of {quantity.name!r} gives {format_dim(dim)} but its unit "
            f"{quantity.unit.text!r} is {format_dim(quantity.unit.dim)}",
            where=quantity.formula_where, quantity=quantity.name, expected=format_dim(quantity.unit.dim),
            got=format_dim(dim), hint="fix the formula or the declared unit"))


def remember(table: dict, key, value, size: int = TABLE_SIZE) -> None:
    """``table[key] = value``, the table cleared first when full (never a search through it)."""
    if len(table) >= size:
        table.clear()
    table[key] = value


def make_quantity(spec: QuantitySpec, override: SetEntry | None, problems: list) -> Quantity | None:
    """The Quantity of ``spec`` (its formula replaced by ``override``); problems are added to ``problems``.

    >>> from calcgraph.core.spec.load import load_spec
    >>> spec = next(q for q in load_spec().quantities if q.name == "kv_per_token")
    >>> make_quantity(spec, None, []).unit.text
    'B/token'
    """
    hit = _made_by_id.get(id(spec))  # the same spec object again (each clean file is read once per process)
    if hit is not None and hit[0] is spec and hit[1] == override:
        return hit[2]
    try:
        key = (spec, spec.where, tuple(sorted(spec.lines.items())), override)
        quantity = _made.get(key)
    except TypeError:  # an unhashable field (a solve: mapping): built every time
        return _quantity(spec, override, problems)
    if quantity is None:
        before = len(problems)
        quantity = _quantity(spec, override, problems)
        if len(problems) != before:
            return quantity
        remember(_made, key, quantity)
    remember(_made_by_id, id(spec), (spec, override, quantity))
    return quantity


def checked_formula(quantity: Quantity, quantities: dict, problems: list) -> Quantity:
    """``quantity`` with its formula checked against the units of the names it uses (problems added to
    ``problems``) and rounded in units (``round_in_units``) when every name is known."""
    names = quantity.formula.names
    unknown = [n for n in names if n not in quantities]
    for name in unknown:
        problems.append(UnknownNameError(
            f"formula of {quantity.name!r} uses unknown name {name!r}", where=quantity.formula_where,
            hint=suggest(name, quantities) + " (or `use:` the module that defines it)",
            quantity=quantity.name, name=name))
    if unknown:
        return quantity
    units = tuple(quantities[n].unit for n in names)
    hit = _checked_by_id.get(id(quantity))  # the same quantity object again, among the same units
    if hit is not None and hit[0] is quantity and hit[1] == units:
        return hit[2]
    key = (quantity.formula, quantity.unit, units)
    formula = _checked.get(key)
    before = len(problems)
    if formula is None:
        by_name = dict(zip(names, units, strict=True))
        _check_units(quantity, by_name, problems)
        formula = round_in_units(quantity.formula, by_name, quantity.unit)
        if len(problems) == before:
            remember(_checked, key, formula)
    checked = quantity if formula is quantity.formula else replace(quantity, formula=formula)
    if len(problems) == before:
        remember(_checked_by_id, id(quantity), (quantity, units, checked))
    return checked
