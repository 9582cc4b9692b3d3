"""Pathway services: referral, capacity, waiting lists, engagement, drop-out and fading effects.

Each service in the catalogue (``services.<name>.*`` in a scenario) addresses one of
the seven pathway needs, takes referrals at one point of the justice process from
the people eligible for it, holds them on a waiting list until a place is free,
and changes their reoffending hazard: a relative reduction that starts on
completion (a smaller one, pro rata, on drop-out) and fades with a half-life.
Completion also marks the need as met, which makes other services more likely to
be completed (the catalogue's ``dropout_reduction_if_met``: housing helps
employment and treatment succeed). Non-engagers can face enforcement (IOM): a
higher chance that their offences are detected, for the service's duration.

The services work on small arrays of the people referred to them (by id), never
on the whole population, so a service with no capacity costs almost nothing and
changes nothing.
"""
from __future__ import annotations

import numpy as np

from model.agencies import FUNDERS
from model.module import Module
from model.params import Par
from model.population import CUSTODY_BANDS, EXITED, PATHWAYS, Status
from model.queueing import QUEUE_ORDERS, ServiceQueue

STATUS_LABELS = tuple(s.name.lower() for s in Status)
REFERRAL_POINTS = ("arrest", "sentence", "pre_release", "release", "community")
RISK_BANDS = ("low", "medium", "high")  # OGRS bands: under 50%, 50-74%, 75% and over
_RISK_CUTS = np.array([0.5, 0.75], np.float32)
OUTCOMES = ("referrals", "starts", "completions", "dropouts", "declined", "lost")

