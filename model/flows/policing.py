"""Policing and prosecution: detection, arrest, then no further action, caution or charge.

A charge opens a court case (magistrates' or Crown Court) with a date of disposal;
the defendant is remanded in custody or bailed. A licensee charged with a new
offence may be recalled. New entrants are, by definition, people arrested for the
first time, so their first offence is always detected. Detection, caution and the court depend on
the offence type: a multiplier on detection, and log-odds shifts of the chance of a caution and of
the Crown Court (a case is of the type of the offence that opened it).
"""
from __future__ import annotations

import numpy as np

from jrsim.core import effects
from jrsim.core.constants import MAX_OFFENCES_ADDED_PER_CASE
from jrsim.core.handoffs import Arrested, Offenders
from jrsim.core.module import Module
from jrsim.core.population import NO_CASE
from jrsim.core.results import flow
from jrsim.core.seams import Liberty, ReoffendingRecord, RiskAssessment
from jrsim.core.shifts import shifted
from jrsim.core.vocabulary import COURTS, OFFENCE_TYPES, Status
from jrsim.parameters.declaration import Par, words


class Policing(Module):
    name = "policing"
    PARAMETERS = (
        Par("policing.detection_probability", "prob", label="Share of offending events detected"),
        Par("policing.no_further_action_probability", "prob", label="Share of arrests ending in no further action"),
        Par("policing.caution_probability.first_offence", "prob", label="Share of first offenders cautioned"),
        Par("policing.caution_probability.repeat_offender", "prob", label="Share of repeat offenders cautioned"),
        Par("courts.crown_share", "prob", label="Share of charged cases sent to the Crown Court"),
        Par("courts.remand_probability.magistrates", "prob", label="Share remanded in custody: magistrates' courts"),
        Par("courts.remand_probability.crown", "prob", label="Share remanded in custody: Crown Court"),
        Par("courts.weeks_to_disposal.magistrates", "duration", label="Weeks from charge to disposal: magistrates' courts"),
        Par("courts.weeks_to_disposal.crown", "duration", label="Weeks from charge to disposal: Crown Court"),
        Par("supervision.recall_on_charge_probability", "prob", label="Share of licensees recalled when charged"),
        *[Par(f"policing.detection_multiplier.{k}", "multiplier",
              label=f"Detection relative to the average: {words(k)}") for k in OFFENCE_TYPES],
        *[Par(f"policing.caution_log_odds.{k}", "coef",
              label=f"Caution log-odds relative to the average: {words(k)}") for k in OFFENCE_TYPES],
        *[Par(f"courts.crown_log_odds.{k}", "coef",
              label=f"Crown Court log-odds relative to the average: {words(k)}") for k in OFFENCE_TYPES],
    )
    RESULTS = {"arrests": flow(by_area=True, label="Arrests"),
               "no_further_action": flow(by_area=True, label="Arrests ending in no further action"),
               "cautions": flow(by_area=True, label="Cautions"), "charges": flow(by_area=True, label="Charges"),
               "remands": flow(("court", COURTS), label="Remands in custody")}
    STREAMS = ("detect", "no_further_action", "caution", "court_venue", "court_wait", "remand", "recall_on_charge")
    NEEDS = (Offenders,)
    PROVIDES = (Arrested,)
    USES = {"record": ReoffendingRecord, "risk": RiskAssessment, "liberty": Liberty}
    READS_EFFECTS = (effects.DETECTION,)

    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        week = self.today.get(Offenders)
        offenders, n_offences, n_first = week.rows, week.offences, week.first_offenders
        ids = pop.id[offenders]
        detection_effect = self.effects.values(effects.DETECTION)
        p_detect = np.minimum(1.0, p["policing.detection_probability"] * self.by_type["detection"][week.types]
                              * detection_effect[offenders])
        detected = self.streams["detect"].uniform(t, ids) < p_detect
        if n_first:
            detected[len(offenders) - n_first:] = True
        arrested, n_off, types = offenders[detected], n_offences[detected], week.types[detected]
        self.today.put(Arrested(arrested))
        sim.results.count("arrests", arrested)

        ids = pop.id[arrested]
        nfa = self.streams["no_further_action"].uniform(t, ids) < p["policing.no_further_action_probability"]
        first = pop.previous_offences[arrested] == 0
        p_caution = shifted(np.where(first, p["policing.caution_probability.first_offence"],
                                     p["policing.caution_probability.repeat_offender"]),
                            self.by_type["caution"][types])
        caution = ~nfa & (self.streams["caution"].uniform(t, ids) < p_caution)
        charge = ~nfa & ~caution
        sim.results.count("no_further_action", arrested[nfa])
        sim.results.count("cautions", arrested[caution])
        sim.results.count("charges", arrested[charge])

        cautioned = arrested[caution]
        self.record.proven(cautioned, np.full(len(cautioned), t, np.int32), n_off[caution], t)
        pop.previous_offences[cautioned] += np.minimum(n_off[caution], MAX_OFFENCES_ADDED_PER_CASE).astype(np.int16)
        self.risk.refresh_risk(cautioned, t)  # a longer record raises the risk now
        self.record.index(cautioned, "caution", t)
        self._charge(arrested[charge], n_off[charge], types[charge], t)

    def init(self) -> None:
        self.configure()

    def configure(self) -> None:
        """The offence types' multipliers and shifts, as arrays indexed by type."""
        self.by_type = {what: self.p.vector(key, OFFENCE_TYPES)
                        for what, key in (("detection", "policing.detection_multiplier"),
                                          ("caution", "policing.caution_log_odds"),
                                          ("crown", "courts.crown_log_odds"))}

    def _charge(self, rows: np.ndarray, n_offences: np.ndarray, types: np.ndarray, t: int) -> None:
        """Open a case, or add the offences to the case already pending."""
        sim, pop, p = self.sim, self.sim.pop, self.p
        pending = pop.case_until[rows] != NO_CASE
        pop.case_offences[rows[pending]] += n_offences[pending].astype(np.int16)
        rows, n_offences, types = rows[~pending], n_offences[~pending], types[~pending]
        ids = pop.id[rows]
        crown = self.streams["court_venue"].uniform(t, ids) < shifted(p["courts.crown_share"], self.by_type["crown"][types])
        wait = np.where(crown,
                        self.streams["court_wait"].exponential_weeks(t, ids, p["courts.weeks_to_disposal.crown"]),
                        self.streams["court_wait"].exponential_weeks(t, ids, p["courts.weeks_to_disposal.magistrates"]))
        pop.case_until[rows] = t + wait
        pop.case_crown[rows] = crown
        pop.case_type[rows] = types
        pop.case_offence_week[rows] = t
        pop.case_offences[rows] = n_offences
        pop.case_start[rows] = t

        p_remand = np.where(crown, p["courts.remand_probability.crown"], p["courts.remand_probability.magistrates"])
        remand = self.streams["remand"].uniform(t, ids) < p_remand
        on_licence = pop.status[rows] == Status.LICENCE
        recall = on_licence & (self.streams["recall_on_charge"].uniform(t, ids)
                               < p["supervision.recall_on_charge_probability"])
        self.liberty.recall(rows[recall], t)
        remanded = rows[remand & ~recall]
        pop.move(remanded, Status.REMAND)
        pop.status_until[remanded] = pop.case_until[remanded]
        sim.results.add("remands", np.bincount(crown[remand & ~recall], minlength=len(COURTS)))
