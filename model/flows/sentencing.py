"""Sentencing: custody (three bands, with lengths), suspended sentence, community order, fine or discharge.

The chance of custody depends on the court and rises with criminal history, with
being under an order already and with the seriousness of the offence type; in the Crown Court the
type also moves custody towards longer bands. Magistrates can only pass short custody. A
scenario can divert short custody to community orders (system 9). Time served
is the release fraction of the sentence, less time on remand.
"""
from __future__ import annotations

import numpy as np

from jrsim.core.constants import (
    BAND_LIMITS_WEEKS,
    MIN_MEDIAN_WEEKS,
    MIN_SPREAD,
    ORDER_LENGTH_LIMITS_WEEKS,
    PROB_EPSILON,
)
from jrsim.core.handoffs import Convicted, Sentenced
from jrsim.core.module import Module
from jrsim.core.results import flow
from jrsim.core.seams import CustodialSentence, Liberty, ReoffendingRecord
from jrsim.core.shifts import ordinal_shifted, shifted
from jrsim.core.vocabulary import BANDS, CUSTODY_BANDS, DISPOSALS, OFFENCE_TYPES, SENTENCES, Order, Status
from jrsim.parameters.declaration import Par, words

CUSTODY, SUSPENDED, COMMUNITY_ORDER, FINE = range(len(DISPOSALS))  # positions in DISPOSALS
# The disposal decision takes three draws per person from one stream: custody, fine, suspended.
CUSTODY_DRAW, FINE_DRAW, SUSPENDED_DRAW = range(3)


