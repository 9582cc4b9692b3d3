"""Providers who respond to their contracts (jrsim.commissioning.decision, providers, provision).

The decision on its own first (pure functions, exact), then in paired runs on common random numbers:
a profit-seeking provider paid on a binary measure parks the band least likely to succeed and works
the middle bands; a frequency measure narrows the gap; responsiveness 0 is exactly service by need;
outcomes by band move against effort; a provider whose volumes fall below its fee's forecast cuts
contact; one whose reserves run out hands its contracts back on the review the calendar records.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import mesa
import numpy as np
import pytest
import xarray as xr
import yaml

from jrsim import engine
from jrsim.commissioning.decision import BandForecast, EffortForm, Incentive, Situation, decide
from jrsim.commissioning.payments import ResultTerms
from jrsim.commissioning.providers import Provider, ProviderTerms
from jrsim.core.vocabulary import PROVIDER_BAND as BAND
from jrsim.core.vocabulary import PROVIDER_BANDS
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import spend
from jrsim.experiments.carried import providers
from tests.conftest import ROOT

SEED = 11
PARKED = len(PROVIDER_BANDS) - 1  # the band least likely to succeed
MIDDLE = [1, 2]

# ---------------------------------------------------------------- the decision alone
FORM = EffortForm(contact_effect=0.3, dropout_effect=0.5, referral_elasticity=1.0, max_effort=2.0)
PEOPLE = np.array([20000.0, 12000.0, 6000.0, 2000.0])
CHANCE = np.array([0.12, 0.4, 0.65, 0.9])  # one-year chance of a proven re-offence, by band
FORECAST = BandForecast(PEOPLE, 1.5 * PEOPLE, CHANCE, 3 * CHANCE, np.array([0.25, 0.5, 0.75, 1.0]))
ALL_BANDS = np.ones(len(PROVIDER_BANDS), bool)
BINARY = ResultTerms("binary", price=8000.0, deduct_rise=True)
FREQUENCY = ResultTerms("frequency", price=2500.0, deduct_rise=True)
FLOOR, COST_PER_CONTACT = 0.3, 10.0


def situation(incentives=(), responsiveness=1.0, fee_per_week=1e9, fixed_per_week=0.0, forecast=FORECAST):
    return Situation(forecast, tuple(incentives), responsiveness, FLOOR, COST_PER_CONTACT, fixed_per_week,
                     fee_per_week, capacity_per_week=1e9, form=FORM)


def test_a_binary_measure_parks_the_hardest_band_and_works_the_middle():
    by_need = decide(situation([Incentive((BINARY,), ALL_BANDS)], responsiveness=0.0)).effort
    binary = decide(situation([Incentive((BINARY,), ALL_BANDS)])).effort
    assert binary[PARKED] < by_need[PARKED]
    assert (binary[MIDDLE] > by_need[MIDDLE]).all()


def test_a_frequency_measure_narrows_the_gap():
    binary = decide(situation([Incentive((BINARY,), ALL_BANDS)])).effort
    frequency = decide(situation([Incentive((FREQUENCY,), ALL_BANDS)])).effort
    assert frequency[PARKED] > binary[PARKED]
    gap = lambda e: e[MIDDLE].mean() - e[PARKED]  # noqa: E731
    assert gap(frequency) < gap(binary)


def test_responsiveness_zero_is_service_by_need_exactly():
    for incentives in ([], [Incentive((BINARY,), ALL_BANDS)], [Incentive((FREQUENCY,), ALL_BANDS)]):
        d = decide(situation(incentives, responsiveness=0.0))
        assert d.rule == "by_need" and (d.effort == 1.0).all()


def test_a_profit_seeker_with_nothing_to_earn_gives_the_floor():
    assert (decide(situation()).effort == FLOOR).all()


def test_volumes_below_the_fees_forecast_cut_contact_first_where_least_rewarded():
    """Fixed costs sized so that the fee per case-week covers them and contact at the forecast volume: at
    that volume the provider serves by need; 30% fewer people and the same fixed costs, it cuts."""
    fee_per_case_week = 2.0 * COST_PER_CONTACT
    need_cost = COST_PER_CONTACT * FORECAST.contacts_per_week(np.ones(len(PEOPLE)))
    fixed = fee_per_case_week * PEOPLE.sum() - need_cost
    at_forecast = decide(situation(responsiveness=0.0, fee_per_week=fee_per_case_week * PEOPLE.sum(),
                                   fixed_per_week=fixed))
    fewer = BandForecast(0.7 * PEOPLE, 1.05 * PEOPLE, CHANCE, 3 * CHANCE, FORECAST.contacts_at_need)
    below = decide(situation([Incentive((BINARY,), ALL_BANDS)], responsiveness=0.0, forecast=fewer,
                             fee_per_week=fee_per_case_week * fewer.people.sum(), fixed_per_week=fixed))
    assert at_forecast.rule == "by_need" and (at_forecast.effort == 1.0).all()
    assert below.rule == "budget_cut"
    assert fewer.contacts_per_week(below.effort) < fewer.contacts_per_week(np.ones(len(PEOPLE)))
    # what the binary contract rewards least per contact is cut first: the parked band before the middle
    assert below.effort[PARKED] <= below.effort[MIDDLE].min()


def test_reserves_let_a_provider_carry_a_loss_to_its_contracts_end_and_no_faster():
    """Fixed costs that its fee does not cover at need: with no reserves it cuts to what its income pays
    for; with reserves that cover the shortfall over the weeks its contracts have left it serves by need;
    with half of that it cuts, but less; the same reserves over twice the weeks allow only half as much."""
    fee = 2.0 * COST_PER_CONTACT * PEOPLE.sum()
    need_cost = COST_PER_CONTACT * FORECAST.contacts_per_week(np.ones(len(PEOPLE)))
    fixed = fee - 0.5 * need_cost  # half the contact it needs is not paid for
    shortfall, weeks = 0.5 * need_cost, 52.0

    def with_reserves(reserves: float, weeks_left: float = weeks):
        s = situation(responsiveness=0.0, fee_per_week=fee, fixed_per_week=fixed)
        return decide(dataclasses.replace(s, reserves=reserves, weeks_left=weeks_left))
    contacts = lambda d: FORECAST.contacts_per_week(d.effort)  # noqa: E731
    none, deep, half = with_reserves(0.0), with_reserves(shortfall * weeks), with_reserves(0.5 * shortfall * weeks)
    assert none.rule == "budget_cut" and contacts(none) == pytest.approx(0.5 * need_cost / COST_PER_CONTACT)
    assert deep.rule == "by_need" and (deep.effort == 1.0).all()
    assert half.rule == "budget_cut" and contacts(none) < contacts(half) < contacts(deep)
    assert contacts(with_reserves(shortfall * weeks, 2 * weeks)) == pytest.approx(contacts(half))
    assert contacts(with_reserves(-1e9)) == pytest.approx(contacts(none))  # a debt is no reserve


# ---------------------------------------------------------------- in paired runs
BASE = ROOT / "scenarios" / "baseline.yaml"
# A riskier population than the baseline's (its highest band's one-year chance is about 0.7 rather than
# 0.55) and the decision tests' form of effort (PROVISION): the decision's shape shows clearly at a small scale.
RUN = {"run.scale": 0.01, "run.horizon_years": 4, "run.warmup_years": 1, "offending.risk.intercept": -1.5}
PRICE = {"binary": 9000.0, "frequency": 3000.0}  # pounds per reoffender, per re-offence avoided
STARTS = "2012-01-01"
ORDERS = ["community_order", "suspended_sentence", "licence", "post_sentence_supervision"]
COHORT_DISPOSALS = ["community_order", "suspended_sentence", "custody_under_12m", "custody_12m_to_4y",
                    "custody_4y_plus"]


def provider(**change) -> dict:
    fields = {"kind": "community_rehabilitation_company", "areas": ["england_and_wales"], "orders": ORDERS,
              "bands": list(PROVIDER_BANDS), "responsiveness": 1.0, "min_effort": FLOOR,
              "staff_contacts_per_week": 1e7, "fixed_cost_per_year": 0.0, "cost_per_contact": COST_PER_CONTACT,
              "reserves": 1e10, "belief_error": 0.0, "fallback": "public_sector", "price_year": 2012}
    return {**fields, **change}


def results_contract(measure: str = "binary", **change) -> dict:
    fields = {"kind": "payment_by_results", "payer": "probation", "level": "national", "payee": "crc",
              "areas": ["england_and_wales"], "first_year": 2012, "last_year": 2012, "price_year": 2012,
              "payment_lag": 84, "measure": measure, "disposals": COHORT_DISPOSALS, "reference": "baseline",
              "risk_adjusted": measure == "binary", "baseline_year": 2011, "threshold": 0.0,
              "threshold_unit": "relative", "price": PRICE[measure],
              "pay_from": "zero", "cap": 0, "alpha": 0, "deduct_rise": True}
    return {**fields, **change}


FEE = 4 * COST_PER_CONTACT  # a fee per case-week that pays for the most contact any band needs


def fee_contract(fee_per_case_week: float = FEE) -> dict:
    """A fee per case-week with nothing at risk (paid at the end of 2012 on that year's caseload)."""
    return {**results_contract(), "kind": "fee_for_service", "fee_basis": "per_case_week",
            "fee_per_unit": fee_per_case_week, "at_risk_share": 0.0}


UNITS = {"payment_lag": "weeks", "need_contacts": "per week", "review_period": "weeks"}
# The form of effort's effect as the decision tests above have it, whatever the baseline's defaults.
PROVISION = {"provision.contact_effect": FORM.contact_effect, "provision.max_effort": FORM.max_effort,
             **{f"provision.need_contacts.{b}": float(c) for b, c in zip(PROVIDER_BANDS, FORECAST.contacts_at_need)}}


def scenario(tmp: Path, name: str, crc: dict, contracts: dict, more: dict | None = None) -> Path:
    """A scenario on the baseline with the provider ``crc``, the contracts, and ``more`` dotted leaves."""
    leaves = {f"providers.crc.{k}": v for k, v in crc.items()}
    leaves.update({**PROVISION, **(more or {})})
    leaves.update({f"contracts.{c}.{k}": v for c, fields in contracts.items() for k, v in fields.items()})
    text = {"name": name, "base": str(BASE), "starts": STARTS,
            "set": {k: {"value": v, "unit": UNITS.get(k.split(".")[-2 if "need_contacts" in k else -1], "test"),
                        "assumption": "a test of providers"} for k, v in leaves.items()}}
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(text))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """By need (responsiveness 0, binary contract), profit-seeking on a binary and on a frequency measure:
    three runs of one seed, sharing their history until the policy date."""
    tmp = tmp_path_factory.mktemp("providers")
    contracts = {"fee": fee_contract(), "results": results_contract()}
    need = engine.load(scenario(tmp, "by_need", provider(responsiveness=0.0), contracts), RUN)
    binary = engine.load(scenario(tmp, "binary", provider(), contracts), RUN)
    on_frequency = {**contracts, "results": results_contract("frequency")}
    frequency = engine.load(scenario(tmp, "frequency", provider(), on_frequency), RUN)
    by_need, on_binary = engine.run_pair(need, binary, seed=SEED)
    return {"need": by_need, "binary": on_binary, "frequency": engine.run(frequency, seed=SEED), "params": binary}


