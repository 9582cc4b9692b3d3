"""The Transforming Rehabilitation scenario as it ran (system 2): 21 CRC providers, one per contract package
area, the NPS on the top risk band, two contracts per CRC, on the real dates. Loads only (cheap): what the
scenario does when run is the comparison's and the provider tests'."""
from __future__ import annotations

from datetime import date

import pytest
import yaml

from jrsim import engine
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
TR = SCENARIOS / "transforming_rehabilitation.yaml"
COUNTERFACTUAL = SCENARIOS / "transforming_rehabilitation_baseline.yaml"
SPLIT = date(2014, 6, 1)  # the NPS and the CRCs take over from the probation trusts
ORA = date(2015, 2, 1)  # Offender Rehabilitation Act 2014: post-sentence supervision, through the gate
CRC_ORDERS = {"community_order", "suspended_sentence", "licence", "post_sentence_supervision"}
CRC_BANDS = ["low", "medium", "high"]
INDEX_CUSTODY = {"custody_under_12m", "custody_12m_to_4y", "custody_4y_plus"}


def contract_package_areas() -> list[str]:
    return list(yaml.safe_load((SCENARIOS / "geography.yaml").read_text())["contract_package_areas"])


@pytest.fixture(scope="module")
def changes():
    """The scenario's policy: dotted name -> (date, value)."""
    params = engine.load(TR)
    return {c.key: (c.when, c.value) for c in params.changes}


def members(changes, family: str, field: str, value) -> list[str]:
    return sorted(k.split(".")[1] for k, (_, v) in changes.items()
                  if k.startswith(f"{family}.") and k.endswith(f".{field}") and v == value)


def test_21_crcs_each_on_one_contract_package_area_and_every_area_covered_once(changes):
    crcs = members(changes, "providers", "kind", "community_rehabilitation_company")
    assert len(crcs) == 21
    areas = [changes[f"providers.{p}.areas"][1] for p in crcs]
    assert all(len(a) == 1 for a in areas)
    assert sorted(a[0] for a in areas) == sorted(contract_package_areas())
    for p in crcs:
        assert set(changes[f"providers.{p}.orders"][1]) == CRC_ORDERS
        assert list(changes[f"providers.{p}.bands"][1]) == CRC_BANDS


def test_the_nps_keeps_the_top_band_everywhere(changes):
    nps = members(changes, "providers", "kind", "national_probation_service")
    assert nps == ["national_probation_service"]
    assert list(changes["providers.national_probation_service.bands"][1]) == ["very_high"]
    assert sorted(changes["providers.national_probation_service.areas"][1]) == sorted(contract_package_areas())
    assert changes["providers.national_probation_service.responsiveness"][1] == 0


def test_each_crc_holds_a_fee_per_case_week_and_results_on_its_own_cohorts(changes):
    crcs = members(changes, "providers", "kind", "community_rehabilitation_company")
    payees = {}
    for key, (_, value) in changes.items():
        if key.startswith("contracts.") and key.endswith(".payee"):
            payees.setdefault(value, []).append(key.split(".")[1])
    assert sorted(payees) == crcs
    for crc in crcs:
        kinds = {changes[f"contracts.{c}.kind"][1]: c for c in payees[crc]}
        assert sorted(kinds) == ["fee_for_service", "payment_by_results"]
        fee, results = kinds["fee_for_service"], kinds["payment_by_results"]
        assert changes[f"contracts.{fee}.fee_basis"][1] == "per_case_week"
        assert changes[f"contracts.{fee}.fee_per_unit"][1] > 0
        for c in (fee, results):
            assert changes[f"contracts.{c}.payer"][1] == "probation"
            assert changes[f"contracts.{c}.level"][1] == "national"
            assert changes[f"contracts.{c}.areas"][1] == changes[f"providers.{crc}.areas"][1]
        r = {f: changes[f"contracts.{results}.{f}"][1] for f in
             ("measure", "risk_adjusted", "reference", "baseline_year", "deduct_rise", "bands", "disposals",
              "frequency_price", "alpha")}
        assert r["measure"] == "binary" and r["risk_adjusted"] and r["reference"] == "baseline"
        assert r["baseline_year"] == 2011 and r["deduct_rise"] and list(r["bands"]) == CRC_BANDS
        assert set(r["disposals"]) == {"community_order", "suspended_sentence"} | INDEX_CUSTODY
        assert r["frequency_price"] > 0 and 0 < r["alpha"] < 1


def test_the_dates_are_the_real_ones(changes):
    providers_and_contracts = {k: when for k, (when, _) in changes.items() if k.split(".")[0] in ("providers", "contracts")}
    assert providers_and_contracts and set(providers_and_contracts.values()) == {SPLIT}
    assert changes["supervision.post_sentence_supervision"] == (ORA, True)
    assert changes["services.through_the_gate.capacity"][0] == ORA
    assert changes["services.through_the_gate.capacity"][1] > 0


def test_the_counterfactual_holds_the_2016_cohorts_and_reports_by_contract_package_area():
    counterfactual, scenario = engine.load(COUNTERFACTUAL), engine.load(TR)
    assert counterfactual["run.start_year"] == 2011
    assert counterfactual["run.start_year"] + counterfactual["run.horizon_years"] - 1 >= 2018
    assert counterfactual["run.area_level"] == "contract_package_area"
    engine.check_pair(counterfactual, scenario)  # the same history until 1 June 2014, contracts that fit the run
