"""Tables for the terminal: a run's headline measures beside the published figures, what each
service did, and a comparison's savings by agency."""
from __future__ import annotations

import math

from rich.table import Table

from jrsim.calibration.targets import load_targets
from jrsim.economics.years import FINANCIAL, year_label
from jrsim.experiments.summary import CHANCE_LEVEL, MIN_RUNS_FOR_INTERVAL, chance_interval_text, interval_text, wilson_interval
from jrsim.outputs.measures import measure_label
from jrsim.outputs.units import labels_along, output_label
from jrsim.reporting.summary import (
    irr_text,
    money_unit,
    multiple_text,
    outside_summary,
    paid_outside_text,
    payment_rows,
)
from jrsim.reporting.workbook import batch_unit

# A run's area share is a sum of local areas' shares: all of England and Wales sums to 1 up to rounding.
# (The run's area_level is the level results are broken down by, not what the run covers.)
NATIONAL_SHARE_TOLERANCE = 1e-9
# A parameter's or a measure's key (what a --set, a scenario file or a target names), beside its label.
KEY, KEY_STYLE = "key", "dim"
# Measures that are ratios (a rate, a share, a growth, re-offences per reoffender): not divided by run.scale,
# shown to three decimals; a measure with a published target goes by the target's kind.
RATIO_WORDS = ("rate", "share", "per_reoffender", "growth")


def is_ratio(name: str, target=None) -> bool:
    """Whether a headline measure is a ratio rather than a count."""
    return target.kind == "rate" if target is not None else any(word in name for word in RATIO_WORDS)


def is_national(area_share: float) -> bool:
    """Whether a run holds all of England and Wales (its areas' shares sum to 1 up to rounding)."""
    return math.isclose(area_share, 1.0, rel_tol=NATIONAL_SHARE_TOLERANCE) or area_share > 1.0


def summary_table(title: str, measures: dict[str, float], scale: float, area_share: float = 1.0) -> Table:
    """The run's headline measures beside the published national figures; a run of some areas (its
    ``area_share`` of England and Wales's offenders) is shown without them: they are national."""
    national_run = is_national(area_share)
    targets = {t.measure: t for t in load_targets().targets} if national_run else {}
    caption = ("counts are national (divided by run.scale); 'published': calibration/targets.yaml, with sources"
               if national_run else f"counts are for the run's areas ({area_share:.2%} of England and Wales's "
                                    f"offenders) at full size; the published figures are national, so not shown")
    table = Table(title=title, caption=caption)
    for col in ("measure", KEY, "model", "published", "within tolerance"):
        table.add_column(col, justify="left" if col in ("measure", KEY) else "right", style=KEY_STYLE if col == KEY else None)
    for name, value in measures.items():
        tgt = targets.get(name)
        ratio = is_ratio(name, tgt)
        national = value if ratio else value / scale
        fmt = "{:.3f}" if ratio else "{:,.0f}"
        ok = "" if not tgt else ("yes" if tgt.distance(national) <= 1.0 else "NO")
        table.add_row(measure_label(name), name, fmt.format(national), fmt.format(tgt.value) if tgt else "", ok)
    if not any(k.startswith("reoffending_rate") for k in measures):
        table.caption += "\nno cohort had its whole follow-up in the run: use run.horizon_years >= 3 for reoffending"
    return table


def services_summary(rows: list[dict]) -> Table:
    """The services that did anything: national figures per year."""
    table = Table(title="services (full size of the run's areas, per year)")
    cols = ("service", "referrals", "starts", "completions", "drop-outs", "declined", "lost",
            "mean wait (wk)", "waiting", "places used", "spend £")
    for col in cols:
        table.add_column(col, justify="left" if col == "service" else "right")
    for r in rows:
        if r["referrals_per_year"] == 0 and r["places_used"] == 0:
            continue
        table.add_row(r["service"], *(f"{r[k]:,.0f}" for k in (
            "referrals_per_year", "starts_per_year", "completions_per_year", "dropouts_per_year",
            "declined_per_year", "lost_per_year")), f"{r['mean_wait_weeks']:.1f}", f"{r['waiting_list']:,.0f}",
            f"{r['places_used']:,.0f}", f"{r['spend_per_year']:,.0f}")
    return table


