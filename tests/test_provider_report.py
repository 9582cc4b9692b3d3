"""What the comparison carries of its runs' contracts and providers, and how the workbook and the page
show it, rebuilt by ``jrsim report`` from the NetCDF alone: each contract's results by cohort year (a
real Lewisham pair), the providers' sheets and their creaming-and-parking chart (a synthetic
comparison with exactly the provider variables of SPEC23.md: tests/provider_fixture.py), and nothing
of the providers, nor a change to any variable the ledger writes, for a comparison without them."""
from __future__ import annotations

import subprocess
import sys

import pytest
import xarray as xr
from openpyxl import load_workbook

from jrsim.experiments import paired
from jrsim.reporting import html as html_report
from jrsim.reporting.summary import THOUSAND
from jrsim.reporting.workbook import FIRST_DATA_ROW, HEADER_ROW, PROVIDER_SHEETS, SHEETS, write_workbook
from tests import provider_fixture as fx
from tests.conftest import ROOT
from tests.test_units import problems


@pytest.fixture(scope="module")
def made():
    return fx.provider_comparison()


@pytest.fixture(scope="module")
def reported(made, tmp_path_factory):
    """The comparison with providers as a NetCDF, and what ``jrsim report`` writes from it alone."""
    folder = tmp_path_factory.mktemp("providers")
    netcdf = folder / "tr_vs_baseline.nc"
    made.comparison.to_netcdf(netcdf)
    res = subprocess.run([sys.executable, "-m", "jrsim", "report", str(netcdf), "--out", str(folder / "out")],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    stem = folder / "out" / netcdf.stem
    return load_workbook(f"{stem}.xlsx"), stem.with_suffix(".html").read_text(encoding="utf-8")


def data_rows(ws) -> list[tuple]:
    return [r for r in ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True) if r[0] is not None]


def header(ws) -> list[str]:
    return [c.value for c in ws[HEADER_ROW]]


# ---------------------------------------------------------------- contracts' results (a real pair)
def test_the_comparison_carries_each_measurement_and_payment_of_the_scenario_run(made):
    cmp, run = made.comparison, made.scenario_run
    assert run.sizes["measurement"] > 0
    for i in range(run.sizes["measurement"]):
        m = run.isel(measurement=i)
        at = cmp.sel(result_contract=str(m["measured_contract"].values), result_year=int(m["measured_year"]),
                     measure=str(m["measure"].values), replicate=fx.SEEDS[0])
        assert float(at["contract_observed"]) == float(m["contract_observed"])
        assert float(at["contract_reference"]) == float(m["contract_reference"])
        assert float(at["contract_met"]) == float(bool(m["met"]))
    pays = run["contract_payments"]
    results = pays.where(pays["purpose"] == "results", drop=True)
    assert float(results.sum()) > 0  # the seed pays results: the check below could fail
    paid = cmp["contract_paid"].sel(paid_for="results", replicate=fx.SEEDS[0])
    assert float(paid.sum()) == pytest.approx(float(results.sum()))  # priced in 2012, the base year
    real = ["fee", "results"]  # the scenario's; 'freq' is the fixture's, let but never measured or paid
    assert list(cmp["result_contract_areas"].sel(result_contract=real).values) == ["lewisham", "lewisham"]
    assert float(abs(cmp["contract_paid"].sel(result_contract="freq")).sum()) == 0


def test_the_results_table_is_one_row_per_contract_year_with_its_areas_measures_and_pay(made, reported):
    wb, page = reported
    ws = wb["contract_results"]
    head, rows = header(ws), data_rows(ws)
    cmp = made.comparison.sel(replicate=fx.SEEDS[0])
    assert [(r[0], r[4]) for r in rows] == [(c, int(y)) for c in ("fee", "results") for y in cmp["result_year"].values]
    col = {h: i for i, h in enumerate(head)}
    binary = "proven reoffending rate (binary)"
    for r in rows:
        at = cmp.sel(result_contract=r[0], result_year=r[4], measure="binary")
        fell = float(at["contract_observed"]) < float(at["contract_reference"])
        assert r[3] == "lewisham" and r[col[f"{binary}: fell against its reference"]] == ("yes" if fell else "no")
        assert r[col[f"{binary}: target met"]] == ("yes" if float(at["contract_met"]) else "no")
        paid = cmp["contract_paid"].sel(result_contract=r[0], result_year=r[4])
        for purpose, title in (("fee", "fee"), ("fee_repaid", "fee repaid"), ("results", "results")):
            shown = r[col[f"paid: {title} (£k)"]]
            assert shown == pytest.approx(float(paid.sel(paid_for=purpose)) / THOUSAND)
    assert {r[col[f"{binary}: fell against its reference"]] for r in rows} == {"yes", "no"}  # both kinds of year
    assert "Results by contract and cohort year" in page and "gateway: drug treatment community starts" in page


