"""The comparison as one self-contained HTML page with its charts inline (checked in a real browser).

Made from the comparison Dataset alone (``jrsim.experiments.paired.run_pairs``: the ledger's comparison
with each replicate's weekly spend and the cost file's agencies), so every number on the page is one
that the NetCDF holds, and ``jrsim report`` writes the same page again from it.
"""
from __future__ import annotations

import base64
import html
import io
import warnings
from collections.abc import Collection
from pathlib import Path

import matplotlib
import matplotlib.dates

matplotlib.use("Agg")  # no screen: draw to memory
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

from jrsim.core.constants import WEEKS_PER_YEAR  # noqa: E402
from jrsim.core.vocabulary import PROVIDER_BAND  # noqa: E402
from jrsim.economics.costs import CostBook  # noqa: E402
from jrsim.economics.ledger import HIGH, LOW, fiscal_agencies  # noqa: E402
from jrsim.experiments.summary import (  # noqa: E402
    CHANCE_LEVEL,
    MEASURES,
    MIN_RUNS_FOR_INTERVAL,
    RESULTS_PAID,
    chance_interval_text,
    coverage_text,
    interval_text,
    summarise,
)
from jrsim.outputs.units import labels_along, output_label  # noqa: E402
from jrsim.reporting.levels import CHART_LABELS as LEVEL_LABELS  # noqa: E402
from jrsim.reporting.levels import level_name, levels_batch_rows  # noqa: E402
from jrsim.reporting.providers import (  # noqa: E402
    FINANCES,
    band_effort,
    band_labels,
    band_rate_change,
    has_providers,
    money_words,
    provider_measures,
    provider_rows,
)
from jrsim.reporting.summary import (  # noqa: E402
    MILLION,
    RESULT_COLUMNS,
    RESULT_NOTE,
    agency_summary,
    contract_result_rows,
    irr_text,
    measure_text,
    money_unit,
    multiple_text,
    outside_summary,
    paid_columns,
    paid_outside_text,
    payment_rows,
    result_measures,
    totals,
)
from jrsim.reporting.workbook import (  # noqa: E402
    NOT_APPLICABLE,
    batch_unit,
    contract_parties,
    ratio_rule,
    shown_ratios,
)

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
THIN_LINE = 0.6
ERROR_CAP = 2  # points: the width of an error bar's cap
HALVES = 2
PROVIDER_PANEL_HEIGHT = 3  # inches: each row (effort, outcome) of the providers' chart
PROVIDER_ROWS = 2  # the providers' chart: effort by band above, the change in the reoffending rate below
MEAN_LINE_WIDTH = 2  # points: a measure's mean over its providers, over their thin lines
PROVIDER_LINE_ALPHA = 0.6  # each provider's thin line: 21 of them still read as a spread
NEED_EFFORT = 1.0  # effort as a multiple of need: 1 serves each band by need
OUTCOME_FORMAT = "{:,.3f}"  # a contract measure's outcome: a share, re-offences per person, starts
DESIGNS_FIGSIZE = (16, 5)  # inches: the designs' four panels side by side
BAR_PAIR = 0.4  # width of each of the two bars (before, after) drawn side by side per agency
# Titles and labels hold names from files (a scenario's, an agency's): drawn as written, never read as
# mathtext ('$x$' in a name would otherwise be typeset, and an unbalanced '$' would stop the report).
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}
plain_text = matplotlib.rc_context(PLAIN_TEXT)  # a decorator: each chart function draws in it


def labelled_key(key) -> str:
    """A key (what a --set, a scenario file or a cost file names) in small type, escaped."""
    return f"<small><code>{html.escape(str(key))}</code></small>"


def labelled(label: str, key) -> str:
    """A parameter's, measure's or activity's label for the finance officer, its key below it for the researcher."""
    return f"{html.escape(label)}<br>{labelled_key(key)}"


def _index_row(si: xr.Dataset, i: int, label: str, keys) -> str:
    """One parameter's indices (each with its 95% confidence half-width) in the sensitivity page's table."""
    p = si.isel(parameter=i)
    cells = "".join(f"<td>{float(p[value]):,.3g} ± {float(p[conf]):,.3g}</td>" for value, conf in keys)
    return f"<tr><td>{labelled(label, p['parameter'].values)}</td>{cells}</tr>"


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


@plain_text
def matrix_chart(m: xr.Dataset, budgets: Collection[str]) -> str:
    """The who-invests-who-saves matrix as a heatmap of the public budgets. The cost of crime to
    victims is left out of the colours: it is an order of magnitude larger and would hide the
    budgets' pattern (the workbook's matrix sheet has it)."""
    mat = m["matrix"].sel(saver=[a for a in m["saver"].values if str(a) in budgets]) / MILLION
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


