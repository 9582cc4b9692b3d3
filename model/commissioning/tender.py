"""Tendering a budget at a commissioning level: the lots, who may bid for each, who wins, what a case
costs, how much of the money reaches the front line and the small local providers, what commissioning
itself costs, and how noisily a results contract pays on a lot's cohort.

The same budget for the same work can be let nationally (one lot), by contract package area (a lot
each) or locally (a lot per local area). What the level changes is said by named parameters
(``LevelTerms``, ``commissioning.*`` in a scenario, each with its source or a marked assumption in
baseline.yaml), and by each bidder's own terms (``Bidder``):

- **who can bid**: a bidder must work in every area of the lot, have a yearly turnover of at least
  ``turnover_multiple`` times the lot's yearly value (the Public Contracts Regulations 2015, reg. 58(9):
  at most twice, save for special risks), the capacity for the lot's cases, and reserves that carry the
  lot's results risk at its own appetite for risk (below);
- **who wins**: the eligible bidder with the lowest cost per case at the lot's size, the first declared
  on a tie (price competition); the small local providers a lot shuts out become the winning prime's
  subcontractors where it has them, delivering ``subcontract_share`` of the lot; a small bidder that joins
  consortia (``consortium``) and stands for one provider in each area bids, for a lot none of them could
  bid for alone, as the consortium of those in the lot's areas: their turnover, capacity and reserves
  pooled, each delivering its area's share at its own size, at ``consortium_overhead`` more a case;
- **what a case costs**: each bidder's cost per case at ``scale_reference_cases`` cases a year, scaled by
  (cases / reference) to the power ``-scale_elasticity`` (economies of scale), and the prime's management
  fee, ``top_slice`` of its subcontractors' share, which never reaches the front line;
- **how well services match needs**: each provider's ``need_match`` (the share of its referrals that
  meet the person's unmet need: local knowledge and information about releases), weighted by the cases
  it serves;
- **what commissioning costs**: ``cost_per_competition`` once for each lot let, and ``management_share``
  of each lot's value a year for contract management and monitoring, spending by the commissioner's
  agency;
- **risk**: a results payment rests on the change in a cohort's proven-reoffending rate, whose sampling
  s.d. on a cohort of n is sqrt(p (1 - p) / n) (on the frequency measure, re-offences per person, a Poisson
  sqrt(p / n)); paid in proportion to the fall, against the fall that
  pays the results share in full (``expected_fall``), a year's results payment has s.d. results x
  sqrt(p (1 - p) / n) / expected_fall, so the spread per pound grows as the lot's cohort shrinks. A
  bidder bids only if that s.d. times the normal quantile of 1 - ``risk_appetite`` (the capital it must hold
  against a bad year) is within its reserves, and prices that capital into its bid at ``cost_of_capital`` a
  year: the premium comes out of the lot's money (fewer cases served) and counts in comparing bids.

Everything here is a pure function of the design, its bidders, the level terms and the lots' shares:
``tender`` gives one ``Award`` per lot, or raises one clear line when a lot has no one who can bid.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy.stats import norm

from jrsim.commissioning.payments import sampling_variance
from jrsim.core.constants import SHARE_SUM_TOLERANCE
from jrsim.core.errors import ScenarioError

DESIGN_LEVELS = ("national", "contract_package_area", "local")
# The geography's level each design level lets its lots at (jrsim.parameters.geography.LEVELS).
LOT_LEVEL = {"national": "national", "contract_package_area": "contract_package_area", "local": "local_area"}
SMALL_LOCAL = "local_voluntary"  # the provider kind a large lot crowds out or turns into a subcontractor
NO_RISK_APPETITE = 0.0  # a bidder that accepts no chance of a loss beyond its reserves bids only without risk


@dataclass(frozen=True)
class LevelTerms:
    """The parameters through which the level changes the outcome (``commissioning.*``); all neutral
    (0, and a reference of any size) leaves the three levels the same but for the lots' count."""

    turnover_multiple: float  # a bidder's yearly turnover at least this times the lot's yearly value
    scale_elasticity: float  # cost per case ~ (cases / scale_reference_cases) ** -scale_elasticity
    scale_reference_cases: float  # the size (cases a year) at which a bidder's cost_per_case is its own
    top_slice: float  # share of its subcontractors' share a prime keeps as a management fee
    subcontract_share: float  # share of a prime's lot its local subcontractors deliver, where it has them
    cost_per_competition: float  # the commissioner's cost of letting one lot (tendering and evaluation)
    management_share: float  # contract management and monitoring a year, a share of the lot's yearly value
    consortium_overhead: float = 0.0  # a consortium's extra cost a case (coordinating its members)
    cost_of_capital: float = 0.0  # a year, on the capital a bidder holds against its lot's results risk