def first_effort(ds) -> np.ndarray:
    effort = ds["provider_effort"].sel(provider="crc").values
    return effort[~np.isnan(effort).all(axis=1)][0]


def year_effort(ds, year: int = 2012) -> np.ndarray:
    """A provider's effort by band, the mean of its review periods in ``year`` (its cohort's year)."""
    effort = ds["provider_effort"].sel(provider="crc")
    return effort.where(ds["review_on"].dt.year == year).mean("review").values


def test_in_a_run_the_binary_measure_parks_and_the_frequency_measure_narrows_the_gap(runs):
    need, binary, frequency = (first_effort(runs[k]) for k in ("need", "binary", "frequency"))
    assert (need == 1.0).all()
    assert binary[PARKED] < need[PARKED] and (binary[MIDDLE] > need[MIDDLE]).all()
    assert frequency[PARKED] > binary[PARKED]


def test_a_pair_copied_at_the_policy_date_equals_its_own_run_with_providers(runs):
    """Decisions are calendar callbacks: the profit-seeking arm of the pair, copied from the shared history
    at the policy date, is its own run bit for bit."""
    xr.testing.assert_identical(runs["binary"], engine.run(runs["params"], seed=SEED))


def test_outcomes_by_band_move_against_effort(runs):
    """Each band's proven-reoffending rate in the contract's cohort year, profit-seeking minus by need,
    has the opposite sign to its effort difference over that year (common random numbers: the same
    people and draws)."""
    def rates(ds):
        year = ds["provider_cohort_size"]["cohort_quarter"].dt.year == 2012
        size = ds["provider_cohort_size"].sel(provider="crc").where(year).sum("cohort_quarter")
        return (ds["provider_reoffenders"].sel(provider="crc").where(year).sum("cohort_quarter") / size).values
    effort_change = year_effort(runs["binary"]) - year_effort(runs["need"])
    rate_change = rates(runs["binary"]) - rates(runs["need"])
    moved = np.abs(effort_change) > 0.1
    # none moves with its effort; at least two against it (the highest band, nearly all reoffending, may
    # not move at all at this scale: a profit-seeker's referrals on move outcomes the same way as its effort)
    assert (np.sign(rate_change[moved]) != np.sign(effort_change[moved])).all()
    assert (np.sign(rate_change[moved]) == -np.sign(effort_change[moved])).sum() >= 2


