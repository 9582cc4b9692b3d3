"""Custody: automatic release at the end of the custodial part, onto licence or not.

Sentences of 12 months and over are released onto licence until the sentence
ends. Sentences under 12 months were released with no supervision before
Transforming Rehabilitation; with ``supervision.post_sentence_supervision`` on,
they get licence plus supervision to 12 months after release.
"""
from __future__ import annotations

import numpy as np

from model.module import Module
from model.params import Par
from model.population import CUSTODY_BANDS, Order, Status
from model.sentencing import BANDS


class Custody(Module):
    name = "custody"
    PARAMETERS = [
        Par("supervision.post_sentence_supervision", "flag"),
        Par("supervision.post_sentence_supervision_length", "duration"),
    ]
    RESULTS = {"releases": (("band", BANDS),)}

    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        status = pop.status
        due = pop.rows_where((status >= Status.CUSTODY_UNDER_12M) & (status <= Status.CUSTODY_4Y_PLUS)
                             & (pop.status_until <= t))
        band = pop.status[due] - Status.CUSTODY_UNDER_12M
        sim.results.add("releases", np.bincount(band, minlength=3))
        long = due[band > 0]
        licence_weeks = np.rint(pop.sentence_weeks[long] * (1 - sim.params["sentencing.release_fraction"]))
        pop.order[long] = Order.LICENCE
        pop.order_until[long] = t + licence_weeks.astype(np.int32)
        short = due[band == 0]
        if p["supervision.post_sentence_supervision"]:
            pop.order[short] = Order.POST_SENTENCE_SUPERVISION
            pop.order_until[short] = t + int(round(p["supervision.post_sentence_supervision_length"]))
        else:
            pop.order[short] = Order.NONE
            pop.order_until[short] = -1
        pop.status_until[due] = -1
        sim.modules["supervision"].return_to_liberty(due, t)
        sim.today["released"] = due
        for b, name in enumerate(CUSTODY_BANDS):
            sim.modules["reoffending"].index(due[band == b], f"custody_{BANDS[b]}", t)
