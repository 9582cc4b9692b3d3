"""Fee for service: a yearly fee, with a share at risk on a results target (HMP Doncaster: 10% of the
year's value repaid when the reconviction target was missed; DOMAIN.md, 'How the real incentive
contracts worked')."""
from __future__ import annotations

from jrsim.commissioning.decision import Incentive
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
from jrsim.core.constants import WEEKS_PER_YEAR

# What a fee is paid on, by basis, beyond a service's activity: a block (fee_per_year) or the payee
# provider's caseload (fee_per_unit per case-week).
OWN_NEEDS = {"block": ("fee_per_year",), "per_case_week": ("fee_per_unit",)}
SERVICE_FEE_NEEDS = ("fee_service", "fee_per_unit")


class FeeForService(CohortKind):
    """A block fee at the start of each contract year, or a fee per unit of a service's activity or per
    case-week of the payee provider's caseload paid at the end of each contract year on its volumes; the
    share at risk is repaid on a missed target. With nothing at risk there is nothing to measure: its
    fees need not wait for its cohorts' proof window."""

    name = "fee_for_service"
    NEEDS = (*COMMON, "fee_basis", "at_risk_share")  # and, with a share at risk, its target (RESULTS_FIELDS)

    @classmethod
    def check(cls, c) -> None:
        f = c.f
        if cls.measures_cohorts(f):
            missing = [k for k in RESULTS_FIELDS if k not in f]
            if missing:
                raise c.error("at_risk_share", f"a fee with a share at risk needs its target: "
                                               f"{', '.join(repr(k) for k in missing)}")
            check_cohort_terms(c)
        needs = OWN_NEEDS.get(f["fee_basis"], SERVICE_FEE_NEEDS)
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
        if f["fee_basis"] == "block":
            fee = f["fee_per_year"]
        elif cls.pays_on_caseload(f):
            fee = f["fee_per_unit"] * desk.case_weeks(f["payee"], year)
        else:
            fee = f["fee_per_unit"] * desk.measure.fee_units(c, year)
        desk.pay(c, desk.calendar.now, "fee", fee, year)

    @classmethod
    def measures_cohorts(cls, f: dict) -> bool:
        return f["at_risk_share"] > 0

    @classmethod
    def uses_baseline(cls, f: dict) -> bool:
        return cls.measures_cohorts(f) and super().uses_baseline(f)

    @classmethod
    def pays_on_caseload(cls, f: dict) -> bool:
        return f["fee_basis"] == "per_case_week"

    @classmethod
    def last_payment(cls, f: dict, year_index: int, lag: int) -> int:
        if cls.measures_cohorts(f):
            return cls.settles(year_index, lag)
        return (year_index + 1) * WEEKS_PER_YEAR - SETTLES_BEFORE_YEAR_END  # its last fee, on that year's volumes

    @classmethod
    def accrues(cls, c, case_weeks: float, weeks: float) -> float:
        f = c.f
        if f["fee_basis"] == "block":
            return f["fee_per_year"] * weeks / WEEKS_PER_YEAR
        return f["fee_per_unit"] * case_weeks if cls.pays_on_caseload(f) else 0.0

    @classmethod
    def incentive(cls, c, bands, fee_per_week: float) -> Incentive | None:
        """A share at risk on the target: what the provider expects to repay (on a year of its fees)."""
        if not cls.measures_cohorts(c.f):
            return None
        return Incentive((c.terms()[0],), bands, fee_at_risk=c.f["at_risk_share"] * fee_per_week * WEEKS_PER_YEAR)

    @classmethod
    def pay_on(cls, desk: Desk, c, year: int, week: int, terms: list, outcomes: dict) -> None:
        main = terms[0]
        met = main.met(outcomes[main.measure])
        desk.pay(c, week, "fee_repaid", fee_at_risk(desk.paid(c.name, "fee", year), c.f["at_risk_share"], met), year)
