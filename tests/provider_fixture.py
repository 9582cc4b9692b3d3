"""A comparison with providers, made before the providers' code exists: a real small pair of runs (the
Lewisham through-the-gate scenario and its baseline) with the run variables of SPEC23.md written into
them by hand (``provider_*`` in the scenario run, ``band_*`` in both), then compared as ``jrsim
compare`` compares a pair on a worker. The numbers are chosen so that the report's sums can be
checked by hand: two providers in Lewisham, one on a binary measure (the scenario's own results
contract, for the custody disposals its licence and post-sentence supervision follow) creaming the
middle bands and parking the highest, one on a frequency measure (community and suspended
sentences) working hardest with the highest band; cohort quarters of 2014 are incomplete and hold
rates the report must leave out.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import xarray as xr

from jrsim import engine
from jrsim.core.vocabulary import INDEX_DISPOSALS
from jrsim.core.vocabulary import PROVIDER_BAND as BAND
from jrsim.core.vocabulary import PROVIDER_DECISION as DECISION
from jrsim.economics.costs import load_costs
from jrsim.experiments.paired import PairTask, _runs, compared, comparison_of
from tests.conftest import ROOT

BANDS = ("low", "medium", "high", "very_high")  # PROVIDER_BANDS of SPEC23.md
SEEDS = (2, 3)  # two replicates from one pair of runs: the second's decision log is one shorter
PROVIDERS = ("provider", "crc_freq")  # 'provider' is the scenario's payee of its binary results contract
EFFORT = {"provider": (0.9, 1.3, 1.2, 0.5), "crc_freq": (0.8, 1.0, 1.2, 1.3)}
REVIEWS = 8
QUARTERS = pd.date_range("2012-01-01", "2014-10-01", freq="QS").values.astype("datetime64[ns]")
BASE_RATE = (0.2, 0.4, 0.6, 0.8)
# The scenario's rate less the baseline's, by band, for each provider's disposals (complete quarters).
CHANGE = {"provider": (0.02, -0.05, -0.04, 0.06), "crc_freq": (0.01, 0.0, -0.03, -0.05)}
DISPOSALS = {"provider": ("custody_under_12m", "custody_12m_to_4y", "custody_4y_plus"),
             "crc_freq": ("community_order", "suspended_sentence")}
COHORT = 100.0  # people in each cohort cell (full size)
INCOMPLETE_RATE = 1.0  # every one of an incomplete quarter's cohort reoffends: the report must not count it
HANDED_BACK = 6  # crc_freq hands back at its seventh review
# After a hand-back the run records the public service's effort (need) with no caseload under the provider's name.
NEED = 1.0
# A comparison with replicates that differ (``replicate_comparison``): crc_freq hands back at these reviews (None:
# never) in its three replicates, and the National Probation Service serves only the very high band.
REPLICATE_SEEDS = (2, 3, 4)
REPLICATE_HAND_BACKS = (HANDED_BACK, HANDED_BACK + 1, None)
NPS = "nps"
NPS_EFFORT = (np.nan, np.nan, np.nan, NEED)
NPS_RESERVES = 1e9  # the placeholder a public service's reserves hold: it cannot hand back


def params(po, nps: bool = False):
    """The scenario's parameters with the two providers and a frequency contract for crc_freq named (``nps``:
    and a National Probation Service no contract pays, serving the very high band of licences)."""
    extra = {"providers.provider.kind": "community_rehabilitation_company", "providers.provider.areas": ["lewisham"],
             "providers.provider.orders": ["licence", "post_sentence_supervision"],
             "providers.crc_freq.kind": "local_voluntary", "providers.crc_freq.areas": ["lewisham"],
             "providers.crc_freq.orders": ["community_order", "suspended_sentence"],
             "contracts.freq.kind": "payment_by_results", "contracts.freq.payee": "crc_freq",
             "contracts.freq.measure": "frequency"}
    if nps:
        extra.update({f"providers.{NPS}.kind": "national_probation_service", f"providers.{NPS}.areas": ["lewisham"],
                      f"providers.{NPS}.orders": ["licence"], f"providers.{NPS}.bands": ["very_high"]})
    return dataclasses.replace(po, values={**po.values, **extra})


def _attrs(units: str, kind: str, long_name: str) -> dict:
    return {"units": units, "kind": kind, "long_name": long_name, "description": "synthetic (tests/provider_fixture.py)"}


def band_cohorts(changes: dict[str, tuple] | None) -> dict[str, xr.DataArray]:
    """band_* of a run: the baseline's rates (``changes`` None) or the scenario's."""
    shape = (len(QUARTERS), len(INDEX_DISPOSALS), 1, len(BANDS))
    rate = np.broadcast_to(np.array(BASE_RATE), shape).copy()
    for provider, change in (changes or {}).items():
        for d in DISPOSALS[provider]:
            rate[:, INDEX_DISPOSALS.index(d)] += np.array(change)
    rate[pd.DatetimeIndex(QUARTERS).year == 2014] = INCOMPLETE_RATE
    size = np.full(shape, COHORT)
    dims = ("cohort_quarter", "disposal", "area", BAND)
    coords = {"cohort_quarter": QUARTERS, "disposal": list(INDEX_DISPOSALS), "area": ["lewisham"], BAND: list(BANDS)}
    return {"band_cohort_size": xr.DataArray(size, dims=dims, coords=coords, attrs=_attrs("people", "count", "Cohort")),
            "band_reoffenders": xr.DataArray(size * rate, dims=dims, coords=coords,
                                             attrs=_attrs("people", "count", "Reoffenders")),
            "band_reoffences": xr.DataArray(size * rate * 3, dims=dims, coords=coords,
                                            attrs=_attrs("re-offences", "count", "Re-offences"))}


def provider_variables(run: xr.Dataset, decisions: int, handed_back: int | None = HANDED_BACK,
                       nps: bool = False) -> dict[str, xr.DataArray]:
    """provider_* as SPEC23.md declares them; the log holds its first ``decisions`` entries; crc_freq hands
    back at review ``handed_back`` (None: never) and the run then records, as a real run does, the public
    service's effort (need) under its name with no caseload; ``nps``: a National Probation Service too."""
    start = pd.Timestamp(run["time"].values[0])
    review_on = pd.date_range(start, periods=REVIEWS, freq="13W").values.astype("datetime64[ns]")
    names = [*PROVIDERS, *([NPS] if nps else [])]
    effort = np.array([np.broadcast_to({**EFFORT, NPS: NPS_EFFORT}[p], (REVIEWS, len(BANDS))) for p in names], float)
    caseload = np.where(np.isnan(effort), 0.0, 50.0)
    if handed_back is not None:
        effort[1, handed_back:] = NEED
        caseload[1, handed_back:] = 0.0
    effort[1, 0] = np.nan  # not started in its first period
    handed = np.array([np.datetime64("NaT"), review_on[handed_back] if handed_back is not None else np.datetime64("NaT"),
                       *([np.datetime64("NaT")] if nps else [])], "datetime64[ns]")
    kinds = ["community_rehabilitation_company", "local_voluntary", *(["national_probation_service"] if nps else [])]
    orders = {"provider": "licence;post_sentence_supervision", "crc_freq": "community_order;suspended_sentence",
              NPS: "licence"}  # as params() names them, as a run records them (JOIN-joined)
    pc = {"provider": names, "provider_kind": ("provider", kinds),
          "provider_areas": ("provider", ["lewisham"] * len(names)),
          "provider_orders": ("provider", [orders[p] for p in names]),
          "provider_responsiveness": ("provider", [1.0, 0.5, *([0.0] if nps else [])]),
          "provider_handed_back_on": ("provider", handed)}
    by_band = {**pc, "review": np.arange(REVIEWS), "review_on": ("review", review_on), BAND: list(BANDS)}
    dims = ("provider", "review", BAND)
    out = {"provider_effort": xr.DataArray(effort, dims=dims, coords=by_band, attrs=_attrs("1", "multiplier", "Effort")),
           "provider_caseload": xr.DataArray(caseload, dims=dims, coords=by_band, attrs=_attrs("people", "count", "Caseload")),
           "provider_contacts": xr.DataArray(caseload * 13 * np.nan_to_num(effort), dims=dims, coords=by_band,
                                             attrs=_attrs("contacts", "count", "Contacts")),
           "provider_referrals_on": xr.DataArray(caseload * 0.1, dims=dims, coords=by_band,
                                                 attrs=_attrs("people", "count", "Referrals on")),
           "provider_in_services": xr.DataArray(caseload * 0.2, dims=dims, coords=by_band,
                                                attrs=_attrs("people", "count", "In services"))}
    money = {"provider": names, "review": np.arange(REVIEWS), "review_on": ("review", review_on), **{
        k: v for k, v in pc.items() if k != "provider"}}
    income = np.array([np.linspace(1e5, 2e5, REVIEWS), np.linspace(5e4, 1e4, REVIEWS), *([np.zeros(REVIEWS)] if nps else [])])
    costs = np.full(income.shape, 9e4)
    reserves = 2e5 + np.cumsum(income - costs, axis=1)
    if nps:
        reserves[-1] = NPS_RESERVES
    for name, values in (("provider_income", income), ("provider_costs", costs), ("provider_reserves", reserves)):
        out[name] = xr.DataArray(values, dims=("provider", "review"), coords=money, attrs=_attrs("GBP", "money", name))
    cohorts = {"provider": names, "cohort_quarter": QUARTERS, BAND: list(BANDS)}
    for name in ("provider_cohort_size", "provider_reoffenders", "provider_reoffences"):
        out[name] = xr.DataArray(np.full((len(names), len(QUARTERS), len(BANDS)), COHORT), coords=cohorts,
                                 dims=("provider", "cohort_quarter", BAND), attrs=_attrs("people", "count", name))
    last = REVIEWS if handed_back is None else handed_back
    log = [(p, review_on[r], "handed_back" if (i, r) == (1, handed_back) else ("profit" if i == 0 else "by_need"),
            1000.0 * r) for r in range(REVIEWS) for i, p in enumerate(names) if not (i == 1 and r > last)]
    log = log[:decisions]
    out["provider_decisions"] = xr.DataArray(
        np.array([v for *_, v in log], float), dims=(DECISION,),
        coords={"decision_provider": (DECISION, [p for p, *_ in log]),
                "decision_on": (DECISION, np.array([d for _, d, *_ in log], "datetime64[ns]")),
                "decision_rule": (DECISION, [r for _, _, r, _ in log])},
        attrs=_attrs("GBP", "money", "Decisions"))
    return out


