"""How a provider chooses its effort per risk band at each review: pure functions of what it can see.

The form follows the literature the issue cites (../shared/DOMAIN.md, 'How a provider decides'): a
provider picks effort per client group to maximise what its contracts are expected to pay it less
what the effort costs (Heckman, Heinrich and Smith, NBER w9002, 2002; the Social Market Foundation's
simulation of the Ministry of Justice design, 2013). Nothing about creaming or parking is written in:
under a binary measure an extra contact with someone near certain to reoffend, or near certain not
to, changes the cohort's rate little, so effort flows to the middle bands; under a frequency measure
each re-offence avoided pays, so the highest-rate people are worth most. The expectation uses the
payment functions the commissioner pays with (``jrsim.commissioning.payments``), on the provider's own
forecast of its cohort, averaged over the sampling noise of a cohort of that size.

**Effort** is a multiple of need: 1 is the contact a person's band needs (what a provider gives when it
serves people by need, as under a fee for service). Its declared effects (``EffortForm``): the weekly
offending hazard is multiplied by ``((1 + e) / 2) ** -contact_effect`` (concave: each further contact
is worth less; 1 at need), the drop-out hazard in services by ``((1 + e) / 2) ** -dropout_effect``,
and the chance of a referral on to a pathway service by ``e ** referral_elasticity``.

**The decision**, in order: the profit-seeking effort (coordinate ascent over a grid of effort levels
per band, within the contract's floor and the most effort there is); blended with need by the
provider's responsiveness (0: need exactly; 1: the profit-seeking effort); cut to its staff's
capacity; cut again if its income (fees as they accrue on its caseload, and the results it expects)
and what its reserves let it lose (drawn down evenly over the weeks until its last contract ends, so
that a provider with deep reserves can carry a loss its contracts' term through and one with none
cannot) do not cover its costs (fixed, and its contacts). Cuts fall first where its contracts
reward a contact least (ties: the lowest band first, as inspectors found low-risk people supervised by
telephone, HM Inspectorate of Probation, Gwent, 2018).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.polynomial.hermite_e import hermegauss

from jrsim.commissioning.payments import Outcome, ResultTerms, fee_at_risk, pbr_payment, sampling_variance
from jrsim.core.constants import WEEKS_PER_YEAR

NEED = 1.0  # effort as a multiple of need: need itself
NOISE_NODES = 5  # Gauss-Hermite nodes over a cohort's sampling noise: exact for smooth payments, fine for steps
GRID_LEVELS = 13  # effort levels tried per band, from the floor to the most there is
SWEEPS = 3  # coordinate-ascent passes over the bands (the best level of one band moves the others' little)
CUT_STEP = 0.05  # effort given up at a time when a provider cuts (a share of need)
HALF = 0.5  # the effort form's midpoint: ((1 + e) / 2) is 1 at need, 1/2 with no contact
YEAR_FOLLOW_UP_SHARE = 0.5  # a two-year OGRS-like score to a one-year chance: 1 - (1 - r) ** (1/2)
RULES = ("by_need", "profit", "capacity_cut", "budget_cut", "handed_back", "fallback")

_Z, _W = hermegauss(NOISE_NODES)
_W = _W / _W.sum()  # weights of a standard normal


@dataclass(frozen=True)
class EffortForm:
    """The declared form of effort's effect on a person (see the module's docstring)."""

    contact_effect: float
    dropout_effect: float
    referral_elasticity: float
    max_effort: float

    def hazard(self, effort: np.ndarray) -> np.ndarray:
        return (HALF * (1.0 + np.asarray(effort, float))) ** -self.contact_effect

    def dropout(self, effort: np.ndarray) -> np.ndarray:
        return (HALF * (1.0 + np.asarray(effort, float))) ** -self.dropout_effect

    def referral(self, effort: np.ndarray) -> np.ndarray:
        return np.asarray(effort, float) ** self.referral_elasticity

    def believed(self, error: float) -> EffortForm:
        """The form as a provider believes it: its belief about contact's effect is off by ``exp(error)``."""
        return EffortForm(self.contact_effect * float(np.exp(error)), self.dropout_effect, self.referral_elasticity,
                          self.max_effort)


def one_year_chance(two_year_risk: np.ndarray) -> np.ndarray:
    """A provider's forecast of the chance of a proven re-offence within a year from the OGRS-like two-year score."""
    return 1.0 - (1.0 - np.asarray(two_year_risk, float)) ** YEAR_FOLLOW_UP_SHARE


