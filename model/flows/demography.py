"""Who is in the model: the initial population, first-time entrants and exits.

The population is the adults with an active criminal career in England and
Wales (times ``run.scale``), or in the run's areas (``run.areas``): everyone lives
in a local area, drawn at entry in proportion to the areas' shares. It is open: first-time entrants arrive each week
(people arrested for the first time, who go straight to policing), careers end
(desistance: a hazard that rises with age, for people at liberty under no order
with no case pending) and people die. The initial population is drawn so the
prison and probation stocks start at their published levels; a warm-up lets
the rest settle before results are kept.
"""
from __future__ import annotations

import numpy as np
from scipy import special

from jrsim.core.constants import (
    ADULT_AGE,
    BAND_LIMITS_WEEKS,
    CAREER_CHECK_WEEKS,
    GOMPERTZ_REFERENCE_AGE,
    INITIAL_ORDER_RESIDUAL_WEEKS,
    MAX_AGE_AT_ENTRY,
    MAX_AGE_SLOPE,
    MAX_LIFETIME_YEARS,
    MAX_PREVIOUS_AT_START,
    MIN_MEDIAN_EXCESS_AGE,
    MIN_SPREAD,
    NORMAL_APPROX_MEAN,
    PROB_EPSILON,
    REFERENCE_AGE,
    WEEKS_PER_YEAR,
)
from jrsim.core.errors import ScenarioError
from jrsim.core.handoffs import Entrants
from jrsim.core.module import Module
from jrsim.core.results import PEOPLE_PER_WEEK, flow
from jrsim.core.seams import InitialPopulation, RiskAssessment
from jrsim.core.vocabulary import (
    BANDS,
    CUSTODY_BANDS,
    CUSTODY_STATUSES,
    EXIT_REASONS,
    EXITED,
    ORDER_STATUS,
    PATHWAYS,
    Order,
    Status,
)
from jrsim.parameters.declaration import Par, words

# The stocks the starting population is filled to, from the people with the longest records first.
INITIAL_STOCKS = ("remand",) + CUSTODY_STATUSES + ("community_order", "suspended_sentence", "licence")
NEVER = np.iinfo(np.int32).max  # the death week of someone who never dies (no mortality)
MIN_RECORD_MEAN = 1e-6  # a starting record's geometric mean must be positive
UNIFORM_MEAN_TO_MAX = 2.0  # a uniform residual time on [0, 2m] has mean m


