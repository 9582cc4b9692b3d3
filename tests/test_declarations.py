"""The named seams hold: a module uses only the parameters, streams, handoffs, seams and effects it
declares, and every variable of a run says what unit it is in."""
from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from jrsim import engine
from jrsim.core import effects
from jrsim.core.errors import UndeclaredError
from jrsim.core.handoffs import Arrested, Offenders
from jrsim.core.module import Module
from jrsim.core.results import EVENTS_PER_WEEK, GBP_PER_WEEK, PEOPLE_END_OF_WEEK, flow
from jrsim.core.seams import Liberty, RiskAssessment
from jrsim.core.simulation import Simulation
from jrsim.flows.offending import Offending
from jrsim.flows.policing import Policing
from jrsim.parameters.declaration import Par
from jrsim.parameters.kinds import DEFAULT_RANGES, KINDS, convert
from jrsim.parameters.library import library_file

TINY_RUN = {"run.scale": 0.002, "run.horizon_years": 1, "run.warmup_years": 0}


@pytest.fixture(scope="module")
def sim(small_params):
    return engine.build(small_params.with_overrides(TINY_RUN))


def test_reading_an_undeclared_parameter_is_an_error(sim):
    courts = sim.modules["courts"]
    assert courts.p["courts.conviction_probability.crown"] > 0  # its own: fine
    with pytest.raises(UndeclaredError, match="module 'courts' reads parameter 'offending.rate_multiplier' without"):
        courts.p["offending.rate_multiplier"]
    with pytest.raises(UndeclaredError, match="'sentencing.release_fraction'"):
        sim.modules["policing"].p["sentencing.release_fraction"]  # declared by sentencing, not read by policing
    assert sim.modules["custody"].p["sentencing.release_fraction"] > 0  # custody READS it: fine


def test_a_module_that_reads_an_undeclared_parameter_fails_its_run(small_params):
    class Careless(Module):
        name = "careless"

        def step(self, t: int) -> None:
            self.p["courts.crown_share"]

    with pytest.raises(UndeclaredError, match="careless"):
        Simulation(small_params.with_overrides(TINY_RUN), (*engine.STEP_ORDER, Careless)).run_all()


def test_each_kind_is_one_row_with_its_converter_and_a_default_range_if_it_is_a_number():
    """KINDS is the one table of parameter kinds: every declared parameter's kind is a row of it, and a
    kind whose converter takes a plain number has a default range (the bounds a batch may draw from),
    which its converter enforces; a kind that is not a number has none."""
    assert {p.kind for p in engine.declarations()} <= set(KINDS)
    units = {"duration": "weeks", "rate": "per week"}
    for name, kind in KINDS.items():
        par = Par("x", name, ("a", "b"), label="A test parameter")
        try:
            value = convert(par, {"value": 1, "unit": units.get(name, ""), "assumption": "a test"})
        except ValueError:
            value = None
        is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        assert (name in DEFAULT_RANGES) == is_number, name
        if is_number:
            low, high = DEFAULT_RANGES[name]
            assert par.bounds == (low, high) and kind.default_range == (low, high)
            with pytest.raises(ValueError, match="at most|must lie in"):
                convert(par, {"value": int(high) + 1, "unit": units.get(name, ""), "assumption": "a test"})


def test_a_misspelt_or_shared_stream_is_an_error(sim, small_params):
    policing = sim.modules["policing"]
    policing.streams["detect"].uniform(0, np.arange(3))  # declared: fine
    with pytest.raises(UndeclaredError, match="module 'policing' draws from random stream 'detetc'"):
        policing.streams["detetc"]
    with pytest.raises(UndeclaredError, match="random stream 'detect' is declared by both 'policing' and 'copycat'"):
        type("Copycat", (Module,), {"name": "copycat", "STREAMS": ("detect",)})(sim)


def test_handoffs_are_declared_and_provided_in_order(sim, small_params):
    with pytest.raises(UndeclaredError, match="module 'courts' takes Offenders without declaring it in NEEDS"):
        sim.modules["courts"].today.get(Offenders)
    with pytest.raises(UndeclaredError, match="module 'courts' hands over Arrested without declaring it in PROVIDES"):
        sim.modules["courts"].today.put(Arrested(np.arange(2)))
    with pytest.raises(ValueError, match="Offenders.offences: 1 entries for 2 people"):
        Offenders(np.arange(2), np.ones(1), np.zeros(2, np.int8), 0)
    swapped = list(engine.STEP_ORDER)
    i, j = swapped.index(Offending), swapped.index(Policing)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    with pytest.raises(UndeclaredError, match="module 'policing' needs \\['Offenders'\\], which no module before it"):
        Simulation(small_params.with_overrides(TINY_RUN), swapped)


