"""The comparison as an Excel workbook for finance officers: every number is one the NetCDF holds.

Each sheet: a note saying what it holds (row 1), what it covers (the areas, the money unit and the
price base: row 2), the header with the unit of each column (row 3, frozen with the label columns),
then the data. Money is in £k for a local comparison and £m otherwise (``money_unit``), the same on
every sheet; unit costs are £ per unit.

Every cell is written by ``_put``: a text (a scenario's, contract's or party's name, a cost's source,
a file's name) is always stored as a string, never a formula; one that a spreadsheet would read as a
formula when edited (starting with = + - @, a tab or a carriage return: OWASP's CSV injection rule) also
gets Excel's quote prefix, so it is shown exactly as the file wrote it and stays text when edited.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jrsim.economics.ledger import COST_SHARES
from jrsim.experiments.carried import DESIGN_FIGURES
from jrsim.experiments.summary import MEASURES, MIN_RUNS_FOR_INTERVAL, RESULTS_PAID, coverage_text, summarise
from jrsim.outputs.units import ACTIVITY_LABEL, labels_along, unit_of
from jrsim.reporting.levels import LABELS as DESIGN_LABELS
from jrsim.reporting.providers import (
    ACTIVITY,
    FINANCES,
    activity_rows,
    band_labels,
    decision_rows,
    finance_rows,
    has_providers,
    money_words,
    provider_rows,
)
from jrsim.reporting.summary import (
    RESULT_COLUMNS,
    RESULT_NOTE,
    agency_summary,
    contract_result_rows,
    measure_text,
    money_unit,
    outside_summary,
    paid_columns,
    payment_rows,
    result_measures,
    totals,
    unit_for,
)

NOTE_ROW, COVERAGE_ROW, HEADER_ROW = 1, 2, 3  # then the data, from FIRST_DATA_ROW
FIRST_DATA_ROW = HEADER_ROW + 1
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: what a spreadsheet may read as the start of a formula
# Number formats: pounds with thousands separators (negative with a minus), a ratio, a share, a year, a count.
MONEY = "£#,##0.0;-£#,##0.0"
UNIT_COST = "£#,##0.00"
RATIO = "0.00"
SHARE = "0.0%"
# A results payment's spread across runs: the summary's suffix, and what the sheet's header calls it.
SPREAD_KEYS = {"mean": "mean", "p50": "median", "p05": "p05", "p95": "p95"}
YEAR = "0"
COUNT = "#,##0"
FIGURE = "#,##0.000"  # a figure in its own unit (a share, pounds, a spread per pound), to three places
NOT_APPLICABLE = "n/a"
NOT_PAID_BACK = "not paid back"
TOTAL_ROW = "total (the public sector)"
LABEL_WIDTH_MAX, LABEL_WIDTH_MIN, VALUE_WIDTH = 40, 10, 14  # column widths, in characters
HEADER_HEIGHT = 45  # points: a header row of wrapped two-line titles
CONTRACT_LABELS = ("contract", "purpose", "payer", "payee")
KEY = "key"  # beside a label: the key a cost file, a scenario file or an experiment's costs.activities.<key> names
COST_LABELS = ("activity", KEY, "agency", "agency (as the cost file names it)", "unit")

# The comparison workbook's sheets, in order, with what each holds (the 'contents' sheet lists them;
# docs/ledger.md gives the same order).
SHEETS = {
    "contents": "this list: each sheet and what it holds",
    "summary": "by agency: savings (cashable, non-cashable, economic/social), investment, net fiscal benefit "
               "with its 90% interval, the chance it is positive, ROI and payback, the contracts' transfers",
    "chance_of_net_benefit": "the chance each agency's (and the total) net fiscal benefit is positive, with its 95% "
                             "Wilson interval and the runs it rests on",
    "savings_by_agency_year": "savings (fiscal and economic/social) by agency and year, undiscounted",
    "cashable_split": "savings by agency, kind (cashable, non-cashable, economic/social) and year, undiscounted",
    "investment_by_funder": "extra service spending in the scenario by funding agency and year, undiscounted",
    "matrix": "who invests, who saves: each saving agency's savings shared among the investing agencies",
    "contract_payments": "each contract's payments by purpose and year, with its payer and payee",
    "contract_results": "each contract's results by cohort year: its areas, each measure against its reference, "
                        "whether the target was met, and what its payee was paid, fee and results apart",
    "transfers": "what each party paid each other under the contracts (present value)",
    "outside_parties": "providers and investors outside the public sector: put in, received, multiple, IRR",
    "assumptions": "every unit cost with its agency, unit, split, step and source",
}
# A comparison with providers (issue 23) has these sheets too, before the assumptions.
PROVIDER_SHEETS = {
    "providers": "each provider: kind, measure, areas, responsiveness, the date it handed its contracts back, effort "
                 "and the change in the binary reoffending rate by risk band, income, costs and reserves",
    "provider_activity": "effort, caseload, contacts, referrals on and people in services by provider, review period "
                         "and risk band",
    "provider_finances": "income, costs and reserves by provider and review period",
    "provider_decisions": "the providers' decision log: each review's decision, its rule and the results payment "
                          "the provider expected",
}
# The batch summary workbook's sheets, in order.
BATCH_SHEETS = {
    "contents": "this list: each sheet and what it holds",
    "by_agency": "per scenario and agency: mean and 90% interval of savings (cashable, non-cashable, "
                 "economic/social), investment, net fiscal benefit and ROI, with the runs each rests on",
    "chance_of_net_benefit": SHEETS["chance_of_net_benefit"],
    "demand_change": "per scenario and priced activity: the change in demand (scenario minus counterfactual, "
                     "units of the activity over the output years), mean and 90% interval",
}
# A batch whose contracts pay parties outside the public sector (providers, investors) has this sheet too.
RESULTS_SHEET = {"results_paid": "per scenario and payee outside the public sector: what it was paid on its results "
                                 "(results payments less fees repaid, over the output years), mean, median and 90% "
                                 "interval across the runs"}

# ... and a batch with commissioning designs this one.
DESIGNS_SHEET = {"designs": "per scenario with commissioning designs and each of its figures (lots, cost per case, "
                            "need matching, the provider mix, commissioning's cost, the spread of the lots' results "
                            "payments): mean, median and 90% interval across the runs"}


@dataclass
class Table:
    """One sheet's content: the leading text columns named in ``labels`` (the first column when
    empty), then values in ``formats`` (one a column, or one for all)."""

    note: str
    header: list[str]
    rows: list[list]
    labels: tuple[str, ...] = ()
    formats: list[str] | str = MONEY
    notes: list[str] = field(default_factory=list)  # more lines under the table (n/a and such)


def write_workbook(cmp: xr.Dataset, path: Path) -> Path:
    """The comparison's workbook, from the comparison alone (the cost file's assumptions included)."""
    div, u = money_unit(cmp)
    where = coverage_text(cmp.attrs) + f"; money in £{u} ({cmp.attrs['price_base']}) unless a header says otherwise"
    tables = {"summary": summary_table(cmp), "chance_of_net_benefit": chance_table(summarise(cmp), div, u,
                                                                                    cmp.attrs["scenario"]),
              **yearly_tables(cmp), **contract_tables(cmp), **provider_tables(cmp, div, u),
              "assumptions": assumptions_table(cmp)}
    save(sheets_of(cmp), tables, where, path)
    return path


def sheets_of(cmp: xr.Dataset) -> dict[str, str]:
    """The comparison's sheets in order: the providers' before the assumptions when it has providers."""
    if not has_providers(cmp):
        return SHEETS
    names = list(SHEETS)
    at = names.index("assumptions")
    return {**{k: SHEETS[k] for k in names[:at]}, **PROVIDER_SHEETS, **{k: SHEETS[k] for k in names[at:]}}


def save(sheets: dict[str, str], tables: dict[str, Table], where: str, path: Path) -> None:
    """The sheets in their order, the contents first, each with the coverage line."""
    wb = Workbook()
    wb.remove(wb.active)
    contents = Table("What each sheet holds, in order", ["sheet", "what it holds"],
                     [[name, what] for name, what in sheets.items()], labels=("sheet", "what it holds"), formats=[])
    for name in sheets:
        _write(wb.create_sheet(name), tables.get(name, contents) if name != "contents" else contents, where)
    wb.save(path)


def ratio_rule(attrs: dict) -> tuple[float, str]:
    """The investment above which an agency's ROI and payback are shown (present value, GBP: the cost
    file's ratio_min_investment when the comparison carries it, else any investment), and the note
    every report prints about them."""
    minimum = attrs.get("ratio_min_investment")
    threshold = 0.0 if minimum is None else float(minimum)
    rule = (f"the agency's investment is not above £{threshold:,.0f} (present value: ratio_min_investment in the "
            f"cost file): a ratio to a small investment means nothing" if minimum is not None
            else "the agency invested nothing: there is no ratio without an investment")
    return threshold, (f"ROI and payback: {NOT_APPLICABLE} where {rule}; '{NOT_PAID_BACK}': the cumulative "
                       "discounted net benefit stayed below zero")


def shown_ratios(row: dict) -> tuple[float | str, float | str]:
    """An agency_summary row's ROI and payback year as shown: numbers where its investment is
    material, else 'n/a' (and 'not paid back' for a material investment that never paid back)."""
    material = row["material"]  # agency_summary's reading of the threshold (economics.appraisal.is_material)
    roi = row["roi"] if material and row["roi"] == row["roi"] else NOT_APPLICABLE
    payback = row["payback_year"] if material and row["payback_year"] == row["payback_year"] else \
        (NOT_PAID_BACK if material else NOT_APPLICABLE)
    return roi, payback


def summary_table(cmp: xr.Dataset) -> Table:
    div, u = money_unit(cmp)
    _, note = ratio_rule(cmp.attrs)
    runs = int(cmp.sizes["replicate"])
    agencies = agency_summary(cmp)
    rows = [[r["agency"], *(r[k] / div for k in ("cashable", "non_cashable", "economic_social", "investment",
                                                 "net_fiscal", "net_fiscal_p05", "net_fiscal_p95")),
             r["p_positive"], runs, *(r[k] / div for k in ("transfers", "net_after_transfers")),
             *shown_ratios(r)] for r in agencies]
    rows.append(_total_row(cmp, agencies, div))
    money = [f"{what} (£{u}, present value)" for what in ("cashable", "non-cashable", "economic/social", "investment",
                                                         "net fiscal", "net fiscal p05", "net fiscal p95")]
    header = ["agency", *money, "chance net fiscal > 0 (share of runs)", "runs", f"transfers (£{u}, present value)",
              f"net after transfers (£{u}, present value)", "ROI (ratio: net fiscal / investment)", "payback (year)"]
    return Table(f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}: present values discounted at "
                 f"{cmp.attrs['discount_rate']:.1%}; mean of {runs} paired replicates; the 90% interval (p05, p95) "
                 f"only from {MIN_RUNS_FOR_INTERVAL} runs",
                 header, rows, formats=[MONEY] * len(money) + [SHARE, COUNT, MONEY, MONEY, RATIO, YEAR],
                 notes=[note, "chance: its 95% interval is on the chance_of_net_benefit sheet; blank: nothing at stake",
                        f"{TOTAL_ROW}: each column summed over the agencies; its net after transfers is the fiscal "
                        "NPV (payments between agencies cancel, payments to providers and investors outside the "
                        "public sector are part of its cost), and its chance, ROI and payback are the NPV's",
                        f"net fiscal p05, p95: blank below {MIN_RUNS_FOR_INTERVAL} runs"])


def _total_row(cmp: xr.Dataset, agencies: list[dict], div: float) -> list:
    """The public sector's row: each column's sum over the agencies (their net after the payments sums to
    the fiscal NPV, which is net of what was paid outside the public sector); its spread and chance are the
    NPV's (on the chance sheet: the sum of the agencies' spreads is not a spread), its ROI and payback the
    NPV's over the total investment."""
    t = totals(cmp)
    summed = [sum(r[k] for r in agencies) / div for k in ("cashable", "non_cashable", "economic_social", "investment",
                                                          "net_fiscal")]
    transfers = sum(r["transfers"] for r in agencies) / div
    ratios = shown_ratios({"material": t["investment"] > 0 and t["investment"] >= t["ratio_min_investment"],
                           "roi": t["roi_total"], "payback_year": t["payback_year_total"]})
    return [TOTAL_ROW, *summed, None, None, t["p_positive"], int(t["replicates"]), transfers, t["npv_fiscal"] / div,
            *ratios]


