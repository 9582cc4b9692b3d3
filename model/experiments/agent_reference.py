"""The same core flows written the straightforward way: one mesa Agent per person.

Only for the benchmark (``experiments.bench``): it shows what holding offenders as
columns of arrays buys. It reads the same parameters and follows the same rules
as the vectorised engine for the core flows (offending, detection, caution or
charge, remand, court, sentence, custody, licence and recall, orders, career end,
entrants); services and cohort measures are left out.
"""
from __future__ import annotations

import math
import random

import mesa
import numpy as np

from jrsim.core.constants import (
    ADULT_AGE,
    BAND_LIMITS_WEEKS,
    MAX_RECENCY_WEEKS,
    MAX_RISK,
    OGRS_HORIZON_WEEKS,
    WEEKS_PER_YEAR,
)
from jrsim.core.vocabulary import BANDS
from jrsim.flows.offending import HALF, N_NEED_COMBINATIONS, need_multiplier_table, risk_score

COMMUNITY, ORDER, LICENCE, REMAND, CUSTODY, RECALLED = range(6)
# Fixed numbers where the engine reads a scenario parameter or draws a value: the reference keeps the
# rules' outline, and the benchmark measures what one object per person costs, not the figures.
RECALL_WEEKS = 4  # every recall lasts four weeks (the engine draws fixed-term or standard recalls)
ORDER_SHARE = 0.6  # of those convicted and not sent to custody, the share given an order (the rest: no change)
LICENCE_SHARE = 0.5  # custody is served to half-way; the second half is on licence
# Ages over 18 are lognormal, (median years over 18, log-scale spread): the starting population's
# median age is 31 and entrants' 26 (as in the baseline). Starting records are exponential, this mean.
INITIAL_EXCESS_AGE = (13, 0.7)
ENTRANT_EXCESS_AGE = (8, 0.9)
INITIAL_PREVIOUS_MEAN = 7


class Person(mesa.Agent):
    def __init__(self, model: "AgentModel", age: float, previous: int):
        super().__init__(model)
        r = model.rand
        p = model.p
        self.age, self.previous, self.male = age, previous, r.random() < p["population.male_share"]
        self.propensity = r.gammavariate(p["offending.propensity_shape"], 1 / p["offending.propensity_shape"])
        self.needs = r.randrange(N_NEED_COMBINATIONS)
        self.state, self.until, self.sentence = COMMUNITY, -1, 0
        self.case_until, self.case_crown, self.last_offence = -1, False, model.t
        self.refresh()

    def refresh(self) -> None:
        p = self.model.p
        risk = float(risk_score(p, np.float32(self.age), self.male, self.previous))
        self.rate = (p["offending.rate_multiplier"] * -math.log1p(-min(risk, MAX_RISK)) / OGRS_HORIZON_WEEKS * self.propensity
                     * float(self.model.need_rr[self.needs]))

    def step(self) -> None:
        m, p, r, t = self.model, self.model.p, self.model.rand, self.model.t
        self.age += 1 / WEEKS_PER_YEAR
        if self.state in (CUSTODY, RECALLED) and self.until <= t:
            self.release()
        elif self.state == LICENCE and r.random() < p["supervision.licence_breach_rate"]:
            self.state, self.until = RECALLED, t + RECALL_WEEKS
        elif self.state in (ORDER, LICENCE) and self.until <= t:
            self.state = COMMUNITY
        if self.case_until == t:
            self.court()
        if self.state in (COMMUNITY, ORDER, LICENCE):
            recency = float(m.recency[min(t - self.last_offence, len(m.recency) - 1)])
            if r.random() < 1 - math.exp(-self.rate * recency):
                self.offend()
            elif self.state == COMMUNITY and self.case_until < 0 and r.random() < p["population.career_end_rate"]:
                self.remove()

    def offend(self) -> None:
        p, r, t = self.model.p, self.model.rand, self.model.t
        self.last_offence = t
        if r.random() >= p["policing.detection_probability"] or r.random() < p["policing.no_further_action_probability"]:
            return
        first = self.previous == 0
        if r.random() < p["policing.caution_probability." + ("first_offence" if first else "repeat_offender")]:
            self.previous += 1
            self.refresh()
            return
        if self.case_until >= 0:
            return
        self.case_crown = r.random() < p["courts.crown_share"]
        court = "crown" if self.case_crown else "magistrates"
        self.case_until = t + max(1, round(r.expovariate(1 / p[f"courts.weeks_to_disposal.{court}"])))
        if r.random() < p[f"courts.remand_probability.{court}"]:
            self.state, self.until = REMAND, self.case_until

    def court(self) -> None:
        p, r, t = self.model.p, self.model.rand, self.model.t
        court = "crown" if self.case_crown else "magistrates"
        self.case_until = -1
        if r.random() >= p[f"courts.conviction_probability.{court}"]:
            if self.state == REMAND:
                self.state = COMMUNITY
            return
        self.previous += 1
        self.refresh()
        shares = p[f"sentencing.disposal_shares.{court}"]
        if r.random() < shares[0]:
            band = 0 if not self.case_crown else r.choices(range(len(BANDS)), p["sentencing.crown_custody_bands"])[0]
            low, high = BAND_LIMITS_WEEKS[band]
            median = p[f"sentencing.length.{BANDS[band]}.median"]
            length = min(max(r.lognormvariate(math.log(median), p[f"sentencing.length.{BANDS[band]}.sigma"]), low), high)
            self.state, self.sentence = CUSTODY, length
            self.until = t + max(1, round(length * p["sentencing.release_fraction"]))
        elif r.random() < ORDER_SHARE:
            self.state, self.until = ORDER, t + round(p["sentencing.community_order_length"])
        elif self.state == REMAND:
            self.state = COMMUNITY

    def release(self) -> None:
        t = self.model.t
        if self.state == CUSTODY and self.sentence >= WEEKS_PER_YEAR:  # 12 months and over: onto licence
            self.state, self.until = LICENCE, t + round(self.sentence * LICENCE_SHARE)
        else:
            self.state = COMMUNITY


class AgentModel(mesa.Model):
    def __init__(self, params, n_people: int, seed: int = 1):
        super().__init__(seed=seed)
        self.p, self.t, self.rand = params, 0, random.Random(seed)
        self.need_rr = need_multiplier_table(params)
        floor, half = params["offending.recency_floor"], params["offending.recency_half_life"]
        self.recency = floor + (1 - floor) * HALF ** (np.arange(MAX_RECENCY_WEEKS) / half)
        self.entrants_per_week = (n_people * params["population.entrants_per_year"] / params["population.initial_active"]
                                  / WEEKS_PER_YEAR)
        median, spread = INITIAL_EXCESS_AGE
        for _ in range(n_people):
            Person(self, ADULT_AGE + self.rand.lognormvariate(math.log(median), spread),
                   int(self.rand.expovariate(1 / INITIAL_PREVIOUS_MEAN)))
        self.person_weeks = 0

    def step(self) -> None:
        self.person_weeks += len(self.agents)
        self.agents.shuffle_do("step")
        median, spread = ENTRANT_EXCESS_AGE
        for _ in range(int(self.entrants_per_week + self.rand.random())):
            Person(self, ADULT_AGE + self.rand.lognormvariate(math.log(median), spread), 0).offend()
        self.t += 1