@plain_text
def chance_chart(summary: xr.Dataset, budgets: Collection[str]) -> str:
    """The chance each public budget's net fiscal benefit is positive (with its Wilson interval), and
    the total's: one bar an agency; with scenarios, one row of bars a scenario."""
    fiscal = [a for a in summary["agency"].values if str(a) in budgets]
    scenarios = list(summary["scenario"].values) if "scenario" in summary.dims else [None]
    fig, ax = plt.subplots(figsize=(WIDE, SHORT + MATRIX_ROW_HEIGHT * len(scenarios)))
    width = 1.0 / (len(scenarios) + 1)
    for k, name in enumerate(scenarios):
        s = summary.sel(scenario=name) if name is not None else summary
        p, low, high = (np.array([float(s[f"p_net_benefit_positive{end}"].sel(agency=a)) for a in fiscal]
                                 + [float(s[f"p_total_positive{end}"])]) for end in ("", "_low", "_high"))
        x = np.arange(len(p)) + k * width
        ax.bar(x, p, width, yerr=np.nan_to_num([p - low, high - p]), label=str(name) if name is not None else None,
               capsize=ERROR_CAP)
    group_middle = width * (len(scenarios) - 1) / HALVES  # ticks under the middle of each group of bars
    ax.set_xticks(np.arange(len(fiscal) + 1) + group_middle, [str(a) for a in fiscal] + ["total"],
                  rotation=TICK_ROTATION, ha="right")
    ax.set(ylim=(0, 1), ylabel="chance net fiscal benefit > 0",
           title=f"Chance each agency gains, across {int(np.max(summary['runs']))} paired runs (bars: "
                 f"{CHANCE_LEVEL:.0%} Wilson interval)")
    if scenarios[0] is not None:
        ax.legend(fontsize=SMALL_FONT, loc="upper left", bbox_to_anchor=LEGEND_OUTSIDE)
    return _png(fig)


