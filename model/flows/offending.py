"""Offending: who commits offences this week, at a hazard set by risk, needs and status.

The static risk is an OGRS-like two-year probability of proven reoffending from
age, sex and criminal history (a logistic score, as OGRS3). It is turned into a
weekly hazard and scaled by the person's propensity (heterogeneity OGRS does not
see), unmet needs on the seven pathways, the recency of their last offence (the
hazard falls with time since the last offence), their supervision status and the
effect of any services they have completed (``effects.OFFENDING_HAZARD``, set
by services). Each offending event has an offence type (the Home Office cost-of-crime groups), drawn
by the offender's profile: shares at a reference risk, moved for each type by a log-odds slope on the
person's risk (high-rate offenders commit mostly acquisitive offences; serious violent and sexual
offences come from people at lower risk of reoffending).
"""
from __future__ import annotations

import numpy as np
from scipy.special import logit

from jrsim.core import effects
from jrsim.core.clock import Calendar
from jrsim.core.constants import (
    AGE_PER_DECADE,
    MAX_RECENCY_WEEKS,
    MAX_RISK,
    MIN_SPREAD,
    OGRS_HORIZON_WEEKS,
    PROB_EPSILON,
    REFERENCE_AGE,
    TINY,
)
from jrsim.core.handoffs import Entrants, Offenders
from jrsim.core.module import Module
from jrsim.core.results import OFFENCES_PER_WEEK, flow
from jrsim.core.seams import RiskAssessment
from jrsim.core.vocabulary import EXITED, OFFENCE_TYPES, ORDERS, PATHWAYS, SUPERVISED_STATUSES, Status
from jrsim.parameters.declaration import Par, words

N_NEED_COMBINATIONS = 1 << len(PATHWAYS)  # needs are a bitmask over the seven pathways
HALF = 0.5  # what remains after one half-life


