"""Supervision in the community: licence, post-sentence supervision, community and suspended orders.

Licensees are recalled on a technical breach (or, in policing, when charged);
a recall is fixed-term or standard. Order breaches go back to court, which may
send the person to custody. Orders end in completion. ``return_to_liberty`` is
the one rule for where a person goes when they leave custody: the order still
in force, or no order.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.module import Module
from jrsim.core.results import flow
from jrsim.core.seams import CustodialSentence, Liberty
from jrsim.core.vocabulary import ORDER_STATUS, ORDERS, STATUSES, Order, Status
from jrsim.parameters.declaration import Par, words

# Orders whose breach goes back to court (a licence breach is a recall instead).
_BREACHABLE = tuple((s, STATUSES[s]) for s in (Status.COMMUNITY_ORDER, Status.SUSPENDED_SENTENCE,
                                               Status.POST_SENTENCE_SUPERVISION))
SHORT_CUSTODY_BAND = 0  # custody for breach is a short custodial sentence (the first band)


class Supervision(Module):
    name = "supervision"
    PARAMETERS = (
        Par("supervision.licence_breach_rate", "rate", label="Licence breach rate"),
        Par("supervision.recall_fixed_term_share", "prob", label="Share of recalls that are fixed-term"),
        Par("supervision.recall_fixed_term_length", "duration", label="Length of a fixed-term recall"),
        Par("supervision.recall_standard_length", "duration", label="Time served on a standard recall"),
        *[Par(f"supervision.breach_rate.{k}", "rate", label=f"Breach rate: {words(k)}") for _, k in _BREACHABLE],
        *[Par(f"supervision.breach_custody_probability.{k}", "prob",
              label=f"Share of breaches sent to custody: {words(k)}") for _, k in _BREACHABLE],
        Par("supervision.breach_custody_length", "duration", label="Custody after a breach"),
    )
    RESULTS = {"recalls": flow(by_area=True, label="Recalls to custody"),
               "recall_releases": flow(label="Releases from recall"),
               "breaches": flow(("order", ORDERS), by_area=True, label="Breaches of orders and licences"),
               "completions": flow(("order", ORDERS), label="Orders and licences completed")}
    STREAMS = ("recall_type", "recall_length", "licence_breach",
               *[f"breach_{k}" for _, k in _BREACHABLE], *[f"breach_custody_{k}" for _, k in _BREACHABLE])
    IMPLEMENTS = (Liberty,)
    USES = {"custody": CustodialSentence}

    def return_to_liberty(self, rows: np.ndarray, t: int) -> None:
        """Leave custody (or start an order): into the order still in force, else no order."""
        pop = self.sim.pop
        lapsed = pop.order_until[rows] <= t
        pop.order[rows[lapsed]] = Order.NONE
        pop.status_until[rows] = -1
        pop.move(rows, ORDER_STATUS[pop.order[rows]])

    def recall(self, rows: np.ndarray, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        ids = pop.id[rows]
        fixed = self.streams["recall_type"].uniform(t, ids) < p["supervision.recall_fixed_term_share"]
        standard = self.streams["recall_length"].exponential_weeks(t, ids, p["supervision.recall_standard_length"])
        length = np.where(fixed, max(1, int(round(p["supervision.recall_fixed_term_length"]))), standard)
        pop.move(rows, Status.RECALLED)
        pop.status_until[rows] = np.maximum(t + 1, np.minimum(t + length, pop.order_until[rows]))
        sim.results.count("recalls", rows)

    def step(self, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        # recall ends
        back = pop.rows_where((pop.status == Status.RECALLED) & (pop.status_until <= t))
        sim.results.add("recall_releases", len(back))
        self.return_to_liberty(back, t)
        # one pass over the population finds everyone under supervision at liberty
        supervised = pop.rows_where((pop.status >= Status.COMMUNITY_ORDER) & (pop.status <= Status.POST_SENTENCE_SUPERVISION))
        status = pop.status[supervised]
        # technical breaches of licence
        licensees = supervised[status == Status.LICENCE]
        breach = self.streams["licence_breach"].uniform(t, pop.id[licensees]) < -np.expm1(-p["supervision.licence_breach_rate"])
        sim.results.count("breaches", licensees[breach], at=ORDERS.index("licence"))
        self.recall(licensees[breach], t)
        # breaches of other orders: back to court, which may send the person to custody
        for order_status, key in _BREACHABLE:
            rows = supervised[status == order_status]
            ids = pop.id[rows]
            hit = self.streams[f"breach_{key}"].uniform(t, ids) < -np.expm1(-p[f"supervision.breach_rate.{key}"])
            sim.results.count("breaches", rows[hit], at=ORDERS.index(key))
            # drawn for the breaches only: a person's draw is the same whoever else is drawn (counter-based)
            breached = rows[hit]
            jailed = breached[self.streams[f"breach_custody_{key}"].uniform(t, ids[hit])
                              < p[f"supervision.breach_custody_probability.{key}"]]
            n = len(jailed)
            length = np.full(n, max(1, int(round(p["supervision.breach_custody_length"]))), np.int32)
            self.custody.start_custody(jailed, np.full(n, SHORT_CUSTODY_BAND, np.int8), length,
                                       np.zeros(n, np.int32), t)
        # completions (of those still at liberty and supervised after the breaches above)
        done = supervised[(pop.order_until[supervised] <= t) & (pop.status[supervised] >= Status.COMMUNITY_ORDER)
                          & (pop.status[supervised] <= Status.POST_SENTENCE_SUPERVISION)]
        sim.results.add("completions", np.bincount(pop.order[done] - 1, minlength=len(ORDERS)))  # Order from 1
        self.return_to_liberty(done, t)