FIELDS = (
    Par("pathway", "choice", PATHWAYS, "the need it addresses"),
    Par("funder", "choice", FUNDERS, "the agency that pays for it"),
    Par("eligible_status", "choices", STATUS_LABELS, "statuses in which a person can be referred"),
    Par("requires_need", "flag", (), "only people with the pathway need"),
    Par("prolific_only", "flag", (), "only prolific and priority offenders"),
    Par("min_risk", "prob", (), "lowest risk score eligible"),
    Par("max_risk", "prob", (), "highest risk score eligible"),
    Par("referral_point", "choice", REFERRAL_POINTS, "when referral happens"),
    Par("referral_probability", "prob", (), "share of eligible people referred at that point (per year for 'community')"),
    Par("pre_release_weeks", "duration", (), "for pre_release: how long before release"),
    Par("delivered_in", "choice", ("community", "custody"), "where a place is taken up"),
    Par("capacity", "count", (), "places"),
    Par("budget_per_year", "money", (), "a budget that buys further places at cost_per_place_week"),
    Par("cost_per_place_week", "money", (), "cost of one place for one week"),
    Par("price_year", "int", (), "price year of the costs"),
    Par("queue_order", "choice", QUEUE_ORDERS, "who is offered a free place first"),
    Par("max_wait", "duration", (), "referrals waiting longer are lost"),
    Par("duration", "duration", (), "length of the service"),
    Par("engagement_probability", "prob", (), "share of those offered a place who start"),
    Par("dropout_rate", "rate", (), "drop-out hazard for an average participant"),
    Par("dropout_reduction_if_met", "map", PATHWAYS, "drop-out falls by this share if that need is met or absent"),
    Par("effect", "prob", (), "relative reduction of the reoffending hazard on completion"),
    Par("partial_effect_share", "prob", (), "share of the effect kept on drop-out, pro rata to time done"),
    Par("effect_half_life", "duration", (), "the effect halves over this time"),
    Par("enforcement_detection_multiplier", "multiplier", (), "detection multiplier for non-engagers (IOM)"),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
_EFFECT_FLOOR = 0.002  # an effect smaller than this is dropped (it no longer changes anything visible)


def service_names(names) -> list[str]:
    """The services named in a scenario's dotted parameter names, in first-seen order."""
    seen: dict[str, None] = {}
    for key in names:
        parts = key.split(".")
        if parts[0] == "services" and len(parts) >= 3:
            seen.setdefault(parts[1], None)
    return list(seen)


class Service:
    """One service's settings (read once) and its queue."""

    def __init__(self, name: str, params):
        self.name = name
        f = {k: params[f"services.{name}.{k}"] for k in FIELD_NAMES}
        self.f = f
        self.need_bit = np.uint8(1 << PATHWAYS.index(f["pathway"]))
        self.status_ok = np.zeros(EXITED + 1, bool)
        self.status_ok[[STATUS_LABELS.index(s) for s in f["eligible_status"]]] = True
        self.deliverable = np.zeros(EXITED + 1, bool)
        if f["delivered_in"] == "custody":
            self.deliverable[list(CUSTODY_BANDS)] = True
        else:
            self.deliverable[:Status.POST_SENTENCE_SUPERVISION + 1] = True
        cost_year = 52 * f["cost_per_place_week"]
        bought = int(f["budget_per_year"] // cost_year) if cost_year > 0 else 0
        # capacities and budgets are national, scaled like every other count
        self.places = int(round((f["capacity"] + bought) * params["run.scale"]))
        self.duration = max(1, int(round(f["duration"])))
        self.max_wait = int(round(f["max_wait"]))
        self.boost_bits = [(np.uint8(1 << PATHWAYS.index(k)), v) for k, v in f["dropout_reduction_if_met"].items()]
        self.queue = ServiceQueue()
        self.referred: list[np.ndarray] = []  # ids referred, week by week (who got what)

    def referred_ids(self) -> np.ndarray:
        return np.unique(np.concatenate(self.referred)) if self.referred else np.empty(0, np.int64)


class Services(Module):
    name = "services"
    COLUMNS = {
        "needs_met": (np.uint8, 0),
        "service_member": (np.uint32, 0),  # bit k set: waiting for or in a place of service k
    }
    MAX_SERVICES = 32  # the width of service_member
    # Caseloads in the community are reviewed for referral, and the fading of effects is brought up
    # to date, every four weeks: both change slowly, and a weekly pass over everyone costs more.
    REVIEW_WEEKS = 4

    @classmethod
    def family_parameters(cls, names) -> list[Par]:
        return [Par(f"services.{s}.{f.name}", f.kind, f.labels, f.doc) for s in service_names(names) for f in FIELDS]

    def __init__(self, sim):
        super().__init__(sim)
        self.services = [Service(n, self.p) for n in service_names(self.p.values)]
        if len(self.services) > self.MAX_SERVICES:
            raise ValueError(f"at most {self.MAX_SERVICES} services in one scenario, got {len(self.services)}")
        for k, s in enumerate(self.services):
            s.member_bit = np.uint32(1 << k)
        self.labels = tuple(s.name for s in self.services)
        # the fading effects of completed (or partly done) services: one row per person and service
        self.eff_ids = np.empty(0, np.int64)
        self.eff_size = np.empty(0, np.float32)
        self.eff_start = np.empty(0, np.int32)
        self.eff_half = np.empty(0, np.float32)
        self._status_rows: dict[int, np.ndarray] = {}
        self._status_rows_week = -1
        self.enf_ids = np.empty(0, np.int64)  # enforcement on non-engagers: ids and end week
        self.enf_until = np.empty(0, np.int32)
        self.enf_mult = np.empty(0, np.float32)

    def results_spec(self) -> dict:
        svc = (("service", self.labels),)
        spec = {f"service_{o}": svc for o in OUTCOMES}
        spec.update({"service_waiting": svc, "service_in_places": svc, "service_wait_weeks": svc,
                     "service_spend": svc,
                     "service_starts_by_risk": svc + (("risk_band", RISK_BANDS),)})
        return spec

    # ------------------------------------------------------------ helpers
    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.sim.pop.rows_of(ids)

    def eligible(self, s: Service, rows: np.ndarray) -> np.ndarray:
        pop, f = self.sim.pop, s.f
        ok = s.status_ok[pop.status[rows]]
        risk = pop.risk[rows]
        ok &= (risk >= f["min_risk"]) & (risk <= f["max_risk"])
        if f["requires_need"]:
            ok &= (pop.needs[rows] & s.need_bit) > 0
        if f["prolific_only"]:
            ok &= pop.prolific[rows]
        return rows[ok]

    def candidates(self, s: Service, t: int) -> np.ndarray:
        """Rows of the people at this service's referral point this week."""
        pop, point = self.sim.pop, s.f["referral_point"]
        if point in ("arrest", "sentence", "release"):
            return self.sim.today.get({"arrest": "arrested", "sentence": "sentenced", "release": "released"}[point],
                                      np.empty(0, np.int64))
        if point == "pre_release":
            lead = int(round(s.f["pre_release_weeks"]))
            return pop.rows_where((pop.status_until == t + lead) & (pop.status >= Status.CUSTODY_UNDER_12M)
                                  & (pop.status <= Status.CUSTODY_4Y_PLUS))
        if t % self.REVIEW_WEEKS:
            return np.empty(0, np.int64)
        if s.f["prolific_only"]:  # the narrowest filter first: prolific people are few
            rows = np.flatnonzero(pop.prolific)
            return rows[s.status_ok[pop.status[rows]]]
        return np.concatenate([self._rows_in_status(status, t) for status in np.flatnonzero(s.status_ok)])

    def _rows_in_status(self, status: int, t: int) -> np.ndarray:
        """Rows in a status, found once a week however many services ask."""
        if self._status_rows_week != t:
            self._status_rows, self._status_rows_week = {}, t
        if status not in self._status_rows:
            self._status_rows[status] = np.flatnonzero(self.sim.pop.status == status)
        return self._status_rows[status]

    # ------------------------------------------------------------ each week
    def step(self, t: int) -> None:
        for k, s in enumerate(self.services):
            if s.places == 0 and s.queue.waiting == 0 and s.queue.in_places == 0:
                continue  # a service with no capacity: nothing happens, nothing is drawn
            self._progress(k, s, t)
            self._clean_queue(k, s, t)
            self._refer(k, s, t)
            self._admit(k, s, t)
            q = s.queue
            self.sim.results.add("service_waiting", q.waiting, k)
            self.sim.results.add("service_in_places", q.in_places, k)
            self.sim.results.add("service_spend", int(round(q.in_places * s.f["cost_per_place_week"])), k)
        self._apply_effects(t)
        self._apply_enforcement(t)

    def _progress(self, k: int, s: Service, t: int) -> None:
        """People in places: completion, drop-out, or interruption (custody, release, exit)."""
        q, pop, st = s.queue, self.sim.pop, self.sim.streams
        if q.in_places == 0:
            return
        rows, present = self.rows_of(q.active_ids)
        still = present & s.deliverable[pop.status[rows]]
        done = still & (q.active_end <= t)
        hazard = s.f["dropout_rate"] * self._dropout_multiplier(s, q.active_ids, rows)
        drop = still & ~done & (st[f"dropout_{s.name}"].uniform(t, q.active_ids) < -np.expm1(-hazard))
        drop |= ~still  # interrupted: counts as a drop-out, with the partial effect for time done
        ids, start = q.leave(done | drop)
        self._release_membership(s, ids)
        completed = done[done | drop]
        self._add_effects(ids[completed], np.full(completed.sum(), s.f["effect"], np.float32), t, s)
        share = np.clip((t - start[~completed]) / s.duration, 0, 1) * s.f["partial_effect_share"]
        self._add_effects(ids[~completed], (s.f["effect"] * share).astype(np.float32), t, s)
        met_rows, met_present = self.rows_of(ids[completed])
        pop.needs_met[met_rows[met_present]] |= s.need_bit
        self.sim.results.add("service_completions", int(completed.sum()), k)
        self.sim.results.add("service_dropouts", int((~completed).sum()), k)

    def _dropout_multiplier(self, s: Service, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Motivation (0-1, fixed per person) doubles or removes the average drop-out; met needs cut it."""
        pop = self.sim.pop
        motivation = self.sim.streams["motivation"].uniform(0, ids)
        mult = 2.0 * (1.0 - motivation)
        settled = pop.needs_met[rows] | ~pop.needs[rows]  # bit set = need met or never there
        for bit, cut in s.boost_bits:
            mult = mult * np.where((settled & bit) > 0, 1.0 - cut, 1.0)
        return mult

    def _clean_queue(self, k: int, s: Service, t: int) -> None:
        """Referrals are lost if the person left, waited too long, or was ready and no longer is."""
        q, pop = s.queue, self.sim.pop
        if q.waiting == 0:
            return
        rows, present = self.rows_of(q.queue_ids)
        ready = present & s.deliverable[pop.status[rows]]
        q.queue_ready_seen |= ready
        lost = ~present | (t - q.queue_since > s.max_wait) | (q.queue_ready_seen & ~ready)
        self.sim.results.add("service_lost", int(lost.sum()), k)
        self._release_membership(s, q.drop_queued(lost))

    def _refer(self, k: int, s: Service, t: int) -> None:
        pop = self.sim.pop
        rows = self.eligible(s, self.candidates(s, t))
        p = s.f["referral_probability"]
        if s.f["referral_point"] == "community":  # per year -> per review (every REVIEW_WEEKS)
            p = -np.expm1(np.log1p(-min(p, 1 - 1e-12)) * self.REVIEW_WEEKS / 52.0)
        rows = rows[(pop.service_member[rows] & s.member_bit) == 0]  # not already waiting or in a place
        ids = pop.id[rows]
        hit = self.sim.streams[f"refer_{s.name}"].uniform(t, ids) < p
        pop.service_member[rows[hit]] |= s.member_bit
        added = s.queue.refer(ids[hit], t, known_new=True)
        if len(added):
            s.referred.append(added)
        self.sim.results.add("service_referrals", len(added), k)

    def _admit(self, k: int, s: Service, t: int) -> None:
        q, pop, st = s.queue, self.sim.pop, self.sim.streams
        free = s.places - q.in_places
        if free <= 0 or q.waiting == 0:
            return
        rows, present = self.rows_of(q.queue_ids)
        ready = present & s.deliverable[pop.status[rows]]
        ids, waits = q.offer(t, free, ready, self._priority(s, rows))
        rows, _ = self.rows_of(ids)
        engaged = st[f"engage_{s.name}"].uniform(t, ids) < s.f["engagement_probability"]
        q.start(ids[engaged], t, s.duration)
        self._release_membership(s, ids[~engaged])
        res = self.sim.results
        res.add("service_starts", int(engaged.sum()), k)
        res.add("service_declined", int((~engaged).sum()), k)
        res.add("service_wait_weeks", int(waits[engaged].sum()), k)
        band = np.searchsorted(_RISK_CUTS, pop.risk[rows[engaged]], side="right")
        res.add("service_starts_by_risk", np.bincount(band, minlength=3), (k,))
        if s.f["enforcement_detection_multiplier"] != 1.0:
            self._enforce(ids[~engaged], t + s.duration, s.f["enforcement_detection_multiplier"])

    def _priority(self, s: Service, rows: np.ndarray) -> np.ndarray | None:
        """Lower first. 'provider_choice' (until commissioning sets it): those likeliest to succeed."""
        pop, order = self.sim.pop, s.f["queue_order"]
        if order == "highest_risk":
            return -pop.risk[rows]
        if order == "most_needs":
            return -np.unpackbits(pop.needs[rows][:, None], axis=1).sum(axis=1)
        if order == "provider_choice":
            return pop.risk[rows]
        return None

    def _release_membership(self, s: Service, ids: np.ndarray) -> None:
        rows, present = self.rows_of(ids)
        self.sim.pop.service_member[rows[present]] &= ~s.member_bit

    # ------------------------------------------------------------ effects on people
    def _add_effects(self, ids, size, t, s: Service) -> None:
        """A new effect takes hold at once (unfaded); fading is brought up to date every review."""
        keep = size > _EFFECT_FLOOR
        ids, size = ids[keep], size[keep]
        rows, present = self.rows_of(ids)
        rows, factor = rows[present], (1.0 - size[present]).astype(np.float32)
        np.multiply.at(self.sim.pop.hazard_multiplier, rows, factor)  # at: one person, two services
        self.sim.modules["offending"].refresh_rate(rows)
        self.eff_ids = np.concatenate([self.eff_ids, ids])
        self.eff_size = np.concatenate([self.eff_size, size])
        self.eff_start = np.concatenate([self.eff_start, np.full(len(ids), t, np.int32)])
        self.eff_half = np.concatenate([self.eff_half, np.full(len(ids), max(s.f["effect_half_life"], 1e-6), np.float32)])

    def _apply_effects(self, t: int) -> None:
        """Each person's hazard multiplier: the product of (1 - faded effect) over their services,
        brought up to date every REVIEW_WEEKS (effects fade over a year or more)."""
        if len(self.eff_ids) == 0 or t % self.REVIEW_WEEKS:
            return
        faded = self.eff_size * np.exp2(-(t - self.eff_start) / self.eff_half)
        gone = faded < _EFFECT_FLOOR
        people, inv = np.unique(self.eff_ids, return_inverse=True)
        log_mult = np.bincount(inv, weights=np.where(gone, 0.0, np.log1p(-faded)), minlength=len(people))
        rows, present = self.rows_of(people)
        pop = self.sim.pop
        pop.hazard_multiplier[rows[present]] = np.exp(log_mult[present]).astype(np.float32)
        self.sim.modules["offending"].refresh_rate(rows[present])
        keep = ~gone & present[inv]
        self.eff_ids, self.eff_size = self.eff_ids[keep], self.eff_size[keep]
        self.eff_start, self.eff_half = self.eff_start[keep], self.eff_half[keep]

    def _enforce(self, ids, until, mult) -> None:
        self.enf_ids = np.concatenate([self.enf_ids, ids])
        self.enf_until = np.concatenate([self.enf_until, np.full(len(ids), until, np.int32)])
        self.enf_mult = np.concatenate([self.enf_mult, np.full(len(ids), mult, np.float32)])

    def _apply_enforcement(self, t: int) -> None:
        if len(self.enf_ids) == 0:
            return
        rows, present = self.rows_of(self.enf_ids)
        live = self.enf_until > t
        pop = self.sim.pop
        pop.detection_multiplier[rows[present & ~live]] = 1.0
        pop.detection_multiplier[rows[present & live]] = self.enf_mult[present & live]
        keep = live & present
        self.enf_ids, self.enf_until, self.enf_mult = self.enf_ids[keep], self.enf_until[keep], self.enf_mult[keep]
