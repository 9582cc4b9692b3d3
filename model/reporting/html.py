"""The comparison as one self-contained HTML page with its charts inline (checked in a real browser).

Made from the comparison Dataset (``jrsim.economics.ledger.compare``) and the paired runs, so every
number on the page is one that the NetCDF holds or that the runs' Datasets give.
"""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib
import matplotlib.dates

matplotlib.use("Agg")  # no screen: draw to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from jrsim.core.constants import WEEKS_PER_YEAR  # noqa: E402
from jrsim.economics.costs import CostBook  # noqa: E402
from jrsim.economics.ledger import HIGH, LOW, by_funder, service_spend, spend  # noqa: E402
from jrsim.reporting.summary import MILLION, agency_summary, totals  # noqa: E402

# The charts' look: sizes in inches at DPI dots per inch, font sizes in points.
DPI = 90
WIDE, TALL, SHORT = 9, 4.5, 4  # a full-width chart: width, and the height of a tall and a short one
PANEL_WIDTH, PANEL_ROW_HEIGHT, PANELS_PER_ROW = 11, 2.7, 3  # the small multiples of demand by agency
MATRIX_BASE_HEIGHT, MATRIX_ROW_HEIGHT = 2.2, 0.45  # the heatmap grows a row per investing agency
SMALL_FONT, LABEL_FONT, TITLE_FONT = 7, 8, 9
AXIS_LINE_WIDTH = 0.8
BAND_ALPHA, NET_BAND_ALPHA = 0.25, 0.3  # shading of the 5-95% bands
DARK_CELL = 0.6  # heatmap cells beyond this share of the largest value get white text
TICK_ROTATION = 45
LEGEND_OUTSIDE = (1.01, 1)  # just right of the axes, at the top


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def agency_spend_weekly(ds: xr.Dataset, book: CostBook) -> xr.DataArray:
    """Weekly spending by agency: priced activity plus the services each agency funds."""
    activity = spend(ds, book)["spend_weekly"].groupby("bearer").sum().rename(bearer="agency")
    return activity.reindex(agency=list(book.agencies), fill_value=0.0) + by_funder(service_spend(ds, book), book)


def matrix_chart(m: xr.Dataset, book: CostBook) -> str:
    """The who-invests-who-saves matrix as a heatmap of the public budgets. The cost of crime to
    victims is left out of the colours: it is an order of magnitude larger and would hide the
    budgets' pattern (the workbook's matrix sheet has it)."""
    mat = m["matrix"].sel(saver=[a for a in m["saver"].values if book.fiscal(str(a))]) / MILLION
    investors = [i for i in mat["investor"].values if float(m["pv_investment"].sel(agency=i)) > 0]
    investors = investors or list(mat["investor"].values[:1])
    data = mat.sel(investor=investors).values
    limit = float(np.abs(data).max()) or 1.0
    fig, ax = plt.subplots(figsize=(WIDE, MATRIX_BASE_HEIGHT + MATRIX_ROW_HEIGHT * len(investors)))
    im = ax.imshow(data, cmap="RdBu", vmin=-limit, vmax=limit, aspect="auto")  # blue saves, red costs more
    ax.set_xticks(range(mat.sizes["saver"]), [str(s) for s in mat["saver"].values], rotation=TICK_ROTATION, ha="right")
    invested = [float(m["pv_investment"].sel(agency=i)) / MILLION for i in investors]
    ax.set_yticks(range(len(investors)), [f"{i} (invested {v:,.1f})" for i, v in zip(investors, invested)])
    for (r, c), v in np.ndenumerate(data):
        ax.text(c, r, f"{v:,.1f}", ha="center", va="center", fontsize=SMALL_FONT,
                color="white" if abs(v) > DARK_CELL * limit else "black")
    ax.set(title="Who invests (rows), who saves (columns): present value, £m")
    fig.colorbar(im, ax=ax, label="£m saved (negative: spends more)")
    return _png(fig)


