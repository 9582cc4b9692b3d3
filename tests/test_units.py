"""Every file `compare`, `batch`, `sensitivity` and `calibrate` write says the unit of everything in it,
and the unit fits the variable's kind: money in GBP at the cost file's price year, present values said
to be present values, ratios 'ratio', years 'year', shares '1', demand in its activity's own unit a year,
and nothing 'per week' that is not weekly (a present value once inherited 'GBP per week' from the run).

The commands run for real, tiny (scale 0.002-0.003, one or two output years, one replicate, one worker,
the smallest fit and screening) and a tiny `jrsim run`: about 90 s of CPU in all, most of it the
screening's runs; each command on the worker its own tests go to.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import xarray as xr

from jrsim.economics.costs import load_costs
from jrsim.outputs.units import plural, with_units

# Each command's files are written once, on the one worker its tests go to (the batch draws from the
# calibration's accepted sets: they go together); the commands' groups run side by side.
GROUP = {"compare": "units_compare", "contracts": "units_contracts", "batch": "units_batch",
         "calibrate": "units_batch", "sensitivity": "units_sensitivity"}

SMALL = {"run.scale": 0.002, "run.horizon_years": 2, "run.warmup_years": 1}
SETTINGS = "{" + ", ".join(f"{k}: {v}" for k, v in SMALL.items()) + "}"
TARGETS = """targets:
  arrests_per_year: {value: 1000000, tolerance: 900000, kind: count, source: "the test", year: 2012,
                      definition: "arrests a year, wide enough that sets are accepted"}
calibrate:
  scenario: baseline
  settings: {run.scale: 0.002, run.horizon_years: 1, run.warmup_years: 1, run.seed: 3}
  free:
    policing.detection_probability: {low: 0.15, high: 0.25, reason: "the test fits it"}
"""
EXPERIMENT = f"""name: units
counterfactual: baseline
scenarios: [justice_reinvestment]
replicates: 1
draws: 2
seed: 5
weekly: true
set: {SETTINGS}
uncertainty:
  services.radar_key_worker.effect: {{distribution: normal, sd: 0.05}}
  costs.activities.prison_place_week.cost: {{distribution: uniform, low: 600, high: 800}}
"""
SENSITIVITY = f"""name: units_sens
counterfactual: baseline
scenarios: [justice_reinvestment]
seed: 5
set: {SETTINGS.replace("run.horizon_years: 2", "run.horizon_years: 1")}
sensitivity:
  method: morris
  samples: 2
  noise_replicates: 2
  output: pv_savings_fiscal[agency=prisons]
  parameters:
    services.radar_key_worker.effect: [0.1, 0.5]
    services.family_support.effect: [0.0, 0.4]
"""


def jrsim(*args: str) -> None:
    result = subprocess.run([sys.executable, "-m", "jrsim", *args], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


class Written:
    """Each command's output folder, the command run the first time a test asks for it."""

    def __init__(self, tmp: Path):
        self.tmp, self.done = tmp, set()

    def __getitem__(self, name: str) -> Path:
        if name not in self.done:
            getattr(self, f"_{name}")(self.tmp / name)
            self.done.add(name)
        return self.tmp / name

    def _calibrate(self, out: Path) -> None:
        (self.tmp / "targets.yaml").write_text(TARGETS)
        jrsim("calibrate", str(self.tmp / "targets.yaml"), "--out", str(out), "--generations", "1",
              "--popsize", "1", "--workers", "1")

    def _batch(self, out: Path) -> None:
        accepted = self["calibrate"] / "targets_accepted.nc"
        (self.tmp / "units.yaml").write_text(EXPERIMENT + f"calibration: {accepted}\n")
        jrsim("batch", str(self.tmp / "units.yaml"), "--out", str(out), "--workers", "1")

    def _sensitivity(self, out: Path) -> None:
        (self.tmp / "units_sens.yaml").write_text(SENSITIVITY)
        jrsim("sensitivity", str(self.tmp / "units_sens.yaml"), "--out", str(out), "--workers", "1")

    def _compare(self, out: Path) -> None:
        jrsim("compare", "baseline", "justice_reinvestment", "--replicates", "1", "--scale", "0.003", "--years", "2",
              "--set", "run.warmup_years=1", "--workers", "1", "--out", str(out))

    def _contracts(self, out: Path) -> None:
        # a contract paying a provider outside the public sector: transfers, payments, the provider's multiple
        # and IRR (its five output years are the contracts' payment dates; half of Lewisham and one warm-up
        # year suffice)
        jrsim("compare", "lewisham_baseline", "lewisham_through_the_gate", "--replicates", "1", "--workers", "1",
              "--scale", "0.5", "--set", "run.warmup_years=1", "--out", str(out))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Written:
    return Written(tmp_path_factory.mktemp("units"))


def datasets(folder: Path) -> dict[str, xr.Dataset]:
    """Every NetCDF and Zarr store a command wrote, opened."""
    found = {p.name: xr.open_dataset(p) for p in sorted(folder.glob("*.nc"))}
    found.update({p.name: xr.open_zarr(p) for p in sorted(folder.glob("*.zarr"))})
    return found


