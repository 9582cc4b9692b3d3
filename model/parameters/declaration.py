"""How a module declares a parameter it reads: dotted name, kind, labels, and its plausible range.

Each declaration also carries ``label``: what a policy analyst calls the parameter ("Share of those
offered a place who start"), shown in the reports beside the dotted name a user writes in a scenario
file or a ``--set``. A family's field (a service's, a contract's) writes ``{member}`` where the
member's name goes: ``"{member} places"`` reads "Drug treatment places" for ``services.drug_treatment``.

Every number a scenario sets is checked to be finite and inside its range, in model units (weeks,
per week). A declaration may narrow or widen its kind's default range (``low``, ``high``); the
defaults below say what is plausible for any parameter of a kind. The ranges also bound the
uncertainty that batches and sensitivity analysis may draw.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from jrsim.core.constants import WEEKS_PER_YEAR

# prob (0..1), rate (per time, to per week), duration (to weeks), count, multiplier and money (>= 0),
# coef (any real), dist (labelled shares summing to 1), flag (bool), int (whole number >= 0), text,
# choice (one of labels), choices (a list of labels), map (some labels, each to a probability),
# names (a list of names checked against a file, such as areas in the geography; may be empty),
# prices (some labels, each to pounds >= 0).
KINDS = frozenset({"prob", "rate", "duration", "count", "multiplier", "money", "coef", "dist", "flag", "int",
                   "text", "choice", "choices", "map", "names", "prices"})

# The plausible range of each numeric kind, in model units, unless a declaration says otherwise.
DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    "prob": (0.0, 1.0),
    "rate": (0.0, 7.0),  # per week: at most once a day
    "duration": (0.0, 100.0 * WEEKS_PER_YEAR),  # weeks: up to a hundred years
    "count": (0.0, 1e8),  # people, places, offences: more than the population of the country is a mistake
    "multiplier": (0.0, 1e3),
    "money": (0.0, 1e11),  # pounds: up to £100bn
    "coef": (-100.0, 100.0),  # regression coefficients on log-odds or log scales
    "int": (0.0, 1e6),
}


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