@plain_text
def charts(cmp: xr.Dataset) -> dict[str, str]:
    """Named charts as base64 PNG."""
    out = {}
    budgets = fiscal_agencies(cmp)  # the public budgets
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

    out["matrix"] = matrix_chart(m, budgets)

    agencies = [a for a in m["agency"].values if str(a) in budgets]
    rows = -(-len(agencies) // PANELS_PER_ROW)  # the agency list is configurable: as many rows as it needs
    fig, axes = plt.subplots(rows, PANELS_PER_ROW, figsize=(PANEL_WIDTH, PANEL_ROW_HEIGHT * rows), sharex=True,
                             squeeze=False)
    for ax in axes.flat[len(agencies):]:
        ax.set_visible(False)
    for ax, a in zip(axes.flat, agencies):
        for label, colour in (("baseline", "tab:blue"), ("scenario", "tab:orange")):
            runs = cmp[f"weekly_spend_{label}"].sel(agency=a).transpose("replicate", "time")  # each run's weekly spend
            arr = runs.values * WEEKS_PER_YEAR / MILLION
            t = runs["time"].values
            ax.plot(t, arr.mean(axis=0), color=colour, label=label, lw=1)
            if len(arr) >= MIN_RUNS_FOR_INTERVAL:
                ax.fill_between(t, *np.quantile(arr, [LOW, HIGH], axis=0), color=colour, alpha=BAND_ALPHA)
            else:  # too few runs for a band: each run, faintly
                for one in arr:
                    ax.plot(t, one, color=colour, lw=THIN_LINE, alpha=BAND_ALPHA)
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
    if cmp.sizes["replicate"] >= MIN_RUNS_FOR_INTERVAL:
        ax.fill_between(years, net.quantile(LOW, "replicate"), net.quantile(HIGH, "replicate"), alpha=NET_BAND_ALPHA,
                        label="5-95% across replicates")
    else:
        for r in range(cmp.sizes["replicate"]):
            ax.plot(years, net.isel(replicate=r), color="grey", lw=THIN_LINE,
                    label="each replicate" if r == 0 else None)
    ax.axhline(0, color="grey", lw=AXIS_LINE_WIDTH)
    ax.set(title="Cumulative net fiscal benefit, all agencies (£m, undiscounted)", xlabel="year", ylabel="£m")
    ax.set_xticks(years, [str(y) for y in years])
    ax.legend()
    out["uncertainty"] = _png(fig)
    out["chance"] = chance_chart(summarise(cmp), budgets)
    if "payments_by_contract" in cmp:
        out["transfers"] = transfers_chart(m, budgets)
    return out


@plain_text
def transfers_chart(m: xr.Dataset, budgets: Collection[str]) -> str:
    """Each agency's net fiscal benefit (present value) before and after the contracts' payments."""
    agencies = [str(a) for a in m["agency"].values if str(a) in budgets]
    before = m["pv_net_fiscal_benefit"].sel(agency=agencies).values / MILLION
    after = m["pv_net_fiscal_benefit_after_transfers"].sel(agency=agencies).values / MILLION
    x = np.arange(len(agencies))
    fig, ax = plt.subplots(figsize=(WIDE, SHORT))
    ax.bar(x - BAR_PAIR / HALVES, before, BAR_PAIR, label="before payments")
    ax.bar(x + BAR_PAIR / HALVES, after, BAR_PAIR, label="after payments (transfers)")
    ax.axhline(0, color="grey", lw=AXIS_LINE_WIDTH)
    ax.set_xticks(x, agencies, rotation=TICK_ROTATION, ha="right", fontsize=SMALL_FONT)
    ax.set(title="Net fiscal benefit by agency before and after the contracts' payments (£m, present value)",
           ylabel="£m")
    ax.legend(fontsize=SMALL_FONT)
    return _png(fig)


@plain_text
def providers_chart(cmp: xr.Dataset) -> str:
    """Creaming and parking at a glance: for each measure the providers' contracts pay on (a column),
    the effort each provider chose by risk band (top, 1 = by need) and the change in the binary
    reoffending rate by band against the counterfactual (bottom): each provider a thin line, the
    measure's mean a thick one, so that 21 providers read as a spread rather than 21 legends."""
    effort, change = band_effort(cmp), band_rate_change(cmp)
    measures = provider_measures(cmp)
    groups = list(dict.fromkeys(measures))
    bands = np.arange(cmp.sizes[PROVIDER_BAND])
    fig, axes = plt.subplots(PROVIDER_ROWS, len(groups), figsize=(PANEL_WIDTH, PROVIDER_PANEL_HEIGHT * PROVIDER_ROWS),
                             sharex=True,
                             sharey="row", squeeze=False)
    for col, group in enumerate(groups):
        chosen = [i for i, m in enumerate(measures) if m == group]
        for ax, values, level in ((axes[0, col], effort.values, NEED_EFFORT), (axes[1, col], change.values, 0.0)):
            for i in chosen:
                ax.plot(bands, values[i], color="grey", lw=THIN_LINE, alpha=PROVIDER_LINE_ALPHA)
            with warnings.catch_warnings():  # a band no provider of the measure serves: a gap in the line
                warnings.simplefilter("ignore", RuntimeWarning)
                ax.plot(bands, np.nanmean(values[chosen], axis=0), color="tab:blue", marker="o", lw=MEAN_LINE_WIDTH)
            ax.axhline(level, color="black", lw=AXIS_LINE_WIDTH, ls="--")
            ax.tick_params(labelsize=SMALL_FONT)
        axes[0, col].set_title(f"{group} ({len(chosen)} provider{'s' if len(chosen) > 1 else ''})", fontsize=TITLE_FONT)
        axes[1, col].set_xticks(bands, band_labels(cmp), fontsize=SMALL_FONT)
        axes[1, col].set_xlabel("risk band", fontsize=LABEL_FONT)
    axes[0, 0].set_ylabel("effort (1 = by need)", fontsize=LABEL_FONT)
    axes[1, 0].set_ylabel("change in reoffending rate\n(percentage points)", fontsize=LABEL_FONT)
    fig.tight_layout()
    return _png(fig)


def _providers_section(cmp: xr.Dataset) -> str:
    """The providers' table and chart (blank without providers)."""
    if not has_providers(cmp):
        return ""
    div, u = money_unit(cmp)
    bands = band_labels(cmp)
    head = ("<tr><th>provider</th><th>kind</th><th>measure</th><th>areas</th><th>responsiveness</th>"
            "<th>handed back on</th>" + "".join(f"<th>effort: {html.escape(b)}</th>" for b in bands)
            + "".join(f"<th>rate change: {html.escape(b)} (points)</th>" for b in bands)
            + "".join(f"<th>{t} ({html.escape(money_words(cmp, u))})</th>" for t in FINANCES.values()) + "</tr>")
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(r[k])}</td>" for k in ("provider", "kind", "measure", "areas"))
        + _cell(r["responsiveness"], "{:.2f}") + f"<td>{html.escape(r['handed_back_on'])}</td>"
        + "".join(_cell(v, "{:.2f}") for v in r["effort"]) + "".join(_cell(v, "{:+.1f}") for v in r["rate_change"])
        + "".join(_cell(r[k] / div, "{:,.1f}") for k in ("income", "costs", "reserves")) + "</tr>"
        for r in provider_rows(cmp))
    return (f"<h2>Providers: effort and outcomes by risk band</h2><p>{html.escape(PROVIDER_CAPTION)}</p>"
            f'<figure><img alt="providers" src="data:image/png;base64,{providers_chart(cmp)}"/></figure>'
            f"<p>Each provider (mean of the runs; effort over the periods it served; money summed over the review "
            f"periods, {html.escape(money_words(cmp, u))}; the workbook's provider sheets hold every period, band and "
            f"decision).</p><table>{head}{body}</table>")


