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


class CohortMeasure(Protocol):
    """The proven-reoffending cohorts as counted so far (reoffending), by year or by quarter and risk
    band. Used by commissioning, whose contracts pay on them once their follow-up and proof window has
    closed."""

    def cohort_counts(self, year: int, bands: tuple[int, ...] | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Cohort size, reoffenders, re-offences and the sum of members' predicted risk at index (the
        case mix) of output year ``year``, by index disposal and area; ``bands`` (indices into
        PROVIDER_BANDS): only the members whose risk band at their index event is one of them (None: all)."""

    def local_counts(self, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cohort size, reoffenders and re-offences of output year ``year`` by index disposal and local area
        (the run's AreaMap.local, whatever it reports by)."""

    def quarter_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cohort size, reoffenders and re-offences by cohort quarter (from the output start), index
        disposal, area and risk band at the index event; a quarter's cohort is the members whose index
        event fell in it (the arrays as counted so far: read, never written)."""

    def window_closes(self, year: int) -> int:
        """The week (of the run) after which output year ``year``'s cohort can gain no more proven offences."""


class ServiceCapacity(Protocol):
    """Places commissioners buy in a service beyond its scenario's capacity (services). Used by
    commissioning, whose pooled budgets reinvest savings in places."""

    def set_extra_places(self, service: str, places: float) -> None:
        """From this week, ``places`` more places in ``service`` in the run's areas (at full size)."""

    def place_cost_per_year(self, service: str) -> float:
        """What one place for a year costs (pounds, the service's price year)."""

    def commission(self, service: str, places: float, price_per_place_week: float, need_match: float) -> None:
        """From this week, ``places`` places (full size, in the run's areas) bought by a commissioning design
        at ``price_per_place_week``, its providers referring with ``need_match`` (0: anyone eligible, 1: only
        people with the service's need unmet)."""

    def weeks_per_case(self, service: str) -> float:
        """How long one person's spell of the service lasts (weeks)."""

    def funder_of(self, service: str) -> str:
        """The agency that pays for the service."""


class ServiceUse(Protocol):
    """Who is using which service (services). Used by commissioning, whose providers' caseloads are
    referred on to services and use them."""

    def memberships(self, rows: np.ndarray) -> np.ndarray:
        """Each person's services as bits (bit k: waiting for or in a place of the run's k-th service)."""

    def referral_terms(self) -> tuple[dict, ...]:
        """The run's services in order, as a provider sees them when it chooses whom to refer: each one's
        ``name``, ``effect``, ``engagement_probability``, ``referral_probability`` and ``eligible_status``
        (status names), as in force now."""


class ReferralChoice(Protocol):
    """The referral multipliers the providers chose for the people they supervise (commissioning). Used
    by services: a person's chance of a referral to a service is multiplied by it."""

    def referral_multiplier(self, service: int, rows: np.ndarray) -> np.ndarray:
        """Each person's multiplier (float64) of the chance of a referral to the run's ``service``-th
        service: exactly 1 for anyone no provider supervises (a run without providers is the same to the bit)."""


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
