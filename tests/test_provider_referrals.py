"""Whom a provider refers on to which pathway service (jrsim.commissioning.referral, provision, the
ReferralChoice seam that services apply).

The choice on its own first (pure, exact), then in paired runs on common random numbers: by need a
provider refers as its contact does, to every service alike, and exactly as a run without it does;
a profit-seeker refers a band to a service when the service's effect on the band's reoffending is
expected to pay more under its contracts than the referral costs, and not at all otherwise; a bad
``provision.referral_contacts`` is one line with exit code 2 through ``jrsim compare``.
"""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
import yaml

from jrsim import engine
from jrsim.commissioning.decision import Incentive, decide
from jrsim.commissioning.providers import MAX_REFERRAL_CONTACTS
from jrsim.commissioning.referral import NO_REFERRAL, Offer, choose_referrals
from jrsim.core.errors import ScenarioError
from jrsim.core.vocabulary import PROVIDER_BANDS
from tests.test_providers import (
    ALL_BANDS,
    BASE,
    BINARY,
    COST_PER_CONTACT,
    FORM,
    RUN,
    SEED,
    fee_contract,
    provider,
    results_contract,
    scenario,
    situation,
)

MOST = FORM.max_effort ** FORM.referral_elasticity  # the most referral there is
EFFECTIVE = Offer("effective", effect=0.4, engagement=0.8, referral_probability=0.5, takes=True)
NO_EFFECT = Offer("no_effect", effect=0.0, engagement=0.8, referral_probability=0.5, takes=True)
ELSEWHERE = Offer("in_custody", effect=0.4, engagement=0.8, referral_probability=0.5, takes=False)
OFFERS = (EFFECTIVE, NO_EFFECT, ELSEWHERE)
HUGE_COST = 1e6  # contacts a referral takes: no results payment is worth that
UNPAID = len(PROVIDER_BANDS) - 1  # the band the runs' contract does not pay on


# ---------------------------------------------------------------- the choice alone
def choice(responsiveness: float, referral_contacts: float, bands=ALL_BANDS) -> tuple[np.ndarray, np.ndarray]:
    s = situation([Incentive((BINARY,), bands)], responsiveness=responsiveness)
    effort = decide(s).effort
    return effort, choose_referrals(s, effort, OFFERS, referral_contacts)


def test_by_need_the_choice_is_what_contact_gives_for_every_service():
    s = situation([Incentive((BINARY,), ALL_BANDS)], responsiveness=0.0)
    effort = np.array([0.3, 0.75, 1.0, 1.6])  # as a capacity cut could leave it
    chosen = choose_referrals(s, effort, OFFERS, HUGE_COST)
    assert (chosen == (effort ** FORM.referral_elasticity)[:, None]).all()


def test_a_profit_seeker_refers_to_an_effective_service_when_it_pays_and_never_to_one_without_effect():
    _, free = choice(1.0, 0.0)
    assert (free[:, 0] == MOST).all()  # every band paid on: the effective service is worth referring to
    assert (free[:, 1] == NO_REFERRAL).all()  # the same service without effect is worth nothing
    _, costly = choice(1.0, HUGE_COST)
    assert (costly[:, 0] == NO_REFERRAL).all()


def test_a_band_no_contract_pays_on_is_not_referred_even_for_free():
    bands = np.arange(len(PROVIDER_BANDS)) != UNPAID
    _, free = choice(1.0, 0.0, bands)
    assert free[UNPAID, 0] == NO_REFERRAL and (free[bands, 0] == MOST).all()


def test_half_responsive_blends_need_and_profit_and_a_service_that_cannot_take_the_caseload_stays_by_need():
    effort, half = choice(0.5, 0.0)
    need = effort ** FORM.referral_elasticity
    assert np.allclose(half[:, 0], 0.5 * need + 0.5 * MOST)
    assert np.allclose(half[:, 1], 0.5 * need)
    assert (half[:, 2] == need).all()


# ---------------------------------------------------------------- in paired runs
EFFECTIVE_SERVICE, NO_EFFECT_SERVICE = "accommodation_support", "mental_health_support"  # community referrals, places
# A contact this dear makes the most contacts a referral may take cost more than any results payment
# expects from a referral (about £1,300 at most with the runs' binary price; see the decision's tests)
COSTLY_CONTACT = 200.0
FEE_CONTACTS = 4  # the fee per case-week pays for this many contacts (the most any band needs)
SETTINGS = {**RUN, f"services.{NO_EFFECT_SERVICE}.effect": 0.0}  # for both runs of each pair


def _load(tmp, name: str, responsiveness: float, referral_contacts: float, cost_per_contact: float = COST_PER_CONTACT,
          **contract):
    """A scenario with the provider, a fee that pays for its most contact and a results contract."""
    contracts = {"fee": fee_contract(FEE_CONTACTS * cost_per_contact), "results": results_contract(**contract)}
    crc = provider(responsiveness=responsiveness, cost_per_contact=cost_per_contact)
    more = {"provision.referral_contacts": referral_contacts}
    return engine.load(scenario(tmp, name, crc, contracts, more), SETTINGS)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The baseline, a provider by need, and profit-seekers whose referrals cost
    much (the most contacts, each dear) and nothing (the contract paying on every band but the highest), on one seed."""
    tmp = tmp_path_factory.mktemp("referrals")
    unpaid = {"bands": [b for i, b in enumerate(PROVIDER_BANDS) if i != UNPAID]}
    base = engine.load(BASE, SETTINGS)
    by_need = _load(tmp, "need", 0.0, 1.0)
    plain, need = engine.run_pair(base, by_need, seed=SEED)
    # each the same as its arm of a pair with the baseline (common random numbers), at less cost
    costly = engine.run(_load(tmp, "costly", 1.0, MAX_REFERRAL_CONTACTS, COSTLY_CONTACT), seed=SEED)
    free = engine.run(_load(tmp, "free", 1.0, 0.0, **unpaid), seed=SEED)
    gamma = by_need.values["provision.referral_elasticity"]  # the baseline's, not the decision tests' form
    return {"plain": plain, "need": need, "costly": costly, "free": free, "gamma": gamma,
            "most": np.float32(FORM.max_effort ** gamma)}  # the scenarios set the decision tests' max_effort


HALF_PERIOD = np.timedelta64(45, "D")  # a review period's middle: its year is the year the period's decision is for


def of_2012(ds) -> xr.DataArray:
    """The review periods of the contract's cohort year (the review of 31 December 2011 decides for 2012)."""
    return (ds["review_on"] + HALF_PERIOD).dt.year == 2012


