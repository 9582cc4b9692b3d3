"""The payment mechanisms reproduce the real contracts from their reported results, and hand-checkable
cases for thresholds, caps, hurdles, gateways, significance and deductions (jrsim.commissioning.payments).

Figures: ../shared/DOMAIN.md, 'How the real incentive contracts worked', and the sources it names.
"""
from __future__ import annotations

import pytest

from jrsim.commissioning.payments import (
    Gateway,
    Outcome,
    ResultTerms,
    cohort_trigger_payments,
    fee_at_risk,
    investor_returns,
    pbr_payment,
    reinvestment_payment,
    result_payment,
)

# ---------------------------------------------------------------- Peterborough social impact bond
# Cohort 1: 142 reconviction events per 100 released against 155 in the matched comparison group
# (-8.4%), against a 10% trigger for one cohort; the final result for all cohorts, -9%, against 7.5%.
PETERBOROUGH = ResultTerms("events", threshold=0.10, threshold_unit="relative", price=1.0)
PETERBOROUGH_POOLED_TRIGGER = 0.075
COHORT_SIZE = 1000  # 'about 1,000 consecutive adult men released' per cohort


def test_peterborough_cohort_1_is_not_paid():
    cohort1 = Outcome("events", COHORT_SIZE, 1.42, 1.55)
    assert cohort1.relative_fall == pytest.approx(0.084, abs=0.001)
    assert result_payment(cohort1, PETERBOROUGH) == 0.0
    # measured alone, before the last cohort: the all-cohort trigger is not yet tested
    assert cohort_trigger_payments([cohort1], PETERBOROUGH, PETERBOROUGH_POOLED_TRIGGER, final=False) == [0.0]


def test_peterborough_final_result_pays_for_all_cohorts():
    cohort1 = Outcome("events", COHORT_SIZE, 1.42, 1.55)
    # a second cohort such that all cohorts together fall by the reported 9%
    reference = 1.55
    cohort2 = Outcome("events", COHORT_SIZE, 2 * reference * (1 - 0.09) - 1.42, reference)
    pooled = cohort1.pooled(cohort2)
    assert pooled.relative_fall == pytest.approx(0.09)
    payments = cohort_trigger_payments([cohort1, cohort2], PETERBOROUGH, PETERBOROUGH_POOLED_TRIGGER)
    assert payments[0] == 0.0  # nothing at cohort 1's measurement
    assert payments[1] == pytest.approx(pooled.avoided * PETERBOROUGH.price)  # every event avoided, paid at the end
    # had all cohorts fallen 7% (below 7.5%), nothing would be paid
    flat = Outcome("events", COHORT_SIZE, reference * 0.93, reference)
    assert cohort_trigger_payments([flat, flat], PETERBOROUGH, PETERBOROUGH_POOLED_TRIGGER) == [0.0, 0.0]


def test_a_cohort_meeting_its_own_trigger_is_paid_at_its_measurement_and_not_again():
    good = Outcome("events", COHORT_SIZE, 1.55 * 0.88, 1.55)  # -12%
    bad = Outcome("events", COHORT_SIZE, 1.55 * 0.96, 1.55)  # -4%; together -8% >= 7.5%
    payments = cohort_trigger_payments([good, bad], PETERBOROUGH, PETERBOROUGH_POOLED_TRIGGER)
    assert payments[0] == pytest.approx(good.avoided)
    assert payments[1] == pytest.approx(bad.avoided)  # only the cohort not yet paid


# ---------------------------------------------------------------- HMP Doncaster
# 10% of the contract's annual value at risk on a 5 percentage-point fall in one-year reconviction
# against 2009. Cohort 1: -5.7 points (the fee is kept); cohort 2: -3.3 points (10% repaid).
DONCASTER = ResultTerms("binary", threshold=5.0, threshold_unit="points")
DONCASTER_AT_RISK = 0.10
BASELINE_2009 = 0.50  # not published; the contract turns on the change in points, which the level does not move


@pytest.mark.parametrize("fall_points, repaid_share", [(5.7, 0.0), (3.3, DONCASTER_AT_RISK)])
def test_doncaster_cohorts(fall_points, repaid_share):
    core_value = 1.0  # per pound of the year's core contract value
    cohort = Outcome("binary", 1000, BASELINE_2009 - fall_points / 100, BASELINE_2009)
    assert cohort.points_fall == pytest.approx(fall_points)
    assert fee_at_risk(core_value, DONCASTER_AT_RISK, DONCASTER.met(cohort)) == pytest.approx(-repaid_share)


