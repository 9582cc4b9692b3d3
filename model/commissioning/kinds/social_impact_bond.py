"""Social impact bond: investors put in capital at the start; the payer pays them on the results (the
Peterborough bond: a trigger per cohort, or for all cohorts together)."""
from __future__ import annotations

from jrsim.commissioning.kinds.base import (
    COMMON,
    RESULTS_FIELDS,
    CohortKind,
    Desk,
    check_cohort_terms,
    check_gateway,
    check_relative,
)
from jrsim.commissioning.payments import cohort_trigger_payments
from jrsim.commissioning.records import CAPITAL


class SocialImpactBond(CohortKind):
    """The investors' capital at the start of the first cohort year; after each cohort's measurement,
    what the cohorts measured so far are due less what has been paid."""

    name = "social_impact_bond"
    NEEDS = (*COMMON, *RESULTS_FIELDS, "pooled_threshold", "investment")

    @classmethod
    def check(cls, c) -> None:
        check_cohort_terms(c)
        check_gateway(c, takes_gateway=False)
        check_relative(c, "pooled_threshold", "a relative fall")

    @classmethod
    def schedule_payments(cls, desk: Desk, c) -> None:
        desk.at_contract(desk.calendar.year_start(c.f["first_year"]), c.name, cls.invest, c.f["first_year"])

    @classmethod
    def invest(cls, desk: Desk, c, year: int) -> None:
        """The investors put in their capital (a payment from them: negative)."""
        desk.pay(c, desk.calendar.now, CAPITAL, -c.f["investment"], c.f["first_year"])

    @classmethod
    def pay_on(cls, desk: Desk, c, year: int, week: int, terms: list, outcomes: dict) -> None:
        main = terms[0]
        done = [desk.measure.outcome(c, y, main.measure) for y in range(c.f["first_year"], year + 1)]
        due = cohort_trigger_payments(done, main, c.f["pooled_threshold"], final=year == c.f["last_year"])
        desk.pay(c, week, "results", sum(due) - desk.paid(c.name, "results"), year)