def in_2012(ds, name: str):
    """A provider variable over its contract's cohort year, summed."""
    return ds[name].sel(provider="crc").where(of_2012(ds)).sum("review")


def test_by_need_the_choice_is_effort_to_the_elasticity_and_referrals_are_as_without_the_provider(runs):
    need = runs["need"]
    effort = need["provider_effort"].sel(provider="crc")
    chosen = need["provider_referral_choice"].sel(provider="crc")
    started = ~np.isnan(effort.values).all(axis=1)
    expected = (effort.values.astype(np.float32).astype(float) ** runs["gamma"]).astype(np.float32)
    assert (chosen.values[started] == expected[started][:, :, None]).all()
    # its effort in 2012 is need: it changes nobody's chance of a referral, bit for bit
    referrals = need["service_referrals"].where(need["time"].dt.year == 2012, drop=True)
    plain = runs["plain"]["service_referrals"].where(runs["plain"]["time"].dt.year == 2012, drop=True)
    assert (referrals.values == plain.values).all()


def test_a_profit_seeker_refers_fewer_when_referrals_cost_much_and_no_fewer_to_an_effective_service_when_free(runs):
    by_service = {k: in_2012(runs[k], "provider_referrals_by_service").sel(service=EFFECTIVE_SERVICE)
                  for k in ("need", "costly", "free")}
    assert by_service["costly"].sum() < by_service["need"].sum()
    paid = [b for i, b in enumerate(PROVIDER_BANDS) if i != UNPAID]
    assert (by_service["free"].sel(provider_band=paid) >= by_service["need"].sel(provider_band=paid)).all()


def test_a_service_without_effect_and_a_band_not_paid_on_get_no_profit_seeking_referrals(runs):
    free = runs["free"]
    chosen = free["provider_referral_choice"].sel(provider="crc").where(of_2012(free), drop=True)
    assert (chosen.sel(service=NO_EFFECT_SERVICE) == NO_REFERRAL).all()
    assert (chosen.sel(service=EFFECTIVE_SERVICE).isel(provider_band=UNPAID) == NO_REFERRAL).all()
    assert (chosen.sel(service=EFFECTIVE_SERVICE).drop_isel(provider_band=UNPAID) == runs["most"]).all()
    # referred on: only those referred before its choice reached them (in the week they joined its caseload,
    # or before the provider took it up), far fewer than by need
    referred = in_2012(free, "provider_referrals_by_service")
    need = in_2012(runs["need"], "provider_referrals_by_service")
    assert (referred.sel(service=NO_EFFECT_SERVICE) < need.sel(service=NO_EFFECT_SERVICE) / 2).all()
    assert referred.sel(service=EFFECTIVE_SERVICE).isel(provider_band=UNPAID) < need.sel(
        service=EFFECTIVE_SERVICE).isel(provider_band=UNPAID) / 2
    # every referral on is counted under its service
    total = free["provider_referrals_on"].sel(provider="crc").fillna(0)
    assert np.allclose(free["provider_referrals_by_service"].sel(provider="crc").fillna(0).sum("service"), total)


# ---------------------------------------------------------------- bad input
def _baseline_without_referral_contacts(tmp) -> str:
    text = BASE.read_text().splitlines(keepends=True)
    path = tmp / "baseline_without.yaml"
    path.write_text("".join(line for line in text if not line.lstrip().startswith("referral_contacts:")))
    return str(path)


def _bad_scenario(tmp, value) -> tuple[str, str]:
    """A baseline and a scenario on it with ``value`` for provision.referral_contacts (None: a baseline without it)."""
    if value is None:
        base = _baseline_without_referral_contacts(tmp)
        return base, base
    leaf = {"value": value, "unit": "contacts", "assumption": "a test"}
    path = tmp / "bad.yaml"
    path.write_text(yaml.safe_dump({"name": "bad", "base": str(BASE), "set": {"provision.referral_contacts": leaf}}))
    return str(BASE), str(path)


@pytest.mark.parametrize("value, says", [(-1.0, "cannot be negative"), (float("nan"), "finite"),
                                         (MAX_REFERRAL_CONTACTS + 1, "must be at most"), (None, "missing parameter")])
def test_a_bad_referral_contacts_is_refused_at_load_in_one_line_naming_the_key(tmp_path, value, says):
    with pytest.raises(ScenarioError) as caught:
        engine.load(_bad_scenario(tmp_path, value)[1], RUN)
    message = str(caught.value)
    assert "\n" not in message and "'provision.referral_contacts'" in message and says in message, message


def test_a_bad_referral_contacts_is_one_line_with_exit_code_2_through_compare(tmp_path):
    done = subprocess.run([sys.executable, "-m", "jrsim", "compare", *_bad_scenario(tmp_path, -1.0), "--replicates",
                           "1", "--scale", "0.005", "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "provision.referral_contacts" in lines[0] and "cannot be negative" in lines[0], lines
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()
