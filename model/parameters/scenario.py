"""Scenario files: load, inherit, override, validate, convert units.

A scenario is a YAML file. The baseline holds the whole parameter tree under
``parameters:``; every leaf is a mapping with ``value``, ``unit`` and either a
``source`` (title and year) or an ``assumption`` (why). A derived scenario names
its ``base:`` and changes a few leaves under ``set:`` by dotted name, so the
difference from its baseline reads on its own (PolicyEngine's reforms). Its changes are a policy,
acting from a date; a file with ``starts: run`` is a variant of its base instead (a calibrated
baseline), its ``set:`` holding from the start of the run like the base's own values.

Which parameters exist, and of what kind, is declared by the model's modules
(``PARAMETERS`` in each); this module checks a file against those declarations, and each value
is checked and turned into model units (durations to weeks, rates to per week) once, at load, by
its kind's converter (``jrsim.parameters.kinds``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from jrsim.core.errors import ScenarioError
from jrsim.parameters.declaration import Par
from jrsim.parameters.files import FROM_START, parse_value, read_mapping
from jrsim.parameters.kinds import KINDS, convert
from jrsim.parameters.schema import FileChecker

# The declarations a scenario is checked against: dotted names in the file -> every declared
# parameter (a family's members, such as each service, are declared when the file names them).
Declarations = Callable[[Iterable[str]], list[Par]]
SUGGESTIONS = 3  # close matches offered for a misspelt key
MAX_BASE_CHAIN = 20  # files a scenario may inherit through (baseline <- scenario <- variant is three)
# What a parameter's leaf may hold; ``se``: the source's standard error, a batch's default spread.
LEAF_KEYS = ("value", "unit", "source", "assumption", "year", "se")
TOP_LEVEL_KEYS = ("name", "description", "base", "parameters", "set", "source", "starts")
TEXT_KEYS = ("name", "description", "base", "source")  # top-level keys that hold text


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
    changes: tuple[Change, ...] = ()  # the policy: changes that take effect on a date, in file order

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __contains__(self, key: str) -> bool:
        return key in self.values

    def group(self, prefix: str) -> dict[str, Any]:
        """All values under ``prefix.``, keyed by the rest of the name."""
        p = prefix + "."
        return {k[len(p):]: v for k, v in self.values.items() if k.startswith(p)}

    def with_overrides(self, overrides: Mapping[str, Any], where: str = "--set") -> Params:
        """A copy with some leaves changed from the start of the run (dotted names), validated like a
        file. An override holds at every date: a policy change of the same parameter is dropped."""
        raw = {k: dict(m) for k, m in self.meta.items()}
        origin = dict(self.origin)
        _apply_set(raw, origin, overrides, where)
        kept = [c for c in self.changes if c.key not in overrides]
        return _finish(raw, origin, self.declarations, self.name, self.description, self.files, kept)

    def every_key(self) -> list[str]:
        """Every parameter the run holds at its start or brings in on a policy date, in file order."""
        return list(dict.fromkeys([*self.values, *(c.key for c in self.changes)]))

    def latest(self) -> dict:
        """Each parameter's last value in the run (at its start, then after each policy date)."""
        return {**self.values, **{c.key: c.value for c in self.changes}}

    def segments(self, week_of: Callable[[date], int], first_week: int, end_week: int) -> list[tuple[int, Params]]:
        """The parameters in force from each week on: week 0 the start values, then one entry per week
        in which policy changes take effect (undated changes: ``first_week``, the first output week)."""
        by_week: dict[int, list[Change]] = {}
        for change in self.changes:
            week = first_week if change.when is None else week_of(change.when)
            if not first_week <= week < end_week:
                raise _file(change.where).error(change.key, f"a change dated {change.when} is outside the "
                                    f"output window (weeks {first_week} to {end_week - 1} of the run): policies act "
                                    f"from the first output year (run.start_year) to the end of the horizon")
            _check_one_a_week(change, by_week.setdefault(week, []), week)
            by_week[week].append(change)
        decl = declared(self.declarations, self.every_key())
        out, values, origin = [(0, self)], dict(self.values), dict(self.origin)
        for week in sorted(by_week):
            brought_in = [c for c in by_week[week] if c.key not in values and c.key in decl and decl[c.key].fixed]
            values.update({c.key: c.value for c in by_week[week]})
            origin.update({c.key: c.where for c in by_week[week]})  # a later message names the file of the change
            for change in brought_in:
                _check_opens(change, values, decl, week, week_of)
            out.append((week, replace(self, values=dict(values), origin=dict(origin), changes=())))
        return out

    def raw_value(self, key: str) -> Any:
        """The value as written in the file (before unit conversion)."""
        return self.meta[key]["value"]