def ratio_text(value: float, material: bool) -> str:
    """A return on investment as the comparison table shows it: 'n/a' for an investment too small for one."""
    return "n/a" if not material or value != value else f"{value:.2f}"


def payback_text(year: float, material: bool, kind: str) -> str:
    """A payback year as the comparison table shows it: 'n/a' for an investment too small for a ratio,
    'none' where too few runs paid back within the window."""
    return "n/a" if not material else ("none" if year != year else year_label(year, kind))


def ratio_note(cmp, total: dict, div: float, u: str) -> str:
    """The note that says what 'n/a' and 'none' mean in the ROI and payback columns."""
    kind = cmp.attrs.get("budget_year", FINANCIAL)
    return (f"ROI and payback n/a: investment under £{total['ratio_min_investment'] / div:,.2f}{u} "
            f"(ratio_min_investment, present value); payback: the first {kind} year by which at least half the runs "
            f"had paid back (none: not within the window)")


def chance_cell(p: float, n: int) -> str:
    """'100% (84-100%)': a chance with its Wilson interval, short enough for a column; nothing at stake: blank."""
    if p != p or n <= 0:
        return ""
    low, high = wilson_interval(p, n)
    return f"{p:.0%} ({low:.0%}-{high:.0%})"


def comparison_table(cmp, rows: list[dict], total: dict) -> Table:
    n = total["replicates"]
    div, u = money_unit(cmp)
    kind = cmp.attrs.get("budget_year", FINANCIAL)
    npv = interval_text(total["npv_fiscal"], total["npv_fiscal_p05"], total["npv_fiscal_p95"], div)
    few = "" if n >= MIN_RUNS_FOR_INTERVAL else f"; 90% intervals need {MIN_RUNS_FOR_INTERVAL} runs, not shown"
    roi_total = ratio_text(total["roi_total"], True)
    table = Table(title=f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}: present value, £{u} "
                        f"({cmp.attrs['price_base']}, full size of the run's areas, {n} paired replicates)",
                  caption=f"NPV fiscal £{npv}{u}, positive in {chance_interval_text(total['p_positive'], n)} "
                          f"({CHANCE_LEVEL:.0%} Wilson interval); "
                          f"cashable net of investment £{total['npv_cashable'] / div:,.1f}{u}; "
                          f"economic/social £{total['npv_economic_social'] / div:,.1f}{u}; "
                          f"ROI {roi_total}{few}{paid_outside_text(total, div, u)}\n{ratio_note(cmp, total, div, u)}")
    for col in ("agency", "cashable", "non-cashable", "economic/social", "investment", "net fiscal (90%)",
                "P(net > 0)", "ROI", "payback", "transfers", "net after transfers"):
        table.add_column(col, justify="left" if col == "agency" else "right")
    for r in rows:
        table.add_row(r["agency"], *(f"{r[k] / div:,.1f}" for k in ("cashable", "non_cashable", "economic_social",
                                                                  "investment")),
                      interval_text(r["net_fiscal"], r["net_fiscal_p05"], r["net_fiscal_p95"], div),
                      chance_cell(r["p_positive"], n), ratio_text(r["roi"], r["material"]),
                      payback_text(r["payback_year"], r["material"], kind),
                      *(f"{r[k] / div:,.2f}" for k in ("transfers", "net_after_transfers")))
    return table


def contracts_table(cmp) -> Table | None:
    """The contracts' payments by purpose and year (£m or £k, undiscounted, scenario minus baseline), and the
    parties outside the public sector with their returns; None when the comparison has no contracts."""
    rows, outside = payment_rows(cmp), outside_summary(cmp)
    if not rows and not outside:
        return None
    div, u = money_unit(cmp)
    years = [int(y) for y in cmp["year"].values]
    caption = "; ".join(f"{o['party']}: put in £{o['paid_in'] / div:,.2f}{u}, received £{o['paid_out'] / div:,.2f}{u} "
                        f"(multiple {multiple_text(o)}, IRR {irr_text(o)})" for o in outside)
    table = Table(title=f"contract payments, £{u} ({cmp.attrs['price_base']}, undiscounted; negative: paid by the payee)",
                  caption=caption or None)
    for col in ("contract", "purpose", *(year_label(y, cmp.attrs.get("budget_year", FINANCIAL)) for y in years)):
        table.add_column(col, justify="left" if col in ("contract", "purpose") else "right")
    for r in rows:
        table.add_row(r["contract"], r["purpose"], *(f"{r[y] / div:,.2f}" for y in years))
    return table