# ---------------------------------------------------------------- providers (synthetic, SPEC23.md's variables)
def test_the_provider_sheets_come_before_the_assumptions(reported):
    wb, _ = reported
    at = list(SHEETS).index("assumptions")
    expected = [*list(SHEETS)[:at], *PROVIDER_SHEETS, *list(SHEETS)[at:]]
    assert wb.sheetnames == expected
    assert [r[0] for r in data_rows(wb["contents"])] == expected


def test_each_providers_effort_and_rate_change_by_band_over_its_cohorts(reported):
    wb, page = reported
    ws = wb["providers"]
    col = {h: i for i, h in enumerate(header(ws))}
    rows = {r[0]: r for r in data_rows(ws)}
    assert set(rows) == set(fx.PROVIDERS)
    for p, measure in (("provider", "binary"), ("crc_freq", "frequency")):
        r = rows[p]
        assert r[col["measure"]] == measure and r[col["areas"]] == "lewisham"
        bands = [b.replace("_", " ") for b in fx.BANDS]
        assert [r[col[f"effort: {b} (multiple of need)"]] for b in bands] == pytest.approx(fx.EFFORT[p])
        # the incomplete 2014 quarters (everyone reoffends) are left out, and each provider's own disposals used
        assert [r[col[f"reoffending rate change: {b} (percentage points)"]] for b in bands] == \
            pytest.approx([100 * c for c in fx.CHANGE[p]])
    assert rows["provider"][col["handed back on (date)"]] == "never"
    assert rows["crc_freq"][col["handed back on (date)"]] == "2012-07-01"
    assert rows["crc_freq"][col["kind"]] == "local voluntary"  # labels, not keys
    assert "Providers: effort and outcomes by risk band" in page and 'alt="providers"' in page


def test_the_activity_finance_and_decision_sheets_hold_every_period_band_and_decision(made, reported):
    wb, _ = reported
    cmp = made.comparison
    activity = data_rows(wb["provider_activity"])
    assert len(activity) == len(fx.PROVIDERS) * fx.REVIEWS * len(fx.BANDS)
    first = activity[0]
    assert first[:3] == ("provider", fx.provider_variables(made.scenario_run, 0)["provider_effort"]["review_on"]
                         .dt.strftime("%Y-%m-%d").values[0], "low") and first[3] == pytest.approx(fx.EFFORT["provider"][0])
    handed_back = fx.provider_variables(made.scenario_run, 0)["provider_effort"]["review_on"].values[fx.HANDED_BACK]
    after = [r for r in activity if r[0] == "crc_freq" and r[1] >= str(handed_back)[:10]]
    assert len(after) == (fx.REVIEWS - fx.HANDED_BACK) * len(fx.BANDS)
    assert {r[3] for r in after} == {None} and {r[4] for r in after} == {0}  # the fallback's need effort: not shown
    finances = data_rows(wb["provider_finances"])
    assert len(finances) == len(fx.PROVIDERS) * fx.REVIEWS
    income = cmp["provider_income"].mean("replicate").sel(provider="crc_freq").values / THOUSAND
    assert [r[2] for r in finances if r[0] == "crc_freq"] == pytest.approx(income)
    decisions = data_rows(wb["provider_decisions"])
    logged = fx.REVIEWS * len(fx.PROVIDERS) - (fx.REVIEWS - 1 - fx.HANDED_BACK)
    assert len(decisions) == 2 * logged - 1  # the second run's log is one shorter: its padding is not a decision
    assert ("handed back" in {r[3] for r in decisions}) and {r[0] for r in decisions} == set(fx.SEEDS)