def chance_table(summary: xr.Dataset, div: float, u: str, what: str) -> Table:
    """The chance each agency's (and the total) net fiscal benefit is positive, with its 95% Wilson
    interval and the runs it rests on: by scenario when the summary has scenarios."""
    scenarios = [str(s) for s in summary["scenario"].values] if "scenario" in summary.dims else [what]
    rows = []
    for name in scenarios:
        s = summary.sel(scenario=name) if "scenario" in summary.dims else summary
        runs = int(s["runs"])
        for agency in s["agency"].values:
            a = s.sel(agency=agency)
            rows.append([name, str(agency), runs, *(float(a[f"p_net_benefit_positive{k}"]) for k in ("", "_low", "_high")),
                         *(float(a[f"pv_net_fiscal_benefit_{k}"]) / div for k in ("mean", "p05", "p95"))])
        rows.append([name, "total", runs, *(float(s[f"p_total_positive{k}"]) for k in ("", "_low", "_high")),
                     *(float(s[f"npv_fiscal_{k}"]) / div for k in ("mean", "p05", "p95"))])
    header = ["scenario", "agency", "runs", "chance net fiscal > 0 (share of runs)", "chance: 95% low (Wilson)",
              "chance: 95% high (Wilson)", f"net fiscal mean (£{u}, present value)", f"net fiscal p05 (£{u}, PV)",
              f"net fiscal p95 (£{u}, PV)"]
    return Table("chance that net fiscal benefit (present value) is positive across paired runs, with its 95% "
                 f"Wilson score interval; the 90% interval of the benefit only from {MIN_RUNS_FOR_INTERVAL} runs; "
                 "blank: the agency has nothing at stake", header, rows, labels=("scenario", "agency"),
                 formats=[COUNT, SHARE, SHARE, SHARE, MONEY, MONEY, MONEY])


