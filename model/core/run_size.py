"""What a run needs and what the machine has: the people a run holds, the memory that takes, and the
check that refuses, before anything is allocated, a run too small to mean anything or too big for memory.

``params`` is a scenario's parameters (``jrsim.parameters.scenario.Params``: values by dotted name and
the ``origin`` of each), read here by name as the simulation reads them.
"""
from __future__ import annotations

import os
from pathlib import Path

from jrsim.core.areas import AreaMap
from jrsim.core.constants import CAPACITY_HEADROOM, GIB, KIB, MIN_PEOPLE
from jrsim.core.errors import ScenarioError

# Memory a run needs, measured by make bench (2026-11-25): a national run of 2.6 million people peaks at
# 763 MB without services and 853 MB with all twelve on; about 120 MB of that is Python and libraries.
BASE_MEMORY_BYTES = 120e6
BYTES_PER_PERSON = 300.0  # per person allocated (with services on, rounded up)


def people_at_start(params, share: float = 1.0) -> float:
    """People the run starts with: the country's active offenders, sampled, in the run's areas (``share``)."""
    return params["population.initial_active"] * params["run.scale"] * share


def people_at_most(params, share: float = 1.0) -> float:
    """Everyone the run could hold: the start plus every entrant of the warm-up and horizon (none leaving)."""
    years = params["run.warmup_years"] + params["run.horizon_years"]
    return people_at_start(params, share) + params["population.entrants_per_year"] * params["run.scale"] * share * years


def memory_needed(people: float) -> float:
    """Bytes a run of this many people needs at its peak (measured by ``make bench``)."""
    return BASE_MEMORY_BYTES + people * CAPACITY_HEADROOM * BYTES_PER_PERSON


def memory_available() -> float:
    """Bytes of memory free for a run on this machine (Linux: MemAvailable; else all physical memory)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return float(line.split()[1]) * KIB
    except OSError:
        pass
    return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def check_size(params, areas: AreaMap) -> None:
    """Refuse a run too small to mean anything or too big for this machine's free memory (its people
    are counted in its areas, ``areas.share`` of the country's offenders)."""
    people, where = people_at_start(params, areas.share), params.origin.get("run.scale", "run.scale")
    scale = params["run.scale"]
    if people < MIN_PEOPLE:
        held = f" in its areas ({areas.share:.2%} of offenders)" if areas.share < 1 else ""
        raise ScenarioError(f"{where}: 'run.scale' {scale:g} gives {people:,.0f} people{held}; a run needs at least "
                            f"{MIN_PEOPLE:,} (run.scale >= "
                            f"{MIN_PEOPLE / (params['population.initial_active'] * areas.share):.2g})")
    most = people_at_most(params, areas.share)
    need, have = memory_needed(most), memory_available()
    if need > have:
        largest = (have - BASE_MEMORY_BYTES) / (CAPACITY_HEADROOM * BYTES_PER_PERSON) / most * scale
        raise ScenarioError(f"{where}: 'run.scale' {scale:g} needs about {need / GIB:,.1f} GB of memory and this "
                            f"machine has {have / GIB:,.1f} GB free: the largest scale it can run is about {largest:.2g}")