@dataclass(frozen=True)
class Bidder:
    """A provider that may bid: where it works (empty: anywhere), its size and its costs."""

    name: str
    kind: str
    areas: tuple[str, ...]
    turnover: float  # a year
    capacity_cases: float  # cases a year it can take on
    reserves: float  # the loss it can carry
    risk_appetite: float  # the chance of a year's results loss beyond its reserves it accepts
    cost_per_case: float  # at the reference size
    need_match: float  # share of its referrals that meet the person's unmet need
    consortium: bool = False  # stands for one provider in each area, who bid together for a lot too large for one
    members: int = 1  # a consortium's members, each delivering its share of the lot at its own size


@dataclass(frozen=True)
class Design:
    """What is bought, at which level, with how much money a year (full size) for how many cases."""

    name: str
    level: str
    budget_per_year: float
    cases_per_year: float
    results_share: float  # share of the lots' value paid on results (0: a fee for service)
    reoffending_rate: float  # the cohort's expected rate on the measure (binary: a share; frequency: per person)
    expected_fall: float  # the fall in that rate (binary: 0.037 is 3.7 points) that pays results in full
    measure: str = "binary"  # binary (who reoffends) or frequency (re-offences per person)
    bonded: bool = False  # investors fund the results money and bear its risk (a social impact bond)


@dataclass(frozen=True)
class Lot:
    name: str
    areas: tuple[str, ...]  # local areas
    share: float  # of the design's money and cases


@dataclass(frozen=True)
class Award:
    """One lot as let: its size, who could bid (and why the others could not), who delivers it, and what
    the money buys."""

    lot: Lot
    value: float  # a year
    cases: float  # a year, the lot's cohort
    eligible: tuple[str, ...]
    excluded: dict  # bidder -> why it could not bid
    winner: str
    subcontractors: tuple[str, ...]
    subcontracted: float  # share of the value its subcontractors deliver
    top_slice_paid: float  # a year, kept by the prime from its subcontractors' share
    cases_served: float  # a year, what the money buys at the providers' costs
    need_match: float
    small_local_share: float  # share of the value reaching small local providers
    competition_cost: float  # once
    management_cost: float  # a year
    results_sd: float  # s.d. of a year's results payment
    results_money: float  # a year, the share of the value paid on results
    risk_premium: float = 0.0  # a year, the winner's price for the capital it holds against the results risk

    @property
    def results_sd_per_pound(self) -> float:
        """The spread a lot's results payment has for each pound of its results money (0: no results)."""
        return self.results_sd / self.results_money if self.results_money > 0 else 0.0

    @property
    def cost_per_case(self) -> float:
        """What the commissioner pays for a case served, management fees included."""
        return self.value / self.cases_served if self.cases_served > 0 else float("inf")

    @property
    def front_line(self) -> float:
        """A year's money that reaches the delivery (the value less the prime's top slice and risk premium)."""
        return self.value - self.top_slice_paid - self.risk_premium


def lots(level: str, local_areas, shares, group) -> list[Lot]:
    """The lots a design at ``level`` lets: its local areas grouped by ``group(local, geography level)``,
    each with its share of the design (``shares``: the local areas' weights, summing to 1)."""
    if level not in LOT_LEVEL:
        raise ScenarioError(f"commissioning level {level!r} is not one of {', '.join(DESIGN_LEVELS)}")
    if abs(sum(shares) - 1.0) > SHARE_SUM_TOLERANCE:
        raise ScenarioError(f"the local areas' shares of a commissioning design sum to {sum(shares):.4f}, not 1")
    out: dict[str, list] = {}
    for area, share in zip(local_areas, shares):
        out.setdefault(group(area, LOT_LEVEL[level]), []).append((area, share))
    return [Lot(name, tuple(a for a, _ in members), float(sum(s for _, s in members))) for name, members in out.items()]


def results_sd(design: Design, value: float, cases: float) -> float:
    """The s.d. of a year's results payment on a lot: its results money times the sampling s.d. of its
    cohort's rate on the measure (binary: Bernoulli; frequency: Poisson) over the fall that pays it in full."""
    if design.results_share == 0 or cases <= 0:
        return 0.0
    spread = float(np.sqrt(sampling_variance(design.measure, design.reoffending_rate, cases)))
    return value * design.results_share * spread / design.expected_fall


def unit_cost(bidder: Bidder, cases: float, terms: LevelTerms) -> float:
    """A bidder's cost per case at ``cases`` a year (economies of scale about its reference size)."""
    own = bidder.cost_per_case * (1 + terms.consortium_overhead if bidder.members > 1 else 1.0)
    if terms.scale_elasticity == 0 or cases <= 0:
        return own
    return own * (cases / bidder.members / terms.scale_reference_cases) ** -terms.scale_elasticity


CONSORTIUM = "_consortium"  # a consortium bids under its members' name and this
FEWEST_MEMBERS = 2  # a consortium of one is the bidder alone


