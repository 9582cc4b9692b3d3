"""What the reports say of a comparison's providers (SPEC of issue 23): each provider's terms and money,
its effort by risk band, and the change in the binary proven-reoffending rate by band against the
counterfactual, over its areas, its orders' index disposals and the complete cohorts: creaming (more
effort, and a larger fall, in the middle bands) and parking (less effort, and a rise, in the band
least likely to succeed), measure by measure. A comparison without providers has none of it.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import xarray as xr

from jrsim.core.vocabulary import PROVIDER_BAND as BAND
from jrsim.core.vocabulary import PROVIDER_DECISION as DECISION
from jrsim.experiments.carried import JOIN
from jrsim.parameters.declaration import words

PERCENTAGE_POINTS = 100.0  # a change in a rate (a share), shown in percentage points
DATE = "%Y-%m-%d"
NEVER = "never"  # a provider that did not hand its contracts back in any replicate
# The public sector's own probation service: no contract pays it and it holds no reserves (the run's are a
# placeholder: it cannot hand back), so the tables say so rather than show them.
PUBLIC_SERVICE = "national_probation_service"
NO_CONTRACT = "no contract"
# The providers' money is in their own price year, not the comparison's; a comparison that carries it names it.
PRICE_YEAR = "provider_price_year"


def has_providers(cmp: xr.Dataset) -> bool:
    return "provider_effort" in cmp and cmp.sizes.get("provider", 0) > 0


def band_labels(cmp: xr.Dataset) -> list[str]:
    return [words(str(b)) for b in cmp[BAND].values]


def date_text(value) -> str:
    """A date as the tables write it (blank for NaT)."""
    return "" if pd.isna(value) else pd.Timestamp(value).strftime(DATE)


def handed_back_text(dates) -> str:
    """When a provider handed its contracts back, over the replicates: the date if every replicate's is
    the same, else the earliest and in how many replicates it handed back at all; "never" if in none."""
    dates = pd.DatetimeIndex(np.ravel(dates))
    handed = dates.dropna()
    if handed.empty:
        return NEVER
    if len(handed) == len(dates) and handed.nunique() == 1:
        return date_text(handed[0])
    return f"{date_text(handed.min())} (earliest; in {len(handed)} of {len(dates)} replicates)"


def money_words(cmp: xr.Dataset, u: str) -> str:
    """The unit of the providers' money in a header: the providers' price year when the comparison carries
    it (one for all), else that it is each provider's own, not the comparison's price base."""
    years = np.unique(cmp[PRICE_YEAR].values) if PRICE_YEAR in cmp.coords else []
    if len(years) == 1:
        return f"£{u}, {int(years[0])} prices"
    return f"£{u}, the provider's price year, not {cmp.attrs['price_base']}"


def _split(text) -> list[str]:
    return [t for t in str(text).split(JOIN) if t]


def served(cmp: xr.Dataset) -> xr.DataArray:
    """Whether each provider served in each review period of each replicate: it had a caseload and had not
    handed its contracts back. From its hand-back the run records its commissioner's fallback under its name
    (the public service's effort, need, with no caseload; or the minimum service): not the provider's effort."""
    caseload = cmp["provider_caseload"].sum(BAND, min_count=1) > 0
    return caseload & ~(cmp["review_on"] >= cmp["provider_handed_back_on"])  # NaT (never): never after


def served_effort(cmp: xr.Dataset) -> xr.DataArray:
    """Each provider's effort in the periods it served (NaN in the others)."""
    return cmp["provider_effort"].where(served(cmp))


def band_effort(cmp: xr.Dataset) -> xr.DataArray:
    """Each provider's effort by band (a multiple of need): the mean over the review periods it served
    and the replicates; NaN for a band it never served."""
    with warnings.catch_warnings():  # a band a provider never served is all NaN: its mean is NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        return served_effort(cmp).mean(("replicate", "review"), skipna=True)


def _rate(cmp: xr.Dataset, arm: str, areas: list[str], disposals: list[str]) -> xr.DataArray:
    """The binary proven-reoffending rate by band of one run's complete cohorts in the areas and disposals
    (pooled over the replicates)."""
    size, reoffenders = cmp[f"band_cohort_size_{arm}"], cmp[f"band_reoffenders_{arm}"]
    where = {"area": [a for a in areas if a in size["area"].values] if areas else size["area"].values,
             "disposal": [d for d in disposals if d in size["disposal"].values] if disposals else size["disposal"].values}
    if "band_cohort_complete" in cmp:
        complete = cmp["band_cohort_complete"]
        complete = complete.isel(replicate=0) if "replicate" in complete.dims else complete
        where["cohort_quarter"] = complete["cohort_quarter"].values[complete.values.astype(bool)]
    dims = [d for d in size.dims if d != BAND]
    with np.errstate(invalid="ignore", divide="ignore"):  # no such cohort: NaN, not a rate
        return reoffenders.sel(where).sum(dims) / size.sel(where).sum(dims)


def band_rate_change(cmp: xr.Dataset) -> xr.DataArray:
    """Each provider's change in the binary proven-reoffending rate by band, scenario minus
    counterfactual, in percentage points (NaN: no such cohort in the comparison, or a band the provider
    never served: not its outcome)."""
    providers = [str(p) for p in cmp["provider"].values]
    bands = cmp[BAND].values
    out = np.full((len(providers), len(bands)), np.nan)
    if "band_cohort_size_baseline" in cmp and "band_cohort_size_scenario" in cmp:
        for i, p in enumerate(providers):
            at = cmp.sel(provider=p)
            areas, disposals = _split(at["provider_areas"].values), _split(at["provider_disposals"].values)
            change = _rate(cmp, "scenario", areas, disposals) - _rate(cmp, "baseline", areas, disposals)
            out[i] = change.reindex({BAND: bands}).values * PERCENTAGE_POINTS
    change = xr.DataArray(out, dims=("provider", BAND), coords={"provider": providers, BAND: bands})
    return change.where(band_effort(cmp).notnull().values)


def provider_measures(cmp: xr.Dataset) -> list[str]:
    """What each provider's results contracts pay on; the public service: no contract."""
    measures = cmp["provider_measure"].values if "provider_measure" in cmp.coords else [""] * cmp.sizes["provider"]
    return [NO_CONTRACT if str(kind) == PUBLIC_SERVICE else str(measure)
            for kind, measure in zip(cmp["provider_kind"].values, measures)]


def provider_rows(cmp: xr.Dataset) -> list[dict]:
    """One row per provider: its kind, measure, areas, responsiveness, hand-back date, effort and rate
    change by band, and its income, costs (summed over the periods) and final reserves (means of the
    replicates; GBP in its price year; none for the public service)."""
    effort, change = band_effort(cmp), band_rate_change(cmp)
    m = cmp.mean("replicate")
    rows = []
    for p, measure in zip(cmp["provider"].values, provider_measures(cmp)):
        at = cmp.sel(provider=p)
        public = str(at["provider_kind"].values) == PUBLIC_SERVICE
        rows.append({
            "provider": str(p), "kind": words(str(at["provider_kind"].values)), "measure": measure,
            "areas": ", ".join(_split(at["provider_areas"].values)) if "provider_areas" in at.coords else "",
            "responsiveness": float(at["provider_responsiveness"].mean()),
            "handed_back_on": handed_back_text(at["provider_handed_back_on"].values),
            "effort": [float(v) for v in effort.sel(provider=p).values],
            "rate_change": [float(v) for v in change.sel(provider=p).values],
            "income": float(m["provider_income"].sel(provider=p).sum("review")),
            "costs": float(m["provider_costs"].sel(provider=p).sum("review")),
            "reserves": np.nan if public else float(m["provider_reserves"].sel(provider=p).isel(review=-1))})
    return rows


ACTIVITY = {"provider_effort": "effort (multiple of need)", "provider_caseload": "caseload (people, mean)",
            "provider_contacts": "contacts (in the review period, full size)", "provider_referrals_on": "referred on (people)",
            "provider_in_services": "in services (people, mean)"}
FINANCES = {"provider_income": "income", "provider_costs": "costs", "provider_reserves": "reserves at the end"}


def activity_rows(cmp: xr.Dataset) -> list[list]:
    """provider x review period x band: each of ``ACTIVITY`` (means of the replicates, full size; effort
    over the replicates in which the provider served the period, blank where it served in none)."""
    with warnings.catch_warnings():  # a period served in no replicate: NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        m = cmp[[k for k in ACTIVITY if k in cmp]].assign(provider_effort=served_effort(cmp)).mean("replicate")
    labels = band_labels(cmp)
    return [[str(p), date_text(m["review_on"].values[r]), labels[b],
             *(float(m[k].values[i, r, b]) if k in m else np.nan for k in ACTIVITY)]
            for i, p in enumerate(m["provider"].values) for r in range(m.sizes["review"]) for b in range(len(labels))]


def finance_rows(cmp: xr.Dataset) -> list[list]:
    """provider x review period: income, costs and reserves (means of the replicates, GBP, its price year)."""
    m = cmp[list(FINANCES)].mean("replicate")
    return [[str(p), date_text(m["review_on"].values[r]), *(float(m[k].values[i, r]) for k in FINANCES)]
            for i, p in enumerate(m["provider"].values) for r in range(m.sizes["review"])]


def decision_rows(cmp: xr.Dataset) -> list[list]:
    """Each replicate's decision log: seed, provider, date, rule (in words), expected results payment (a
    log's coordinates have a replicate dimension when the replicates' logs differ)."""
    if "provider_decisions" not in cmp:
        return []
    rows = []
    for seed in cmp["replicate"].values:
        log = cmp["provider_decisions"].sel(replicate=seed)
        for i in range(log.sizes[DECISION]):
            one = log.isel({DECISION: i})
            provider = one["decision_provider"].values
            if pd.isna(provider) or str(provider) == "":  # a shorter log than another replicate's: padding
                continue
            rows.append([int(seed), str(provider), date_text(one["decision_on"].values),
                         words(str(one["decision_rule"].values)), float(one.values)])
    return rows
