"""Contract kinds are registered once (jrsim.commissioning.kinds): each is one class in its own module,
declaring what it needs and does, and nothing else in the model asks a contract's kind by name."""
from __future__ import annotations

import ast
import json
import pkgutil

import pytest

from jrsim import engine
from jrsim.commissioning import kinds
from jrsim.commissioning.contracts import FIELD_NAMES, FIELDS
from jrsim.commissioning.kinds.base import COHORTS, COMMON, DEMAND, CohortKind, ContractKind
from jrsim.core.errors import ScenarioError
from tests.conftest import ROOT

KINDS_FOLDER = ROOT / "model" / "commissioning" / "kinds"
SHARED = {"base"}  # the package's module that is not a kind: what every kind declares, and shared checks


@pytest.mark.parametrize("name", list(kinds.REGISTRY))
def test_each_registered_kind_is_one_class_in_its_own_module_declaring_what_it_needs(name):
    kind = kinds.REGISTRY[name]
    assert issubclass(kind, ContractKind) and kind.name == name
    assert kind.__module__ == f"jrsim.commissioning.kinds.{name}"  # one file, named after the kind
    assert set(COMMON) <= set(kind.NEEDS) <= set(FIELD_NAMES) and len(set(kind.NEEDS)) == len(kind.NEEDS)
    assert kind.PAYS_ON in (COHORTS, DEMAND) and isinstance(kind.PAYEE_USED, bool)
    for own in ("check", "settle"):  # its own checks at load, and how it settles a year
        assert getattr(kind, own).__func__ is not getattr(ContractKind, own).__func__, own
    if kind.PAYS_ON == COHORTS:
        assert issubclass(kind, CohortKind) and kind.pay_on.__func__ is not CohortKind.pay_on.__func__
        # a cohort kind needs its results terms (a fee only with a share at risk: test_a_fee_at_risk_needs_its_target)
        assert {"reference", "disposals"} <= set(kind.NEEDS) or name == "fee_for_service"
    else:
        assert "weights" in kind.NEEDS and "baseline_year" in kind.NEEDS
    assert kind.settles(0, 0) > 0  # settles within the run, after the first year began


def test_every_module_of_the_kinds_package_is_a_registered_kind():
    modules = {m.name for m in pkgutil.iter_modules([str(KINDS_FOLDER)])}
    assert modules - SHARED == set(kinds.REGISTRY)


def test_a_scenarios_kind_choices_are_the_registrys(tmp_path):
    (kind,) = [f for f in FIELDS if f.name == "kind"]
    assert tuple(kind.labels) == kinds.KINDS == tuple(kinds.REGISTRY)
    path = tmp_path / "bad.yaml"
    path.write_text(f"# an unknown kind\nname: bad\nbase: {ROOT / 'scenarios' / 'social_impact_bond.yaml'}\n"
                    "starts: 2012-01-01\nset:\n  contracts.extra.kind: {value: bonus, unit: kind, assumption: a test}\n")
    with pytest.raises(ScenarioError) as err:
        engine.load(path)
    assert f"expected one of {list(kinds.REGISTRY)}, got 'bonus'" in str(err.value), str(err.value)


def test_no_module_outside_the_kinds_names_a_kind():
    """A kind's name as a string anywhere else in model/ would be dispatch by name outside the registry."""
    names = set(kinds.REGISTRY)
    found = []
    for path in sorted((ROOT / "model").rglob("*.py")):
        if KINDS_FOLDER in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert not found, "\n".join(found)


FEE_TERMS = {"kind": "fee_for_service", "payer": "probation", "level": "national", "payee": "investors",
             "areas": ["cambridgeshire"], "first_year": 2012, "last_year": 2013, "price_year": 2012, "payment_lag": 1,
             "fee_basis": "block", "fee_per_year": 100000}


@pytest.mark.parametrize("at_risk, refused", [(0.0, False), (0.1, True)])
def test_a_fee_needs_a_results_target_only_with_a_share_at_risk(tmp_path, at_risk, refused):
    units = {"areas": "area names", "payment_lag": "weeks", "fee_per_year": "GBP a year", "at_risk_share": "share"}
    lines = "".join(f"  contracts.fee.{k}: {{value: {json.dumps(v)}, unit: {units.get(k, 'test')}, assumption: a test}}\n"
                    for k, v in {**FEE_TERMS, "at_risk_share": at_risk}.items())
    path = tmp_path / "fee.yaml"
    path.write_text(f"name: fee\nbase: {ROOT / 'scenarios' / 'social_impact_bond.yaml'}\nstarts: 2012-01-01\nset:\n{lines}")
    if not refused:
        assert engine.load(path).latest()["contracts.fee.fee_per_year"] == 100000
        return
    with pytest.raises(ScenarioError) as err:
        engine.load(path)
    assert "'contracts.fee.at_risk_share': a fee with a share at risk needs its target: 'measure'" in str(err.value)