def yearly_tables(cmp: xr.Dataset) -> dict[str, Table]:
    div, u = money_unit(cmp)
    m = cmp.mean("replicate")
    years = [f"{int(y)} (£{u})" for y in m["year"].values]
    agencies = [str(a) for a in m["agency"].values]

    def by_year(da: xr.DataArray, agency: str) -> list[float]:
        return [float(v) / div for v in da.sel(agency=agency).values]

    savings = m["savings_fiscal"] + m["savings_economic_social"]
    split = [[a, kind.replace("savings_", "")] + by_year(m[kind], a) for a in agencies
             for kind in ("savings_cashable", "savings_non_cashable", "savings_economic_social")]
    pv = f"(£{u}, present value)"
    return {
        "savings_by_agency_year": Table(f"savings (fiscal and economic/social), £{u} undiscounted, by year",
                                        ["agency"] + years, [[a] + by_year(savings, a) for a in agencies]),
        "cashable_split": Table(f"savings by kind, £{u} undiscounted, by year", ["agency", "kind"] + years, split,
                                labels=("agency", "kind")),
        "investment_by_funder": Table(f"extra service spending in the scenario, £{u} undiscounted, by funding "
                                      "agency and year", ["agency"] + years,
                                      [[a] + by_year(m["investment"], a) for a in agencies]),
        "matrix": Table("present value of each saving agency's savings (columns), shared among the investing agencies "
                        "(rows) in proportion to their investment", [f"investor \\ saver {pv}"]
                        + [f"{s} {pv}" for s in m["saver"].values],
                        [[str(i)] + [float(v) / div for v in m["matrix"].sel(investor=i).values]
                         for i in m["investor"].values]),
    }