class Sentencing(Module):
    name = "sentencing"
    PARAMETERS = (
        Par("sentencing.disposal_shares.magistrates", "dist", DISPOSALS, label="Sentence mix: magistrates' courts"),
        Par("sentencing.disposal_shares.crown", "dist", DISPOSALS, label="Sentence mix: Crown Court"),
        Par("sentencing.custody_log_odds_per_log_previous", "coef", label="Custody log-odds per (log) previous offences"),
        Par("sentencing.reference_previous_offences", "count", label="Previous offences at which the sentence mix applies"),
        Par("sentencing.custody_log_odds_under_order", "coef", label="Custody log-odds when offending under an order"),
        Par("sentencing.order_log_odds_per_log_previous", "coef", label="Order log-odds per (log) previous offences"),
        Par("sentencing.crown_custody_bands", "dist", BANDS, label="Crown Court custody by sentence length band"),
        Par("sentencing.magistrates_max_custody", "duration", label="Longest custody magistrates may impose"),
        *[Par(f"sentencing.length.{b}.median", "duration", low=MIN_MEDIAN_WEEKS,
              label=f"Median custodial sentence: {words(b)}") for b in BANDS],
        *[Par(f"sentencing.length.{b}.sigma", "multiplier", low=MIN_SPREAD,
              label=f"Spread of custodial sentences: {words(b)}") for b in BANDS],
        Par("sentencing.release_fraction", "prob", label="Share of a sentence served before release"),
        Par("sentencing.community_order_length", "duration", low=MIN_MEDIAN_WEEKS, label="Length of a community order"),
        Par("sentencing.suspended_sentence_length", "duration", low=MIN_MEDIAN_WEEKS,
            label="Length of a suspended sentence order"),
        Par("sentencing.order_length_sigma", "multiplier", low=MIN_SPREAD, label="Spread of order lengths"),
        Par("sentencing.short_custody_diversion.max_length", "duration", label="Longest custody eligible for diversion"),
        Par("sentencing.short_custody_diversion.probability", "prob", label="Share of short custody diverted to the community"),
        *[Par(f"sentencing.custody_log_odds.{k}", "coef",
              label=f"Custody log-odds relative to the average: {words(k)}") for k in OFFENCE_TYPES],
        *[Par(f"sentencing.band_log_odds.{k}", "coef",
              label=f"Log-odds of a longer sentence band: {words(k)}") for k in OFFENCE_TYPES],
    )
    RESULTS = {"sentences": flow(("sentence", SENTENCES), label="Sentences"),
               "prison_receptions": flow(("band", BANDS), by_area=True, label="Prison receptions on sentence")}
    STREAMS = ("disposal", "custody_band", "custody_length", "diversion", "order_length")
    NEEDS = (Convicted,)
    PROVIDES = (Sentenced,)
    IMPLEMENTS = (CustodialSentence,)
    USES = {"record": ReoffendingRecord, "liberty": Liberty}

    def step(self, t: int) -> None:
        convicted = self.today.get(Convicted)
        self.sentence(convicted.rows, convicted.crown.astype(bool), convicted.remand_weeks, t)
        self.today.put(Sentenced(convicted.rows))

    def sentence(self, rows, crown, remand_weeks, t: int) -> None:
        sim, pop, p = self.sim, self.sim.pop, self.p
        ids = pop.id[rows]
        types = pop.case_type[rows]
        disposal = self._disposal(rows, crown, types, ids, t)
        custody = disposal == CUSTODY
        bands = ordinal_shifted(p["sentencing.crown_custody_bands"], self.band_shift[types])
        band = np.where(crown, self.streams["custody_band"].categorical(t, ids, bands), 0)
        length = self.custody_length(band, crown, ids, t)
        diversion = p["sentencing.short_custody_diversion.probability"]
        if diversion > 0:  # system 9: community sentences instead of short custody
            divert = (custody & (length < p["sentencing.short_custody_diversion.max_length"])
                      & (self.streams["diversion"].uniform(t, ids) < diversion))
            disposal[divert] = COMMUNITY_ORDER
            custody &= ~divert

        kind = np.where(custody, band, disposal - 1 + len(BANDS))  # index into SENTENCES: bands, then the rest
        sim.results.add("sentences", np.bincount(kind, minlength=len(SENTENCES)))
        c = rows[custody]
        self.start_custody(c, band[custody], length[custody], remand_weeks[custody], t)
        for order, code in ((Order.SUSPENDED_SENTENCE, SUSPENDED), (Order.COMMUNITY_ORDER, COMMUNITY_ORDER)):
            name = DISPOSALS[code]
            chosen = disposal == code
            self.start_order(rows[chosen], order, p[f"sentencing.{name}_length"], t)
            self.record.index(rows[chosen], name, t)
        fined = rows[disposal == FINE]
        self.liberty.return_to_liberty(fined[pop.status[fined] == Status.REMAND], t)
        self.record.index(fined, DISPOSALS[FINE], t)

    def init(self) -> None:
        self.configure()

    def configure(self) -> None:
        """The offence types' shifts of custody and of the Crown Court's bands, indexed by type."""
        self.custody_shift = self.p.vector("sentencing.custody_log_odds", OFFENCE_TYPES)
        self.band_shift = self.p.vector("sentencing.band_log_odds", OFFENCE_TYPES)

    def _disposal(self, rows, crown, types, ids, t):
        pop, p = self.sim.pop, self.p
        shares = np.where(crown[:, None], np.array(p["sentencing.disposal_shares.crown"]),
                          np.array(p["sentencing.disposal_shares.magistrates"]))
        record = (np.log1p(pop.previous_offences[rows])
                  - np.log1p(p["sentencing.reference_previous_offences"]))
        shift = (p["sentencing.custody_log_odds_per_log_previous"] * record
                 + p["sentencing.custody_log_odds_under_order"] * (pop.order[rows] != Order.NONE)
                 + self.custody_shift[types])
        p_custody = shifted(shares[:, 0], shift)
        # Short of custody, a longer record makes an order likelier than a fine or discharge.
        rest = shares[:, 1:] / np.maximum(shares[:, 1:].sum(axis=1, keepdims=True), PROB_EPSILON)
        p_fine = shifted(rest[:, FINE - 1], -p["sentencing.order_log_odds_per_log_previous"] * record)
        suspended_share = rest[:, SUSPENDED - 1] / np.maximum(rest[:, SUSPENDED - 1] + rest[:, COMMUNITY_ORDER - 1],
                                                              PROB_EPSILON)
        draws = self.streams["disposal"]
        custody = draws.uniform(t, ids, draw=CUSTODY_DRAW) < p_custody
        fine = draws.uniform(t, ids, draw=FINE_DRAW) < p_fine
        suspended = draws.uniform(t, ids, draw=SUSPENDED_DRAW) < suspended_share
        other = np.where(fine, FINE, np.where(suspended, SUSPENDED, COMMUNITY_ORDER))
        return np.where(custody, CUSTODY, other).astype(np.int8)

    def custody_length(self, band, crown, ids, t) -> np.ndarray:
        """Sentence length in weeks, lognormal within the band (magistrates capped)."""
        p = self.p
        length = np.zeros(len(ids))
        for b, name in enumerate(BANDS):
            sel = band == b
            if not sel.any():
                continue
            low, high = BAND_LIMITS_WEEKS[b]
            high = np.where(crown[sel], high, min(high, p["sentencing.magistrates_max_custody"]))  # magistrates' cap
            length[sel] = self.streams["custody_length"].lognormal_between(
                t, ids[sel], p[f"sentencing.length.{name}.median"], p[f"sentencing.length.{name}.sigma"], low, high)
        return np.rint(length).astype(np.int32)

    def start_custody(self, rows, band, length, remand_weeks, t: int) -> None:
        """Custody for ``length`` weeks; serve the release fraction less remand; order ends."""
        sim, pop = self.sim, self.sim.pop
        serve = np.ceil(length * self.p["sentencing.release_fraction"]).astype(np.int32) - remand_weeks
        status = np.asarray(CUSTODY_BANDS, dtype=np.int8)[band]
        already = np.isin(pop.status[rows], CUSTODY_BANDS)  # a new sentence while serving: concurrent
        until = np.where(already, np.maximum(pop.status_until[rows], t + serve), t + serve)
        pop.move(rows, np.where(already, np.maximum(pop.status[rows], status), status))
        pop.status_until[rows] = np.maximum(until, t)  # time already served on remand: released today
        pop.sentence_weeks[rows] = np.where(already, np.maximum(pop.sentence_weeks[rows], length), length)
        pop.order[rows] = Order.NONE
        pop.order_until[rows] = -1
        sim.results.count("prison_receptions", rows, at=band)

    def start_order(self, rows, order: Order, median_weeks: float, t: int) -> None:
        pop = self.sim.pop
        length = self.streams["order_length"].lognormal_between(
            t, pop.id[rows], median_weeks, self.p["sentencing.order_length_sigma"], *ORDER_LENGTH_LIMITS_WEEKS)
        pop.order[rows] = order
        pop.order_until[rows] = t + np.rint(length).astype(np.int32)
        self.liberty.return_to_liberty(rows, t)
