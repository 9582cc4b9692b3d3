"""Scenario files: inheritance, overrides, and a clear error for each kind of bad input."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import yaml

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.parameters.scenario import parse_override
from tests.conftest import BASELINE, ROOT


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def derived(tmp_path, body: str):
    return write(tmp_path, f"name: test\nbase: {BASELINE}\nset:\n{textwrap.indent(textwrap.dedent(body), '  ')}")


def test_every_parameter_has_a_source_or_an_assumption():
    doc = yaml.safe_load(BASELINE.read_text())
    leaves = []

    def walk(node, prefix):
        if "value" in node:
            leaves.append((prefix, node))
            return
        for k, v in node.items():
            walk(v, f"{prefix}.{k}" if prefix else k)

    walk(doc["parameters"], "")
    assert len(leaves) == len(engine.declarations([name for name, _ in leaves]))
    for name, leaf in leaves:
        assert "unit" in leaf, name
        assert leaf.get("source") or leaf.get("assumption"), f"{name} has neither source nor assumption"
        if "source" in leaf:
            assert any(ch.isdigit() for ch in str(leaf["source"])), f"{name}: source without a year"


def test_durations_and_rates_are_converted_once_at_load():
    p = engine.load(BASELINE)
    assert p["reoffending.follow_up"] == 52.0  # 1 year
    assert p["reoffending.proof_window"] == pytest.approx(26.0)  # 6 months
    assert p["supervision.licence_breach_rate"] == pytest.approx(p.raw_value("supervision.licence_breach_rate") / 52)


def test_derived_scenario_inherits_and_overrides(tmp_path):
    path = derived(tmp_path, "supervision.post_sentence_supervision: true\nrun.scale: 0.5\n")
    p = engine.load(path)
    base = engine.load(BASELINE)
    # a run setting holds from the start; a policy change takes effect on its date (by default, the
    # first output year): before it, the scenario's values are its base's
    assert p["run.scale"] == 0.5 and p["supervision.post_sentence_supervision"] is False
    assert {k for k in p.values if p.values[k] != base.values[k]} == {"run.scale"}
    assert [(c.key, c.value, c.when) for c in p.changes] == [("supervision.post_sentence_supervision", True, None)]
    assert p.origin["run.scale"] == str(path.resolve())


def test_dotted_override_from_the_command_line():
    p = engine.load(BASELINE, dict([parse_override("courts.crown_share=0.2")]))
    assert p["courts.crown_share"] == 0.2


@pytest.mark.parametrize("body, needle", [
    ("courts.crown_shar: 0.2\n", "'courts.crown_shar': unknown parameter (did you mean 'courts.crown_share'"),
    ("courts.crown_share: 1.2\n", "'courts.crown_share': a probability must lie in [0, 1], got 1.2"),
    ("courts.weeks_to_disposal.crown: -3\n", "'courts.weeks_to_disposal.crown': a duration cannot be negative"),
    ("population.entrants_per_year: -5\n", "'population.entrants_per_year': cannot be negative"),
    ("sentencing.crown_custody_bands: {under_12m: 0.9}\n", "shares must sum to 1"),
    ("supervision.post_sentence_supervision: 3\n", "expected true or false"),
])
def test_bad_values_name_the_file_and_the_key(tmp_path, body, needle):
    path = derived(tmp_path, body)
    with pytest.raises(ScenarioError) as err:
        engine.load(path)
    assert needle in str(err.value)
    assert str(path.resolve()) in str(err.value)


def test_missing_file_and_missing_base(tmp_path):
    with pytest.raises(ScenarioError, match="nothere.yaml: file not found"):
        engine.load(tmp_path / "nothere.yaml")
    path = write(tmp_path, "name: x\nbase: gone.yaml\nset: {}\n")
    with pytest.raises(ScenarioError, match=r"s.yaml: 'base': 'gone.yaml': no such file"):
        engine.load(path)


def test_unknown_top_level_key_and_bad_yaml(tmp_path):
    with pytest.raises(ScenarioError, match=r"'sett': unknown key \(did you mean 'set'\?\)"):
        engine.load(write(tmp_path, f"base: {BASELINE}\nsett: {{}}\n"))
    with pytest.raises(ScenarioError, match="not valid YAML"):
        engine.load(write(tmp_path, "base: [unclosed\n"))


def test_a_leaf_without_source_is_rejected(tmp_path):
    text = BASELINE.read_text().replace(
        'crown_share: {value: 0.12, unit: share of charged cases, assumption: "Crown Court deals with about a tenth '
        'of adult defendants in recordable cases (MoJ Court statistics quarterly 2012); the share at the reference, '
        'before the offence type\'s shift"}',
        "crown_share: {value: 0.12, unit: share}")
    assert text != BASELINE.read_text()
    with pytest.raises(ScenarioError, match="'courts.crown_share': needs a 'source'"):
        engine.load(write(tmp_path, text, "full.yaml"))


def test_cli_reports_bad_input_without_a_traceback(tmp_path):
    path = derived(tmp_path, "courts.crown_share: 1.5\n")
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", str(path), "--out", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2
    assert "a probability must lie in [0, 1]" in res.stderr and "courts.crown_share" in res.stderr
    assert "Traceback" not in res.stderr
    res = subprocess.run([sys.executable, "-m", "jrsim", "run", "nowhere.yaml"], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 2 and "file not found" in res.stderr and "Traceback" not in res.stderr


def test_a_copied_scenario_whose_base_is_missing_names_its_own_base_key(tmp_path):
    """A scenario copied away from scenarios/ keeps its relative 'base:': the error names the copy's 'base'
    key and the folder it was looked for in, not a file the user never typed."""
    copy = tmp_path / "mine.yaml"
    copy.write_text((ROOT / "scenarios" / "radar.yaml").read_text())
    with pytest.raises(ScenarioError) as e:
        engine.load(copy)
    assert str(e.value).startswith(f"{copy}: 'base': 'baseline.yaml': no such file") and str(tmp_path) in str(e.value)
