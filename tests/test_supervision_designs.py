"""A commissioning design that buys supervision (issue 24; scenarios/commissioning_supervision.yaml): each lot's
winner supervises its areas' caseload as a provider who responds to its contracts, a fee per case-week and
payment by results on the lot's own cohort, both let by the design (jrsim.commissioning.supervision_lots); the
level decides who wins and what reaches the front line; bad designs are refused at load in one line."""
from __future__ import annotations

import pytest
import xarray as xr
import yaml

from jrsim import engine
from jrsim.commissioning.design_parameters import designed
from jrsim.commissioning.supervision_lots import provider_name
from jrsim.core.clock import Calendar
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.experiments.paired import run_pairs
from jrsim.parameters.geography import run_geography
from jrsim.reporting.levels import tender_figures
from jrsim.reporting.workbook import write_workbook
from tests.conftest import ROOT

BASE = ROOT / "scenarios" / "supervision_baseline.yaml"  # reported by local area
DESIGN = ROOT / "scenarios" / "commissioning_supervision_contract_package_area.yaml"
# two contract package areas, seven output years: the 2015 cohort is measured and paid within the run
SMALL = {"run.scale": 0.03, "run.horizon_years": 7, "run.warmup_years": 1,
         "run.areas": ["london", "cheshire_and_greater_manchester"]}
BY_PACKAGE_AREA = {**SMALL, "run.area_level": "contract_package_area"}
KEY = "designs.supervision"


def derived(folder, changes: dict, name: str = "changed"):
    """commissioning_supervision.yaml with ``changes`` from its start (the design is a policy, dated)."""
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({
        "name": name, "base": str(DESIGN), "starts": "2014-06-01",
        "set": {k: {"value": v, "unit": "test", "assumption": "the test's"} for k, v in changes.items()}}))
    return path


def let(params, drop: str | None = None):
    """The design as the run lets it on its date: the tender, and the parameters its lots make (``drop``: a
    key left out)."""
    cal = Calendar.of_years(params["run.start_year"], params["run.warmup_years"], params["run.horizon_years"])
    week, in_force = params.segments(cal.week_of, cal.warmup_weeks, cal.total_weeks)[-1]
    values = {k: v for k, v in in_force.values.items() if k != drop}
    geography = run_geography(params["run.geography"], "scenario")
    return designed(values, in_force.origin, geography, engine.area_map(params), [], cal, week)


def provider_terms(made: dict) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for key, value in made.items():
        family, name, field = key.split(".")
        if family == "providers":
            out.setdefault(name, {})[field] = value
    return out


def test_the_level_decides_who_supervises_each_lot(tmp_path):
    """Nationally one prime; by contract package area the prime takes London (no regional provider has twice its
    value in turnover) and a regional provider the other; locally (a run reported by local area) a lot each, the
    smallest to the charities."""
    winners = {}
    for level in ("national", "contract_package_area", "local"):
        (d,), made, _ = let(engine.load(ROOT / "scenarios" / f"commissioning_supervision_{level}.yaml", SMALL))
        winners[level] = {a.lot.name: a.winner for a in d.awards}
        assert set(provider_terms(made)) == {provider_name("supervision", a.lot.name, a.winner) for a in d.awards}
    assert winners["national"] == {"england_and_wales": "national_prime"}
    assert winners["contract_package_area"] == {"london": "national_prime",
                                                "cheshire_and_greater_manchester": "regional_provider"}
    assert len(winners["local"]) == len(engine.area_map(engine.load(BASE, SMALL)).local)
    # a local lot small enough for a charity's turnover goes to it; no contract package area's does
    assert "local_charity" in set(winners["local"].values()) - set(winners["contract_package_area"].values())


