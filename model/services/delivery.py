"""Pathway services: referral, capacity, waiting lists, engagement, drop-out and fading effects.

Each service in the catalogue (``services.<name>.*`` in a scenario) addresses one of
the seven pathway needs, takes referrals at one point of the justice process from
the people eligible for it, holds them on a waiting list until a place is free,
and changes their reoffending hazard: a relative reduction that takes hold when
the person starts (evaluations measure participants from the start of the
programme or from release, and most of a year's reoffending happens in its first
months), is kept whole on completion and fades from then with a half-life; on
drop-out it falls at once to a share pro rata to the time done.
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

from jrsim.core import effects
from jrsim.core.constants import (
    EFFECT_FLOOR,
    MOTIVATION_SPREAD,
    PROB_EPSILON,
    REVIEW_WEEKS,
    RISK_BAND_CUTS,
    WEEKS_PER_YEAR,
)
from jrsim.core.handoffs import Arrested, Released, Sentenced
from jrsim.core.module import Module
from jrsim.core.results import MODEL_WEEK, PERSON_ID, WEEKS_WAITED_PER_WEEK, event_log, flow, money, stock
from jrsim.core.seams import ReferralChoice, ServiceCapacity, ServiceUse
from jrsim.core.vocabulary import RISK_BANDS, SERVICE_OUTCOMES, Status
from jrsim.parameters.declaration import Par
from jrsim.services.catalogue import FIELDS, Service, service_names
from jrsim.services.effect_rows import EffectRows

_RISK_CUTS = np.array(RISK_BAND_CUTS, np.float32)
# The handoff that brings each referral point's people (the others are found by status).
_REFERRED_AT = {"arrest": Arrested, "sentence": Sentenced, "release": Released}
# Random streams each service draws from, by what they decide.
_SERVICE_STREAMS = ("refer", "engage", "dropout")
# What an analyst calls each outcome's count (the results service_<outcome>).
OUTCOME_LABELS = {"referrals": "Service referrals", "starts": "Service starts", "completions": "Service completions",
                  "dropouts": "Service drop-outs", "declined": "Service places declined",
                  "lost": "Referrals lost after waiting too long"}
# What a provider sees of a service when it chooses whom to refer to it (ReferralChoice).
REFERRAL_TERMS = ("effect", "engagement_probability", "referral_probability", "eligible_status")
MIN_HALF_LIFE_WEEKS = 1e-6  # a zero half-life would divide by zero: such an effect is gone at the next review


class Services(Module):
    name = "services"
    READS = ("run.scale", "run.evaluation_log")
    COLUMNS = {
        "needs_met": (np.uint8, 0),
        "service_member": (np.uint32, 0),  # bit k set: waiting for or in a place of service k (MAX_SERVICES bits)
    }
    NEEDS = (Arrested, Sentenced, Released)
    IMPLEMENTS = (ServiceCapacity, ServiceUse)
    USES = {"referral_choice": ReferralChoice}  # whom the providers who supervise people refer, to which service
    WRITES_EFFECTS = (effects.OFFENDING_HAZARD, effects.DETECTION)
    READS_EFFECTS = (effects.DROPOUT,)  # what the providers who supervise people change

    @classmethod
    def family_parameters(cls, names) -> list[Par]:
        return [f.member("services", s) for s in service_names(names) for f in FIELDS]

    def stream_names(self) -> tuple[str, ...]:
        """Motivation (one draw per person, shared by all services) and each service's own decisions."""
        names = service_names(self.sim.params.values)
        return ("motivation", *[f"{kind}_{s}" for s in names for kind in _SERVICE_STREAMS])

    def __init__(self, sim):
        super().__init__(sim)
        names = service_names(sim.params.values)
        self.services = [Service(n, self.p, self._scale_of(self.p[f"services.{n}.areas"])) for n in names]
        for s in self.services:
            s.open_in = self._open_in(s.f["areas"])
        for k, s in enumerate(self.services):
            s.member_bit = np.uint32(1 << k)
        self.labels = tuple(s.name for s in self.services)
        self.effect_rows = EffectRows()  # each start's effect: whole in the service, fading after
        # who started which service when, and who was released when (run.evaluation_log: for replaying
        # an evaluation's design on the run's own people)
        self.log_starts: list[tuple[np.ndarray, int, int]] = []
        self.log_releases: list[tuple[np.ndarray, int]] = []
        self._status_rows: dict[int, np.ndarray] = {}
        self._status_rows_week = -1
        self.enf_ids = np.empty(0, np.int64)  # enforcement on non-engagers: ids and end week
        self.enf_until = np.empty(0, np.int32)
        self.enf_mult = np.empty(0, np.float32)

    @property
    def scale(self) -> float:
        """Capacities and budgets are stated for England and Wales: a run holds its areas' share, sampled."""
        return self.p["run.scale"] * self.sim.areas.share

    def _open_in(self, areas: tuple[str, ...]) -> np.ndarray:
        """By local area of the run: whether a service open in ``areas`` (reported areas; none: all) is open there."""
        run = self.sim.areas
        if not areas:
            return np.ones(len(run.local), bool)
        return np.isin(np.array(run.reported)[run.reported_of_local], list(areas))

    def _scale_of(self, areas: tuple[str, ...]) -> float:
        """Capacities and budgets are stated for England and Wales: a service holds its areas' share, sampled."""
        return self.scale * float(self.sim.areas.weights[self._open_in(areas)].sum())

    def configure(self) -> None:
        for s in self.services:
            s.open_in = self._open_in(s.f["areas"])
            s.configure(self.p, self._scale_of(s.f["areas"]))

    def _service(self, name: str):
        for s in self.services:
            if s.name == name:
                return s
        raise KeyError(f"no service {name!r} in this run (services: {list(self.labels)})")

    def set_extra_places(self, service: str, places: float) -> None:
        s = self._service(service)
        scale = self._scale_of(s.f["areas"])
        s.extra_places = float(places) * self.p["run.scale"] / scale  # stated, like capacities, for England and Wales
        s.configure(self.p, scale)

    def commission(self, service: str, places: float, price_per_place_week: float, need_match: float) -> None:
        s = self._service(service)
        scale = self._scale_of(s.f["areas"])
        s.commissioned_places = float(places) * self.p["run.scale"] / scale if scale > 0 else 0.0
        s.commissioned_price, s.need_match = float(price_per_place_week), float(need_match)
        s.configure(self.p, scale)

    def weeks_per_case(self, service: str) -> float:
        return float(self._service(service).duration)

    def place_cost_per_year(self, service: str) -> float:
        return self._service(service).cost_per_year

    def funder_of(self, service: str) -> str:
        return self._service(service).f["funder"]

    def memberships(self, rows: np.ndarray) -> np.ndarray:
        return self.sim.pop.service_member[rows]

    def referral_terms(self) -> tuple[dict, ...]:
        return tuple({"name": s.name, **{k: s.f[k] for k in REFERRAL_TERMS}} for s in self.services)

    def results_spec(self) -> dict:
        svc = ("service", self.labels)
        spec = {f"service_{o}": flow(svc, label=OUTCOME_LABELS[o]) for o in SERVICE_OUTCOMES}
        spec["service_referrals_meeting_need"] = flow(svc, label="Service referrals of people with its need unmet")
        spec.update({"service_waiting": stock(svc, label="People waiting for a service place"),
                     "service_in_places": stock(svc, label="People in service places"),
                     "service_places": stock(svc, label="Service places"),
                     "service_wait_weeks": flow(svc, unit=WEEKS_WAITED_PER_WEEK, label="Weeks waited before a service start"),
                     "service_spend": money(svc, label="Spending on services"),
                     "service_starts_by_risk": flow(svc, ("risk_band", RISK_BANDS), label="Service starts by risk band")})
        return spec

    def dataset_coords(self) -> dict:
        """Who pays for each service, its pathway and price year (the ledger's investment by funder)."""
        if not self.services:
            return {}
        return {"funder": ("service", [s.f["funder"] for s in self.services]),
                "pathway": ("service", [s.f["pathway"] for s in self.services]),
                "price_year": ("service", [int(s.f["price_year"]) for s in self.services])}

    # ------------------------------------------------------------ helpers
    def rows_of(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.sim.pop.rows_of(ids)

    def eligible(self, s: Service, rows: np.ndarray) -> np.ndarray:
        pop, f = self.sim.pop, s.f
        ok = s.status_ok[pop.status[rows]]
        if f["areas"]:
            ok &= s.open_in[pop.area[rows]]
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
        if point in _REFERRED_AT:
            return self.today.get(_REFERRED_AT[point]).rows
        if point == "pre_release":
            lead = int(round(s.f["pre_release_weeks"]))
            return pop.rows_where((pop.status_until == t + lead) & (pop.status >= Status.CUSTODY_UNDER_12M)
                                  & (pop.status <= Status.CUSTODY_4Y_PLUS))
        if t % REVIEW_WEEKS:
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
            self.sim.results.add("service_places", s.places, k)
            self.sim.results.add("service_spend", s.spend_per_week(q.in_places), k)
        released = self.sim.pop.id[self.today.get(Released).rows]
        self._start_fading_on_release(released, t)
        self._apply_effects(t)
        self._apply_enforcement(t)
        if self.p["run.evaluation_log"]:
            self.log_releases.append((released, t))

    def dataset_variables(self) -> dict:
        """With run.evaluation_log: each start of a service (person, week, service) and each release."""
        if not self.p["run.evaluation_log"]:
            return {}
        starts, releases = self.log_starts, self.log_releases
        return {
            **event_log("service_start", {
                "start_person": ([ids for ids, _, _ in starts], np.int64, PERSON_ID, "Person starting a service"),
                "start_week": ([np.full(len(ids), t) for ids, t, _ in starts], np.int32, MODEL_WEEK,
                               "Week of a service start"),
                "start_service": ([np.full(len(ids), k) for ids, _, k in starts], np.int16,
                                  "index into the service coordinate", "Service started")}),
            **event_log("release", {
                "release_person": ([ids for ids, _ in releases], np.int64, PERSON_ID, "Person released from custody"),
                "release_week": ([np.full(len(ids), t) for ids, t in releases], np.int32, MODEL_WEEK,
                                 "Week of a release")}),
        }

    def _progress(self, k: int, s: Service, t: int) -> None:
        """People in places: completion, drop-out, or interruption (custody, release, exit)."""
        q, pop, st = s.queue, self.sim.pop, self.streams
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
        share = np.where(completed, 1.0, np.clip((t - start) / s.duration, 0, 1) * s.f["partial_effect_share"])
        self._close_effects(k, ids, share.astype(np.float32), t)
        met_rows, met_present = self.rows_of(ids[completed])
        pop.needs_met[met_rows[met_present]] |= s.need_bit
        self.sim.results.add("service_completions", int(completed.sum()), k)
        self.sim.results.add("service_dropouts", int((~completed).sum()), k)

    def _dropout_multiplier(self, s: Service, ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Motivation (0-1, fixed per person) doubles or removes the average drop-out; met needs cut it."""
        pop = self.sim.pop
        motivation = self.streams["motivation"].uniform(0, ids)
        mult = MOTIVATION_SPREAD * (1.0 - motivation)
        settled = pop.needs_met[rows] | ~pop.needs[rows]  # bit set = need met or never there
        for bit, cut in s.boost_bits:
            mult = mult * np.where((settled & bit) > 0, 1.0 - cut, 1.0)
        return mult * self.effects.values(effects.DROPOUT)[rows].astype(np.float64)

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
            p = -np.expm1(np.log1p(-min(p, 1 - PROB_EPSILON)) * REVIEW_WEEKS / float(WEEKS_PER_YEAR))
        rows = rows[(pop.service_member[rows] & s.member_bit) == 0]  # not already waiting or in a place
        ids = pop.id[rows]
        # in float64, so that a multiplier of one leaves each chance exactly as it was
        each = np.minimum(p * self.referral_choice.referral_multiplier(k, rows), 1.0)
        if s.need_match > 0:  # a commissioned provider's referrals: people without the need unmet less often
            each = np.where(self._unmet(s, rows), each, each * (1.0 - s.need_match))
        hit = self.streams[f"refer_{s.name}"].uniform(t, ids) < each
        pop.service_member[rows[hit]] |= s.member_bit
        added = s.queue.refer(ids[hit], t, known_new=True)
        if len(added):
            s.referred.append(added)
        self.sim.results.add("service_referrals", len(added), k)
        self.sim.results.add("service_referrals_meeting_need", int(self._unmet(s, rows[hit]).sum()), k)

    def _unmet(self, s: Service, rows: np.ndarray) -> np.ndarray:
        """Whether each person has the service's need, not yet met."""
        pop = self.sim.pop
        return (pop.needs[rows] & ~pop.needs_met[rows] & s.need_bit) > 0

    def _admit(self, k: int, s: Service, t: int) -> None:
        q, pop, st = s.queue, self.sim.pop, self.streams
        free = s.places - q.in_places
        if free <= 0 or q.waiting == 0:
            return
        rows, present = self.rows_of(q.queue_ids)
        ready = present & s.deliverable[pop.status[rows]]
        ids, waits = q.offer(t, free, ready, self._priority(s, rows))
        rows, _ = self.rows_of(ids)
        engaged = st[f"engage_{s.name}"].uniform(t, ids) < s.f["engagement_probability"]
        q.start(ids[engaged], t, s.duration)
        self._add_effects(ids[engaged], np.full(int(engaged.sum()), s.f["effect"], np.float32), t, s, k)
        if self.p["run.evaluation_log"]:
            self.log_starts.append((ids[engaged], t, k))
        self._release_membership(s, ids[~engaged])
        res = self.sim.results
        res.add("service_starts", int(engaged.sum()), k)
        res.add("service_declined", int((~engaged).sum()), k)
        res.add("service_wait_weeks", int(waits[engaged].sum()), k)
        band = np.searchsorted(_RISK_CUTS, pop.risk[rows[engaged]], side="right")
        res.add("service_starts_by_risk", np.bincount(band, minlength=len(RISK_BANDS)), (k,))
        if s.f["enforcement_detection_multiplier"] != effects.NO_EFFECT:
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
    def _add_effects(self, ids, size, t, s: Service, k: int) -> None:
        """A service's effect takes hold at the start, whole, and stays whole while the person is in it."""
        keep = size > EFFECT_FLOOR
        ids, size = ids[keep], size[keep]
        rows, present = self.rows_of(ids)
        rows, factor = rows[present], (1.0 - size[present]).astype(np.float32)
        self.effects.multiply(effects.OFFENDING_HAZARD, rows, factor)
        self.effect_rows.append(ids=ids, size=size, start=t, half=max(s.f["effect_half_life"], MIN_HALF_LIFE_WEEKS),
                                service=k, open=True, held=False)

    def _close_effects(self, k: int, ids: np.ndarray, share: np.ndarray, t: int) -> None:
        """People leave service k: their effect is scaled by ``share`` (1 on completion, the part kept
        on drop-out) and fades from today, or from their release for a service delivered in custody
        (an evaluation counts from release); their multipliers are brought up to date at once."""
        if len(ids) == 0 or len(self.effect_rows) == 0:
            return
        e = self.effect_rows
        theirs = e.rows_of(ids)
        rows = theirs[e["open"][theirs] & (e["service"][theirs] == k)]
        order = np.argsort(ids)
        which = order[np.searchsorted(ids[order], e["ids"][rows])]  # each open row's leaver
        e["size"][rows] *= share[which]
        e["start"][rows] = t
        e["open"][rows] = False
        e["held"][rows] = self.services[k].f["delivered_in"] == "custody"
        self._refresh_effects(t, theirs)

    def _start_fading_on_release(self, released: np.ndarray, t: int) -> None:
        """Effects held through custody begin to fade when the person is released."""
        e = self.effect_rows
        if len(released) == 0 or not e["held"].any():
            return
        theirs = e.rows_of(released)
        rows = theirs[e["held"][theirs]]
        e["start"][rows] = t
        e["held"][rows] = False

    def _apply_effects(self, t: int) -> None:
        """Each person's hazard multiplier: the product of (1 - faded effect) over their services,
        brought up to date every REVIEW_WEEKS (effects fade over a year or more)."""
        if len(self.effect_rows) == 0 or t % REVIEW_WEEKS:
            return
        self.effect_rows.keep_only(self._refresh_effects(t, None))  # everyone's rows

    def _refresh_effects(self, t: int, rows: np.ndarray | None) -> np.ndarray:
        """Set the multipliers of the people whose effect rows are ``rows`` (all of each one's rows, or
        None for every row) from those rows alone, so that a week's leavers cost their own rows, not
        every effect held; returns, one flag per row in row order (for None) or per row of ``rows``,
        which are still worth keeping (not faded away, person still here)."""
        used, people, inv, log_mult, gone = self.effect_rows.log_multipliers(t, rows)
        found, present = self.rows_of(people)
        self.effects.set(effects.OFFENDING_HAZARD, found[present], np.exp(log_mult[present]).astype(np.float32))
        keep = ~gone & present[inv]
        if rows is not None:
            return keep
        in_row_order = np.empty(len(self.effect_rows), bool)
        in_row_order[used] = keep
        return in_row_order

    def _enforce(self, ids, until, mult) -> None:
        self.enf_ids = np.concatenate([self.enf_ids, ids])
        self.enf_until = np.concatenate([self.enf_until, np.full(len(ids), until, np.int32)])
        self.enf_mult = np.concatenate([self.enf_mult, np.full(len(ids), mult, np.float32)])

    def _apply_enforcement(self, t: int) -> None:
        if len(self.enf_ids) == 0:
            return
        rows, present = self.rows_of(self.enf_ids)
        live = self.enf_until > t
        self.effects.set(effects.DETECTION, rows[present & ~live], effects.NO_EFFECT)
        self.effects.set(effects.DETECTION, rows[present & live], self.enf_mult[present & live])
        keep = live & present
        self.enf_ids, self.enf_until, self.enf_mult = self.enf_ids[keep], self.enf_until[keep], self.enf_mult[keep]
