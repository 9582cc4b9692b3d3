"""Scenario files: load, inherit, override, validate, convert units.

A scenario is a YAML file. The baseline holds the whole parameter tree under
``parameters:``; every leaf is a mapping with ``value``, ``unit`` and either a
``source`` (title and year) or an ``assumption`` (why). A derived scenario names
its ``base:`` and changes a few leaves under ``set:`` by dotted name, so the
difference from its baseline reads on its own (PolicyEngine's reforms).

Which parameters exist, and of what kind, is declared by the model's modules
(``PARAMETERS`` in each); this module checks a file against those declarations
and turns durations and rates into per-week numbers once, at load.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import yaml

from jrsim.core.constants import SHARE_EPSILON
from jrsim.core.errors import ScenarioError
from jrsim.parameters.declaration import KINDS, Par
from jrsim.parameters.files import read_mapping
from jrsim.parameters.units import RATE_PER_WEEK, WEEKS_PER

# The declarations a scenario is checked against: dotted names in the file -> every declared
# parameter (a family's members, such as each service, are declared when the file names them).
Declarations = Callable[[Iterable[str]], list[Par]]
SUGGESTIONS = 3  # close matches offered for a misspelt key


@dataclass
class Params:
    """Validated parameters: dotted name -> value in model units (weeks, per week)."""

    values: dict[str, Any]
    meta: dict[str, dict]  # dotted name -> the leaf as written (value, unit, source...)
    origin: dict[str, str]  # dotted name -> the file that set it
    declarations: Declarations = field(repr=False, compare=False, default=lambda names: [])
    name: str = "scenario"
    description: str = ""
    files: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def group(self, prefix: str) -> dict[str, Any]:
        """All values under ``prefix.``, keyed by the rest of the name."""
        p = prefix + "."
        return {k[len(p):]: v for k, v in self.values.items() if k.startswith(p)}

    def with_overrides(self, overrides: Mapping[str, Any], where: str = "--set") -> "Params":
        """A copy with some leaves changed (dotted names), validated like a file."""
        raw = {k: dict(m) for k, m in self.meta.items()}
        origin = dict(self.origin)
        _apply_set(raw, origin, overrides, where)
        return _finish(raw, origin, self.declarations, self.name, self.description, self.files)

    def raw_value(self, key: str) -> Any:
        """The value as written in the file (before unit conversion)."""
        return self.meta[key]["value"]


# ---------------------------------------------------------------- declarations
def declared(declarations: Declarations, names: Iterable[str] = ()) -> dict[str, Par]:
    """The declared parameters by name, each declared once and of a known kind."""
    out: dict[str, Par] = {}
    for par in declarations(names):
        if par.kind not in KINDS:
            raise ValueError(f"{par.name}: unknown kind {par.kind!r}")
        if par.name in out:
            raise ValueError(f"parameter {par.name} declared twice")
        out[par.name] = par
    return out


# ---------------------------------------------------------------- loading
def load(path: str | Path, declarations: Declarations, overrides: Mapping[str, Any] | None = None) -> Params:
    """Load a scenario file (following ``base:``), apply overrides, validate against the declarations."""
    raw, origin, name, description, files = _load_tree(Path(path), seen=())
    if overrides:
        _apply_set(raw, origin, overrides, "--set")
    return _finish(raw, origin, declarations, name, description, files)


def _read_yaml(path: Path) -> dict:
    doc = read_mapping(path)
    allowed = {"name", "description", "base", "parameters", "set", "source"}
    unknown = sorted(set(doc) - allowed)
    if unknown:
        raise ScenarioError(f"{path}: unknown top-level key(s) {unknown}; allowed: {sorted(allowed)}")
    return doc


def _load_tree(path: Path, seen: tuple[Path, ...]):
    path = path.resolve()
    if path in seen:
        raise ScenarioError(f"{path}: 'base:' chain loops back to itself")
    doc = _read_yaml(path)
    name = str(doc.get("name", path.stem))
    description = str(doc.get("description", "")).strip()
    if "base" in doc:
        if "parameters" in doc:
            raise ScenarioError(f"{path}: a scenario with 'base:' changes leaves under 'set:', not 'parameters:'")
        raw, origin, _, _, files = _load_tree(path.parent / str(doc["base"]), seen + (path,))
    else:
        if "parameters" not in doc:
            raise ScenarioError(f"{path}: needs either 'parameters:' (a full tree) or 'base:' (a file to inherit)")
        raw, origin = {}, {}
        _flatten(doc["parameters"], "", raw, origin, str(path))
        files = []
    _apply_set(raw, origin, doc.get("set") or {}, str(path))
    return raw, origin, name, description, files + [str(path)]


def _flatten(node: Any, prefix: str, raw: dict, origin: dict, where: str) -> None:
    if not isinstance(node, dict):
        raise ScenarioError(f"{where}: key '{prefix or '<parameters>'}' must be a mapping")
    if "value" in node:
        raw[prefix] = dict(node)
        origin[prefix] = where
        return
    for key, child in node.items():
        _flatten(child, f"{prefix}.{key}" if prefix else str(key), raw, origin, where)


def _apply_set(raw: dict, origin: dict, changes: Mapping[str, Any], where: str) -> None:
    if not isinstance(changes, Mapping):
        raise ScenarioError(f"{where}: 'set:' must map dotted parameter names to values")
    for key, new in changes.items():
        if key not in raw:
            raise ScenarioError(f"{where}: unknown parameter '{key}'{_suggest(key, raw)}")
        leaf = dict(raw[key])
        if isinstance(new, dict) and "value" in new:
            leaf.update(new)
        elif isinstance(new, dict) and isinstance(leaf["value"], dict):
            leaf["value"] = {**leaf["value"], **new}  # change some shares of a distribution
        else:
            leaf["value"] = new
        leaf["changed_in"] = where
        raw[key] = leaf
        origin[key] = where


def _suggest(key: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=SUGGESTIONS)
    return f" (did you mean {', '.join(close)}?)" if close else ""


# ---------------------------------------------------------------- validation
def _finish(raw: dict, origin: dict, declarations: Declarations, name: str, description: str,
            files: list[str]) -> Params:
    decl = declared(declarations, raw)
    errors: list[str] = []
    for key in sorted(set(raw) - set(decl)):
        errors.append(f"{origin[key]}: unknown parameter '{key}'{_suggest(key, decl)}")
    for key in sorted(set(decl) - set(raw)):
        errors.append(f"{files[0] if files else '<scenario>'}: missing parameter '{key}' ({decl[key].kind})")
    values: dict[str, Any] = {}
    for key in sorted(set(raw) & set(decl)):
        try:
            values[key] = convert(decl[key], raw[key])
        except ValueError as exc:
            errors.append(f"{origin[key]}: '{key}': {exc}")
    if errors:
        raise ScenarioError("\n".join(errors))
    return Params(values=values, meta=raw, origin=origin, declarations=declarations, name=name,
                  description=description, files=files)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {value!r}")
    return float(value)


def _in_weeks(value: Any, unit: str, factors: dict[str, float], what: str) -> float:
    """A non-negative duration or rate converted to weeks (or per week) by its unit."""
    v = _number(value)
    if unit not in factors:
        raise ValueError(f"a {what} needs a unit in {sorted(factors)}, got {unit!r}")
    if v < 0:
        raise ValueError(f"a {what} cannot be negative, got {value}")
    return v * factors[unit]


def convert(par: Par, leaf: Mapping[str, Any]) -> Any:
    """Check one leaf against its declaration and return it in model units."""
    if "source" not in leaf and "assumption" not in leaf and "changed_in" not in leaf:
        raise ValueError("needs a 'source' (title, year) or an 'assumption' (why)")
    value, unit = leaf["value"], str(leaf.get("unit", ""))
    kind = par.kind
    if kind == "prob":
        v = _number(value)
        if not 0.0 <= v <= 1.0:
            raise ValueError(f"a probability must lie in [0, 1], got {value}")
        return v
    if kind == "duration":
        return _in_weeks(value, unit, WEEKS_PER, "duration")
    if kind == "rate":
        return _in_weeks(value, unit, RATE_PER_WEEK, "rate")
    if kind in ("count", "multiplier", "money"):
        v = _number(value)
        if v < 0:
            raise ValueError(f"cannot be negative, got {value}")
        return v
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"expected a whole number >= 0, got {value!r}")
        return value
    if kind == "coef":
        return _number(value)
    if kind == "flag":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if kind == "text":
        return str(value)
    if kind == "choice":
        if value not in par.labels:
            raise ValueError(f"expected one of {list(par.labels)}, got {value!r}")
        return value
    if kind == "choices":
        if not isinstance(value, list) or any(v not in par.labels for v in value):
            bad = [v for v in value if v not in par.labels] if isinstance(value, list) else value
            raise ValueError(f"expected a list drawn from {list(par.labels)}; not known: {bad!r}")
        return tuple(value)
    if kind == "map":
        if not isinstance(value, dict) or any(k not in par.labels for k in value):
            bad = [k for k in value if k not in par.labels] if isinstance(value, dict) else value
            raise ValueError(f"expected a mapping from {list(par.labels)} to probabilities; not known: {bad!r}")
        out = {}
        for k, v in value.items():
            v = _number(v)
            if not 0 <= v <= 1:
                raise ValueError(f"{k}: must lie in [0, 1], got {v}")
            out[k] = v
        return out
    if kind == "dist":
        if not isinstance(value, dict):
            raise ValueError(f"expected a mapping of {list(par.labels)} to shares")
        if set(value) != set(par.labels):
            raise ValueError(f"expected exactly the labels {list(par.labels)}, got {sorted(value)}")
        shares = [_number(value[label]) for label in par.labels]
        if any(s < 0 or s > 1 for s in shares):
            raise ValueError("each share must lie in [0, 1]")
        if abs(sum(shares) - 1.0) > SHARE_EPSILON:
            raise ValueError(f"shares must sum to 1, got {sum(shares):.6f}")
        return tuple(shares)
    raise ValueError(f"unknown kind {kind}")


def parse_override(text: str) -> tuple[str, Any]:
    """Turn ``key=value`` from the command line into a (dotted name, YAML value) pair."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key=value")
    key, _, value = text.partition("=")
    try:
        return key.strip(), yaml.safe_load(value)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"--set {text!r}: value is not valid YAML: {exc}") from None