def test_a_lots_provider_is_sized_by_the_money_that_reaches_its_front_line():
    """Staff for the contacts the cases its money buys need; the fixed share of that money fixed; the fee per
    case-week the value less the results money over the lot's case-weeks; the results price such that the
    expected fall on the lot's cohort pays the results money; the prime's reserves shared by the lots' value."""
    params = engine.load(DESIGN, {**SMALL, "commissioning.subcontract_share": 0.3})
    (d,), made, where = let(params)
    values = params.latest()  # the design's terms as they stand when it is let
    f = {k.split(".")[-1]: v for k, v in values.items() if k.startswith(KEY + ".")}
    share = values["commissioning.fixed_cost_share"]
    for a in d.awards:
        p = provider_terms(made)[provider_name("supervision", a.lot.name, a.winner)]
        contacts = a.cases_served * f["weeks_per_case"] * f["contacts_per_case_week"]
        assert p["staff_contacts_per_week"] == pytest.approx(contacts / 52)
        assert p["fixed_cost_per_year"] + p["cost_per_contact"] * contacts == pytest.approx(a.front_line)
        assert p["fixed_cost_per_year"] == pytest.approx(share * a.front_line)
        lot = f"contracts.supervision/{a.lot.name}"
        assert made[f"{lot}/fee.fee_per_unit"] * a.cases * f["weeks_per_case"] == pytest.approx(a.value - a.results_money)
        assert made[f"{lot}.price"] * a.cases * f["expected_fall"] == pytest.approx(a.results_money)
        assert made[f"{lot}.first_year"] == 2015 and made[f"{lot}/fee.first_year"] == 2014  # let in June 2014
        assert "designs.supervision" in where[f"{lot}.price"] and a.lot.name in where[f"{lot}.price"]
    london = next(a for a in d.awards if a.lot.name == "london")
    assert london.subcontractors and london.top_slice_paid > 0  # the prime's charities deliver a share
    sliced = engine.load(DESIGN, {**SMALL, "commissioning.subcontract_share": 0.3, "commissioning.top_slice": 0.5})
    (d2,), made2, _ = let(sliced)
    name = provider_name("supervision", "london", "national_prime")
    assert provider_terms(made2)[name]["staff_contacts_per_week"] < provider_terms(made)[name]["staff_contacts_per_week"]


@pytest.fixture(scope="module")
def pair():
    base, sc = engine.load(BASE, SMALL), engine.load(DESIGN, SMALL)
    return engine.run_pair(base, sc, seed=3)


@pytest.mark.xdist_group("supervision_designs")
def test_each_lot_is_supervised_by_its_winner_and_paid_on_its_own_cohort(pair):
    cf, ds = pair
    names = {str(a): str(w) for a, w in zip(ds["lot_name"].values, ds["lot_winner"].values)}
    providers = {provider_name("supervision", lot, w): lot for lot, w in names.items()}
    assert set(map(str, ds["provider"].values)) == set(providers)
    areas = {a.lot.name: ";".join(a.lot.areas) for a in let(engine.load(DESIGN, SMALL))[0][0].awards}
    for p, lot in providers.items():  # each supervises its own lot's local areas, from the letting on
        assert str(ds["provider_areas"].sel(provider=p).values) == areas[lot]
        assert float(ds["provider_caseload"].sel(provider=p).sum()) > 0
    assert cf.sizes["provider"] == 0  # the counterfactual has no providers: the public sector supervises
    pays = ds["contract_payments"]
    measured = {(str(c), int(y)): (o, r, n) for c, y, o, r, n in zip(
        ds["measured_contract"].values, ds["measured_year"].values, ds["contract_observed"].values,
        ds["contract_reference"].values, ds["contract_cohort"].values)}
    assert {c for c, _ in measured} == {f"supervision/{lot}" for lot in names}
    price = {f"supervision/{a.lot.name}": a.results_money / (a.cases * 0.037)
             for a in let(engine.load(DESIGN, SMALL))[0][0].awards}
    fees = {}
    for contract, year, amount, payee, payer, purpose in zip(
            pays["payment_contract"].values, pays["pays_on_year"].values, pays.values, pays["payee"].values,
            pays["payer"].values, pays["purpose"].values):
        contract = str(contract)
        lot = contract.split("/")[1]
        assert payee == provider_name("supervision", lot, names[lot]) and payer == "probation"
        if purpose == "results":
            observed, reference, cohort = measured[(contract, int(year))]
            assert amount == pytest.approx(price[contract] * cohort * (reference - observed), rel=1e-9)
        else:
            assert purpose == "fee" and contract.endswith("/fee")
            fees.setdefault(lot, []).append(int(year))
    assert all(years == list(range(2014, 2018)) for years in fees.values()), fees


