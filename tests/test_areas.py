"""Areas: everyone lives in a local area of the geography file; results break down by area at the level a
scenario chooses, and add up to the figures of the whole run; a run of one local area is the same code."""
from __future__ import annotations

import numpy as np
import pytest
import yaml

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.outputs.measures import headline
from jrsim.parameters.geography import load_geography
from jrsim.parameters.library import library_file
from tests.conftest import BASELINE, SMALL

GEOGRAPHY = library_file("geography.yaml")


@pytest.fixture(scope="module")
def by_cpa(small_run):
    return engine.run(engine.load(BASELINE, {**SMALL, "run.area_level": "contract_package_area"}), check_every=1)


def test_the_shipped_geography_nests_local_areas_in_forces_in_the_21_package_areas():
    geo = load_geography(GEOGRAPHY)
    assert len(set(geo.cpa_of_pfa.values())) == 21
    assert sum(geo.share.values()) == pytest.approx(1.0, abs=1e-3)
    for local in geo.local_areas:
        assert geo.group(local, "contract_package_area") == geo.cpa_of_pfa[geo.pfa_of_local[local]]
    assert geo.group("lewisham", "contract_package_area") == "london"


def test_the_area_level_changes_the_breakdown_not_the_run(small_run, by_cpa):
    assert by_cpa.sizes["area"] == 21 and small_run.sizes["area"] == 1
    by_area = [name for name in by_cpa.data_vars if "area" in by_cpa[name].dims]
    assert {"population", "arrests", "court_cases", "recalls", "offences", "cohort_size", "reoffenders"} <= set(by_area)
    for name in by_area:  # every output with an area dimension sums to the national figure
        assert np.array_equal(by_cpa[name].sum("area").values, small_run[name].sum("area").values), name
    for name in set(small_run.data_vars) - set(by_area):
        assert np.array_equal(by_cpa[name].values, small_run[name].values), name
    assert headline(by_cpa) == headline(small_run)


def test_areas_get_people_in_proportion_to_their_shares(by_cpa):
    geo = load_geography(GEOGRAPHY)
    cpa_share = {}
    for local, share in geo.share.items():
        cpa = geo.group(local, "contract_package_area")
        cpa_share[cpa] = cpa_share.get(cpa, 0.0) + share / sum(geo.share.values())
    people = by_cpa["population"].isel(time=0).sum("status")
    observed = (people / people.sum()).to_series()
    expected = np.array([cpa_share[a] for a in observed.index])
    assert np.allclose(observed.values, expected, atol=0.01)  # ~25,000 people: within a point each
    london = float(observed["london"])
    assert london == pytest.approx(cpa_share["london"], rel=0.1)


def test_a_run_of_one_local_area_holds_its_share_of_the_country():
    params = engine.load(BASELINE, {"run.scale": 1.0, "run.horizon_years": 2, "run.warmup_years": 1,
                                    "run.areas": ["lewisham"], "run.area_level": "local_area"})
    ds = engine.run(params)
    geo = load_geography(GEOGRAPHY)
    share = geo.share["lewisham"] / sum(geo.share.values())
    people = int(ds["population"].isel(time=0).sum())
    assert people == pytest.approx(params["population.initial_active"] * share, rel=0.05)
    assert list(ds["area"].values) == ["lewisham"]
    assert ds.attrs["local_areas"] == "lewisham" and ds.attrs["area_share"] == pytest.approx(share)
    assert int(ds["cohort_size"].sum()) > 0


def test_areas_named_at_any_level_are_held_with_all_their_local_areas():
    geo = load_geography(GEOGRAPHY)
    manchester = geo.area_map("police_force_area", ["greater_manchester"])
    assert manchester.reported == ("greater_manchester",) and "salford" in manchester.local
    assert len(manchester.local) == sum(1 for a in geo.local_areas if geo.pfa_of_local[a] == "greater_manchester")
    assert manchester.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize("change, message", [
    ({"run.areas": ["lewishem"]}, "unknown area 'lewishem' (did you mean 'lewisham'?)"),
    ({"run.area_level": "ward"}, "'run.area_level': expected one of"),
    ({"run.geography": "nowhere.yaml"}, "'run.geography': no geography file 'nowhere.yaml'"),
])
def test_bad_area_settings_get_one_line(change, message):
    with pytest.raises(ScenarioError, match=None) as err:
        engine.load(BASELINE, {**SMALL, **change})
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["local_areas"]["lewisham"].update(share=0.5), "shares must sum to 1"),
    (lambda d: d["local_areas"]["lewisham"].update(pfa="atlantis"), "'local_areas.lewisham.pfa': unknown 'atlantis'"),
    (lambda d: d["local_areas"]["lewisham"].pop("source"), "'local_areas.lewisham.source': needs a 'source'"),
    (lambda d: d["police_force_areas"]["kent"].update(cpa="mars"), "'police_force_areas.kent.cpa': unknown 'mars'"),
])
def test_a_bad_geography_file_gets_one_line_naming_the_key(tmp_path, edit, message):
    doc = yaml.safe_load(GEOGRAPHY.read_text())
    edit(doc)
    path = tmp_path / "geo.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(ScenarioError) as err:
        load_geography(path)
    assert message in str(err.value) and str(path) in str(err.value)