def _spec_run(run: xr.Dataset) -> xr.Dataset:
    """A run without the dimensions today's runs give other meanings (custody 'band', outside parties'
    'provider', the pools' 'decision'), so that SPEC23.md's may be written into it; with the frequency
    contract params() names let in it, as a run records the contracts it lets."""
    run = run.drop_dims([d for d in (BAND, "provider", DECISION) if d in run.dims])
    let = run["contract_kind"]
    freq = xr.DataArray(["payment_by_results"], dims=("contract",), coords={
        "contract": ["freq"], "contract_payee": ("contract", ["crc_freq"]), "contract_areas": ("contract", ["lewisham"]),
        "contract_measure": ("contract", ["frequency"]), "contract_frequency_price": ("contract", [0.0])})
    kinds = xr.concat([let, freq], dim="contract").assign_attrs(let.attrs)
    return run.drop_dims("contract").assign(contract_kind=kinds)


@dataclasses.dataclass
class Made:
    comparison: xr.Dataset  # with providers (two replicates)
    plain: xr.Dataset  # the same pair, as runs without providers give it (one replicate)
    spec_runs: tuple[xr.Dataset, xr.Dataset]  # the pair with SPEC23.md's variables, before the providers'
    runs: tuple[xr.Dataset, xr.Dataset]  # the real pair (counterfactual, scenario) the contracts' results come from
    task: PairTask  # the real pair's task (no providers named)
    params: object  # the scenario's parameters with the providers named

    @property
    def scenario_run(self) -> xr.Dataset:
        return self.runs[1]

    def compare(self, runs: tuple[xr.Dataset, xr.Dataset]) -> xr.Dataset:
        """``runs`` compared as the real pair's task compares them, one replicate."""
        book = self.task.book
        return comparison_of([compared(self.task, *runs)], [SEEDS[0]], book, book.discount_rate,
                             self.task.counterfactual.name, self.task.scenario.name)


