"""The tender at each commissioning level (jrsim.commissioning.tender): with every level term neutral
the three levels buy the same, only commissioning costs differ; each term moved alone moves the outcome
the way its mechanism says; bad designs are refused in one line."""
from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jrsim.commissioning.tender import Bidder, Design, LevelTerms, lots, results_sd, tender, unit_cost
from jrsim.core.errors import ScenarioError

# Four local areas in two contract package areas.
CPA = {"a1": "north", "a2": "north", "b1": "south", "b2": "south"}
AREAS = tuple(CPA)
SHARES = (0.4, 0.1, 0.3, 0.2)
NEUTRAL = LevelTerms(turnover_multiple=0.0, scale_elasticity=0.0, scale_reference_cases=1.0, top_slice=0.0,
                     subcontract_share=0.0, cost_per_competition=45_200.0, management_share=0.0)
DESIGN = Design("same_money", "national", budget_per_year=10e6, cases_per_year=5_000, results_share=0.1,
                reoffending_rate=0.35, expected_fall=0.037)


def group(local: str, level: str) -> str:
    return {"national": "england_and_wales", "contract_package_area": CPA[local], "local_area": local}[level]


def bidder(name: str, kind: str = "national_prime", areas=(), turnover=1e9, capacity=1e6, reserves=1e9,
           appetite=0.05, cost=2_000.0, need_match=0.6) -> Bidder:
    return Bidder(name, kind, tuple(areas), turnover, capacity, reserves, appetite, cost, need_match)


def let(level: str, bidders, terms=NEUTRAL, design=DESIGN):
    design = dataclasses.replace(design, level=level)
    return tender(design, lots(level, AREAS, SHARES, group), list(bidders), terms)


def totals(awards) -> dict:
    served = sum(a.cases_served for a in awards)
    return {"lots": len(awards), "served": served,
            "need_match": sum(a.need_match * a.cases_served for a in awards) / served,
            "commissioning": sum(a.competition_cost + a.management_cost for a in awards),
            "front_line": sum(a.front_line for a in awards),
            "small_local": sum(a.small_local_share * a.value for a in awards) / sum(a.value for a in awards)}


def test_neutral_terms_buy_the_same_at_every_level_and_only_commissioning_costs_differ():
    one = [bidder("prime")]
    national, regional, local = (totals(let(level, one)) for level in ("national", "contract_package_area", "local"))
    for key in ("served", "need_match", "front_line", "small_local"):
        assert national[key] == pytest.approx(regional[key]) == pytest.approx(local[key])
    assert (national["lots"], regional["lots"], local["lots"]) == (1, 2, 4)
    assert national["commissioning"] < regional["commissioning"] < local["commissioning"]


def test_a_larger_lot_excludes_a_bidder_whose_capacity_is_below_it():
    small = bidder("charity", kind="local_voluntary", capacity=1_500, cost=1_500.0)
    prime = bidder("prime")
    national = let("national", [small, prime])[0]
    assert national.winner == "prime" and "capacity" in national.excluded["charity"]
    local = let("local", [small, prime])
    # the charity is cheaper and has the capacity for every local lot but a1's 2,000 cases
    winners = {a.lot.name: a.winner for a in local}
    assert winners["a1"] == "prime" and {winners["a2"], winners["b1"], winners["b2"]} == {"charity"}


def test_a_minimum_turnover_shuts_small_providers_out():
    small = bidder("charity", kind="local_voluntary", turnover=3e6, cost=1_500.0)
    terms = dataclasses.replace(NEUTRAL, turnover_multiple=2.0)
    assert let("local", [small, bidder("prime")], terms)[1].winner == "charity"  # a2: £1m a year, £3m turnover
    assert let("contract_package_area", [small, bidder("prime")], terms)[0].winner == "prime"  # north: £5m


def test_a_higher_top_slice_lowers_what_reaches_the_front_line():
    small = bidder("charity", kind="local_voluntary", capacity=10.0)  # too small to bid: a subcontractor
    terms = dataclasses.replace(NEUTRAL, subcontract_share=0.4)
    low, high = (totals(let("national", [small, bidder("prime")], dataclasses.replace(terms, top_slice=t)))
                 for t in (0.1, 0.23))
    assert high["front_line"] < low["front_line"]
    assert high["served"] < low["served"]
    assert high["small_local"] < low["small_local"]


