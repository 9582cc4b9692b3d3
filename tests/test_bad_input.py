"""Every bad input is refused with one line naming the file (or option) and the key, never a traceback.

Cases by class: scenario files (non-finite and absurd numbers, exponent-form numbers, keys inside a
leaf, duplicate keys, YAML that explodes, files that are not text), the unit-cost file, --set and
the command-line options. Each expects a phrase of its message; all are checked to be one line.
"""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jrsim import engine
from jrsim.cli import app
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.parameters.files import MAX_FILE_BYTES
from jrsim.parameters.scenario import parse_override
from tests.conftest import BASELINE, ROOT, cost_file

SVC = "services.radar_key_worker"


def derived(tmp_path: Path, changes: str, name: str = "bad.yaml") -> Path:
    """A scenario that inherits the baseline and changes ``changes`` (YAML lines under set:)."""
    path = tmp_path / name
    path.write_text(f"name: bad\nbase: {BASELINE}\nset:\n" + "".join(f"  {line}\n" for line in changes.splitlines()))
    return path


def refused(path: Path, overrides=None) -> str:
    with pytest.raises(ScenarioError) as err:
        engine.load(path, overrides)
    message = str(err.value)
    assert "\n" not in message, f"more than one line: {message!r}"
    return message


# (id, lines under set:, phrase of the message)
SET_CASES = [
    ("duration-nan", "courts.weeks_to_disposal.crown: .nan", "expected a finite number"),
    ("duration-inf", "courts.weeks_to_disposal.crown: .inf", "expected a finite number"),
    ("capacity-nan", f"{SVC}.capacity: .nan", "expected a finite number"),
    ("count-inf", "population.initial_active: .inf", "expected a finite number"),
    ("scale-zero", "run.scale: 0", "'run.scale': must be at least 0.0001"),
    ("scale-tiny", "run.scale: 1.0e-9", "'run.scale': must be at least 0.0001"),
    ("scale-nan", "run.scale: .nan", "expected a finite number"),
    ("scale-inf", "run.scale: .inf", "expected a finite number"),
    ("scale-too-few-people", "run.scale: 0.0001", "a run needs at least 500"),
    ("scale-beyond-memory", "run.scale: 100", "the largest scale it can run is about"),
    ("horizon-zero", "run.horizon_years: 0", "'run.horizon_years': must be at least 1"),
    ("horizon-1000", "run.horizon_years: 1000", "'run.horizon_years': must be at most 60"),
    ("warmup-100", "run.warmup_years: 100", "must be at most 30"),
    ("start-year-3000", "run.start_year: 3000", "must be at most 2100"),
    ("seed-2-70", f"run.seed: {2**70}", "'run.seed': must be at most"),
    ("seed-negative", "run.seed: -1", "expected a whole number >= 0"),
    ("horizon-fraction", "run.horizon_years: 2.5", "expected a whole number >= 0"),
    ("service-duration-zero", f"{SVC}.duration: 0", "'services.radar_key_worker.duration': must be at least 1"),
    ("service-duration-days", f"{SVC}.duration: {{value: 2, unit: days}}", "must be at least 1"),
    ("exponent-too-big", f"{SVC}.capacity: 1.0e12", "must be at most 1e+08, got 1000000000000.0"),
    ("leaf-misspelt-unit", "courts.weeks_to_disposal.crown: {value: 5, unti: months}",
     "'courts.weeks_to_disposal.crown.unti': unknown key (did you mean 'unit'?)"),
    ("probability-1.5", "courts.crown_share: 1.5", "a probability must lie in [0, 1]"),
    ("shares-not-1", "sentencing.crown_custody_bands: {under_12m: 0.9}", "shares must sum to 1"),
    ("share-nan", "sentencing.crown_custody_bands: {under_12m: .nan}", "expected a finite number"),
    ("map-inf", f"{SVC}.dropout_reduction_if_met: {{accommodation: .inf}}", "expected a finite number"),
    ("negative-duration", "courts.weeks_to_disposal.crown: -3", "a duration cannot be negative"),
    ("rate-bad-unit", "supervision.licence_breach_rate: {value: 0.2, unit: fortnightly}", "needs a unit in"),
    ("rate-too-high", "supervision.licence_breach_rate: {value: 1000, unit: per week}", "must be at most 7"),
    ("flag-text", "supervision.post_sentence_supervision: yes please", "expected true or false"),
    ("choice-unknown", f"{SVC}.pathway: housing", "expected one of"),
    ("choices-unknown", f"{SVC}.eligible_status: [on_bail]", "not known: ['on_bail']"),
    ("text-for-number", "courts.crown_share: abc", "expected a number, got 'abc'"),
    ("date-for-number", "courts.crown_share: 2012-01-01", "expected a number"),
    ("list-for-number", "courts.crown_share: [1, 2]", "expected a number"),
    ("sigma-zero", "sentencing.length.under_12m.sigma: 0", "must be at least 0.01"),
    ("age-slope-50", "population.mortality_age_slope: 50", "must be at most 1"),
    ("unknown-parameter", "courts.crown_shares: 0.1",
     "'courts.crown_shares': unknown parameter (did you mean 'courts.crown_share'"),
    ("key-not-text", "1: 2", "must be a dotted parameter name"),
    ("negative-count", f"{SVC}.capacity: -10", "cannot be negative"),
    ("impossible-date", "courts.crown_share: {values: {2011-02-30: 0.2}}", "not valid YAML"),
    ("value-and-values", "courts.crown_share: {value: 0.2, values: {2012-01-02: 0.3}}", "either 'value:' or dated"),
    ("risk-window-empty", f"{SVC}.min_risk: 0.9\n{SVC}.max_risk: 0.1", "is above its max_risk"),
    ("no-eligible-status", f"{SVC}.eligible_status: []", "is empty: no one could be referred"),
    ("stocks-above-population", "population.initial_stock.remand: 1.0e8", "more than the"),
    ("budget-at-no-cost", f"{SVC}.budget_per_year: 1.0e10\n{SVC}.cost_per_place_week: 1.0e-300",
     "a budget buys places only at a cost"),
    ("policy-before-the-window", "courts.crown_share: {values: {1995-01-02: 0.2}}", "outside the output window"),
]


