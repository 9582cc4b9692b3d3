"""How a run's cost grows: time and peak memory of the national baseline without services (as ``make bench``
runs it) at scales 0.01, 0.1, 1 and 4 over ten output years, and at scale 1 over 5, 10 and 20; the growth
rate of time in person-weeks (the slope of log seconds on log person-weeks between rows), and memory per
person (the change in peak memory between the two largest scales over the change in people), beside what
the run-size check assumes (``jrsim.core.run_size``).

    python -m jrsim.experiments.bench_growth

Each row runs in its own process (``bench.in_subprocess``), so that its peak memory is its own.
"""
from __future__ import annotations

import math

from jrsim.core.constants import MILLION
from jrsim.core.run_size import BASE_MEMORY_BYTES, BYTES_PER_PERSON, memory_needed
from jrsim.experiments.bench import DEFAULT_YEARS, in_subprocess

SCALES = (0.01, 0.1, 1.0, 4.0)
HORIZONS = (5, 10, 20)
HORIZON_SCALE = 1.0
MB = 1e6


def growth(rows: list[dict]) -> list[float]:
    """The slope of log seconds on log person-weeks between each row and the next (1: linear)."""
    return [math.log(b["seconds"] / a["seconds"]) / math.log(b["person_weeks"] / a["person_weeks"])
            for a, b in zip(rows, rows[1:])]


def table(label: str, rows: list[dict], key: str) -> list[str]:
    """A markdown table of ``rows``, the first column ``key`` headed ``label``."""
    slopes = growth(rows)
    out = [f"| {label} | people at the end | weekly steps | seconds | M person-weeks/s | peak MB | growth from "
           f"the row above |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for i, r in enumerate(rows):
        slope = f"{slopes[i - 1]:.2f}" if i else ""
        out.append(f"| {r[key]:g} | {r['people_end']:,} | {r['weeks']} | {r['seconds']:.1f} | "
                   f"{r['person_weeks_per_s'] / MILLION:.1f} | {r['peak_mb']:.0f} | {slope} |")
    return out


def main() -> None:
    by_scale = [in_subprocess(["vectorised", str(s), str(DEFAULT_YEARS), "0"]) for s in SCALES]
    by_horizon = [in_subprocess(["vectorised", str(HORIZON_SCALE), str(y), "0"]) for y in HORIZONS]
    for r, y in zip(by_horizon, HORIZONS):
        r["years"] = y
    lines = table(f"scale ({DEFAULT_YEARS} output years)", by_scale, "scale")
    lines += [""] + table(f"output years (scale {HORIZON_SCALE:g})", by_horizon, "years")
    *_, big, bigger = by_scale  # memory per person from the two largest runs (start-up's share the least)
    per_person = (bigger["peak_mb"] - big["peak_mb"]) * MB / (bigger["people_end"] - big["people_end"])
    lines += ["", "Growth: the slope of log seconds on log person-weeks from the row above (1: time linear in "
                  "person-weeks; below 1: a fixed cost, start-up and the warm-up's share, still counts).", "",
              f"Memory per person, measured (the peaks at scales {big['scale']:g} and {bigger['scale']:g}): "
                  f"{per_person:.0f} bytes; the run-size check assumes {BYTES_PER_PERSON:.0f} bytes a person "
                  f"allocated (with headroom) over {BASE_MEMORY_BYTES / MB:.0f} MB, and so expects "
                  f"{memory_needed(big['people_end']) / MB:.0f} MB and {memory_needed(bigger['people_end']) / MB:.0f} MB "
                  f"for those two runs."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
