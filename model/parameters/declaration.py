"""How a module declares a parameter it reads: dotted name, kind, labels, and its plausible range.

Every number a scenario sets is checked to be finite and inside its range, in model units (weeks,
per week). The kinds, each with its default range and its converter, are one table in
``jrsim.parameters.kinds``; a declaration may narrow or widen its kind's range (``low``, ``high``).
The ranges also bound the uncertainty that batches and sensitivity analysis may draw.
"""
from __future__ import annotations

from dataclasses import dataclass

from jrsim.parameters.kinds import DEFAULT_RANGES


@dataclass(frozen=True)
class Par:
    """A declared parameter: its dotted name, kind, labels (for a distribution or a choice), what it
    means, and optionally a narrower or wider range than its kind's (model units)."""

    name: str
    kind: str
    labels: tuple[str, ...] = ()
    doc: str = ""
    low: float | None = None
    high: float | None = None
    at_start_only: bool = False  # read only when the run is built: a policy cannot change it on a date
    fixed: bool = False  # says what a family member is (a contract's kind): a later file may not change it
    # a year in which a family member starts (a contract's first cohort): it must not be over on the date a
    # policy brings the member in (the date its ``fixed`` parameter takes effect)
    opens: bool = False

    @property
    def bounds(self) -> tuple[float, float]:
        low, high = DEFAULT_RANGES.get(self.kind, (float("-inf"), float("inf")))
        return (low if self.low is None else self.low, high if self.high is None else self.high)


FAMILY_KEY_PARTS = 3  # <family>.<member>.<field>, as services.radar_key_worker.capacity


def family_members(names, family: str) -> list[str]:
    """The members of a family (``services``, ``contracts``) named in dotted parameter names, in
    first-seen order."""
    seen: dict[str, None] = {}
    for key in names:
        parts = key.split(".")
        if parts[0] == family and len(parts) >= FAMILY_KEY_PARTS:
            seen.setdefault(parts[1], None)
    return list(seen)
