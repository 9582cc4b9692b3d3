"""The workbook a finance officer reads and the pages beside it: text from files is data, never a
formula or markup; £k for a local comparison on every sheet; formats, frozen headers, units, the
contents sheet; ratios only where the investment is material; and the batch summary's measures with
the chance of a net benefit's Wilson interval."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import xarray as xr
from openpyxl import Workbook, load_workbook
from scipy.stats import binomtest

from jrsim import engine
from jrsim.economics.costs import load_costs
from jrsim.economics.ledger import cost_table
from jrsim.experiments.paired import PairTask, compared, comparison_of, run_task
from jrsim.experiments.summary import MEASURES, MIN_RUNS_FOR_INTERVAL, chance_interval_text, summarise, wilson_interval
from jrsim.reporting import workbook
from jrsim.reporting.html import write_batch_html, write_html
from jrsim.reporting.summary import THOUSAND, payment_rows
from jrsim.reporting.tables import batch_table
from jrsim.reporting.workbook import (
    BATCH_SHEETS,
    FIRST_DATA_ROW,
    FORMULA_STARTS,
    HEADER_ROW,
    MONEY,
    NOT_APPLICABLE,
    SHEETS,
    TOTAL_ROW,
    write_batch_workbook,
    write_workbook,
)
from tests.conftest import ROOT, cost_file

SCENARIOS = ROOT / "scenarios"
SEED = 2  # a seed on which both of the scenario's contracts pay
# Texts as a hostile or careless file could hold them: each would run as a formula in a spreadsheet.
HOSTILE = ['=HYPERLINK("http://x","y")', "+1+2", "-3-4", "@SUM(A1:A2)", "\t=1", "\r=2", "=LABEL()", "@SOURCE(1)"]
MARKUP = r"<script>alert(1)</script>$x\frac$_y"  # would run in the page; as mathtext, stops the chart (ValueError)


@pytest.fixture(scope="module")
def local():
    """One pair of the Lewisham scenario with its contracts (a local comparison: £k), compared as
    ``run_pairs`` runs it on a worker, without starting Dask."""
    o = {"run.warmup_years": 1}
    cf, po = engine.load(SCENARIOS / "lewisham_baseline.yaml", o), engine.load(SCENARIOS / "lewisham_through_the_gate.yaml", o)
    book = load_costs()
    pair = run_task(PairTask(0, cf, po, SEED, compared, book, book.discount_rate))
    return comparison_of([pair], [SEED], book, book.discount_rate, cf.name, po.name), book


def renamed(cmp: xr.Dataset, names: dict[str, str]) -> xr.Dataset:
    """The comparison with parties, agencies and contracts renamed (every coordinate that names them)."""
    out = cmp.copy()
    for dim in ("agency", "investor", "saver", "payer", "payee", "party", "contract"):
        if dim in out.coords:
            out = out.assign_coords({dim: [names.get(str(v), str(v)) for v in out[dim].values]})
    parties = [[names.get(x, x) for x in p] for p in json.loads(out.attrs["contract_parties"])]
    out.attrs["contract_parties"] = json.dumps(parties)
    return out


@pytest.fixture(scope="module")
def hostile(local, tmp_path_factory):
    """The local comparison with a scenario name, contract names, party and agency names, an agency label and
    a cost's source that each start like a formula; and its workbook, read back."""
    cmp, _ = local
    paid = list(dict.fromkeys(r["contract"] for r in payment_rows(cmp)))  # a contract that paid nothing has no row
    assert paid
    names = dict(zip(paid, HOSTILE[:2])) | {"provider": HOSTILE[2], "police": HOSTILE[3]}
    cmp = renamed(cmp, names)
    cmp.attrs.update(scenario=HOSTILE[4], baseline=HOSTILE[5])
    tmp = tmp_path_factory.mktemp("hostile")

    def change(doc):
        doc["agencies"]["prisons"]["label"] = HOSTILE[6]
        doc["activities"]["prison_place_week"]["source"] = HOSTILE[7]

    costs = cost_table(load_costs(cost_file(tmp, change)))  # the cost file's texts, as a comparison carries them
    cmp = cmp.assign_coords(agency_label=("agency", costs["agency_label"].values),
                            cost_source=("activity", costs["cost_source"].values))
    path = write_workbook(cmp, tmp / "hostile.xlsx")
    # every name heads a cell of its own (the baseline's only in notes: no cell starts with it)
    return cmp, load_workbook(path), list(names.values()) + [HOSTILE[4], *HOSTILE[6:]], [HOSTILE[5]]


def every_cell(wb):
    for ws in wb:
        for row in ws.iter_rows():
            yield from (c for c in row if c.value is not None)


