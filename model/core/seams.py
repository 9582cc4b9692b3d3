"""The seams: the few methods one module may call on another, each declared as an interface here.

A module that offers a seam lists it in ``IMPLEMENTS``; one that calls it lists it in ``USES`` and gets
the implementing module with ``self.uses(Seam)``. The simulation checks when it is built that each
seam used has exactly one implementer and that the implementer has the methods the seam names.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np


class InitialPopulation(Protocol):
    """Building the starting population (demography). Called by the simulation before the first week."""

    def build_initial(self, t: int) -> None:
        """The people at the start, with the published stocks in prison and on probation."""


class ReoffendingRecord(Protocol):
    """The proven-reoffending measure (reoffending). Used by policing (cautions), courts
    (convictions), sentencing and custody (index events)."""

    def index(self, rows: np.ndarray, disposal: str, t: int) -> None:
        """Index events: people join this year's cohort under ``disposal`` at their first one."""

    def proven(self, rows: np.ndarray, offence_week: np.ndarray, n_offences: np.ndarray, t: int) -> None:
        """Offences proven today (caution or conviction), counted against any open cohort window."""


class RiskAssessment(Protocol):
    """The OGRS-like risk score (offending). Used by demography (entrants), policing and courts
    (a longer record raises the risk at once)."""

    def refresh_risk(self, rows: np.ndarray, t: int) -> None:
        """Recompute risk, the prolific flag and the cached offending rate of these people."""


class Liberty(Protocol):
    """Where people go when they leave custody or are recalled (supervision). Used by policing
    (recall on charge), courts (acquittal), sentencing (orders, fines) and custody (release)."""

    def return_to_liberty(self, rows: np.ndarray, t: int) -> None:
        """Into the order still in force, else no order."""

    def recall(self, rows: np.ndarray, t: int) -> None:
        """Recall licensees to custody, fixed-term or standard."""


class CustodialSentence(Protocol):
    """Starting a custodial sentence (sentencing). Used by supervision (custody for breach)."""

    def start_custody(self, rows: np.ndarray, band: np.ndarray, length: np.ndarray, remand_weeks: np.ndarray,
                      t: int) -> None:
        """Custody for ``length`` weeks in ``band``, less time on remand."""