@dataclass(frozen=True)
class Change:
    """One parameter of a policy, taking ``value`` from date ``when`` (None: the first output year)."""

    key: str
    when: date | None
    leaf: dict  # as written, merged with the base's leaf (unit, source)
    where: str  # the file (or option) that made it
    value: Any = None  # in model units, once validated


def _check_one_a_week(change: Change, same_week: list[Change], week: int) -> None:
    """Two values of one parameter from one file in the same model week: which holds would depend on
    their order; refuse them (a later file changing its base's value is an override, and allowed)."""
    for other in same_week:
        if other.key == change.key and other.where == change.where:
            raise _file(change.where).error(change.key, f"the values dated {other.when} and {change.when} "
                                f"fall in the same model week (week {week} of the run; weeks start on the first "
                                f"output year's 1 January): keep one, or date them a week or more apart")


def _check_opens(change: Change, values: dict, decl: dict[str, Par], week: int, week_of) -> None:
    """A family member a policy brings in on ``week`` (a contract let on its date) must not start in a
    year already over then (its first cohort would have been measured before it existed)."""
    member = change.key.rsplit(".", 1)[0] + "."
    for name in (n for n, par in decl.items() if par.opens and n.startswith(member) and n in values):
        year = values[name]
        if week >= week_of(date(year + 1, 1, 1)):
            on = change.when or "the first output year's 1 January"
            raise _file(change.where).error(name, f"{member[:-1]} is brought in on {on} (by "
                                f"'{change.key}'), after its first year ({year}) has ended: date the policy earlier "
                                f"or start it later")


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
def load(path: str | Path, declarations: Declarations, overrides: Mapping[str, Any] | None = None,
         where: str = "--set") -> Params:
    """Load a scenario file (following ``base:``), apply overrides, validate against the declarations.

    The full tree's values (and ``--set`` overrides) hold from the start of the run; a derived file's
    ``set:`` is a policy: each change takes effect on its date (``values: {2015-02-01: ...}``), or on
    the file's ``starts:`` date, or by default at the start of the first output year."""
    raw, origin, name, description, files, changes = _load_tree(Path(path), seen=())
    if overrides:
        _apply_set(raw, origin, overrides, where)
        changes = [c for c in changes if c.key not in overrides]
    return _finish(raw, origin, declarations, name, description, files, changes)


def _file(where: str | Path) -> FileChecker:
    """The checker that words a problem of one scenario file (or of an option: ``--set``, ``--scale``)."""
    return FileChecker(str(where))


def _read_yaml(path: Path) -> dict:
    """A scenario file's top level: only the keys a scenario has, the text ones text."""
    c = _file(path)
    doc = c.mapping(read_mapping(path), "", optional=TOP_LEVEL_KEYS)
    for key in TEXT_KEYS:
        if key in doc and not isinstance(doc[key], str):
            raise c.error(key, f"expected text, got {doc[key]!r}")
    return doc