GBP = r"GBP \(2012 prices\)"
PV = GBP + r", present value at 3\.5%"
FULL_SIZE = r"{} \(full size: the run's counts divided by run\.scale\)"  # people or offences, national
# What a variable's unit must be, by its kind (read from its name, base name without _mean/_p05/_p95/_se).
KINDS = [
    (r"^weekly_spend_", GBP + " per week"),
    (r"^(pv_|npv_|matrix$)", PV),
    (r"^(roi|roi_total|outside_multiple|variance_ratio)$", "ratio"),
    (r"^payback_year", "year"),
    (r"^(savings_|investment$|net_fiscal_benefit|transfer|spend_|payments_by_contract$)", GBP + " per year"),
    (r"^demand_(baseline|scenario)$", r"activity_unit per year .*"),
    (r"^demand_change$", r"activity_unit .*"),
    (r"^(p_|S1|ST|discount_factor$|loss$|weight$|best_loss$|median_loss$|parameter_spread$)", "1"),
    (r"^(done|accepted)$", r"1 \(true\) or 0 \(false\)"),
    (r"^(mu_star|mu_star_conf|mu|sigma|sd_paired|sd_unpaired)$", PV),  # the output: pv_savings_fiscal[...]
    (r"^(value|draw_value|calibrated_value)$", r"parameter_unit .*"),
    (r"^(simulated|published|tolerance)$", r"target_unit .*"),
    (r"^year$", "year"),
    (r"^unit_cost$", GBP + r" per unit of the activity .*"),  # the cost file as a comparison carries it
    (r"^cost_share_", "1"),
    (r"^step_size$", r"activity_unit .*"),
    (r"^step_weeks$", "weeks"),
    (r"^contract_paid$", GBP),
    (r"^(contract_observed|contract_reference)$", r"measure_unit .*"),
    (r"^(provider_income|provider_costs|provider_reserves|provider_decisions)$", r"GBP \(the provider's price year\).*"),
    (r"^band_(cohort_size|reoffenders)_(baseline|scenario)$", FULL_SIZE.format("people")),  # counts by risk band
    (r"^band_reoffences_(baseline|scenario)$", FULL_SIZE.format("proven offences")),
]
# Every unit written is one of these forms.
VOCABULARY = [GBP + "( per year| per week| per unit of the activity .*)?", PV, "ratio", "year", "weeks", "1",
              "1 per year", "runs",
              r"1 \(true\) or 0 \(false\)", r"activity_unit .*", r"parameter_unit .*", r"target_unit .*",
              # carried from the runs: contracts' results (each measure's unit), providers and cohorts by band
              r"measure_unit .*", r"people \(full size\).*", r"multiple of need effort .*", r"contacts in .*",
              r"GBP \(the provider's price year\), at full size", r"proven re-offences \(full size\)",
              FULL_SIZE.format("(people|proven offences)")]
# numbers that name, not measure: no unit
LABELS = ("replicate", "draw", "evaluation", "set", "step", "review", "provider_decision")


def base_name(name: str) -> str:
    return re.sub(r"_(mean|p05|p95|se)$", "", name)


def problems(name: str, ds: xr.Dataset) -> list[str]:
    """What is wrong with the units of one file, one line per variable."""
    found = []
    numeric = [c for c in ds.coords if ds[c].dtype.kind in "iuf" and c not in LABELS]
    for var in [*ds.data_vars, *numeric]:
        unit = str(ds[var].attrs.get("units", ""))
        if not unit:
            found.append(f"{name}: {var}: no unit")
            continue
        if not any(re.fullmatch(form, unit) for form in VOCABULARY):
            found.append(f"{name}: {var}: {unit!r} is not a unit of the vocabulary")
        if "per week" in unit and not str(var).startswith("weekly_"):
            found.append(f"{name}: {var}: {unit!r} is weekly, the variable is not")
        for pattern, expected in KINDS:
            if re.search(pattern, base_name(str(var))):
                if not re.fullmatch(expected, unit):
                    found.append(f"{name}: {var}: {unit!r}, expected {expected!r}")
                break
    for label in LABELS:
        if label in ds.coords and not ds[label].attrs.get("long_name"):
            found.append(f"{name}: coordinate {label}: no long_name saying what it numbers")
    return found


@pytest.mark.parametrize("command", [pytest.param(c, marks=pytest.mark.xdist_group(g)) for c, g in GROUP.items()])
def test_every_variable_written_has_the_unit_of_its_kind(written, command):
    files = datasets(written[command])
    assert files, f"{command} wrote no NetCDF or Zarr in {written[command]}"
    if command == "contracts":  # the contract outputs are there to be checked
        held = set().union(*(ds.data_vars for ds in files.values()))
        assert {"transfer_flows", "payments_by_contract", "transfers_outside", "outside_irr", "outside_multiple"} <= held
    found = [line for name, ds in files.items() for line in problems(name, ds)]
    assert not found, "\n".join(found)