def charts(cmp: xr.Dataset, bases: list[xr.Dataset], scens: list[xr.Dataset], book: CostBook) -> dict[str, str]:
    """Named charts as base64 PNG."""
    out = {}
    m = cmp.mean("replicate")
    years = m["year"].values
    fiscal = m["savings_fiscal"]
    fig, ax = plt.subplots(figsize=(WIDE, TALL))
    bottom_pos, bottom_neg = np.zeros(len(years)), np.zeros(len(years))
    for a in m["agency"].values:
        v = fiscal.sel(agency=a).values / MILLION
        if not np.any(v):
            continue
        base = np.where(v >= 0, bottom_pos, bottom_neg)
        ax.bar(years, v, bottom=base, label=str(a))
        bottom_pos, bottom_neg = bottom_pos + np.clip(v, 0, None), bottom_neg + np.clip(v, None, 0)
    ax.plot(years, -m["investment"].sum("agency").values / MILLION, "k--", marker="o", label="investment (negative)")
    ax.axhline(0, color="grey", lw=AXIS_LINE_WIDTH)
    ax.set(title="Fiscal savings by agency and year (£m, undiscounted)", xlabel="year", ylabel="£m")
    ax.set_xticks(years, [str(y) for y in years])
    ax.legend(fontsize=SMALL_FONT, loc="upper left", bbox_to_anchor=LEGEND_OUTSIDE)  # outside: never over the bars
    out["savings_by_agency"] = _png(fig)

    out["matrix"] = matrix_chart(m, book)

    agencies = [a for a in m["agency"].values if book.fiscal(str(a))]
    rows = -(-len(agencies) // PANELS_PER_ROW)  # the agency list is configurable: as many rows as it needs
    fig, axes = plt.subplots(rows, PANELS_PER_ROW, figsize=(PANEL_WIDTH, PANEL_ROW_HEIGHT * rows), sharex=True,
                             squeeze=False)
    for ax in axes.flat[len(agencies):]:
        ax.set_visible(False)
    base_sp = [agency_spend_weekly(b, book) for b in bases]
    scen_sp = [agency_spend_weekly(s, book) for s in scens]
    for ax, a in zip(axes.flat, agencies):
        for label, runs, colour in (("baseline", base_sp, "tab:blue"), ("scenario", scen_sp, "tab:orange")):
            arr = np.array([r.sel(agency=a).values for r in runs]) * WEEKS_PER_YEAR / MILLION
            t = runs[0]["time"].values
            ax.plot(t, arr.mean(axis=0), color=colour, label=label, lw=1)
            if len(runs) > 1:
                ax.fill_between(t, *np.quantile(arr, [LOW, HIGH], axis=0), color=colour, alpha=BAND_ALPHA)
        ax.set_title(str(a), fontsize=TITLE_FONT)
        ax.tick_params(labelsize=SMALL_FONT)
        ax.xaxis.set_major_locator(matplotlib.dates.YearLocator())
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    axes.flat[0].legend(fontsize=SMALL_FONT)
    for ax in axes[:, 0]:
        ax.set_ylabel("£m a year", fontsize=LABEL_FONT)  # the weekly spending rate; the page's heading says the rest
    fig.tight_layout()
    out["demand"] = _png(fig)

    fig, ax = plt.subplots(figsize=(WIDE, SHORT))
    net = (cmp["net_fiscal_benefit"].sum("agency")).cumsum("year") / MILLION
    ax.plot(years, net.mean("replicate"), marker="o", label="mean")
    if cmp.sizes["replicate"] > 1:
        ax.fill_between(years, net.quantile(LOW, "replicate"), net.quantile(HIGH, "replicate"), alpha=NET_BAND_ALPHA,
                        label="5-95% across replicates")
    ax.axhline(0, color="grey", lw=AXIS_LINE_WIDTH)
    ax.set(title="Cumulative net fiscal benefit, all agencies (£m, undiscounted)", xlabel="year", ylabel="£m")
    ax.set_xticks(years, [str(y) for y in years])
    ax.legend()
    out["uncertainty"] = _png(fig)
    return out


# What each chart shows, in a finance officer's words (shown above the chart).
CAPTIONS = {
    "savings_by_agency": ("Savings by agency over time",
                          "Fiscal savings (cashable and not) of each agency, year by year, against the money invested."),
    "matrix": ("Who invests, who saves",
               "Each saving agency's savings shared among the investing agencies in proportion to what each "
               "invested (present values). A row of savings elsewhere with none in the investor's own column is "
               "the wrong-pocket problem."),
    "demand": ("Demand on each agency",
               "What each agency spends on the activity the model produces and the services it funds, at the "
               "weekly rate in £m a year, baseline and scenario, with the 5-95% band across replicates."),
    "uncertainty": ("Uncertainty across replicates",
                    "Cumulative net fiscal benefit of all agencies, mean and 5-95% band of the paired replicates."),
}


def _agency_rows(cmp: xr.Dataset) -> str:
    def cell(v: float, fmt: str) -> str:
        return "<td></td>" if v != v else f"<td>{fmt.format(v)}</td>"  # NaN: not applicable

    return "".join(
        f"<tr><td>{html.escape(r['agency'])}</td>"
        + "".join(cell(r[k] / MILLION, "{:,.1f}") for k in ("cashable", "non_cashable", "economic_social", "investment",
                                                        "net_fiscal"))
        + f"<td>{r['net_fiscal_p05'] / MILLION:,.1f} to {r['net_fiscal_p95'] / MILLION:,.1f}</td>"
        + cell(r["roi"], "{:.2f}") + cell(r["payback_year"], "{:.0f}") + "</tr>"
        for r in agency_summary(cmp))


def write_html(cmp: xr.Dataset, bases, scens, book: CostBook, path: Path, files: dict[str, str]) -> Path:
    t = totals(cmp)
    imgs = "".join(f'<h2>{CAPTIONS[name][0]}</h2><p>{CAPTIONS[name][1]}</p>'
                   f'<figure><img alt="{name}" src="data:image/png;base64,{data}"/></figure>'
                   for name, data in charts(cmp, bases, scens, book).items())
    links = " | ".join(f'<a href="{html.escape(v)}">{html.escape(k)}</a>' for k, v in files.items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>jrsim: {html.escape(cmp.attrs['scenario'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child{{text-align:left}}img{{max-width:100%}}
h2{{margin-top:1.5em;border-bottom:1px solid #ccc}}</style>
</head><body>
<h1>{html.escape(cmp.attrs['scenario'])} compared with {html.escape(cmp.attrs['baseline'])}</h1>
<p>{t['replicates']} paired replicates (same seeds, common random numbers). £ in {html.escape(cmp.attrs['price_base'])},
national, present values at {cmp.attrs['discount_rate']:.1%} a year (HM Treasury Green Book).</p>
<p><b>Net present value, fiscal: £{t['npv_fiscal'] / MILLION:,.1f}m</b> (5-95%: £{t['npv_fiscal_p05'] / MILLION:,.1f}m to
£{t['npv_fiscal_p95'] / MILLION:,.1f}m); of which cashable net of investment: £{t['npv_cashable'] / MILLION:,.1f}m;
economic and social benefit to victims and society: £{t['npv_economic_social'] / MILLION:,.1f}m;
investment £{t['investment'] / MILLION:,.1f}m; return on investment {t['roi_total']:.2f}.</p>
<table><tr><th>agency (£m, present value)</th><th>cashable</th><th>non-cashable</th><th>economic/social</th>
<th>investment</th><th>net fiscal</th><th>net fiscal 5-95%</th><th>ROI</th><th>payback year</th></tr>
{_agency_rows(cmp)}</table>
<p><b>Cashable</b>: the variable share of each unit cost, plus semi-fixed costs (a prison house block, a court
sitting day, a probation officer's caseload) in whole steps once demand has stayed down by a whole step for the
step's minimum time. <b>Non-cashable</b>: capacity freed but not released (the fixed share and part steps).
<b>Economic/social</b>: the cost of crime to victims and society, not a public budget. ROI and payback are shown
for the agencies that invested. Unit costs, splits, steps and sources: the workbook's <i>assumptions</i> sheet.</p>
{imgs}
<p>Files: {links}</p>
</body></html>"""
    path.write_text(page)
    return path
