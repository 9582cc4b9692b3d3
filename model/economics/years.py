"""Budget years: the year the money of a week falls in, for the ledger, the appraisal and the reports.

UK public budgets run from 1 April (the financial year, HM Treasury's Managing Public Money); the unit-cost
file's ``budget_year`` chooses financial years (the default) or calendar years. A year is labelled by the
calendar year it starts in: financial year 2014 is 2014-15.

The engine dates a week by its first day (``Calendar.dates``) and starts anything dated on a day in the week
that holds that day (``Calendar.week_of``). A week is in the budget year that holds its last day, so the
week holding a year's first day is that year's first week: an investment dated 1 April (or 1 January, in
calendar years) falls in that year, not the one before, and the commissioners open their budget year in
the same week (``Commissioning._schedule_budget_years``).
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.commissioning.calendar import BUDGET_YEAR_STARTS
from jrsim.core.constants import DAYS_PER_WEEK

FINANCIAL, CALENDAR = "financial", "calendar"
YEAR_STARTS = {FINANCIAL: BUDGET_YEAR_STARTS[0], CALENDAR: 1}  # the month each kind of year starts in (on the 1st)
LAST_DAY = np.timedelta64(DAYS_PER_WEEK - 1, "D")  # a week's last day, from the first day it is dated by
DESCRIPTION = {FINANCIAL: "financial year from 1 April, labelled by the year it starts in (2014 = 2014-15)",
               CALENDAR: "calendar year"}
CENTURY = 100  # a financial year's label gives its second year's last two digits (2014-15)
RULE = "a week is in the year that holds its last day (the week holding a year's first day is its first week)"


def budget_year(time: xr.DataArray, kind: str = FINANCIAL) -> xr.DataArray:
    """The budget year of each time stamp (the first day of a week, as the engine and the commissioners'
    payments are dated), named ``year``, with attrs saying which years these are."""
    last = time + LAST_DAY
    year = last.dt.year - (last.dt.month < YEAR_STARTS[kind])
    return year.rename("year").assign_attrs(year_attrs(kind))


def year_attrs(kind: str) -> dict[str, str]:
    """The attrs of a ``year`` coordinate of budget years of this kind."""
    return {"long_name": DESCRIPTION[kind], "units": "year", "budget_year": kind, "week_rule": RULE}


def by_budget_year(da: xr.DataArray | xr.Dataset, kind: str = FINANCIAL) -> xr.DataArray | xr.Dataset:
    """Weekly values (along ``time``) summed by budget year (along ``year``, labelled as ``budget_year``)."""
    out = da.groupby(budget_year(da["time"], kind)).sum()
    out["year"].attrs.update(year_attrs(kind))
    return out


def output_years(start_year: int, horizon_years: int, kind: str = FINANCIAL) -> list[int]:
    """The budget years an output window from 1 January ``start_year`` holds: in financial years the first
    is the stub from January to March, labelled by the year before."""
    first = start_year - (1 if YEAR_STARTS[kind] > 1 else 0)
    return list(range(first, start_year + horizon_years))


def year_label(year: float, kind: str = FINANCIAL) -> str:
    """A budget year as a reader writes it: '2014-15' for a financial year, '2014' for a calendar year."""
    start = int(year)
    return f"{start}-{(start + 1) % CENTURY:02d}" if kind == FINANCIAL else str(start)
