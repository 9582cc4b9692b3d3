"""The headline measures read off a run's Dataset: what a user checks first, proven reoffending by the
groups the Ministry of Justice publishes, and what each service did. Datasets in, numbers out.
"""
from __future__ import annotations

import xarray as xr

from jrsim.core.constants import TINY, WEEKS_PER_YEAR
from jrsim.core.dataset import national
from jrsim.core.vocabulary import BANDS, CUSTODY_STATUSES, DISPOSALS, INDEX_DISPOSALS, SERVICE_OUTCOMES
from jrsim.parameters.declaration import words

# The stocks reported one by one: the prison population by sentence band, remand and recall, and the
# probation caseload by order (the published tables' breakdowns).
STOCKS_REPORTED = ("remand", *CUSTODY_STATUSES, "recalled", "community_order", "suspended_sentence", "licence")

# Groups of index disposals that the published statistics report.
REOFFENDING_GROUPS = {
    "all_adults": INDEX_DISPOSALS,
    "custody_under_12m": CUSTODY_STATUSES[:1],
    "custody_12m_plus": CUSTODY_STATUSES[1:],
    "court_orders": ("community_order", "suspended_sentence"),
    "cautions": ("caution",),
}


COHORT_COUNTS = ["cohort_size", "reoffenders", "reoffences"]
# The same cohorts by quarter and provider risk band (jrsim.flows.reoffending), and the two runs of a
# comparison, as its variables name them (<count>_<arm>).
BAND_COUNTS = ("band_cohort_size", "band_reoffenders", "band_reoffences")
ARMS = ("baseline", "scenario")


def band_cohorts(counterfactual: xr.Dataset, scenario: xr.Dataset) -> xr.Dataset:
    """Both runs' cohorts by quarter and risk band, at full size (divided by run.scale, as a comparison's
    counts are): a comparison carries them so that the change in outcomes by band can be read from it
    whether or not the counterfactual has providers."""
    return xr.Dataset({f"{name}_{arm}": run[name].astype(float) / float(run.attrs.get("scale", 1.0))
                       for arm, run in zip(ARMS, (counterfactual, scenario)) for name in BAND_COUNTS})


def _group_counts(ds: xr.Dataset, complete_only: bool = True):
    """Cohort counts summed over each published group's disposals, by cohort year."""
    ds = national(ds)
    years = ds["cohort_year"][ds["cohort_complete"]] if complete_only else ds["cohort_year"]
    counts = ds[COHORT_COUNTS].sel(cohort_year=years)
    return {group: counts.sel(disposal=list(d)).sum("disposal") for group, d in REOFFENDING_GROUPS.items()}


def reoffending_table(ds: xr.Dataset, complete_only: bool = True) -> xr.Dataset:
    """One-year proven reoffending rate and re-offences per reoffender by published group."""
    out = {}
    for group, sub in _group_counts(ds, complete_only).items():
        size, reo, offences = (sub[v] for v in COHORT_COUNTS)
        out[f"{group}_rate"] = reo / size.where(size > 0)
        out[f"{group}_per_reoffender"] = offences / reo.where(reo > 0)
        out[f"{group}_cohort"] = size
    return xr.Dataset(out)


PER_YEAR = float(WEEKS_PER_YEAR)
# The measures of the whole run, by name: a user checks these first. Each with its label (what a policy
# analyst calls it: the terminal table and the calibration's files show it beside the name) and how it
# is read off the run's Dataset.
RUN_MEASURES = {
    "prison_population": ("Prison population", lambda ds: ds["prison_population"].mean()),
    "probation_caseload": ("Probation caseload", lambda ds: ds["probation_caseload"].mean()),
    "offences_per_year": ("Offences a year", lambda ds: ds["offences"].sum("offence_type").mean() * PER_YEAR),
    "arrests_per_year": ("Arrests a year", lambda ds: ds["arrests"].mean() * PER_YEAR),
    "charges_per_year": ("Charges a year", lambda ds: ds["charges"].mean() * PER_YEAR),
    "cautions_per_year": ("Cautions a year", lambda ds: ds["cautions"].mean() * PER_YEAR),
    "court_cases_per_year": ("Court cases a year", lambda ds: ds["court_cases"].sum("court").mean() * PER_YEAR),
    "crown_court_cases_per_year": ("Crown Court cases a year",
                                   lambda ds: ds["court_cases"].sel(court="crown").mean() * PER_YEAR),
    "custodial_sentences_per_year": ("Custodial sentences a year",
                                     lambda ds: ds["prison_receptions"].sum("band").mean() * PER_YEAR),
    "recalls_per_year": ("Recalls to custody a year", lambda ds: ds["recalls"].mean() * PER_YEAR),
    "entries_per_year": ("New adult offenders a year", lambda ds: ds["entries"].mean() * PER_YEAR),
    "active_population": ("Active offenders", lambda ds: ds["population"].sum("status").mean()),
    "population_growth_per_year": ("Growth of the active offenders a year",
                                   lambda ds: _growth(ds["population"].sum("status"))),
    "offences_growth_per_year": ("Growth of offences a year", lambda ds: _growth(ds["offences"].sum("offence_type"))),
    "prison_population_growth_per_year": ("Growth of the prison population a year",
                                          lambda ds: _growth(ds["prison_population"])),
    "probation_caseload_growth_per_year": ("Growth of the probation caseload a year",
                                           lambda ds: _growth(ds["probation_caseload"])),
    "community_orders_per_year": ("Community orders a year",
                                  lambda ds: ds["sentences"].sel(sentence="community_order").mean() * PER_YEAR),
    "suspended_sentences_per_year": ("Suspended sentence orders a year",
                                     lambda ds: ds["sentences"].sel(sentence="suspended_sentence").mean() * PER_YEAR),
    **{f"{status}_population": (f"People held: {words(status)}", lambda ds, s=status: ds["population"].sel(status=s).mean())
       for status in STOCKS_REPORTED},
    **{f"custodial_sentences_share_{band}": (f"Share of custodial sentences: {words(band)}",
                                             lambda ds, b=band: _share(ds["prison_receptions"], "band", [b]))
       for band in BANDS},
    **{f"sentenced_share_{disposal}": (f"Share of sentences: {words(disposal)}",
                                       lambda ds, d=disposal: _share(ds["sentences"], "sentence", _sentences_of(d)))
       for disposal in DISPOSALS},
}
# What the published statistics call each group of index disposals.
GROUP_LABELS = {"all_adults": "all adults", "custody_under_12m": "custody under 12 months",
                "custody_12m_plus": "custody of 12 months or more", "court_orders": "court orders", "cautions": "cautions"}