# ---------------------------------------------------------------- replicates that differ (as TR's do), the NPS
@pytest.fixture(scope="module")
def replicated(made, tmp_path_factory):
    """Three replicates in which crc_freq hands back on different dates (or never), with a National
    Probation Service: the comparison, and what ``jrsim report`` writes from its NetCDF alone."""
    cmp = fx.replicate_comparison(made)
    assert cmp["provider_handed_back_on"].dims == ("replicate", "provider")  # as in TR with several replicates
    folder = tmp_path_factory.mktemp("replicates")
    netcdf = folder / "replicates.nc"
    cmp.to_netcdf(netcdf)
    res = subprocess.run([sys.executable, "-m", "jrsim", "report", str(netcdf), "--out", str(folder / "out")],
                         capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    stem = folder / "out" / netcdf.stem
    return cmp, load_workbook(f"{stem}.xlsx"), stem.with_suffix(".html").read_text(encoding="utf-8")


def test_replicates_that_hand_back_on_different_dates_are_reported_with_the_earliest_and_means(made, replicated):
    cmp, wb, page = replicated
    ws = wb["providers"]
    col = {h: i for i, h in enumerate(header(ws))}
    rows = {r[0]: r for r in data_rows(ws)}
    review_on = cmp["review_on"].dt.strftime("%Y-%m-%d").values
    handed = [h for h in fx.REPLICATE_HAND_BACKS if h is not None]
    text = f"{review_on[min(handed)]} (earliest; in {len(handed)} of {len(fx.REPLICATE_SEEDS)} replicates)"
    assert rows["crc_freq"][col["handed back on (date)"]] == text and rows["provider"][col["handed back on (date)"]] == "never"
    assert html_report.html.escape(text) in page
    bands = [b.replace("_", " ") for b in fx.BANDS]
    # the periods after each replicate's hand-back (need effort, no caseload) are not crc_freq's effort
    assert [rows["crc_freq"][col[f"effort: {b} (multiple of need)"]] for b in bands] == pytest.approx(fx.EFFORT["crc_freq"])
    income = [r[col[h]] for r in (rows["crc_freq"],) for h in col if h.startswith("income")]
    assert income == pytest.approx([float(cmp["provider_income"].sel(provider="crc_freq").sum("review").mean()) / THOUSAND])
    activity = [r for r in data_rows(wb["provider_activity"]) if r[0] == "crc_freq" and r[2] == "low"]
    # served in the later replicates only, then in none: their mean effort, then blank
    assert [r[3] for r in activity[fx.HANDED_BACK:]] == [fx.EFFORT["crc_freq"][0], fx.EFFORT["crc_freq"][0]]
    finances = [r for r in data_rows(wb["provider_finances"]) if r[0] == "crc_freq"]
    assert [r[2] for r in finances] == pytest.approx(cmp["provider_income"].mean("replicate").sel(provider="crc_freq")
                                                     .values / THOUSAND)
    decisions = data_rows(wb["provider_decisions"])
    assert {r[0] for r in decisions} == set(fx.REPLICATE_SEEDS)
    assert sum(r[3] == "handed back" for r in decisions) == len(handed)
    assert len(data_rows(wb["contract_results"])) > 0 and 'alt="providers"' in page


def test_the_national_probation_service_has_no_contract_no_reserves_and_no_bands_it_does_not_serve(replicated):
    _, wb, page = replicated
    ws = wb["providers"]
    col = {h: i for i, h in enumerate(header(ws))}
    nps = {r[0]: r for r in data_rows(ws)}[fx.NPS]
    assert nps[col["kind"]] == "national probation service" and nps[col["measure"]] == "no contract"
    reserves = [h for h in col if h.startswith("reserves at the end")]
    assert reserves and nps[col[reserves[0]]] is None  # not the run's placeholder
    assert fx.NPS_RESERVES / THOUSAND not in nps
    bands = [b.replace("_", " ") for b in fx.BANDS]
    served = [e == e for e in fx.NPS_EFFORT]
    assert [nps[col[f"effort: {b} (multiple of need)"]] is not None for b in bands] == served
    assert [nps[col[f"reoffending rate change: {b} (percentage points)"]] is not None for b in bands] == served
    assert "<td>no contract</td>" in page


def test_the_chart_draws_the_effort_each_provider_served_with_and_the_nps_under_no_contract(replicated, monkeypatch):
    cmp, _, _ = replicated
    drawn = []
    monkeypatch.setattr(html_report, "_png", lambda fig: drawn.append(fig) or "")
    html_report.providers_chart(cmp)
    axes = drawn[0].axes
    columns = len(axes) // 2
    titles = [ax.get_title() for ax in axes[:columns]]
    assert titles == ["binary (1 provider)", "frequency (1 provider)", "no contract (1 provider)"]
    effort = axes[titles.index("frequency (1 provider)")].lines[0].get_ydata()  # crc_freq's line
    assert list(effort) == pytest.approx(fx.EFFORT["crc_freq"])  # not raised by the need effort after its hand-back


def test_provider_money_headers_name_the_providers_price_year(made, replicated, tmp_path):
    cmp, wb, page = replicated
    base = cmp.attrs["price_base"]
    money = {"providers": ("income", "costs", "reserves at the end"), "provider_finances": ("income", "costs"),
             "provider_decisions": ("expected results",)}
    for sheet, titles in money.items():
        for title in titles:
            assert any(h.startswith(f"{title} (") and "the provider's price year" in h and base in h
                       for h in header(wb[sheet])), (sheet, title)
    assert any(h.startswith("contacts (") and "review period" in h for h in header(wb["provider_activity"]))
    priced = cmp.assign_coords({"provider_price_year": ("provider", [2014] * cmp.sizes["provider"])})
    write_workbook(priced, tmp_path / "priced.xlsx")
    heads = header(load_workbook(tmp_path / "priced.xlsx")["providers"])
    assert "income (£k, 2014 prices)" in heads and "reserves at the end (£k, 2014 prices)" in heads
    assert "income (£k, 2014 prices)" in html_report._providers_section(priced)


def test_every_carried_variable_has_the_unit_of_its_kind(made, tmp_path):
    made.comparison.to_netcdf(tmp_path / "c.nc")
    with xr.open_dataset(tmp_path / "c.nc") as ds:
        assert not problems("c.nc", ds.load())


def test_without_providers_there_is_no_provider_sheet_or_section(made, tmp_path):
    plain = made.plain
    assert not any(str(v).startswith("provider_") for v in plain.data_vars)
    write_workbook(plain, tmp_path / "plain.xlsx")
    assert load_workbook(tmp_path / "plain.xlsx").sheetnames == list(SHEETS)


def test_what_is_carried_adds_variables_and_changes_none_the_ledger_writes(made, monkeypatch):
    """The same real pair compared with nothing carried: every variable and attribute it has is identical."""
    monkeypatch.setattr(paired, "carried", lambda *args: xr.Dataset())
    without = made.compare(made.runs)
    added = set(made.plain.variables) - set(without.variables)
    assert {"contract_observed", "contract_paid", "result_contract_areas"} <= added
    for name in without.variables:
        xr.testing.assert_identical(made.plain[name], without[name])
    assert made.plain.attrs == without.attrs


def test_the_chart_reads_at_transforming_rehabilitations_size(made, monkeypatch):
    """21 providers: one column per measure, bands across, each provider a thin line and no legend."""
    cmp = made.comparison
    names = [f"crc_{i}" for i in range(20)] + ["nps"]
    measures = ["binary with frequency hurdle"] * 20 + ["fee for service only"]
    big = xr.concat([cmp.sel(provider=["provider"]).assign_coords(provider=[n], provider_measure=("provider", [m]))
                     for n, m in zip(names, measures)], dim="provider", data_vars="minimal", coords="minimal",
                    compat="override")
    drawn = []
    monkeypatch.setattr(html_report, "_png", lambda fig: drawn.append(fig) or "")
    html_report.providers_chart(big)
    (fig,) = drawn
    axes = fig.axes
    assert len(axes) == 2 * 2 and not any(ax.get_legend() for ax in axes)
    assert [ax.get_title() for ax in axes[:2]] == ["binary with frequency hurdle (20 providers)",
                                                  "fee for service only (1 provider)"]
    assert len(axes[0].lines) == 20 + 2 and len(axes[1].lines) == 1 + 2  # each provider, the mean, the need line
    assert [t.get_text() for t in axes[2].get_xticklabels()] == ["low", "medium", "high", "very high"]
