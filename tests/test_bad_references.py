"""Names and references are checked at load: each bad one is refused in one line naming the file and the
key as the user wrote it (contracts' parties, services and dates, a derived file's contract names,
geography names across levels, output selections, experiments' parameters, dated values, published
targets); and the shipped library passes every check."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from jrsim import engine
from jrsim.calibration.targets import TARGETS_FILE, load_targets
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import AGENCIES, FUNDERS
from jrsim.economics.costs import default_costs, load_costs
from jrsim.experiments.experiment import load_experiment, shipped_experiments
from jrsim.experiments.sensitivity import load_sensitivity
from jrsim.parameters.geography import load_geography
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
EXPERIMENTS = ROOT / "experiments"
GEOGRAPHY = SCENARIOS / "geography.yaml"
TINY = "{run.scale: 0.003, run.horizon_years: 2, run.warmup_years: 1}"


def one_line(call, *args) -> str:
    with pytest.raises(ScenarioError) as err:
        call(*args)
    message = str(err.value)
    assert "\n" not in message, f"more than one line: {message!r}"
    return message


def derived(tmp_path: Path, base: str, lines: str, starts: str | None = "2012-01-01", name: str = "bad") -> Path:
    """A policy on a shipped scenario changing ``lines`` (YAML lines under set:)."""
    path = tmp_path / f"{name}.yaml"
    head = f"name: {name}\nbase: {SCENARIOS / f'{base}.yaml'}\n" + (f"starts: {starts}\n" if starts else "")
    path.write_text(head + "set:\n" + "".join(f"  {line}\n" for line in lines.splitlines()))
    return path


def refused_scenario(path: Path, key: str, *phrases: str) -> str:
    line = one_line(engine.load, path)
    assert f"{path}" in line and f"'{key}'" in line, line
    for phrase in phrases:
        assert phrase in line, line
    return line


# ---------------------------------------------------------------- contracts' parties
PROVIDER = "parties.penrose.kind: {value: provider, unit: party, assumption: a named provider}"


@pytest.mark.parametrize("base, lines, key, phrases", [
    ("social_impact_bond", "contracts.sib.payee: prisions", "contracts.sib.payee",
     ("neither an agency", "did you mean 'prisons'")),
    ("social_impact_bond", "contracts.sib.payee: penrose", "contracts.sib.payee",
     ("neither an agency", "parties.penrose.kind", "declares ['investors']")),  # a provider not declared
    ("lewisham_through_the_gate", "contracts.results.payee: providr", "contracts.results.payee",
     ("did you mean 'provider'",)),
    ("local_justice_reinvestment", "contracts.ljr.payee: local_authorty", "contracts.ljr.payee",
     ("did you mean 'local_authority'",)),
    ("social_impact_bond", "contracts.sib.payer: prisions", "contracts.sib.payer", ("did you mean 'prisons'",)),
    ("pooled_budget", "contracts.pool.partners: {polise: 0.3}", "contracts.pool.partners", ("did you mean 'police'",)),
    ("social_impact_bond", "parties.investors.kind: bank", "parties.investors.kind", ("expected one of",)),
    ("social_impact_bond", "parties.police.kind: {value: provider, unit: party, assumption: a mistake}",
     "parties.police.kind", ("is an agency of the public sector",)),
])
def test_a_party_that_is_not_an_agency_or_declared_is_refused(tmp_path, base, lines, key, phrases):
    refused_scenario(derived(tmp_path, base, lines), key, *phrases)


def test_a_declared_provider_may_be_paid(tmp_path):
    params = engine.load(derived(tmp_path, "social_impact_bond", f"{PROVIDER}\ncontracts.sib.payee: penrose"))
    assert params.changes and any(c.key == "contracts.sib.payee" and c.value == "penrose" for c in params.changes)


@pytest.mark.parametrize("base, lines, key", [
    ("social_impact_bond", "contracts.sib.payee: probation", "contracts.sib.payee"),
    ("local_justice_reinvestment", "contracts.ljr.payer: local_authority", "contracts.ljr.payee"),
])
def test_a_contract_paying_its_own_payer_is_refused(tmp_path, base, lines, key):
    # the payee's file or the payer's: the line names both keys and the file the user changed
    refused_scenario(derived(tmp_path, base, lines), key, "is the payer", f"'{key.replace('payee', 'payer')}'")


# ---------------------------------------------------------------- services and dates a contract names
@pytest.mark.parametrize("service, key", [
    ("through_the_gate", "contracts.fee.fee_service"),
    ("drug_treatment_community", "contracts.results.gateway_service"),
])
def test_a_contract_on_a_service_not_open_in_its_areas_is_refused(tmp_path, service, key):
    # two areas in the run; the service open only in the one the contracts do not cover
    lines = (f"run.areas: {{value: [lewisham, southwark], unit: area names, assumption: two boroughs}}\n"
             f"services.{service}.areas: [southwark]")
    refused_scenario(derived(tmp_path, "lewisham_through_the_gate", lines, starts=None), key,
                     f"'{service}' is open only in ['southwark']", f"'services.{service}.areas'",
                     "none of the contract's areas")


def _late_bond(tmp_path: Path, starts: str) -> Path:
    """The shipped bond, let on ``starts`` instead of its own date (its first cohort stays 2012)."""
    text = (SCENARIOS / "social_impact_bond.yaml").read_text()
    text = text.replace("base: peterborough_baseline.yaml", f"base: {SCENARIOS / 'peterborough_baseline.yaml'}")
    path = tmp_path / "late.yaml"
    path.write_text(text.replace("starts: 2012-01-01", f"starts: {starts}"))
    return path


@pytest.mark.parametrize("starts", ["2013-01-01", "2014-06-01"])
def test_a_contract_let_after_its_first_cohort_year_is_refused(tmp_path, starts):
    refused_scenario(_late_bond(tmp_path, starts), "contracts.sib.first_year", f"brought in on {starts}",
                     "after its first year (2012)")


def test_a_contract_let_during_its_first_cohort_year_loads(tmp_path):
    assert engine.load(_late_bond(tmp_path, "2012-12-20")).changes


@pytest.mark.parametrize("bad, key", [
    (lambda tmp: _late_bond(tmp, "2013-03-01"), "contracts.sib.first_year"),
    (lambda tmp: derived(tmp, "social_impact_bond", "contracts.sib.payee: prisions"), "contracts.sib.payee"),
])
def test_the_command_refuses_a_bad_reference_in_one_line(tmp_path, bad, key):
    path = bad(tmp_path)
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", str(path), "--out", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2, res.stdout + res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert str(path) in lines[0] and f"'{key}'" in lines[0], lines[0]
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # refused before any run


@pytest.mark.parametrize("base, lines, key", [
    ("lewisham_through_the_gate", "contracts.fee.kind: payment_by_results", "contracts.fee.kind"),
    ("social_impact_bond", "contracts.sib.kind: {value: payment_by_results}", "contracts.sib.kind"),
    ("pooled_budget", "contracts.pool.kind: {values: {2013-01-01: justice_reinvestment}}", "contracts.pool.kind"),
])
def test_a_derived_file_reusing_a_contracts_name_with_another_kind_is_refused(tmp_path, base, lines, key):
    refused_scenario(derived(tmp_path, base, lines), key, "give the new one another name")


def test_a_derived_file_may_change_an_inherited_contracts_terms(tmp_path):
    params = engine.load(derived(tmp_path, "lewisham_through_the_gate",
                                 "contracts.fee.kind: fee_for_service\ncontracts.fee.fee_per_unit: 90"))
    assert any(c.key == "contracts.fee.fee_per_unit" and c.value == 90 for c in params.changes)


# ---------------------------------------------------------------- dated values
def _dated(tmp_path: Path, days_apart: int) -> Path:
    """Two values of one service's capacity, the first on a model week's first day (weeks run from the
    first output year's 1 January)."""
    first = date(engine.load(SCENARIOS / "baseline.yaml")["run.start_year"], 1, 1) + timedelta(weeks=60)
    second = first + timedelta(days=days_apart)
    lines = f"services.radar_key_worker.capacity: {{values: {{{first}: 100, {second}: 200}}, unit: places}}"
    return derived(tmp_path, "baseline", lines, starts=None)


@pytest.mark.parametrize("days_apart", [0, 1, 6])
def test_two_dated_values_in_one_model_week_are_refused(tmp_path, days_apart):
    if days_apart == 0:  # YAML refuses the same date twice, as any duplicate key
        with pytest.raises(ScenarioError, match="given twice|duplicate"):
            engine.load(_dated(tmp_path, days_apart))
        return
    refused_scenario(_dated(tmp_path, days_apart), "services.radar_key_worker.capacity", "fall in the same model week")


def test_dated_values_a_week_apart_load(tmp_path):
    assert len(engine.load(_dated(tmp_path, 7)).changes) == 2


# ---------------------------------------------------------------- geography
def _geography(tmp_path: Path, change) -> Path:
    doc = yaml.safe_load(GEOGRAPHY.read_text())
    change(doc)
    path = tmp_path / "geography.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def _rename_local(doc: dict, old: str, new: str) -> None:
    doc["local_areas"] = {(new if k == old else k): v for k, v in doc["local_areas"].items()}


def _rename_pfa(doc: dict, old: str, new: str) -> None:
    doc["police_force_areas"] = {(new if k == old else k): v for k, v in doc["police_force_areas"].items()}
    for a in doc["local_areas"].values():
        a["pfa"] = new if a["pfa"] == old else a["pfa"]


@pytest.mark.parametrize("change, key", [
    (lambda d: _rename_local(d, "lewisham", "kent"), "local_areas.kent"),  # a local area named like a force
    (lambda d: _rename_local(d, "lewisham", "london"), "local_areas.london"),  # ... like a package area
    (lambda d: _rename_local(d, "lewisham", "england_and_wales"), "local_areas.england_and_wales"),
    (lambda d: _rename_pfa(d, "kent", "london"), "police_force_areas.london"),  # a force named like a package area
])
def test_a_geography_name_used_at_two_levels_for_two_places_is_refused(tmp_path, change, key):
    path = _geography(tmp_path, change)
    line = one_line(load_geography, path)
    assert str(path) in line and f"'{key}'" in line and "must mean one place" in line, line


# ---------------------------------------------------------------- experiments
def _sensitivity(tmp_path: Path, output: str = "pv_net_fiscal_benefit[agency=prisons]", extra: str = "",
                 ranges: str = "") -> Path:
    """The shipped flagship screening at a tiny scale, with some of its keys changed."""
    doc = yaml.safe_load((EXPERIMENTS / "flagship_sensitivity.yaml").read_text())
    doc["set"] = yaml.safe_load(TINY)
    doc["sensitivity"]["output"] = output
    doc["sensitivity"]["parameters"].update(yaml.safe_load(ranges) or {})
    doc.update(yaml.safe_load(extra) or {})
    path = tmp_path / "sens.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def refused_sensitivity(path: Path, key: str, *phrases: str) -> str:
    line = one_line(lambda: load_sensitivity(load_experiment(path)))
    assert str(path) in line and f"'{key}'" in line, line
    for phrase in phrases:
        assert phrase in line, line
    return line


@pytest.mark.parametrize("output", ["pv_net_fiscal_benefit[agency=prisons, agency=police]",
                                    "savings_cashable[agency=prisons, year=2012, year=2013]",
                                    "savings_cashable[agency=police,agency=police]"])
def test_an_output_naming_one_dimension_twice_is_refused(tmp_path, output):
    refused_sensitivity(_sensitivity(tmp_path, output), "sensitivity.output", "twice")


@pytest.mark.parametrize("extra, phrase", [
    ("uncertainty: {offending.rate_multiplier: {distribution: uniform, low: 3.95, high: 4.1}}",
     "also under 'uncertainty:'"),
    (f"calibration: {ROOT / 'calibration' / 'baseline_accepted.nc'}", "also under calibration:"),
])
def test_a_parameter_both_drawn_and_screened_is_refused(tmp_path, extra, phrase):
    refused_sensitivity(_sensitivity(tmp_path, extra=extra), "sensitivity.parameters.offending.rate_multiplier",
                        phrase)


# ---------------------------------------------------------------- messages name the key the user wrote
@pytest.mark.parametrize("ranges, phrase", [
    ("{services.radar_key_worker.effect: [0.3, 5.0]}", "would leave the range"),
    ("{services.radar_key_worker.effect: [0.8, 0.3]}", "must be below high"),
    ("{services.radar_key_worker.effect: [low, 0.3]}", "expected a number"),
])
def test_a_bad_sensitivity_range_names_its_own_key(tmp_path, ranges, phrase):
    line = refused_sensitivity(_sensitivity(tmp_path, ranges=ranges),
                               "sensitivity.parameters.services.radar_key_worker.effect", phrase)
    assert "uncertainty." not in line, line


def test_a_bad_output_label_names_the_output_key(tmp_path):
    line = refused_sensitivity(_sensitivity(tmp_path, "pv_net_fiscal_benefit[agency=prisions]"), "sensitivity.output",
                               "did you mean 'prisons'")
    assert "sensitivity.output.agency" not in line, line


def test_a_bad_calibration_setting_names_calibrate_settings(tmp_path):
    doc = yaml.safe_load(TARGETS_FILE.read_text())
    doc["calibrate"]["settings"]["run.scale"] = 0
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    line = one_line(load_targets, path)
    assert str(path) in line and "'calibrate.settings'" in line and "'run.scale'" in line, line
    assert "'set'" not in line, line


def test_a_bad_experiment_setting_names_set(tmp_path):
    path = _sensitivity(tmp_path, extra="set: {run.horizon_years: 0}")
    line = one_line(load_experiment, path)
    assert str(path) in line and "'set'" in line and "'run.horizon_years'" in line, line


# ---------------------------------------------------------------- published targets
@pytest.mark.parametrize("spec, key", [
    ({"value": -86000, "tolerance": 8000}, "targets.prison_population.value"),
    ({"interval": [-1000, 90000]}, "targets.prison_population.interval"),
])
def test_a_negative_count_target_is_refused(tmp_path, spec, key):
    doc = yaml.safe_load(TARGETS_FILE.read_text())
    target = {k: v for k, v in doc["targets"]["prison_population"].items() if k not in ("value", "tolerance")}
    doc["targets"]["prison_population"] = {**target, **spec}
    path = tmp_path / "targets.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    line = one_line(load_targets, path)
    assert str(path) in line and f"'{key}'" in line and "a count cannot be negative" in line, line


# ---------------------------------------------------------------- the shipped library passes
@pytest.mark.parametrize("path", sorted(p for p in SCENARIOS.glob("*.yaml") if p.stem not in ("geography", "unit_costs")),
                         ids=lambda p: p.stem)
def test_every_shipped_scenario_passes_the_reference_checks(path):
    params = engine.load(path)
    assert params.files[-1] == str(path.resolve())


def test_every_shipped_experiment_targets_and_geography_pass():
    for name in shipped_experiments():
        exp = load_experiment(EXPERIMENTS / f"{name}.yaml")
        if exp.sensitivity:
            assert load_sensitivity(exp).names
    assert load_targets(TARGETS_FILE).targets
    assert len(load_geography(GEOGRAPHY).local_areas) > 1


def test_the_agencies_a_contract_may_name_are_the_cost_files():
    """The model's list of agencies (what a contract's payer, payee and partners are checked against at
    load, before any cost file is read) is the shipped cost file's."""
    assert tuple(load_costs(default_costs()).agencies) == AGENCIES
    assert set(FUNDERS) < set(AGENCIES)
