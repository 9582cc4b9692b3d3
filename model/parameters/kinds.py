"""The kinds of parameter a module may declare, each once: what it holds, its plausible range (the
numeric kinds) and the converter that checks a scenario's value and turns it into model units.

``KINDS`` is the one table: a new kind is a row here (a converter, and a default range if it is a
number), and nothing else has to agree with it. A declaration (``Par``) may narrow or widen its
kind's range (``low``, ``high``); the ranges below say what is plausible for any parameter of a kind,
in model units (weeks, per week). They also bound the uncertainty batches and sensitivity analysis draw.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from jrsim.core.constants import SHARE_EPSILON, WEEKS_PER_YEAR
from jrsim.parameters.schema import did_you_mean, show
from jrsim.parameters.units import RATE_PER_WEEK, WEEKS_PER

if TYPE_CHECKING:  # converters read a declaration's labels and bounds; declaration.py imports this module
    from jrsim.parameters.declaration import Par

Converter = Callable[["Par", Any, str], Any]  # (declaration, value as written, unit as written) -> model units


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"expected a number, got {show(value)}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"expected a finite number, got {value!r}")
    return v


def _ranged(par: Par, v: float, shown: str = "") -> float:
    """``v`` (model units) inside the declaration's plausible range; ``shown``: how the file wrote it."""
    low, high = par.bounds
    written = shown or f"{v:g}"
    if v < low:
        raise ValueError(f"cannot be negative, got {written}" if low == 0 else f"must be at least {low:g}, got {written}")
    if v > high:
        raise ValueError(f"must be at most {high:g}, got {written}")
    return v


def _plain(par: Par, value: Any, unit: str) -> float:
    """A number that needs no unit conversion (a count, a multiplier, pounds, a coefficient)."""
    return _ranged(par, _number(value), repr(value))


def _in_weeks(par: Par, value: Any, unit: str, factors: dict[str, float], what: str) -> float:
    """A duration or rate converted to weeks (or per week) by its unit, inside its range."""
    v = _number(value)
    if unit not in factors:
        raise ValueError(f"a {what} needs a unit in {sorted(factors)}, got {unit!r}")
    if v < 0:
        raise ValueError(f"a {what} cannot be negative, got {value}")
    per = "weeks" if what == "duration" else "per week"
    return _ranged(par, v * factors[unit], f"{value} {unit} ({v * factors[unit]:g} {per})")


def _duration(par: Par, value: Any, unit: str) -> float:
    return _in_weeks(par, value, unit, WEEKS_PER, "duration")


def _rate(par: Par, value: Any, unit: str) -> float:
    return _in_weeks(par, value, unit, RATE_PER_WEEK, "rate")


def _prob(par: Par, value: Any, unit: str) -> float:
    v = _number(value)
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"a probability must lie in [0, 1], got {value}")
    return _ranged(par, v)


