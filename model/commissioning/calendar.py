"""The commissioning calendar: a simpy environment stepped with the weekly engine, on which contracts'
fees, measurements, payments and pools' decisions fall, and the log of what fell when.

Events are plain callbacks (no generators), so that a run can be copied at a policy date
(``engine.run_pair`` deep-copies the simulation, this calendar with it).
"""
from __future__ import annotations

from datetime import date
from functools import partial
from typing import Callable

import simpy

from jrsim.core.clock import Calendar
from jrsim.core.constants import WEEKS_PER_YEAR

BUDGET_YEAR_STARTS = (4, 1)  # month, day: the UK public sector's financial year starts on 1 April


class ContractCalendar:
    """Dated callbacks in weeks of the run, and the log of the calendar's events as they ran."""

    def __init__(self, clock: Calendar, week: int):
        self.clock = clock  # the run's calendar: its output years and their weeks
        self.env = simpy.Environment(initial_time=week)
        self.log: list[tuple[int, str, str, int]] = []  # (week, contract, what, year)

    @property
    def now(self) -> int:
        return int(self.env.now)

    def at(self, week: int, action: Callable, *args) -> None:
        """``action(*args, event)`` on ``week`` (this week if it has passed). Events of one week fall in
        the order they were scheduled."""
        event = self.env.timeout(max(week - self.env.now, 0))
        event.callbacks.append(partial(action, *args))

    def run_until(self, week: int) -> None:
        """Every event dated before ``week``."""
        self.env.run(until=week)

    def year_start(self, year: int) -> int:
        """The week of the run in which output (calendar) year ``year`` starts."""
        return self.clock.warmup_weeks + (year - self.clock.start_year) * WEEKS_PER_YEAR

    def output_week(self, index: int) -> int:
        """The week of the run of output week ``index``."""
        return self.clock.warmup_weeks + index

    def schedule_budget_years(self, opens: Callable) -> None:
        """``opens(year, event)`` on the first day of each budget year that starts in the output years."""
        month, day = BUDGET_YEAR_STARTS
        for year in range(self.clock.start_year, self.clock.start_year + self.clock.output_years):
            self.at(self.clock.week_of(date(year, month, day)), opens, year)

    def note(self, contract: str, what: str, year: int, event=None) -> None:
        """Log a dated event of the calendar (a callback, or called by one)."""
        self.log.append((self.now, contract, what, year))
