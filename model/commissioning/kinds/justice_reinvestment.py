"""Justice reinvestment: the ministry pays an area on a fall in its weighted cost of demand against a
baseline year (the Local Justice Reinvestment pilots)."""
from __future__ import annotations

from jrsim.commissioning.kinds.base import COMMON, DEMAND_FIELDS, DemandKind, Desk, check_demand_terms, check_relative
from jrsim.commissioning.payments import reinvestment_payment


class JusticeReinvestment(DemandKind):
    """Each test year, after the contract's lag: the pilots' reward on the year's fall in the cost of demand."""

    name = "justice_reinvestment"
    NEEDS = (*COMMON, *DEMAND_FIELDS, "threshold", "share_at_threshold", "cap_fall")

    @classmethod
    def check(cls, c) -> None:
        check_demand_terms(c)
        f = c.f
        check_relative(c, "threshold", "a fall in the cost of demand")
        if f["cap_fall"] < f["threshold"]:
            raise c.error("cap_fall", f"the cap ({f['cap_fall']:g}) is below the threshold ({f['threshold']:g})")

    @classmethod
    def settle(cls, desk: Desk, c, year: int) -> None:
        week = desk.calendar.now
        desk.calendar.note(c.name, "test year measured and paid", year)
        base, test = cls.measure_demand(desk, c, year, week)
        f = c.f
        amount = reinvestment_payment(base, test, f["threshold"], f["share_at_threshold"], f["cap_fall"])
        desk.pay(c, week, "reinvestment", amount, year)
