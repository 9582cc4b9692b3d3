"""A committed summary of a small baseline run, so that an unintended change of behaviour shows.

    python -m calibration.regression            # compare with the committed summary
    python -m calibration.regression --update   # rewrite it (say why in the commit message)

The run is small (scale 0.02) and seeded, so its figures are exact and the comparison is strict:
any change in what the model does moves them.
"""
from __future__ import annotations

import argparse
import json

from jrsim import engine
from jrsim.data import CALIBRATION, shipped
from jrsim.engine import run
from jrsim.outputs.measures import headline
from jrsim.parameters.library import library_file

SUMMARY = shipped(CALIBRATION) / "regression_baseline.json"
SETTINGS = {"run.scale": 0.02, "run.horizon_years": 3, "run.warmup_years": 2, "run.seed": 4242}
BASELINE = library_file("baseline.yaml")
DIGITS = 9  # decimals the summary keeps: far below any change of behaviour, above float noise in the JSON
RELATIVE_TOLERANCE = 1e-9  # a measure has changed when it moved by more than this share (of 1 at least)


def current() -> dict[str, float]:
    return {k: round(v, DIGITS) for k, v in headline(run(engine.load(BASELINE, SETTINGS))).items()}


def differences(committed: dict[str, float], now: dict[str, float], rel: float = RELATIVE_TOLERANCE) -> list[str]:
    out = [f"{k}: committed {committed.get(k)}, now {now.get(k)}" for k in sorted(set(committed) | set(now))
           if k not in committed or k not in now
           or abs(committed[k] - now[k]) > rel * max(1.0, abs(committed[k]))]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--update", action="store_true")
    a = ap.parse_args()
    now = current()
    if a.update:
        SUMMARY.write_text(json.dumps({"settings": SETTINGS, "measures": now}, indent=1) + "\n")
        print(f"wrote {SUMMARY}")
        return
    diff = differences(json.loads(SUMMARY.read_text())["measures"], now)
    print("\n".join(diff) if diff else "no change")


if __name__ == "__main__":
    main()
