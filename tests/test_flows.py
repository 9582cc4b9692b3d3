"""The flows behave as the criminal justice system does, and the switches do what they say."""
from __future__ import annotations

import numpy as np
import pytest

from jrsim.engine import run
from jrsim.outputs.measures import headline, reoffending_table


@pytest.fixture(scope="module")
def with_pss(small_params):
    return run(small_params.with_overrides({"supervision.post_sentence_supervision": True}))


def test_flows_are_ordered_as_the_justice_system(small_run):
    ds = small_run
    total = {v: int(ds[v].sum()) for v in ("offences", "offending_events", "arrests", "charges", "cautions")}
    assert total["offences"] >= total["offending_events"] > total["arrests"] > total["charges"] > 0
    assert total["arrests"] == total["charges"] + total["cautions"] + int(ds["no_further_action"].sum())
    convictions = int(ds["convictions"].sum())
    assert convictions == int(ds["sentences"].sum())
    assert int(ds["court_cases"].sum()) == convictions + int(ds["acquittals"].sum())


def test_before_tr_short_sentences_are_released_unsupervised(small_run):
    assert int(small_run["population"].sel(status="post_sentence_supervision").sum()) == 0


def test_post_sentence_supervision_switch(small_run, with_pss):
    pss = with_pss["population"].sel(status="post_sentence_supervision").sum("area")
    assert int(pss[-1]) > 0
    # supervising short-sentence leavers adds probation caseload and breaches
    assert float(with_pss["probation_caseload"].mean()) > float(small_run["probation_caseload"].mean())
    assert int(with_pss["breaches"].sel(order="post_sentence_supervision").sum()) > 0


def test_diverting_short_custody_cuts_short_receptions_and_adds_orders(small_params, small_run):
    diverted = run(small_params.with_overrides({"sentencing.short_custody_diversion.probability": 1.0}))
    base_s, div_s = small_run["sentences"].sum("time"), diverted["sentences"].sum("time")
    assert int(div_s.sel(sentence="custody_under_12m")) < 0.5 * int(base_s.sel(sentence="custody_under_12m"))
    assert int(div_s.sel(sentence="community_order")) > int(base_s.sel(sentence="community_order"))
    assert float(diverted["population"].sel(status="custody_under_12m").mean()) < \
        float(small_run["population"].sel(status="custody_under_12m").mean())


def test_reoffending_is_highest_after_short_custody(small_run):
    table = reoffending_table(small_run)
    assert table.sizes["cohort_year"] >= 1
    short = float(table["custody_under_12m_rate"].mean())
    overall = float(table["all_adults_rate"].mean())
    cautions = float(table["cautions_rate"].mean())
    assert short > overall > cautions


def test_prison_population_includes_remand_and_recalls(small_run):
    ds = small_run
    parts = ds["population"].sel(status=["remand", "custody_under_12m", "custody_12m_to_4y", "custody_4y_plus",
                                         "recalled"]).sum(["status", "area"])
    assert np.array_equal(parts.values, ds["prison_population"].values)


def test_cohort_counts_each_person_once_a_year(small_run):
    """A person is in a year's cohort once, so the cohort is at most the people with an index event."""
    ds = small_run
    year0 = int(ds["cohort_size"].isel(cohort_year=0).sum())
    events = int(ds["cautions"].isel(time=slice(0, 52)).sum() + ds["sentences"].isel(time=slice(0, 52)).sum()
                 - ds["prison_receptions"].isel(time=slice(0, 52)).sum() + ds["releases"].isel(time=slice(0, 52)).sum())
    assert 0 < year0 <= events


def test_headline_measures_are_finite(small_run):
    for name, value in headline(small_run).items():
        assert np.isfinite(value), name