@pytest.mark.xdist_group(GROUP["batch"])
def test_demand_is_in_each_activitys_own_unit_a_year(written):
    book = load_costs()
    store = xr.open_zarr(written["batch"] / "units.zarr")
    own = {a.name: plural(a.unit) for a in book.activities}
    assert [str(u) for u in store["activity_unit"].values] == [own[str(a)] for a in store["activity"].values]
    assert "place-weeks" in own.values() and "arrests" in own.values()


@pytest.mark.xdist_group(GROUP["batch"])
def test_parameters_and_targets_say_their_own_units(written):
    evaluations = xr.open_dataset(written["calibrate"] / "targets_evaluations.nc")
    assert [str(u) for u in evaluations["parameter_unit"].values] == ["probability per offending event"]
    assert [str(u) for u in evaluations["target_unit"].values] == ["arrests per year (national)"]
    store = xr.open_zarr(written["batch"] / "units.zarr")
    units = dict(zip(map(str, store["parameter"].values), map(str, store["parameter_unit"].values)))
    assert units == {"services.radar_key_worker.effect": "relative reduction",
                     "costs.activities.prison_place_week.cost": f"GBP ({prison_price_year()} prices) per place-week"}


def prison_price_year() -> int:
    return load_costs().raw["activities"]["prison_place_week"]["price_year"]


def test_the_check_catches_an_inherited_weekly_unit_and_a_missing_one():
    """The test's own check, on a file as the comparison was written before units were declared."""
    bad = xr.Dataset({"pv_investment": ("agency", [1.0], {"units": "GBP per week (price year of the service catalogue)"}),
                      "roi": ("agency", [1.0]), "year": ("year", [2012])})
    found = "\n".join(problems("old.nc", bad))
    assert "pv_investment: 'GBP per week" in found and "is weekly" in found and "roi: no unit" in found
    assert "year: no unit" in found


def test_an_unlabelled_variable_is_named_and_inherited_units_are_dropped():
    class Book:
        base_price_year, discount_rate, activities = 2012, 0.035, []

    ds = xr.Dataset({"pv_investment": ((), 1.0, {"units": "GBP per week", "kind": "money", "note": "kept"}),
                     "paid_back_by_flux": ((), 0.5), "checksum_of_run": ((), 0.0)})
    with pytest.raises(ValueError, match=r"no unit declared for \['checksum_of_run', 'paid_back_by_flux'\]"):
        with_units(ds, Book())
    out = with_units(ds[["pv_investment"]], Book())
    assert out["pv_investment"].attrs["units"] == "GBP (2012 prices), present value at 3.5%"
    assert "kind" not in out["pv_investment"].attrs and out["pv_investment"].attrs["note"] == "kept"


def test_a_runs_variables_and_year_coordinates_say_their_units(tmp_path):
    jrsim("run", "radar", "--scale", "0.002", "--years", "1", "--set", "run.warmup_years=1", "--out", str(tmp_path))
    ds = xr.open_dataset(tmp_path / "radar.nc")
    unlabelled = [v for v in [*ds.data_vars, *(c for c in ds.coords if str(c).endswith("year"))]
                  if not ds[v].attrs.get("units")]
    assert not unlabelled and "cohort_year" in ds.coords and "price_year" in ds.coords, unlabelled


@pytest.mark.xdist_group(GROUP["batch"])
def test_each_key_is_written_with_its_label(written):
    """Beside each key a researcher writes, the label an analyst reads, in the files themselves (so a
    report made from them alone has it): parameters, targets, priced activities (below); and the
    sensitivity page shows each parameter by its label with its key (further below)."""
    evaluations = xr.open_dataset(written["calibrate"] / "targets_evaluations.nc")
    assert [str(v) for v in evaluations["parameter_label"].values] == ["Share of offending events detected"]
    assert [str(v) for v in evaluations["target_label"].values] == ["Arrests a year"]
    store = xr.open_zarr(written["batch"] / "units.zarr")
    labels = dict(zip(map(str, store["parameter"].values), map(str, store["parameter_label"].values)))
    assert labels == {"services.radar_key_worker.effect": "Radar key worker: cut in reoffending on completion",
                      "costs.activities.prison_place_week.cost": "Unit cost: Prison place (sentenced or recalled)"}


@pytest.mark.xdist_group(GROUP["compare"])
def test_each_priced_activity_is_written_with_its_label(written):
    cmp = xr.open_dataset(next(written["compare"].glob("*.nc")))
    activities = dict(zip(map(str, cmp["activity"].values), map(str, cmp["activity_label"].values)))
    assert activities["prison_place_week"] == "Prison place (sentenced or recalled)"


@pytest.mark.xdist_group(GROUP["sensitivity"])
def test_the_sensitivity_page_shows_each_parameter_by_its_label_with_its_key(written):
    page = next(written["sensitivity"].glob("*.html")).read_text(encoding="utf-8")
    assert "Family support: cut in reoffending on completion<br><small><code>services.family_support.effect" in page