PROVIDER_CAPTION = (
    "Creaming and parking at a glance. One column for each measure the providers' results contracts pay on. Top: "
    "the effort each provider chose for each risk band, as a multiple of need (the dashed line: serving by need, as "
    "under a fee for service), the mean over the periods it served in. Bottom: the change in the binary proven "
    "reoffending rate of each band, scenario less counterfactual, in percentage points, over the provider's areas, "
    "its orders' index disposals and the complete cohorts. Grey: each provider; blue: the measure's mean. Under a "
    "binary measure a profit-seeking provider works most with the middle bands (creaming) and least with the band "
    "least likely to succeed (parking); under a frequency measure the highest-rate people are worth most.")
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
               "weekly rate in £m a year, baseline and scenario: the mean, with the 5-95% band across replicates "
               f"from {MIN_RUNS_FOR_INTERVAL} replicates (each replicate drawn faintly when there are fewer)."),
    "uncertainty": ("Uncertainty across replicates",
                    "Cumulative net fiscal benefit of all agencies: the mean, and the 5-95% band of the paired "
                    f"replicates from {MIN_RUNS_FOR_INTERVAL} of them (each replicate when there are fewer)."),
    "transfers": ("Who ends up paying, who ends up saving",
                  "Each agency's net fiscal benefit before and after the contracts' payments: a payment moves money "
                  "from the agency that pays (the commissioner's budget) to the one paid, so a contract that works "
                  "moves savings back towards the pocket that invested. Money paid to providers and investors "
                  "leaves the public sector: see the contracts table."),
    "designs": ("Commissioning designs side by side",
                "Each scenario's commissioning designs run by run (jrsim.reporting.levels): the lots let, what a case "
                "costs, need matching, the share of the money reaching small local providers, commissioning's own "
                "cost, and the spread of a lot's results payment per pound of its results money, as the tender "
                "prices it for the real cohort (full size) and as the runs paid it on their sampled cohorts (at the "
                "run's scale a cohort is that fraction of the real one, so its spread is larger by about one over "
                "the square root of the scale); then the NPV and each agency's savings, chance and demand."),
    "chance": ("Chance of a net benefit",
               "The share of paired runs in which each agency's net fiscal benefit (present value) is positive, "
               f"with its {CHANCE_LEVEL:.0%} Wilson score interval: a chance from few runs is rough, and its interval "
               "says how rough (20 of 20 runs: 100%, 84% to 100%)."),
}


def _cell(v, fmt: str) -> str:
    """A table cell: a number in ``fmt``, a text (escaped), or blank for NaN (not applicable)."""
    if isinstance(v, str):
        return f"<td>{html.escape(v)}</td>"
    return "<td></td>" if v != v else f"<td>{fmt.format(v)}</td>"


def _agency_rows(cmp: xr.Dataset) -> str:
    div, _ = money_unit(cmp)
    runs = int(cmp.sizes["replicate"])
    return "".join(
        f"<tr><td>{html.escape(r['agency'])}</td>"
        + "".join(_cell(r[k] / div, "{:,.1f}") for k in ("cashable", "non_cashable", "economic_social", "investment",
                                                         "net_fiscal"))
        + f"<td>{html.escape(interval_text(r['net_fiscal'], r['net_fiscal_p05'], r['net_fiscal_p95'], div))}</td>"
        + f"<td>{html.escape(chance_interval_text(r['p_positive'], runs))}</td>"
        + "".join(_cell(v, fmt) for v, fmt in zip(shown_ratios(r), ("{:.2f}", "{:.0f}")))
        + "".join(_cell(r[k] / div, "{:,.2f}") for k in ("transfers", "net_after_transfers")) + "</tr>"
        for r in agency_summary(cmp))


def _results_table(cmp: xr.Dataset, div: float, u: str) -> str:
    """Each contract's results by cohort year (``contract_result_rows``); blank without results."""
    rows, measures, paid = contract_result_rows(cmp), result_measures(cmp), paid_columns(cmp)
    if not rows:
        return ""
    head = "".join(f"<th>{html.escape(measure_text(m))}: {html.escape(t)}</th>" for m in measures
                   for t in RESULT_COLUMNS.values()) + "".join(f"<th>paid: {t} (£{u})</th>" for t in paid.values())
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(r[k])}</td>" for k in ("contract", "kind", "payee", "areas"))
        + f"<td>{r['year']}</td>"
        + "".join(_cell(r["measures"][m][k], OUTCOME_FORMAT) for m in measures for k in RESULT_COLUMNS)
        + "".join(_cell(r["paid"].get(k, 0.0) / div, "{:,.2f}") for k in paid) + "</tr>" for r in rows)
    return (f"<h3>Results by contract and cohort year</h3><p>{html.escape(RESULT_NOTE[:1].upper() + RESULT_NOTE[1:])} "
            f"(£{u}, {html.escape(cmp.attrs['price_base'])}).</p><table><tr><th>contract</th><th>kind</th><th>payee</th>"
            f"<th>areas</th><th>year</th>{head}</tr>{body}</table>")