# ---------------------------------------------------------------- Local Justice Reinvestment
LJR = {"threshold": 0.05, "share_at_threshold": 0.5, "cap": 0.20}


@pytest.mark.parametrize("change", [+0.134, +0.067, 0.0, -0.049])  # Lambeth and Croydon rose in year 1
def test_ljr_pays_nothing_without_a_fall_to_the_threshold(change):
    assert reinvestment_payment(100.0, 100.0 * (1 + change), **LJR) == 0.0


def test_ljr_pays_half_at_the_threshold_all_above_it_up_to_the_cap():
    assert reinvestment_payment(100.0, 95.0, **LJR) == pytest.approx(2.5)  # half of 5
    assert reinvestment_payment(100.0, 88.0, **LJR) == pytest.approx(2.5 + 7.0)  # then every pound to 12%
    assert reinvestment_payment(100.0, 80.0, **LJR) == pytest.approx(2.5 + 15.0)  # the cap at 20%
    assert reinvestment_payment(100.0, 60.0, **LJR) == pytest.approx(2.5 + 15.0)  # nothing beyond it


def test_ljr_refuses_a_cap_below_the_threshold():
    with pytest.raises(ValueError, match="below the threshold"):
        reinvestment_payment(100.0, 90.0, threshold=0.1, share_at_threshold=0.5, cap=0.05)


# ---------------------------------------------------------------- hand-checkable terms
def test_price_per_unit_from_zero_or_from_the_threshold():
    o = Outcome("frequency", 200, 1.6, 2.0)  # 80 offences avoided, a 20% fall
    assert result_payment(o, ResultTerms("frequency", 0.1, price=50.0)) == pytest.approx(80 * 50.0)
    # from the threshold: only the offences beyond a 10% fall (2.0 -> 1.8) count: 0.2 x 200 = 40
    assert result_payment(o, ResultTerms("frequency", 0.1, price=50.0, pay_from="threshold")) == pytest.approx(40 * 50.0)
    assert result_payment(o, ResultTerms("frequency", 0.25, price=50.0)) == 0.0  # threshold not met


def test_points_threshold_from_the_threshold():
    o = Outcome("binary", 1000, 0.40, 0.50)  # 10 points, 100 people
    terms = ResultTerms("binary", 4.0, "points", price=10.0, pay_from="threshold")
    assert result_payment(o, terms) == pytest.approx((0.10 - 0.04) * 1000 * 10.0)


def test_cap_limits_payments_and_deductions():
    fall, rise = Outcome("frequency", 100, 1.0, 2.0), Outcome("frequency", 100, 3.0, 2.0)
    terms = ResultTerms("frequency", price=10.0, cap=300.0, deduct_rise=True)
    assert result_payment(fall, terms) == 300.0  # 100 avoided x £10 = £1,000, capped
    assert result_payment(rise, terms) == -300.0
    assert result_payment(rise, ResultTerms("frequency", price=10.0)) == 0.0  # no deduction unless the terms say so


def test_significance_rule():
    # a 2-point fall on 1,000 people at 50%: standard error sqrt(0.25/1000) = 1.58 points, z = 1.26
    o = Outcome("binary", 1000, 0.48, 0.50, variance=0.25 / 1000)
    assert result_payment(o, ResultTerms("binary", price=1.0, alpha=None)) > 0
    assert result_payment(o, ResultTerms("binary", price=1.0, alpha=0.05)) == 0.0  # z < 1.645
    assert result_payment(o, ResultTerms("binary", price=1.0, alpha=0.15)) > 0  # z > 1.036
    unknown = Outcome("binary", 1000, 0.48, 0.50)  # no variance: a test cannot pass
    assert result_payment(unknown, ResultTerms("binary", price=1.0, alpha=0.05)) == 0.0