def contract_parties(cmp: xr.Dataset) -> dict[tuple[str, str], tuple[str, str]]:
    """(contract, purpose) -> (payers, payees) as the runs paid them (``jrsim.experiments.paired.coverage``)."""
    out: dict[tuple[str, str], tuple[list, list]] = {}
    for contract, purpose, payer, payee in json.loads(cmp.attrs.get("contract_parties", "[]")):
        payers, payees = out.setdefault((contract, purpose), ([], []))
        payers += [payer] if payer not in payers else []
        payees += [payee] if payee not in payees else []
    return {k: (", ".join(a), ", ".join(b)) for k, (a, b) in out.items()}


def contract_tables(cmp: xr.Dataset) -> dict[str, Table]:
    """The contracts' payments by purpose and year with their payer and payee, the flows between
    parties, and the parties outside the public sector (no rows when the comparison has no contracts)."""
    div, u = money_unit(cmp)
    m = cmp.mean("replicate")
    years = [int(y) for y in cmp["year"].values]
    parties = contract_parties(cmp)
    payments = [[r["contract"], r["purpose"], *parties.get((r["contract"], r["purpose"]), ("", ""))]
                + [r[y] / div for y in years] for r in payment_rows(cmp)]
    pv = f"(£{u}, present value)"
    return {
        "contract_payments": Table(f"each contract's payments by purpose and year paid, £{u} undiscounted, scenario "
                                   "minus baseline; negative: paid by the payee (investors' capital, a fee repaid)",
                                   [*CONTRACT_LABELS, *(f"{y} (£{u})" for y in years)], payments,
                                   labels=CONTRACT_LABELS),
        "contract_results": contract_results_table(cmp, div, u),
        "transfers": Table("present value of what each party (rows) paid each other (columns) under the contracts "
                           "(scenario minus baseline)", [f"payer \\ payee {pv}"] + [f"{p} {pv}" for p in m["payee"].values],
                           [[str(p)] + [float(v) / div for v in m["pv_transfer_flows"].sel(payer=p).values]
                            for p in m["payer"].values]),
        "outside_parties": Table("providers and investors, outside the public sector: undiscounted put in and "
                                 "received, net present value, money multiple and yearly internal rate of return "
                                 "(mean of the runs that have one)",
                                 ["party", f"put in (£{u})", f"received (£{u})", f"received net {pv}",
                                  "money multiple (ratio)", "IRR (a year)", "runs with an IRR"],
                                 [[o["party"], o["paid_in"] / div, o["paid_out"] / div, o["received_net"] / div,
                                   o["multiple"], o["irr"], o["runs_with_irr"]] for o in outside_summary(cmp)],
                                 formats=[MONEY, MONEY, MONEY, RATIO, SHARE, COUNT]),
    }


