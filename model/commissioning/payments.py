"""Payment mechanisms of incentive contracts, as pure functions of measured results and contract terms.

Each mechanism is one function, so that it can be checked against the real contract's reported
results (tests/test_payments.py) independently of any simulation:

- ``result_payment``: payment by results on one measure (binary, frequency or events) against a
  reference (a baseline period's rate adjusted for the cohort's risk, or a comparison group), with a
  threshold, a price per unit avoided, a cap, a significance rule and a deduction for a rise;
- ``pbr_payment``: several measures with a hurdle (one must be met before the others pay), a
  gateway condition and a cap on the total (Transforming Rehabilitation; Lewisham's drug gateway);
- ``cohort_trigger_payments``: per-cohort and all-cohort triggers (the Peterborough bond);
- ``fee_at_risk``: a share of a fee repaid or withheld when the target is missed (HMP Doncaster);
- ``reinvestment_payment``: Local Justice Reinvestment's reward on a fall in the cost of demand;
- ``investor_returns``: a social impact bond's investor cash flows, IRR and money multiple.

Amounts are in the prices the contract states; the ledger (``jrsim.economics``) books them as
transfers between payer and payee in the year they are paid.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Sequence

from scipy import optimize, stats

MEASURES = ("binary", "frequency", "events")  # share who reoffend; re-offences; proven events (per person)
THRESHOLD_UNITS = ("relative", "points")  # a fall as a share of the reference, or in percentage points
PAY_FROM = ("zero", "threshold")  # once a threshold is met, units avoided are paid from zero or above it
PERCENT = 100.0  # percentage points per unit of a rate
IRR_BRACKET = (-0.99, 10.0)  # yearly rates searched for an investment's internal rate of return


@dataclass(frozen=True)
class Outcome:
    """A cohort's result on one measure against its reference, per person counted.

    ``observed`` and ``reference`` are a share (binary) or a count per person (frequency, events);
    ``variance`` is the sampling variance of ``observed`` if the reference held (0: unknown)."""

    measure: str
    cohort: float
    observed: float
    reference: float
    variance: float = 0.0

    @property
    def relative_fall(self) -> float:
        """The fall as a share of the reference (0.1 = 10% fewer); a rise is negative."""
        return 1.0 - self.observed / self.reference if self.reference > 0 else 0.0

    @property
    def points_fall(self) -> float:
        """The fall in percentage points (binary measures)."""
        return (self.reference - self.observed) * PERCENT

    @property
    def avoided(self) -> float:
        """Units avoided over the cohort: people who did not reoffend (binary), offences or events."""
        return (self.reference - self.observed) * self.cohort

    def fall(self, unit: str) -> float:
        return self.relative_fall if unit == "relative" else self.points_fall

    def significant(self, alpha: float | None, rise: bool = False) -> bool:
        """Whether the fall (or the rise) is significant at one-sided level ``alpha`` (None: no test).
        With no variance known, nothing is significant."""
        if alpha is None:
            return True
        if self.variance <= 0:
            return False
        z = (self.reference - self.observed) / math.sqrt(self.variance)
        return bool((-z if rise else z) > critical_z(alpha))

    def pooled(self, other: Outcome) -> Outcome:
        """Two cohorts on the same measure as one (weighted by size; variances combined)."""
        n = self.cohort + other.cohort
        w1, w2 = self.cohort / n, other.cohort / n
        return Outcome(self.measure, n, w1 * self.observed + w2 * other.observed,
                       w1 * self.reference + w2 * other.reference,
                       w1 * w1 * self.variance + w2 * w2 * other.variance)


@functools.lru_cache(maxsize=None)
def critical_z(alpha: float) -> float:
    """The one-sided standard normal critical value at level ``alpha`` (kept: providers ask it thousands of
    times a review)."""
    return float(stats.norm.ppf(1.0 - alpha))


def sampling_variance(measure: str, rate: float, cohort: float) -> float:
    """The sampling variance of a cohort's rate on a measure if the true rate is ``rate``: a share of
    people (binary: Bernoulli) or a count per person (frequency, events: Poisson). The commissioner tests
    a result with it and a provider forecasts the noise of its cohort with it."""
    spread = rate * (1.0 - rate) if measure == "binary" else rate
    return spread / max(cohort, 1.0)


@dataclass(frozen=True)
class ResultTerms:
    """How one measure pays: the fall needed (``threshold`` in ``threshold_unit``), the price per unit
    avoided, whether units count from zero or from the threshold, the cap on the payment, the
    one-sided significance level a change needs (None: none), and whether a rise is deducted."""

    measure: str
    threshold: float = 0.0
    threshold_unit: str = "relative"
    price: float = 0.0
    pay_from: str = "zero"
    cap: float | None = None
    alpha: float | None = None
    deduct_rise: bool = False

    def met(self, outcome: Outcome) -> bool:
        """The target is met: the fall reaches the threshold (a zero threshold needs a fall) and is significant."""
        fall = outcome.fall(self.threshold_unit)
        reached = fall >= self.threshold if self.threshold > 0 else fall > 0
        return reached and outcome.significant(self.alpha)

    def units_paid(self, outcome: Outcome) -> float:
        if self.pay_from == "zero":
            return outcome.avoided
        needed = self.threshold / PERCENT if self.threshold_unit == "points" else self.threshold * outcome.reference
        return max(outcome.reference - needed - outcome.observed, 0.0) * outcome.cohort


def result_payment(outcome: Outcome, terms: ResultTerms) -> float:
    """Pounds due on one measure: positive to the provider for a fall that meets the target, negative
    (a deduction) for a significant rise when the terms deduct rises, else zero; capped either way."""
    if outcome.measure != terms.measure:
        raise ValueError(f"an outcome on the {outcome.measure} measure priced with terms for {terms.measure}")
    if terms.met(outcome):
        amount = terms.price * terms.units_paid(outcome)
    elif terms.deduct_rise and outcome.observed > outcome.reference and outcome.significant(terms.alpha, rise=True):
        amount = terms.price * outcome.avoided  # avoided is negative: a deduction
    else:
        return 0.0
    return _capped(amount, terms.cap)


def _capped(amount: float, cap: float | None) -> float:
    return amount if cap is None else max(-cap, min(cap, amount))


@dataclass(frozen=True)
class Gateway:
    """A condition the results payment depends on (Lewisham: a drug-treatment target): an indicator
    reaching its target, measured as a share or a count."""

    name: str
    target: float

    def met(self, achieved: float) -> bool:
        return achieved >= self.target


def pbr_payment(outcomes: dict[str, Outcome], terms: Sequence[ResultTerms], hurdle: str | None = None,
                gateway: Gateway | None = None, achieved: float | None = None, cap: float | None = None) -> float:
    """The results payment for one cohort on several measures: nothing unless the gateway is met and,
    with a hurdle, unless the hurdle measure's target is met; then the sum of each measure's payment,
    capped in total. Deductions for rises apply whatever the hurdle (a rise is never rewarded)."""
    if gateway is not None and not gateway.met(float("-inf") if achieved is None else achieved):
        return 0.0
    by_measure = {t.measure: t for t in terms}
    if hurdle is not None and hurdle not in by_measure:
        raise ValueError(f"the hurdle {hurdle!r} is not one of the contract's measures {sorted(by_measure)}")
    paid = {m: result_payment(outcomes[m], t) for m, t in by_measure.items()}
    if hurdle is not None and not by_measure[hurdle].met(outcomes[hurdle]):
        paid = {m: min(v, 0.0) for m, v in paid.items()}
    return _capped(sum(paid.values()), cap)


def cohort_trigger_payments(cohorts: Sequence[Outcome], terms: ResultTerms, pooled_threshold: float,
                            final: bool = True) -> list[float]:
    """Payments after each cohort's measurement (the Peterborough bond): a cohort whose own fall meets
    ``terms.threshold`` is paid for its units avoided; at the final measurement (``final``: the last
    cohort has been measured), if all cohorts together fall by ``pooled_threshold``, the units avoided
    by the cohorts not yet paid are paid too."""
    payments = [result_payment(c, terms) if terms.met(c) else 0.0 for c in cohorts]
    unpaid = [c for c, paid in zip(cohorts, payments) if paid == 0.0]
    if not final or not cohorts or not unpaid:
        return payments
    pooled = cohorts[0]
    for c in cohorts[1:]:
        pooled = pooled.pooled(c)
    if pooled.fall(terms.threshold_unit) >= pooled_threshold and pooled.significant(terms.alpha):
        rest = unpaid[0]
        for c in unpaid[1:]:
            rest = rest.pooled(c)
        payments[-1] += _capped(terms.price * rest.avoided, terms.cap)
    return payments


def fee_at_risk(core_value: float, share: float, met: bool) -> float:
    """What the provider repays (negative) when a fee's share at risk is lost (HMP Doncaster: 10% of the
    year's core contract value when the reconviction target was missed); zero when the target is met."""
    return 0.0 if met else -share * core_value