def risk_score(params, age: np.ndarray, male: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """OGRS-like two-year probability of proven reoffending (logistic in age, sex, history)."""
    p = params.group("offending.risk")
    logit = (p["intercept"] + p["age_per_decade"] * (age - REFERENCE_AGE) / AGE_PER_DECADE + p["male"] * male
             + p["log_previous"] * np.log1p(previous))
    return (1.0 / (1.0 + np.exp(-logit))).astype(np.float32)


def need_multiplier_table(params) -> np.ndarray:
    """Relative risk for each combination of needs (bitmask -> product of RRs)."""
    rr = np.array([params[f"offending.need_relative_risk.{k}"] for k in PATHWAYS])  # Params or a view
    masks = np.arange(N_NEED_COMBINATIONS)[:, None] >> np.arange(len(PATHWAYS))[None, :] & 1
    return np.prod(np.where(masks == 1, rr[None, :], 1.0), axis=1).astype(np.float32)


class Offending(Module):
    name = "offending"
    PARAMETERS = (
        Par("offending.risk.intercept", "coef", label="Risk score: baseline log-odds"),
        Par("offending.risk.age_per_decade", "coef", label="Risk score: change per ten years of age"),
        Par("offending.risk.male", "coef", label="Risk score: extra for men"),
        Par("offending.risk.log_previous", "coef", label="Risk score: effect of previous offences"),
        Par("offending.rate_multiplier", "multiplier", label="Offending events per unit of proven-offence risk"),
        Par("offending.propensity_shape", "multiplier", low=MIN_SPREAD, label="Spread of offending propensity between people"),
        Par("offending.recency_half_life", "duration", label="Half-life of offending after the last offence"),
        Par("offending.recency_floor", "prob", label="Long-run offending as a share of recent offending"),
        Par("offending.extra_offences_per_event", "count", label="Extra offences per offending event"),
        *[Par(f"offending.need_relative_risk.{k}", "multiplier",
              label=f"Relative risk of offending with a need: {words(k)}") for k in PATHWAYS],
        *[Par(f"offending.status_multiplier.{k}", "multiplier",
              label=f"Relative risk of offending under supervision: {words(k)}") for k in ORDERS],
        Par("offending.prolific.min_previous", "count", label="Prolific offenders: fewest previous offences"),
        Par("offending.prolific.min_risk", "prob", label="Prolific offenders: lowest risk score"),
        Par("offending.offence_mix", "dist", OFFENCE_TYPES, label="Mix of offence types"),
        Par("offending.offence_mix_reference_risk", "prob", low=PROB_EPSILON, high=1 - PROB_EPSILON,
            label="Risk score at which offences follow the recorded-crime mix"),
        *[Par(f"offending.offence_mix_risk_slope.{k}", "coef",
              label=f"Change with risk in the share of offences: {words(k)}") for k in OFFENCE_TYPES],
    )
    COLUMNS = {"static_rate": (np.float32, 0.0)}  # weekly rate before recency and status (cached)
    RESULTS = {"offending_events": flow(label="Offending events"),
               "offences": flow(("offence_type", OFFENCE_TYPES), unit=OFFENCES_PER_WEEK, by_area=True,
                                label="Offences committed")}
    STREAMS = ("offend", "offences_per_event", "offence_type")
    NEEDS = (Entrants,)
    PROVIDES = (Offenders,)
    IMPLEMENTS = (RiskAssessment,)
    READS_EFFECTS = (effects.OFFENDING_HAZARD, effects.SUPERVISION_CONTACT)

    def init(self) -> None:
        for effect in self.READS_EFFECTS:
            self.effects.on_change(effect, self.refresh_rate)
        self.configure()

    def configure(self) -> None:
        """Tables from the parameters, then everyone's risk and rate (a policy may change either)."""
        self.need_rr = need_multiplier_table(self.p)
        self.status_rr = np.zeros(EXITED + 1, dtype=np.float32)
        self.status_rr[Status.COMMUNITY] = 1.0
        for key, status in zip(ORDERS, SUPERVISED_STATUSES):
            self.status_rr[status] = self.p[f"offending.status_multiplier.{key}"]
        # Recency multiplier by whole weeks since the last offence (a table: no exp per person-week).
        floor = self.p["offending.recency_floor"]
        half_life = max(self.p["offending.recency_half_life"], TINY)
        weeks = np.arange(MAX_RECENCY_WEEKS + 1)
        self.recency = (floor + (1 - floor) * HALF ** (weeks / half_life)).astype(np.float32)
        self.refresh_risk(self.sim.pop.living(), self.sim.week)

    def refresh_risk(self, rows: np.ndarray, t: int) -> None:
        """Recompute risk, the prolific flag and the cached rate (after a conviction, yearly for age,
        and whenever needs or a service's effect change)."""
        pop = self.sim.pop
        pop.risk[rows] = risk_score(self.p, pop.age(t, rows), pop.male[rows], pop.previous_offences[rows])
        pop.prolific[rows] = ((pop.previous_offences[rows] >= self.p["offending.prolific.min_previous"])
                              & (pop.risk[rows] >= self.p["offending.prolific.min_risk"]))
        self.refresh_rate(rows)

    def refresh_rate(self, rows: np.ndarray) -> None:
        pop = self.sim.pop
        weekly_proven = -np.log1p(-np.minimum(pop.risk[rows], np.float32(MAX_RISK))) / np.float32(OGRS_HORIZON_WEEKS)
        hazard_effect = self.effects.values(effects.OFFENDING_HAZARD)
        contact_effect = self.effects.values(effects.SUPERVISION_CONTACT)
        pop.static_rate[rows] = (np.float32(self.p["offending.rate_multiplier"]) * weekly_proven
                                 * pop.propensity[rows] * self.need_rr[pop.needs[rows]] * hazard_effect[rows]
                                 * contact_effect[rows])

    def weekly_hazard(self, t: int, rows=slice(None)) -> np.ndarray:
        """The weekly offending rate: cached static rate x recency x status (zero unless at liberty)."""
        pop = self.sim.pop
        since = np.minimum(t - pop.last_offence[rows], MAX_RECENCY_WEEKS)
        return pop.static_rate[rows] * self.recency[since] * self.status_rr[pop.status[rows]]

    def step(self, t: int) -> None:
        sim, pop = self.sim, self.sim.pop
        if Calendar.starts_year(t):  # risk rises and falls with age: refreshed once a year
            self.refresh_risk(pop.living(), t)
        first = self.today.get(Entrants).rows  # first offence of new entrants
        # Most people are at liberty, so work on whole contiguous columns (faster than gathering
        # the rows at liberty); the status multiplier is zero for everyone in custody or gone.
        n_old = first[0] if len(first) else pop.n  # entrants' offence this week is already given
        p_offend = -np.expm1(-self.weekly_hazard(t, slice(0, n_old)))
        hit = self.streams["offend"].uniform32(t, pop.id[:n_old]) < p_offend
        offenders = np.concatenate([np.flatnonzero(hit), first])
        n_offences = 1 + self.streams["offences_per_event"].poisson(
            t, pop.id[offenders], self.p["offending.extra_offences_per_event"])
        types = self.streams["offence_type"].categorical(t, pop.id[offenders], self.offence_mix(pop.risk[offenders]))
        pop.last_offence[offenders] = t
        self.today.put(Offenders(offenders, n_offences, types, len(first)))
        sim.results.add("offending_events", len(offenders))
        sim.results.count("offences", offenders, weights=n_offences, at=types)

    def offence_mix(self, risk: np.ndarray) -> np.ndarray:
        """Each person's shares of offence types (people x types): the reference shares, each type's
        log-odds moved by its slope times how far the person's risk is from the reference (in log-odds)."""
        p = self.p
        reference = np.log(np.maximum(np.asarray(p["offending.offence_mix"], float), PROB_EPSILON))
        slope = p.vector("offending.offence_mix_risk_slope", OFFENCE_TYPES)
        r = np.clip(risk.astype(float), PROB_EPSILON, 1 - PROB_EPSILON)
        distance = logit(r) - logit(p["offending.offence_mix_reference_risk"])
        weights = np.exp(reference[None, :] + distance[:, None] * slope[None, :])
        return weights / weights.sum(axis=1, keepdims=True)
