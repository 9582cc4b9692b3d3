"""Fee for service: a yearly fee, with a share at risk on a results target (HMP Doncaster: 10% of the
year's value repaid when the reconviction target was missed; DOMAIN.md, 'How the real incentive
contracts worked')."""
from __future__ import annotations

from jrsim.commissioning.kinds.base import (
    COMMON,
    RESULTS_FIELDS,
    SETTLES_BEFORE_YEAR_END,
    CohortKind,
    Desk,
    check_cohort_terms,
    check_gateway,
)
from jrsim.commissioning.payments import fee_at_risk


class FeeForService(CohortKind):
    """A block fee at the start of each contract year, or a fee per unit of a service's activity paid at
    the end of each contract year on its volumes; the share at risk is repaid on a missed target."""

    name = "fee_for_service"
    NEEDS = (*COMMON, "fee_basis", "at_risk_share", *RESULTS_FIELDS)

    @classmethod
    def check(cls, c) -> None:
        check_cohort_terms(c)
        f = c.f
        needs = ("fee_per_year",) if f["fee_basis"] == "block" else ("fee_service", "fee_per_unit")
        if any(k not in f for k in needs):
            raise c.error("fee_basis", f"a {f['fee_basis']} fee needs {', '.join(repr(k) for k in needs)}")
        check_gateway(c, takes_gateway=False)

    @classmethod
    def schedule_payments(cls, desk: Desk, c) -> None:
        cal, f = desk.calendar, c.f
        block = f["fee_basis"] == "block"  # a block fee is paid up front; a fee per unit on the year's volumes
        for y in range(f["first_year"], f["last_year"] + 1):
            week = cal.year_start(y) if block else cal.year_start(y + 1) - SETTLES_BEFORE_YEAR_END
            desk.at_contract(week, c.name, cls.fee, y)

    @classmethod
    def fee(cls, desk: Desk, c, year: int) -> None:
        """The fee of contract year ``year``: the block, or the fee per unit times the year's units."""
        f = c.f
        fee = f["fee_per_year"] if f["fee_basis"] == "block" else f["fee_per_unit"] * desk.measure.fee_units(c, year)
        desk.pay(c, desk.calendar.now, "fee", fee, year)

    @classmethod
    def pay_on(cls, desk: Desk, c, year: int, week: int, terms: list, outcomes: dict) -> None:
        main = terms[0]
        met = main.met(outcomes[main.measure])
        desk.pay(c, week, "fee_repaid", fee_at_risk(desk.paid(c.name, "fee", year), c.f["at_risk_share"], met), year)