# Each published group's measures over its complete cohorts (present once a cohort is complete).
GROUP_MEASURES = {
    "reoffending_rate_{group}": ("Proven reoffending rate: {group}",
                                 lambda sub: sub["reoffenders"] / max(int(sub["cohort_size"]), 1)),
    "reoffences_per_reoffender_{group}": ("Re-offences per reoffender: {group}",
                                          lambda sub: sub["reoffences"] / max(int(sub["reoffenders"]), 1)),
}
COHORT_SIZE = "cohort_size_per_year"
COHORT_SIZE_LABEL = "Reoffending cohort a year (all adults)"
# Every name headline() can return (what a calibration target may name), built from the tables above,
# with its label.
LABELS = {**{name: label for name, (label, _) in RUN_MEASURES.items()},
          **{name.format(group=g): label.format(group=GROUP_LABELS[g])
             for g in REOFFENDING_GROUPS for name, (label, _) in GROUP_MEASURES.items()},
          COHORT_SIZE: COHORT_SIZE_LABEL}
MEASURES = tuple(LABELS)


def measure_label(name: str) -> str:
    """What a policy analyst calls a headline measure (the name itself for one this table does not know)."""
    return LABELS.get(name, name)


def headline(ds: xr.Dataset) -> dict[str, float]:
    """The measures a user checks first, averaged over the run (reoffending over complete cohorts)."""
    ds = national(ds)
    out = {name: float(measure(ds)) for name, (_, measure) in RUN_MEASURES.items()}
    groups = _group_counts(ds)
    n_years = groups["all_adults"].sizes["cohort_year"]
    if n_years:
        for group, counts in groups.items():
            sub = counts.sum("cohort_year")
            out.update({name.format(group=group): float(measure(sub)) for name, (_, measure) in GROUP_MEASURES.items()})
        out[COHORT_SIZE] = float(groups["all_adults"]["cohort_size"].sum() / n_years)
    return out


def service_table(ds: xr.Dataset) -> list[dict]:
    """Per service, national and per year: referrals, starts, completions, drop-outs, lost, waits, places, spend."""
    if "service" not in ds.dims:
        return []
    years = ds.sizes["time"] / float(WEEKS_PER_YEAR)
    scale = ds.attrs.get("scale", 1.0)
    rows = []
    for name in ds["service"].values:
        s = ds.sel(service=name)
        starts = int(s["service_starts"].sum())
        rows.append({
            "service": str(name),
            **{f"{o}_per_year": float(s[f"service_{o}"].sum()) / years / scale
               for o in SERVICE_OUTCOMES},
            "mean_wait_weeks": float(s["service_wait_weeks"].sum()) / starts if starts else 0.0,
            "waiting_list": float(s["service_waiting"].mean()) / scale,
            "places_used": float(s["service_in_places"].mean()) / scale,
            "spend_per_year": float(s["service_spend"].sum()) / years / scale,
        })
    return rows


def _sentences_of(disposal: str) -> list[str]:
    """The sentences a disposal counts: custody is its three bands."""
    return list(CUSTODY_STATUSES) if disposal == DISPOSALS[0] else [disposal]


def _share(da: xr.DataArray, dim: str, labels: list[str]) -> float:
    """The labels' share of a flow's total over the run."""
    return float(da.sel({dim: labels}).sum()) / max(float(da.sum()), TINY)


def _growth(total: xr.DataArray) -> float:
    """Relative change of a stock per year over the run (0 = steady)."""
    years = max((total.sizes["time"] - 1) / float(WEEKS_PER_YEAR), TINY)
    return float((total[-1] - total[0]) / total[0] / years)
