"""The baseline lands within the stated tolerance of the published figures.

Targets and tolerances: calibration/targets.yaml (each with its source). One run of a quarter of
England and Wales (counts are divided by the scale; docs/figures/fit.md is the national run of
`python -m jrsim.calibration.check`, four times the cost) over three output years (the first cohort's
follow-up and proof window end inside it).
"""
from __future__ import annotations

import pytest

from jrsim import engine
from jrsim.calibration.targets import compare
from jrsim.engine import run
from jrsim.outputs.measures import headline
from tests.conftest import BASELINE

pytestmark = pytest.mark.xdist_group("calibration")  # one worker: the quarter-scale run is computed once

QUARTER = 0.25  # a quarter of England and Wales: within a few per cent of the national run, a quarter of its time


@pytest.fixture(scope="module")
def national():
    params = engine.load(BASELINE, {"run.scale": QUARTER, "run.horizon_years": 3})
    return headline(run(params)), params


def test_baseline_reproduces_the_published_figures(national):
    measures, params = national
    rows = compare(measures, params["run.scale"])
    misses = [f"{r['measure']}: model {r['model']:.3f}, published {r['target']} +/- {r['tolerance']}"
              for r in rows if not r["ok"]]
    assert not misses, "; ".join(misses)


def test_national_flows_are_of_the_published_order(national):
    """Looser checks on figures the model was not fitted to (MoJ Criminal Justice Statistics 2012)."""
    measures, params = national
    m = {k: v / params["run.scale"] if k.endswith(("_per_year", "_population")) and "growth" not in k else v
         for k, v in measures.items()}
    assert 0.7e6 < m["arrests_per_year"] < 1.6e6  # about 1.0 million adult arrests (Home Office 2011/12)
    assert 60_000 < m["custodial_sentences_per_year"] < 130_000  # about 90,000 adult immediate custody
    assert 8_000 < m["remand_population"] < 16_000  # about 12,000 on remand (OMSQ June 2012)
    assert m["reoffending_rate_custody_under_12m"] > m["reoffending_rate_court_orders"] > m["reoffending_rate_cautions"]
