"""What contracts measure in a run: a cohort's outcome against its reference (through the CohortMeasure
seam, the only way the commissioning layer reads cohorts), the weighted cost of demand of the
contract's areas, and a service's activity over a year (what a fee per unit or a gateway counts)."""
from __future__ import annotations

import numpy as np

from jrsim.commissioning.contracts import DEMAND_MEASURES, Contract
from jrsim.commissioning.payments import Outcome, sampling_variance
from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.seams import CohortMeasure
from jrsim.core.vocabulary import INDEX_DISPOSALS, PROVIDER_BANDS

# The run result a fee per unit counts, by basis (place-weeks: the people in places, week by week).
FEE_UNITS = {"per_referral": "service_referrals", "per_start": "service_starts", "per_place_week": "service_in_places"}


class Measurer:
    """A run's measurements for its contracts, at full size (``scale``: the run's sampling fraction)."""

    def __init__(self, sim, cohorts: CohortMeasure, scale: float):
        self.sim, self.cohorts, self.scale = sim, cohorts, scale

    def window_closes(self, year: int) -> int:
        """The week of the run after which cohort (output) year ``year`` can gain no more proven offences."""
        return self.cohorts.window_closes(year - self.sim.calendar.start_year)

    # ------------------------------------------------------------ cohorts
    def outcome(self, c: Contract, year: int, measure: str) -> Outcome:
        """The contract cohort's result on ``measure`` in cohort ``year``, per person, against its
        reference: the same areas' baseline cohort (adjusted for case mix if the contract says so) or
        the same disposals' cohort in the run's other areas (the comparison group)."""
        mine = np.isin(self.sim.areas.reported, c.f["areas"])
        n, observed, risk = self._rate(c, year, mine, measure)
        if c.f["reference"] == "baseline":
            _, reference, base_risk = self._rate(c, c.f["baseline_year"], mine, measure)
            # the contract's own measure only: Transforming Rehabilitation adjusted its binary measure for
            # case mix, not the frequency measure behind the binary hurdle (Justice Committee, HC 1004)
            if c.f["risk_adjusted"] and measure == c.f["measure"] and base_risk > 0:
                reference *= risk / base_risk  # the baseline rate for this cohort's predicted risk
        else:
            reference = self._rate(c, year, ~mine, measure)[1]
        cohort = n / self.scale  # the real cohort's size: the contract's test is on it
        return Outcome(measure, cohort, observed, reference, sampling_variance(measure, reference, cohort))

    def _rate(self, c: Contract, year: int, areas: np.ndarray, measure: str) -> tuple[float, float, float]:
        """Cohort size, its rate on the measure and its mean predicted risk, in the given areas."""
        disposals = [INDEX_DISPOSALS.index(d) for d in c.f["disposals"]]
        bands = tuple(PROVIDER_BANDS.index(b) for b in c.f["bands"]) if "bands" in c.f else None
        counts = self.cohorts.cohort_counts(year - self.sim.calendar.start_year, bands)
        size, reoffenders, reoffences, predicted = (float(x[disposals][:, areas].sum()) for x in counts)
        count = reoffenders if measure == "binary" else reoffences
        return size, count / max(size, 1.0), predicted / max(size, 1.0)

    def local_rate(self, year: int, local: np.ndarray, disposals, measure: str = "binary") -> tuple[float, float]:
        """The cohort of output ``year`` (a calendar year) of the given local areas (indices into the run's
        local areas) and index disposals: its size at full size and its rate on ``measure`` (binary: the share
        who proven-reoffend; frequency: proven re-offences per person)."""
        size, reoffenders, reoffences = self.cohorts.local_counts(year - self.sim.calendar.start_year)
        d = [INDEX_DISPOSALS.index(x) for x in disposals]
        count = reoffenders if measure == "binary" else reoffences
        n, r = float(size[d][:, local].sum()), float(count[d][:, local].sum())
        return n / self.scale, r / max(n, 1.0)

    # ------------------------------------------------------------ services and demand
    def year_of(self, result: str, year: int) -> np.ndarray:
        """The weeks of an output year of a weekly result (time first)."""
        first = (year - self.sim.calendar.start_year) * WEEKS_PER_YEAR
        return self.sim.results.arrays[result][first:first + WEEKS_PER_YEAR]

    def service_year_total(self, result: str, service: str, year: int) -> float:
        """A service's result (starts, referrals, place-weeks, spend) summed over a contract year, at full size."""
        labels = dict(self.sim.results.specs[result].dims)["service"]
        return float(self.year_of(result, year)[:, labels.index(service)].sum()) / self.scale

    def fee_units(self, c: Contract, year: int) -> float:
        """The units a fee per unit pays on in contract year ``year`` (its basis, of its service)."""
        return self.service_year_total(FEE_UNITS[c.f["fee_basis"]], c.f["fee_service"], year)

    def cost_of_demand(self, c: Contract, year: int) -> float:
        """The contract areas' weighted cost of demand over a calendar year, at full size."""
        mine = np.isin(self.sim.areas.reported, c.f["areas"])
        total = 0.0
        for measure in DEMAND_MEASURES:
            weight = c.f["weights"][measure]
            if weight:
                total += weight * float(self.year_of(measure, year)[:, mine].sum())
        return total / self.scale
