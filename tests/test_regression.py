"""The baseline behaves as the committed summary says (update on purpose: python -m calibration.regression --update)."""
from __future__ import annotations

import json

from jrsim.calibration.regression import SUMMARY, current, differences


def test_baseline_matches_the_committed_summary():
    committed = json.loads(SUMMARY.read_text())["measures"]
    diff = differences(committed, current())
    assert not diff, "behaviour changed; if on purpose, run python -m calibration.regression --update:\n" + "\n".join(diff)


def test_the_comparison_notices_a_change():
    committed = json.loads(SUMMARY.read_text())["measures"]
    changed = dict(committed, prison_population=committed["prison_population"] + 1)
    assert differences(committed, changed) == [
        f"prison_population: committed {committed['prison_population']}, now {changed['prison_population']}"]