@pytest.mark.parametrize("lines, phrase", [c[1:] for c in SET_CASES], ids=[c[0] for c in SET_CASES])
def test_bad_values_in_a_scenario_are_refused(tmp_path, lines, phrase):
    path = derived(tmp_path, lines)
    message = refused(path)
    assert phrase in message and str(path.resolve()) in message, message


def test_a_64_bit_seed_is_compared_as_an_integer(tmp_path):
    assert engine.load(derived(tmp_path, f"run.seed: {2**63 - 2}"))["run.seed"] == 2**63 - 2


def test_a_symlink_loop_and_a_deep_base_chain_are_one_line(tmp_path):
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    assert "symbolic link loop" in refused(tmp_path / "a.yaml")
    for i in range(30):
        (tmp_path / f"c{i}.yaml").write_text(f"name: c{i}\nbase: c{i + 1}.yaml\n")
    (tmp_path / "c30.yaml").write_text(f"name: c30\nbase: {BASELINE}\n")
    assert "'base:' chain deeper than 20 files" in refused(tmp_path / "c0.yaml")


def test_a_parameter_given_twice_in_a_full_tree_is_refused(tmp_path):
    text = BASELINE.read_text().replace("parameters:\n", "parameters:\n  run.scale: {value: 0.5, unit: share, "
                                        "assumption: twice}\n", 1)
    path = tmp_path / "twice.yaml"
    path.write_text(text)
    assert "'run.scale': given twice" in refused(path)


def test_exponent_form_numbers_are_numbers(tmp_path):
    params = engine.load(derived(tmp_path, "run.scale: 2e-2\ncourts.crown_share: 1.2E-1"))
    assert params["run.scale"] == 0.02 and params["courts.crown_share"] == 0.12


def _alias_bomb(depth: int = 8) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, depth)]
    return "\n".join(lines)