def provider_comparison() -> Made:
    """The comparison with providers, and the same real pair compared without them."""
    o = {"run.warmup_years": 1}
    scenarios = ROOT / "scenarios"
    cf, po = engine.load(scenarios / "lewisham_baseline.yaml", o), engine.load(scenarios / "lewisham_through_the_gate.yaml", o)
    book = load_costs()
    real = PairTask(0, cf, po, SEEDS[0], compared, book, book.discount_rate)
    runs = _runs(real)
    base, scen = runs
    named = params(po)
    task = PairTask(0, cf, named, SEEDS[0], compared, book, book.discount_rate)
    base = _spec_run(base).assign(band_cohorts(None))
    full = REVIEWS * len(PROVIDERS) - (REVIEWS - 1 - HANDED_BACK)
    pairs = [compared(task, base, _spec_run(scen).assign({**band_cohorts(CHANGE), **provider_variables(scen, n)}))
             for n in (full, full - 1)]
    made = Made(comparison_of(pairs, list(SEEDS), book, book.discount_rate, cf.name, po.name), xr.Dataset(),
                (base, _spec_run(scen).assign(band_cohorts(CHANGE))), runs, real, named)
    made.plain = made.compare(runs)
    return made


def replicate_comparison(made: Made) -> xr.Dataset:
    """The comparison of three replicates that differ as Transforming Rehabilitation's do: crc_freq hands
    back on a different date in each (``REPLICATE_HAND_BACKS``), so the hand-back date and the decision log
    have a replicate dimension; with a National Probation Service (``NPS``)."""
    base, scen = made.spec_runs
    task = dataclasses.replace(made.task, scenario=params(made.task.scenario, nps=True))
    pairs = []
    for handed_back in REPLICATE_HAND_BACKS:
        entries = REVIEWS * (len(PROVIDERS) + 1) - (0 if handed_back is None else REVIEWS - 1 - handed_back)
        pairs.append(compared(task, base, scen.assign(provider_variables(scen, entries, handed_back, nps=True))))
    book = task.book
    return comparison_of(pairs, list(REPLICATE_SEEDS), book, book.discount_rate, task.counterfactual.name,
                         task.scenario.name)
