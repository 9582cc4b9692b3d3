"""Labels: every declared parameter, every result of a run and every headline measure says what a policy
analyst calls it, the NetCDF keeps it, and the tables and pages show it beside the key a researcher
writes (a --set, a scenario file's key, a target's measure). The commands' files and the comparison's
workbook are checked where they are written already (test_units.py, test_report.py, test_workbook.py)."""
from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest
import xarray as xr
from rich.console import Console

from jrsim import engine
from jrsim.core.results import LONG_NAME, Result, Results, flow
from jrsim.economics.costs import load_costs
from jrsim.outputs.measures import LABELS, MEASURES, headline, measure_label
from jrsim.outputs.units import labels_along, parameter_labels
from jrsim.parameters.declaration import Par
from jrsim.parameters.library import library_file
from jrsim.reporting.html import write_sensitivity_html
from jrsim.reporting.tables import sensitivity_table, summary_table

CAPACITY = "services.drug_treatment_community.capacity"
EFFECT = "services.radar_key_worker.effect"
COST = "costs.activities.prison_place_week.cost"


# The shipped scenarios that between them declare every parameter: the baseline names every service (the
# others switch them on), these four every kind of contract and both kinds of party.
DECLARING = ("baseline", "lewisham_through_the_gate", "local_justice_reinvestment", "pooled_budget", "social_impact_bond")


def shipped_declarations() -> dict[str, list[Par]]:
    """Each declaring scenario's declared parameters (its services', contracts' and parties' included)."""
    found = {}
    for name in DECLARING:
        params = engine.load(library_file(f"{name}.yaml"))
        found[name] = engine.declarations([*params.values, *(c.key for c in params.changes)])  # its policy's too
    return found


def repeated(labels) -> list[str]:
    return sorted(label for label, n in Counter(labels).items() if n > 1)


def test_every_declared_parameter_has_its_own_label():
    found = shipped_declarations()
    for name, declared in found.items():
        assert all(p.label.strip() and "{" not in p.label for p in declared), name
        # a scenario's parameters are what a sensitivity table may list: no two alike
        assert not repeated(p.label for p in declared), (name, repeated(p.label for p in declared))
    labels = {p.name: p.label for p in found["lewisham_through_the_gate"]}
    assert any(k.startswith("contracts.") for k in labels) and any(k.startswith("parties.") for k in labels)


def test_a_family_members_label_names_the_member():
    labels = dict(zip([CAPACITY, EFFECT], parameter_labels([CAPACITY, EFFECT])))
    assert labels == {CAPACITY: "Drug treatment community places",
                      EFFECT: "Radar key worker: cut in reoffending on completion"}


def test_a_declaration_or_a_result_without_a_label_is_refused():
    with pytest.raises(TypeError, match="label"):
        Par("run.something", "prob")
    with pytest.raises(TypeError, match="label"):
        flow()
    with pytest.raises(ValueError, match="'unlabelled' needs a label"):
        Results(1).declare("unlabelled", Result())


def test_every_variable_of_a_run_carries_its_label_through_the_netcdf(small_run, tmp_path):
    labels = {name: small_run[name].attrs.get(LONG_NAME, "") for name in small_run.data_vars}
    assert all(labels.values()), [name for name, label in labels.items() if not label]
    assert not repeated(labels.values())
    small_run[["arrests", "prison_receptions"]].to_netcdf(tmp_path / "run.nc")  # two are enough: attributes are kept
    with xr.open_dataset(tmp_path / "run.nc") as back:
        assert back["prison_receptions"].attrs[LONG_NAME] == "Prison receptions on sentence"
        assert back["arrests"].attrs[LONG_NAME] == "Arrests"


def test_every_headline_measure_has_its_own_label(small_run):
    measured = headline(small_run)
    assert set(measured) <= set(LABELS) and set(MEASURES) == set(LABELS)
    assert all(LABELS[name] and LABELS[name] != name for name in MEASURES)
    assert not repeated(LABELS.values())
    assert measure_label("reoffending_rate_all_adults") == "Proven reoffending rate: all adults"


def test_every_shipped_unit_cost_has_its_own_label():
    book = load_costs()
    assert all("label" in leaf for leaf in book.raw["activities"].values())
    assert not repeated(a.label for a in book.activities)
    assert {a.name: a.label for a in book.activities}["prison_place_week"] == "Prison place (sentenced or recalled)"
    assert parameter_labels([COST], book) == ["Unit cost: Prison place (sentenced or recalled)"]


def rendered(table) -> str:
    console = Console(file=io.StringIO(), width=200)
    console.print(table)
    return console.file.getvalue()


def test_the_run_table_shows_each_measure_by_its_label_beside_its_key():
    text = rendered(summary_table("t", {"prison_population": 850.0, "reoffending_rate_all_adults": 0.25}, 0.01))
    rows = [line for line in text.splitlines() if "prison_population" in line]
    assert len(rows) == 1 and "Prison population" in rows[0] and "85,000" in rows[0]
    assert "Proven reoffending rate: all adults" in text


@pytest.fixture
def indices() -> xr.Dataset:
    """Morris indices of two parameters as the sensitivity NetCDF holds them (before labels: no
    parameter_label coordinate, so the labels come from the declarations)."""
    return xr.Dataset({name: ("parameter", np.array([0.5, 0.0])) for name in ("mu_star", "mu_star_conf", "sigma")},
                      coords={"parameter": [EFFECT, "services.family_support.effect"]},
                      attrs={"method": "morris", "evaluations": 6, "output": "npv_fiscal", "scenario": "radar"})


def test_the_sensitivity_table_and_page_show_each_parameter_by_its_label_with_its_key(indices, tmp_path):
    assert labels_along(indices, "parameter") == ["Radar key worker: cut in reoffending on completion",
                                                  "Family support: cut in reoffending on completion"]
    text = rendered(sensitivity_table(indices, None))
    row = [line for line in text.splitlines() if EFFECT in line]
    assert len(row) == 1 and "Radar key worker: cut in reoffending on completion" in row[0]
    assert "net present value to the public sector" in text  # the output in words, with its key
    page = write_sensitivity_html(indices, xr.Dataset(), tmp_path / "s.html").read_text(encoding="utf-8")
    assert "Family support: cut in reoffending on completion<br><small><code>services.family_support.effect" in page
