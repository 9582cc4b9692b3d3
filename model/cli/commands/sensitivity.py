"""jrsim sensitivity: Morris screening or Sobol indices of one output of a comparison."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from jrsim.cli.inputs import ALLOW_LONG, OVERWRITE_STORE, SCHEDULER, WORKERS, experiment_on_cluster
from jrsim.cli.sequence import write_set
from jrsim.cli.terminal import console
from jrsim.reporting.output_set import OutputSet


def sensitivity(experiment: Path = typer.Argument(..., help="experiment YAML with a sensitivity: section (or a shipped name)"),
                workers: Optional[int] = WORKERS,
                scheduler: Optional[str] = SCHEDULER,
                out_dir: Path = typer.Option(Path("out"), "--out", help="folder for the store, indices and report"),
                overwrite: bool = OVERWRITE_STORE,
                allow_long: bool = ALLOW_LONG):
    """Morris screening or Sobol indices (SALib) of one output of a comparison, through the batch runner."""
    # imported when the command runs, not when the command line is read: `jrsim --help` starts at once
    from jrsim.experiments.sensitivity import check_sensitivity, run_sensitivity
    from jrsim.reporting.html import write_sensitivity_html
    from jrsim.reporting.tables import sensitivity_table

    exp, workers = experiment_on_cluster(experiment, scheduler, workers)
    check_sensitivity(exp, workers, allow_long)  # before any worker starts
    stem = f"{exp.path.stem}_sensitivity"
    out = OutputSet(out_dir, f"{stem}_indices", "sensitivity", {"experiment": str(exp.path),
                                                                 "fingerprint": exp.fingerprint()},
                    [exp.path], (".nc", ".html"), overwrite=True)

    def work(out: OutputSet):
        si, noise = run_sensitivity(exp, out_dir, workers, scheduler, overwrite)
        si.merge(noise).to_netcdf(out.path(".nc"))
        write_sensitivity_html(si, noise, out.path(".html"))
        return si, noise

    si, noise = write_set(out, work, interrupted=f"finished evaluations are kept in {out_dir}; "
                                                 f"run the same command to resume")
    console.print(sensitivity_table(si, noise))
    console.print(f"indices: {out.final('.nc')}; report: {out.final('.html')}")
