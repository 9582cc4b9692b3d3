"""A service's waiting list and places, in weekly time: the fast queue the services use.

People are held by id (ids are stable; rows move when the population is compacted).
Each week: people leave their places (completion, drop-out), new referrals join the
list, and free places are offered to the people ready to start, in the service's
queue order. ``simpy_waits`` is the reference: the same discipline written as simpy
processes, used by the tests to show this queue gives the same waits on the same
arrivals (simpy itself is too slow for national runs; see docs/reference/services.md).
"""
from __future__ import annotations

import numpy as np
import simpy

QUEUE_ORDERS = ("first_come", "highest_risk", "most_needs", "provider_choice")


class ServiceQueue:
    def __init__(self) -> None:
        self.queue_ids = np.empty(0, np.int64)
        self.queue_since = np.empty(0, np.int32)
        self.queue_ready_seen = np.empty(0, bool)  # was ever ready to start while waiting
        self.active_ids = np.empty(0, np.int64)
        self.active_start = np.empty(0, np.int32)
        self.active_end = np.empty(0, np.int32)

    # ------------------------------------------------------------ waiting list
    def refer(self, ids: np.ndarray, t: int, known_new: bool = False) -> np.ndarray:
        """Add referrals, skipping people already waiting or in a place (``known_new``: the caller
        has checked that already). Returns those added."""
        if not known_new:
            ids = np.unique(ids)
            ids = ids[~np.isin(ids, self.queue_ids) & ~np.isin(ids, self.active_ids)]
        self.queue_ids = np.concatenate([self.queue_ids, ids])
        self.queue_since = np.concatenate([self.queue_since, np.full(len(ids), t, np.int32)])
        self.queue_ready_seen = np.concatenate([self.queue_ready_seen, np.zeros(len(ids), bool)])
        return ids

    def drop_queued(self, mask: np.ndarray) -> np.ndarray:
        """Remove waiting people where mask holds; returns their ids."""
        gone = self.queue_ids[mask]
        keep = ~mask
        self.queue_ids, self.queue_since = self.queue_ids[keep], self.queue_since[keep]
        self.queue_ready_seen = self.queue_ready_seen[keep]
        return gone

    def offer(self, t: int, places: int, ready: np.ndarray, priority: np.ndarray | None = None):
        """Offer up to ``places`` free places to ready people, best priority first (lower is first),
        then longest waiting, then lowest id. Returns (ids offered, their waits in weeks)."""
        idx = np.flatnonzero(ready)
        if places <= 0 or len(idx) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int32)
        keys = [self.queue_ids[idx], self.queue_since[idx]]
        if priority is not None:
            keys.append(priority[idx])
        chosen = idx[np.lexsort(keys)[:places]]
        ids, waits = self.queue_ids[chosen], t - self.queue_since[chosen]
        mask = np.zeros(len(self.queue_ids), bool)
        mask[chosen] = True
        self.drop_queued(mask)
        return ids, waits

    # ------------------------------------------------------------ places
    def start(self, ids: np.ndarray, t: int, duration: int) -> None:
        self.active_ids = np.concatenate([self.active_ids, ids])
        self.active_start = np.concatenate([self.active_start, np.full(len(ids), t, np.int32)])
        self.active_end = np.concatenate([self.active_end, np.full(len(ids), t + duration, np.int32)])

    def leave(self, mask: np.ndarray):
        """Remove people from their places where mask holds; returns (ids, start weeks)."""
        ids, start = self.active_ids[mask], self.active_start[mask]
        keep = ~mask
        self.active_ids, self.active_start, self.active_end = (
            self.active_ids[keep], self.active_start[keep], self.active_end[keep])
        return ids, start

    @property
    def in_places(self) -> int:
        return len(self.active_ids)

    @property
    def waiting(self) -> int:
        return len(self.queue_ids)


def weekly_waits(arrival_weeks: np.ndarray, durations: np.ndarray, capacity: int) -> np.ndarray:
    """Waits (weeks) of first-come arrivals in the weekly queue, all ready at once and all completing."""
    q = ServiceQueue()
    order = np.argsort(arrival_weeks, kind="stable")
    waits = np.full(len(arrival_weeks), -1, np.int64)
    ids = np.arange(len(arrival_weeks))
    t, pending = 0, 0
    while pending < len(order) or q.waiting or q.in_places:
        done = q.active_end <= t
        q.leave(done)
        new = order[pending:][arrival_weeks[order[pending:]] == t]
        pending += len(new)
        q.refer(ids[new], t)
        offered, w = q.offer(t, capacity - q.in_places, np.ones(q.waiting, bool))
        waits[offered] = w
        for d in np.unique(durations[offered]):
            q.start(offered[durations[offered] == d], t, int(d))
        t += 1
    return waits


def simpy_waits(arrival_weeks: np.ndarray, durations: np.ndarray, capacity: int) -> np.ndarray:
    """The same first-come queue as simpy processes competing for a simpy.Resource (the reference)."""
    env = simpy.Environment()
    places = simpy.Resource(env, capacity=capacity)
    waits = np.full(len(arrival_weeks), -1, np.int64)

    def person(i: int):
        yield env.timeout(int(arrival_weeks[i]))
        with places.request() as req:
            yield req
            waits[i] = int(env.now - arrival_weeks[i])
            yield env.timeout(int(durations[i]))

    for i in np.lexsort((np.arange(len(arrival_weeks)), arrival_weeks)):
        env.process(person(int(i)))
    env.run()
    return waits
