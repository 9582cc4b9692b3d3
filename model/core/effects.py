"""Effects: the one mechanism by which one module changes a rate another module applies.

Each effect is a per-person multiplier, a population column owned by no module. A module that sets
it lists it in ``WRITES_EFFECTS``; one that applies it lists it in ``READS_EFFECTS`` and may ask to be
told when it changes (to refresh a cached rate). A reader finds who changes a rate and who applies it
from either side by the effect's name:

- ``OFFENDING_HAZARD``: set by services (a completed or part-done service lowers it, fading with its
  half-life); applied by offending, in each person's weekly offending rate.
- ``DETECTION``: set by services (IOM-style enforcement on those who do not engage); applied by
  policing, in the chance an offence is detected.
- ``SUPERVISION_CONTACT``: set by commissioning (the effort a provider gives the people it supervises:
  more contact than need lowers the rate, less raises it); applied by offending, in the weekly rate.
- ``DROPOUT``: set by commissioning (contact keeps people engaged); applied by services, to the
  drop-out hazard of the people in their places.

Every multiplier is one unless a module sets it, so a run in which nobody sets an effect is the same
to the bit as a run without it.

A provider's choice of whom it refers on to which service is not an effect (one multiplier a person
would apply alike to every service) but a multiplier per service: services ask commissioning for it
through the ``ReferralChoice`` seam (``jrsim.core.seams``).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from jrsim.core.errors import UndeclaredError

OFFENDING_HAZARD = "offending_hazard"
DETECTION = "detection"
SUPERVISION_CONTACT = "supervision_contact"
DROPOUT = "dropout"
EFFECTS = (OFFENDING_HAZARD, DETECTION, SUPERVISION_CONTACT, DROPOUT)
NO_EFFECT = 1.0  # a multiplier of one: the rate as it would be without any service


def column(effect: str) -> str:
    """The population column that holds an effect."""
    return f"effect_{effect}"


class Effects:
    """The effect columns of one run and who is told when they change."""

    def __init__(self, pop) -> None:
        self.pop = pop
        self._listeners: dict[str, list[Callable[[np.ndarray], None]]] = {e: [] for e in EFFECTS}
        for effect in EFFECTS:
            pop.declare(column(effect), np.float32, NO_EFFECT)

    def view(self, writes: tuple[str, ...], reads: tuple[str, ...], owner: str) -> "EffectsView":
        unknown = sorted((set(writes) | set(reads)) - set(EFFECTS))
        if unknown:
            raise UndeclaredError(f"module {owner!r} declares unknown effect(s) {unknown}; effects: {list(EFFECTS)}")
        return EffectsView(self, writes, reads, owner)


class EffectsView:
    def __init__(self, effects: Effects, writes: tuple[str, ...], reads: tuple[str, ...], owner: str):
        self._effects, self._writes, self._reads, self._owner = effects, writes, reads, owner

    def _check(self, effect: str, declared: tuple[str, ...], what: str) -> None:
        if effect not in declared:
            raise UndeclaredError(f"module {self._owner!r} {what} effect {effect!r} without declaring it "
                                  f"in {'WRITES_EFFECTS' if declared is self._writes else 'READS_EFFECTS'}")

    def values(self, effect: str) -> np.ndarray:
        """The effect's column over the living rows (read it with the rows you need)."""
        self._check(effect, self._reads, "applies")
        return self._effects.pop.column(column(effect))

    def on_change(self, effect: str, listener: Callable[[np.ndarray], None]) -> None:
        """Be called with the rows whose multiplier changed."""
        self._check(effect, self._reads, "listens to")
        self._effects._listeners[effect].append(listener)

    def multiply(self, effect: str, rows: np.ndarray, factors: np.ndarray) -> None:
        """Multiply people's multipliers (a person may appear twice: two services at once)."""
        self._check(effect, self._writes, "sets")
        np.multiply.at(self._effects.pop.column(column(effect)), rows, factors)
        self._changed(effect, rows)

    def set(self, effect: str, rows: np.ndarray, values) -> None:
        self._check(effect, self._writes, "sets")
        self._effects.pop.column(column(effect))[rows] = values
        self._changed(effect, rows)

    def _changed(self, effect: str, rows: np.ndarray) -> None:
        for listener in self._effects._listeners[effect]:
            listener(rows)
