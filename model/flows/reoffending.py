"""Proven reoffending, measured as the Ministry of Justice publishes it.

Each output year has a cohort: adults cautioned, convicted with a non-custodial
sentence, or released from custody in that year, each counted once, at their
first such event (the index event), under that event's disposal. A proven
re-offence is an offence committed within the follow-up (one year) after the
index date and proven by caution or conviction within a further proof window
(six months). Outputs: cohort size, reoffenders and re-offences by cohort year,
index disposal and area (the person's area at the run's area level); and the same by
quarter (the 13-week quarter of the output window the index week falls in) and risk band (the
member's OGRS band at the index event, ``reoffending.band_cuts``): the yearly counts are the
quarterly ones summed, so both always agree.

A person can be in the cohorts of consecutive years with overlapping follow-ups,
so each person has three slots, one per cohort year modulo 3.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.core.bands import CUT_LABELS, PROVIDER_BAND, band_of, cuts_of
from jrsim.core.constants import MIN_MEDIAN_WEEKS, QUARTERS_PER_YEAR, WEEKS_PER_YEAR
from jrsim.core.errors import ScenarioError
from jrsim.core.module import Module
from jrsim.core.results import COUNT, FLAG, MODEL_WEEK, PEOPLE, PERSON_ID, PROVEN_OFFENCES, TRUE_FALSE, event_log, labelled
from jrsim.core.seams import CohortMeasure, ReoffendingRecord
from jrsim.core.vocabulary import INDEX_DISPOSALS, PROVIDER_BANDS
from jrsim.parameters.declaration import Par

# One slot per cohort year modulo SLOTS: a follow-up (a year) plus proof window (six months) spans
# under two years, so three slots never hold two open cohorts at once.
SLOTS = 3
BAND_CUTS = "reoffending.band_cuts"
N_BANDS = len(PROVIDER_BANDS)
BY_QUARTER_AND_BAND = ("cohort_quarter", "disposal", "area", PROVIDER_BAND)


class Reoffending(Module):
    name = "reoffending"
    PARAMETERS = (
        Par("reoffending.follow_up", "duration", low=MIN_MEDIAN_WEEKS, label="Reoffending follow-up period"),
        Par("reoffending.proof_window", "duration", label="Time allowed for a re-offence to be proven"),
        # fixed for the run: a member's band is set at their index event, and a pair's arms must band alike
        Par(BAND_CUTS, "map", CUT_LABELS, "the lowest OGRS-like two-year score in each risk band above 'low' "
            "(cuts increasing strictly)", at_start_only=True, label="Lowest risk score of each provider risk band"),
    )
    READS = ("run.evaluation_log",)
    IMPLEMENTS = (ReoffendingRecord, CohortMeasure)
    COLUMNS = {
        **{f"cohort_year_{s}": (np.int16, -1) for s in range(SLOTS)},
        **{f"index_week_{s}": (np.int32, 0) for s in range(SLOTS)},
        **{f"index_disposal_{s}": (np.int8, 0) for s in range(SLOTS)},
        **{f"reoffended_{s}": (np.bool_, False) for s in range(SLOTS)},
        **{f"index_band_{s}": (np.int8, 0) for s in range(SLOTS)},  # the member's risk band at the index event
    }

    def init(self) -> None:
        self.n_years = self.sim.calendar.output_years
        shape = (max(self.n_years, 1), len(INDEX_DISPOSALS), self.sim.areas.n_reported)
        quarterly = (shape[0] * QUARTERS_PER_YEAR, *shape[1:], N_BANDS)
        # counted by quarter and band only: a year's counts are its quarters' summed over bands (exact)
        self.band_cohort = np.zeros(quarterly, np.int64)
        self.band_reoffenders = np.zeros(quarterly, np.int64)
        self.band_reoffences = np.zeros(quarterly, np.int64)
        # by local area as well (commissioning's lots are groups of local areas, whatever the run reports by)
        local = (shape[0], len(INDEX_DISPOSALS), len(self.sim.areas.local))
        self.local_cohort = np.zeros(local, np.int64)
        self.local_reoffenders = np.zeros(local, np.int64)
        self.local_reoffences = np.zeros(local, np.int64)
        self.predicted = np.zeros(shape, float)  # the sum of members' risk scores at index (case mix)
        self.band_predicted = np.zeros((*shape, N_BANDS), float)  # the same by band (summed apart: not added up)
        self.cuts = cuts_of(self.p[BAND_CUTS])
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
        risk, d = pop.risk[new], INDEX_DISPOSALS.index(disposal)
        band = band_of(risk, self.cuts)
        pop.column(f"index_band_{s}")[new] = band
        area = self.sim.results.area_of(new)
        n_areas = self.sim.areas.n_reported
        self.band_cohort[self.sim.calendar.output_quarter(t), d] += _by_area_and_band(area, band, n_areas)
        self.predicted[y, d] += np.bincount(area, risk, minlength=n_areas)
        self.band_predicted[y, d] += _by_area_and_band(area, band, n_areas, risk)
        self.local_cohort[y, d] += np.bincount(pop.area[new], minlength=self.local_cohort.shape[-1])

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
            r = rows[ok]
            q = self.sim.calendar.output_quarter(start[ok])  # within the cohort year: index weeks are in it
            d = pop.column(f"index_disposal_{s}")[r]
            a = self.sim.results.area_of(r)
            b = pop.column(f"index_band_{s}")[r]
            np.add.at(self.band_reoffences, (q, d, a, b), n_offences[ok])
            np.add.at(self.local_reoffences, (year[ok], d, pop.area[r]), n_offences[ok])
            flag = pop.column(f"reoffended_{s}")
            first = ~flag[r]
            np.add.at(self.band_reoffenders, (q[first], d[first], a[first], b[first]), 1)
            np.add.at(self.local_reoffenders, (year[ok][first], d[first], pop.area[r[first]]), 1)
            flag[r] = True

    def cohort_counts(self, year: int, bands: tuple[int, ...] | None = None
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        quarters = slice(year * QUARTERS_PER_YEAR, (year + 1) * QUARTERS_PER_YEAR)
        chosen = slice(None) if bands is None else list(bands)
        size, reoffenders, reoffences = (x[quarters][..., chosen].sum(axis=(0, -1)) for x in self.quarter_counts())
        predicted = self.predicted[year] if bands is None else self.band_predicted[year][..., chosen].sum(axis=-1)
        return size, reoffenders, reoffences, predicted

    def local_counts(self, year: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.local_cohort[year], self.local_reoffenders[year], self.local_reoffences[year]

    def quarter_counts(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.band_cohort, self.band_reoffenders, self.band_reoffences

    def yearly(self) -> list[np.ndarray]:
        """Cohort size, reoffenders and re-offences by cohort year, index disposal and area."""
        return [x.reshape(-1, QUARTERS_PER_YEAR, *x.shape[1:]).sum(axis=(1, -1)) for x in self.quarter_counts()]

    def window_closes(self, year: int) -> int:
        return self.sim.calendar.warmup_weeks + (year + 1) * WEEKS_PER_YEAR + self.window

    def complete_years(self) -> np.ndarray:
        """Which cohort years had their whole follow-up and proof window inside the run."""
        years = np.arange(self.predicted.shape[0])
        end_of_window = (years + 1) * WEEKS_PER_YEAR + self.window
        return end_of_window <= self.sim.calendar.output_weeks

    def dataset_variables(self) -> dict[str, xr.DataArray]:
        """Cohort size, reoffenders and re-offences by cohort year and index disposal."""
        years = np.arange(self.predicted.shape[0]) + self.sim.calendar.start_year
        cohort, reoffenders, reoffences = self.yearly()
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
            "cohort_size": xr.DataArray(cohort, dims=dims, coords=coords,
                                        attrs=labelled(PEOPLE, COUNT, "Reoffending cohort")),
            "reoffenders": xr.DataArray(reoffenders, dims=dims, coords=coords,
                                        attrs=labelled(PEOPLE, COUNT, "Proven reoffenders in the cohort")),
            "reoffences": xr.DataArray(reoffences, dims=dims, coords=coords,
                                       attrs=labelled(PROVEN_OFFENCES, COUNT, "Proven re-offences of the cohort")),
            "cohort_complete": xr.DataArray(self.complete_years(), dims=("cohort_year",),
                                            coords={"cohort_year": years},
                                            attrs={**labelled(TRUE_FALSE, FLAG, "Cohort's follow-up complete"),
                                                   "description":
                                                   "true when follow-up and proof window ended within the run"}),
            **self.band_variables(),
        }

    def band_variables(self) -> dict[str, xr.DataArray]:
        """The cohorts by quarter of the index event and risk band at it (what providers' contracts pay on)."""
        coords = {"cohort_quarter": self.sim.calendar.quarter_starts().values, "disposal": list(INDEX_DISPOSALS),
                  "area": list(self.sim.areas.reported), PROVIDER_BAND: list(PROVIDER_BANDS)}
        why = ("by the quarter of the output window the index event fell in (13-week quarters of each cohort "
               "year, labelled by the first day of the calendar quarter) and the member's risk band at it "
               f"({BAND_CUTS}); summed over quarters and bands: the yearly count")
        described = {
            "band_cohort_size": (self.band_cohort, PEOPLE, "Reoffending cohort by quarter and risk band"),
            "band_reoffenders": (self.band_reoffenders, PEOPLE, "Proven reoffenders by cohort quarter and risk band"),
            "band_reoffences": (self.band_reoffences, PROVEN_OFFENCES,
                                "Proven re-offences by cohort quarter and risk band")}
        return {name: xr.DataArray(values, dims=BY_QUARTER_AND_BAND, coords=coords,
                                   attrs={**labelled(unit, COUNT, label), "description": why})
                for name, (values, unit, label) in described.items()}


def _by_area_and_band(area: np.ndarray, band: np.ndarray, n_areas: int, weights: np.ndarray | None = None
                      ) -> np.ndarray:
    """People (or the sum of ``weights``) counted by area and band: an (area, band) array."""
    cell = area.astype(np.int64, copy=False) * N_BANDS + band  # wide: an area index times four may not fit its type
    return np.bincount(cell, weights, minlength=n_areas * N_BANDS).reshape(n_areas, N_BANDS)


def check_band_cuts(values: dict, origin: dict[str, str]) -> None:
    """The risk bands' cuts name every band above 'low' and increase strictly (each band holds some scores)."""
    where, cuts = f"{origin.get(BAND_CUTS, 'scenario')}: '{BAND_CUTS}'", values[BAND_CUTS]
    missing = [label for label in CUT_LABELS if label not in cuts]
    if missing:
        raise ScenarioError(f"{where}: needs a cut for each of {list(CUT_LABELS)}; missing: {missing}")
    ordered = [0.0] + [cuts[label] for label in CUT_LABELS]
    if any(high <= low for low, high in zip(ordered, ordered[1:])):
        shown = ", ".join(f"{label} {cuts[label]:g}" for label in CUT_LABELS)
        raise ScenarioError(f"{where}: the cuts must increase strictly from 0 ({shown}): each band needs some scores")