def _contracts_section(cmp: xr.Dataset) -> str:
    """The contracts' payments by purpose and year, each contract's results by cohort year, and the
    parties outside the public sector."""
    rows, outside = payment_rows(cmp), outside_summary(cmp)
    div, u = money_unit(cmp)
    results = _results_table(cmp, div, u)
    if not rows and not outside and not results:
        return ""
    years = [int(y) for y in cmp["year"].values]
    head = "".join(f"<th>{y}</th>" for y in years)
    parties = contract_parties(cmp)
    body = "".join(f"<tr><td>{html.escape(r['contract'])}</td><td>{html.escape(r['purpose'])}</td>"
                   + "".join(f"<td>{html.escape(v)}</td>" for v in parties.get((r["contract"], r["purpose"]), ("", "")))
                   + "".join(f"<td>{r[y] / div:,.2f}</td>" for y in years) + "</tr>" for r in rows)
    outside_rows = "".join(
        f"<tr><td>{html.escape(o['party'])}</td><td>{o['paid_in'] / div:,.2f}</td><td>{o['paid_out'] / div:,.2f}</td>"
        f"<td>{o['received_net'] / div:,.2f}</td><td>{multiple_text(o)}</td>"
        f"<td>{html.escape(irr_text(o))}</td><td>{o['runs_with_irr']}</td></tr>"
        for o in outside)
    outside_table = (f"<h3>Outside the public sector</h3><table><tr><th>party</th><th>put in (£{u})</th><th>received (£{u})"
                     f"</th><th>net, present value (£{u})</th><th>money multiple</th><th>IRR a year</th>"
                     f"<th>runs with an IRR</th></tr>{outside_rows}</table>") if outside else ""
    return (f"<h2>Contracts and their payments</h2><p>What each contract paid, for what and in which year (£{u}, "
            f"{html.escape(cmp.attrs['price_base'])}, undiscounted, scenario minus baseline, mean of the replicates; "
            f"negative: paid by the payee, as investors' capital or a fee repaid). Results payments fall only after "
            f"each cohort's follow-up and proof window; the run's NetCDF lists every payment with its date.</p>"
            f"<table><tr><th>contract</th><th>purpose</th><th>payer</th><th>payee</th>{head}</tr>{body}</table>"
            f"{results}{outside_table}")