def batch_table(summary, title: str) -> Table:
    """One row a scenario: runs, fiscal NPV (with its interval where supported), the chance it is
    positive with its Wilson interval, investment, cashable savings and ROI (the ratio of the means);
    the workbook and the HTML page have the same by agency."""
    div, u = batch_unit(summary)
    table = Table(title=title, caption=f"£{u}, present values; 90% intervals shown from {MIN_RUNS_FOR_INTERVAL} "
                                       f"runs; a chance with its {CHANCE_LEVEL:.0%} Wilson interval; ROI n/a where "
                                       "the investment is not material; by agency: the summary workbook and page")
    for col in ("scenario", "runs", "NPV fiscal (90%)", "P(NPV > 0)", "investment", "cashable savings", "ROI"):
        table.add_column(col, justify="left" if col == "scenario" else "right")
    for name in summary["scenario"].values:
        s = summary.sel(scenario=name)
        runs, roi = int(s["runs"]), float(s["roi_total_mean"])
        table.add_row(str(name), f"{runs}",
                      interval_text(float(s["npv_fiscal_mean"]), float(s["npv_fiscal_p05"]), float(s["npv_fiscal_p95"]),
                                    div),
                      chance_interval_text(float(s["p_total_positive"]), runs),
                      f"{float(s['pv_investment_mean'].sum()) / div:,.1f}",
                      f"{float(s['pv_savings_cashable_mean'].sum()) / div:,.1f}", "n/a" if roi != roi else f"{roi:.2f}")
    return table


def sensitivity_table(si, noise) -> Table:
    """Parameters ranked by their index (Sobol: total order; Morris: mu*), with the noise check."""
    sobol = si.attrs["method"] == "sobol"
    key = "ST" if sobol else "mu_star"
    order = si[key].values.argsort()[::-1]
    caption = (f"{si.attrs['evaluations']} evaluations of {output_label(si.attrs['output'])} ({si.attrs['output']}, "
               f"{si.attrs['scenario']})")
    if noise is not None and "sd_paired" in noise:
        paired, unpaired, ratio = (float(noise[k]) for k in ("sd_paired", "sd_unpaired", "variance_ratio"))
        caption += (f"; noise across {noise.attrs['replicates']} replicates at the centre: sd {paired:,.0f} paired vs "
                    f"{unpaired:,.0f} unpaired (variance {ratio:,.0f}x lower with common random numbers)")
    table = Table(title=f"Sensitivity ({si.attrs['method']}), ranked", caption=caption)
    columns = ("parameter", KEY, "S1", "S1 95%", "ST", "ST 95%") if sobol else ("parameter", KEY, "mu*", "mu* 95%", "sigma")
    for col in columns:
        table.add_column(col, justify="left" if col in ("parameter", KEY) else "right",
                         style=KEY_STYLE if col == KEY else None)
    labels = labels_along(si, "parameter")
    for i in order:
        p = si.isel(parameter=i)
        cells = ([p["S1"], p["S1_conf"], p["ST"], p["ST_conf"]] if sobol else [p["mu_star"], p["mu_star_conf"], p["sigma"]])
        table.add_row(labels[i], str(p["parameter"].values), *(f"{float(v):,.3g}" for v in cells))
    return table


def library_tables(scenarios: list[dict], experiments: list[dict]) -> tuple[Table, Table]:
    """The shipped scenarios (each with the counterfactual its savings are measured against) and the
    shipped experiments, as ``jrsim scenarios`` lists them."""
    shown = Table(title="shipped scenarios (use by name in run and compare: jrsim compare COUNTERFACTUAL SCENARIO)")
    for col in ("scenario", "counterfactual", "description"):
        shown.add_column(col, overflow="fold")
    for row in scenarios:
        shown.add_row(row["name"], row["counterfactual"], row["description"])
    runs = Table(title="shipped experiments (use by name in batch and sensitivity)")
    for col in ("experiment", "counterfactual", "scenarios", "description"):
        runs.add_column(col, overflow="fold")
    for row in experiments:
        runs.add_row(row["name"], row["counterfactual"], row["scenarios"], row["description"])
    return shown, runs