# (id, file text (BASE replaced by the baseline's path), phrase)
FILE_CASES = [
    ("duplicate-key", "name: x\nbase: BASE\nset:\n  run.scale: 0.01\n  run.scale: 0.02\n", "duplicate key 'run.scale'"),
    ("alias-bomb-description", "name: x\nbase: BASE\ndescription:\n  " + _alias_bomb().replace("\n", "\n  ") + "\n",
     "alias bomb"),
    ("alias-bomb-set", "name: x\nbase: BASE\nbomb:\n  " + _alias_bomb().replace("\n", "\n  ") + "\n", "alias bomb"),
    ("base-dev-zero", "name: x\nbase: /dev/zero\n", "not a regular file"),
    ("python-tag", "name: x\nbase: BASE\nset:\n  run.scale: !!python/object/apply:os.getcwd []\n",
     "could not determine a constructor"),
    ("missing-base", "name: x\nbase: nowhere.yaml\n", "'base': 'nowhere.yaml': no such file"),
    ("malformed", "name: x\nbase: [unclosed\n", "not valid YAML"),
    ("name-not-text", "name: [1, 2]\nbase: BASE\n", "'name': expected text"),
    ("unknown-top-key", "name: x\nbase: BASE\nsett: {}\n", "'sett': unknown key (did you mean 'set'?)"),
    ("set-is-a-list", "name: x\nbase: BASE\nset: [1, 2]\n", "'set': must map"),
    ("empty-file", "", "expected a mapping at the top level"),
    ("base-and-parameters", "name: x\nbase: BASE\nparameters: {}\n", "changes leaves under 'set:'"),
    ("neither", "name: x\n", "needs either 'parameters:'"),
    ("list-as-key", "name: x\nbase: BASE\nset: {[a, b]: 1}\n", "a key must be a name"),
]


@pytest.mark.parametrize("text, phrase", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_scenario_files_are_refused(tmp_path, text, phrase):
    path = tmp_path / "bad.yaml"
    path.write_text(text.replace("BASE", str(BASELINE)))
    assert phrase in refused(path)


def test_a_misspelt_key_inside_a_leaf_of_a_full_file_is_refused(tmp_path):
    text = BASELINE.read_text()
    line = next(ln for ln in text.splitlines() if "weeks_to_disposal" in ln or "crown:" in ln and "unit:" in ln)
    assert "unit:" in line
    path = tmp_path / "full.yaml"
    path.write_text(text.replace(line, line.replace("unit:", "unti:", 1)))
    assert ".unti': unknown key (did you mean 'unit'?)" in refused(path)


def test_loops_folders_binary_and_oversized_files_are_refused(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("name: a\nbase: b.yaml\n")
    b.write_text("name: b\nbase: a.yaml\n")
    assert "loops back to itself" in refused(a)
    assert "is a folder, not a file" in refused(tmp_path)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)) * 4)
    assert "not a text file" in refused(binary)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("name: caf\xe9\n".encode("latin-1"))
    assert "not UTF-8 text" in refused(latin)
    big = tmp_path / "big.yaml"
    big.write_text("name: x\ndescription: " + "x" * (MAX_FILE_BYTES + 1) + "\n")
    assert "is more than a file can be" in refused(big)


# ---------------------------------------------------------------- the unit-cost file
def _act(doc: dict) -> dict:
    return doc["activities"]["prison_place_week"]


