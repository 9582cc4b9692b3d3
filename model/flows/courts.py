"""Courts: cases reach disposal at magistrates' or Crown Court; conviction or acquittal.

A conviction proves the case's offences (for the reoffending measures), adds to
the person's criminal history and passes them to sentencing; an acquitted
defendant on remand goes back to liberty.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.constants import MAX_OFFENCES_ADDED_PER_CASE
from jrsim.core.handoffs import Convicted
from jrsim.core.module import Module
from jrsim.core.population import NO_CASE
from jrsim.core.results import flow
from jrsim.core.seams import Liberty, ReoffendingRecord, RiskAssessment
from jrsim.core.vocabulary import COURTS, Status
from jrsim.parameters.declaration import Par


class Courts(Module):
    name = "courts"
    PARAMETERS = (
        Par("courts.conviction_probability.magistrates", "prob", label="Conviction rate: magistrates' courts"),
        Par("courts.conviction_probability.crown", "prob", label="Conviction rate: Crown Court"),
    )
    RESULTS = {"court_cases": flow(("court", COURTS), by_area=True, label="Court cases"),
               "convictions": flow(("court", COURTS), label="Convictions"),
               "acquittals": flow(("court", COURTS), label="Acquittals")}
    STREAMS = ("convict",)
    PROVIDES = (Convicted,)
    USES = {"record": ReoffendingRecord, "risk": RiskAssessment, "liberty": Liberty}

    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        due = pop.rows_where(pop.case_until == t)
        crown = pop.case_crown[due]
        p_convict = np.where(crown, p["courts.conviction_probability.crown"],
                             p["courts.conviction_probability.magistrates"])
        convicted = self.streams["convict"].uniform(t, pop.id[due]) < p_convict
        n_courts = len(COURTS)
        sim.results.count("court_cases", due, at=crown)
        sim.results.add("convictions", np.bincount(crown[convicted], minlength=n_courts))
        sim.results.add("acquittals", np.bincount(crown[~convicted], minlength=n_courts))

        rows = due[convicted]
        self.record.proven(rows, pop.case_offence_week[rows], pop.case_offences[rows], t)
        pop.previous_offences[rows] += np.minimum(pop.case_offences[rows], MAX_OFFENCES_ADDED_PER_CASE)
        self.risk.refresh_risk(rows, t)  # a longer record raises the risk now
        remand_weeks = np.where(pop.status[rows] == Status.REMAND, t - pop.case_start[rows], 0)
        self.today.put(Convicted(rows, crown[convicted], remand_weeks.astype(np.int32)))

        acquitted = due[~convicted]
        self.liberty.return_to_liberty(acquitted[pop.status[acquitted] == Status.REMAND], t)
        pop.case_until[due] = NO_CASE
