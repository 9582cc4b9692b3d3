"""Pooled budget: partners share the cost of the pool's services in stated shares, and a stated share
of the cashable savings the pool measures (the fall in its areas' cashable cost of demand against a
baseline year, as the partners themselves could see it) buys places in one of its services the next
year (the Tri-borough community budget's commitment to reinvest in early intervention)."""
from __future__ import annotations

from jrsim.commissioning.kinds.base import (
    COMMON,
    DEMAND_FIELDS,
    SETTLES_BEFORE_YEAR_END,
    DemandKind,
    Desk,
    check_demand_terms,
)
from jrsim.core.constants import WEEKS_PER_YEAR

SHARE_TOLERANCE = 1e-6  # partners' shares must sum to 1 within rounding


class PooledBudget(DemandKind):
    """The end of each pool year: the partners' contributions, then the reinvestment decision."""

    name = "pooled_budget"
    NEEDS = (*COMMON, *DEMAND_FIELDS, "partners", "pooled_services", "reinvest_share", "reinvest_in")
    PAYEE_USED = False  # a pool's payments go from each partner to each service's funder

    @classmethod
    def check(cls, c) -> None:
        check_demand_terms(c)
        f = c.f
        shares = sum(f["partners"].values())
        if abs(shares - 1.0) > SHARE_TOLERANCE:
            raise c.error("partners", f"the partners' shares sum to {shares:g}, not 1")
        if not f["pooled_services"]:
            raise c.error("pooled_services", "names no service: the pool would pay for nothing")
        if f["reinvest_in"] not in f["pooled_services"]:
            raise c.error("reinvest_in", f"{f['reinvest_in']!r} is not one of the pool's services "
                                         f"{list(f['pooled_services'])}")

    @classmethod
    def settles(cls, year_index: int, lag: int) -> int:
        """In the year's last week (after its services have run, so that new places hold from the next
        year's first week), plus the lag."""
        return (year_index + 1) * WEEKS_PER_YEAR - SETTLES_BEFORE_YEAR_END + lag

    @classmethod
    def settle(cls, desk: Desk, c, year: int) -> None:
        """The end of a pool's year: partners pay their shares of what the pool's services cost that
        year to the services' funders; then a share of the year's measured cashable savings buys
        places in the reinvestment service for the next year."""
        week = desk.calendar.now
        desk.calendar.note(c.name, "pool year settled: contributions and the reinvestment decision", year)
        cls.contributions(desk, c, year, week)
        base, test = cls.measure_demand(desk, c, year, week)
        saving = max(base - test, 0.0)
        reinvested = c.f["reinvest_share"] * saving
        per_place = desk.capacity.place_cost_per_year(c.f["reinvest_in"])
        places = reinvested / per_place if per_place > 0 else 0.0
        if year < c.f["last_year"]:  # the last year's savings have no next year in the pool to buy
            desk.capacity.set_extra_places(c.f["reinvest_in"], places)
        else:
            places, reinvested = 0.0, 0.0
            desk.capacity.set_extra_places(c.f["reinvest_in"], 0.0)
        desk.record_pool_decision({"contract": c.name, "year": year, "week": week, "savings_measured": saving,
                                   "reinvested": reinvested, "places_added": places})

    @classmethod
    def contributions(cls, desk: Desk, c, year: int, week: int) -> None:
        for service in c.f["pooled_services"]:
            cost = desk.measure.service_year_total("service_spend", service, year)
            funder = desk.capacity.funder_of(service)
            for partner, share in c.f["partners"].items():
                if partner != funder and share > 0:
                    desk.pay(c, week, "contribution", share * cost, year, payer=partner, payee=funder)
