"""Tables for the terminal: a run's headline measures beside the published figures, what each
service did, and a comparison's savings by agency."""
from __future__ import annotations

from rich.table import Table

from jrsim.calibration.targets import load_targets
from jrsim.reporting.summary import MILLION


def summary_table(title: str, measures: dict[str, float], scale: float) -> Table:
    targets = load_targets()
    table = Table(title=title, caption="counts are national (divided by run.scale); 'published': "
                  "calibration/targets.yaml, with sources")
    for col in ("measure", "model", "published", "within tolerance"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for name, value in measures.items():
        is_rate = "rate" in name or "per_reoffender" in name or "growth" in name
        national = value if is_rate else value / scale
        tgt = targets.get(name)
        fmt = "{:.3f}" if is_rate else "{:,.0f}"
        ok = "" if not tgt else ("yes" if abs(national - tgt["value"]) <= tgt["tolerance"] else "NO")
        table.add_row(name, fmt.format(national), fmt.format(tgt["value"]) if tgt else "", ok)
    if not any(k.startswith("reoffending_rate") for k in measures):
        table.caption += "\nno cohort had its whole follow-up in the run: use run.horizon_years >= 3 for reoffending"
    return table


def services_summary(rows: list[dict]) -> Table:
    """The services that did anything: national figures per year."""
    table = Table(title="services (national, per year)")
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


def comparison_table(cmp, rows: list[dict], total: dict) -> Table:
    table = Table(title=f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}: present value, £m "
                        f"({cmp.attrs['price_base']}, national, {total['replicates']} paired replicates)",
                  caption=f"NPV fiscal £{total['npv_fiscal'] / MILLION:,.1f}m (5-95%: {total['npv_fiscal_p05'] / MILLION:,.1f} "
                          f"to {total['npv_fiscal_p95'] / MILLION:,.1f}); cashable net of investment "
                          f"£{total['npv_cashable'] / MILLION:,.1f}m; "
                          f"economic/social £{total['npv_economic_social'] / MILLION:,.1f}m; "
                          f"ROI {total['roi_total']:.2f}")
    for col in ("agency", "cashable", "non-cashable", "economic/social", "investment", "net fiscal", "net 5-95%",
                "payback"):
        table.add_column(col, justify="left" if col == "agency" else "right")
    for r in rows:
        payback = "" if r["payback_year"] != r["payback_year"] else f"{r['payback_year']:.0f}"
        table.add_row(r["agency"], *(f"{r[k] / MILLION:,.1f}" for k in ("cashable", "non_cashable", "economic_social",
                                                                  "investment", "net_fiscal")),
                      f"{r['net_fiscal_p05'] / MILLION:,.1f} to {r['net_fiscal_p95'] / MILLION:,.1f}", payback)
    return table