RESULT_LABELS = ("contract", "kind", "payee", "areas")
OUTCOME = "0.000"  # a measure's outcome: a share (binary), re-offences per person (frequency), starts
RESULT_FORMATS = {"observed": OUTCOME, "reference": OUTCOME, "fell": "@", "met": "@"}


def contract_results_table(cmp: xr.Dataset, div: float, u: str) -> Table:
    """Each contract's results by cohort year (``contract_result_rows``); no rows without results."""
    measures, paid = result_measures(cmp), paid_columns(cmp)
    rows = [[r["contract"], r["kind"], r["payee"], r["areas"], r["year"],
             *(r["measures"][m][k] for m in measures for k in RESULT_COLUMNS),
             *(r["paid"].get(k, 0.0) / div for k in paid)] for r in contract_result_rows(cmp)]
    header = [*RESULT_LABELS, "cohort or contract year", *(f"{measure_text(m)}: {title}" for m in measures
                                                         for title in RESULT_COLUMNS.values()),
              *(f"paid: {title} (£{u})" for title in paid.values())]
    return Table(RESULT_NOTE, header, rows, labels=RESULT_LABELS,
                 formats=[YEAR, *(RESULT_FORMATS[k] for _ in measures for k in RESULT_COLUMNS), *[MONEY] * len(paid)])