class Demography(Module):
    name = "demography"
    PARAMETERS = (
        Par("population.initial_active", "count", at_start_only=True, label="Active offenders at the start"),
        Par("population.entrants_per_year", "count", label="New adult offenders a year"),
        Par("population.male_share", "prob", label="Share of offenders who are men"),
        Par("population.entrant_age.median", "coef", label="Median age of new offenders"),
        Par("population.entrant_age.sigma", "multiplier", low=MIN_SPREAD, label="Spread of new offenders' ages"),
        Par("population.initial_age.median", "coef", at_start_only=True, label="Median age of offenders at the start"),
        Par("population.initial_age.sigma", "multiplier", low=MIN_SPREAD, at_start_only=True,
            label="Spread of offenders' ages at the start"),
        Par("population.initial_previous_mean", "count", at_start_only=True, label="Mean previous offences at the start"),
        Par("population.initial_time_since_offence", "duration", at_start_only=True,
            label="Mean time since the last offence at the start"),
        *[Par(f"population.need_prevalence.{k}", "prob", label=f"Share of offenders with a need: {words(k)}") for k in PATHWAYS],
        Par("population.need_correlation", "prob", label="Overlap between needs"),
        *[Par(f"population.initial_stock.{k}", "count", at_start_only=True,
              label=f"People at the start: {words(k)}") for k in INITIAL_STOCKS],
        Par("population.career_end_rate", "rate", label="Rate at which criminal careers end"),
        Par("population.career_end_age_slope", "coef", low=-MAX_AGE_SLOPE, high=MAX_AGE_SLOPE,
            label="Rise in career ending per year of age"),
        Par("population.mortality_rate", "rate", label="Mortality rate"),
        Par("population.mortality_age_slope", "coef", low=-MAX_AGE_SLOPE, high=MAX_AGE_SLOPE,
            label="Rise in mortality per year of age"),
    )
    READS = ("run.scale", "offending.propensity_shape", "courts.weeks_to_disposal.crown",
             "sentencing.release_fraction", *[f"sentencing.length.{b}.{x}" for b in BANDS for x in ("median", "sigma")])
    COLUMNS = {"death_week": (np.int32, NEVER)}
    RESULTS = {"entries": flow(unit=PEOPLE_PER_WEEK, label="New adult offenders"),
               "exits": flow(("reason", EXIT_REASONS), unit=PEOPLE_PER_WEEK, label="Criminal careers ended")}
    STREAMS = ("age", "sex", "propensity", "previous", "needs_common", "needs", "death", "initial_recency",
               "initial_stock", "initial_time", "initial_length", "career_end", "entrants", "area")
    PROVIDES = (Entrants,)
    IMPLEMENTS = (InitialPopulation,)
    USES = {"risk": RiskAssessment}

    # ------------------------------------------------------------ building people
    def per_run(self, value: float) -> float:
        """A count stated for England and Wales, for this run: sampled (run.scale) and in its areas."""
        return value * self.p["run.scale"] * self.sim.areas.share

    def scaled(self, key: str) -> int:
        return int(round(self.per_run(self.p[key])))

    def create(self, k: int, t: int, age_key: str, previous_mean: float) -> np.ndarray:
        """k new people with drawn attributes; returns their rows."""
        pop, p = self.sim.pop, self.p
        rows = pop.add(k)
        ids = pop.id[rows]
        st = self.streams
        age = ADULT_AGE + np.exp(np.log(max(p[f"{age_key}.median"] - ADULT_AGE, MIN_MEDIAN_EXCESS_AGE))
                                 + p[f"{age_key}.sigma"] * special.ndtri(st["age"].uniform(0, ids)))
        pop.birth_week[rows] = t - np.rint(np.minimum(age, MAX_AGE_AT_ENTRY) * WEEKS_PER_YEAR).astype(np.int32)
        pop.male[rows] = st["sex"].uniform(0, ids) < p["population.male_share"]
        shape = p["offending.propensity_shape"]
        pop.propensity[rows] = special.gammaincinv(shape, st["propensity"].uniform(0, ids)) / shape
        if previous_mean > 0:
            # A record reflects how much someone offends: geometric, with a mean in proportion to
            # their propensity (so the population mean is ``previous_mean``).
            mean = np.maximum(previous_mean * pop.propensity[rows], MIN_RECORD_MEAN)
            u = st["previous"].uniform(0, ids)
            pop.previous_offences[rows] = np.minimum(np.floor(np.log1p(-u) / np.log1p(-1.0 / (1.0 + mean))),
                                                     MAX_PREVIOUS_AT_START)
        pop.needs[rows] = self._needs(ids)
        cumulative = np.cumsum(self.sim.areas.weights)
        pop.area[rows] = np.minimum(np.searchsorted(cumulative, st["area"].uniform(0, ids), side="right"),
                                    len(cumulative) - 1)
        pop.last_offence[rows] = t
        pop.death_week[rows] = self._death_week(age, st["death"].uniform(0, ids), t)
        return rows

    def _death_week(self, age: np.ndarray, u: np.ndarray, t: int) -> np.ndarray:
        """Week of death, drawn once at entry from the Gompertz hazard m*exp(b*(age-a0)) by inverse transform
        (a0: GOMPERTZ_REFERENCE_AGE)."""
        m, b = self.p["population.mortality_rate"] * float(WEEKS_PER_YEAR), self.p["population.mortality_age_slope"]
        if m <= 0:
            return np.full(len(age), NEVER, np.int32)
        e = -np.log1p(-u)
        a0 = GOMPERTZ_REFERENCE_AGE
        age_at_death = a0 + np.log(np.exp(b * (age - a0)) + e * b / m) / b if b > 0 else age + e / m
        weeks = np.minimum((age_at_death - age) * float(WEEKS_PER_YEAR), float(WEEKS_PER_YEAR) * MAX_LIFETIME_YEARS)
        return (t + np.maximum(1, np.rint(weeks))).astype(np.int32)

    def _needs(self, ids: np.ndarray) -> np.ndarray:
        """Needs on the seven pathways, correlated through one shared factor (Gaussian copula)."""
        rho = self.p["population.need_correlation"]
        st = self.streams
        common = special.ndtri(np.clip(st["needs_common"].uniform(0, ids), PROB_EPSILON, 1 - PROB_EPSILON))
        bits = np.zeros(len(ids), np.uint8)
        for k, name in enumerate(PATHWAYS):
            own = special.ndtri(np.clip(st["needs"].uniform(0, ids, draw=k), PROB_EPSILON, 1 - PROB_EPSILON))
            z = np.sqrt(rho) * common + np.sqrt(1 - rho) * own
            has = z < special.ndtri(self.p[f"population.need_prevalence.{name}"])
            bits |= (has.astype(np.uint8) << k)
        return bits

    def build_initial(self, t: int) -> None:
        """The starting population, with prison and probation stocks at their published levels."""
        pop, p = self.sim.pop, self.p
        n = self.scaled("population.initial_active")
        rows = self.create(n, t, "population.initial_age", p["population.initial_previous_mean"])
        ids = pop.id[rows]
        # People in an established population last offended a while ago (exponential time since the
        # last offence): starting everyone 'just offended' would inflate offending until it decays.
        since = self.streams["initial_recency"].exponential_weeks(0, ids, max(p["population.initial_time_since_offence"], 1.0))
        pop.last_offence[rows] = t - since
        # People with longer records are likelier to be in prison or under supervision: fill the
        # stocks from the people with the most previous convictions (ties broken by a random key).
        order = np.lexsort((self.streams["initial_stock"].uniform(0, ids), -pop.previous_offences[rows]))
        u = self.streams["initial_time"].uniform(0, ids)
        start = 0
        for key in INITIAL_STOCKS:
            k = min(self.scaled(f"population.initial_stock.{key}"), n - start)
            chosen = rows[order[start:start + k]]
            start += k
            self._place(chosen, key, u[order[start - k:start]] if k else u[:0], t)

    def _place(self, rows, key, u, t) -> None:
        """Put people in a starting status, part-way through it (uniform residual time)."""
        pop, p = self.sim.pop, self.p
        if key == "remand":
            # on remand at the start: a residual wait with the Crown Court's mean wait as its mean
            wait = np.maximum(1, np.rint(u * UNIFORM_MEAN_TO_MAX * p["courts.weeks_to_disposal.crown"])).astype(np.int32)
            pop.case_until[rows] = t + wait
            pop.case_crown[rows] = True
            pop.case_offence_week[rows] = t - 1
            pop.case_offences[rows] = 1
            pop.case_start[rows] = t
            pop.move(rows, Status.REMAND)
            pop.status_until[rows] = pop.case_until[rows]
        elif key.startswith("custody_"):
            b = BANDS.index(key[len("custody_"):])
            low, high = BAND_LIMITS_WEEKS[b]
            median = p[f"sentencing.length.{BANDS[b]}.median"]
            length = self.streams["initial_length"].lognormal_between(
                0, pop.id[rows], median, p[f"sentencing.length.{BANDS[b]}.sigma"], low, high)
            served = length * p["sentencing.release_fraction"]
            pop.move(rows, CUSTODY_BANDS[b])
            pop.sentence_weeks[rows] = np.rint(length).astype(np.int32)
            pop.status_until[rows] = t + np.maximum(1, np.rint(u * served)).astype(np.int32)
        else:
            order = {"community_order": Order.COMMUNITY_ORDER, "suspended_sentence": Order.SUSPENDED_SENTENCE,
                     "licence": Order.LICENCE}[key]
            pop.order[rows] = order
            pop.order_until[rows] = t + np.maximum(1, np.rint(u * INITIAL_ORDER_RESIDUAL_WEEKS)).astype(np.int32)
            pop.move(rows, ORDER_STATUS[order])

    # ------------------------------------------------------------ each week
    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        # exits first, so that nobody enters and leaves in the same week
        died = pop.rows_where(pop.death_week <= t)
        died = died[pop.status[died] != EXITED]
        pop.remove(died)
        ended = np.empty(0, np.int64)
        if t % CAREER_CHECK_WEEKS == 0:
            at_liberty = pop.rows_where((pop.status == Status.COMMUNITY) & (pop.case_until < 0))
            age = pop.age(t, at_liberty)
            h_end = (CAREER_CHECK_WEEKS * p["population.career_end_rate"]
                     * np.exp(p["population.career_end_age_slope"] * (age - REFERENCE_AGE)))
            ended = at_liberty[self.streams["career_end"].uniform(t, pop.id[at_liberty]) < -np.expm1(-h_end)]
            pop.remove(ended)
        sim.results.add("exits", np.array([len(ended), len(died)]))
        # entrants: their first offence is this week, and it is detected
        mean = self.per_run(self.p["population.entrants_per_year"]) / float(WEEKS_PER_YEAR)
        draws = self.streams["entrants"]
        nobody = np.zeros(1, np.int64)  # one draw a week for the whole population: id 0 stands for it
        k = int(draws.poisson(t, nobody, mean)[0]) if mean < NORMAL_APPROX_MEAN else \
            int(np.rint(mean + np.sqrt(mean) * special.ndtri(draws.uniform(t, nobody)[0])))
        rows = self.create(max(k, 0), t, "population.entrant_age", 0.0)
        self.risk.refresh_risk(rows, t)
        self.today.put(Entrants(rows))
        sim.results.add("entries", len(rows))


def check_starting_stocks(values: dict, file: str) -> None:
    """The starting stocks (``population.initial_stock.*``) are filled from the active offenders
    (``population.initial_active``): together they cannot hold more people than there are."""
    keys = [k for k in values if k.startswith("population.initial_stock.")]
    stocks = sum(values[k] for k in keys)
    if stocks > values["population.initial_active"]:
        largest = max(keys, key=lambda k: values[k])  # name the stock most likely to be wrong
        raise ScenarioError(f"{file}: '{largest}': the starting stocks hold {stocks:,.0f} "
                            f"people in prison and on probation, more than the "
                            f"{values['population.initial_active']:,.0f} active offenders ('population.initial_active')")
