"""Benchmark: person-weeks per second and peak memory, vectorised engine vs one mesa Agent per person;
a local area's contract pair, and Transforming Rehabilitation nationally (21 providers deciding).

    python -m jrsim.experiments.bench [--scale 1.0] [--years 10] [--agent-people 20000] [--agent-weeks 52]

Each part runs in its own process so that its peak memory (max RSS) is its own.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from jrsim import engine
from jrsim.core.constants import KIB, MILLION, WEEKS_PER_YEAR
from jrsim.core.streams import Stream
from jrsim.engine import build
from jrsim.experiments.agent_reference import AgentModel
from jrsim.parameters.library import BASELINE, library_file
from jrsim.services.catalogue import service_names

BASELINE_FILE = library_file(BASELINE)
MIN_PLACES = 10000  # "all services on": every service in the catalogue with at least this many national places
# What `make bench` runs: ten output years of the vectorised engine, and a year of 20,000 mesa agents
# (one object each is slow: a year of that many is enough to measure the rate).
DEFAULT_YEARS, DEFAULT_AGENT_PEOPLE, DEFAULT_AGENT_WEEKS = 10, 20000, WEEKS_PER_YEAR
MS_PER_SECOND = 1000
DRAW_REPEATS, DRAW_SEED = 20, 1  # the draws' timing: best of twenty weeks' draws for the national run's people
HELP_REPEATS = 5  # `jrsim --help`: best of five fresh processes


def help_seconds() -> float:
    """The wall time of `jrsim --help` in a fresh process (the interpreter's start-up included), best of
    HELP_REPEATS: what a user waits for before the command line answers."""
    times = []
    for _ in range(HELP_REPEATS):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "jrsim", "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return min(times)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / KIB


def part_vectorised(scale: float, years: int, services: bool) -> dict:
    overrides = {"run.scale": scale, "run.horizon_years": years}
    params = engine.load(BASELINE_FILE, overrides)
    if services:  # every service in the catalogue switched on with at least MIN_PLACES national places
        params = params.with_overrides({f"services.{s}.capacity": max(MIN_PLACES, params[f"services.{s}.capacity"])
                                        for s in service_names(params.values)})
    else:  # no service at all: the engine alone
        params = params.with_overrides({f"services.{s}.capacity": 0 for s in service_names(params.values)})
    started = time.perf_counter()
    sim = build(params)
    built = time.perf_counter() - started
    person_weeks = 0
    steps = sim.calendar.total_weeks
    for _ in range(steps):
        person_weeks += int(sim.stocks.sum())
        sim.step()
    seconds = time.perf_counter() - started
    return {"engine": "vectorised", "scale": scale, "weeks": steps, "people_end": int(sim.stocks.sum()),
            "person_weeks": person_weeks, "seconds": seconds, "build_seconds": built,
            "person_weeks_per_s": person_weeks / seconds, "peak_mb": peak_mb()}


LOCAL_BASELINE, LOCAL_POLICY = "lewisham_baseline.yaml", "local_justice_reinvestment.yaml"


def timed_run_and_pair(counterfactual, policy):
    """The policy alone, then the pair against its counterfactual sharing the warm-up (as ``jrsim compare``
    runs it): the run's Dataset and both timings in seconds."""
    started = time.perf_counter()
    ds = engine.run(policy)
    one = time.perf_counter() - started
    started = time.perf_counter()
    engine.run_pair(counterfactual, policy)
    return ds, one, time.perf_counter() - started


def part_local() -> dict:
    """One local area at full size (Lewisham, 5 output years after the warm-up): the contract scenario
    alone, then the pair against its status quo sharing the warm-up, as ``jrsim compare`` runs it."""
    ds, one, pair = timed_run_and_pair(engine.load(library_file(LOCAL_BASELINE)), engine.load(library_file(LOCAL_POLICY)))
    people = int(ds["population"].isel(time=-1).sum())
    return {"engine": "local area (Lewisham)", "people_end": people, "weeks": int(ds.sizes["time"]),
            "seconds": one, "pair_seconds": pair, "payments": int(ds.sizes["payment"]), "peak_mb": peak_mb()}


TR_BASELINE, TR_POLICY = "transforming_rehabilitation_baseline.yaml", "transforming_rehabilitation.yaml"


def part_transforming_rehabilitation(scale: float) -> dict:
    """Transforming Rehabilitation nationally (2011-2018 after the warm-up; 21 CRCs and the NPS deciding
    each quarter from June 2014): the scenario alone, then the pair against its status quo, as ``jrsim
    compare`` runs it."""
    overrides = {"run.scale": scale}
    ds, one, pair = timed_run_and_pair(engine.load(library_file(TR_BASELINE), overrides),
                                       engine.load(library_file(TR_POLICY), overrides))
    return {"engine": "Transforming Rehabilitation", "scale": scale, "people_end": int(ds["population"].isel(time=-1).sum()),
            "weeks": int(ds.sizes["time"]), "seconds": one, "pair_seconds": pair,
            "decisions": int(ds.sizes["provider_decision"]), "providers": int(ds.sizes["provider"]),
            "peak_mb": peak_mb()}


def part_agents(people: int, weeks: int) -> dict:
    params = engine.load(BASELINE_FILE)
    started = time.perf_counter()
    model = AgentModel(params, people)
    for _ in range(weeks):
        model.step()
    seconds = time.perf_counter() - started
    return {"engine": "mesa agent per person", "people_start": people, "weeks": weeks,
            "person_weeks": model.person_weeks, "seconds": seconds,
            "person_weeks_per_s": model.person_weeks / seconds, "peak_mb": peak_mb()}


def part_draws(people: int) -> dict:
    """The counter-based draws for ``people`` ids, compiled (jrsim.core.kernels) and their numpy reference,
    each the best of DRAW_REPEATS (its first call, which loads the compiled code, untimed)."""
    stream, ids = Stream(DRAW_SEED, "offend"), np.arange(people, dtype=np.int64)
    out = {"people": people}
    for name, f in (("compiled32", stream.uniform32), ("reference32", stream.uniform32_reference),
                    ("compiled64", stream.uniform), ("reference64", stream.uniform_reference)):
        f(0, ids[:1])
        times = []
        for week in range(DRAW_REPEATS):
            started = time.perf_counter()
            f(week, ids)
            times.append(time.perf_counter() - started)
        out[name] = min(times)
    return out


def part(kind: str, *args: str) -> dict:
    """One part, from its command-line words (see ``in_subprocess``)."""
    if kind == "agents":
        people, weeks = args
        return part_agents(int(people), int(weeks))
    if kind == "local":
        return part_local()
    if kind == "draws":
        return part_draws(int(args[0]))
    if kind == "tr":
        return part_transforming_rehabilitation(float(args[0]))
    scale, years, services = args
    return part_vectorised(float(scale), int(years), services == "1")


def in_subprocess(args: list[str]) -> dict:
    res = subprocess.run([sys.executable, "-m", "jrsim.experiments.bench", "--part", *args],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--years", type=int, default=DEFAULT_YEARS)
    ap.add_argument("--agent-people", type=int, default=DEFAULT_AGENT_PEOPLE)
    ap.add_argument("--agent-weeks", type=int, default=DEFAULT_AGENT_WEEKS)
    ap.add_argument("--part", nargs="*")
    a = ap.parse_args()
    if a.part:
        print(json.dumps(part(*a.part)))
        return
    small_scale = a.agent_people / engine.load(BASELINE_FILE)["population.initial_active"]
    rows = [
        in_subprocess(["vectorised", str(a.scale), str(a.years), "0"]),
        in_subprocess(["vectorised", str(a.scale), str(a.years), "1"]),
        in_subprocess(["vectorised", f"{small_scale:.6f}", "1", "0"]),
        in_subprocess(["agents", str(a.agent_people), str(a.agent_weeks)]),
    ]
    rows[1]["engine"] = "vectorised + services"
    print(f"{'engine':24s} {'people':>10s} {'weeks':>6s} {'seconds':>8s} {'person-weeks/s':>15s} {'peak MB':>8s}")
    for r in rows:
        people = r.get("people_end", r.get("people_start"))
        print(f"{r['engine']:24s} {people:>10,d} {r['weeks']:>6d} {r['seconds']:>8.1f} "
              f"{r['person_weeks_per_s']:>15,.0f} {r['peak_mb']:>8.0f}")
    national, with_services, small, agents = rows
    for label, r in (("no services", national), ("all services on", with_services)):
        print(f"\nnational run, {label} ({a.scale:g} x England and Wales, {r['weeks']} weekly steps incl. warm-up): "
              f"{r['seconds']:.1f} s, {r['person_weeks_per_s'] / MILLION:.1f} M person-weeks/s, peak {r['peak_mb']:.0f} MB")
    print(f"all services on / no services, time per person-week: "
          f"{national['person_weeks_per_s'] / with_services['person_weeks_per_s']:.2f}x")
    print(f"speed-up per person-week, vectorised (national) vs one mesa Agent per person: "
          f"{national['person_weeks_per_s'] / agents['person_weeks_per_s']:.0f}x")
    print(f"speed-up per person-week at the same size ({a.agent_people:,} people): "
          f"{small['person_weeks_per_s'] / agents['person_weeks_per_s']:.0f}x")
    local = in_subprocess(["local"])
    print(f"one local area at full size ({local['engine']}, {local['people_end']:,} people, {local['weeks']} output "
          f"weeks, {local['payments']} contract payments): {local['seconds']:.1f} s a run, {local['pair_seconds']:.1f} s "
          f"a pair with its status quo, peak {local['peak_mb']:.0f} MB")
    draws = in_subprocess(["draws", str(national["people_end"])])
    ms = {k: draws[k] * MS_PER_SECOND for k in ("compiled32", "reference32", "compiled64", "reference64")}
    print(f"random draws for {draws['people']:,} ids (best of {DRAW_REPEATS}): float32 compiled {ms['compiled32']:.1f} ms, "
          f"numpy reference {ms['reference32']:.1f} ms ({ms['reference32'] / ms['compiled32']:.1f}x); float64 compiled "
          f"{ms['compiled64']:.1f} ms, reference {ms['reference64']:.1f} ms ({ms['reference64'] / ms['compiled64']:.1f}x)")
    print(f"`jrsim --help` in a fresh process (best of {HELP_REPEATS}): {help_seconds():.2f} s")
    tr = in_subprocess(["tr", str(a.scale)])
    print(f"Transforming Rehabilitation, national ({a.scale:g} x England and Wales, {tr['weeks']} output weeks, "
          f"{tr['providers']} providers, {tr['decisions']} decisions): {tr['seconds']:.1f} s a run, "
          f"{tr['pair_seconds']:.1f} s a pair with its status quo (jrsim compare), peak {tr['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