PROVIDER_LABELS = ("provider", "kind", "measure", "areas")
DECISION_LABELS = ("run (seed)", "provider", "decided on (date)", "rule")  # then the expected results payment
PROVIDER_NOTE = ("the scenario run's providers: effort is a multiple of need effort (1: each band served by need, as "
                 "under a fee for service), the mean over the periods it served in; the change in the binary proven "
                 "reoffending rate is the scenario's less the counterfactual's, in percentage points, over the "
                 "provider's areas, the index disposals of its orders and the complete cohorts; money summed over "
                 "the periods in the provider's price year (mean of the runs)")


def provider_tables(cmp: xr.Dataset, div: float, u: str) -> dict[str, Table]:
    """The providers' sheets (none without providers)."""
    if not has_providers(cmp):
        return {}
    bands = band_labels(cmp)
    money = f"({money_words(cmp, u)})"
    rows = [[r["provider"], r["kind"], r["measure"], r["areas"], r["responsiveness"], r["handed_back_on"], *r["effort"],
             *r["rate_change"], r["income"] / div, r["costs"] / div, r["reserves"] / div] for r in provider_rows(cmp)]
    header = [*PROVIDER_LABELS, "responsiveness (0 by need, 1 profit-seeking)", "handed back on (date)",
              *(f"effort: {b} (multiple of need)" for b in bands),
              *(f"reoffending rate change: {b} (percentage points)" for b in bands),
              f"income {money}", f"costs {money}", f"reserves at the end {money}"]
    period = ("provider", "review period from (date)")
    return {
        "providers": Table(PROVIDER_NOTE, header, rows, labels=PROVIDER_LABELS,
                           formats=[RATIO, "@", *[RATIO] * len(bands), *[RATIO] * len(bands), MONEY, MONEY, MONEY]),
        "provider_activity": Table("each provider's effort and activity by review period and risk band (mean of the "
                                   "runs, people and contacts at full size)", [*period, "risk band", *ACTIVITY.values()],
                                   activity_rows(cmp), labels=(*period, "risk band"),
                                   formats=[RATIO, COUNT, COUNT, COUNT, COUNT]),
        "provider_finances": Table(f"each provider's money by review period, {money_words(cmp, u)} (mean of the runs)",
                                   [*period, *(f"{t} {money}" for t in FINANCES.values())],
                                   [[*r[:len(period)], *(v / div for v in r[len(period):])] for r in finance_rows(cmp)],
                                   labels=period),
        "provider_decisions": Table("each run's decision log: at each review, the rule the provider's decision "
                                    "followed and the results payment it expected",
                                    [*DECISION_LABELS, f"expected results {money}"],
                                    [[*r[:-1], r[-1] / div] for r in decision_rows(cmp)], labels=DECISION_LABELS,
                                    formats=[MONEY]),
    }


def assumptions_table(cmp: xr.Dataset) -> Table:
    """Every unit cost as the comparison carries it (``jrsim.economics.ledger.cost_table``)."""
    year = cmp.attrs["price_year"]
    price = f"£, {year} prices"
    labels = dict(zip(map(str, cmp["agency"].values), map(str, cmp["agency_label"].values)))
    costs = cmp[["unit_cost", *COST_SHARES, "step_size", "step_weeks"]]
    return Table(f"unit costs from {cmp.attrs['cost_file']}, uplifted to {year} prices with the GDP deflator "
                 "(£ per unit, not £k or £m)",
                 [*COST_LABELS, f"cost per unit ({price})",
                  "variable (share)", "semi-fixed (share)", "fixed (share)", "step size (units)",
                  "step min (weeks)", "source"],
                 [[str(c[ACTIVITY_LABEL].values), str(a), str(c["activity_agency"].values),
                   labels.get(str(c["activity_agency"].values), ""), str(c["cost_unit"].values),
                   *(c[k].item() for k in costs.data_vars), str(c["cost_source"].values)]
                  for a, c in ((a, costs.sel(activity=a)) for a in costs["activity"].values)],
                 labels=COST_LABELS, formats=[UNIT_COST, SHARE, SHARE, SHARE, COUNT, COUNT, "@"])


