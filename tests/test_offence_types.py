"""Offence types: drawn by the offender's profile, they set detection, the court, custody and its length,
and the cost of crime is priced by type."""
from __future__ import annotations

import numpy as np
import pytest

from jrsim.core.shifts import ordinal_shifted
from jrsim.core.vocabulary import BANDS, OFFENCE_TYPES
from jrsim.economics.costs import load_costs
from jrsim.engine import build, run
from jrsim.outputs.measures import headline


def _mix(small_params, risk):
    return build(small_params).modules["offending"].offence_mix(np.array(risk, np.float32))


def test_high_rate_offenders_commit_more_theft_and_fewer_sexual_offences(small_params):
    low, high = _mix(small_params, [0.1, 0.9])
    assert np.allclose([low.sum(), high.sum()], 1.0)
    theft, sexual = OFFENCE_TYPES.index("theft"), OFFENCE_TYPES.index("sexual")
    assert high[theft] > low[theft] and high[sexual] < low[sexual]


def test_at_the_reference_risk_offences_fall_in_the_recorded_crime_mix(small_params):
    reference = small_params["offending.offence_mix_reference_risk"]
    assert _mix(small_params, [reference])[0] == pytest.approx(np.array(small_params["offending.offence_mix"]), abs=1e-6)


def test_a_proportional_odds_shift_moves_sentences_towards_the_longer_bands():
    shares = np.array([0.3, 0.55, 0.15])
    none, longer, shorter = ordinal_shifted(shares, np.array([0.0, 1.0, -1.0]))
    assert none == pytest.approx(shares)
    assert longer.sum() == pytest.approx(1.0) and shorter.sum() == pytest.approx(1.0)
    assert longer[-1] > shares[-1] > shorter[-1] and longer[0] < shares[0] < shorter[0]


def test_offences_are_counted_by_type_and_every_type_is_committed(small_run):
    by_type = small_run["offences"].sum(["time", "area"])
    assert list(small_run["offence_type"].values) == list(OFFENCE_TYPES)
    assert (by_type > 0).all()
    # theft is the largest group of offences, sexual offences among the smallest (the recorded-crime mix)
    assert int(np.argmax(by_type.values)) == OFFENCE_TYPES.index("theft")
    assert by_type.sel(offence_type="sexual") < by_type.sel(offence_type="violence")


def test_serious_offence_types_make_custody_and_longer_sentences_likelier(small_params):
    """More custody and longer bands for every type: more custodial sentences, more of them long."""
    base = headline(run(small_params))
    harsher = small_params.with_overrides({**{f"sentencing.custody_log_odds.{k}": 1.5 for k in OFFENCE_TYPES},
                                           **{f"sentencing.band_log_odds.{k}": 1.5 for k in OFFENCE_TYPES}})
    worse = headline(run(harsher))
    assert worse["custodial_sentences_per_year"] > base["custodial_sentences_per_year"]
    long = f"custodial_sentences_share_{BANDS[-1]}"
    assert worse[long] > base[long]


def test_the_cost_of_crime_is_priced_for_every_offence_type():
    book = load_costs()
    priced = {lab for a in book.activities if a.variable == "offences" for lab in a.select.get("offence_type", [])}
    assert priced == set(OFFENCE_TYPES)
    crime = {a.select["offence_type"][0]: a.cost for a in book.activities if a.name.startswith("cost_of_crime_")}
    assert crime["sexual"] > crime["robbery"] > crime["burglary"] > crime["theft"]