def test_hurdle_and_gateway():
    binary_fell, binary_rose = Outcome("binary", 100, 0.40, 0.50), Outcome("binary", 100, 0.55, 0.50)
    frequency_fell = Outcome("frequency", 100, 1.0, 1.5)
    terms = [ResultTerms("binary", price=100.0), ResultTerms("frequency", price=10.0)]
    both = pbr_payment({"binary": binary_fell, "frequency": frequency_fell}, terms, hurdle="binary")
    assert both == pytest.approx(10 * 100.0 + 50 * 10.0)
    assert pbr_payment({"binary": binary_rose, "frequency": frequency_fell}, terms, hurdle="binary") == 0.0
    assert pbr_payment({"binary": binary_rose, "frequency": frequency_fell}, terms) == pytest.approx(50 * 10.0)
    drugs = Gateway("drug_treatment_starts", 0.6)  # Lewisham: paid only if the drug-treatment target was met
    outcomes = {"binary": binary_fell, "frequency": frequency_fell}
    assert pbr_payment(outcomes, terms, hurdle="binary", gateway=drugs, achieved=0.5) == 0.0
    assert pbr_payment(outcomes, terms, hurdle="binary", gateway=drugs, achieved=0.6) == pytest.approx(both)
    assert pbr_payment(outcomes, terms, cap=700.0) == 700.0


# ---------------------------------------------------------------- social impact bond returns
def test_investor_returns_hand_case():
    r = investor_returns([(0.0, -100.0), (1.0, 110.0)])
    assert r.irr == pytest.approx(0.10)
    assert r.multiple == pytest.approx(1.1)
    two_years = investor_returns([(0.0, -100.0), (2.0, 121.0)])
    assert two_years.irr == pytest.approx(0.10)
    lost = investor_returns([(0.0, -100.0)])
    assert lost.irr is None and lost.multiple == 0.0


# ---------------------------------------------------------------- Transforming Rehabilitation
# 2015-16: 18 of the 21 CRCs cut the binary rate, but only 2 also cut the frequency of re-offences, and
# only those were paid: the binary measure is a hurdle that must be met (a statistically significant
# fall) before the frequency measure pays (Justice Committee HC 1004; MoJ PbR statistics; DOMAIN.md).
TR_COHORT = 10_000  # a quarter's cohort in a large package area (order of magnitude)
TR_BINARY = ResultTerms("binary", price=0.0, alpha=0.05)  # the hurdle, not itself priced
TR_FREQUENCY = ResultTerms("frequency", price=1.0, alpha=0.05)
BASE_BINARY, BASE_FREQUENCY = 0.35, 1.10  # 2011 baselines (levels do not move the rule)


def _cpa(binary_points: float, frequency_fall: float) -> dict[str, Outcome]:
    b = BASE_BINARY - binary_points / 100
    f = BASE_FREQUENCY * (1 - frequency_fall)
    return {"binary": Outcome("binary", TR_COHORT, b, BASE_BINARY, BASE_BINARY * (1 - BASE_BINARY) / TR_COHORT),
            "frequency": Outcome("frequency", TR_COHORT, f, BASE_FREQUENCY, BASE_FREQUENCY / TR_COHORT)}


def test_transforming_rehabilitation_pays_only_the_package_areas_meeting_both_measures():
    cut_both = [_cpa(2.0, 0.06), _cpa(1.5, 0.04)]
    cut_binary_only = [_cpa(1.0 + 0.1 * k, -0.02) for k in range(16)]  # frequency rose
    rose = [_cpa(-1.0, 0.05), _cpa(-0.5, 0.0), _cpa(-2.0, -0.03)]  # binary rose: the hurdle not met
    cpas = cut_both + cut_binary_only + rose
    assert len(cpas) == 21 and sum(TR_BINARY.met(c["binary"]) for c in cpas) == 18
    paid = [pbr_payment(c, [TR_BINARY, TR_FREQUENCY], hurdle="binary") for c in cpas]
    assert sum(p > 0 for p in paid) == 2 and all(p > 0 for p in paid[:2]) and not any(paid[2:])
    # the frequency payment is the re-offences avoided, at the price
    assert paid[0] == pytest.approx(cut_both[0]["frequency"].avoided * TR_FREQUENCY.price)


def test_ljr_youth_threshold_and_the_pilot_areas_year_one():
    youth = {"threshold": 0.10, "share_at_threshold": 0.5, "cap": 0.20}  # youth demand had to fall 10%
    assert reinvestment_payment(100.0, 87.0, **youth) == pytest.approx(5.0 + 3.0)  # -13% overall in year 1
    assert reinvestment_payment(100.0, 91.0, **youth) == 0.0  # a fall that met the adult 5% but not the youth 10%
