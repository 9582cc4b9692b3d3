"""jrsim compare: NetCDF, an Excel workbook that holds the same numbers, and an HTML report with charts."""
from __future__ import annotations

import subprocess
import sys

import pytest
import xarray as xr
from openpyxl import load_workbook

from jrsim.core.constants import MILLION
from jrsim.economics.costs import load_costs
from jrsim.experiments.check_report import chromium, dom, screenshot
from jrsim.reporting.workbook import FIRST_DATA_ROW, HEADER_ROW, SHEETS
from tests.conftest import BASELINE, ROOT

pytestmark = pytest.mark.xdist_group("report")  # one worker: the comparison is written once


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("compare")
    res = subprocess.run([sys.executable, "-m", "jrsim", "compare", str(BASELINE),
                          str(ROOT / "scenarios" / "justice_reinvestment.yaml"), "--replicates", "2", "--scale", "0.005",
                          "--years", "3", "--set", "run.warmup_years=1", "--out", str(out)],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    stem = out / "justice_reinvestment_vs_baseline"
    return res.stdout, xr.open_dataset(f"{stem}.nc"), load_workbook(f"{stem}.xlsx"), stem.with_suffix(".html")


def test_headline_table_is_printed(outputs):
    stdout, *_ = outputs
    assert "NPV fiscal" in stdout and "prisons" in stdout and "report:" in stdout


def test_workbook_holds_the_netcdf_numbers(outputs):
    _, cmp, wb, _ = outputs
    assert wb.sheetnames == list(SHEETS)
    summary = wb["summary"]
    header = [c.value for c in summary[HEADER_ROW]]
    mean = cmp.mean("replicate")  # a national comparison: £m on every sheet
    for row in summary.iter_rows(min_row=FIRST_DATA_ROW, max_row=FIRST_DATA_ROW + mean.sizes["agency"] - 1,
                                 values_only=True):
        agency = row[0]
        assert row[header.index("cashable (£m, present value)")] * MILLION == pytest.approx(
            float(mean.pv_savings_cashable.sel(agency=agency)))
        assert row[header.index("investment (£m, present value)")] * MILLION == pytest.approx(
            float(mean.pv_investment.sel(agency=agency)))
    matrix = wb["matrix"]
    savers = [c.value.split(" (")[0] for c in matrix[HEADER_ROW]][1:]
    for row in matrix.iter_rows(min_row=FIRST_DATA_ROW, values_only=True):
        for saver, value in zip(savers, row[1:]):
            assert value * MILLION == pytest.approx(float(mean.matrix.sel(investor=row[0], saver=saver)))
    assert wb["assumptions"].max_row > 15  # every unit cost, with its source
    assert all("all of England and Wales" in ws.cell(HEADER_ROW - 1, 1).value for ws in wb)


def test_the_assumptions_sheet_shows_each_cost_by_its_label_with_its_key(outputs):
    _, cmp, wb, _ = outputs
    sheet = wb["assumptions"]
    assert [c.value for c in sheet[HEADER_ROW]][:2] == ["activity", "key"]
    rows = [row[:2] for row in sheet.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)]
    assert ("Prison place (sentenced or recalled)", "prison_place_week") in rows
    # the comparison's NetCDF carries the labels too: a report made from it alone shows them
    assert "Prison place (sentenced or recalled)" in [str(v) for v in cmp["activity_label"].values]


def _by_agency_and_year(ws, first_value_col: int = 1) -> dict[tuple, list[float]]:
    """A sheet laid out as note, areas, header (label columns then years), rows -> {labels: values in £}."""
    return {tuple(row[:first_value_col]): [v * MILLION for v in row[first_value_col:]]
            for row in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True)}


def test_yearly_sheets_hold_the_netcdf_numbers(outputs):
    _, cmp, wb, _ = outputs
    mean = cmp.mean("replicate")
    years = [int(y) for y in mean.year.values]
    assert [c.value for c in wb["investment_by_funder"][HEADER_ROW]][1:] == [f"{y} (£m)" for y in years]
    savings = mean.savings_fiscal + mean.savings_economic_social
    for (agency,), values in _by_agency_and_year(wb["savings_by_agency_year"]).items():
        assert values == pytest.approx(list(savings.sel(agency=agency).values))
    for (agency,), values in _by_agency_and_year(wb["investment_by_funder"]).items():
        assert values == pytest.approx(list(mean.investment.sel(agency=agency).values))
    split = _by_agency_and_year(wb["cashable_split"], 2)
    assert len(split) == 3 * mean.sizes["agency"]
    for (agency, kind), values in split.items():
        assert values == pytest.approx(list(mean[f"savings_{kind}"].sel(agency=agency).values))
    assert any(v != 0 for (a, k), vals in split.items() if k == "cashable" for v in vals)


