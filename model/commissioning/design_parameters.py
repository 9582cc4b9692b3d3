"""What commissioning designs make as parameters, as a scenario would write them: a supervision design's lots
(``jrsim.commissioning.supervision_lots``: a provider and its contracts for each lot) and a pooled design's
pool (``pooled_budget``: one contract for the whole design).

A design that names ``partners`` pools its money: the agencies' budgets share, in their stated shares, what
the design's service costs each year (each partner pays its share to the service's funder, as a pooled
budget's contributions), and a share (``reinvest_share``) of the cashable savings the pool measures in the
design's areas (the fall in their cost of demand at ``demand_weights`` against ``baseline_year``) buys more
of the service's places the next year: the Tri-borough community budget's commitment to reinvest, let at the
design's level (``jrsim.commissioning.kinds.pooled_budget``). The results payments and commissioning's own cost
stay with the payer, who holds the pool.

Each is made once, when the design is let, and read and checked as a scenario's own contracts and providers are
(``jrsim.commissioning.providers.check_providers``, ``contracts.check_contracts``), at load and in the run.
"""
from __future__ import annotations

from jrsim.commissioning import supervision_lots
from jrsim.commissioning.designs import Tendered, tendered
from jrsim.commissioning.kinds.pooled_budget import PooledBudget
from jrsim.commissioning.tender import Lot
from jrsim.core.areas import AreaMap

POOL = "pool"  # a pooled design's pool is the contract <design>/pool


def pool_contract(design: str) -> str:
    return f"{design}/{POOL}"


def designed(values: dict, origin: dict, geography, areas: AreaMap, services, cal, week: int,
             years: range | None = None) -> tuple[list[Tendered], dict, dict]:
    """Every design in force let on ``week`` (``designs.tendered``), and what each makes, with where each
    parameter was set."""
    let = tendered(values, origin, geography, areas.local, services, years)
    made, where = {}, {}
    for d in let:
        v, o = make(d, values, areas, cal, week)
        made.update(v)
        where.update(o)
    return let, made, where


def make(d: Tendered, values: dict, areas: AreaMap, cal, week: int) -> tuple[dict, dict]:
    """A design's lots' providers and contracts (buying supervision) and its pool (with partners), let on ``week``."""
    made, where = supervision_lots.expand(d, values, areas, cal, week) if d.terms.supervises else ({}, {})
    if d.terms.pooled:
        pool = pool_parameters(d, areas, cal.start_year + max(cal.output_year(week), 0),
                               cal.start_year + cal.output_years - 1)
        made.update(pool)
        where.update({k: f"{d.terms.where} (designs.{d.terms.name}, its pool)" for k in pool})
    return made, where


def pool_parameters(d: Tendered, areas: AreaMap, first_year: int, last_year: int) -> dict:
    """The pool of a design with partners: a pooled budget over the design's areas (whole reported areas), for
    its service, from the year it is let to the run's last output year."""
    f = d.terms.f
    if first_year <= f["baseline_year"]:
        raise d.terms.error("baseline_year", f"{f['baseline_year']} is not before the pool's first year "
                                             f"({first_year}, the year the design is let)")
    every = Lot(POOL, tuple(a for award in d.awards for a in award.lot.areas), 1.0)
    pool = {"kind": PooledBudget.name, "payer": f["payer"], "level": f["level"], "payee": f["payer"],
            "areas": supervision_lots.lot_areas(d, every, areas), "first_year": first_year, "last_year": last_year,
            "price_year": f["price_year"], "payment_lag": 0.0, "weights": dict(f["demand_weights"]),
            "baseline_year": f["baseline_year"], "partners": dict(f["partners"]), "pooled_services": [f["service"]],
            "reinvest_share": f["reinvest_share"], "reinvest_in": f["service"]}
    return {f"contracts.{pool_contract(d.terms.name)}.{k}": v for k, v in pool.items()}
