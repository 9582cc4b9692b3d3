"""Published targets and how far a run is from them."""
from __future__ import annotations

from pathlib import Path

import yaml

TARGETS_FILE = Path(__file__).with_name("targets.yaml")


def load_targets(path: Path = TARGETS_FILE) -> dict[str, dict]:
    return yaml.safe_load(Path(path).read_text())["targets"]


def compare(measures: dict[str, float], scale: float, targets: dict[str, dict] | None = None) -> list[dict]:
    """For each target: the model's value (counts rescaled to national), the target and whether it is within tolerance."""
    rows = []
    for name, tgt in (targets or load_targets()).items():
        model = measures[name] / (scale if tgt["kind"] == "count" else 1.0)
        rows.append({"measure": name, "model": model, "target": tgt["value"], "tolerance": tgt["tolerance"],
                     "ok": abs(model - tgt["value"]) <= tgt["tolerance"], "source": tgt["source"]})
    return rows
