"""The run's calendar: a warm-up, then the output window, in weeks.

There is one clock: the simulation's week, which is mesa's step counter (see
``Simulation.week``). This calendar only converts it: which output week, which output year, which date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from jrsim.core.constants import DAYS_PER_WEEK, QUARTERS_PER_YEAR, WEEKS_PER_QUARTER, WEEKS_PER_YEAR


@dataclass(frozen=True)
class Calendar:
    start_year: int  # the first output year (the warm-up runs before it)
    warmup_weeks: int
    output_weeks: int

    @classmethod
    def of_years(cls, start_year: int, warmup_years: int, horizon_years: int) -> "Calendar":
        return cls(int(start_year), WEEKS_PER_YEAR * int(warmup_years), WEEKS_PER_YEAR * int(horizon_years))

    @property
    def total_weeks(self) -> int:
        return self.warmup_weeks + self.output_weeks

    @property
    def output_years(self) -> int:
        return self.output_weeks // WEEKS_PER_YEAR

    def output_index(self, week: int) -> int:
        """The output week of a simulated week (negative during the warm-up)."""
        return week - self.warmup_weeks

    def output_year(self, week: int) -> int:
        """0 for the first output year; -1 during the warm-up."""
        k = self.output_index(week)
        return k // WEEKS_PER_YEAR if k >= 0 else -1

    def output_quarter(self, week):
        """The output quarter (0: the first of the output window) of a simulated week or an array of
        them in the output window: each output year's four 13-week quarters."""
        return self.output_index(week) // WEEKS_PER_QUARTER

    def quarter_starts(self) -> pd.DatetimeIndex:
        """The first day of each output quarter (1 January, 1 April, 1 July, 1 October) that labels it."""
        return pd.date_range(pd.Timestamp(f"{self.start_year}-01-01"), periods=self.output_years * QUARTERS_PER_YEAR,
                             freq="QS")

    @staticmethod
    def starts_year(week: int) -> bool:
        return week % WEEKS_PER_YEAR == 0

    @staticmethod
    def ends_year(week: int) -> bool:
        return week % WEEKS_PER_YEAR == WEEKS_PER_YEAR - 1

    def week_of(self, day: date) -> int:
        """The simulated week in which a date falls (the first output week starts on 1 January)."""
        return self.warmup_weeks + (day - date(self.start_year, 1, 1)).days // DAYS_PER_WEEK

    def dates(self) -> pd.DatetimeIndex:
        """The date each output week starts."""
        return pd.date_range(pd.Timestamp(f"{self.start_year}-01-01"), periods=self.output_weeks,
                             freq=f"{DAYS_PER_WEEK}D")