@pytest.fixture(scope="module")
def hand_back(tmp_path_factory):
    """One provider with fixed costs far above its fee: with deep reserves, and with reserves that run out."""
    tmp = tmp_path_factory.mktemp("hand_back")

    def load(name: str, reserves: float):
        crc = provider(responsiveness=0.0, fixed_cost_per_year=5e7, reserves=reserves)
        return engine.load(scenario(tmp, name, crc, {"fee": fee_contract(1.0)}), RUN)
    return engine.run_pair(load("deep_reserves", 1e10), load("hand_back", 2e7), seed=SEED)


def test_a_provider_whose_reserves_run_out_hands_its_contracts_back_on_the_calendars_date(hand_back):
    """Its reserves go below zero in some period; at the next review it hands its contracts back, the
    calendar says so on that review's date, and the year's fee it is paid is for the case-weeks it
    supervised before then only (the same provider with deep reserves is paid for the whole year)."""
    deep, ds = hand_back
    reserves = ds["provider_reserves"].sel(provider="crc").values
    gone = int(np.flatnonzero(reserves < 0)[0])  # the period its reserves ran out
    due = ds["review_on"].values[gone + 1]  # the review that books that period
    assert ds["provider_handed_back_on"].sel(provider="crc").values == due
    events = ds["calendar_events"]
    handed = events.where(events["event_what"] == "contract handed back by its provider", drop=True)
    assert list(handed["event_on"].values.astype("datetime64[D]")) == [due.astype("datetime64[D]")]
    assert np.isnat(deep["provider_handed_back_on"].sel(provider="crc").values)
    assert len(deep["contract_payments"]) == 1 and deep["contract_payments"].values[0] > 0  # the 2012 fee
    held = float(ds["contracted_out"].sum()) / ds.attrs["scale"]  # its case-weeks (full size), all before it left
    assert list(ds["contract_payments"].values) == [pytest.approx(1.0 * held)]  # the fee is £1 a case-week
    assert 0 < held < float(deep["contracted_out"].sum()) / deep.attrs["scale"]
    assert (ds["provider_effort"].sel(provider="crc").values[gone + 1:] == 1.0).all()  # the public sector, by need


