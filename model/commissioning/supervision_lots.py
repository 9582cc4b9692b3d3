"""A commissioning design that buys supervision (``designs.<name>.buys: supervision``), as the Community
Rehabilitation Companies held it: each lot's winner supervises the people of the lot's areas on the
design's orders and in its bands, as a provider who responds to its contracts
(``jrsim.commissioning.provision``), paid through contracts let at the design's level by its payer
(``jrsim.commissioning.kinds``):

- a fee per case-week of its caseload (``<design>/<lot>/fee``): the lot's value less its results money, over
  the case-weeks the lot's cases make (cases a year times ``weeks_per_case``), paid on the case-weeks it
  supervised, from the year the design is let;
- if the design pays on results, payment by results on the lot's own cohort (``<design>/<lot>``: the lot's
  areas, the design's index disposals and bands) against the same areas' ``baseline_year``: a fall of
  ``expected_fall`` in the binary rate pays the lot's results money for the year, a larger fall more, a rise
  nothing; each cohort year from the first whole year after the letting whose window closes in the run. It is
  the rule a service's lot is paid by (``lot_results``), through a contract the provider sees, so it responds.

The winner's operations follow from its award: the money that reaches the front line (the value less the
prime's top slice and risk premium) pays for the contacts the cases it can serve need (cases served times
``weeks_per_case`` times ``contacts_per_case_week``), ``commissioning.fixed_cost_share`` of it fixed whatever
the caseload. So a lot whose money buys fewer cases than it holds leaves its provider short of staff; a
prime's economies of scale leave it more. Its responsiveness and belief are the winning bidder's, and its
reserves the bidder's, shared among the lots it won by value (a consortium's: its members').

What is made are parameters as a scenario would write them (``providers.<name>.*``, ``contracts.<name>.*``),
with an origin naming the design and lot, so that provision and the contracts read and check them as they read
a scenario's own (``jrsim.commissioning.providers.check_providers``, ``contracts.check_contracts``). A provider
supervises reported areas: each lot must be whole areas of the run's ``run.area_level``.
"""
from __future__ import annotations

from dataclasses import dataclass

from jrsim.commissioning.contracts import cohort_window
from jrsim.commissioning.designs import Tendered
from jrsim.commissioning.kinds.fee_for_service import FeeForService
from jrsim.commissioning.kinds.payment_by_results import PaymentByResults
from jrsim.commissioning.lot_results import lot_contract
from jrsim.commissioning.tender import CONSORTIUM
from jrsim.core.areas import AreaMap
from jrsim.core.constants import WEEKS_PER_YEAR

FEE = "fee"  # a lot's fee contract is named <design>/<lot>/fee; its results contract <design>/<lot>
WINNER_OF = "@"  # a lot's provider is named <winner>@<design>/<lot>


@dataclass(frozen=True)
class LetYears:
    """The years a design let on a week pays on: fees from the year it is let to the last output year;
    results on the cohorts of the first whole year after the letting to the last whose window closes in the run
    (``results_from`` > ``results_to``: none)."""

    fees_from: int
    fees_to: int
    results_from: int
    results_to: int


def let_years(cal, week: int, window_weeks: int) -> LetYears:
    """The years of a design let on output ``week`` of ``cal`` (a design let in the warm-up: from the first
    output year), its results' window ``window_weeks`` after each cohort year ends."""
    index = max(cal.output_year(week), 0)
    first_week = cal.warmup_weeks + index * WEEKS_PER_YEAR
    results_index = index if week <= first_week else index + 1
    # a cohort year settles window weeks after it ends, within the run's output weeks
    last_index = (cal.output_years * WEEKS_PER_YEAR - window_weeks - 1) // WEEKS_PER_YEAR - 1
    return LetYears(cal.start_year + index, cal.start_year + cal.output_years - 1, cal.start_year + results_index,
                    cal.start_year + last_index)


def expand(d: Tendered, values: dict, areas: AreaMap, cal, week: int) -> tuple[dict, dict]:
    """A supervision design's lots as providers and contracts, let on ``week``."""
    window = cohort_window(values)
    years, f = let_years(cal, week, window), d.terms.f
    if f["results_share"] > 0 and f["baseline_year"] >= years.results_from:
        raise d.terms.error("baseline_year", f"{f['baseline_year']} is not before the first cohort its lots are paid on "
                                             f"({years.results_from}, the first whole year after the letting)")
    return lot_parameters(d, areas, values["commissioning.fixed_cost_share"], years, window)


def fee_contract(lot_contract_name: str) -> str:
    """The name of a lot's fee contract (its results contract has the lot's name)."""
    return f"{lot_contract_name}/{FEE}"


def provider_name(design: str, lot: str, winner: str) -> str:
    return f"{winner}{WINNER_OF}{lot_contract(design, lot)}"