def _whole(par: Par, value: Any, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a whole number >= 0, got {show(value)}")
    low, high = par.bounds  # compared as integers: a 64-bit seed is not a float
    if not low <= value <= high:
        raise ValueError(f"must be at least {low:g}, got {value}" if value < low else f"must be at most {high}, got {value}")
    return value


def _flag(par: Par, value: Any, unit: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _text(par: Par, value: Any, unit: str) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"expected text, got {value!r}")
    return str(value)


def _unknown_label(par: Par, bad: Any) -> str:
    """' (did you mean ...?)' for the first label a file wrote that its declaration does not know."""
    first = bad[0] if isinstance(bad, list) and bad else bad
    return did_you_mean(str(first), par.labels) if isinstance(first, str) else ""


def _choice(par: Par, value: Any, unit: str) -> str:
    if not isinstance(value, str) or value not in par.labels:
        raise ValueError(f"expected one of {list(par.labels)}, got {value!r}{_unknown_label(par, value)}")
    return value


def _choices(par: Par, value: Any, unit: str) -> tuple:
    if not isinstance(value, list) or any(not isinstance(v, str) or v not in par.labels for v in value):
        bad = [v for v in value if v not in par.labels] if isinstance(value, list) else value
        raise ValueError(f"expected a list drawn from {list(par.labels)}; not known: {bad!r}{_unknown_label(par, bad)}")
    return tuple(value)


def _names(par: Par, value: Any, unit: str) -> tuple:
    if not isinstance(value, list) or any(not isinstance(v, str) or not v.strip() for v in value):
        raise ValueError(f"expected a list of names, got {show(value)}")
    return tuple(value)


def _prices(par: Par, value: Any, unit: str) -> dict:
    if not isinstance(value, dict) or any(k not in par.labels for k in value):
        bad = [k for k in value if k not in par.labels] if isinstance(value, dict) else value
        raise ValueError(f"expected a mapping from {list(par.labels)} to pounds; not known: "
                         f"{show(bad)}{_unknown_label(par, bad)}")
    out = {k: 0.0 for k in par.labels}
    for k, v in value.items():
        v = _number(v)
        if v < 0:
            raise ValueError(f"{k}: a price cannot be negative, got {v:g}")
        out[k] = v
    return out


def _map(par: Par, value: Any, unit: str) -> dict:
    if not isinstance(value, dict) or any(k not in par.labels for k in value):
        bad = [k for k in value if k not in par.labels] if isinstance(value, dict) else value
        raise ValueError(f"expected a mapping from {list(par.labels)} to probabilities; not known: "
                         f"{bad!r}{_unknown_label(par, bad)}")
    out = {}
    for k, v in value.items():
        v = _number(v)
        if not 0 <= v <= 1:
            raise ValueError(f"{k}: must lie in [0, 1], got {v}")
        out[k] = v
    return out


def _dist(par: Par, value: Any, unit: str) -> tuple:
    if not isinstance(value, dict):
        raise ValueError(f"expected a mapping of {list(par.labels)} to shares")
    if set(value) != set(par.labels):
        raise ValueError(f"expected exactly the labels {list(par.labels)}, got {sorted(map(str, value))}")
    shares = [_number(value[label]) for label in par.labels]
    if any(s < 0 or s > 1 for s in shares):
        raise ValueError("each share must lie in [0, 1]")
    if abs(sum(shares) - 1.0) > SHARE_EPSILON:
        raise ValueError(f"shares must sum to 1, got {sum(shares):.6f}")
    return tuple(shares)


@dataclass(frozen=True)
class Kind:
    """One kind of parameter: what a value of it is, how it is checked and converted, and (a number)
    the range plausible for any parameter of the kind, in model units."""

    means: str
    convert: Converter
    default_range: tuple[float, float] | None = None  # None: not a number, or no range beyond the converter's


KINDS: dict[str, Kind] = {
    "prob": Kind("a probability", _prob, (0.0, 1.0)),
    "rate": Kind("a rate per time, to per week", _rate, (0.0, 7.0)),  # per week: at most once a day
    "duration": Kind("a duration, to weeks", _duration, (0.0, 100.0 * WEEKS_PER_YEAR)),  # up to a hundred years
    # people, places, offences: more than the population of the country is a mistake
    "count": Kind("a count >= 0", _plain, (0.0, 1e8)),
    "multiplier": Kind("a multiplier >= 0", _plain, (0.0, 1e3)),
    "money": Kind("pounds >= 0", _plain, (0.0, 1e11)),  # up to £100bn
    "coef": Kind("any real (a regression coefficient)", _plain, (-100.0, 100.0)),  # on log-odds or log scales
    "int": Kind("a whole number >= 0", _whole, (0.0, 1e6)),
    "dist": Kind("labelled shares summing to 1", _dist),
    "flag": Kind("true or false", _flag),
    "text": Kind("text", _text),
    "choice": Kind("one of the labels", _choice),
    "choices": Kind("a list of labels", _choices),
    "map": Kind("some labels, each to a probability", _map),
    "names": Kind("a list of names checked against a file (areas in the geography); may be empty", _names),
    "prices": Kind("some labels, each to pounds >= 0", _prices),
}

# The plausible range of each numeric kind, in model units, unless a declaration says otherwise.
DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    name: kind.default_range for name, kind in KINDS.items() if kind.default_range is not None}


def convert(par: Par, leaf: Mapping[str, Any]) -> Any:
    """Check one leaf against its declaration and return it in model units."""
    if "source" not in leaf and "assumption" not in leaf and "changed_in" not in leaf:
        raise ValueError("needs a 'source' (title, year) or an 'assumption' (why)")
    if "value" not in leaf:
        raise ValueError("needs a 'value'")
    if "se" in leaf:
        se = leaf["se"]
        if isinstance(se, bool) or not isinstance(se, (int, float)) or not math.isfinite(se) or se <= 0:
            raise ValueError(f"'se' (a standard error) must be a positive number, got {se!r}")
    return KINDS[par.kind].convert(par, leaf["value"], str(leaf.get("unit", "")))