def write_html(cmp: xr.Dataset, path: Path, files: dict[str, str]) -> Path:
    """The comparison's page, from the comparison alone; ``files``: the set's other files, linked by name."""
    t = totals(cmp)
    div, u = money_unit(cmp)
    imgs = "".join(f'<h2>{CAPTIONS[name][0]}</h2><p>{CAPTIONS[name][1]}</p>'
                   f'<figure><img alt="{name}" src="data:image/png;base64,{data}"/></figure>'
                   for name, data in charts(cmp).items())
    links = " | ".join(f'<a href="{html.escape(v)}">{html.escape(k)}</a>' for k, v in files.items())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>jrsim: {html.escape(cmp.attrs['scenario'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}td:first-child{{text-align:left}}img{{max-width:100%}}
h2{{margin-top:1.5em;border-bottom:1px solid #ccc}}</style>
</head><body>
<h1>{html.escape(cmp.attrs['scenario'])} compared with {html.escape(cmp.attrs['baseline'])}</h1>
<p><b>{html.escape(coverage_text(cmp.attrs))}</b>.</p>
<p>{t['replicates']} paired replicates (same seeds, common random numbers). £{u} in {html.escape(cmp.attrs['price_base'])},
at the full size of the run's areas, present values at {cmp.attrs['discount_rate']:.1%} a year (HM Treasury Green
Book).</p>
<p><b>Net present value, fiscal:
£{html.escape(interval_text(t['npv_fiscal'], t['npv_fiscal_p05'], t['npv_fiscal_p95'], div))}{u}</b>
(90% interval shown from {MIN_RUNS_FOR_INTERVAL} runs; these figures rest on {t['replicates']}), positive in
{html.escape(chance_interval_text(t['p_positive'], t['replicates']))} ({CHANCE_LEVEL:.0%} Wilson interval);
of which cashable net of investment: £{t['npv_cashable'] / div:,.1f}{u};
economic and social benefit to victims and society: £{t['npv_economic_social'] / div:,.1f}{u};
investment £{t['investment'] / div:,.1f}{u}; return on investment {html.escape(_total_roi(cmp, t))}{
html.escape(paid_outside_text(t, div, u))}.</p>
<table><tr><th>agency (£{u}, present value)</th><th>cashable</th><th>non-cashable</th><th>economic/social</th>
<th>investment</th><th>net fiscal</th><th>net fiscal (90%)</th><th>P(net &gt; 0) ({CHANCE_LEVEL:.0%})</th><th>ROI</th>
<th>payback year</th><th>contract transfers</th><th>net after transfers</th></tr>
{_agency_rows(cmp)}</table>
<p>Each agency's net fiscal benefit is shown before and after the contracts' payments (transfers between
agencies, and to or from providers and investors): payments between agencies move savings between pockets,
and what is paid outside the public sector is part of its cost, so the agencies' nets after the payments sum
to the net present value above.</p>
{_contracts_section(cmp)}
{_providers_section(cmp)}
<p><b>Cashable</b>: the variable share of each unit cost, plus semi-fixed costs (a prison house block, a court
sitting day, a probation officer's caseload) in whole steps once demand has stayed down by a whole step for the
step's minimum time. <b>Non-cashable</b>: capacity freed but not released (the fixed share and part steps).
<b>Economic/social</b>: the cost of crime to victims and society, not a public budget.
{html.escape(ratio_rule(cmp.attrs)[1])}. Unit costs, splits, steps and sources: the workbook's <i>assumptions</i>
sheet.</p>
{imgs}
<p>Files: {links}</p>
</body></html>"""
    path.write_text(page, encoding="utf-8")  # the page says it is UTF-8, whatever the terminal's locale
    return path


def _total_roi(cmp: xr.Dataset, t: dict) -> str:
    """The comparison's return on investment as shown: 'n/a' when the total investment is not material."""
    threshold, _ = ratio_rule(cmp.attrs)
    roi = t["roi_total"]
    return f"{roi:.2f}" if t["investment"] > threshold and roi == roi else NOT_APPLICABLE


BATCH_PAGE_STYLE = """body{font-family:sans-serif;max-width:1300px;margin:auto;padding:1em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,td:nth-child(2){text-align:left}
img{max-width:100%}h2{margin-top:1.5em;border-bottom:1px solid #ccc}"""


def write_batch_html(summary: xr.Dataset, book: CostBook, name: str, path: Path) -> Path:
    """A batch's summary as one page: per scenario and agency the measures a policy team compares
    (mean and 90% interval), ROI, the chance of a net benefit with its Wilson interval, demand change,
    each with the runs it rests on; and the chart of the chances."""
    div, u = batch_unit(summary)
    scenarios = [str(s) for s in summary["scenario"].values]
    totals_rows = "".join(_batch_total_row(summary.sel(scenario=s), s, div) for s in scenarios)
    agency_rows = "".join(_batch_agency_row(summary.sel(scenario=s, agency=a), s, str(a), div)
                          for s in scenarios for a in summary["agency"].values)
    measures = "".join(f"<th>{html.escape(m)} (90%)</th>" for m in MEASURES.values())
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>jrsim batch: {html.escape(name)}</title>
<style>{BATCH_PAGE_STYLE}</style></head><body><h1>{html.escape(name)}</h1>
<p>Each scenario against its counterfactual on paired runs (common random numbers), over parameter draws and
replicates; {html.escape(coverage_text(summary.attrs))}. £{u}, present values, base prices. 90% intervals (5th to
95th percentile of the runs) are shown from {MIN_RUNS_FOR_INTERVAL} runs; a chance is the share of runs, with its
{CHANCE_LEVEL:.0%} Wilson score interval. Every row says the runs it rests on.</p>
<table><tr><th>scenario</th><th>runs</th><th>NPV fiscal, £{u} (90%)</th><th>P(NPV &gt; 0) ({CHANCE_LEVEL:.0%})</th>
<th>ROI (90%)</th></tr>{totals_rows}</table>
<h2>By agency</h2><p>{html.escape(_batch_roi_note(summary))}</p>
<table><tr><th>scenario</th><th>agency</th><th>runs</th>{measures}<th>ROI (90%)</th>
<th>P(net &gt; 0) ({CHANCE_LEVEL:.0%})</th></tr>{agency_rows}</table>
{_batch_demand_section(summary)}
{_batch_results_section(summary, div, u)}
{_batch_designs_section(summary)}
<h2>{CAPTIONS['chance'][0]}</h2><p>{CAPTIONS['chance'][1]}</p>
<figure><img alt="chance" src="data:image/png;base64,{chance_chart(summary, _budgets(book))}"/></figure>
</body></html>"""
    path.write_text(page, encoding="utf-8")
    return path


def _budgets(book: CostBook) -> set[str]:
    """The public budgets among the cost file's agencies."""
    return {a for a in book.agencies if book.fiscal(a)}


def _roi_text(s: xr.Dataset) -> str:
    """A summary's ROI: the ratio of the means with the runs' 90% interval where shown; 'n/a' when not material."""
    roi = float(s["roi_mean"])
    if roi != roi:
        return NOT_APPLICABLE
    low, high = float(s["roi_p05"]), float(s["roi_p95"])
    return f"{roi:.2f}" if low != low else f"{roi:.2f} ({low:.2f} to {high:.2f})"


def _batch_total_row(s: xr.Dataset, scenario: str, div: float) -> str:
    runs = int(s["runs"])
    npv = interval_text(float(s["npv_fiscal_mean"]), float(s["npv_fiscal_p05"]), float(s["npv_fiscal_p95"]), div)
    roi = float(s["roi_total_mean"])
    roi = NOT_APPLICABLE if roi != roi else f"{roi:.2f}"
    chance = chance_interval_text(float(s["p_total_positive"]), runs)
    return (f"<tr><td>{html.escape(scenario)}</td><td>{runs}</td><td>{html.escape(npv)}</td>"
            f"<td>{html.escape(chance)}</td><td>{html.escape(roi)}</td></tr>")


def _batch_agency_row(a: xr.Dataset, scenario: str, agency: str, div: float) -> str:
    runs = int(a["runs"])
    cells = "".join(f"<td>{html.escape(interval_text(*(float(a[f'{m}_{k}']) for k in ('mean', 'p05', 'p95')), div))}</td>"
                    for m in MEASURES)
    chance = chance_interval_text(float(a["p_net_benefit_positive"]), runs)
    return (f"<tr><td>{html.escape(scenario)}</td><td>{html.escape(agency)}</td><td>{runs}</td>{cells}"
            f"<td>{html.escape(_roi_text(a))}</td><td>{html.escape(chance)}</td></tr>")


def _batch_roi_note(summary: xr.Dataset) -> str:
    minimum = float(summary.attrs.get("ratio_min_investment", 0.0))
    return (f"ROI: the ratio of the means (mean net fiscal benefit over mean investment, present values), with the "
            f"90% interval of each run's ratio where every run invested; {NOT_APPLICABLE} where the mean investment "
            f"is not above £{minimum:,.0f}: a ratio to a small investment means nothing.")


def _batch_demand_section(summary: xr.Dataset) -> str:
    """Demand change by scenario and activity (units of each activity over the output years)."""
    if "demand_change_mean" not in summary:
        return ""
    agency = summary["activity_agency"].values if "activity_agency" in summary.coords else [""] * summary.sizes["activity"]
    rows = "".join(
        f"<tr><td>{html.escape(str(s))}</td><td>{labelled(label, act)}</td><td>{html.escape(str(ag))}</td>"
        f"<td>{int(summary['runs'].sel(scenario=s))}</td><td>"
        + html.escape(interval_text(*(float(summary[f"demand_change_{k}"].sel(scenario=s, activity=act))
                                      for k in ("mean", "p05", "p95")), 1.0)) + "</td></tr>"
        for s in summary["scenario"].values
        for act, label, ag in zip(summary["activity"].values, labels_along(summary, "activity"), agency))
    return ("<h2>Demand change</h2><p>Scenario minus counterfactual, summed over the output years, national, in units "
            "of each activity (place-weeks, cases, arrests ...): mean (90% interval).</p><table><tr><th>scenario</th>"
            f"<th>activity</th><th>agency</th><th>runs</th><th>change (90%)</th></tr>{rows}</table>")


def _batch_results_section(summary: xr.Dataset, div: float, u: str) -> str:
    """What each payee outside the public sector was paid on its results, by scenario (none: nothing)."""
    if f"{RESULTS_PAID}_mean" not in summary:
        return ""
    rows = "".join(
        f"<tr><td>{html.escape(str(s))}</td><td>{labelled(label, payee)}</td>"
        f"<td>{int(summary['runs'].sel(scenario=s))}</td>"
        + "".join(f"<td>{html.escape(text)}</td>" for text in _results_cells(summary.sel(scenario=s, payee=payee), div))
        + "</tr>"
        for s in summary["scenario"].values
        for payee, label in zip(summary["payee"].values, labels_along(summary, "payee")))
    return (f"<h2>Results payments</h2><p>What each payee outside the public sector was paid on its results (results "
            f"payments less fees repaid; a deduction for a rise is negative), summed over the output years, £{u} in "
            f"base prices, not discounted: the mean with its 90% interval (from {MIN_RUNS_FOR_INTERVAL} runs), and "
            f"the median.</p><table><tr><th>scenario</th><th>payee</th><th>runs</th><th>mean (90%)</th>"
            f"<th>median</th></tr>{rows}</table>")


def _batch_designs_section(summary: xr.Dataset) -> str:
    """The scenarios' commissioning designs side by side (jrsim.reporting.levels), with their chart (none:
    nothing)."""
    if "design_lots_mean" not in summary:
        return ""
    header, rows = levels_batch_rows(summary)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<h2>{CAPTIONS['designs'][0]}</h2><p>{CAPTIONS['designs'][1]}</p><table><tr>{head}</tr>{body}</table>"
            f'<figure><img alt="designs" src="data:image/png;base64,{designs_chart(summary)}"/></figure>')


@plain_text
def designs_chart(summary: xr.Dataset) -> str:
    """The designs by scenario in four panels: cost per case; need matching, referrals meeting a need and
    the share reaching small local providers; commissioning's cost; the spread of a lot's results payment per
    pound (the tender's at full size, and the runs'); each bar the mean across runs, with its 90% interval
    where the summary gives one."""
    names = [str(s) for s in summary["scenario"].values]
    panels = ((("design_cost_per_case",), "£ a case"),
              (("design_need_match", "design_referrals_meeting_need", "design_small_local_share"), "share"),
              (("design_competition_cost", "design_management_cost"), "£m"),
              (("design_results_sd_median_lot", "design_results_paid_sd"), "s.d. per £ of results money"))
    fig, axes = plt.subplots(1, len(panels), figsize=DESIGNS_FIGSIZE)
    for ax, (figures, unit) in zip(axes, panels):
        width = 1.0 / (len(figures) + 1)
        for k, name in enumerate(figures):
            scale = MILLION if unit == "£m" else 1.0
            mean, low, high = (summary[f"{name}_{end}"].values / scale for end in ("mean", "p05", "p95"))
            err = np.nan_to_num([mean - low, high - mean]) if np.isfinite(low).all() else None
            ax.bar(np.arange(len(names)) + k * width, mean, width, yerr=err, capsize=ERROR_CAP,
                   label=LEVEL_LABELS[name])
        ax.set_xticks(np.arange(len(names)) + width * (len(figures) - 1) / HALVES, [level_name(n) for n in names],
                      rotation=TICK_ROTATION, ha="right")
        ax.set(ylabel=unit)
        ax.legend(fontsize=SMALL_FONT)
    fig.suptitle(f"The designs by level, across {int(np.max(summary['runs']))} paired runs (bars: 90% interval)")
    return _png(fig)


def _results_cells(p: xr.Dataset, div: float) -> tuple[str, str]:
    mean = interval_text(*(float(p[f"{RESULTS_PAID}_{k}"]) for k in ("mean", "p05", "p95")), div)
    return mean, f"{float(p[f'{RESULTS_PAID}_p50']) / div:,.1f}"


@plain_text
def write_sensitivity_html(si: xr.Dataset, noise: xr.Dataset, path: Path) -> Path:
    """The indices as a ranked bar chart (with SALib's 95% confidence), and what pairing bought."""
    sobol = si.attrs["method"] == "sobol"
    keys = (("S1", "S1_conf"), ("ST", "ST_conf")) if sobol else (("mu_star", "mu_star_conf"),)
    order = si[keys[-1][0]].values.argsort()
    fig, ax = plt.subplots(figsize=(WIDE, SHORT))
    height = 1.0 / (len(keys) + 1)
    for k, (value, conf) in enumerate(keys):
        ax.barh(np.arange(len(order)) + k * height, si[value].values[order], height, xerr=si[conf].values[order],
                label=value, capsize=ERROR_CAP)
    labels = labels_along(si, "parameter")
    ax.set_yticks(np.arange(len(order)), [labels[i] for i in order], fontsize=SMALL_FONT)
    output = output_label(si.attrs["output"])
    ax.set(title=f"{si.attrs['method']} indices of {output}", xlabel="index (bars: 95% confidence)")
    ax.legend(fontsize=SMALL_FONT)
    note = ""
    if "sd_paired" in noise:
        note = (f"<p>Noise of one evaluation, across {noise.attrs['replicates']} replicates at the centre of the "
                f"ranges: standard deviation {float(noise['sd_paired']):,.0f} on paired runs (common random numbers) "
                f"against {float(noise['sd_unpaired']):,.0f} on unpaired runs: a variance "
                f"{float(noise['variance_ratio']):,.0f} times lower.</p>")
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>jrsim sensitivity</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}}img{{max-width:100%}}</style></head>
<body><h1>Which assumptions the answer hangs on</h1>
<p>{html.escape(si.attrs['method'])} analysis (SALib) of {html.escape(output)} ({labelled_key(si.attrs['output'])}) for
{html.escape(si.attrs['scenario'])} against its counterfactual, {si.attrs['evaluations']} evaluations.</p>{note}
<figure><img alt="indices" src="data:image/png;base64,{_png(fig)}"/></figure>
<table><tr><th>parameter (key)</th>{"".join(f"<th>{k}</th>" for k, _ in keys)}</tr>
{"".join(_index_row(si, i, labels[i], keys) for i in order[::-1])}</table></body></html>"""
    path.write_text(page, encoding="utf-8")  # '±' is not ASCII: UTF-8, as the page says, whatever the locale
    return path
