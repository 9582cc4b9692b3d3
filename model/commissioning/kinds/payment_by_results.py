"""Payment by results: a price per unit avoided on a cohort's binary or frequency measure, against a
comparison group (the same cohort in the run's other areas) or the areas' own baseline year, with
threshold, cap, significance, deductions and a binary hurdle before the frequency measure pays
(Transforming Rehabilitation), and optionally a gateway (Lewisham's drug-treatment target)."""
from __future__ import annotations

from jrsim.commissioning.decision import Incentive
from jrsim.commissioning.kinds.base import COMMON, RESULTS_FIELDS, CohortKind, Desk, check_cohort_terms, check_gateway
from jrsim.commissioning.payments import pbr_payment
from jrsim.commissioning.records import Measurement


class PaymentByResults(CohortKind):
    """Results paid on each cohort once measured: nothing unless the gateway (if any) and, with a
    frequency price behind a binary measure, the binary target are met."""

    name = "payment_by_results"
    NEEDS = (*COMMON, *RESULTS_FIELDS)

    @classmethod
    def check(cls, c) -> None:
        check_cohort_terms(c)
        check_gateway(c, takes_gateway=True)

    @classmethod
    def pay_on(cls, desk: Desk, c, year: int, week: int, terms: list, outcomes: dict) -> None:
        hurdle = terms[0].measure if len(terms) > 1 else None
        gateway = c.gateway()
        achieved = None if gateway is None else desk.measure.service_year_total("service_starts", gateway.name, year)
        if gateway is not None:
            desk.record_measurement(Measurement(week, c.name, year, f"gateway:{gateway.name}", 0.0, achieved,
                                                gateway.target, gateway.met(achieved)))
        desk.pay(c, week, "results", pbr_payment(outcomes, terms, hurdle=hurdle, gateway=gateway, achieved=achieved),
                 year)

    @classmethod
    def incentive(cls, c, bands, fee_per_week: float) -> Incentive:
        """Its results payment on the provider's forecast cohort (a frequency price: behind the binary hurdle)."""
        terms = c.terms()
        return Incentive(tuple(terms), bands, hurdle=terms[0].measure if len(terms) > 1 else None)
