"""Proven reoffending, measured as the Ministry of Justice publishes it.

Each output year has a cohort: adults cautioned, convicted with a non-custodial
sentence, or released from custody in that year, each counted once, at their
first such event (the index event), under that event's disposal. A proven
re-offence is an offence committed within the follow-up (one year) after the
index date and proven by caution or conviction within a further proof window
(six months). Outputs: cohort size, reoffenders and re-offences by cohort year,
index disposal and area (the person's area at the run's area level).

A person can be in the cohorts of consecutive years with overlapping follow-ups,
so each person has three slots, one per cohort year modulo 3.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.core.constants import MIN_MEDIAN_WEEKS, WEEKS_PER_YEAR
from jrsim.core.module import Module
from jrsim.core.results import COUNT, FLAG, MODEL_WEEK, PEOPLE, PERSON_ID, PROVEN_OFFENCES, TRUE_FALSE, event_log, labelled
from jrsim.core.seams import CohortMeasure, ReoffendingRecord
from jrsim.core.vocabulary import INDEX_DISPOSALS
from jrsim.parameters.declaration import Par

# One slot per cohort year modulo SLOTS: a follow-up (a year) plus proof window (six months) spans
# under two years, so three slots never hold two open cohorts at once.
SLOTS = 3


class Reoffending(Module):
    name = "reoffending"
    PARAMETERS = (
        Par("reoffending.follow_up", "duration", low=MIN_MEDIAN_WEEKS, label="Reoffending follow-up period"),
        Par("reoffending.proof_window", "duration", label="Time allowed for a re-offence to be proven"),
        Par("reoffending.band_cuts", "map", ("medium", "high", "very_high"), label="Risk bands: lowest score of each"),
    )
    READS = ("run.evaluation_log",)
    IMPLEMENTS = (ReoffendingRecord, CohortMeasure)
    COLUMNS = {
        **{f"cohort_year_{s}": (np.int16, -1) for s in range(SLOTS)},
        **{f"index_week_{s}": (np.int32, 0) for s in range(SLOTS)},
        **{f"index_disposal_{s}": (np.int8, 0) for s in range(SLOTS)},
        **{f"reoffended_{s}": (np.bool_, False) for s in range(SLOTS)},
    }

    def init(self) -> None:
        self.n_years = self.sim.calendar.output_years
        shape = (max(self.n_years, 1), len(INDEX_DISPOSALS), self.sim.areas.n_reported)
        self.cohort = np.zeros(shape, np.int64)
        self.reoffenders = np.zeros(shape, np.int64)
        self.reoffences = np.zeros(shape, np.int64)
        self.predicted = np.zeros(shape, float)  # the sum of members' risk scores at index (case mix)
        self.log: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = []  # run.evaluation_log: proven offences
        self.configure()

    def configure(self) -> None:
        self.follow_up = int(round(self.p["reoffending.follow_up"]))
        self.window = self.follow_up + int(round(self.p["reoffending.proof_window"]))

    def index(self, rows: np.ndarray, disposal: str, t: int) -> None:
        """Index events: a person joins this year's cohort at their first one."""
        y = self.sim.calendar.output_year(t)
        if y < 0 or y >= self.n_years or len(rows) == 0:
            return
        pop, s = self.sim.pop, y % SLOTS
        year_col = pop.column(f"cohort_year_{s}")
        new = rows[year_col[rows] != y]
        new = np.unique(new)
        year_col[new] = y
        pop.column(f"index_week_{s}")[new] = t
        pop.column(f"index_disposal_{s}")[new] = INDEX_DISPOSALS.index(disposal)
        pop.column(f"reoffended_{s}")[new] = False
        self.cohort[y, INDEX_DISPOSALS.index(disposal)] += self._by_area(new)
        self.predicted[y, INDEX_DISPOSALS.index(disposal)] += self._by_area(new, pop.risk[new])

    def proven(self, rows: np.ndarray, offence_week: np.ndarray, n_offences: np.ndarray, t: int) -> None:
        """Offences proven today (caution or conviction) count against any cohort whose window holds them."""
        if len(rows) == 0:
            return
        pop = self.sim.pop
        if self.p["run.evaluation_log"]:
            self.log.append((pop.id[rows], np.asarray(offence_week, np.int32), np.asarray(n_offences), t))
        for s in range(SLOTS):
            year = pop.column(f"cohort_year_{s}")[rows]
            start = pop.column(f"index_week_{s}")[rows]
            ok = ((year >= 0) & (offence_week > start) & (offence_week <= start + self.follow_up)
                  & (t <= start + self.window))
            if not ok.any():
                continue
            r, y = rows[ok], year[ok]
            d = pop.column(f"index_disposal_{s}")[r]
            a = self.sim.results.area_of(r)
            np.add.at(self.reoffences, (y, d, a), n_offences[ok])
            flag = pop.column(f"reoffended_{s}")
            first = ~flag[r]
            np.add.at(self.reoffenders, (y[first], d[first], a[first]), 1)
            flag[r] = True

    def cohort_counts(self, year: int, bands=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.cohort[year], self.reoffenders[year], self.reoffences[year], self.predicted[year]

    def window_closes(self, year: int) -> int:
        return self.sim.calendar.warmup_weeks + (year + 1) * WEEKS_PER_YEAR + self.window

    def _by_area(self, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(self.sim.results.area_of(rows), weights, minlength=self.sim.areas.n_reported)

    def complete_years(self) -> np.ndarray:
        """Which cohort years had their whole follow-up and proof window inside the run."""
        years = np.arange(self.cohort.shape[0])
        end_of_window = (years + 1) * WEEKS_PER_YEAR + self.window
        return end_of_window <= self.sim.calendar.output_weeks

    def dataset_variables(self) -> dict[str, xr.DataArray]:
        """Cohort size, reoffenders and re-offences by cohort year and index disposal."""
        years = np.arange(self.cohort.shape[0]) + self.sim.calendar.start_year
        dims = ("cohort_year", "disposal", "area")
        coords = {"cohort_year": years, "disposal": list(INDEX_DISPOSALS), "area": list(self.sim.areas.reported)}
        log = {} if not self.p["run.evaluation_log"] else event_log("proven", {
            "proven_person": ([ids for ids, _, _, _ in self.log], np.int64, PERSON_ID, "Person with a proven re-offence"),
            "proven_offence_week": ([w for _, w, _, _ in self.log], np.int32, MODEL_WEEK, "Week of the proven re-offence"),
            "proven_offences": ([n for _, _, n, _ in self.log], np.int32, PROVEN_OFFENCES, "Offences proven"),
            "proven_week": ([np.full(len(ids), t) for ids, _, _, t in self.log], np.int32, MODEL_WEEK,
                            "Week the re-offence was proven")})
        return {
            **log,
            "cohort_size": xr.DataArray(self.cohort, dims=dims, coords=coords,
                                        attrs=labelled(PEOPLE, COUNT, "Reoffending cohort")),
            "reoffenders": xr.DataArray(self.reoffenders, dims=dims, coords=coords,
                                        attrs=labelled(PEOPLE, COUNT, "Proven reoffenders in the cohort")),
            "reoffences": xr.DataArray(self.reoffences, dims=dims, coords=coords,
                                       attrs=labelled(PROVEN_OFFENCES, COUNT, "Proven re-offences of the cohort")),
            "cohort_complete": xr.DataArray(self.complete_years(), dims=("cohort_year",),
                                            coords={"cohort_year": years},
                                            attrs={**labelled(TRUE_FALSE, FLAG, "Cohort's follow-up complete"),
                                                   "description":
                                                   "true when follow-up and proof window ended within the run"}),
        }