def test_text_from_files_is_never_a_formula_and_is_kept_as_written(hostile):
    _, wb, alone, embedded = hostile
    cells = list(every_cell(wb))
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c for c in cells if isinstance(c.value, str)]
    for name in alone + embedded:  # each as the file wrote it (XML reads a carriage return back as a line feed)
        kept = name.replace("\r", "\n")
        assert [c for c in texts if kept in c.value], f"{name!r} lost"
        assert name in embedded or [c for c in texts if c.value == kept], f"{name!r} has no cell of its own"
    # every text a spreadsheet would read as a formula when edited carries the quote prefix
    risky = [c for c in texts if c.value.startswith(FORMULA_STARTS)]
    assert risky and all(c.quotePrefix for c in risky)
    assert wb["summary"].cell(FIRST_DATA_ROW, 1).value == "prisons"  # plain names get no prefix
    assert not wb["summary"].cell(FIRST_DATA_ROW, 1).quotePrefix


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_any_formula_start_is_written_as_text(start, tmp_path):
    """The kind, not the case: each character a spreadsheet reads as the start of a formula."""
    wb = Workbook()
    workbook._put(wb.active, 1, 1, f"{start}cmd|' /C calc'!A0")
    wb.save(tmp_path / "one.xlsx")
    cell = load_workbook(tmp_path / "one.xlsx").active["A1"]
    kept = f"{start}cmd|' /C calc'!A0".replace("\r", "\n")  # XML's end of line: a carriage return reads back as \n
    assert cell.data_type == "s" and cell.value == kept and cell.quotePrefix


@pytest.fixture(scope="module")
def local_book(local, tmp_path_factory):
    comparison, book = local
    path = write_workbook(comparison, tmp_path_factory.mktemp("local") / "local.xlsx")
    return comparison, load_workbook(path)


def test_sheets_follow_the_contents_in_order(local_book):
    _, wb = local_book
    assert wb.sheetnames == list(SHEETS)
    listed = [r[0] for r in wb["contents"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0]]
    assert listed == list(SHEETS)


def test_every_sheet_is_frozen_under_its_header_and_names_the_areas(local_book):
    _, wb = local_book
    for ws in wb:
        assert ws.freeze_panes is not None and ws.freeze_panes.endswith(str(FIRST_DATA_ROW)), ws.title
        assert "lewisham" in ws.cell(HEADER_ROW - 1, 1).value and "local_area" in ws.cell(HEADER_ROW - 1, 1).value
        assert all(ws.column_dimensions[c].width for c in ("A", "B")), ws.title


def test_a_local_comparison_is_in_thousands_on_every_sheet(local_book):
    cmp, wb = local_book
    for ws in wb:
        headers = [c.value for c in ws[HEADER_ROW] if c.value]
        money = [h for h in headers if "£" in h]
        assert all("£k" in h for h in money if ws.title != "assumptions"), (ws.title, money)
        assert "£m" not in " ".join(headers)
    mean = cmp.mean("replicate")
    summary = wb["summary"]
    header = [c.value for c in summary[HEADER_ROW]]
    col = header.index("investment (£k, present value)")
    for row in summary.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + mean.sizes["agency"] - 1):
        agency, cell = row[0].value, row[col]
        assert cell.value * THOUSAND == pytest.approx(float(mean.pv_investment.sel(agency=agency)))
        assert cell.number_format == MONEY and "£" in cell.number_format and "#,##0" in cell.number_format
    years = wb["savings_by_agency_year"]
    assert [c.value for c in years[HEADER_ROW]][1:] == [f"{int(y)} (£k)" for y in mean.year.values]
    saved = mean.savings_fiscal + mean.savings_economic_social
    for row in years.iter_rows(min_row=FIRST_DATA_ROW, values_only=True):
        assert [v * THOUSAND for v in row[1:]] == pytest.approx(list(saved.sel(agency=row[0]).values))


def test_the_contract_sheet_names_each_contracts_payer_and_payee(local_book):
    cmp, wb = local_book
    ws = wb["contract_payments"]
    assert [c.value for c in ws[HEADER_ROW]][:4] == ["contract", "purpose", "payer", "payee"]
    rows = [r for r in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0] in cmp["contract"].values]
    paid = {(str(c), str(p)): (a, b) for c, p, a, b in json.loads(cmp.attrs["contract_parties"])}
    assert rows and all(r[2] and r[3] for r in rows)
    for r in rows:
        assert (r[2], r[3]) == paid[(r[0], r[1])]
    assert {"local_authority", "provider"} <= {v for r in rows for v in r[2:4]}


