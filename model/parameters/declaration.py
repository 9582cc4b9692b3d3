"""How a module declares a parameter it reads: dotted name, kind and, for labelled kinds, the labels."""
from __future__ import annotations

from dataclasses import dataclass

# prob (0..1), rate (per time, to per week), duration (to weeks), count, multiplier and money (>= 0),
# coef (any real), dist (labelled shares summing to 1), flag (bool), int (whole number >= 0), text,
# choice (one of labels), choices (a list of labels), map (some labels, each to a probability).
KINDS = frozenset({"prob", "rate", "duration", "count", "multiplier", "money", "coef", "dist", "flag", "int",
                   "text", "choice", "choices", "map"})


@dataclass(frozen=True)
class Par:
    """A declared parameter: its dotted name, kind and, for a distribution or a choice, its labels."""

    name: str
    kind: str
    labels: tuple[str, ...] = ()
    doc: str = ""