def write_batch_workbook(summary: xr.Dataset, path: Path) -> Path:
    """A batch's summary: per scenario and agency the measures a policy team compares, the chance of a
    net benefit, and demand change, each with the runs it rests on."""
    div, u = batch_unit(summary)
    tables = {"by_agency": batch_agency_table(summary, div, u), "chance_of_net_benefit": chance_table(summary, div, u, ""),
              "demand_change": demand_table(summary)}
    sheets = BATCH_SHEETS
    if f"{RESULTS_PAID}_mean" in summary:
        sheets, tables["results_paid"] = {**BATCH_SHEETS, **RESULTS_SHEET}, results_paid_table(summary, div, u)
    if "design_lots_mean" in summary:
        sheets, tables["designs"] = {**sheets, **DESIGNS_SHEET}, designs_table(summary)
    save(sheets, tables, f"each scenario against its counterfactual on paired runs; money in £{u}, present "
                               f"values, base prices; {coverage_text(summary.attrs)}", path)
    return path


def batch_unit(summary: xr.Dataset) -> tuple[float, str]:
    """£k or £m for a batch summary, by its largest mean, as ``money_unit`` chooses for a comparison."""
    return unit_for(max(float(abs(summary[f"{name}_mean"]).max()) for name in MEASURES))


def batch_agency_table(summary: xr.Dataset, div: float, u: str) -> Table:
    """Per scenario and agency: runs, then mean, p05 and p95 of each measure and of ROI."""
    rows = []
    for name in summary["scenario"].values:
        s = summary.sel(scenario=name)
        for agency in s["agency"].values:
            a = s.sel(agency=agency)
            money = [float(a[f"{m}_{k}"]) / div for m in MEASURES for k in ("mean", "p05", "p95")]
            roi = [float(a[f"roi_{k}"]) for k in ("mean", "p05", "p95")]
            rows.append([str(name), str(agency), int(s["runs"]), *money,
                         *(NOT_APPLICABLE if k == "mean" and v != v else v for k, v in zip(("mean", "p05", "p95"), roi))])
    money = [f"{what} {k} (£{u}, PV)" for what in MEASURES.values() for k in ("mean", "p05", "p95")]
    ratios = [f"ROI {k} (ratio)" for k in ("mean", "p05", "p95")]
    header = ["scenario", "agency", "runs", *money, *ratios]
    minimum = float(summary.attrs.get("ratio_min_investment", 0.0))
    return Table(f"per scenario and agency, across the runs: mean and 90% interval (p05, p95; only from "
                 f"{MIN_RUNS_FOR_INTERVAL} runs) of present values", header, rows, labels=("scenario", "agency"),
                 formats=[COUNT] + [MONEY] * len(money) + [RATIO] * len(ratios),
                 notes=[f"ROI: the ratio of the means (mean net fiscal benefit / mean investment); its interval is "
                        f"that of each run's ratio, shown when every run invested; {NOT_APPLICABLE} where the mean "
                        f"investment is not above £{minimum:,.0f} (present value): a ratio to a small investment "
                        "means nothing"])


def results_paid_table(summary: xr.Dataset, div: float, u: str) -> Table:
    """Per scenario and payee outside the public sector: its results payments over the output years."""
    labels = labels_along(summary, "payee")
    rows = [[str(name), labels[i], str(payee), int(summary["runs"].sel(scenario=name)),
             *(float(summary[f"{RESULTS_PAID}_{k}"].sel(scenario=name, payee=payee)) / div for k in SPREAD_KEYS)]
            for name in summary["scenario"].values for i, payee in enumerate(summary["payee"].values)]
    return Table(f"paid to each payee outside the public sector on its results (results payments less fees repaid; "
                 f"a deduction is negative), summed over the output years, in base prices, not discounted: mean, "
                 f"median and 90% interval (p05, p95; only from {MIN_RUNS_FOR_INTERVAL} runs) across the runs",
                 ["scenario", "payee", KEY, "runs", *(f"results paid {k} (£{u})" for k in SPREAD_KEYS.values())], rows,
                 labels=("scenario", "payee", KEY), formats=[COUNT] + [MONEY] * len(SPREAD_KEYS))