def _load_tree(path: Path, seen: tuple[Path, ...]):
    try:
        path = path.resolve()
    except (RuntimeError, OSError):
        raise _file(path).error("", "a symbolic link loop") from None
    c = _file(path)
    if len(seen) >= MAX_BASE_CHAIN:
        raise c.error("", f"'base:' chain deeper than {MAX_BASE_CHAIN} files")
    if path in seen:
        raise c.error("", "'base:' chain loops back to itself")
    doc = _read_yaml(path)
    # The name is for people to read; output files are named after the file's stem, never after it.
    name = doc.get("name", path.stem)
    description = doc.get("description", "").strip()
    if "base" in doc:
        if "parameters" in doc:
            raise c.error("", "a scenario with 'base:' changes leaves under 'set:', not 'parameters:'")
        base = path.parent / doc["base"]
        if not base.exists():  # named here: the file a user copied, not the base it names
            raise c.error("base", f"{doc['base']!r}: no such file (a base is read from this file's folder, {path.parent})")
        raw, origin, _, _, files, changes = _load_tree(base, seen + (path,))
        if doc.get("starts") == FROM_START:  # a variant of the base (a calibration), not a policy
            _apply_set(raw, origin, doc.get("set") or {}, str(path))
            # the variant's start value replaces what its base set without a date (a base's dated policy stays)
            changes = [c for c in changes if c.when is not None or c.key not in raw or origin[c.key] != str(path)]
        else:
            known = {**raw, **{c.key: c.leaf for c in changes}}  # a base's policy may have brought in new leaves
            changes = changes + _policy(known, doc.get("set") or {}, str(path), _date(doc.get("starts"), path, "starts"))
    else:
        if "parameters" not in doc:
            raise c.error("", "needs either 'parameters:' (a full tree) or 'base:' (a file to inherit)")
        if "starts" in doc:
            raise c.error("starts", "dates a derived scenario's changes; a full tree holds from the start")
        raw, origin, changes = {}, {}, []
        _flatten(doc["parameters"], "", raw, origin, str(path))
        files = []
        _apply_set(raw, origin, doc.get("set") or {}, str(path))
    return raw, origin, name, description, files + [str(path)], changes


