"""Units of durations and rates, converted to the model's weeks once, at load."""
from __future__ import annotations

from jrsim.core.constants import DAYS_PER_WEEK, MONTHS_PER_YEAR, WEEKS_PER_YEAR

WEEKS_PER = {"days": 1 / DAYS_PER_WEEK, "weeks": 1.0, "months": WEEKS_PER_YEAR / MONTHS_PER_YEAR,
             "years": float(WEEKS_PER_YEAR)}
RATE_PER_WEEK = {"per week": 1.0, "per month": MONTHS_PER_YEAR / WEEKS_PER_YEAR, "per year": 1 / WEEKS_PER_YEAR}