def test_local_knowledge_raises_the_share_of_referrals_that_meet_a_need():
    # the charity knows the area and is a hair cheaper; nationally it has not the capacity to bid
    charity = bidder("charity", kind="local_voluntary", cost=1_999.0, need_match=0.8)
    prime = bidder("prime", cost=2_000.0, need_match=0.5)
    national = totals(let("national", [prime, dataclasses.replace(charity, capacity_cases=1_000)]))
    local = totals(let("local", [prime, charity]))
    assert local["need_match"] > national["need_match"]
    assert local["small_local"] == 1.0 and national["small_local"] == 0.0


def test_economies_of_scale_make_a_case_cheaper_in_a_larger_lot():
    terms = dataclasses.replace(NEUTRAL, scale_elasticity=0.1, scale_reference_cases=1_000.0)
    national, local = totals(let("national", [bidder("prime")], terms)), totals(let("local", [bidder("prime")], terms))
    assert national["served"] > local["served"]
    b = bidder("prime")
    assert unit_cost(b, 10_000, terms) < unit_cost(b, 1_000, terms) == b.cost_per_case < unit_cost(b, 100, terms)


def test_the_spread_of_results_payments_grows_per_pound_as_the_cohort_shrinks():
    per_pound = [results_sd(DESIGN, value=cases * 2_000.0, cases=cases) / (cases * 2_000.0)
                 for cases in (10_000, 1_000, 100)]
    assert per_pound[0] < per_pound[1] < per_pound[2]
    assert results_sd(dataclasses.replace(DESIGN, results_share=0.0), 1e6, 100) == 0.0
    national, local = let("national", [bidder("prime")]), let("local", [bidder("prime")])
    assert max(a.results_sd / a.value for a in local) > national[0].results_sd / national[0].value


def test_reserves_and_risk_appetite_decide_whether_a_provider_bids():
    thin = bidder("thin", reserves=10_000.0, cost=1_000.0)
    award = let("local", [thin, bidder("prime")])[1]  # a2: the smallest cohort, the noisiest
    assert award.winner == "prime" and "reserves" in award.excluded["thin"]
    bold = dataclasses.replace(thin, name="bold", risk_appetite=0.45)  # accepts nearly even odds of a loss
    assert let("local", [bold, bidder("prime")])[1].winner == "bold"
    fee_only = dataclasses.replace(DESIGN, results_share=0.0)
    assert let("local", [thin, bidder("prime")], design=fee_only)[1].winner == "thin"


def test_a_lot_no_provider_can_bid_for_is_refused_in_one_line():
    with pytest.raises(ScenarioError) as caught:
        let("national", [bidder("charity", kind="local_voluntary", capacity=100.0)])
    message = str(caught.value)
    assert "\n" not in message and "no provider can bid" in message and "charity" in message


def test_shares_that_do_not_sum_and_an_unknown_level_are_refused():
    with pytest.raises(ScenarioError, match="sum to 0.9000"):
        lots("local", AREAS, (0.4, 0.1, 0.2, 0.2), group)
    with pytest.raises(ScenarioError, match="'county' is not one of national, contract_package_area, local"):
        lots("county", AREAS, SHARES, group)


@settings(max_examples=60, deadline=None)
@given(shares=st.lists(st.floats(0.01, 1.0), min_size=4, max_size=4),
       cost=st.floats(100.0, 10_000.0), match=st.floats(0.0, 1.0), results=st.floats(0.0, 0.5))
def test_with_neutral_terms_the_level_never_changes_what_the_money_buys(shares, cost, match, results):
    total = sum(shares)
    weights = tuple(s / total for s in shares)
    design = dataclasses.replace(DESIGN, results_share=results)
    one = [bidder("prime", cost=cost, need_match=match)]
    bought = [totals(tender(dataclasses.replace(design, level=level), lots(level, AREAS, weights, group), one,
                            NEUTRAL)) for level in ("national", "contract_package_area", "local")]
    assert all(b["served"] == pytest.approx(bought[0]["served"]) for b in bought)
    assert all(b["need_match"] == pytest.approx(match) for b in bought)
    assert sum(a.share for a in lots("local", AREAS, weights, group)) == pytest.approx(1.0)


