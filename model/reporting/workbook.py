"""The comparison as an Excel workbook for finance officers: every number is one the NetCDF holds."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from openpyxl import Workbook
from openpyxl.styles import Font

from jrsim.economics.costs import CostBook
from jrsim.reporting.summary import agency_summary

HEADER_ROW = 2  # each sheet: a note in row 1, the header in row 2, then the data
SHEETS = ("summary", "savings_by_agency_year", "cashable_split", "investment_by_funder", "matrix", "assumptions")


def write_workbook(cmp: xr.Dataset, book: CostBook, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    m = cmp.mean("replicate")
    _sheet(wb, "summary", ["agency", "cashable", "non_cashable", "economic_social", "investment", "net_fiscal",
                           "net_fiscal_p05", "net_fiscal_p95", "roi", "payback_year"],
           [list(r.values()) for r in agency_summary(cmp)],
           note=f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}: present values, £ {cmp.attrs['price_base']}, "
                f"discounted at {cmp.attrs['discount_rate']:.1%}; mean of {cmp.sizes['replicate']} paired replicates")
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
    _sheet(wb, "assumptions", ["activity", "agency", "unit", "cost (base prices)", "variable", "semi_fixed", "fixed",
                               "step size", "step min weeks", "source"],
           [[a.name, a.agency, a.unit, a.cost, a.split["variable"], a.split["semi_fixed"], a.split["fixed"],
             a.step_size, a.step_weeks, a.source] for a in book.activities],
           note=f"unit costs from {book.path}, uplifted to {book.base_price_year} prices with the GDP deflator")
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