def test_seams_and_effects_are_declared(sim, small_params):
    assert sim.modules["policing"].uses(Liberty) is sim.modules["supervision"]
    with pytest.raises(UndeclaredError, match="module 'custody' calls seam RiskAssessment without declaring it"):
        sim.modules["custody"].uses(RiskAssessment)
    without_supervision = [m for m in engine.STEP_ORDER if m.name != "supervision"]
    with pytest.raises(UndeclaredError, match="uses seam Liberty, which no module implements"):
        Simulation(small_params.with_overrides(TINY_RUN), without_supervision)
    with pytest.raises(UndeclaredError, match="module 'policing' sets effect 'detection' without declaring it"):
        sim.modules["policing"].effects.set(effects.DETECTION, np.arange(1), 2.0)
    with pytest.raises(UndeclaredError, match="module 'courts' applies effect 'offending_hazard'"):
        sim.modules["courts"].effects.values(effects.OFFENDING_HAZARD)


def test_a_result_needs_a_unit(sim):
    with pytest.raises(TypeError, match="must be declared as a Result"):
        sim.results.declare("untyped", ())
    assert flow(label="Arrests").attrs == {"units": EVENTS_PER_WEEK, "kind": "flow", "long_name": "Arrests"}


@pytest.fixture(scope="module")
def package_run(tmp_path_factory):
    params = engine.load(library_file("justice_reinvestment.yaml"), {
        "run.scale": 0.01, "run.horizon_years": 2, "run.warmup_years": 1,
        "services.radar_key_worker.cost_per_place_week": PENCE_COST})
    path = tmp_path_factory.mktemp("units") / "run.nc"
    engine.run(params).to_netcdf(path)
    return xr.open_dataset(path)


PENCE_COST = 61.37  # a cost per place-week in pounds and pence

STOCKS = ("population", "prison_population", "probation_caseload", "service_waiting", "service_in_places")
FLOWS = ("offending_events", "arrests", "no_further_action", "cautions", "charges", "remands", "court_cases",
         "convictions", "acquittals", "sentences", "prison_receptions", "releases", "recalls", "recall_releases",
         "breaches", "completions", "service_referrals", "service_starts", "service_completions",
         "service_dropouts", "service_declined", "service_lost", "service_starts_by_risk")


def test_every_variable_of_a_run_has_its_unit_in_the_netcdf(package_run):
    ds = package_run
    assert all("units" in ds[v].attrs and "kind" in ds[v].attrs for v in ds.data_vars), \
        [v for v in ds.data_vars if "units" not in ds[v].attrs]
    for name in STOCKS:
        assert ds[name].attrs["units"] == PEOPLE_END_OF_WEEK and ds[name].attrs["kind"] == "stock", name
    for name in FLOWS:
        assert ds[name].attrs["units"] == EVENTS_PER_WEEK and ds[name].attrs["kind"] == "flow", name
        assert np.issubdtype(ds[name].dtype, np.integer), name
    assert ds["offences"].attrs["units"] == "offences per week"
    assert ds["entries"].attrs["units"] == ds["exits"].attrs["units"] == ds["transitions"].attrs["units"] == \
        "people per week"
    assert ds["cohort_size"].attrs["units"] == "people" and ds["reoffences"].attrs["units"] == "proven offences"


def test_money_is_pounds_as_floats_never_rounded(package_run):
    spend = package_run["service_spend"]
    assert spend.attrs["units"] == GBP_PER_WEEK and spend.attrs["kind"] == "money"
    assert np.issubdtype(spend.dtype, np.floating)
    radar = package_run.sel(service="radar_key_worker")
    assert int(radar["service_in_places"].sum()) > 0
    # each week: places in use times the cost of a place-week, to the penny
    assert np.allclose(radar["service_spend"], radar["service_in_places"] * PENCE_COST, rtol=1e-12, atol=0)
    assert (radar["service_spend"].values % 1 != 0).any(), "weekly spend is rounded to whole pounds"
