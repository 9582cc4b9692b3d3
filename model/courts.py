"""Courts: cases reach disposal at magistrates' or Crown Court; conviction or acquittal.

A conviction proves the case's offences (for the reoffending measures), adds to
the person's criminal history and passes them to sentencing; an acquitted
defendant on remand goes back to liberty.
"""
from __future__ import annotations

import numpy as np

from model.module import Module
from model.params import Par
from model.policing import COURTS
from model.population import NO_CASE, Status


class Courts(Module):
    name = "courts"
    PARAMETERS = [
        Par("courts.conviction_probability.magistrates", "prob"),
        Par("courts.conviction_probability.crown", "prob"),
    ]
    RESULTS = {"court_cases": (("court", COURTS),), "convictions": (("court", COURTS),),
               "acquittals": (("court", COURTS),)}

    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        due = pop.rows_where(pop.case_until == t)
        crown = pop.case_crown[due]
        p_convict = np.where(crown, p["courts.conviction_probability.crown"],
                             p["courts.conviction_probability.magistrates"])
        convicted = sim.streams["convict"].uniform(t, pop.id[due]) < p_convict
        sim.results.add("court_cases", np.bincount(crown, minlength=2))
        sim.results.add("convictions", np.bincount(crown[convicted], minlength=2))
        sim.results.add("acquittals", np.bincount(crown[~convicted], minlength=2))

        rows = due[convicted]
        sim.modules["reoffending"].proven(rows, pop.case_offence_week[rows], pop.case_offences[rows], t)
        pop.previous_offences[rows] += np.minimum(pop.case_offences[rows], 50)
        sim.modules["offending"].refresh_risk(rows, t)  # a longer record raises the risk now
        remand_weeks = np.where(pop.status[rows] == Status.REMAND, t - pop.case_start[rows], 0)
        sim.today["convicted"] = (rows, crown[convicted], remand_weeks.astype(np.int32))

        acquitted = due[~convicted]
        sim.modules["supervision"].return_to_liberty(acquitted[pop.status[acquitted] == Status.REMAND], t)
        pop.case_until[due] = NO_CASE