def designs_table(summary: xr.Dataset) -> Table:
    """Per scenario with designs and design figure (DESIGN_FIGURES): its unit, and its spread across the runs."""
    rows = [[str(name), DESIGN_LABELS[f], f, unit_of(f).template, int(summary["runs"].sel(scenario=name)),
             *(float(summary[f"{f}_{k}"].sel(scenario=name)) for k in SPREAD_KEYS)]
            for name in summary["scenario"].values if np.isfinite(float(summary["design_lots_mean"].sel(scenario=name)))
            for f in DESIGN_FIGURES]
    return Table(f"each scenario's commissioning designs run by run (jrsim.reporting.levels): mean, median and 90% "
                 f"interval (p05, p95; only from {MIN_RUNS_FOR_INTERVAL} runs) across the runs, in each row's unit",
                 ["scenario", "figure", KEY, "unit", "runs", *SPREAD_KEYS.values()], rows,
                 labels=("scenario", "figure", KEY, "unit"), formats=[COUNT] + [FIGURE] * len(SPREAD_KEYS))


def demand_table(summary: xr.Dataset) -> Table:
    """Per scenario and activity: the change in demand (units of the activity, over the output years)."""
    if "demand_change_mean" not in summary:
        return Table("no demand was stored with this batch", ["scenario", "activity"], [],
                     labels=("scenario", "activity"), formats=[])
    agency = summary["activity_agency"] if "activity_agency" in summary.coords else None
    rows = []
    labels = labels_along(summary, "activity")
    for name in summary["scenario"].values:
        s = summary.sel(scenario=name)
        for i, activity in enumerate(s["activity"].values):
            rows.append([str(name), labels[i], str(activity), "" if agency is None else str(agency.values[i]),
                         int(s["runs"]),
                         *(float(s[f"demand_change_{k}"].sel(activity=activity)) for k in ("mean", "p05", "p95"))])
    values = ["runs", *(f"change {k} (units of the activity)" for k in ("mean", "p05", "p95"))]
    return Table("change in demand, scenario minus counterfactual, summed over the output years (national, in units "
                 "of each activity: place-weeks, cases, arrests ...): mean and 90% interval across the runs",
                 ["scenario", "activity", KEY, "agency", *values], rows, labels=("scenario", "activity", KEY, "agency"),
                 formats=[COUNT] * len(values))


def _put(ws: Worksheet, row: int, column: int, value, number_format: str | None = None):
    """Write one cell (every cell goes through here): a number with its format, NaN as blank, and text
    always as a string, quote-prefixed when a spreadsheet would take it for a formula."""
    if isinstance(value, (float, np.floating)) and np.isnan(value):
        value = None
    elif isinstance(value, np.generic):
        value = value.item()
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"  # openpyxl reads a leading '=' as a formula: never from a file's text
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value
        if number_format and value is not None:
            cell.number_format = number_format
    return cell


def _write(ws: Worksheet, table: Table, where: str) -> None:
    _put(ws, NOTE_ROW, 1, table.note).font = Font(bold=True)
    _put(ws, COVERAGE_ROW, 1, where)
    for c, title in enumerate(table.header, start=1):
        cell = _put(ws, HEADER_ROW, c, title)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[HEADER_ROW].height = HEADER_HEIGHT
    labels = len(table.labels) or 1
    formats = table.formats if isinstance(table.formats, list) else [table.formats] * (len(table.header) - labels)
    for r, row in enumerate(table.rows, start=FIRST_DATA_ROW):
        for c, value in enumerate(row, start=1):
            _put(ws, r, c, value, formats[c - 1 - labels] if c > labels and formats else None)
    for k, line in enumerate(table.notes):
        _put(ws, FIRST_DATA_ROW + len(table.rows) + 1 + k, 1, line)
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=labels + 1)
    for c in range(1, len(table.header) + 1):
        width = VALUE_WIDTH
        if c <= labels:
            longest = max([len(str(row[c - 1])) for row in table.rows if c <= len(row)] + [LABEL_WIDTH_MIN])
            width = min(longest, LABEL_WIDTH_MAX)
        ws.column_dimensions[get_column_letter(c)].width = width
