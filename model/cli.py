"""The command line: it parses arguments and calls the layers below; nothing else happens here.

    jrsim run [SCENARIO]              one scenario (default: the shipped baseline)
    jrsim compare BASELINE SCENARIO   paired runs, the agency ledger, the workbook and the report
    jrsim scenarios                   the scenarios shipped with the package
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Optional, TypeVar

import typer
from rich.console import Console

from jrsim import engine
from jrsim.core.errors import ScenarioError
from jrsim.economics.costs import load_costs
from jrsim.experiments.paired import run_pairs, seeds_from
from jrsim.outputs.measures import headline, service_table
from jrsim.parameters.library import BASELINE, library_file, resolve, scenario_names
from jrsim.parameters.scenario import Params, parse_override
from jrsim.reporting.html import write_html
from jrsim.reporting.summary import agency_summary, totals
from jrsim.reporting.tables import comparison_table, services_summary, summary_table
from jrsim.reporting.workbook import write_workbook

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Justice-reinvestment cost-benefit simulator.")
err = Console(stderr=True)
CONSOLE_WIDTH = 150  # wide enough for the tables when output is not a terminal
out = Console(width=CONSOLE_WIDTH)
T = TypeVar("T")
EXIT_BAD_INPUT = 2  # the exit code for input refused with a message (as usage errors)
DEFAULT_REPLICATES = 3


@app.callback()
def _root() -> None:
    """Justice-reinvestment cost-benefit simulator."""


def or_exit(action: Callable[[], T]) -> T:
    """Run ``action``; bad input (a ScenarioError) is printed without a traceback, exit code 2."""
    try:
        return action()
    except ScenarioError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(code=EXIT_BAD_INPUT) from None


def load_scenario(path: Path, sets: list[str] | None, seed: int | None) -> Params:
    """Load a scenario (a file, or a shipped one by name) with --set overrides."""
    def load() -> Params:
        overrides = dict(parse_override(s) for s in (sets or []))
        if seed is not None:
            overrides["run.seed"] = seed
        return engine.load(resolve(path), overrides)

    return or_exit(load)


@app.command()
def run(scenario: Path = typer.Argument(library_file(BASELINE), show_default="the shipped baseline",
                                        help="scenario YAML file, or the name of a shipped scenario"),
        set_: Optional[List[str]] = typer.Option(None, "--set", help="override a parameter: dotted.name=value"),
        seed: Optional[int] = typer.Option(None, help="random seed (default: run.seed in the file)"),
        out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the NetCDF output")):
    """Run one scenario; write its Dataset as NetCDF and print a summary."""
    params = load_scenario(scenario, set_, seed)
    started = time.perf_counter()
    ds = engine.run(params)
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
def compare(baseline: Path = typer.Argument(..., help="the counterfactual scenario (file or shipped name)"),
            scenario: Path = typer.Argument(..., help="the scenario (file or shipped name)"),
            replicates: int = typer.Option(DEFAULT_REPLICATES, min=1, help="paired runs (seeds seed, seed+1, ...)"),
            years: Optional[int] = typer.Option(None, help="output years (default: run.horizon_years)"),
            scale: Optional[float] = typer.Option(None, help="run.scale for both (results are national)"),
            seed: Optional[int] = typer.Option(None, help="first seed (default: run.seed of the baseline)"),
            set_: Optional[List[str]] = typer.Option(None, "--set", help="override for both: dotted.name=value"),
            costs: Optional[Path] = typer.Option(None, help="unit-cost file (default: the shipped unit_costs.yaml)"),
            out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the outputs")):
    """Run a scenario and its baseline on the same seeds; savings by agency, cashable or not, NPV, reports."""
    sets = list(set_ or []) + ([f"run.horizon_years={years}"] if years else []) + \
        ([f"run.scale={scale}"] if scale else [])
    base_p, scen_p = load_scenario(baseline, sets, None), load_scenario(scenario, sets, None)
    book = or_exit(lambda: load_costs(costs))
    seeds = seeds_from(base_p["run.seed"] if seed is None else seed, replicates)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        out.print(f"replicate {done}/{total} done ({time.perf_counter() - started:.0f} s)")

    pairs = or_exit(lambda: run_pairs(base_p, scen_p, seeds, book, progress=progress))
    cmp = pairs.comparison
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{scen_p.name}_vs_{base_p.name}"
    files = {"comparison (NetCDF)": f"{stem}.nc", "workbook (Excel)": f"{stem}.xlsx"}
    cmp.to_netcdf(out_dir / files["comparison (NetCDF)"])
    write_workbook(cmp, book, out_dir / files["workbook (Excel)"])
    report = write_html(cmp, pairs.counterfactual, pairs.scenario, book, out_dir / f"{stem}.html", files)
    out.print(comparison_table(cmp, agency_summary(cmp), totals(cmp)))
    for label, name in files.items():
        out.print(f"{label}: {out_dir / name}")
    out.print(f"report: {report}")


@app.command()
def scenarios() -> None:
    """List the scenarios shipped with the package (usable by name in run and compare)."""
    for name in scenario_names():
        out.print(name)


def main() -> None:  # pragma: no cover
    app()
