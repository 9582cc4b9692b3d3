"""How a module declares a parameter it reads: dotted name, kind, labels, and its plausible range.

Each declaration also carries ``label``: what a policy analyst calls the parameter ("Share of those
offered a place who start"), shown in the reports beside the dotted name a user writes in a scenario
file or a ``--set``. A family's field (a service's, a contract's) writes ``{member}`` where the
member's name goes: ``"{member} places"`` reads "Drug treatment places" for ``services.drug_treatment``.

Every number a scenario sets is checked to be finite and inside its range, in model units (weeks,
per week). The kinds, each with its default range and its converter, are one table in
``jrsim.parameters.kinds``; a declaration may narrow or widen its kind's range (``low``, ``high``).
The ranges also bound the uncertainty that batches and sensitivity analysis may draw.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    # what an analyst calls it, in the reports (required: a declaration without one is an error)
    label: str = field(kw_only=True)

    def member(self, family: str, name: str) -> Par:
        """This family field as one member's parameter: ``<family>.<name>.<field>``, labelled with its name."""
        return replace(self, name=f"{family}.{name}.{self.name}", label=member_label(self.label, name))

    @property
    def bounds(self) -> tuple[float, float]:
        low, high = DEFAULT_RANGES.get(self.kind, (float("-inf"), float("inf")))
        return (low if self.low is None else self.low, high if self.high is None else self.high)


def words(name: str) -> str:
    """A name from a file or the vocabulary as a label writes it: 'drugs_alcohol' -> 'drugs alcohol'."""
    return name.replace("_", " ")


def member_label(template: str, name: str) -> str:
    """A family field's label for one member: ``{member}`` filled with the member's name in words."""
    text = template.format(member=words(name))
    return text[:1].upper() + text[1:]


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
