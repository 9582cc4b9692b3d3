"""Custody: automatic release at the end of the custodial part, onto licence or not.

Sentences of 12 months and over are released onto licence until the sentence
ends. Sentences under 12 months were released with no supervision before
Transforming Rehabilitation; with ``supervision.post_sentence_supervision`` on,
they get licence plus supervision to 12 months after release.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.handoffs import Released
from jrsim.core.module import Module
from jrsim.core.results import flow
from jrsim.core.seams import Liberty, ReoffendingRecord
from jrsim.core.vocabulary import BANDS, CUSTODY_STATUSES, Order, Status
from jrsim.parameters.declaration import Par


class Custody(Module):
    name = "custody"
    PARAMETERS = (
        Par("supervision.post_sentence_supervision", "flag", label="Post-sentence supervision for short sentences"),
        Par("supervision.post_sentence_supervision_length", "duration", label="Length of licence and post-sentence supervision"),
    )
    READS = ("sentencing.release_fraction",)
    RESULTS = {"releases": flow(("band", BANDS), label="Releases from custody")}
    PROVIDES = (Released,)
    USES = {"record": ReoffendingRecord, "liberty": Liberty}

    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        status = pop.status
        due = pop.rows_where((status >= Status.CUSTODY_UNDER_12M) & (status <= Status.CUSTODY_4Y_PLUS)
                             & (pop.status_until <= t))
        band = pop.status[due] - Status.CUSTODY_UNDER_12M
        sim.results.add("releases", np.bincount(band, minlength=len(BANDS)))
        long = due[band > 0]  # 12 months and over: on licence for the rest of the sentence
        licence_weeks = np.rint(pop.sentence_weeks[long] * (1 - p["sentencing.release_fraction"]))
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
        self.liberty.return_to_liberty(due, t)
        self.today.put(Released(due))
        for b, disposal in enumerate(CUSTODY_STATUSES):
            self.record.index(due[band == b], disposal, t)