def test_the_summary_ends_in_the_public_sectors_total_whose_net_after_transfers_is_the_npv(local_book):
    """The total row sums each column over the agencies; its net after the contracts' payments is the fiscal
    NPV, which is net of what the Lewisham contracts paid the provider outside the public sector."""
    cmp, wb = local_book
    ws = wb["summary"]
    header = [c.value for c in ws[HEADER_ROW]]
    rows = list(ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + cmp.sizes["agency"], values_only=True))
    agencies, total = rows[:-1], rows[-1]
    assert [r[0] for r in agencies] == list(cmp["agency"].values) and total[0] == TOTAL_ROW
    for col in ("cashable (£k, present value)", "investment (£k, present value)", "net fiscal (£k, present value)",
                "transfers (£k, present value)", "net after transfers (£k, present value)"):
        i = header.index(col)
        assert total[i] == pytest.approx(sum(r[i] for r in agencies))
    mean = cmp.mean("replicate")
    after = header.index("net after transfers (£k, present value)")
    assert total[after] * THOUSAND == pytest.approx(float(mean["npv_fiscal"]))
    paid_outside = float(mean["pv_transfers_outside"].sum())
    assert paid_outside > 0, "the provider is paid (else nothing is tested)"
    assert float(mean["npv_fiscal"]) == pytest.approx(float(mean["pv_net_fiscal_benefit"].sum()) - paid_outside)


def test_ratios_are_na_with_a_note_where_the_investment_is_not_material(local, tmp_path):
    comparison, book = local
    cmp = comparison.copy()
    invested = cmp["pv_investment"].mean("replicate")
    cmp.attrs["ratio_min_investment"] = float(invested.max()) * 2  # nobody's investment is material
    wb = load_workbook(write_workbook(cmp, tmp_path / "na.xlsx"))
    ws = wb["summary"]
    header = [c.value for c in ws[HEADER_ROW]]
    roi, payback = header.index("ROI (ratio: net fiscal / investment)"), header.index("payback (year)")
    rows = list(ws.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + cmp.sizes["agency"] - 1, values_only=True))
    assert all(r[roi] == NOT_APPLICABLE and r[payback] == NOT_APPLICABLE for r in rows)
    notes = [c.value for c in ws["A"] if isinstance(c.value, str) and "ratio_min_investment" in c.value]
    assert notes and f"£{cmp.attrs['ratio_min_investment']:,.0f}" in notes[0]
    plain = load_workbook(write_workbook(comparison, tmp_path / "plain.xlsx"))["summary"]
    shown = [r[roi] for r in plain.iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0] == "local_authority"]
    assert isinstance(shown[0], float)  # the council invested: its ROI is a number without a threshold


def test_the_report_escapes_names_and_never_reads_them_as_mathtext(local, tmp_path):
    comparison, book = local
    cmp = renamed(comparison, {str(comparison["contract"].values[0]): MARKUP, "provider": MARKUP})
    cmp.attrs.update(scenario=MARKUP, baseline=f"{MARKUP}$")  # an unbalanced '$' too
    page = write_html(cmp, tmp_path / "r.html", {MARKUP: f"{MARKUP}.xlsx"})
    text = page.read_text(encoding="utf-8")
    assert "<script>" not in text and r"&lt;script&gt;alert(1)&lt;/script&gt;$x\frac$_y" in text
    assert text.count("data:image/png;base64,") == 6 and "areas: lewisham" in text  # 5 charts and the contracts'
    assert "(84% to" not in text and "of 1 runs" in text  # the chance with its interval and its runs


def test_the_wilson_interval_matches_the_formula_and_scipy():
    z = 1.959963984540054
    for k, n in ((20, 20), (0, 3), (7, 10), (1, 40), (19, 20)):
        p = k / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
        low, high = wilson_interval(p, n)
        assert (low, high) == pytest.approx((max(centre - half, 0), min(centre + half, 1)))
        ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert chance_interval_text(1.0, 20) == "100% (84% to 100%) of 20 runs"
    assert chance_interval_text(0.0, 3) == "0% (0% to 56%) of 3 runs"


def test_the_wilson_interval_always_holds_the_share_so_error_bars_are_never_negative():
    """make run's three replicates all positive (p = 1) once gave a top of 0.9999999999999999 and a chart that
    matplotlib refused ('yerr' must not contain negative values)."""
    for n in range(1, 301):
        p = np.arange(n + 1) / n
        low, high = wilson_interval(p, n)
        assert (low <= p).all() and (p <= high).all() and (low >= 0).all() and (high <= 1).all(), n


AGENCIES_INVESTING = {"police": 2e7, "local_authority": 50.0}  # the council's £50 is not material


