"""An evaluation's design replayed on a pair of runs: what a Justice Data Lab style study would report.

An evaluation compares participants' one-year proven reoffending with a matched comparison group's.
In the model the perfect comparison group is the participants themselves in the paired counterfactual
(the same people, on common random numbers, without the service). ``replay`` takes the scenario's
participants in one service (from its log of starts, ``run.evaluation_log``), dates each from the start
of the service or from their release after it, and counts in both runs whether they committed an offence
within the follow-up that was proven by the end of the proof window, as the Ministry of Justice measures.
Datasets in, a Dataset out.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

from jrsim.core.constants import WEEKS_PER_YEAR
from jrsim.core.errors import ScenarioError

# Where the one-year window starts: the start of the service; the release it follows (a service
# taken up at the gate or after release); the release after it (a service delivered in custody).
COUNTED_FROM = ("start", "release_before_start", "release_after_start")
NOT_RELEASED = np.iinfo(np.int32).max  # no release after the start within the run
FOLLOW_UP_WEEKS = WEEKS_PER_YEAR  # the Ministry of Justice's measure: offences in the year after the index date,
PROOF_WEEKS = 26  # ... proven by caution or conviction within six months more


def participants(sc: xr.Dataset, service: str) -> tuple[np.ndarray, np.ndarray]:
    """Each participant's first start of ``service`` (person ids, model weeks), in the policy's run."""
    if "start_person" not in sc:
        raise ScenarioError("the scenario run has no log of service starts: run it with run.evaluation_log: true")
    labels = [str(s) for s in sc["service"].values] if "service" in sc.coords else []
    if service not in labels:
        raise ScenarioError(f"no service {service!r} in the scenario run (services: {labels})")
    mine = sc["start_service"].values == labels.index(service)
    people, weeks = sc["start_person"].values[mine], sc["start_week"].values[mine]
    order = np.lexsort((weeks, people))
    people, weeks = people[order], weeks[order]
    first = np.r_[True, people[1:] != people[:-1]] if len(people) else np.empty(0, bool)
    return people[first], weeks[first]


def release_around(sc: xr.Dataset, people: np.ndarray, weeks: np.ndarray, after: bool) -> np.ndarray:
    """Each person's release nearest the given week: the first at or after it (``after``), else the
    last at or before it (NOT_RELEASED if there is none in the run)."""
    out = np.full(len(people), NOT_RELEASED, np.int64)
    rel_p, rel_w = sc["release_person"].values.astype(np.int64), sc["release_week"].values.astype(np.int64)
    if len(rel_p) == 0:
        return out
    span = int(max(rel_w.max(), np.max(weeks, initial=0))) + 1  # (person, week) as one sortable key
    keys = np.sort(rel_p * span + rel_w)
    wanted = np.asarray(people, np.int64) * span + np.asarray(weeks, np.int64)
    at = np.searchsorted(keys, wanted, "left") if after else np.searchsorted(keys, wanted, "right") - 1
    inside = (at >= 0) & (at < len(keys))
    near = keys[np.clip(at, 0, len(keys) - 1)]
    found = inside & (near // span == people)
    out[found] = near[found] % span
    return out


def reoffended(ds: xr.Dataset, people: np.ndarray, index_week: np.ndarray, follow_up: int, proof: int) -> np.ndarray:
    """Whether each person (sorted ids) committed an offence in (index, index + follow_up] proven by
    index + follow_up + proof, in the run ``ds``."""
    if "proven_person" not in ds:
        raise ScenarioError("the counterfactual run has no log of proven offences: run it with run.evaluation_log: true")
    who, offence, proven = (ds[v].values for v in ("proven_person", "proven_offence_week", "proven_week"))
    at = np.searchsorted(people, who)
    ours = (at < len(people)) & (people[np.minimum(at, len(people) - 1)] == who)
    at, offence, proven = at[ours], offence[ours], proven[ours]
    start = index_week[at]
    counts = (offence > start) & (offence <= start + follow_up) & (proven <= start + follow_up + proof)
    out = np.zeros(len(people), bool)
    out[at[counts]] = True
    return out


def replay(cf: xr.Dataset, sc: xr.Dataset, service: str, counted_from: str = "start",
           follow_up_weeks: int = FOLLOW_UP_WEEKS, proof_weeks: int = PROOF_WEEKS) -> xr.Dataset:
    """The participants' one-year proven reoffending with the service and without it (paired), the
    difference, the relative reduction and the standard error of the paired difference."""
    if counted_from not in COUNTED_FROM:
        raise ScenarioError(f"counted_from: expected one of {list(COUNTED_FROM)}, got {counted_from!r}")
    people, weeks = participants(sc, service)
    index = (weeks.astype(np.int64) if counted_from == "start" else
             release_around(sc, people, weeks, after=counted_from == "release_after_start"))
    last_week = _last_week(sc)
    whole = index + follow_up_weeks + proof_weeks <= last_week  # the whole window inside the run
    people, index = people[whole], index[whole]
    treated = reoffended(sc, people, index, follow_up_weeks, proof_weeks).astype(float)
    untreated = reoffended(cf, people, index, follow_up_weeks, proof_weeks).astype(float)
    n = len(people)
    p1, p0 = (float(treated.mean()), float(untreated.mean())) if n else (np.nan, np.nan)
    d = treated - untreated
    se = float(d.std(ddof=1) / np.sqrt(n)) if n > 1 else np.nan
    return xr.Dataset({"participants": n, "rate_with_service": p1, "rate_without_service": p0,
                       "difference": p1 - p0, "difference_se": se,
                       "relative_reduction": 1 - p1 / p0 if p0 > 0 else np.nan,
                       "relative_reduction_se": se / p0 if p0 > 0 else np.nan},
                      attrs={"service": service, "counted_from": counted_from, "follow_up_weeks": follow_up_weeks,
                             "proof_weeks": proof_weeks})


def _last_week(ds: xr.Dataset) -> int:
    """The last model week the run simulated (its warm-up plus its output weeks)."""
    return int(ds.attrs["warmup_years"]) * WEEKS_PER_YEAR + ds.sizes["time"] - 1