def _date(value: Any, where: Any, key: str) -> date | None:
    """A date written in a file (YAML reads 2015-02-01 as a date; text in that form is accepted too)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise _file(where).error(key, f"expected a date like 2015-02-01, got {value!r}") from None


def _policy(raw: dict, changes: Mapping[str, Any], where: str, starts: date | None) -> list[Change]:
    """A derived file's changes, each with its date: ``values:`` by date, else the file's start."""
    if not isinstance(changes, Mapping):
        raise _file(where).error("set", "must map dotted parameter names to values")
    out = []
    for key, new in changes.items():
        if isinstance(new, dict) and "values" in new:
            if "value" in new:
                raise _file(where).error(key, "give either 'value:' or dated 'values:', not both")
            dated = new["values"]
            if not isinstance(dated, Mapping) or not dated:
                raise _file(where).error(key, "'values:' must map dates to values")
            rest = {k: v for k, v in new.items() if k != "values"}
            for when, value in dated.items():
                leaf = _changed_leaf(raw, key, {**rest, "value": value}, where)
                out.append(Change(key, _date(when, where, key), leaf, where))
        else:
            out.append(Change(key, starts, _changed_leaf(raw, key, new, where), where))
    return out


def _changed_leaf(raw: dict, key: Any, new: Any, where: str) -> dict:
    """The leaf ``key`` would have after ``new``: a whole leaf, some shares of a distribution, or a value."""
    c = _file(where)
    if not isinstance(key, str):
        raise c.error("set", f"key {key!r} must be a dotted parameter name")
    if key not in raw:
        if _whole_leaf(new):  # a new member of a family (a contract let by the policy): checked at _finish
            _check_leaf_keys(new, key, where)
            return {**new, "changed_in": where}
        raise ScenarioError(f"{_unknown_parameter(c, key, raw)} (a new contract or service is given as whole "
                            f"leaves: value, unit and a source or an assumption)")
    leaf = dict(raw[key])
    if isinstance(new, dict) and "value" in new:
        _check_leaf_keys(new, key, where)
        leaf.update(new)
    elif isinstance(new, dict) and isinstance(leaf["value"], dict):
        leaf["value"] = {**leaf["value"], **new}  # change some shares of a distribution
    else:
        leaf["value"] = new
    leaf["changed_in"] = where
    return leaf


def _whole_leaf(new: Any) -> bool:
    return isinstance(new, dict) and "value" in new and "unit" in new and ("source" in new or "assumption" in new)


def _flatten(node: Any, prefix: str, raw: dict, origin: dict, where: str) -> None:
    c = _file(where)
    node = c.mapping(node, prefix or "parameters")  # a mapping of names
    if "value" in node:
        _check_leaf_keys(node, prefix, where)
        if prefix in raw:
            raise c.error(prefix, "given twice (as a dotted name and nested, or twice nested)")
        raw[prefix] = node
        origin[prefix] = where
        return
    for key, child in node.items():
        _flatten(child, f"{prefix}.{key}" if prefix else key, raw, origin, where)


def _apply_set(raw: dict, origin: dict, changes: Mapping[str, Any], where: str) -> None:
    if not isinstance(changes, Mapping):
        raise _file(where).error("set", "must map dotted parameter names to values")
    for key, new in changes.items():
        raw[key] = _changed_leaf(raw, key, new, where)
        origin[key] = where


def _check_leaf_keys(leaf: Mapping, key: str, where: str) -> None:
    """A misspelt key inside a leaf (``unti: months``) would silently keep the old unit: refuse it."""
    _file(where).mapping(leaf, key, optional=LEAF_KEYS)


def _unknown_parameter(c: FileChecker, key: str, known: Iterable[str]) -> ScenarioError:
    return c.unknown(key, known, "parameter", SUGGESTIONS)


# ---------------------------------------------------------------- validation
def _finish(raw: dict, origin: dict, declarations: Declarations, name: str, description: str,
            files: list[str], changes: Iterable[Change] = ()) -> Params:
    changes, start_only = list(changes), []
    introduced = {c.key for c in changes if c.key not in raw}  # new family members a policy brings in
    decl = declared(declarations, [*raw, *introduced])
    errors: list[str] = []
    # Settings of the run and of its starting population hold from the start, even in a derived file.
    for change in changes:
        if change.key in decl and decl[change.key].at_start_only:
            start_only.append(change)
            if change.when is not None:
                errors.append(_file(change.where).line(change.key, "shapes the start of the run and cannot change "
                              "at a policy date (set it without a date, or for both runs with --set)"))
            else:
                raw[change.key], origin[change.key] = change.leaf, change.where
    changes = [c for c in changes if c not in start_only]
    errors.extend(_fixed_changed(raw, origin, decl, changes))
    for key in sorted(set(raw) - set(decl)):
        errors.append(str(_unknown_parameter(_file(origin[key]), key, decl)))
    for change in changes:
        if change.key not in decl and change.key not in raw:
            errors.append(str(_unknown_parameter(_file(change.where), change.key, decl)))
    for key in sorted(set(decl) - set(raw) - introduced):
        errors.append(_file(files[0] if files else "<scenario>").line(key, f"missing parameter ({decl[key].kind})"))
    values: dict[str, Any] = {}
    for key in sorted(set(raw) & set(decl)):
        try:
            values[key] = convert(decl[key], raw[key])
        except ValueError as exc:
            errors.append(_file(origin[key]).line(key, str(exc)))
    policy = []
    for change in changes:
        par = decl.get(change.key)
        try:
            if par is None:
                continue  # reported above as unknown
            policy.append(replace(change, value=convert(par, change.leaf)))
        except ValueError as exc:
            errors.append(_file(change.where).line(change.key, str(exc)))
    if errors:
        more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
        raise ScenarioError(errors[0] + more)
    return Params(values=values, meta=raw, origin=origin, declarations=declarations, name=name,
                  description=description, files=files, changes=tuple(policy))


def _fixed_changed(raw: dict, origin: dict, decl: dict[str, Par], changes: list[Change]) -> list[str]:
    """A change of a ``fixed`` parameter (what a family member is, such as a contract's kind) to another
    value than its base gave: the name would then stand for two different things."""
    errors, before = [], {k: (leaf.get("value"), origin[k]) for k, leaf in raw.items() if k in decl and decl[k].fixed}
    for change in changes:
        if change.key not in decl or not decl[change.key].fixed:
            continue
        value = change.leaf.get("value")
        old, where = before.setdefault(change.key, (value, change.where))
        if value != old:
            member = change.key.rsplit(".", 1)[0]
            errors.append(_file(change.where).line(change.key, f"'{member}' is a {old} in {where}; a derived file "
                          f"may change an inherited member's terms, not what it is: give the new one another name"))
    return errors


def parse_override(text: str) -> tuple[str, Any]:
    """Turn ``key=value`` from the command line into a (dotted name, YAML value) pair."""
    if "=" not in text:
        raise ScenarioError(f"--set {text!r}: expected key=value")
    key, _, value = text.partition("=")
    return key.strip(), parse_value(value, f"--set {key.strip()}")