def test_small_providers_bid_together_for_a_lot_none_could_bid_for_alone():
    """Four charities (one an area) of 1,500 cases each: the national lot of 5,000 is too large for one, not
    for their consortium, which wins it against a dearer prime; without consortia the prime wins; a
    consortium's overhead counts against it."""
    charity = bidder("charity", kind="local_voluntary", capacity=1_500, cost=1_500.0, need_match=0.8)
    prime = bidder("prime", cost=1_600.0)
    alone = let("national", [charity, prime])[0]
    joint = let("national", [dataclasses.replace(charity, consortium=True), prime])[0]
    assert alone.winner == "prime" and "charity" in alone.excluded
    assert joint.winner == "charity_consortium" and joint.small_local_share == 1.0 and joint.need_match == 0.8
    dear = dataclasses.replace(NEUTRAL, consortium_overhead=0.1)  # 1,650 a case: above the prime's
    assert let("national", [dataclasses.replace(charity, consortium=True), prime], dear)[0].winner == "prime"
    # each member delivers its area's share at its own size: a consortium has its members' economies of scale
    scaled = dataclasses.replace(NEUTRAL, scale_elasticity=0.1, scale_reference_cases=1_000.0)
    member = let("national", [dataclasses.replace(charity, consortium=True), bidder("prime", cost=2_000.0)], scaled)[0]
    assert member.winner == "charity_consortium"
    assert member.cost_per_case == pytest.approx(1_500.0 * (5_000 / 4 / 1_000) ** -0.1, rel=1e-9)


def test_a_bidder_prices_its_results_risk_into_its_bid_and_a_small_lot_pays_more_for_it():
    """The capital a winner holds against a bad year (its reserves' test), priced at the cost of capital,
    comes out of the lot's money: nothing without it; per pound, more in the small local lots than in the
    national one; and a bidder that accepts less risk bids higher and can lose on it."""
    priced = dataclasses.replace(NEUTRAL, cost_of_capital=0.1)
    free = {level: totals(let(level, [bidder("prime")])) for level in ("national", "local")}
    costly = {level: let(level, [bidder("prime")], priced) for level in ("national", "local")}
    assert all(a.risk_premium == 0 for level in ("national", "local") for a in let(level, [bidder("prime")]))
    share = {level: sum(a.risk_premium for a in aw) / sum(a.value for a in aw) for level, aw in costly.items()}
    assert 0 < share["national"] < share["local"]
    assert totals(costly["local"])["served"] < free["local"]["served"]
    assert totals(costly["national"])["front_line"] == pytest.approx(free["national"]["front_line"]
                                                                     - sum(a.risk_premium for a in costly["national"]))
    careful, bold = bidder("careful", appetite=0.001, cost=2_000.0), bidder("bold", appetite=0.2, cost=2_000.0)
    assert let("local", [careful, bold], priced)[0].winner == "bold"
    assert let("local", [careful, bold])[0].winner == "careful"  # without the premium: the first on the tie


def test_on_the_frequency_measure_a_lots_results_spread_is_poisson():
    """Re-offences per person vary as a Poisson count: a year's results payment has s.d. results money x
    sqrt(rate / n) / expected fall, against the binary measure's sqrt(p (1 - p) / n)."""
    frequency = dataclasses.replace(DESIGN, measure="frequency", reoffending_rate=2.5, expected_fall=0.25)
    money, cases = 1e6 * DESIGN.results_share, 400
    assert results_sd(frequency, 1e6, cases) == pytest.approx(money * (2.5 / cases) ** 0.5 / 0.25)
    p = DESIGN.reoffending_rate
    assert results_sd(DESIGN, 1e6, cases) == pytest.approx(money * (p * (1 - p) / cases) ** 0.5 / DESIGN.expected_fall)


def test_under_a_bond_the_investors_bear_the_results_risk_so_a_small_provider_may_bid():
    """A charity whose reserves cannot carry a local lot's results risk cannot bid for it on payment by results;
    under a bond it can, and pays no price for capital it does not hold; the lot's spread is the same (the
    investors face it)."""
    terms = dataclasses.replace(NEUTRAL, cost_of_capital=0.08)
    charity = bidder("charity", kind="local_voluntary", reserves=1_000.0, cost=1_500.0)
    prime = bidder("prime", cost=2_000.0)
    at_risk = let("local", [prime, charity], terms)
    bonded = let("local", [prime, charity], terms, dataclasses.replace(DESIGN, bonded=True))
    assert all(a.winner == "prime" and "charity" in a.excluded for a in at_risk)
    assert all(a.winner == "charity" and a.risk_premium == 0.0 for a in bonded)
    assert [a.results_sd for a in bonded] == [a.results_sd for a in at_risk]
