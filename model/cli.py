"""The command line: ``jrsim run`` (one scenario) and the commands later issues add."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from model import params as P

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Justice-reinvestment cost-benefit simulator.")
err = Console(stderr=True)


@app.callback()
def _root() -> None:
    """Justice-reinvestment cost-benefit simulator."""


out = Console(width=150)  # wide enough for the tables when output is not a terminal


def or_exit(action):
    """Run ``action``; bad input (a ScenarioError) is printed without a traceback, exit code 2."""
    try:
        return action()
    except P.ScenarioError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(code=2) from None


def load_scenario(path: Path, sets: list[str] | None, seed: int | None) -> P.Params:
    """Load a scenario with --set overrides; exits with a clear message on bad input."""
    def load() -> P.Params:
        overrides = dict(P.parse_override(s) for s in (sets or []))
        if seed is not None:
            overrides["run.seed"] = seed
        return P.load(path, overrides)

    return or_exit(load)


def summary_table(title: str, measures: dict[str, float], scale: float) -> Table:
    from calibration.targets import load_targets

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


@app.command()
def run(scenario: Path = typer.Argument(..., help="scenario YAML file"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a parameter: dotted.name=value"),
        seed: Optional[int] = typer.Option(None, help="random seed (default: run.seed in the file)"),
        out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF output")):
    """Run one scenario; write its Dataset as NetCDF and print a summary."""
    from model.outputs import headline, service_table
    from model.simulation import run as simulate

    params = load_scenario(scenario, set_, seed)
    started = time.perf_counter()
    ds = simulate(params)
    seconds = time.perf_counter() - started
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{params.name}.nc"
    ds.to_netcdf(path)
    scale = params["run.scale"]
    out.print(summary_table(f"{params.name}: {params['run.horizon_years']} years from {params['run.start_year']}, "
                            f"scale {scale:g}, seed {ds.attrs['seed']} ({seconds:.1f} s)", headline(ds), scale))
    services = service_table(ds)
    if any(r["referrals_per_year"] > 0 for r in services):
        out.print(services_summary(services))
    out.print(f"output: {path}")


@app.command()
def compare(baseline: Path = typer.Argument(..., help="the counterfactual scenario YAML"),
            scenario: Path = typer.Argument(..., help="the scenario YAML"),
            replicates: int = typer.Option(3, min=1, help="paired runs (seeds seed, seed+1, ...)"),
            years: Optional[int] = typer.Option(None, help="output years (default: run.horizon_years)"),
            scale: Optional[float] = typer.Option(None, help="run.scale for both (results are national)"),
            seed: Optional[int] = typer.Option(None, help="first seed (default: run.seed of the baseline)"),
            set_: Optional[List[str]] = typer.Option(None, "--set", help="override for both: dotted.name=value"),
            costs: Path = typer.Option(None, help="unit-cost file (default: scenarios/unit_costs.yaml)"),
            out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the outputs")):
    """Run a scenario and its baseline on the same seeds; savings by agency, cashable or not, NPV, reports."""
    from model.costs import DEFAULT_COSTS, load_costs
    from model import ledger  # ledger.compare: not to be confused with this command
    from model.report import totals, agency_summary, write_html, write_workbook
    from model.simulation import run as simulate

    sets = list(set_ or []) + ([f"run.horizon_years={years}"] if years else []) + \
        ([f"run.scale={scale}"] if scale else [])
    base_p, scen_p = load_scenario(baseline, sets, None), load_scenario(scenario, sets, None)
    book = or_exit(lambda: load_costs(costs or DEFAULT_COSTS))
    or_exit(lambda: ledger.check_coverage(book))
    first = int(base_p["run.seed"] if seed is None else seed)
    started = time.perf_counter()
    bases, scens = [], []
    for r in range(replicates):
        bases.append(simulate(base_p, first + r))
        scens.append(simulate(scen_p, first + r))
        out.print(f"replicate {r + 1}/{replicates} done ({time.perf_counter() - started:.0f} s)")
    cmp = or_exit(lambda: ledger.compare(bases, scens, book))  # e.g. a service funder the cost file lacks
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{scen_p.name}_vs_{base_p.name}"
    files = {"comparison (NetCDF)": f"{stem}.nc", "workbook (Excel)": f"{stem}.xlsx"}
    cmp.to_netcdf(out_dir / files["comparison (NetCDF)"])
    write_workbook(cmp, book, out_dir / files["workbook (Excel)"])
    report = write_html(cmp, bases, scens, book, out_dir / f"{stem}.html", files)
    out.print(comparison_table(cmp, agency_summary(cmp), totals(cmp)))
    for label, name in files.items():
        out.print(f"{label}: {out_dir / name}")
    out.print(f"report: {report}")


def comparison_table(cmp, rows: list[dict], total: dict) -> Table:
    table = Table(title=f"{cmp.attrs['scenario']} vs {cmp.attrs['baseline']}: present value, £m "
                        f"({cmp.attrs['price_base']}, national, {total['replicates']} paired replicates)",
                  caption=f"NPV fiscal £{total['npv_fiscal'] / 1e6:,.1f}m (5-95%: {total['npv_fiscal_p05'] / 1e6:,.1f} "
                          f"to {total['npv_fiscal_p95'] / 1e6:,.1f}); cashable net of investment "
                          f"£{total['npv_cashable'] / 1e6:,.1f}m; economic/social £{total['npv_economic_social'] / 1e6:,.1f}m; "
                          f"ROI {total['roi_total']:.2f}")
    for col in ("agency", "cashable", "non-cashable", "economic/social", "investment", "net fiscal", "net 5-95%",
                "payback"):
        table.add_column(col, justify="left" if col == "agency" else "right")
    for r in rows:
        payback = "" if r["payback_year"] != r["payback_year"] else f"{r['payback_year']:.0f}"
        table.add_row(r["agency"], *(f"{r[k] / 1e6:,.1f}" for k in ("cashable", "non_cashable", "economic_social",
                                                                  "investment", "net_fiscal")),
                      f"{r['net_fiscal_p05'] / 1e6:,.1f} to {r['net_fiscal_p95'] / 1e6:,.1f}", payback)
    return table


def main() -> None:  # pragma: no cover
    app()