def test_html_report_holds_the_charts(outputs):
    *_, page = outputs
    text = page.read_text()
    assert text.count("data:image/png;base64,") == 5
    assert "Chance of a net benefit" in text and "P(net &gt; 0)" in text and "Wilson" in text
    assert "areas: all of England and Wales" in text and "of 2 runs" in text
    assert "Who invests" in text or 'alt="matrix"' in text


@pytest.mark.skipif(chromium() is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_report_renders_in_a_real_browser(outputs, tmp_path):
    *_, page = outputs
    built = dom(page)
    assert built.count("<img") == 5 and "compared with baseline" in built and "Who invests, who saves" in built
    png = screenshot(page, tmp_path / "report.png")
    assert png.stat().st_size > 20_000  # a blank page is a few kB


# ---------------------------------------------------------------- jrsim report: the same page from the NetCDF alone
def jrsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jrsim", *args], capture_output=True, text=True, cwd=ROOT)


def cell_values(wb) -> dict[str, list[list]]:
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in wb}


def test_report_from_the_netcdf_alone_is_the_page_and_workbook_compare_wrote(outputs, tmp_path):
    """Nothing is normalised in the page: it links the set's files by name and holds no path or time of its
    own. The workbook is compared cell by cell: its file differs only in the creation time openpyxl stamps."""
    _, cmp, wb, page = outputs
    alone = tmp_path / "alone"
    (alone / "in").mkdir(parents=True)
    netcdf = alone / "in" / page.with_suffix(".nc").name
    netcdf.write_bytes(page.with_suffix(".nc").read_bytes())  # the NetCDF alone, away from compare's set
    res = jrsim("report", str(netcdf), "--out", str(alone / "again"))
    assert res.returncode == 0, res.stderr
    again = alone / "again" / page.name
    assert again.read_bytes() == page.read_bytes()
    assert cell_values(load_workbook(again.with_suffix(".xlsx"))) == cell_values(wb)
    assert (alone / "again" / netcdf.name).read_bytes() == netcdf.read_bytes()  # the set is whole: the page links it
    assert f"report: {again}" in res.stdout and (alone / "again" / f"{page.stem}.manifest.json").is_file()


def test_the_comparison_carries_what_the_report_draws(outputs):
    _, cmp, _, _ = outputs
    spend = cmp["weekly_spend_scenario"]
    assert set(spend.dims) == {"replicate", "agency", "time"} and spend.sizes["replicate"] == 2
    assert spend.attrs["units"] == "GBP (2012 prices) per week" and float(spend.sum()) > 0
    assert list(cmp["agency_kind"].values).count("fiscal") == cmp.sizes["agency"] - 1  # the cost of crime is not
    assert cmp["unit_cost"].attrs["units"].startswith("GBP (2012 prices) per unit")
    assert list(cmp["unit_cost"].values) == [a.cost for a in load_costs().activities]  # as the cost file says


@pytest.mark.parametrize("make, says", [
    (lambda p: None, "no such file"),
    (lambda p: p.write_text("not a NetCDF\n"), "not a NetCDF file"),
    (lambda p: xr.Dataset({"npv_fiscal": 1.0}).to_netcdf(p), "not a comparison written by jrsim compare"),
])
def test_report_refuses_what_is_not_a_comparison_in_one_line(tmp_path, make, says):
    path = tmp_path / "x_vs_y.nc"
    make(path)
    res = jrsim("report", str(path), "--out", str(tmp_path / "out"))
    lines = res.stderr.strip().splitlines()
    assert res.returncode == 2 and len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert lines[0].startswith(f"error: {path}: {says}"), lines[0]
    assert not (tmp_path / "out").exists()  # refused before the folder is touched