COST_CASES = [
    ("unknown-top-key", lambda d: d.update(discount=0.03), "'discount': unknown key"),
    ("unknown-agency-key", lambda d: d["agencies"]["prisons"].update(kidn="fiscal"), "'agencies.prisons.kidn': unknown key"),
    ("unknown-activity-key", lambda d: _act(d).update(csot=5), "(did you mean 'cost'?)"),
    ("unknown-step-key", lambda d: _act(d)["step"].update(sise=60), "'activities.prison_place_week.step.sise'"),
    ("cost-nan", lambda d: _act(d).update(cost=math.nan), "expected a finite number"),
    ("cost-inf", lambda d: _act(d).update(cost=math.inf), "expected a finite number"),
    ("cost-negative", lambda d: _act(d).update(cost=-5), "must lie in [0, 1e+09]"),
    ("cost-text", lambda d: _act(d).update(cost="lots"), "expected a number, got 'lots'"),
    ("discount-negative", lambda d: d["discount_rate"].update(value=-0.01), "'discount_rate.value': must lie in [0, 0.2]"),
    ("deflator-zero", lambda d: d["deflator"]["index"].update({2012: 0}), "'deflator.index.2012': must lie in"),
    ("deflator-text", lambda d: d["deflator"]["index"].update({2012: "abc"}), "expected a number, got 'abc'"),
    ("variable-misspelt", lambda d: d["activities"]["arrest"]["activity"].update(variable="arrets")
     if "arrest" in d["activities"] else _act(d)["activity"].update(variable="arrets"), "(did you mean 'arrests'?)"),
    ("select-dim-unknown", lambda d: _act(d)["activity"].update(select={"court": ["crown"]}), "has no dimension 'court'"),
    ("select-label-unknown", lambda d: _act(d)["activity"]["select"]["status"].append("gaol"), "unknown 'gaol'"),
    ("select-label-twice", lambda d: _act(d)["activity"]["select"]["status"].append("recalled"),
     "'activities.prison_place_week.activity.select.status': 'recalled' is listed more than once"),
    ("agency-unknown", lambda d: _act(d).update(agency="nasa"), "unknown 'nasa'"),
    ("kind-unknown", lambda d: d["agencies"]["prisons"].update(kind="fiscl"), "(did you mean 'fiscal'?)"),
    ("split-not-1", lambda d: _act(d)["split"].update(fixed=0.9), "shares must sum to 1"),
    ("split-key-missing", lambda d: _act(d)["split"].pop("fixed"), "'activities.prison_place_week.split.fixed': missing"),
    ("no-deflator-year", lambda d: _act(d).update(price_year=1995), "no deflator for price year 1995"),
    ("step-weeks-negative", lambda d: _act(d)["step"].update(min_weeks=-1), "must lie in [0, 520]"),
    ("semi-fixed-no-step", lambda d: _act(d).pop("step"), "a semi-fixed cost needs step.size > 0"),
    ("no-source", lambda d: _act(d).pop("source"), "needs a 'source'"),
    ("missing-section", lambda d: d.pop("deflator"), "'deflator': missing"),
    ("deflator-absurd", lambda d: d["deflator"]["index"].update({2012: 1e300}), "'deflator.index.2012': must lie in"),
    ("priced-twice", lambda d: d["activities"].update(arrest_again=dict(d["activities"]["arrest"])),
     "which activities.arrest prices already"),
]