def consortium(bidder: Bidder, lot: Lot) -> Bidder | None:
    """The consortium of a bidder's providers in a lot's areas (one in each), if it joins consortia, covers
    every area of the lot and there are two or more of them (None otherwise)."""
    if not bidder.consortium or len(lot.areas) < FEWEST_MEMBERS or (bidder.areas and not set(lot.areas) <= set(bidder.areas)):
        return None
    k = len(lot.areas)
    return replace(bidder, name=bidder.name + CONSORTIUM, turnover=k * bidder.turnover,
                   capacity_cases=k * bidder.capacity_cases, reserves=k * bidder.reserves, consortium=False, members=k)


def capital_at_risk(bidder: Bidder, risk: float) -> float:
    """The capital a bidder holds against a lot's results risk (s.d. ``risk``): the loss it would not
    exceed but with its appetite's chance (0 without risk)."""
    return float(norm.ppf(1 - bidder.risk_appetite)) * risk if risk > 0 else 0.0


def bid(bidder: Bidder, cases: float, risk: float, terms: LevelTerms) -> float:
    """A bidder's price a case for a lot: its cost a case at the lot's size and its risk premium a case."""
    return unit_cost(bidder, cases, terms) + terms.cost_of_capital * capital_at_risk(bidder, risk) / cases


def why_not(bidder: Bidder, lot: Lot, value: float, cases: float, risk: float, terms: LevelTerms) -> str | None:
    """Why a bidder cannot bid for a lot (None: it can)."""
    if bidder.areas and not set(lot.areas) <= set(bidder.areas):
        return "it does not work in every area of the lot"
    if bidder.turnover < terms.turnover_multiple * value:
        return f"its turnover is under {terms.turnover_multiple:g} times the lot's yearly value"
    if bidder.capacity_cases < cases:
        return "it has not the capacity for the lot's cases"
    if risk > 0 and (bidder.risk_appetite <= NO_RISK_APPETITE or capital_at_risk(bidder, risk) > bidder.reserves):
        return "its reserves cannot carry the lot's results risk at its appetite for risk"
    return None


def award(design: Design, lot: Lot, bidders: list[Bidder], terms: LevelTerms) -> Award:
    """The lot let: the cheapest eligible bidder wins; the small local providers working there that could
    not bid become its subcontractors (if it is not one of them)."""
    value, cases = design.budget_per_year * lot.share, design.cases_per_year * lot.share
    spread = results_sd(design, value, cases)
    risk = 0.0 if design.bonded else spread  # what the winner bears: under a bond, the investors bear it
    reasons = {b.name: why_not(b, lot, value, cases, risk, terms) for b in bidders}
    joint = [c for b in bidders if reasons[b.name] is not None and (c := consortium(b, lot)) is not None]
    reasons.update({c.name: why_not(c, lot, value, cases, risk, terms) for c in joint})
    eligible = [b for b in [*bidders, *joint] if reasons[b.name] is None]
    if not eligible:
        first = next(iter(reasons.items()), ("", "no bidder is declared"))
        raise ScenarioError(f"commissioning design {design.name!r}: no provider can bid for the lot {lot.name!r} "
                            f"(£{value:,.0f} a year, {cases:,.0f} cases): {first[0]}: {first[1]}")
    winner = min(eligible, key=lambda b: bid(b, cases, risk, terms))  # min keeps the first on a tie
    subs = [] if winner.kind == SMALL_LOCAL else [  # the winner's subcontractors: those who could not bid
        b for b in bidders if b.kind == SMALL_LOCAL and reasons[b.name] is not None
        and (not b.areas or set(b.areas) & set(lot.areas))]
    share = terms.subcontract_share if subs else 0.0
    top_slice = terms.top_slice * share * value
    premium = min(terms.cost_of_capital * capital_at_risk(winner, risk), (1 - share) * value)  # from the prime's part
    prime_cases = ((1 - share) * value - premium) / unit_cost(winner, (1 - share) * cases, terms)
    each = share * cases / len(subs) if subs else 0.0
    sub_cases = [share * value * (1 - terms.top_slice) / len(subs) / unit_cost(b, each, terms) for b in subs]
    served = prime_cases + sum(sub_cases)
    match = (prime_cases * winner.need_match + sum(c * b.need_match for c, b in zip(sub_cases, subs))) / served
    local = 1.0 if winner.kind == SMALL_LOCAL else share * (1 - terms.top_slice)
    return Award(lot, value, cases, tuple(b.name for b in eligible),
                 {k: v for k, v in reasons.items() if v is not None}, winner.name, tuple(b.name for b in subs),
                 share, top_slice, served, match, local, terms.cost_per_competition,
                 terms.management_share * value, spread, value * design.results_share, premium)


def tender(design: Design, lot_list: list[Lot], bidders: list[Bidder], terms: LevelTerms) -> list[Award]:
    """Every lot of the design let (in the lots' order)."""
    return [award(design, lot, bidders, terms) for lot in lot_list]