@pytest.mark.xdist_group("supervision_designs")
def test_a_comparison_of_a_supervision_design_reports_its_lots_providers_from_the_files_alone(tmp_path):
    base, sc = engine.load(BASE, SMALL), engine.load(DESIGN, SMALL)
    run_pairs(base, sc, [3], load_costs(), workers=1).to_netcdf(tmp_path / "cmp.nc")
    cmp = xr.open_dataset(tmp_path / "cmp.nc")
    assert set(cmp["provider_measure"].values) == {"binary"}
    assert sum(len(str(a).split(";")) for a in cmp["provider_areas"].values) == len(cmp.attrs["local_areas"].split(";"))
    kinds = dict(zip(map(str, cmp["result_contract"].values), map(str, cmp["result_contract_kind"].values)))
    assert kinds["supervision/london"] == "payment_by_results" and kinds["supervision/london/fee"] == "fee_for_service"
    figures = tender_figures(cmp)
    assert figures["lots"] == 2 and "national_prime" in figures["winners"]
    write_workbook(cmp, tmp_path / "cmp.xlsx")


@pytest.mark.xdist_group("supervision_designs")
def test_money_short_of_the_caseload_leaves_the_winners_fewer_contacts(tmp_path):
    base = engine.load(BASE, {**SMALL, "run.scale": 0.01})
    short = engine.load(derived(tmp_path, {f"{KEY}.budget_per_year": 100_000_000}), {**SMALL, "run.scale": 0.01})
    full = engine.load(DESIGN, {**SMALL, "run.scale": 0.01})
    per_case = {}
    for name, sc in (("full", full), ("short", short)):
        _, ds = engine.run_pair(base, sc, seed=3)
        per_case[name] = float(ds["provider_contacts"].sum() / ds["provider_caseload"].sum())
    assert per_case["short"] < per_case["full"]


@pytest.mark.parametrize("changes, overrides, phrase", [
    ({f"{KEY}.level": "local"}, BY_PACKAGE_AREA, "'designs.supervision.level': its lot 'lewisham' is part of 'london'"),
    ({f"{KEY}.baseline_year": 2015}, SMALL, "'designs.supervision.baseline_year'"),
    ({f"{KEY}.orders": []}, SMALL, "'designs.supervision.orders': names no order"),
    ({f"{KEY}.partners": {"probation": 1.0}}, SMALL, "'designs.supervision.partners': a pooled budget pays for a "
                                                      "service's places"),
])
def test_bad_supervision_designs_are_refused_at_load_in_one_line(tmp_path, changes, overrides, phrase):
    with pytest.raises(ScenarioError) as err:
        engine.load(derived(tmp_path, changes), overrides)
    message = str(err.value)
    assert phrase in message and "\n" not in message, message


def test_a_bidder_for_supervision_needs_its_own_responsiveness():
    """A bidder for a services design needs none (commissioning_national.yaml's have none); for supervision it does."""
    with pytest.raises(ScenarioError, match="'bidders.local_charity': a bidder for supervision needs 'responsiveness'"):
        let(engine.load(DESIGN, SMALL), drop="bidders.local_charity.responsiveness")


def test_a_supervision_design_on_frequency_lets_its_lots_pay_on_re_offences(tmp_path):
    """The lots' results contracts pay on the design's measure, at a price per re-offence avoided that pays the
    results money for the expected fall in re-offences per person."""
    path = derived(tmp_path, {f"{KEY}.measure": "frequency", f"{KEY}.reoffences_per_person": 1.5,
                              f"{KEY}.expected_fall": 0.15})
    (d,), made, _ = let(engine.load(path, SMALL))
    for a in d.awards:
        lot = f"contracts.supervision/{a.lot.name}"
        assert made[f"{lot}.measure"] == "frequency"
        assert made[f"{lot}.price"] * a.cases * 0.15 == pytest.approx(a.results_money)
        p = 1.5
        assert a.results_sd == pytest.approx(a.results_money * (p / a.cases) ** 0.5 / 0.15)


def test_a_supervision_design_under_a_bond_pays_its_winners_the_whole_value_and_its_investors_the_results(tmp_path):
    path = derived(tmp_path, {"parties.fund.kind": "investors", f"{KEY}.investors": "fund"})
    (d,), made, _ = let(engine.load(path, SMALL))
    for a in d.awards:
        lot = f"contracts.supervision/{a.lot.name}"
        assert made[f"{lot}.payee"] == "fund"
        assert made[f"{lot}/fee.payee"] == provider_name("supervision", a.lot.name, a.winner)
        assert made[f"{lot}/fee.fee_per_unit"] * a.cases * 57 == pytest.approx(a.value)  # weeks_per_case
        assert a.risk_premium == 0.0