def test_a_caseload_supervised_from_outside_the_public_sector_is_priced_by_its_contracts(hand_back):
    """The people a CRC supervises are 'contracted_out' while it holds its contracts (its caseload, week by
    week) and not once it has handed them back; the ledger takes them out of probation's priced places
    (their cost is the fee), so the public sector does not pay twice."""
    deep, ds = hand_back
    book = load_costs()
    held = deep["contracted_out"].sum(("area", "status"))
    caseload = deep["provider_caseload"].sel(provider="crc").sum(BAND)
    assert float(held.sum()) > 0
    # the period means of the weekly count are the provider's own caseload (full size)
    periods = held.groupby_bins("time", np.append(deep["review_on"].values, np.datetime64("2100-01-01")),
                                right=False).mean() / deep.attrs["scale"]
    np.testing.assert_allclose(periods.values, caseload.values, rtol=1e-9)
    gone = ds["provider_handed_back_on"].sel(provider="crc").values
    assert float(ds["contracted_out"].sel(time=slice(gone, None)).sum()) == 0
    assert float(ds["contracted_out"].sel(time=slice(None, gone - np.timedelta64(1, "D"))).sum()) > 0
    priced, unpriced = spend(deep, book), spend(deep.drop_vars("contracted_out"), book)
    places = [a for a in book.activities if a.variable == "population"]
    out = sum(float((deep["contracted_out"].sel(status=list(a.select["status"])).sum() / deep.attrs["scale"]) *
                    a.cost) for a in places)
    saved = float((unpriced["spend"] - priced["spend"]).sum())
    assert out > 0 and saved == pytest.approx(out, rel=1e-9)


def test_the_public_sectors_own_provider_is_not_contracted_out():
    model = mesa.Model()
    terms = lambda kind: ProviderTerms("p", provider(kind=kind), "test", {})  # noqa: E731
    assert Provider(model, "crc", terms("community_rehabilitation_company")).contracted_out
    nps = Provider(model, "nps", terms("national_probation_service"))
    assert nps.supervises and not nps.contracted_out
    gone = Provider(model, "crc2", terms("community_rehabilitation_company"))
    gone.hand_back(10)
    assert not gone.contracted_out


def test_a_comparison_carries_the_contracted_out_caseload_at_full_size(runs):
    """What the ledger took out of probation's priced places is in the comparison, week by week and by
    status at full size, so that a finance officer can set it beside the fees paid."""
    carried = providers(runs["binary"])
    run = runs["binary"]["contracted_out"]
    assert float(run.sum()) > 0
    np.testing.assert_allclose(carried["contracted_out"].values,
                               run.sum("area").values / runs["binary"].attrs["scale"])
    assert {"provider_referral_choice", "provider_referrals_by_service"} <= set(carried.data_vars)
    assert "price_year" not in carried.coords  # the run's services' coordinates stay with the run