def reinvestment_payment(baseline_cost: float, test_cost: float, threshold: float, share_at_threshold: float,
                         cap: float) -> float:
    """Local Justice Reinvestment: what the ministry pays an area whose weighted cost of demand fell
    from ``baseline_cost`` to ``test_cost``. Nothing below the threshold fall; at it, ``share_at_threshold``
    of the savings; above it, all further savings, up to the cap on the fall.

    The documented reading (DOMAIN.md): 'half of the savings at the threshold and all savings from there
    up to a 20% reduction', so a 12% fall with a 5% threshold pays half of 5% plus all of 7% of the
    baseline cost. Savings beyond the cap are not paid."""
    if cap < threshold:
        raise ValueError(f"the cap ({cap:g}) is below the threshold ({threshold:g})")
    if baseline_cost <= 0:
        return 0.0
    fall = 1.0 - test_cost / baseline_cost
    if fall < threshold:
        return 0.0
    return baseline_cost * (share_at_threshold * threshold + min(fall, cap) - threshold)


@dataclass(frozen=True)
class InvestorReturn:
    invested: float
    received: float
    irr: float | None  # yearly internal rate of return (None: no sign change, so none exists)

    @property
    def multiple(self) -> float:
        """Money multiple: pounds received per pound invested."""
        return self.received / self.invested if self.invested > 0 else float("nan")


def investor_returns(flows: Sequence[tuple[float, float]]) -> InvestorReturn:
    """Investors' cash flows as (time in years, pounds: negative invested, positive received) -> their
    internal rate of return (the yearly rate at which the flows' present value is zero) and multiple."""
    invested = -sum(a for _, a in flows if a < 0)
    received = sum(a for _, a in flows if a > 0)
    if invested <= 0 or received <= 0:
        return InvestorReturn(invested, received, None)
    t0 = min(t for t, _ in flows)

    def present_value(rate: float) -> float:
        return sum(a / (1.0 + rate) ** (t - t0) for t, a in flows)

    low, high = IRR_BRACKET
    if present_value(low) * present_value(high) > 0:
        return InvestorReturn(invested, received, None)
    return InvestorReturn(invested, received, float(optimize.brentq(present_value, low, high)))