@dataclass(frozen=True)
class BandForecast:
    """What a provider sees of its caseload, per band, and forecasts for it at need effort."""

    people: np.ndarray  # on its caseload now (full size)
    entrants_per_year: np.ndarray  # joining its caseload a year: the size of its yearly cohorts (full size)
    one_year: np.ndarray  # chance of a proven re-offence within a year, at need effort
    reoffences: np.ndarray  # proven re-offences per person within a year, at need effort
    contacts_at_need: np.ndarray  # contacts per person-week at need effort

    def outcomes(self, effort: np.ndarray, form: EffortForm) -> tuple[np.ndarray, np.ndarray]:
        """Each band's one-year chance and re-offences per person at ``effort`` (effort scales the hazard)."""
        m = form.hazard(effort)
        hazard = -np.log1p(-np.minimum(self.one_year, 1.0 - np.finfo(float).eps))
        return -np.expm1(-hazard * m), self.reoffences * m

    def contacts_per_week(self, effort: np.ndarray) -> float:
        return float((self.people * self.contacts_at_need * effort).sum())


@dataclass(frozen=True)
class Incentive:
    """One contract as the provider sees it: how it pays on which bands' cohort, or a fee at risk."""

    terms: tuple[ResultTerms, ...]
    bands: np.ndarray  # bool per band: whose outcomes the contract's cohort counts
    hurdle: str | None = None
    fee_at_risk: float = 0.0  # a fee for service's share at risk, in pounds a year (0: a results contract)

    def expected(self, forecast: BandForecast, effort: np.ndarray, form: EffortForm, need: dict | None = None) -> float:
        """Expected payment on one yearly cohort: the contract's payment function over the cohort's noise
        (``need``: each measure's rates by band at need effort, if already known)."""
        weights = forecast.entrants_per_year * self.bands
        cohort = float(weights.sum())
        if cohort <= 0:
            return 0.0
        rates = dict(zip(("binary", "frequency"), forecast.outcomes(effort, form)))
        need = need or dict(zip(("binary", "frequency"), forecast.outcomes(np.full(len(effort), NEED), form)))
        observed = {m: float((weights * rates[m]).sum() / cohort) for m in rates}
        # the reference is the status quo: the same cohort served by need (a baseline or comparison group)
        reference = {m: float((weights * need[m]).sum() / cohort) for m in need}
        measures = {t.measure for t in self.terms}
        total = 0.0
        for z, w in zip(_Z, _W):
            outcomes = {m: Outcome(m, cohort, observed[m] + z * np.sqrt(sampling_variance(m, observed[m], cohort)),
                                   reference[m], sampling_variance(m, reference[m], cohort)) for m in measures}
            if self.fee_at_risk:
                main = self.terms[0]
                total += w * fee_at_risk(self.fee_at_risk, 1.0, main.met(outcomes[main.measure]))
            else:
                total += w * pbr_payment(outcomes, self.terms, hurdle=self.hurdle)
        return total


@dataclass(frozen=True)
class Situation:
    """What a provider may see at a review (the narrow interface): its caseload by band, its forecast,
    its contracts' incentives, its costs, its income and its capacity."""

    forecast: BandForecast
    incentives: tuple[Incentive, ...]
    responsiveness: float
    floor: float  # the contract's service floor, a share of need
    cost_per_contact: float
    fixed_cost_per_week: float
    fee_income_per_week: float  # fees accrued a week at the current caseload
    capacity_per_week: float  # contacts its staff can make a week (full size)
    form: EffortForm = field(repr=False, default=None)  # as the provider believes it
    # expected results already worked out for this situation, by effort (a decision tries many twice)
    memo: dict = field(repr=False, compare=False, default_factory=dict)
    reserves: float = 0.0  # the loss it can still carry (its price year): it may draw them down...
    weeks_left: float = np.inf  # ...evenly over the weeks until its last contract ends, never faster

    @property
    def drawdown_per_week(self) -> float:
        """What its reserves let it spend a week beyond its income, to the end of its contracts."""
        return max(self.reserves, 0.0) / self.weeks_left if self.weeks_left > 0 else 0.0


@dataclass(frozen=True)
class Decision:
    effort: np.ndarray  # per band, a multiple of need
    rule: str  # one of RULES: what set it
    expected_results: float  # pounds a yearly cohort is expected to earn at this effort