@pytest.mark.parametrize("change, phrase", [c[1:] for c in COST_CASES], ids=[c[0] for c in COST_CASES])
def test_bad_unit_cost_files_are_refused(tmp_path, change, phrase):
    path = cost_file(tmp_path, change)
    with pytest.raises(ScenarioError) as err:
        load_costs(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith(str(path)) and phrase in message, message


# ---------------------------------------------------------------- --set
SET_OPTION_CASES = [
    ("no-equals", "run.scale", "expected key=value"),
    ("bad-yaml", "run.scale=[unclosed", "--set run.scale: not valid YAML"),
    ("exponent-out-of-range", "run.scale=1e-9", "--set: 'run.scale': must be at least 0.0001, got 1e-09"),
    ("unknown", "nonsense=1", "--set: 'nonsense': unknown parameter"),
    ("nan", "courts.crown_share=.nan", "expected a finite number"),
    ("alias-bomb", "courts.crown_share=[&a0 [x, x, x, x, x, x, x, x, x], "
     + ", ".join(f"&a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)) + "]", "alias bomb"),
]


@pytest.mark.parametrize("text, phrase", [c[1:] for c in SET_OPTION_CASES], ids=[c[0] for c in SET_OPTION_CASES])
def test_bad_set_options_are_refused(text, phrase):
    with pytest.raises(ScenarioError) as err:
        engine.load(BASELINE, dict([parse_override(text)]))
    assert phrase in str(err.value) and "\n" not in str(err.value), str(err.value)


# ---------------------------------------------------------------- command-line options
QUICK = ["--set", "run.scale=0.002", "--set", "run.horizon_years=1", "--set", "run.warmup_years=0"]


def cli(*args: str):
    result = CliRunner().invoke(app, list(args))
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text and not isinstance(result.exception, (AssertionError, TypeError, ValueError)), text
    return result.exit_code, " ".join(text.split())


def _a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


OPTION_CASES = [
    ("scale-zero", lambda t: ["run", *QUICK, "--scale", "0", "--out", str(t)], "--scale: 'run.scale': must be at least"),
    ("years-zero", lambda t: ["run", *QUICK, "--years", "0", "--out", str(t)], "--years: 'run.horizon_years': must be at least"),
    ("years-negative", lambda t: ["run", *QUICK, "--years", "-3", "--out", str(t)], "--years: 'run.horizon_years'"),
    ("seed-negative", lambda t: ["run", *QUICK, "--seed", "-1", "--out", str(t)], "--seed: 'run.seed': expected a whole"),
    ("seed-2-70", lambda t: ["run", *QUICK, "--seed", str(2**70), "--out", str(t)], "--seed: 'run.seed': must be at most"),
    ("out-is-a-file", lambda t: ["run", *QUICK, "--out", str(_a_file(t))], "is a file, not a folder"),
    ("out-impossible", lambda t: ["run", *QUICK, "--out", str(_a_file(t) / "sub")], "cannot create the folder"),
    ("costs-missing", lambda t: ["compare", "baseline", "radar", *QUICK, "--costs", str(t / "none.yaml"), "--out", str(t)],
     "file not found"),
    ("replicates-zero", lambda t: ["compare", "baseline", "radar", "--replicates", "0"], "--replicates"),
    ("scale-not-a-number", lambda t: ["run", "--scale", "abc"], "--scale"),
    ("scenario-missing", lambda t: ["run", str(t / "nowhere.yaml")], "file not found"),
    ("set-without-equals", lambda t: ["run", "--set", "run.scale"], "expected key=value"),
    ("compare-scale-zero", lambda t: ["compare", "baseline", "radar", "--scale", "0", "--out", str(t)], "--scale"),
    ("markup-in-a-key", lambda t: ["run", "--set", "[/x]=1"], "'[/x]': unknown parameter"),
    ("impossible-date-in-set", lambda t: ["run", "--set", "run.scale=2011-02-30"], "not valid YAML"),
    ("set-twice", lambda t: ["run", "--set", "run.scale=0.01", "--set", "run.scale=0.02"], "set more than once"),
    ("newline-in-a-key", lambda t: ["run", "--set", "foo\nbar=1"], "unknown parameter"),
]


@pytest.mark.parametrize("args, phrase", [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES])
def test_bad_command_line_options_are_refused_before_any_run(tmp_path, args, phrase):
    code, text = cli(*args(tmp_path))
    assert code == 2 and phrase in text, text
    assert not list(tmp_path.glob("*.nc")), "nothing is written for refused input"


def test_there_are_at_least_sixty_bad_input_cases():
    n = len(SET_CASES) + len(FILE_CASES) + len(COST_CASES) + len(SET_OPTION_CASES) + len(OPTION_CASES)
    assert n >= 60, n


@pytest.mark.parametrize("args, phrase", [
    (["run", "--scale", "abc"], "Invalid value for '--scale'"),
    (["run", "--years", "1.5"], "Invalid value for '--years'"),
    (["compare", "baseline", "radar", "--replicates", "0"], "Invalid value for '--replicates'"),
    (["run", "--bogus"], "No such option: --bogus"),
])
def test_usage_errors_are_one_line_too(args, phrase):
    res = subprocess.run([sys.executable, "-m", "jrsim", *args], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert res.returncode == 2 and phrase in res.stderr and "--help" in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr, res.stderr