@pytest.fixture(scope="module")
def batch_results():
    """A store's worth of runs, made up: 2 scenarios x 10 draws x 2 replicates. 'good' gains in every
    run; 'mixed' in 5 of 20."""
    book = load_costs()
    agencies, activities = list(book.agencies), [a.name for a in book.activities]
    rng = np.random.default_rng(5)
    shape = (2, 10, 2, len(agencies))
    saved = rng.uniform(1e7, 3e7, shape)  # national sizes: £m * np.array([book.fiscal(a) for a in agencies])
    invest = np.zeros(shape)
    for a, v in AGENCIES_INVESTING.items():
        invest[..., agencies.index(a)] = v
    npv = np.stack([np.full((10, 2), 5e7), np.where(np.arange(20).reshape(10, 2) < 5, 1e7, -1e7)])
    dims = ("scenario", "draw", "replicate", "agency")
    years = [2011, 2012]
    demand = rng.uniform(100, 200, (2, 10, 2, len(activities), len(years)))
    ds = xr.Dataset({
        "pv_savings_cashable": (dims, saved / 2), "pv_savings_fiscal": (dims, saved),
        "pv_savings_economic_social": (dims, np.zeros(shape)), "pv_investment": (dims, invest),
        "pv_net_fiscal_benefit": (dims, saved - invest), "npv_fiscal": (dims[:3], npv),
        "demand_baseline": (dims[:3] + ("activity", "year"), demand),
        "demand_scenario": (dims[:3] + ("activity", "year"), demand - 10),
        "done": (dims[:3], np.ones((2, 10, 2), bool))},
        coords={"scenario": ["good", MARKUP], "draw": range(10), "replicate": range(2), "agency": agencies,
                "activity": activities, "year": years,
                "activity_agency": ("activity", [a.agency for a in book.activities]),
                "activity_label": ("activity", [a.label for a in book.activities])})  # as a store's runs carry it
    ds.attrs["ratio_min_investment"] = 1e4
    return ds, book


def test_the_batch_summary_holds_what_a_policy_team_compares(batch_results, tmp_path):
    results, book = batch_results
    s = summarise(results)
    assert int(s["runs"].sel(scenario="good")) == MIN_RUNS_FOR_INTERVAL
    assert float(s["p_total_positive_low"].sel(scenario="good")) == pytest.approx(wilson_interval(1.0, 20)[0])
    police, council = (s.sel(scenario="good", agency=a) for a in ("police", "local_authority"))
    assert float(police["roi_mean"]) == pytest.approx(float(police["pv_net_fiscal_benefit_mean"] / 2e7))
    assert float(police["roi_p05"]) < float(police["roi_p95"])
    assert np.isnan(float(council["roi_mean"])) and np.isnan(float(council["roi_p05"]))  # £50: not material
    wb = load_workbook(write_batch_workbook(s, tmp_path / "b.xlsx"))
    assert wb.sheetnames == list(BATCH_SHEETS)
    assert not [c.coordinate for c in every_cell(wb) if c.data_type == "f"]
    header = [c.value for c in wb["by_agency"][HEADER_ROW]]
    for what in MEASURES.values():
        assert {f"{what} {k} (£m, PV)" for k in ("mean", "p05", "p95")} <= set(header)
    rows = {(r[0], r[1]): r for r in wb["by_agency"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[1]}
    good = rows[("good", "police")]
    assert good[header.index("runs")] == 20
    assert good[header.index("investment mean (£m, PV)")] == pytest.approx(20.0)
    assert good[header.index("ROI mean (ratio)")] == pytest.approx(float(police["roi_mean"]))
    assert rows[("good", "local_authority")][header.index("ROI mean (ratio)")] == NOT_APPLICABLE
    chance = wb["chance_of_net_benefit"]
    ch = [c.value for c in chance[HEADER_ROW]]
    total = [r for r in chance.iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[:2] == ("good", "total")][0]
    assert total[ch.index("chance: 95% low (Wilson)")] == pytest.approx(0.8389, abs=1e-4)
    assert total[ch.index("runs")] == 20
    demand = list(wb["demand_change"].iter_rows(min_row=FIRST_DATA_ROW, values_only=True))
    assert any(r[1:4] == ("Prison place (sentenced or recalled)", "prison_place_week", "prisons")
               and r[5] == pytest.approx(-20) for r in demand)
    text = write_batch_html(s, book, MARKUP, tmp_path / "b.html").read_text(encoding="utf-8")
    assert "<script>" not in text and "100% (84% to 100%) of 20 runs" in text
    assert "25% (11% to 47%) of 20 runs" in text  # 'mixed': 5 of 20
    assert all(what in text for what in MEASURES.values()) and "Demand change" in text and NOT_APPLICABLE in text
    table = batch_table(s, "t")
    assert [c.header for c in table.columns][-1] == "ROI" and "Wilson" in table.caption