def expected_results(s: Situation, effort: np.ndarray) -> float:
    key = np.asarray(effort, float).tobytes()
    if key not in s.memo:
        if "need" not in s.memo:
            s.memo["need"] = dict(zip(("binary", "frequency"),
                                      s.forecast.outcomes(np.full(len(s.forecast.people), NEED), s.form)))
        s.memo[key] = sum(i.expected(s.forecast, effort, s.form, s.memo["need"]) for i in s.incentives)
    return s.memo[key]


def contact_cost_per_year(s: Situation, effort: np.ndarray) -> float:
    return s.forecast.contacts_per_week(effort) * s.cost_per_contact * WEEKS_PER_YEAR


def profit(s: Situation, effort: np.ndarray) -> float:
    return expected_results(s, effort) - contact_cost_per_year(s, effort)


def profit_seeking_effort(s: Situation) -> np.ndarray:
    """The effort per band that maximises expected results less the cost of contact: coordinate ascent
    from the floor, from need and from the most effort there is (a payment with a threshold is not
    concave in effort: one start can stop short), the best of the three."""
    floor = np.full(len(s.forecast.people), s.floor)
    if not s.incentives:
        return floor  # with nothing to earn, the floor is best
    starts = [np.full(len(floor), level) for level in (s.floor, np.clip(NEED, s.floor, s.form.max_effort),
                                                        s.form.max_effort)]
    return max((_ascend(s, start) for start in starts), key=lambda e: profit(s, e))


def _ascend(s: Situation, effort: np.ndarray) -> np.ndarray:
    levels = np.linspace(s.floor, s.form.max_effort, GRID_LEVELS)
    for _ in range(SWEEPS):
        moved = False
        for b in np.flatnonzero(s.forecast.people > 0):
            value = []
            for level in levels:
                trial = effort.copy()
                trial[b] = level
                value.append(profit(s, trial))
            best = levels[int(np.argmax(value))]
            moved |= best != effort[b]
            effort[b] = best
        if not moved:
            break
    return effort


def reward_per_contact(s: Situation, effort: np.ndarray) -> np.ndarray:
    """What the contracts are expected to pay for one more unit of effort in each band, per contact."""
    base = expected_results(s, effort) if s.incentives else 0.0
    out = np.zeros(len(effort))
    for b in np.flatnonzero(s.forecast.people > 0):
        trial = effort.copy()
        trial[b] = max(effort[b] - CUT_STEP, 0.0)
        lost = base - (expected_results(s, trial) if s.incentives else 0.0)
        out[b] = lost / (CUT_STEP * s.forecast.people[b] * s.forecast.contacts_at_need[b])
    return out


def cut(s: Situation, effort: np.ndarray, contacts_allowed: float) -> np.ndarray:
    """Effort cut, where a contact is rewarded least first (ties: the lowest band), until the contacts a
    week fit ``contacts_allowed`` or every band is at the floor."""
    effort = effort.copy()
    order = np.lexsort((np.arange(len(effort)), reward_per_contact(s, effort)))
    for b in order:
        if s.forecast.contacts_per_week(effort) <= contacts_allowed:
            break
        per_unit = s.forecast.people[b] * s.forecast.contacts_at_need[b]
        if per_unit <= 0:
            continue
        excess = s.forecast.contacts_per_week(effort) - contacts_allowed
        effort[b] = max(s.floor, effort[b] - excess / per_unit)
    return effort


def decide(s: Situation) -> Decision:
    """The effort for the coming period and the rule that set it."""
    need = np.full(len(s.forecast.people), NEED)
    if s.responsiveness > 0:
        effort = (1.0 - s.responsiveness) * need + s.responsiveness * profit_seeking_effort(s)
        rule = "profit"
    else:
        effort, rule = need, "by_need"
    if s.forecast.contacts_per_week(effort) > s.capacity_per_week:
        effort, rule = cut(s, effort, s.capacity_per_week), "capacity_cut"
    expected = expected_results(s, effort) if s.incentives else 0.0
    # fees as they accrue, results as expected, and what its reserves allow it to lose a week
    income = s.fee_income_per_week + expected / WEEKS_PER_YEAR + s.drawdown_per_week
    affordable = (income - s.fixed_cost_per_week) / s.cost_per_contact if s.cost_per_contact > 0 else np.inf
    if s.forecast.contacts_per_week(effort) > affordable:
        effort, rule = cut(s, effort, max(affordable, 0.0)), "budget_cut"
        expected = expected_results(s, effort) if s.incentives else 0.0
    return Decision(effort, rule, expected)
