"""The comparison as an Excel workbook for finance officers: every number is one the NetCDF holds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from openpyxl import Workbook
from openpyxl.styles import Font

from jrsim.economics.costs import CostBook
from jrsim.experiments.summary import MIN_RUNS_FOR_INTERVAL, summarise
from jrsim.reporting.summary import agency_summary, outside_summary, payment_rows

HEADER_ROW = 2  # each sheet: a note in row 1, the header in row 2, then the data
SHEETS = ("chance_of_net_benefit", "summary", "savings_by_agency_year", "cashable_split", "investment_by_funder",
          "matrix", "contract_payments", "transfers", "outside_parties", "assumptions")


def write_workbook(cmp: xr.Dataset, book: CostBook, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    m = cmp.mean("replicate")
    rows = agency_summary(cmp)
    _sheet(wb, "summary", list(rows[0]), [list(r.values()) for r in rows],
           note=f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}: present values, £ {cmp.attrs['price_base']}, "
                f"discounted at {cmp.attrs['discount_rate']:.1%}; mean of {cmp.sizes['replicate']} paired replicates; "
                f"the 90% interval (p05, p95) only from {MIN_RUNS_FOR_INTERVAL} runs")
    chance_sheet(wb, summarise(cmp), f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}")
    years = [int(y) for y in m["year"].values]
    savings = m["savings_fiscal"] + m["savings_economic_social"]
    _sheet(wb, "savings_by_agency_year", ["agency"] + years,
           [[str(a)] + [float(v) for v in savings.sel(agency=a).values] for a in m["agency"].values],
           note="savings (fiscal and economic/social), £ undiscounted, by year")
    rows = []
    for a in m["agency"].values:
        for kind in ("savings_cashable", "savings_non_cashable", "savings_economic_social"):
            rows.append([str(a), kind.replace("savings_", "")] + [float(v) for v in m[kind].sel(agency=a).values])
    _sheet(wb, "cashable_split", ["agency", "kind"] + years, rows, note="£ undiscounted, by year")
    _sheet(wb, "investment_by_funder", ["agency"] + years,
           [[str(a)] + [float(v) for v in m["investment"].sel(agency=a).values] for a in m["agency"].values],
           note="extra service spending in the scenario, £ undiscounted, by funding agency and year")
    _sheet(wb, "matrix", ["investor \\ saver"] + [str(a) for a in m["saver"].values],
           [[str(i)] + [float(v) for v in m["matrix"].sel(investor=i).values] for i in m["investor"].values],
           note="present value of each saving agency's savings, shared among investors by their investment")
    _contract_sheets(wb, cmp, years)
    _sheet(wb, "assumptions", ["activity", "agency", "unit", "cost (base prices)", "variable", "semi_fixed", "fixed",
                               "step size", "step min weeks", "source"],
           [[a.name, a.agency, a.unit, a.cost, a.split["variable"], a.split["semi_fixed"], a.split["fixed"],
             a.step_size, a.step_weeks, a.source] for a in book.activities],
           note=f"unit costs from {book.path}, uplifted to {book.base_price_year} prices with the GDP deflator")
    wb.save(path)
    return path


def _contract_sheets(wb: Workbook, cmp: xr.Dataset, years: list[int]) -> None:
    """The contracts' payments by purpose and year, the flows between parties, and the parties outside
    the public sector (the payments sheet has no rows when the comparison has no contracts)."""
    m = cmp.mean("replicate")
    _sheet(wb, "contract_payments", ["contract", "purpose"] + years,
           [[r["contract"], r["purpose"]] + [r[y] for y in years] for r in payment_rows(cmp)],
           note="each contract's payments by purpose and year paid, £ undiscounted, scenario minus baseline; "
                "negative: paid by the payee (investors' capital, a fee repaid)")
    _sheet(wb, "transfers", ["payer \\ payee"] + [str(a) for a in m["payee"].values],
           [[str(p)] + [float(v) for v in m["pv_transfer_flows"].sel(payer=p).values] for p in m["payer"].values],
           note="present value of what each party paid each other under the contracts (scenario minus baseline)")
    _sheet(wb, "outside_parties", ["party", "put_in", "received", "received_net_pv", "money_multiple", "irr",
                                   "runs_with_irr"],
           [[o["party"], o["paid_in"], o["paid_out"], o["received_net"], o["multiple"], o["irr"], o["runs_with_irr"]]
            for o in outside_summary(cmp)],
           note="providers and investors, outside the public sector: £ undiscounted put in and received, net present "
                "value, money multiple and yearly internal rate of return (mean of the runs that have one)")


def chance_sheet(wb: Workbook, summary: xr.Dataset, what: str) -> None:
    """The chance each agency's (and the total) net fiscal benefit is positive, with its standard error
    and the runs it rests on: by scenario when the summary has scenarios."""
    scenarios = [str(s) for s in summary["scenario"].values] if "scenario" in summary.dims else [what]
    rows = []
    for name in scenarios:
        s = summary.sel(scenario=name) if "scenario" in summary.dims else summary
        for agency in s["agency"].values:
            a = s.sel(agency=agency)
            rows.append([name, str(agency), int(s["runs"]), float(a["p_net_benefit_positive"]),
                         float(a["p_net_benefit_positive_se"]), float(a["pv_net_fiscal_benefit_mean"]),
                         float(a["pv_net_fiscal_benefit_p05"]), float(a["pv_net_fiscal_benefit_p95"])])
        rows.append([name, "total", int(s["runs"]), float(s["p_total_positive"]), float(s["p_total_positive_se"]),
                     float(s["npv_fiscal_mean"]), float(s["npv_fiscal_p05"]), float(s["npv_fiscal_p95"])])
    _sheet(wb, "chance_of_net_benefit", ["scenario", "agency", "runs", "p_net_benefit_positive", "standard_error",
                                         "net_fiscal_mean", "net_fiscal_p05", "net_fiscal_p95"], rows,
           note="chance that net fiscal benefit (present value) is positive across paired runs, with its Monte "
                f"Carlo standard error; 90% interval only from {MIN_RUNS_FOR_INTERVAL} runs")


def write_batch_workbook(summary: xr.Dataset, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    chance_sheet(wb, summary, "")
    wb.save(path)
    return path


def _sheet(wb: Workbook, name: str, header: list, rows: list[list], note: str) -> None:
    ws = wb.create_sheet(name)
    ws.append([note])
    ws.append(header)
    for cell in ws[HEADER_ROW]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([None if isinstance(v, float) and np.isnan(v) else v for v in row])