def lot_parameters(d: Tendered, areas: AreaMap, fixed_cost_share: float, years: LetYears,
                   window_weeks: int) -> tuple[dict, dict]:
    """The providers and contracts a supervision design's lots make (dotted names to values) and where
    each was set (the design's file, its name and the lot's)."""
    values, origin = {}, {}
    won = {}  # winner -> the value of the lots it won (its reserves are shared by value)
    for a in d.awards:
        won[a.winner] = won.get(a.winner, 0.0) + a.value
    for a in d.awards:
        made = {**_provider(d, a, areas, fixed_cost_share, won[a.winner]), **_contracts(d, a, areas, years, window_weeks)}
        values.update(made)
        where = f"{d.terms.where} (designs.{d.terms.name}, its lot {a.lot.name!r})"
        origin.update({k: where for k in made})
    return values, origin


def lot_areas(d: Tendered, lot, areas: AreaMap) -> list[str]:
    """The reported areas a lot is made of; refused in one line if one of them lies partly outside it."""
    held = set(lot.areas)
    out = []
    for r in dict.fromkeys(int(areas.reported_of_local[i]) for i in areas.local_indices(lot.areas)):
        inside = [areas.local[i] for i in range(len(areas.local)) if areas.reported_of_local[i] == r]
        if not set(inside) <= held:
            raise d.terms.error("level", f"its lot {lot.name!r} is part of {areas.reported[r]!r}, an area the run "
                                         f"reports by ({areas.level}): a lot's provider supervises whole reported "
                                         f"areas, so report the run by the lots' areas or finer (run.area_level)")
        out.append(areas.reported[r])
    return out


def _provider(d: Tendered, a, areas: AreaMap, fixed_cost_share: float, won_value: float) -> dict:
    f = d.terms.f
    bidder = next(b for b in d.bidders if b.name == a.winner.removesuffix(CONSORTIUM))
    members = len(a.lot.areas) if a.winner.endswith(CONSORTIUM) else 1
    front_line = a.front_line
    contacts = a.cases_served * f["weeks_per_case"] * f["contacts_per_case_week"]  # a year, at need
    key = f"providers.{provider_name(d.terms.name, a.lot.name, a.winner)}."
    return {key + k: v for k, v in {
        "kind": bidder.f["kind"], "areas": lot_areas(d, a.lot, areas), "orders": list(f["orders"]),
        "bands": list(f["bands"]), "responsiveness": bidder.f["responsiveness"], "min_effort": f["min_effort"],
        "staff_contacts_per_week": contacts / WEEKS_PER_YEAR,
        "fixed_cost_per_year": fixed_cost_share * front_line,
        "cost_per_contact": (1 - fixed_cost_share) * front_line / contacts if contacts > 0 else 0.0,
        "reserves": members * bidder.f["reserves"] * a.value / won_value if won_value > 0 else 0.0,
        "belief_error": bidder.f["belief_error"], "fallback": f["fallback"], "price_year": f["price_year"],
    }.items()}


def _contracts(d: Tendered, a, areas: AreaMap, years: LetYears, window_weeks: int) -> dict:
    f = d.terms.f
    name = lot_contract(d.terms.name, a.lot.name)
    case_weeks = a.cases * f["weeks_per_case"]
    results = {"measure": f["measure"], "disposals": list(f["disposals"]), "bands": list(f["bands"]),
               "reference": "baseline", "risk_adjusted": False, "baseline_year": f["baseline_year"],
               "threshold": 0.0, "threshold_unit": "relative", "pay_from": "zero", "cap": 0.0, "alpha": 0.0,
               "deduct_rise": False}
    common = {"payer": f["payer"], "level": f["level"], "payee": provider_name(d.terms.name, a.lot.name, a.winner),
              "areas": lot_areas(d, a.lot, areas), "price_year": f["price_year"]}
    fee = {"kind": FeeForService.name, **common, "first_year": years.fees_from, "last_year": years.fees_to,
           "payment_lag": 0.0, "fee_basis": "per_case_week", "at_risk_share": 0.0,
           "fee_per_unit": d.lot_fee(a) / case_weeks if case_weeks > 0 else 0.0}
    out = {f"contracts.{fee_contract(name)}.{k}": v for k, v in fee.items()}
    if a.results_money > 0 and years.results_from <= years.results_to:
        # price x cohort x fall = results money x fall / expected_fall, for the lot's cohort
        pbr = {"kind": PaymentByResults.name, **common, "payee": d.results_payee(a, common["payee"]),
               "first_year": years.results_from,
               "last_year": years.results_to, "payment_lag": float(window_weeks), **results,
               "price": a.results_money / (a.cases * f["expected_fall"])}
        out.update({f"contracts.{name}.{k}": v for k, v in pbr.items()})
    return out
