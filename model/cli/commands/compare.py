"""jrsim compare: paired runs of a scenario and its baseline, the agency ledger, the workbook and the report."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

from jrsim.cli.inputs import SCHEDULER, WORKERS, cluster_options, load_scenario, options, settings_of
from jrsim.cli.sequence import kept_if_reports_fail, write_set
from jrsim.cli.signals import stop_if_interrupted
from jrsim.cli.terminal import console
from jrsim.parameters.library import resolve
from jrsim.reporting.output_set import OutputSet, manifest_path

DEFAULT_REPLICATES = 3
MAX_REPLICATES = 10_000


def compare(baseline: Path = typer.Argument(..., help="the counterfactual scenario (file or shipped name)"),
            scenario: Path = typer.Argument(..., help="the scenario (file or shipped name)"),
            replicates: int = typer.Option(DEFAULT_REPLICATES, min=1, max=MAX_REPLICATES,
                                           help="paired runs (seeds seed, seed+1, ...)"),
            years: Optional[int] = typer.Option(None, help="output years (default: run.horizon_years)"),
            scale: Optional[float] = typer.Option(None, help="run.scale for both (results are national)"),
            seed: Optional[int] = typer.Option(None, help="first seed (default: run.seed of the baseline)"),
            set_: Optional[List[str]] = typer.Option(None, "--set", help="override for both: dotted.name=value"),
            costs: Optional[Path] = typer.Option(None, help="unit-cost file (default: the shipped unit_costs.yaml)"),
            out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the outputs"),
            overwrite: bool = typer.Option(False, help="replace a set of the same name made with other settings"),
            workers: Optional[int] = WORKERS,
            scheduler: Optional[str] = SCHEDULER):
    """Run a scenario and its baseline on the same seeds; savings by agency, cashable or not, NPV, reports."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim.economics.costs import load_costs
    from jrsim.experiments.paired import check_pair, run_pairs, seeds_from
    from jrsim.reporting.report import SUFFIXES, linked_files, write_reports
    from jrsim.reporting.summary import agency_summary, totals
    from jrsim.reporting.tables import comparison_table, contracts_table

    workers = cluster_options(scheduler, workers)
    opts = options(seed, scale, years)
    base_p, scen_p = load_scenario(baseline, set_, opts), load_scenario(scenario, set_, opts)
    book = load_costs(costs)
    check_pair(base_p, scen_p, book)  # all a pair task would refuse, before any worker starts
    seeds = seeds_from(base_p["run.seed"], replicates)
    stem = f"{resolve(scenario).stem}_vs_{resolve(baseline).stem}"
    settings = settings_of("compare", baseline=resolve(baseline).resolve(), scenario=resolve(scenario).resolve(),
                           set=list(set_ or []), seeds=seeds, scale=base_p["run.scale"],
                           years=base_p["run.horizon_years"], costs=Path(book.path).resolve())
    inputs = [Path(f) for f in (*base_p.files, *scen_p.files, book.path)]
    out = OutputSet(out_dir, stem, "compare", settings, inputs, SUFFIXES, overwrite)
    files = linked_files(stem)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        """A bar with the time left on a terminal (the runner draws it); a line a replicate otherwise (a log)."""
        stop_if_interrupted()
        if not console.is_terminal:
            elapsed = time.perf_counter() - started
            console.print(f"replicate {done}/{total} done ({elapsed:.0f} s, about "
                          f"{elapsed / done * (total - done):.0f} s left)")

    def work(out: OutputSet):
        comparison = run_pairs(base_p, scen_p, seeds, book, progress=progress, workers=workers, scheduler=scheduler,
                               show=console.is_terminal)
        netcdf = out.path(".nc")
        comparison.to_netcdf(netcdf)
        with kept_if_reports_fail(netcdf, out):
            return write_reports(netcdf, out.path(".xlsx"), out.path(".html"), stem)  # from the NetCDF, as jrsim report

    cmp = write_set(out, work)
    console.print(comparison_table(cmp, agency_summary(cmp), totals(cmp)))
    contracts = contracts_table(cmp)
    if contracts is not None:
        console.print(contracts)
    for label, name in files.items():
        console.print(f"{label}: {out_dir / name}")
    console.print(f"report: {out.final('.html')}")
    console.print(f"manifest: {manifest_path(out_dir, stem)}")
