"""Bad provider, provision and contract input is refused at load with one clear line naming the file and
the key (jrsim.commissioning.providers, contracts), and through the command with exit code 2."""
from __future__ import annotations

import subprocess
import sys

import pytest

from jrsim import engine
from jrsim.core.errors import ScenarioError
from tests.test_providers import RUN, fee_contract, provider, results_contract, scenario


def refused(tmp_path, crc: dict | None = None, contracts: dict | None = None, more: dict | None = None,
            overrides: dict | None = None) -> str:
    path = scenario(tmp_path, "bad", provider(**(crc or {})),
                    contracts if contracts is not None else {"results": results_contract()}, more)
    with pytest.raises(ScenarioError) as caught:
        engine.load(path, {**RUN, **(overrides or {})})
    message = str(caught.value)
    assert "\n" not in message and ("bad.yaml" in message or "--set" in message)
    return message


def test_a_missing_provider_field_is_named(tmp_path):
    crc = provider()
    del crc["reserves"]
    path = scenario(tmp_path, "bad", crc, {"results": results_contract()})
    with pytest.raises(ScenarioError, match=r"bad.yaml: 'providers.crc': a provider needs 'reserves'"):
        engine.load(path, RUN)


@pytest.mark.parametrize("field, value, says", [
    ("kind", "charity", "providers.crc.kind"),
    ("responsiveness", 1.5, "providers.crc.responsiveness"),
    ("min_effort", -0.1, "providers.crc.min_effort"),
    ("cost_per_contact", float("nan"), "providers.crc.cost_per_contact"),
    ("bands", ["low", "extreme"], "providers.crc.bands"),
    ("orders", ["parole"], "providers.crc.orders"),
    ("fallback", "nobody", "providers.crc.fallback"),
    ("staff_contacts_per_week", 0, "a provider needs staff"),
    ("areas", ["atlantis"], "providers.crc.areas"),
    ("areas", [], "names no area"),
])
def test_a_bad_provider_field_is_one_line(tmp_path, field, value, says):
    assert says in refused(tmp_path, crc={field: value})


def test_two_providers_for_the_same_people_are_refused(tmp_path):
    nps = {f"providers.nps.{k}": v for k, v in provider(bands=["very_high"]).items()}
    message = refused(tmp_path, crc={"bands": ["low", "very_high"]}, more=nps)
    assert "'providers.nps.bands'" in message and "already supervises" in message


def test_a_misspelt_provider_field_is_caught(tmp_path):
    message = refused(tmp_path, more={"providers.crc.responsivness": 0.5})
    assert "providers.crc.responsivness" in message


def test_a_fee_per_case_week_needs_a_provider_as_payee(tmp_path):
    fee = {**fee_contract(), "payee": "local_authority"}
    assert "a fee per case-week pays on the payee's caseload" in refused(tmp_path, contracts={"fee": fee})


def test_a_contract_with_no_bands_is_refused(tmp_path):
    message = refused(tmp_path, contracts={"results": {**results_contract(), "bands": []}})
    assert "'contracts.results.bands'" in message


@pytest.mark.parametrize("key, value", [("provision.contact_effect", -1.0), ("provision.max_effort", 0.5),
                                        ("provision.review_period", 0.0)])
def test_a_provision_parameter_out_of_range_is_refused(tmp_path, key, value):
    assert key in refused(tmp_path, overrides={key: value})


def test_the_command_says_it_in_one_line_with_exit_code_2(tmp_path):
    path = scenario(tmp_path, "bad", provider(responsiveness=2.0), {"results": results_contract()})
    done = subprocess.run([sys.executable, "-m", "jrsim", "run", str(path), "--scale", "0.01"], capture_output=True,
                          text=True)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "providers.crc.responsiveness" in lines[0] and "Traceback" not in done.stderr
